"""The PDF parser on real files read by real pypdf: PDFs written by tests/pdfmaker.py, the
shared corpus PDFs and the py-pdf sample files (those two skip when ../shared is absent)."""

from __future__ import annotations

import re
import sys
import textwrap
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pdfmaker import (  # noqa: E402
    byte_flipped_copy,
    garbage_pdf,
    make_image_only_pdf,
    make_mixed_pdf,
    make_pdf,
    truncated_copy,
)

from indexer.errors import IngestRefused  # noqa: E402
from indexer.ingest.parsers import pdf  # noqa: E402
from indexer.models import ParsedDocument  # noqa: E402

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SAMPLES = SHARED / "pdf-samples"
CORPUS_PDF = SHARED / "corpus-pdf"

SENTENCES = [
    "Member States commit to cooperate internationally on safe, orderly and regular migration.",
    "The Global Compact is non-legally binding and rests on international cooperation.",
    "It recognizes that no State can address migration on its own.",
    "Migrants contribute to inclusive growth and sustainable development in all countries.",
    "We will save lives and establish coordinated international efforts on missing migrants.",
    "Objective 23 calls for strengthened international cooperation and global partnerships.",
]


def resolution_pages(n: int = 5, symbol: str = "A/73/L.66", job: str = "18-21786") -> list:
    """Pages laid out like a UN document: symbol header, numbered paragraphs, job footer."""
    pages = []
    for i in range(1, n + 1):
        lines = [symbol, ""]
        for k in range(3):
            para = (i - 1) * 3 + k + 1
            text = f"{para}. " + " ".join(SENTENCES[(para + j) % len(SENTENCES)] for j in (0, 3))
            lines += textwrap.wrap(text, 75)
        lines += ["", f"{job} {i}/{n}" if i % 2 else f"{i}/{n} {job}"]
        pages.append(lines)
    return pages


def all_text(doc: ParsedDocument) -> str:
    return "\n".join(b.text for p in doc.pages for b in p.blocks)


# ------------------------------------------------------------------ module interface


def test_interface():
    assert pdf.FORMAT == "pdf"
    assert pdf.EXTENSIONS == (".pdf",)
    assert pdf.sniff(b"%PDF-1.7\n%\xe2\xe3")
    assert pdf.sniff(b"\xef\xbb\xbf  junk before %PDF-1.4")
    assert not pdf.sniff(b"<html><body>%PDF- later</body>"[:10])
    assert not pdf.sniff(b"x" * 1024 + b"%PDF-1.4")
    assert not pdf.sniff(b"")


# ------------------------------------------------------------------ made-up PDFs


def test_pages_and_roman_labels(tmp_path):
    pages = [[f"Front matter page {i}.", "Foreword text goes here."] for i in (1, 2)]
    pages += [[f"Body page {i}.", "The report body starts here."] for i in (1, 2)]
    path = make_pdf(tmp_path / "labels.pdf", pages, page_labels=[(0, "r"), (2, "D")])
    doc = pdf.parse(path)
    assert doc.format == "pdf"
    assert [p.number for p in doc.pages] == [1, 2, 3, 4]
    assert [p.label for p in doc.pages] == ["i", "ii", "1", "2"]
    assert doc.pages[2].blocks[0].text.startswith("Body page 1.")


def test_labels_default_to_physical_numbers(tmp_path):
    path = make_pdf(tmp_path / "plain.pdf", [["One page of text."], ["Another page of text."]])
    doc = pdf.parse(path)
    assert [(p.number, p.label) for p in doc.pages] == [(1, "1"), (2, "2")]


def test_running_header_and_footer_counters_removed(tmp_path):
    path = make_pdf(tmp_path / "res.pdf", resolution_pages())
    doc = pdf.parse(path)
    text = all_text(doc)
    assert "A/73/L.66" not in text
    assert "18-21786" not in text
    assert not re.search(r"\b\d/5\b", text)
    assert doc.meta.symbol == "A/73/L.66"
    # the numbered paragraphs survive, each on its page
    labels = [b.text.split(".")[0] for p in doc.pages for b in p.blocks]
    assert labels == [str(i) for i in range(1, 16)]
    assert doc.pages[1].blocks[0].text.startswith("4. ")


def test_symbol_in_body_text_is_kept(tmp_path):
    pages = resolution_pages(3)
    pages[1][6:6] = ["Recalling its resolution 70/1 of 25 September 2015, entitled", "A/73/L.66",
                     "and the outcome document of the high-level dialogue."]
    doc = pdf.parse(make_pdf(tmp_path / "body-symbol.pdf", pages))
    assert "entitled A/73/L.66 and the outcome" in all_text(doc)


def test_job_number_and_barcode_removed(tmp_path):
    first = ["United Nations", "A/73/L.66", "General Assembly", "Distr.: Limited",
             "10 December 2018", "18-21786 (E) 101218", "*1821786*", "",
             "Global compact for safe, orderly and regular migration", "",
             "1. The General Assembly adopts the Global Compact."]
    doc = pdf.parse(make_pdf(tmp_path / "masthead.pdf", [first]))
    text = all_text(doc)
    assert "*1821786*" not in text
    assert "18-21786" not in text
    assert "A/73/L.66" not in text  # the masthead symbol is metadata, not text
    assert "adopts the Global Compact" in text
    assert doc.meta.symbol == "A/73/L.66"


def test_symbol_not_taken_from_a_citation(tmp_path):
    lines = ["Draft resolution submitted by the President of the General Assembly",
             "The General Assembly, recalling its resolution A/RES/70/1 of 25 September 2015,",
             "1. Adopts the Global Compact."]
    doc = pdf.parse(make_pdf(tmp_path / "cites.pdf", [lines]))
    assert doc.meta.symbol == ""
    assert "resolution A/RES/70/1 of 25 September" in all_text(doc)


def test_book_running_heads_with_page_numbers_removed(tmp_path):
    chapters = ["1.1 SCOPE", "1.1 SCOPE", "1.2 DEFINITIONS", "2. POLICIES", "2. POLICIES"]
    pages = []
    for n, head in enumerate(chapters, start=1):
        head = f"{n} {head}" if n % 2 == 0 else f"{head} {n}"
        pages.append([head, SENTENCES[n], SENTENCES[n - 1]])
    doc = pdf.parse(make_pdf(tmp_path / "book.pdf", pages))
    assert [b.text for b in doc.pages[2].blocks] == [SENTENCES[3] + " " + SENTENCES[2]]
    assert "SCOPE" not in all_text(doc) and "POLICIES" not in all_text(doc)


def test_footnote_numbered_like_its_page_is_kept(tmp_path):
    pages = [[SENTENCES[i], SENTENCES[i + 1]] for i in range(4)]
    pages[2].append("3 See resolution 70/1, para. 29.")
    doc = pdf.parse(make_pdf(tmp_path / "fn.pdf", pages))
    assert "3 See resolution 70/1, para. 29." in all_text(doc)


def test_dehyphenation_and_ligatures(tmp_path):
    pages = [[
        "1. States will pursue a whole-of-society approach through multi-",
        "stakeholder partnerships that promote the sustainable develop-",
        "ment of countries of origin, transit and destination.",
        "2. They will ensure \ufb01nancial inclusion and of\ufb01cial identity documents for all.",
    ]]
    doc = pdf.parse(make_pdf(tmp_path / "hyph.pdf", pages))
    text = all_text(doc)
    assert "multi-stakeholder partnerships" in text
    assert "sustainable development of countries" in text
    assert "financial inclusion and official identity" in text
    assert "\ufb01" not in text


def test_word_hyphenated_across_pages(tmp_path):
    pages = [["1. Coherent policies are needed for the sustainable develop-"],
             ["ment of all countries. They should be evidence-based."]]
    doc = pdf.parse(make_pdf(tmp_path / "across.pdf", pages))
    assert "sustainable development" in doc.pages[0].blocks[0].text
    assert doc.pages[1].blocks[0].text.startswith("of all countries.")


def test_metadata_title_and_lang(tmp_path):
    doc = pdf.parse(make_pdf(tmp_path / "m.pdf", [["Some text on a page."]],
                             title="Global Compact for Migration", lang="en-GB"))
    assert doc.meta.title == "Global Compact for Migration"
    assert doc.meta.lang == "en"
    assert doc.meta.date == ""
    doc = pdf.parse(make_pdf(tmp_path / "fr.pdf", [["Du texte."] * 3],
                             title="Déclaration universelle", lang="FR"))
    assert (doc.meta.title, doc.meta.lang) == ("Déclaration universelle", "fr")


@pytest.mark.parametrize("title", [
    "", "   ", "untitled", "Untitled document", "Microsoft Word - 1821786.docx",
    "Microsoft Word - draft final.doc", "report-final.pdf", "A/73/L.66", "n1821786",
])
def test_junk_titles_dropped(tmp_path, title):
    path = make_pdf(tmp_path / "n1821786.pdf", [["A/73/L.66", "Text of the resolution."]],
                    title=title)
    assert pdf.parse(path).meta.title == ""


def test_encrypted_pdf_refused(tmp_path):
    path = make_pdf(tmp_path / "locked.pdf", [["Secret text of a draft."]],
                    encrypt_password="s3cret")
    with pytest.raises(IngestRefused) as err:
        pdf.parse(path)
    assert "encrypted" in err.value.reason
    assert err.value.file == "locked.pdf"


def test_owner_password_only_pdf_is_read(tmp_path):
    """Encrypted with an empty user password (permissions only): readable, so read it."""
    path = make_pdf(tmp_path / "perm.pdf", [["Readable text under permissions only."]],
                    encrypt_password="")
    doc = pdf.parse(path)
    assert "Readable text under permissions only." in all_text(doc)


def _refused(path: Path) -> str:
    with pytest.raises(IngestRefused) as err:
        pdf.parse(path)
    return err.value.reason


def test_empty_file_refused(tmp_path):
    path = tmp_path / "empty.pdf"
    path.write_bytes(b"")
    reason = _refused(path)
    assert "damaged" in reason and "empty" in reason


@pytest.mark.parametrize("keep", [0.05, 0.5, 0.9])
def test_truncated_pdf_refused(tmp_path, keep):
    good = make_pdf(tmp_path / "good.pdf", resolution_pages())
    reason = _refused(truncated_copy(good, tmp_path / "cut.pdf", keep))
    assert reason.startswith("the PDF is damaged and cannot be read: ")
    assert "truncated" in reason


def test_garbage_bytes_refused(tmp_path):
    reason = _refused(garbage_pdf(tmp_path / "garbage.pdf", with_header=True))
    assert reason.startswith("the PDF is damaged and cannot be read: ")
    assert "Traceback" not in reason


def test_garbage_without_a_header_is_not_a_pdf(tmp_path):
    reason = _refused(garbage_pdf(tmp_path / "garbage.pdf", with_header=False))
    assert reason == ("the file is not a PDF: its content is of an unknown kind "
                      "(no PDF header)")


@pytest.mark.parametrize(("content", "real"), [
    (b"Minutes of the meeting\nItem 1. Opening of the session.\n" * 20, "plain text"),
    (b"<!DOCTYPE html><html><head><title>x</title></head><body><p>Hi</p></body></html>",
     "an HTML page"),
    (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "a PNG image"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "a legacy Office file"),
])
def test_a_file_that_is_not_a_pdf_says_what_it_is(tmp_path, content, real):
    """Issue 22: a text file renamed .pdf was refused as "damaged ... looks truncated"."""
    path = tmp_path / "renamed.pdf"
    path.write_bytes(content)
    reason = _refused(path)
    assert reason.startswith(f"the file is not a PDF: its content is {real}")
    assert "damaged" not in reason and "truncated" not in reason


def test_text_renamed_pdf_is_refused_as_not_a_pdf_on_upload(tmp_path):
    """Through the dispatcher: text has no magic bytes, so the .pdf name picks the PDF
    parser, which says what the file is."""
    from indexer.ingest.parsers import parse_file

    path = tmp_path / "report.pdf"
    path.write_text("Report of the Secretary-General\n\n1. The present report ...\n" * 30)
    with pytest.raises(IngestRefused) as exc:
        parse_file(path, "report.pdf")
    assert exc.value.reason == "the file is not a PDF: its content is plain text"


def test_byte_flipped_pdf_refused(tmp_path):
    good = make_pdf(tmp_path / "good.pdf", resolution_pages())
    reason = _refused(byte_flipped_copy(good, tmp_path / "flipped.pdf", start=0.0))
    assert "damaged" in reason


def test_small_corruption_is_survived_or_refused(tmp_path):
    """A few bad bytes anywhere: either the rest is read (with warnings) or a clean refusal."""
    good = make_pdf(tmp_path / "good.pdf", resolution_pages())
    for start in (0.1, 0.3, 0.5, 0.7, 0.9, 0.97):
        bad = byte_flipped_copy(good, tmp_path / f"bad{start}.pdf", start=start, length=40)
        try:
            doc = pdf.parse(bad)
        except IngestRefused as err:
            assert err.reason
        else:
            assert isinstance(doc, ParsedDocument)


def test_a_stream_pypdf_cannot_decode_is_a_refusal(tmp_path):
    """pypdf raises NotImplementedError for a filter it lacks (3 of 200 byte-flipped sample
    PDFs did): it stopped whole builds; it is a refusal that says so."""
    from badfiles import unsupported_filter_pdf

    with pytest.raises(IngestRefused) as refused:
        pdf.parse(unsupported_filter_pdf(tmp_path / "filter.pdf"))
    assert refused.value.reason == (
        "the PDF is damaged and cannot be read: no page could be read (it uses a feature the "
        "PDF reader does not support: Unsupported filter /FooDecode)")


def test_page_that_fails_is_empty_with_warning(tmp_path, monkeypatch):
    import pypdf

    pages = [[SENTENCES[i]] for i in range(3)]
    path = make_pdf(tmp_path / "one-bad-page.pdf", pages)
    real = pypdf.PageObject.extract_text

    def flaky(self, *args, **kwargs):
        if self.page_number == 1:
            raise pypdf.errors.PdfReadError("Unexpected end of stream")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(pypdf.PageObject, "extract_text", flaky)
    doc = pdf.parse(path)
    assert [len(p.blocks) for p in doc.pages] == [1, 0, 1]
    assert "page 2 could not be read (Unexpected end of stream)" in doc.warnings
    assert not any("no text layer" in w for w in doc.warnings)


def test_bug_outside_pypdf_is_not_swallowed(tmp_path, monkeypatch):
    path = make_pdf(tmp_path / "ok.pdf", [["Some text."]])

    def broken(lines):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(pdf, "lines_to_blocks", broken)  # pages read without their layout
    monkeypatch.setattr(pdf.pdf_layout, "page_blocks", lambda *a: broken(a))  # and with it
    with pytest.raises(ZeroDivisionError):
        pdf.parse(path)


def test_pypdf_log_messages_become_warnings(tmp_path, caplog):
    import logging

    path = make_pdf(tmp_path / "xref.pdf", [["Text behind a wrong startxref pointer."]])
    data = path.read_bytes()
    cut = data.rindex(b"startxref\n") + len(b"startxref\n")
    path.write_bytes(data[:cut] + b"17\n%%EOF\n")  # points into the middle of nowhere
    with caplog.at_level(logging.WARNING):
        doc = pdf.parse(path)
    assert "Text behind a wrong startxref pointer." in all_text(doc)
    assert any(w.startswith("pypdf: ") for w in doc.warnings)
    assert not [r for r in caplog.records if r.name.startswith("pypdf")]
    assert logging.getLogger("pypdf").propagate is True


def test_image_only_pdf_needs_ocr(tmp_path):
    reason = _refused(make_image_only_pdf(tmp_path / "scan.pdf", 3))
    assert reason.startswith("no text layer")
    assert "OCR" in reason
    reason = _refused(make_image_only_pdf(tmp_path / "drawing.pdf", 2, with_image=False))
    assert "OCR" in reason


def test_some_pages_without_text_are_named(tmp_path):
    body = resolution_pages(8)
    pages = [body[0], body[1], None, None, None, body[5], None, body[7]]
    doc = pdf.parse(make_mixed_pdf(tmp_path / "partly-scanned.pdf", pages))
    assert len(doc.pages) == 8
    assert doc.pages[2].blocks == [] and doc.pages[5].blocks
    assert "pages 3–5, 7 have no text layer (scanned?)" in doc.warnings


def test_one_blank_page_warning(tmp_path):
    pages = [["Text on the first page of the report."], [], ["Text on the last page."]]
    doc = pdf.parse(make_pdf(tmp_path / "blank.pdf", pages))
    assert "page 2 has no text layer (scanned?)" in doc.warnings


def test_tiny_text_without_images_is_kept(tmp_path):
    doc = pdf.parse(make_pdf(tmp_path / "tiny.pdf", [["Hello, World!"]]))
    assert all_text(doc) == "Hello, World!"
    assert any("very little text" in w for w in doc.warnings)


def test_parse_file_dispatches_to_pdf(tmp_path):
    from indexer.ingest.parsers import parse_file, parser_for

    path = make_pdf(tmp_path / "no-suffix", [["Sniffed by its bytes, not by its name."]])
    assert parser_for(path, path.read_bytes()[:2048]) is pdf
    assert parse_file(path).format == "pdf"


# ------------------------------------------------------------------ shared data

needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared is absent")


def _sample_files() -> list[Path]:
    return sorted(SAMPLES.rglob("*.pdf")) if SAMPLES.is_dir() else []


def _corpus_files() -> list[Path]:
    return sorted(CORPUS_PDF.glob("*.pdf")) if CORPUS_PDF.is_dir() else []


def _expected_pages(path: Path) -> int:
    import pypdf

    return len(pypdf.PdfReader(path).pages)


@pytest.mark.shared
@needs_shared
@pytest.mark.parametrize("path", _corpus_files(), ids=lambda p: p.name)
def test_corpus_pdfs_parse(path):
    doc = pdf.parse(path)
    assert len(doc.pages) == _expected_pages(path)
    assert [p.number for p in doc.pages] == list(range(1, len(doc.pages) + 1))
    assert all(p.blocks for p in doc.pages)
    text = all_text(doc)
    assert doc.meta.symbol in ("A/RES/70/1", "A/RES/217(III)")
    assert doc.meta.symbol not in text.split("\n")  # the running header is gone
    assert not re.search(r"^\d+/\d+$", text, re.M)  # and so are the page counters
    assert doc.meta.lang == path.name.split(".")[-2]
    assert doc.meta.title
    assert doc.warnings == []


@pytest.mark.shared
@needs_shared
def test_corpus_pdf_count():
    if not CORPUS_PDF.is_dir():
        pytest.skip("no ../shared/corpus-pdf")
    assert len(_corpus_files()) == 6


@pytest.mark.shared
@needs_shared
def test_udhr_article_14_on_its_page():
    path = CORPUS_PDF / "udhr.en.pdf"
    if not path.exists():
        pytest.skip("udhr.en.pdf absent")
    import pypdf

    doc = pdf.parse(path)
    hits = [(p.number, i) for p in doc.pages for i, b in enumerate(p.blocks)
            if b.text == "Article 14" or b.text.startswith("Article 14")]
    assert len(hits) == 1
    page_no, i = hits[0]
    raw = pypdf.PdfReader(path).pages[page_no - 1].extract_text()
    assert "Article 14" in raw
    assert "asylum from persecution" in raw
    following = doc.pages[page_no - 1].blocks[i + 1].text
    assert following.startswith("Everyone has the right to seek and to enjoy in other countries")
    assert doc.meta.title == "Universal Declaration of Human Rights"


@pytest.mark.shared
@needs_shared
@pytest.mark.parametrize("path", _sample_files(), ids=lambda p: p.parent.name + "/" + p.name)
def test_pdf_samples_parse_or_refuse(path):
    try:
        doc = pdf.parse(path)
    except IngestRefused as err:
        assert err.reason
        assert err.file == path.name
        if path.parent.name == "005-libreoffice-writer-password":
            assert "encrypted" in err.reason
        return
    assert path.parent.name != "005-libreoffice-writer-password"
    assert isinstance(doc, ParsedDocument)
    assert doc.pages and all_text(doc).strip()
    assert [p.number for p in doc.pages] == list(range(1, len(doc.pages) + 1))


@pytest.mark.shared
@needs_shared
def test_pdf_sample_count_and_known_outcomes():
    if not SAMPLES.is_dir():
        pytest.skip("no ../shared/pdf-samples")
    files = _sample_files()
    # README.txt says 35, but the snapshot holds 31 PDFs (files.json lists 32; GeoTopo.pdf
    # was left out for size).
    assert len(files) >= 31
    by_name = {p.name: p for p in files}
    labels = [p.label for p in pdf.parse(by_name["GeoTopo-komprimiert.pdf"]).pages[:5]]
    assert labels == ["i", "ii", "iii", "1", "2"]
    doc = pdf.parse(by_name["002-trivial-libre-office-writer.pdf"])
    assert doc.meta.lang == "en"
    assert "no text layer" in _refused(by_name["grayscale-image.pdf"])
    assert "habibi" in all_text(pdf.parse(by_name["habibi.pdf"]))
