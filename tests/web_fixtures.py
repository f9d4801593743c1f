"""Fixtures for the web tests (loaded with `pytest_plugins = ["web_fixtures"]`): a real index
built once per session from a few small files written here, the Flask app over it, and the
same app served by waitress on a free local port."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from conftest import build_files

from indexer import config, library

PROJECT = Path(__file__).resolve().parents[1]
ARTIFACTS = PROJECT / "test-artifacts"  # screenshots of the browser tests
CHROMIUM = Path("/usr/bin/chromium")  # Debian's; Playwright never downloads a browser
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]

HOSTILE_SCRIPT = "<script>alert(1)</script>"
HOSTILE_IMG = "<img src=x onerror=alert(1)>"

FILES: dict[str, str] = {
    "remittances.en.txt": """A/99/L.1

Remittances and local development

I. Remittances

1. Remittances sent by migrants are a vital source of income for millions of households \
and support local development in countries of origin.

2. States should reduce the transaction costs of remittances to less than 3 per cent \
by 2030 and eliminate corridors with costs higher than 5 per cent.

(a) Promoting competition and transparency among remittance service providers, including \
by publishing comparable information on fees and exchange rates;

(b) Adapting regulations so that mobile payments and other new technologies can be used \
safely by migrants and their families.

II. Local authorities

3. Local authorities are often the first public institutions with which migrants come \
into contact, and they need resources to provide basic services to all residents.

4. Cities should be consulted when national migration policies are designed, so that \
local experience informs the governance of migration at every level of government.

5. =HYPERLINK("http://example.invalid") spreadsheet formulas in a cell must never run \
when researchers open an export of these results with remittances in a spreadsheet program.
""",
    "autorites.fr.html": """<!doctype html>
<html lang="fr"><head><meta charset="utf-8">
<title>Les autorités locales et les migrations</title></head>
<body>
<h1>Les autorités locales et les migrations</h1>
<h2>I. Principes</h2>
<p>1. Les autorités locales sont souvent les premières institutions publiques avec \
lesquelles les migrants entrent en contact, et elles doivent disposer de ressources \
suffisantes.</p>
<p>2. Les envois de fonds des travailleurs migrants contribuent au développement local \
et à la réduction de la pauvreté dans les pays d'origine.</p>
<h2>II. Recommandations</h2>
<p>3. Les États sont invités à associer les villes à l'élaboration des politiques \
migratoires nationales et à renforcer la coopération entre les niveaux de gouvernement.</p>
</body></html>
""",
    "hostile.en.txt": f"""Hostile content sample

1. This paragraph about migrants quotes hostile markup {HOSTILE_SCRIPT} and also \
{HOSTILE_IMG} which must be shown as plain text and never run in the browser.

2. A second paragraph about migrants and remittances so that the hostile passage has \
a neighbour that appears as context on its passage page.
""",
    "remittances.fr.txt": """A/99/L.1

Envois de fonds et développement local

I. Envois de fonds

1. Les envois de fonds des migrants sont une source vitale de revenus pour des millions \
de ménages et soutiennent le développement local dans les pays d'origine.

2. Les États devraient ramener les coûts de transaction des envois de fonds à moins de \
3 pour cent d'ici à 2030 et supprimer les couloirs où les coûts dépassent 5 pour cent.
""",
    "MANIFEST.tsv": "file\ttitle\tseries\tsymbol\tlang\tdate\twork\n"
                    "remittances.en.txt\tRemittances and local development\tGCM\tA/99/L.1\ten"
                    "\t2018-12-19\tremit\n"
                    "remittances.fr.txt\tEnvois de fonds et développement local\tGCM\tA/99/L.1"
                    "\tfr\t2018-12-19\tremit\n"
                    "autorites.fr.html\tLes autorités locales et les migrations\tNUA\t"
                    "A/RES/99/2\tfr\t2016\t\n"
                    f"hostile.en.txt\tHostile {HOSTILE_SCRIPT} title\tother\tX/1\ten\t2020\t\n",
}


@pytest.fixture(scope="session")
def web_index(tmp_path_factory) -> Path:
    """Data directory of a real index over FILES (built once per test session)."""
    data, report = build_files(tmp_path_factory.mktemp("web"), FILES)
    assert not report.of("refused"), [(o.file, o.reason) for o in report.of("refused")]
    assert len(report.of("indexed")) == 4
    return data


@pytest.fixture(scope="session")
def app(web_index):
    from search_app import create_app

    return create_app({"INDEX_DIR": str(web_index), "TESTING": True})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def live_server(web_index):
    """The app under waitress on 127.0.0.1 (a free port) in a thread; yields its base URL."""
    from search_app.serve import make_server, run_server, stop_server

    server = make_server(config.load(index_dir=str(web_index)), "127.0.0.1", 0, threads=4)
    thread = threading.Thread(target=run_server, args=(server,), name="waitress-test", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        stop_server(server)
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def originals_app(tmp_path_factory):
    """An app over a second small index holding a two-page PDF and a stored HTML page (whose
    script must never run under our origin), for the original-file downloads."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from pdfmaker import make_pdf

    from search_app import create_app

    root = tmp_path_factory.mktemp("originals")
    corpus = root / "corpus"
    corpus.mkdir()
    make_pdf(corpus / "report.en.pdf", [
        ["Report on remittances", "", "1. Remittances support households in many",
         "countries of origin and local development."],
        ["2. Diaspora bonds finance infrastructure projects in the",
         "countries where migrants were born."],
    ], title="Report on remittances")
    (corpus / "page.en.html").write_text(
        "<!doctype html><html lang=en><head><title>Stored page</title></head><body>"
        f"<h1>Stored page</h1><p>1. Seasonal workers and circular migration. {HOSTILE_SCRIPT}"
        "</p></body></html>", encoding="utf-8")
    data = root / "data"
    report = library.build(corpus, config.load(index_dir=str(data)), workers=1)
    assert len(report.of("indexed")) == 2, [(o.file, o.reason) for o in report.of("refused")]
    return create_app({"INDEX_DIR": str(data), "TESTING": True})


@pytest.fixture
def artifacts() -> Path:
    """Where browser tests leave their screenshots."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def browser():
    """Debian's chromium driven by Playwright (skipped where either is missing)."""
    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()
