"""Plain text and Markdown, including text extracted from UN PDFs with its page furniture."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from indexer.errors import IngestRefused
from indexer.ingest.cleanup import (
    SYMBOL_RE,
    dehyphenate,
    is_furniture,
    lines_to_blocks,
    page_marker,
    word_vocabulary,
)
from indexer.models import DocMeta, Page, ParsedDocument
from indexer.text import normalize_text

FORMAT = "text"
EXTENSIONS = (".txt", ".text", ".md", ".markdown")
MARKDOWN_SUFFIXES = (".md", ".markdown")


def sniff(head: bytes) -> bool:
    return False  # text has no magic bytes: chosen by suffix


def decode(data: bytes, name: str = "") -> tuple[str, str]:
    """(text, encoding): UTF-8 (with or without BOM), UTF-16 with BOM, else cp1252.

    cp1252 leaves five bytes undefined; a file using them is read as Latin-1 instead so that
    nothing is lost. NUL bytes outside UTF-16 mean a binary file, which is refused.
    """
    if data.startswith(b"\xff\xfe") or data.startswith(b"\xfe\xff"):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise IngestRefused(
                f"the file claims to be UTF-16 but is not: {exc.reason}", name) from None
    if b"\x00" in data[:8192]:
        raise IngestRefused("this looks like a binary file, not text", name)
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def symbol_from_filename(name: str) -> str:
    """`A_C.2_73_L.46-EN.txt` -> `A/C.2/73/L.46`; `A_C-1_57_L-34-EN.txt` -> `A/C.1/57/L.34`."""
    stem = Path(name).stem
    m = re.match(r"^(.*?)[-_.](EN|FR|ES|AR|RU|ZH|E|F|S)$", stem, re.I)
    if m:
        stem = m.group(1)
    parts = stem.split("_")
    if len(parts) < 2 or parts[0] not in ("A", "E", "S", "ST", "HRC", "TD"):
        return ""
    candidate = "/".join(p.replace("-", ".") for p in parts)
    return candidate if SYMBOL_RE.fullmatch(candidate) else ""


def lang_from_filename(name: str) -> str:
    m = re.search(r"[-_.](en|fr|es|ar|ru|zh|pt|de)(?:\.[a-z]+)?$", name, re.I)
    return m.group(1).lower() if m else ""


def _running_symbol(lines: list[str]) -> str:
    """The symbol printed alone on a line most often (the running header), if any."""
    counts = Counter(s for s in (" ".join(x.split()) for x in lines) if SYMBOL_RE.fullmatch(s))
    if not counts:
        return ""
    symbol, n = counts.most_common(1)[0]
    return symbol if n >= 2 else ""


def split_pages(lines: list[str], symbol: str) -> list[tuple[int, list[str]]]:
    """Recover pages from the furniture of text extracted from UN PDFs.

    A counter (`18-21786 6/35`, `7/35 18-21786`) or a bare page number next to the running
    symbol marks a page boundary. In these extractions the furniture block opens its page
    (`2` + `A/C.2/60/L.34` precedes page 2's text); when the first counter is `1` the
    furniture closes its page instead. Furniture lines are removed.
    """
    nonblank_idx = [i for i, x in enumerate(lines) if x.strip()]
    markers: dict[int, int] = {}
    furniture: set[int] = set()
    for pos, i in enumerate(nonblank_idx):
        s = " ".join(lines[i].split())
        pm = page_marker(s)
        if pm:
            markers[i] = pm[0]
            continue
        if symbol and re.fullmatch(r"\d{1,3}", s):
            near = nonblank_idx[max(0, pos - 2): pos + 3]
            if any(" ".join(lines[j].split()) == symbol for j in near if j != i):
                markers[i] = int(s)
    # Keep only an increasing sequence of page numbers (table cells are not page numbers).
    last = 0
    for i in sorted(markers):
        if markers[i] > last:
            last = markers[i]
        else:
            del markers[i]
    for pos, i in enumerate(nonblank_idx):
        s = " ".join(lines[i].split())
        if i in markers or is_furniture(s):
            furniture.add(i)
        elif symbol and s == symbol:
            # the running symbol is furniture next to a page marker (or on the cover line)
            near = nonblank_idx[max(0, pos - 3): pos + 4]
            if any(j in markers for j in near):
                furniture.add(i)
        elif symbol and s.endswith(symbol) and s.startswith("United Nations"):
            furniture.add(i)

    closes = bool(markers) and markers[min(markers)] == 1
    pages: list[tuple[int, list[str]]] = []
    current_no = 1
    current: list[str] = []
    for i, line in enumerate(lines):
        if i in markers:
            if closes:
                pages.append((markers[i], current))
                current_no = markers[i] + 1
            else:
                pages.append((current_no, current))
                current_no = markers[i]
            current = []
            continue
        if i in furniture:
            continue
        current.append(line)
    pages.append((current_no, current))
    # Merge pieces that ended up with the same number; drop empty leading pieces.
    merged: dict[int, list[str]] = {}
    for no, chunk in pages:
        merged.setdefault(no, []).extend(chunk)
    return [(no, chunk) for no, chunk in sorted(merged.items()) if any(x.strip() for x in chunk)]


_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)(\{:[^}]*\})?")
_MD_LINK = re.compile(r"\[([^\]]+)\]\((?:[^)(]|\([^)]*\))*\)")
_MD_ATTR = re.compile(r"\{:[^}]*\}")
_MD_EMPH = re.compile(r"(\*\*|__|(?<![\w*])\*(?!\s)|`)")


def markdown_lines(text: str) -> list[str]:
    """Markdown to plain lines: front matter, images, link targets and emphasis removed."""
    text = re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.S)
    out = []
    for line in text.split("\n"):
        line = _MD_IMAGE.sub("", line)
        line = _MD_LINK.sub(r"\1", line)
        line = _MD_ATTR.sub("", line)
        line = _MD_EMPH.sub("", line)
        line = re.sub(r"^\s{0,3}>\s?", "", line)  # block quotes
        if re.fullmatch(r"\s*(?:[-*_]\s*){3,}", line) or re.fullmatch(r"\s*\|?[-:| ]+\|?\s*", line):
            line = ""  # horizontal rules and table separator rows
        out.append(line)
    return out


def guess_title(lines: list[str], symbol: str) -> str:
    """A title for UN texts without a catalog entry: the line after `draft resolution`,
    else the first Markdown/short heading-like line."""
    nonblank = [" ".join(x.split()) for x in lines if x.strip()]
    for k, s in enumerate(nonblank[:80]):
        if re.search(r"draft (resolution|decision)\s*$|^draft resolution\b", s, re.I) or re.search(
            r"^(Report|Note) (of|by) the Secretary-General\s*$", s
        ):
            for cand in nonblank[k + 1 : k + 5]:
                # skip "The General Assembly," / "... as follows:" / sponsor lists
                if (len(cand.split()) >= 2 and not is_furniture(cand, symbol)
                        and not cand.rstrip().endswith((",", ":", ";"))
                        and not SYMBOL_RE.search(cand)
                        and not re.match(r"^(The|La|El|L[’'])\s+\w+(\s+\w+)?,$", cand)):
                    return cand.strip(" *")
    for s in nonblank[:20]:
        if s.startswith("#"):
            return s.lstrip("# ").strip()
    return ""


def looks_like_text(head: bytes) -> bool:
    """Text has no magic bytes, but it has no NUL bytes either (UTF-16 aside, with its BOM)
    and few control characters: enough to tell it from a binary file of another type."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    if not head or b"\x00" in head:
        return False
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    return controls <= len(head) // 100


def parse(path: Path, name: str = "") -> ParsedDocument:
    """`name` is the file's own name when `path` is a staged copy (hints: symbol, language,
    Markdown); the path's name otherwise."""
    named = Path(name or path.name)
    data = path.read_bytes()
    if not data.strip():
        raise IngestRefused("the file is empty", path.name)
    text, encoding = decode(data, path.name)
    text = normalize_text(text.replace("\r\n", "\n").replace("\r", "\n"))
    warnings = [] if encoding == "utf-8" else [f"read as {encoding}"]
    is_markdown = named.suffix.lower() in MARKDOWN_SUFFIXES
    lines = markdown_lines(text) if is_markdown else text.split("\n")

    symbol = _running_symbol(lines) or symbol_from_filename(named.name)
    vocab = word_vocabulary(text)
    pages = []
    chunks = [(1, lines)] if is_markdown else split_pages(lines, symbol)
    for number, chunk in chunks:
        blocks = lines_to_blocks(dehyphenate(chunk, vocab))
        if blocks:
            pages.append(Page(number=number, blocks=blocks))
    meta = DocMeta(
        title=guess_title(lines, symbol),
        symbol=symbol,
        lang=lang_from_filename(named.name),
    )
    fmt = "markdown" if is_markdown else "text"
    # Pages only where the text shows them (UN page furniture); Markdown has none.
    paged = not is_markdown and len(chunks) > 1
    return ParsedDocument(pages=pages, meta=meta, format=fmt, warnings=warnings, paged=paged)
