"""Scanned PDFs through OCR (real Tesseract, real PDFs made image-only by rendering their pages):
paragraph labels and pages recovered as from a text layer, passages marked as recognised by
OCR in the hit, the JSON and the citation; mixed documents keep their text layer; progress and
confidence for staff; without Tesseract a refusal that says what to install; a time limit per
page. Skipped where Tesseract is not installed (.ci/run installs it)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from pdfmaker import make_pdf
from scanmaker import scan_pdf

from indexer import library
from indexer.ingest import ocr
from indexer.ingest.parsers import parse_file
from indexer.library import jobs
from indexer.search.service import SearchRequest, SearchService

PROJECT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(ocr.missing() is not None,
                                reason="Tesseract is not installed (apt-get install tesseract-ocr)")

PAGE_1 = ["A/99/L.3", "Cities and migration", "",
          "1. Local authorities coordinate the reception of newly arrived",
          "migrants with national ministries.", "",
          "2. Municipal development plans mainstream migration and report",
          "on it each year."]
PAGE_2 = ["3. Member States commit to:", "",
          "(a) Collect data on remittances with cities;", "",
          "(b) Publish the data every year."]
PAGE_FR = ["Les villes et la migration", "",
           "1. Les autorités locales coordonnent l'accueil des migrants nouvellement",
           "arrivés avec les ministères nationaux.", "",
           "2. Les plans de développement municipaux intègrent la migration."]


@pytest.fixture(scope="module")
def scanned(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("scan")
    src = make_pdf(root / "src.pdf", [PAGE_1, PAGE_2])
    return scan_pdf(src, root / "scanned.pdf")


def test_scanned_pages_are_read_with_labels_and_pages(scanned):
    parsed = parse_file(scanned)
    assert [p.ocr_confidence is not None for p in parsed.pages] == [True, True]
    texts = {p.number: [b.text for b in p.blocks] for p in parsed.pages}
    assert any(t.startswith("1. Local authorities coordinate") for t in texts[1])
    assert any(t.startswith("(a) Collect data on remittances") for t in texts[2])
    assert any("mean confidence" in w for w in parsed.warnings)


def test_ocr_passages_are_marked_in_hit_json_and_citation(scanned, settings):
    report = library.add([scanned], settings)
    assert not report.of("refused"), report.of("refused")
    svc = SearchService(settings)
    hit = svc.search(SearchRequest(q="remittances cities")).hits[0]
    assert hit.passage.label == "3(a)" and hit.passage.page == 2
    assert hit.passage.ocr and hit.to_json()["ocr"] is True
    assert hit.citation.endswith("text recognised by OCR")
    first = svc.search(SearchRequest(q="local authorities reception")).hits[0]
    assert first.passage.label == "1" and first.passage.page == 1


def test_a_mixed_pdf_keeps_its_text_layer(tmp_path, settings):
    src = make_pdf(tmp_path / "src.pdf", [PAGE_1, PAGE_2])
    mixed = scan_pdf(src, tmp_path / "mixed.pdf", keep_text={0})
    parsed = parse_file(mixed)
    assert parsed.pages[0].ocr_confidence is None  # the text layer, untouched
    assert parsed.pages[1].ocr_confidence is not None
    library.add([mixed], settings)
    svc = SearchService(settings)
    assert not svc.search(SearchRequest(q="local authorities reception")).hits[0].passage.ocr
    assert svc.search(SearchRequest(q="remittances cities")).hits[0].passage.ocr


def test_the_language_is_found_for_ocr(tmp_path):
    src = make_pdf(tmp_path / "fr.pdf", [PAGE_FR])
    parsed = parse_file(scan_pdf(src, tmp_path / "fr-scan.pdf"))
    text = parsed.text()
    assert "autorités locales" in text and "ministères" in text and "développement" in text


def test_the_upload_worker_shows_progress_and_staff_see_the_confidence(scanned, settings):
    library.build(PROJECT / "corpus" / "samples", settings, workers=1)
    job = jobs.stage(settings, "web:amina", "scanned.pdf", io.BytesIO(scanned.read_bytes()),
                     "b1")
    seen: set[str] = set()
    worker = jobs.Worker(settings, poll=0.1).start()
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            current = jobs.get(settings, job.job_id)
            seen.add(current.message)
            if current.state != "analysing":
                break
            time.sleep(0.05)
    finally:
        worker.stop()
    assert current.state == "review", current.message
    assert any(m.startswith("recognising text (OCR): page") for m in seen), seen
    assert any("mean confidence" in w for w in current.warnings)


def _cli(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(PROJECT / "index.py"), *args],
                          capture_output=True, text=True, timeout=300, env=env)


def test_without_tesseract_a_scan_is_refused_with_what_to_install(scanned, tmp_path):
    env = {**os.environ, "PATH": str(tmp_path / "empty-bin")}  # no tesseract on this PATH
    proc = _cli("add", str(scanned), "--index", str(tmp_path / "data"), env=env)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    out = proc.stdout + proc.stderr
    assert "needs OCR" in out and "apt-get install tesseract-ocr" in out


def test_a_page_over_the_time_limit_is_stopped(scanned, tmp_path):
    env = {**os.environ, "DIALOGUE_SEARCH_OCR_PAGE_SECONDS": "0.01"}
    proc = _cli("add", str(scanned), "--index", str(tmp_path / "data"), env=env)
    out = proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 1 and "needs OCR" in out  # nothing could be read in time


def test_a_rebuild_does_not_recognise_the_text_again(scanned, settings, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "scanned.pdf").write_bytes(scanned.read_bytes())
    library.build(corpus, settings, workers=1)
    started = time.monotonic()
    library.build(corpus, settings, workers=1)
    assert time.monotonic() - started < 3  # read from the OCR cache, not Tesseract again
    assert list((Path(settings.index_dir) / "ocr-cache").glob("*.json"))


def test_ocr_runs_beside_the_server_threads(scanned):
    # recognise() is a child process: a search thread keeps running meanwhile
    ticks = []
    stop = threading.Event()

    def tick():
        while not stop.is_set():
            ticks.append(time.monotonic())
            time.sleep(0.01)

    t = threading.Thread(target=tick)
    t.start()
    try:
        parse_file(scanned)
    finally:
        stop.set()
        t.join()
    gaps = [b - a for a, b in zip(ticks, ticks[1:], strict=False)]
    assert gaps and max(gaps) < 1.0


def test_each_page_ocr_reads_gives_the_reader_more_time(scanned, tmp_path):
    """reader_seconds bounds the reading of a file; OCR bounds each page itself and each page
    it starts or finishes gives the reader that long again: a scan whose OCR takes longer
    than reader_seconds (here 1.5 s; these two pages take 2.7-3.3 s on 2 cores, unloaded) is
    read, not refused. (Without the extension, this test fails: checked.)"""
    env = {**os.environ, "DIALOGUE_SEARCH_READER_SECONDS": "1.5"}
    proc = _cli("add", str(scanned), "--index", str(tmp_path / "data"), env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "took longer" not in proc.stdout and "indexed 1 file(s)" in proc.stdout
