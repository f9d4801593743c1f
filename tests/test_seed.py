"""The seed corpus on first start (`index.py seed`, run by `make serve`), through the real CLI
against a real HTTP server on 127.0.0.1: documents fetched with progress, a failing one
listed and skipped, what arrived indexed beside the samples, no second fetch; offline, the
samples at once and the command for later."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from indexer import config
from indexer.search.service import SearchRequest, SearchService

PROJECT = Path(__file__).resolve().parents[1]
SAMPLES = PROJECT / "corpus" / "samples"

DOC_EN = ("A/99/L.9\nCities welcoming migrants\n\n1. Municipal welcome desks guide newly "
          "arrived migrants to housing, schools and language courses in every district.\n\n"
          "2. Mayors report each year on the welcome desks to the city council.\n")
DOC_FR = ("A/99/L.9\nLes villes accueillent les migrants\n\n1. Les guichets municipaux "
          "d’accueil orientent les migrants nouvellement arrivés vers le logement.\n")


class _Handler(SimpleHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self):  # noqa: N802 - http.server naming
        self.requests.append(self.path)
        super().do_GET()

    def log_message(self, format, *args):  # noqa: A002 - quiet
        pass


@pytest.fixture
def server(tmp_path):
    root = tmp_path / "www"
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "welcome.txt").write_text(DOC_EN, encoding="utf-8")
    (root / "docs" / "accueil.txt").write_text(DOC_FR, encoding="utf-8")
    _Handler.requests = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Handler, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


CATALOG = """
[[document]]
id = "welcome-desks"
title = "Cities welcoming migrants"
series = "Mayors"
symbol = "A/99/L.9"
date = "2019-12-08"
version = "final"
work = "welcome-desks"
[document.links]
"en" = "https://example.org/docs/welcome.txt"
"fr" = "https://example.org/docs/accueil.txt"

[[document]]
id = "missing-report"
title = "A report the server does not have"
series = "UNSG"
symbol = ""
date = "2020"
version = ""
work = "missing-report"
[document.links]
"en" = "https://example.org/docs/missing.pdf"
"""


def _run(*args: str) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, str(PROJECT / "index.py"), *args],
                          capture_output=True, text=True, timeout=300)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


@pytest.fixture
def samples_data(tmp_path) -> Path:
    data = tmp_path / "data"
    _run("build", "--corpus", str(SAMPLES), "--index", str(data), "--quiet")
    return data


def test_first_start_fetches_indexes_and_lists_failures_then_not_again(
        tmp_path, server, samples_data):
    catalog = tmp_path / "catalog.toml"
    catalog.write_text(CATALOG, encoding="utf-8")
    args = ("seed", "--index", str(samples_data), "--catalog", str(catalog),
            "--base-url", server, "--timeout", "5")
    first = _run(*args)
    assert first.returncode == 0, first.stderr
    out = first.stdout
    assert "[1/3]" in out and "[3/3]" in out  # progress, one line a link
    assert "failed http://127.0.0.1" in out and "missing.pdf" in out and "404" in out
    assert "2 downloaded, 0 already here, 1 failed; 2 added to the index" in out

    svc = SearchService(config.load(index_dir=str(samples_data)))
    hit = svc.search(SearchRequest(q="municipal welcome desks")).hits[0]
    assert hit.document.meta.title == "Cities welcoming migrants"  # the catalog's metadata
    assert hit.document.meta.series == "Mayors" and hit.passage.label == "1"
    assert svc.search(SearchRequest(q="diaspora")).total > 0  # the samples are still there

    asked = len(_Handler.requests)
    again = _run(*args)
    assert again.returncode == 0 and "were fetched on" in again.stdout
    assert len(_Handler.requests) == asked  # a later start does not fetch again

    retry = _run(*args, "--again")
    assert "0 downloaded, 2 already here, 1 failed" in retry.stdout


def test_offline_serves_the_samples_at_once_and_says_how_to_fetch_later(tmp_path,
                                                                        samples_data):
    catalog = tmp_path / "catalog.toml"
    catalog.write_text(CATALOG, encoding="utf-8")
    with socket_closed() as url:
        started = time.monotonic()
        proc = _run("seed", "--index", str(samples_data), "--catalog", str(catalog),
                    "--base-url", url)
    assert proc.returncode == 0 and time.monotonic() - started < 30
    assert "no network" in proc.stdout and "make seed" in proc.stdout
    assert not (samples_data / "SEEDED").exists()  # the next start tries again


class socket_closed:
    """An address on 127.0.0.1 where nothing listens (connections are refused at once)."""

    def __enter__(self) -> str:
        import socket

        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        self.port = s.getsockname()[1]
        s.close()
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc) -> None:
        return None
