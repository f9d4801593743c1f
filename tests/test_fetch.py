"""indexer.library.fetch against a real HTTP server on 127.0.0.1, plus checks of
corpus/catalog.toml."""

from __future__ import annotations

import csv
import re
import socket
import threading
import time
import tomllib
import urllib.parse
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from indexer import config
from indexer.library import fetch as fetch_mod
from indexer.library.fetch import MANIFEST_COLUMNS, FetchReport, fetch, read_manifest

PROJECT_CATALOG = Path(__file__).resolve().parent.parent / "corpus" / "catalog.toml"
PDF_BODY = b"%PDF-1.4\n% sample body for the fetch tests\n" + b"0" * 5000 + b"\n%%EOF\n"
HTML_BODY = b"<!doctype html><html lang='fr'><title>t</title><p>1. Texte.</p></html>"


class _Handler(SimpleHTTPRequestHandler):
    """Serves the tmp directory, plus a few misbehaving paths."""

    release = threading.Event()  # set at teardown so a sleeping handler returns early

    def do_GET(self):  # noqa: N802 - http.server naming
        path = urllib.parse.urlsplit(self.path).path
        if path.startswith("/broken/"):
            # Promise 100 000 bytes, send a few, then drop the connection.
            self.send_response(200)
            self.send_header("Content-Type", "application/pdf")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.write(PDF_BODY[:300])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if path.startswith("/slow/"):
            self.release.wait(3)
            self.send_error(503)
            return
        if path.startswith("/symbol/"):
            # An undocs-style address without an extension: the type comes from the header.
            self.send_response(200)
            self.send_header("Content-Type", "application/pdf")
            self.send_header("Content-Length", str(len(PDF_BODY)))
            self.end_headers()
            self.wfile.write(PDF_BODY)
            return
        if path.startswith("/soft404/"):
            body = b"<html><body>Sorry, page not found</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def log_message(self, format, *args):  # noqa: A002 - keep test output quiet
        pass


@pytest.fixture()
def server(tmp_path):
    root = tmp_path / "www"
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "compact.pdf").write_bytes(PDF_BODY)
    (root / "docs" / "declaration.html").write_bytes(HTML_BODY)
    (root / "docs" / "notes.txt").write_text("1. Paragraphe un.\n2. Paragraphe deux.\n", "utf-8")
    _Handler.release.clear()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Handler, directory=str(root)))
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        _Handler.release.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def _write_catalog(path: Path, docs: list[dict]) -> Path:
    out = []
    for doc in docs:
        out.append("[[document]]")
        for key in ("id", "title", "series", "symbol", "date", "version", "work"):
            out.append(f'{key} = "{doc.get(key, "")}"')
        out.append("[document.links]")
        for lang, url in doc.get("links", {}).items():
            out.append(f'"{lang}" = "{url}"')
        out.append("")
    path.write_text("\n".join(out), encoding="utf-8")
    return path


GOOD_DOCS = [
    {
        "id": "compact-final",
        "title": "A compact",
        "series": "GCM",
        "symbol": "A/RES/0/1",
        "date": "2018-12-19",
        "version": "final",
        "work": "compact",
        "links": {
            "en": "https://example.org/docs/compact.pdf",
            "es": "https://undocs.example/symbol/es/A/RES/0/1",
        },
    },
    {
        "id": "declaration",
        "title": "Une déclaration",
        "series": "Mayors",
        "date": "2018",
        "version": "final",
        "work": "declaration",
        "links": {"fr": "https://example.org/docs/declaration.html"},
    },
    {
        "id": "notes",
        "title": "Notes",
        "series": "other",
        "version": "sample",
        "work": "notes",
        "links": {"fr": "https://example.org/docs/notes.txt"},
    },
]


def _files(dest: Path) -> set[str]:
    return {p.name for p in dest.iterdir()}


def test_downloads_land_with_catalog_names_and_manifest_rows(tmp_path, server):
    catalog = _write_catalog(tmp_path / "catalog.toml", GOOD_DOCS)
    dest = tmp_path / "fetched"

    report = fetch(catalog, dest, base_url_override=server, timeout=5)

    assert isinstance(report, FetchReport)
    assert report.failed == []
    assert sorted(report.downloaded) == [
        "compact-final.en.pdf",
        "compact-final.es.pdf",
        "declaration.fr.html",
        "notes.fr.txt",
    ]
    assert _files(dest) == set(report.downloaded) | {"MANIFEST.tsv"}
    assert (dest / "compact-final.en.pdf").read_bytes() == PDF_BODY
    assert (dest / "compact-final.es.pdf").read_bytes() == PDF_BODY
    assert (dest / "declaration.fr.html").read_bytes() == HTML_BODY
    assert (dest / "notes.fr.txt").stat().st_mode & 0o777 == 0o644

    lines = (dest / "MANIFEST.tsv").read_text("utf-8").splitlines()
    assert lines[0] == "file\ttitle\tseries\tsymbol\tlang\tdate\tversion\twork\turl"
    assert len(lines) == 1 + 4
    rows = read_manifest(dest / "MANIFEST.tsv")
    row = rows["compact-final.es.pdf"]
    assert row == {
        "file": "compact-final.es.pdf",
        "title": "A compact",
        "series": "GCM",
        "symbol": "A/RES/0/1",
        "lang": "es",
        "date": "2018-12-19",
        "version": "final",
        "work": "compact",
        # the official (catalog) address, not the test server's
        "url": "https://undocs.example/symbol/es/A/RES/0/1",
    }
    assert rows["declaration.fr.html"]["title"] == "Une déclaration"
    assert all(len(line.split("\t")) == len(MANIFEST_COLUMNS) for line in lines)


def test_second_run_skips_existing_files_and_keeps_manifest(tmp_path, server):
    catalog = _write_catalog(tmp_path / "catalog.toml", GOOD_DOCS)
    dest = tmp_path / "fetched"
    first = fetch(catalog, dest, base_url_override=server, timeout=5)
    manifest_before = (dest / "MANIFEST.tsv").read_text("utf-8")
    mtimes = {p.name: p.stat().st_mtime_ns for p in dest.iterdir()}

    second = fetch(catalog, dest, base_url_override=server, timeout=5)

    assert second.downloaded == []
    assert second.failed == []
    assert sorted(second.skipped) == sorted(first.downloaded)
    assert (dest / "MANIFEST.tsv").read_text("utf-8") == manifest_before
    for name in first.downloaded:
        assert (dest / name).stat().st_mtime_ns == mtimes[name]


def test_skip_does_not_need_the_network_and_manifest_is_merged(tmp_path):
    """Already-present files are skipped without any request; foreign rows are preserved."""
    catalog = _write_catalog(tmp_path / "catalog.toml", GOOD_DOCS[1:2])
    dest = tmp_path / "fetched"
    dest.mkdir()
    (dest / "declaration.fr.html").write_bytes(HTML_BODY)
    (dest / "MANIFEST.tsv").write_text(
        "\t".join(MANIFEST_COLUMNS)
        + "\nother.en.pdf\tOther\tUNGA\tA/1\ten\t2000\tfinal\tother\t\n",
        encoding="utf-8",
    )

    class NoNetwork:
        def open(self, *args, **kwargs):  # pragma: no cover - must not be called
            raise AssertionError("no request expected")

    report = fetch(catalog, dest, opener=NoNetwork(), timeout=5)

    assert report.skipped == ["declaration.fr.html"]
    assert report.downloaded == [] and report.failed == []
    rows = read_manifest(dest / "MANIFEST.tsv")
    assert set(rows) == {"other.en.pdf", "declaration.fr.html"}
    assert rows["declaration.fr.html"]["series"] == "Mayors"


def test_manifest_round_trips_awkward_titles(tmp_path):
    rows = {
        "a.en.pdf": {"file": "a.en.pdf", "title": 'The "zero draft"\tof 2018\nrevised'},
        "b.fr.html": {"file": "b.fr.html", "title": "Déclaration", "lang": "fr"},
    }
    path = tmp_path / "MANIFEST.tsv"
    fetch_mod.write_manifest(path, rows)
    back = read_manifest(path)
    assert back["a.en.pdf"]["title"] == 'The "zero draft" of 2018 revised'
    assert back["b.fr.html"]["lang"] == "fr"
    with path.open(encoding="utf-8", newline="") as fh:
        parsed = list(csv.reader(fh, dialect="excel-tab"))
    assert parsed[0] == list(MANIFEST_COLUMNS)
    assert all(len(r) == len(MANIFEST_COLUMNS) for r in parsed)
    assert oct(path.stat().st_mode & 0o777) == "0o644"


def test_404_is_a_readable_failure_and_leaves_nothing(tmp_path, server):
    docs = [dict(GOOD_DOCS[0], links={"en": "https://example.org/docs/missing.pdf"})]
    catalog = _write_catalog(tmp_path / "catalog.toml", docs)
    dest = tmp_path / "fetched"

    report = fetch(catalog, dest, base_url_override=server, timeout=5)

    assert report.downloaded == [] and report.skipped == []
    [(url, reason)] = report.failed
    assert url == f"{server}/docs/missing.pdf"
    assert "404" in reason and "not found" in reason.lower()
    assert _files(dest) == set()


def test_broken_transfer_is_a_failure_and_leaves_no_partial_file(tmp_path, server):
    docs = [dict(GOOD_DOCS[0], links={"en": "https://example.org/broken/compact.pdf"})]
    catalog = _write_catalog(tmp_path / "catalog.toml", docs)
    dest = tmp_path / "fetched"

    report = fetch(catalog, dest, base_url_override=server, timeout=5)

    assert report.downloaded == []
    [(url, reason)] = report.failed
    assert url.endswith("/broken/compact.pdf")
    assert "cut off" in reason or "broke" in reason
    assert "nothing was saved" in reason
    assert _files(dest) == set()  # no .part, no half PDF, no manifest


def test_failures_do_not_stop_the_other_links(tmp_path, server):
    docs = [
        dict(GOOD_DOCS[0], links={"en": "https://example.org/broken/compact.pdf"}),
        dict(GOOD_DOCS[1], id="missing", links={"fr": "https://example.org/nope.html"}),
        GOOD_DOCS[2],
    ]
    catalog = _write_catalog(tmp_path / "catalog.toml", docs)
    dest = tmp_path / "fetched"

    report = fetch(catalog, dest, base_url_override=server, timeout=5)

    assert report.downloaded == ["notes.fr.txt"]
    assert len(report.failed) == 2
    assert _files(dest) == {"notes.fr.txt", "MANIFEST.tsv"}
    assert set(read_manifest(dest / "MANIFEST.tsv")) == {"notes.fr.txt"}


def test_web_page_instead_of_pdf_is_refused(tmp_path, server):
    docs = [dict(GOOD_DOCS[0], links={"en": "https://example.org/soft404/compact.pdf"})]
    catalog = _write_catalog(tmp_path / "catalog.toml", docs)
    dest = tmp_path / "fetched"

    report = fetch(catalog, dest, base_url_override=server, timeout=5)

    [(_, reason)] = report.failed
    assert "web page" in reason
    assert _files(dest) == set()


def test_web_page_from_un_document_system_is_refused(tmp_path, server):
    """undocs.org links carry no extension, but a document there is always a PDF."""
    docs = [dict(GOOD_DOCS[0], links={"en": "https://undocs.org/soft404/en/A/RES/0/1"})]
    catalog = _write_catalog(tmp_path / "catalog.toml", docs)
    dest = tmp_path / "fetched"

    report = fetch(catalog, dest, base_url_override=server, timeout=5)

    [(_, reason)] = report.failed
    assert "expected a PDF" in reason
    assert _files(dest) == set()


def test_timeout_is_reported(tmp_path, server):
    docs = [dict(GOOD_DOCS[0], links={"en": "https://example.org/slow/compact.pdf"})]
    catalog = _write_catalog(tmp_path / "catalog.toml", docs)
    dest = tmp_path / "fetched"

    started = time.monotonic()
    report = fetch(catalog, dest, base_url_override=server, timeout=0.5)

    assert time.monotonic() - started < 2.5
    [(_, reason)] = report.failed
    assert "timed out" in reason
    assert _files(dest) == set()


def test_unreachable_host_fails_fast_without_raising(tmp_path):
    # A port that was just free: nothing listens there (like an offline machine).
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    catalog = _write_catalog(tmp_path / "catalog.toml", GOOD_DOCS)
    dest = tmp_path / "fetched"

    report = fetch(catalog, dest, base_url_override=f"http://127.0.0.1:{port}", timeout=2)

    assert report.downloaded == [] and report.skipped == []
    assert len(report.failed) == 4
    assert "refused" in report.failed[0][1] or "could not" in report.failed[0][1]
    assert all(r.startswith("not attempted") for _, r in report.failed[1:])
    assert not report.ok
    assert _files(dest) == set()


def test_unsafe_catalog_ids_are_refused(tmp_path, server):
    docs = [
        dict(GOOD_DOCS[2], id="../escape", links={"en": "https://example.org/docs/notes.txt"}),
        dict(GOOD_DOCS[2], id="ok", links={"../x": "https://example.org/docs/notes.txt"}),
        dict(GOOD_DOCS[2], id="local", links={"en": "file:///etc/passwd"}),
    ]
    catalog = _write_catalog(tmp_path / "catalog.toml", docs)
    dest = tmp_path / "fetched"

    report = fetch(catalog, dest, base_url_override=server, timeout=5)

    assert report.downloaded == []
    assert len(report.failed) == 3
    assert _files(dest) == set()
    assert not (tmp_path / "escape.en.txt").exists()


def test_main_fetch_reports_and_returns_exit_code(tmp_path, monkeypatch, capsys, server):
    (tmp_path / "corpus").mkdir()
    _write_catalog(tmp_path / "corpus" / "catalog.toml", GOOD_DOCS[2:])
    real_fetch = fetch_mod.fetch
    monkeypatch.setattr(
        fetch_mod, "fetch", lambda c, d: real_fetch(c, d, base_url_override=server, timeout=5)
    )

    assert fetch_mod.main_fetch(str(tmp_path / "corpus")) == 0
    assert (tmp_path / "corpus" / "fetched" / "notes.fr.txt").exists()
    assert "1 downloaded" in capsys.readouterr().out

    (tmp_path / "other").mkdir()
    _write_catalog(
        tmp_path / "other" / "catalog.toml",
        [dict(GOOD_DOCS[2], id="gone", links={"en": "https://example.org/gone.txt"})],
    )
    assert fetch_mod.main_fetch(str(tmp_path / "other")) == 1
    assert "404" in capsys.readouterr().out


def test_the_catalog_is_the_corpus_folders(tmp_path, monkeypatch):
    """The corpus folder (setting corpus_dir) holds the catalog: the project's corpus/ when
    run from the project, never a path inside the installed package."""
    monkeypatch.chdir(PROJECT_CATALOG.parent.parent)
    assert Path(config.load().corpus_dir) / fetch_mod.CATALOG_NAME == PROJECT_CATALOG
    monkeypatch.chdir(tmp_path)
    assert Path(config.load().corpus_dir) == tmp_path / "corpus"
    assert Path(config.load().index_dir) == tmp_path / "var" / "data"


# ---------------------------------------------------------------------------------------
# the shipped catalog

LANG_RE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$")
DATE_RE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def _project_docs() -> list[dict]:
    with PROJECT_CATALOG.open("rb") as fh:
        return tomllib.load(fh)["document"]


def test_catalog_parses_and_documents_are_complete():
    docs = _project_docs()
    assert len(docs) >= 15
    for doc in docs:
        assert doc["id"] and doc["title"] and doc["work"], doc
        assert doc["series"] in fetch_mod.ALLOWED_SERIES, doc["id"]
        assert re.fullmatch(r"[a-z0-9][a-z0-9_-]*", doc["id"]), doc["id"]
        for key in ("symbol", "date", "version"):
            assert isinstance(doc.get(key), str), (doc["id"], key)
        assert doc["date"] == "" or DATE_RE.match(doc["date"]), doc["id"]
        assert isinstance(doc.get("links", {}), dict)


def test_catalog_ids_are_unique():
    ids = [d["id"] for d in _project_docs()]
    assert len(ids) == len(set(ids))


def test_catalog_links_are_https_with_valid_languages():
    n = 0
    for doc in _project_docs():
        for lang, url in doc.get("links", {}).items():
            n += 1
            assert LANG_RE.match(lang), (doc["id"], lang)
            parts = urllib.parse.urlsplit(url)
            assert parts.scheme == "https" and parts.netloc, (doc["id"], url)
            if parts.netloc == "undocs.org":
                # https://undocs.org/<lang>/<symbol>, matching the table's language and symbol
                assert parts.path.startswith(f"/{lang}/"), url
                assert doc["symbol"], doc["id"]
    assert n > 0


def test_catalog_core_texts_present():
    docs = {d["id"]: d for d in _project_docs()}
    assert docs["gcm-final"]["symbol"] == "A/RES/73/195"
    assert docs["gcm-final"]["links"]["en"] == "https://undocs.org/en/A/RES/73/195"
    assert docs["gcm-zero-draft"]["date"] == "2018-02-05"
    assert docs["gcr-zero-draft"]["date"] == "2018-01-31"
    assert {d["work"] for d in docs.values() if d["series"] == "GCM"} == {"gcm"}


# ---------------------------------------------------------------------------------------
# the shipped samples (corpus/samples): listed in their MANIFEST and clearly marked

SAMPLES = PROJECT_CATALOG.parent / "samples"
SAMPLE_MARKERS = ("illustrative sample", "exemple illustratif", "ejemplo ilustrativo")


def test_samples_are_listed_and_marked():
    rows = read_manifest(SAMPLES / "MANIFEST.tsv")
    on_disk = {p.name for p in SAMPLES.iterdir() if p.is_file() and not p.name.startswith(".")}
    assert set(rows) == on_disk - {"MANIFEST.tsv"}
    assert len(rows) >= 8
    for name, row in rows.items():
        assert row["series"] == "other" and row["version"] == "sample" and row["url"] == ""
        assert row["lang"] == name.split(".")[1]
        encoding = "cp1252" if ".cp1252." in name else "utf-8"
        head = (SAMPLES / name).read_bytes()[:400].decode(encoding).lower()
        assert any(m in head for m in SAMPLE_MARKERS), name
        assert "dialogue search" in head, name


def test_cp1252_sample_is_really_legacy_encoded_with_crlf():
    [path] = SAMPLES.glob("*.cp1252.txt")
    data = path.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert b"\r\n" in data and data.count(b"\n") == data.count(b"\r\n")
    text = data.decode("cp1252")
    assert "€" in text and "’" in text and "Œuvrer" in text


def test_sample_language_versions_share_paragraph_numbers():
    rows = read_manifest(SAMPLES / "MANIFEST.tsv")
    versions = [n for n, r in rows.items() if r["work"] == "sample-local-authorities"]
    assert {rows[n]["lang"] for n in versions} == {"en", "fr", "es"}
    label = re.compile(r"^(?:<p>)?(\d{1,2}\.|\([a-z]\))\s", re.M)
    numbering = {n: label.findall((SAMPLES / n).read_text("utf-8")) for n in versions}
    first = next(iter(numbering.values()))
    assert len(first) >= 12
    assert all(v == first for v in numbering.values()), numbering
