"""HTML: paragraphs, list items, table cells and headings become blocks; chrome is dropped."""

from __future__ import annotations

import re
import warnings as _warnings
from collections.abc import Iterator
from pathlib import Path

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, NavigableString, PageElement, Tag
from bs4.exceptions import ParserRejectedMarkup

from indexer.errors import IngestRefused
from indexer.ingest.cleanup import SYMBOL_RE
from indexer.ingest.parsers.limits import ParseLimits
from indexer.ingest.parsers.text import decode
from indexer.models import Block, DocMeta, Page, ParsedDocument
from indexer.text import normalize_text

FORMAT = "html"
EXTENSIONS = (".html", ".htm", ".xhtml")
USES_LIMITS = True  # parse takes limits= (parsers/limits.py)

_DROP = ("script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form",
         "button", "select", "svg", "iframe", "object", "embed", "head")
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_LEAVES = ("p", "li", "td", "th", "dt", "dd", "blockquote", "pre", "caption", "figcaption")
_BLOCKS = frozenset(_LEAVES + _HEADINGS)
_CONTAINERS = ("div", "section", "article", "main", "body", "ul", "ol", "table", "tbody",
               "thead", "tr", "dl", "figure", "center", "span", "font")


def sniff(head: bytes) -> bool:
    start = head.lstrip()[:512].lower()
    return start.startswith(b"<!doctype html") or start.startswith(b"<html") or (
        b"<html" in start and b"<head" in head.lower()
    )


def _text(node: Tag) -> str:
    return normalize_text(" ".join(node.get_text(" ").split()))


def _flush(loose: list[str], blocks: list[Block]) -> None:
    text = normalize_text(" ".join(" ".join(loose).split()))
    if text:
        blocks.append(Block(text, "para"))
    loose.clear()


def _survey(root: Tag, max_depth: int, shown: str) -> set[int]:
    """The ids of the elements under `root` that hold a heading or a leaf block at any depth,
    in one pass without recursion; a page nested deeper than `max_depth` is refused (a page
    100,000 levels deep overflowed the recursive walk this replaced)."""
    order: list[Tag] = []
    stack = [(root, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > max_depth:
            raise IngestRefused(
                f"the HTML page nests its elements more than {max_depth} levels deep, which "
                "is not a readable page (browsers stop nesting at 512); save it again from a "
                "browser or as PDF and add that", shown)
        order.append(node)
        stack.extend((c, depth + 1) for c in node.children if isinstance(c, Tag))
    holding: set[int] = set()
    for node in reversed(order):  # every element after its descendants
        if any(isinstance(c, Tag) and (c.name in _BLOCKS or id(c) in holding)
               for c in node.children):
            holding.add(id(node))
    return holding


def _walk(root: Tag, blocks: list[Block], holding: set[int]) -> None:
    """Depth-first, with a stack of its own: headings and leaf blocks become Blocks; stray
    text in containers too. `holding`: the elements with a block inside (from _survey)."""
    # frames: (the element's remaining children, its loose text so far)
    stack: list[tuple[Iterator[PageElement], list[str]]] = [(iter(root.children), [])]
    while stack:
        children, loose = stack[-1]
        for child in children:
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
                _flush(loose, blocks)
                text = _text(child)
                if text:
                    blocks.append(Block(text, "heading", int(name[1])))
            elif name in _LEAVES:
                _flush(loose, blocks)
                # A list item or cell holding its own block structure is walked, not flattened.
                if id(child) in holding:
                    stack.append((iter(child.children), []))
                    break
                text = _text(child)
                if text:
                    blocks.append(Block(text, "para"))
            elif name == "br":
                loose.append("\n")
            elif name in _CONTAINERS or id(child) in holding:
                _flush(loose, blocks)
                stack.append((iter(child.children), []))
                break
            else:  # inline element (a, em, strong, ...) inside a container's loose text
                loose.append(child.get_text(" "))
        else:  # every child seen: this element is done
            _flush(loose, blocks)
            stack.pop()


def parse(path: Path, name: str = "", limits: ParseLimits | None = None) -> ParsedDocument:
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
        try:
            soup = BeautifulSoup(text, "html.parser")
        except ParserRejectedMarkup as exc:  # Python's html.parser gave up on the markup
            detail = str(exc).strip().splitlines()[-1].strip()[:160]
            raise IngestRefused(f"the HTML page is damaged and cannot be read ({detail}); save "
                                "it again from a browser or as PDF and add that",
                                name or path.name) from None

    html_tag = soup.find("html")
    lang = ""
    if isinstance(html_tag, Tag) and html_tag.get("lang"):
        lang = str(html_tag.get("lang")).split("-")[0].lower()[:3]
    title_tag = soup.find("title")
    title = _text(title_tag) if isinstance(title_tag, Tag) else ""

    body = soup.find("body") or soup
    holding = _survey(soup, (limits or ParseLimits.of()).markup_depth, name or path.name)
    blocks: list[Block] = []
    _walk(body, blocks, holding)
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
