"""HTML: paragraphs, list items, table cells and headings become blocks; chrome is dropped."""

from __future__ import annotations

import re
import warnings as _warnings
from pathlib import Path

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, NavigableString, Tag

from indexer.errors import IngestRefused
from indexer.ingest.cleanup import SYMBOL_RE
from indexer.ingest.parsers.text import decode
from indexer.models import Block, DocMeta, Page, ParsedDocument
from indexer.text import normalize_text

FORMAT = "html"
EXTENSIONS = (".html", ".htm", ".xhtml")

_DROP = ("script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form",
         "button", "select", "svg", "iframe", "object", "embed", "head")
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_LEAVES = ("p", "li", "td", "th", "dt", "dd", "blockquote", "pre", "caption", "figcaption")
_CONTAINERS = ("div", "section", "article", "main", "body", "ul", "ol", "table", "tbody",
               "thead", "tr", "dl", "figure", "center", "span", "font")


def sniff(head: bytes) -> bool:
    start = head.lstrip()[:512].lower()
    return start.startswith(b"<!doctype html") or start.startswith(b"<html") or (
        b"<html" in start and b"<head" in head.lower()
    )


def _text(node: Tag) -> str:
    return normalize_text(" ".join(node.get_text(" ").split()))


def _walk(node: Tag, blocks: list[Block]) -> None:
    """Depth-first: headings and leaf blocks become Blocks; stray text in containers too."""
    loose: list[str] = []

    def flush_loose():
        text = normalize_text(" ".join(" ".join(loose).split()))
        if text:
            blocks.append(Block(text, "para"))
        loose.clear()

    for child in node.children:
        if isinstance(child, NavigableString):
            if type(child) is NavigableString:  # not comments, CDATA, doctype
                loose.append(str(child))
            continue
        if not isinstance(child, Tag):
            continue
        name = (child.name or "").lower()
        if name in _DROP:
            continue
        if name in _HEADINGS:
            flush_loose()
            text = _text(child)
            if text:
                blocks.append(Block(text, "heading", int(name[1])))
        elif name in _LEAVES:
            flush_loose()
            # A list item or cell holding its own block structure is walked, not flattened.
            if child.find(list(_LEAVES) + list(_HEADINGS)):
                _walk(child, blocks)
            else:
                text = _text(child)
                if text:
                    blocks.append(Block(text, "para"))
        elif name == "br":
            loose.append("\n")
        elif name in _CONTAINERS or child.find(list(_LEAVES) + list(_HEADINGS)):
            flush_loose()
            _walk(child, blocks)
        else:  # inline element (a, em, strong, ...) inside a container's loose text
            loose.append(child.get_text(" "))
    flush_loose()


def parse(path: Path, name: str = "") -> ParsedDocument:
    data = path.read_bytes()
    if not data.strip():
        raise IngestRefused("the file is empty", path.name)
    text, encoding = decode(data, path.name)
    # Honour a declared charset when the bytes were not UTF-8.
    if encoding != "utf-8":
        m = re.search(rb"charset=[\"']?([A-Za-z0-9_\-]+)", data[:4096])
        if m:
            try:
                text = data.decode(m.group(1).decode("ascii"))
            except (LookupError, UnicodeDecodeError):
                pass  # keep our own decoding: the declaration was wrong
    with _warnings.catch_warnings():
        _warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        soup = BeautifulSoup(text, "html.parser")

    html_tag = soup.find("html")
    lang = ""
    if isinstance(html_tag, Tag) and html_tag.get("lang"):
        lang = str(html_tag.get("lang")).split("-")[0].lower()[:3]
    title_tag = soup.find("title")
    title = _text(title_tag) if isinstance(title_tag, Tag) else ""

    body = soup.find("body") or soup
    blocks: list[Block] = []
    _walk(body, blocks)
    if not blocks:
        raise IngestRefused("the HTML page has no readable text", path.name)
    if not title:
        first_h = next((b.text for b in blocks if b.kind == "heading"), "")
        title = first_h
    symbol = ""
    m = SYMBOL_RE.search(" ".join(b.text for b in blocks[:10]))
    if m:
        symbol = m.group(0)
    meta = DocMeta(title=title, lang=lang, symbol=symbol)
    warnings = [] if encoding == "utf-8" else [f"read as {encoding}"]
    return ParsedDocument(pages=[Page(1, blocks)], meta=meta, format=FORMAT, warnings=warnings,
                          paged=False)
