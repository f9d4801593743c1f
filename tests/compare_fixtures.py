"""Fixtures for the comparison tests (`pytest_plugins = ["compare_fixtures"]`): a real index of
two drafts of one text (a zero draft and a final text, linked by the catalog's `work`) and a
third document staff may link, plus the Flask app over it."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import build_files
from openapi_check import response_errors

from indexer import config

HOSTILE = "<script>alert(1)</script>"

ZERO = f"""A/99/ZD

Compact on local migration governance

I. Commitments

1. States commit to cooperate on safe, orderly and regular migration in full respect of the \
human rights of all migrants, regardless of their migration status.

2. We will strengthen the capacities of local authorities to provide basic services to \
migrants and host communities in cooperation with national governments.

3. We will reduce the transaction costs of migrant remittances to less than three per cent \
by 2030 and eliminate remittance corridors higher than five per cent.

4. We will establish a review forum that meets every four years, with a report of the \
Secretary-General on the implementation of this compact.

5. We will publish statistics on the number of return decisions each year, disaggregated by \
age and sex, in a common international format for comparison.

6. Quoted markup {HOSTILE} must stay text, and the amended quote keeps it visible to readers \
of both versions in the comparison.
"""

FINAL = f"""A/99/FINAL

Compact on local migration governance

I. Commitments

1. States commit to cooperate on safe, orderly and regular migration in full respect of the \
human rights of all migrants, regardless of their migration status.

2. We will reduce the transaction costs of migrant remittances to less than three per cent \
by 2030 and eliminate remittance corridors higher than five per cent.

3. We will strengthen the capacities of autorités locales and cities to provide basic \
services to migrants and host communities in cooperation with national governments.

4. We will establish an international migration review forum that meets every four years, \
with a report of the Secretary-General on the implementation of this compact.

5. We will promote ethical recruitment and decent work for migrant workers, including by \
cooperating with employers and trade unions on fair recruitment fees.

6. Quoted markup {HOSTILE} must stay text, and the changed quote keeps it visible to readers \
of both versions in the comparison.
"""

OTHER = ZERO.replace("A/99/ZD", "A/99/COPY").replace("every four years", "every five years")

FILES = {
    "zero.en.txt": ZERO,
    "final.en.txt": FINAL,
    "other.en.txt": OTHER,
    "MANIFEST.tsv": "file\ttitle\tseries\tsymbol\tlang\tdate\tversion\twork\n"
                    "zero.en.txt\tCompact on local migration governance (zero draft)\tGCM\t"
                    "A/99/ZD\ten\t2018-02-05\tzero draft\tlocal-compact\n"
                    "final.en.txt\tCompact on local migration governance\tGCM\tA/99/FINAL\ten"
                    "\t2018-07-13\tfinal\tlocal-compact\n"
                    "other.en.txt\tCompact on local migration governance (2019)\tGCM\t"
                    "A/99/COPY\ten\t2019-01-10\t\t\n",
}


@pytest.fixture(scope="session")
def versions_index(tmp_path_factory) -> Path:
    data, report = build_files(tmp_path_factory.mktemp("versions"), FILES)
    assert len(report.of("indexed")) == 3, [(o.file, o.reason) for o in report.of("refused")]
    return data


@pytest.fixture(scope="session")
def doc_ids(versions_index) -> dict[str, str]:
    """file stem -> doc id."""
    from indexer.storage import store

    with store.open(store.current_generation(versions_index)) as st:
        return {d.file.split(".")[0]: d.doc_id for d in st.documents("active")}


@pytest.fixture(scope="session")
def versions_app(versions_index):
    from search_app import create_app

    return create_app({"INDEX_DIR": str(versions_index), "TESTING": True, "JOB_WORKER": False})


@pytest.fixture
def vclient(versions_app):
    return versions_app.test_client()


@pytest.fixture
def schema_errors():
    """f(spec, route, body) -> where `body` breaks the 200 response schema of `route`
    (openapi_check.response_errors, as test_api.py checks /api/search)."""
    return response_errors


@pytest.fixture(scope="session")
def versions_server(versions_index):
    """The app over the versions index under waitress on a free local port; its base URL."""
    import threading

    from search_app.serve import make_server, run_server, stop_server

    server = make_server(config.load(index_dir=str(versions_index)), "127.0.0.1", 0, threads=4)
    thread = threading.Thread(target=run_server, args=(server,), name="waitress-compare",
                              daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        stop_server(server)
        thread.join(timeout=10)
