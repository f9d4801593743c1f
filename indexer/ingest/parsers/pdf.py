"""PDF parser: pypdf text layer -> pages of paragraph blocks, running heads and footers removed.

Broken, encrypted and image-only files are refused with an `IngestRefused` whose reason a
person can act on. Only exceptions raised from inside pypdf calls are mapped; a bug in this
module still fails loudly.
"""

from __future__ import annotations

import logging
import re
import struct
import threading
import warnings
import zlib
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pypdf
from pypdf.errors import DependencyError, FileNotDecryptedError, PyPdfError

from indexer.errors import IngestRefused
from indexer.ingest import dates, ocr
from indexer.ingest.cleanup import (
    SYMBOL_RE,
    dehyphenate,
    is_furniture,
    lines_to_blocks,
    mask_digits,
    repeating_lines,
    word_vocabulary,
)
from indexer.ingest.parsers import filetype, pdf_layout
from indexer.models import DocMeta, Page, ParsedDocument
from indexer.text import fold, normalize_text

FORMAT = "pdf"
EXTENSIONS = (".pdf",)

# What pypdf raises on broken files: its own errors plus the plain ones that escape from its
# parsing of malformed objects. Only ever caught around pypdf calls.
PYPDF_ERRORS: tuple[type[BaseException], ...] = (
    PyPdfError,
    ValueError,  # includes UnicodeDecodeError
    KeyError,
    TypeError,
    AttributeError,
    IndexError,
    NotImplementedError,  # "Unsupported filter /JBIG2Decode": a stream pypdf cannot decode
    AssertionError,
    RecursionError,
    OverflowError,
    struct.error,
    zlib.error,
)

MIN_DOC_LETTERS = 20  # below this over the whole file: no usable text layer
MIN_PAGE_LETTERS = 3  # below this (after furniture removal) a page counts as "no text"
EDGE = 4  # non-blank lines at the top and bottom of a page where furniture lives
MAX_PYPDF_NOTES = 5

ENCRYPTED = "the PDF is encrypted (password-protected); save an unprotected copy and add that"
NO_TEXT = "no text layer — the PDF is scanned images and needs OCR before it can be indexed"


def sniff(head: bytes) -> bool:
    return b"%PDF-" in head[:1024]


def parse(path: Path, name: str = "") -> ParsedDocument:
    path = Path(path)
    with open(path, "rb") as fh:
        head = fh.read(2048)
    if head and not sniff(head):  # a text (or image, or Word file) named .pdf
        raise IngestRefused(filetype.not_a("PDF", head), name or path.name)
    notes: list[str] = []
    with _pypdf_diagnostics(notes):
        reader = _open(path)
        n_pages = _page_count(reader, path)
        labels = _page_labels(reader, n_pages, notes)
        unreadable: dict[int, str] = {}  # page number -> why pypdf failed on it
        layouts: dict[int, pdf_layout.RawPage] = {}  # page index -> what pypdf output
        raw = [_page_text(reader, i, notes, unreadable, layouts) for i in range(n_pages)]
        if len(unreadable) == n_pages:
            raise IngestRefused("the PDF is damaged and cannot be read: no page could be read "
                                f"({unreadable[1]})", path.name)
        title, lang = _file_metadata(reader, notes)
        created = _file_date(reader, notes)
        # Scanned pages (an image and no text layer) are read by OCR when Tesseract is here;
        # pages with a text layer keep it.
        scanned = [i for i, t in enumerate(raw) if _letters(t) < MIN_PAGE_LETTERS
                   and i + 1 not in unreadable and _has_image(reader, i)]
    ocr_pages: dict[int, float] = {}  # page number -> mean confidence
    no_ocr = ocr.missing()  # why OCR cannot run here (None: it can)
    if scanned and no_ocr is None:
        for i, page_text in ocr.read_pages(path, scanned, lang, _ocr_seconds()).items():
            if page_text.timed_out:
                notes.append(f"page {i + 1}: text recognition (OCR) took longer than "
                             f"{_ocr_seconds():g} s and was stopped")
                continue
            raw[i] = page_text.text
            layouts.pop(i, None)  # recognised text has no layout of its own
            ocr_pages[i + 1] = page_text.confidence
        if ocr_pages:
            mean = sum(ocr_pages.values()) / len(ocr_pages)
            notes.append(f"text recognised by OCR on {_page_list(sorted(ocr_pages))} "
                         f"(mean confidence {mean:.0f} %)")
    with _pypdf_diagnostics(notes):

        pages_lines = [_split_lines(t) for t in raw]
        symbol = _header_symbol(pages_lines) or _first_page_symbol(pages_lines[0])
        drops = _furniture(pages_lines, labels, symbol)
        pages_lines = [[x for k, x in enumerate(lines) if k not in drop]
                       for lines, drop in zip(pages_lines, drops, strict=True)]
        page_letters = [sum(_letters(x) for x in lines) for lines in pages_lines]
        letters = sum(page_letters)
        if letters < MIN_DOC_LETTERS and (letters == 0 or _any_images(reader, n_pages)):
            raise IngestRefused(NO_TEXT + (f". {no_ocr}" if no_ocr else ""),
                                path.name)

    vocabulary = word_vocabulary("\n".join("\n".join(lines) for lines in pages_lines))
    # Pages whose layout pypdf gave: their lines, furniture removed.
    laid: dict[int, list[pdf_layout.Line]] = {}
    for i, raw_page in layouts.items():
        lines = pdf_layout.page_lines(raw_page)
        if lines is not None and len(lines) == len(_split_lines(raw[i])):
            laid[i] = [x for k, x in enumerate(lines) if k not in drops[i]]
    if 0 in laid:  # a UN masthead is page furniture (its date line is the document's date)
        top = pdf_layout.masthead(laid[0], symbol)
        laid[0] = [x for k, x in enumerate(laid[0]) if k not in top]
    style = pdf_layout.document_style(list(laid.values()))
    _join_laid_across_pages(laid)
    pages_lines = _join_across_pages(pages_lines)
    pages = []
    for i, lines in enumerate(pages_lines):
        if i in laid:
            blocks = pdf_layout.page_blocks(laid[i], style, vocabulary)
            prev = laid.get(i - 1)
            if blocks and prev is not None and blocks[0].kind == "para" and \
                    pdf_layout.continues_page(prev, laid[i], style):
                blocks[0].continues = True
        else:
            blocks = lines_to_blocks(dehyphenate(lines, vocabulary))
        pages.append(Page(number=i + 1, blocks=blocks, label=labels[i],
                          ocr_confidence=ocr_pages.get(i + 1)))
    if not title and laid:
        title = _layout_title(pages)
    empty = [i + 1 for i, n in enumerate(page_letters)
             if n < MIN_PAGE_LETTERS and i + 1 not in unreadable]
    if empty:
        notes.append(_empty_pages_warning(empty))
    if letters < MIN_DOC_LETTERS:
        notes.append(f"very little text in the PDF ({letters} letters)")

    # the date the text prints (a UN masthead's date line), else a plausible file date
    date = dates.from_text([x for x in pages_lines[0] if x.strip()]) or dates.plausible(created)
    meta = DocMeta(title=_clean_title(title, path, symbol), lang=lang, symbol=symbol, date=date)
    return ParsedDocument(pages=pages, meta=meta, format=FORMAT, warnings=notes)


# ------------------------------------------------------------------ pypdf access


def _damaged(path: Path, exc: BaseException) -> IngestRefused:
    reason = _short_reason(exc)
    if _looks_truncated(path):
        reason += " (the file looks truncated: an interrupted download or copy?)"
    return IngestRefused(f"the PDF is damaged and cannot be read: {reason}", path.name)


def _looks_truncated(path: Path) -> bool:
    """No `%%EOF` marker near the end: the file was cut off."""
    with open(path, "rb") as fh:
        fh.seek(0, 2)
        fh.seek(max(0, fh.tell() - 2048))
        return b"%%EOF" not in fh.read()


def _short_reason(exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return "its object structure is nested too deeply (or loops)"
    if isinstance(exc, pypdf.errors.EmptyFileError):
        return "the file is empty"
    msg = " ".join(str(exc).split())
    if isinstance(exc, NotImplementedError):
        return f"it uses a feature the PDF reader does not support: {msg[:120]}"
    if not msg or not isinstance(exc, PyPdfError):
        msg = f"{type(exc).__name__}{': ' + msg if msg else ''}"
    return msg[:160]


def _open(path: Path) -> pypdf.PdfReader:
    if path.stat().st_size == 0:
        raise IngestRefused("the PDF is damaged and cannot be read: the file is empty (0 bytes)",
                            path.name)
    try:
        reader = pypdf.PdfReader(path, strict=False)
        encrypted = reader.is_encrypted
    except PYPDF_ERRORS as exc:
        raise _damaged(path, exc) from None
    if encrypted:
        try:
            result = reader.decrypt("")
        except DependencyError:
            raise IngestRefused(
                "the PDF is encrypted with AES; reading it needs the optional 'cryptography' "
                "package (pip install cryptography), or save an unprotected copy and add that",
                path.name,
            ) from None
        except PYPDF_ERRORS as exc:
            raise _damaged(path, exc) from None
        if result == pypdf.PasswordType.NOT_DECRYPTED:
            raise IngestRefused(ENCRYPTED, path.name)
    return reader


def _page_count(reader: pypdf.PdfReader, path: Path) -> int:
    try:
        n = len(reader.pages)
    except FileNotDecryptedError:
        raise IngestRefused(ENCRYPTED, path.name) from None
    except PYPDF_ERRORS as exc:
        raise _damaged(path, exc) from None
    if n == 0:
        raise IngestRefused("the PDF has no pages", path.name)
    return n


def _page_labels(reader: pypdf.PdfReader, n: int, notes: list[str]) -> list[str]:
    try:
        labels = [str(x) for x in reader.page_labels]
    except PYPDF_ERRORS as exc:
        notes.append(f"the page labels could not be read ({_short_reason(exc)}); "
                     "using physical page numbers")
        labels = []
    if len(labels) != n:
        labels = [str(i + 1) for i in range(n)]
    return [lab.strip() or str(i + 1) for i, lab in enumerate(labels)]


def _page_text(reader: pypdf.PdfReader, i: int, notes: list[str],
               failed: dict[int, str], layouts: dict[int, pdf_layout.RawPage]) -> str:
    try:
        layouts[i] = pdf_layout.read_page(reader.pages[i])
        return layouts[i].text
    except PYPDF_ERRORS as exc:
        failed[i + 1] = _short_reason(exc)
        notes.append(f"page {i + 1} could not be read ({failed[i + 1]})")
        return ""


def _file_metadata(reader: pypdf.PdfReader, notes: list[str]) -> tuple[str, str]:
    """(/Title, /Lang) as the file states them; a broken dictionary is a warning, not an error."""
    title = lang = ""
    try:
        info = reader.metadata
        if info is not None:
            title = _as_text(info.title)
    except PYPDF_ERRORS as exc:
        notes.append(f"the document information (title) could not be read ({_short_reason(exc)})")
    if not title:
        try:
            xmp = reader.xmp_metadata
            if xmp is not None and xmp.dc_title:
                title = _as_text(xmp.dc_title.get("x-default") or next(iter(xmp.dc_title.values())))
        except PYPDF_ERRORS as exc:
            notes.append(f"the XMP metadata could not be read ({_short_reason(exc)})")
    try:
        root = reader.trailer["/Root"].get_object()
        value = root.get("/Lang")
        raw_lang = _as_text(value.get_object() if value is not None else None)
    except PYPDF_ERRORS as exc:
        notes.append(f"the document language could not be read ({_short_reason(exc)})")
        raw_lang = ""
    m = re.match(r"^\s*([A-Za-z]{2})(?:[-_][A-Za-z0-9]+)*\s*$", raw_lang)
    if m:
        lang = m.group(1).lower()
    return title, lang


def _file_date(reader: pypdf.PdfReader, notes: list[str]) -> datetime | None:
    """/CreationDate (else /ModDate) from the document information, when it parses."""
    try:
        info = reader.metadata
        if info is None:
            return None
        return info.creation_date or info.modification_date
    except PYPDF_ERRORS as exc:
        notes.append(f"the document date could not be read ({_short_reason(exc)})")
        return None


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        value = value.decode("latin-1", errors="replace")
    return normalize_text(str(value)).strip()


def _any_images(reader: pypdf.PdfReader, n_pages: int) -> bool:
    """Whether any page draws an image (a scan) rather than nothing at all."""
    return any(_has_image(reader, i) for i in range(n_pages))


def _has_image(reader: pypdf.PdfReader, i: int) -> bool:
    try:
        page = reader.pages[i]
        if _xobject_images(page.get("/Resources"), depth=0):
            return True
        contents = page.get_contents()
        data = contents.get_data() if contents is not None else b""
    except PYPDF_ERRORS:
        return False
    return bool(re.search(rb"(?:^|\s)BI\s", data))  # inline image


def _xobject_images(resources, depth: int) -> bool:
    if resources is None or depth > 3:
        return False
    xobjects = resources.get_object().get("/XObject")
    if xobjects is None:
        return False
    for ref in xobjects.get_object().values():
        obj = ref.get_object()
        subtype = obj.get("/Subtype")
        if subtype == "/Image":
            return True
        if subtype == "/Form" and _xobject_images(obj.get("/Resources"), depth + 1):
            return True
    return False


class _Collector(logging.Handler):
    """Collects pypdf's log records emitted by the current thread."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.thread = threading.get_ident()
        self.messages: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.messages[_shorten(record.getMessage())] += 1


def _shorten(message: str) -> str:
    msg = " ".join(message.split())
    msg = re.sub(r"\s*(?:in font dictionary|:)?\s*\{.*$", "", msg)  # drop dumped dictionaries
    return msg[:160]


_QUIET_LOCK = threading.Lock()
_quiet_depth = 0  # parses in progress that keep pypdf's log records to themselves
_saved_propagate = True


@contextmanager
def _pypdf_diagnostics(notes: list[str]) -> Iterator[None]:
    """Turn pypdf's log messages and Python warnings during a parse into document warnings.

    pypdf's records stop propagating to the root logger while any parse runs (reference
    counted, so concurrent parses in threads restore it correctly); each parse collects the
    records of its own thread. `warnings.catch_warnings` is process-wide: a warning raised in
    another thread at the same moment may land in this document's notes.
    """
    global _quiet_depth, _saved_propagate
    logger = logging.getLogger("pypdf")
    handler = _Collector()
    logger.addHandler(handler)
    with _QUIET_LOCK:
        if _quiet_depth == 0:
            _saved_propagate = logger.propagate
            logger.propagate = False
        _quiet_depth += 1
    caught: list[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as recorded:
            warnings.simplefilter("always")
            try:
                yield
            finally:
                caught = list(recorded)
    finally:
        logger.removeHandler(handler)
        with _QUIET_LOCK:
            _quiet_depth -= 1
            if _quiet_depth == 0:
                logger.propagate = _saved_propagate
        for w in caught:
            handler.messages[_shorten(f"{w.category.__name__}: {w.message}")] += 1
        for msg, count in handler.messages.most_common(MAX_PYPDF_NOTES):
            notes.append(f"pypdf: {msg}" + (f" (×{count})" if count > 1 else ""))
        rest = len(handler.messages) - MAX_PYPDF_NOTES
        if rest > 0:
            notes.append(f"pypdf: {rest} other kinds of problems")


# ------------------------------------------------------------------ text clean-up


def _letters(text: str) -> int:
    return sum(1 for c in text if c.isalpha())


def _split_lines(text: str) -> list[str]:
    return [line.rstrip() for line in normalize_text(text).split("\n")]


def _edge_positions(lines: list[str], edge: int = EDGE) -> set[int]:
    idx = [i for i, line in enumerate(lines) if line.strip()]
    return set(idx[:edge] + idx[-edge:])


def _bare_symbol(line: str) -> str:
    s = " ".join(line.split())
    m = SYMBOL_RE.fullmatch(s)
    return m.group(0) if m else ""


def _header_symbol(pages_lines: list[list[str]]) -> str:
    """A UN symbol printed as a running header (alone on a line at the edge of most pages)."""
    if len(pages_lines) < 2:
        return ""
    counts: Counter[str] = Counter()
    for lines in pages_lines:
        found = {_bare_symbol(lines[i]) for i in _edge_positions(lines)}
        counts.update(s for s in found if s)
    if not counts:
        return ""
    symbol, n = counts.most_common(1)[0]
    return symbol if n >= max(2, len(pages_lines) // 2) else ""


def _first_page_symbol(lines: list[str]) -> str:
    """The symbol from the first page's masthead: alone on one of the first lines, or after a
    few words (`United Nations A/73/L.66`); never a citation from the body text."""
    for line in [x for x in lines if x.strip()][:12]:
        s = " ".join(line.split())
        for m in SYMBOL_RE.finditer(s):
            before, after = s[: m.start()].split(), s[m.end():].split()
            if (not after and len(before) <= 3) or (not before and len(after) <= 3):
                return m.group(0)
    return ""


def _furniture(pages_lines: list[list[str]], labels: list[str], symbol: str) -> list[set[int]]:
    """Per page, the indexes of its lines that are running heads and footers, page counters,
    job numbers, barcodes or header symbols."""
    repeated = repeating_lines(pages_lines, edge=EDGE)
    # A repeated masked form is only trusted when the very same line recurs (a real running
    # head) or when its digits follow the page numbers on most pages (`Page 3`, `- 3 -`):
    # `Article 13` and `Article 14` at the tops of pages also mask to `Article #` and are text.
    exact: Counter[str] = Counter()
    numbered: Counter[str] = Counter()
    for n, (lines, label) in enumerate(zip(pages_lines, labels, strict=True), start=1):
        edge_lines = {" ".join(lines[i].split()) for i in _edge_positions(lines)}
        exact.update(edge_lines)
        numbered.update({mask_digits(x) for x in edge_lines if _numbered(x, n, label)})
    need = max(3, int(len(pages_lines) * 0.5))

    def running(s: str, n: int, label: str) -> bool:
        if is_furniture(s, symbol):
            return True
        masked = mask_digits(s)
        if masked not in repeated:
            return False
        return exact[s] >= need or (numbered[masked] >= need and _numbered(s, n, label))

    # Book-style running heads carry the page number and change with the chapter
    # (`8 1.2. METRISCHE RÄUME`, `Chapter 3 45`): trusted when most pages have one.
    numbered_ends = _numbered_ends(pages_lines, labels)

    out = []
    for n, (lines, label) in enumerate(zip(pages_lines, labels, strict=True), start=1):
        edges = _edge_positions(lines)
        drop = {i for i in edges if running(" ".join(lines[i].split()), n, label)}
        drop |= numbered_ends[n - 1]
        whole_page = len(drop) == len(edges) == sum(1 for x in lines if x.strip())
        if whole_page and not any(is_furniture(lines[i], symbol) for i in drop):
            drop = set()  # nothing but a text repeated on every page (one-line pages): keep it
        drop |= {i for i, line in enumerate(lines)
                 if (s := " ".join(line.split())) and _is_body_furniture(s)}
        out.append({i for i in drop if lines[i].strip()})
    return out


def _numbered_ends(pages_lines: list[list[str]], labels: list[str]) -> list[set[int]]:
    """Per page, the indexes of a first or last line that starts or ends with the page's own
    number or label as a separate word - only when that layout holds on enough pages."""
    found: dict[str, list[set[int]]] = {"first": [], "last": []}
    for n, (lines, label) in enumerate(zip(pages_lines, labels, strict=True), start=1):
        idx = [i for i, x in enumerate(lines) if x.strip()]
        for end, pos in (("first", idx[:1]), ("last", idx[-1:])):
            hit = set()
            for i in pos:
                words = lines[i].split()
                if len(words) >= 2 and len(words) <= 12 and (
                        words[0] in (label, str(n)) or words[-1] in (label, str(n))):
                    hit.add(i)
            found[end].append(hit)
    need = max(3, int(len(pages_lines) * 0.4))
    result: list[set[int]] = [set() for _ in pages_lines]
    for hits in found.values():
        if sum(1 for h in hits if h) >= need:
            for page, h in zip(result, hits, strict=True):
                page |= h
    return result


def _numbered(line: str, number: int, label: str) -> bool:
    """Whether the line carries this page's number or label (`Page 3`, `- iii -`)."""
    tokens = re.findall(r"\w+", line)
    return str(number) in tokens or label in tokens


def _is_body_furniture(s: str) -> bool:
    """Furniture that is unmistakable anywhere on the page (job numbers, barcodes)."""
    if re.fullmatch(r"\d+\s*/\s*\d+", s):  # a bare `2/5` may be a fraction in a table
        return False
    return is_furniture(s)


def _join_across_pages(pages_lines: list[list[str]]) -> list[list[str]]:
    """A word hyphenated at the foot of a page is completed there from the next page, so
    `develop-` | `ment` becomes `develop-` + `ment` on one page for dehyphenate to join."""
    out = [list(lines) for lines in pages_lines]
    for a, b in zip(out, out[1:], strict=False):
        last = next((i for i in range(len(a) - 1, -1, -1) if a[i].strip()), None)
        first = next((i for i, x in enumerate(b) if x.strip()), None)
        if last is None or first is None or not re.search(r"\w-$", a[last]):
            continue
        m = re.match(r"\s*([a-zà-ÿ]\w*[.,;:]?)(?:\s+|$)(.*)$", b[first])
        if not m:
            continue
        a.append(m.group(1))
        b[first] = m.group(2)
    return out


def _join_laid_across_pages(laid: dict[int, list[pdf_layout.Line]]) -> None:
    """`_join_across_pages` for pages read with their layout: the first word of the next page
    completes a word hyphenated at the foot of this one, on a line of its own below it."""
    for i, a in laid.items():
        b = laid.get(i + 1)
        a_text = [x for x in a if x.clean]
        b_text = [x for x in (b or []) if x.clean]
        if not a_text or not b_text or not re.search(r"\w-$", a_text[-1].clean):
            continue
        m = re.match(r"\s*([a-zà-ÿ]\w*[.,;:]?)(?:\s+|$)(.*)$", b_text[0].clean)
        if not m:
            continue
        last = a_text[-1]
        a.insert(a.index(last) + 1, pdf_layout.Line(
            m.group(1), x0=last.x0, top=last.top + 0.1, size=last.size, bold=last.bold,
            italic=last.italic, width=last.width))
        b_text[0].text = m.group(2)


def _layout_title(pages: list[Page]) -> str:
    """The title printed on the first page with text: its first top-level heading."""
    for page in pages:
        heads = [b for b in page.blocks if b.kind == "heading"]
        if not any(b.text.strip() for b in page.blocks):
            continue
        top = min((b.level for b in heads), default=0)
        first = next((b for b in heads if b.level == top and top == 1), None)
        return first.text if first is not None and not pdf_layout.HEADING_WORDS.match(
            first.text) else ""
    return ""


def _ocr_seconds() -> float:
    from indexer.config import load

    return load().ocr_page_seconds


def _page_list(pages: list[int]) -> str:
    """`page 3`, `pages 1–4, 7`."""
    ranges: list[str] = []
    start = prev = pages[0]
    for p in [*pages[1:], None]:
        if p is not None and p == prev + 1:
            prev = p
            continue
        ranges.append(str(start) if start == prev else f"{start}–{prev}")
        if p is not None:
            start = prev = p
    return ("page " if len(pages) == 1 else "pages ") + ", ".join(ranges)


def _empty_pages_warning(pages: list[int]) -> str:
    if len(pages) == 1:
        return f"page {pages[0]} has no text layer (scanned?)"
    return f"{_page_list(pages)} have no text layer (scanned?)"


# ------------------------------------------------------------------ metadata

_FILE_NAME = re.compile(
    r"\.(?:docx?|pdf|odt|rtf|txt|tex|dvi|html?|indd|pages|wpd|xlsx?|pptx?|ps|qxd)$", re.I
)
_APP_PREFIX = re.compile(r"^(?:Microsoft\s+\w+|Word|PowerPoint)\s+-\s+", re.I)
_PLACEHOLDERS = {"untitled", "untitled document", "document", "title", "no title", "none",
                 "unknown", "draft", "doc"}


def _clean_title(title: str, path: Path, symbol: str) -> str:
    t = " ".join(title.split())
    if not t or sum(c.isalpha() for c in t) < 3 or len(t) > 300:
        return ""
    if fold(t) in _PLACEHOLDERS or fold(t) in (fold(path.stem), fold(path.name)):
        return ""
    if _APP_PREFIX.match(t) or _FILE_NAME.search(t) or "\\" in t or t.startswith("/"):
        return ""
    if SYMBOL_RE.fullmatch(t) or (symbol and t == symbol):
        return ""
    return t
