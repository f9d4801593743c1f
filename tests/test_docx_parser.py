"""Word documents (.docx) through the real parser and the real pipeline: Word's automatic
numbering becomes the printed paragraph numbers, tracked changes read as accepted, comments
dropped, notes and tables kept; damaged, protected, legacy and renamed files are refused
with what to do. Files are made with python-docx (tests/docxmaker.py)."""

from __future__ import annotations

import io
import subprocess
import sys
from dataclasses import replace
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


# ---------------------------------------------------------------- bad parts and limits (issue 19)


@pytest.mark.parametrize("part", ["word/footnotes.xml", "word/endnotes.xml"])
def test_malformed_notes_are_a_refusal_naming_the_part(tmp_path, part):
    """Notes were parsed outside the try: lxml's error escaped, and its unpicklable error log
    then stopped the whole build (TypeError: cannot pickle 'lxml.etree._ListErrorLog')."""
    import pickle

    from badfiles import bad_notes_docx

    path = bad_notes_docx(tmp_path / "notes.docx", part)
    with pytest.raises(IngestRefused) as refused:
        parse_file(path)
    assert refused.value.reason.startswith(
        f"the Word file is damaged and cannot be read ({part}: ")
    assert "save it again" in refused.value.reason
    assert pickle.loads(pickle.dumps(refused.value)).reason == refused.value.reason


@pytest.fixture(scope="module")
def zip_bomb(tmp_path_factory) -> Path:
    from badfiles import zip_bomb_docx

    return zip_bomb_docx(tmp_path_factory.mktemp("bomb") / "bomb.docx", 1 << 30)


def test_a_zip_bomb_is_refused_before_it_is_unpacked(zip_bomb):
    """1 MB unpacking to a 1 GB document.xml took 2.1 GB of memory before it was refused. Now
    the zip's directory refuses it: measured in a fresh process, its own peak memory and the
    parse's time (the issue asks: well under a second, within 200 MB)."""
    import json

    assert zip_bomb.stat().st_size < 2_000_000
    # (VmHWM: this process's peak resident memory; ru_maxrss would count the pytest process
    # it was forked from, which exec keeps)
    probe = ("import json, re, sys, time\n"
             "from pathlib import Path\n"
             "from indexer.errors import IngestRefused\n"
             "from indexer.ingest.parsers import parse_file\n"
             "t = time.perf_counter()\n"
             "try:\n"
             "    parse_file(Path(sys.argv[1])); reason = ''\n"
             "except IngestRefused as exc:\n"
             "    reason = exc.reason\n"
             "seconds = time.perf_counter() - t\n"
             "status = Path('/proc/self/status').read_text()\n"
             "peak = int(re.search(r'VmHWM:\\s+(\\d+) kB', status).group(1)) / 1024\n"
             "print(json.dumps({'reason': reason, 'seconds': seconds, 'peak_mb': peak}))\n")
    out = subprocess.run([sys.executable, "-c", probe, str(zip_bomb)], capture_output=True,
                         text=True, cwd=PROJECT, check=True, timeout=60)
    result = json.loads(out.stdout)
    assert result["reason"].startswith("the Word file unpacks to more than it may: its part "
                                       "'word/document.xml' is 1,024 MB, over the 128 MB")
    assert "zip bomb" in result["reason"]
    assert result["seconds"] < 0.5 and result["peak_mb"] < 200, result


def test_limits_are_settings_and_the_ratio_catches_a_smaller_bomb(tmp_path, settings):
    from badfiles import zip_bomb_docx

    from indexer.ingest.parsers.limits import ParseLimits

    small = zip_bomb_docx(tmp_path / "small.docx", 20 << 20)  # 20 MB of spaces: 1,000 times
    with pytest.raises(IngestRefused, match=r"'word/document.xml' grows [\d,]+ times when "
                                            r"unpacked .* over the limit of 200 times"):
        parse_file(small, limits=ParseLimits.of(settings))
    # each limit is its setting: past the ratio allowed, the total stops it
    tight = ParseLimits.of(replace(settings, zip_max_ratio=10_000, zip_max_unpacked_mb=16))
    with pytest.raises(IngestRefused, match="its parts come to over 16 MB together"):
        parse_file(small, limits=tight)
    # within ours, libxml2's own bounds (no huge_tree) still refuse a 20 MB run of spaces
    roomy = ParseLimits.of(replace(settings, zip_max_ratio=10_000))
    with pytest.raises(IngestRefused, match="damaged .*Text node too long"):
        parse_file(small, limits=roomy)


def test_external_entities_are_not_read_into_the_text(tmp_path):
    """A note declaring an external entity must not pull a file of the server into the index."""
    from badfiles import docx_with_parts

    secret = tmp_path / "secret.txt"
    secret.write_text("SERVER-SECRET-42", encoding="utf-8")

    def with_entity(data: bytes) -> bytes:
        decl = f'<!DOCTYPE w:footnotes [<!ENTITY x SYSTEM "file://{secret}">]>'.encode()
        data = data.replace(b"?>", b"?>" + decl, 1)
        return data.replace(b"See resolution", b"&x; See resolution", 1)

    path = docx_with_parts(tmp_path / "xxe.docx", {"word/footnotes.xml": with_entity})
    try:
        text = " ".join(b.text for b in blocks(path))
    except IngestRefused as exc:  # refusing it is as good
        text = exc.reason
    assert "SERVER-SECRET" not in text


def test_numbers_the_file_gets_wrong_are_read_as_word_reads_them(tmp_path):
    """A start that is not a number, or is huge, is no reason to refuse the document (and a
    roman numeral of 10**15 letters is no reason to run out of memory)."""
    from badfiles import docx_with_parts

    path = docx_with_parts(tmp_path / "nums.docx", {"word/numbering.xml": lambda data: data
                           .replace(b'<w:start w:val="1"/>', b'<w:start w:val="x"/>', 1)
                           .replace(b'<w:start w:val="1"/>', b'<w:start w:val="1e9"/>', 1)
                           .replace(b'<w:start w:val="1"/>',
                                    b'<w:start w:val="999999999999999999"/>', 1)})
    numbers = [b.text.split()[0] for b in blocks(path) if b.text[:1] in "(0123456789"]
    # (starts are bounded as Word bounds them: 32767 is 42 roman letters)
    assert numbers[0] == "1." and max(len(n) for n in numbers) < 50, numbers
