"""Word documents (.docx) through the real parser and the real pipeline: Word's automatic
numbering becomes the printed paragraph numbers, tracked changes read as accepted, comments
dropped, notes and tables kept; damaged, protected, legacy and renamed files are refused
with what to do. Files are made with python-docx (tests/docxmaker.py)."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import docx
import pytest
from docxmaker import comment, numbered, resolution, tracked

from indexer import library
from indexer.errors import IngestRefused
from indexer.ingest.parsers import parse_file
from indexer.library import jobs
from indexer.models import DocMeta
from indexer.search.service import SearchRequest, SearchService

PROJECT = Path(__file__).resolve().parents[1]

EXPECTED_NUMBERS = ["1.", "(a)", "(b)", "(i)", "(ii)", "2.", "(a)"]


def blocks(path: Path):
    return [b for p in parse_file(path).pages for b in p.blocks]


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_automatic_numbers_become_the_printed_numbers(tmp_path, lang):
    path = resolution(tmp_path / f"res.{lang}.docx", lang)
    parsed = parse_file(path)
    assert parsed.format == "docx"
    paras = [b.text for b in parsed.pages[0].blocks if b.kind == "para"]
    numbers = [t.split()[0] for t in paras if t[:1] in "(0123456789" and t[1:2] in ".abi0123"
               and not t.startswith("A/")]
    assert numbers == EXPECTED_NUMBERS
    headings = [b for b in parsed.pages[0].blocks if b.kind == "heading"]
    assert [h.level for h in headings] == [1, 2]
    assert parsed.meta.lang == lang and parsed.meta.date == "2018-07-13"
    assert parsed.meta.title.startswith(("Global compact", "Pacte mondial", "Pacto Mundial"))
    assert parsed.meta.symbol == "A/99/L.5"
    texts = [b.text for b in parsed.pages[0].blocks]
    assert "Remittance costs" in texts and "World Bank" in texts  # table cells kept
    notes = [b.text for b in parsed.pages[0].blocks if b.kind == "footnote"]
    assert notes == ["1 See resolution 71/1 of 19 September 2016."]


def test_numbered_paragraphs_are_labelled_and_cited(tmp_path, settings):
    path = resolution(tmp_path / "res.fr.docx", "fr")
    report = library.add([path], settings)
    assert report.passages and not report.of("refused")
    hit = SearchService(settings).search(SearchRequest(q="autorités locales")).hits[0]
    assert hit.passage.label == "1" and hit.document.file == "res.fr.docx"
    labels = [h.passage.label for h in SearchService(settings).search(
        SearchRequest(q="coordination verticale", per_page=3)).hits]
    assert labels[0].endswith("(i)")  # the roman sub-item, under (b) of paragraph 1


def test_tracked_changes_read_as_accepted_and_comments_dropped(tmp_path):
    document = docx.Document()
    tracked(document, "Member States ", "may consider ", "commit to ", "support local "
            "authorities in receiving migrants.")
    p = document.add_paragraph("Cities coordinate services for newly arrived migrants.")
    comment(document, p, "REVIEWER NOTE: check this figure")
    path = tmp_path / "tracked.docx"
    document.save(str(path))
    texts = [b.text for b in blocks(path)]
    assert texts[0] == "Member States commit to support local authorities in receiving migrants."
    assert not any("REVIEWER" in t or "may consider" in t for t in texts)


def test_bullets_have_no_number_and_numbering_continues_around_them(tmp_path):
    from docxmaker import BULLETS, _numbering

    document = docx.Document()
    _numbering(document)
    numbered(document, "First commitment on data.")
    numbered(document, "A bullet point.", 0, BULLETS)
    numbered(document, "Second commitment on data.")
    path = tmp_path / "bullets.docx"
    document.save(str(path))
    assert [b.text for b in blocks(path)] == [
        "1. First commitment on data.", "A bullet point.", "2. Second commitment on data."]


def test_empty_damaged_protected_legacy_and_renamed_files_are_refused(tmp_path):
    empty = tmp_path / "empty.docx"
    docx.Document().save(str(empty))
    with pytest.raises(IngestRefused, match="no text"):
        parse_file(empty)

    good = resolution(tmp_path / "good.docx")
    damaged = tmp_path / "damaged.docx"
    damaged.write_bytes(good.read_bytes()[: len(good.read_bytes()) // 2])
    with pytest.raises(IngestRefused, match="damaged"):
        parse_file(damaged)

    from msoffcrypto.format.ooxml import OOXMLFile

    protected = tmp_path / "protected.docx"
    with open(good, "rb") as src, open(protected, "wb") as out:
        OOXMLFile(src).encrypt("secret", out)
    with pytest.raises(IngestRefused, match="protected by a password"):
        parse_file(protected)

    # an OLE compound file with a WordDocument stream: the Word 97-2003 format
    legacy = tmp_path / "old.doc"
    legacy.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
                       + "WordDocument".encode("utf-16-le") + b"\0" * 1024)
    with pytest.raises(IngestRefused, match=r"legacy Word 97-2003 \.doc.*save it as \.docx"):
        parse_file(legacy)

    renamed_text = tmp_path / "notes.docx"
    renamed_text.write_text("1. Plain text saved under a Word name.\n", encoding="utf-8")
    with pytest.raises(IngestRefused, match="not a Word document"):
        parse_file(renamed_text)


def test_a_pdf_renamed_docx_is_read_as_the_pdf_it_is(tmp_path):
    from pdfmaker import make_pdf

    pdf = make_pdf(tmp_path / "x.pdf", [["1. Local authorities and migrants in cities."]])
    renamed = tmp_path / "x.docx"
    renamed.write_bytes(pdf.read_bytes())
    assert parse_file(renamed).format == "pdf"


def test_cli_add_and_staff_upload_take_docx(tmp_path, settings):
    path = resolution(tmp_path / "res.es.docx", "es")
    data = tmp_path / "cli-data"
    proc = subprocess.run([sys.executable, str(PROJECT / "index.py"), "add", str(path),
                           "--index", str(data)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr

    settings_dir = Path(settings.index_dir)
    settings_dir.mkdir(parents=True, exist_ok=True)
    job = jobs.stage(settings, "web:amina", "res.es.docx", io.BytesIO(path.read_bytes()), "b1")
    worker = jobs.Worker(settings)
    while worker.run_once():
        pass
    job = jobs.get(settings, job.job_id)
    assert job.state == "review", job.message
    assert job.detected.lang == "es" and job.detected.title.startswith("Pacto Mundial")
    jobs.confirm(settings, job.job_id, job.detected.merged_over(DocMeta(series="GCM")))
    while worker.run_once():
        pass
    assert jobs.get(settings, job.job_id).state == "done"
    hit = SearchService(settings).search(SearchRequest(q="autoridades locales")).hits[0]
    assert hit.passage.label == "1" and hit.document.file == "res.es.docx"
