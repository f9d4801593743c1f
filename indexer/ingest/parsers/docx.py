"""Word documents (.docx): headings, numbered paragraphs with the numbers Word prints, lettered
sub-items, tables, footnotes and endnotes; tracked changes read as accepted, comments dropped.

python-docx opens the package (parts, core properties); the text is read from the WordprocessingML
itself, because python-docx's paragraph text leaves out inserted (tracked) runs and knows
nothing of automatic numbering. Word's automatic numbers (`16.`, `(a)`, `(i)`) are not in the
paragraph text: they are computed here from the numbering definitions (numbering.xml: each
level's start, format and text pattern, restarts and overrides) and written in front of the
paragraph, so that passages are labelled and cited exactly as for PDF and text.

A legacy Word 97-2003 `.doc` and a password-protected `.docx` (both OLE compound files) are
refused with what to do instead.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from indexer.errors import IngestRefused
from indexer.ingest import dates
from indexer.ingest.cleanup import SYMBOL_RE
from indexer.ingest.parsers.limits import ParseLimits, check_zip
from indexer.models import Block, DocMeta, Page, ParsedDocument
from indexer.text import normalize_text

FORMAT = "docx"
EXTENSIONS = (".docx", ".doc")
USES_LIMITS = True  # parse takes limits= (parsers/limits.py)

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _w(tag: str) -> str:
    return f"{{{_W}}}{tag}"


def _int(value: str | None, default: int, high: int = 32767) -> int:
    """A number the file states (a list's start, a level), or `default` when it is not one.
    Bounded as Word bounds it (starts up to 32767): `(i)` of a start of 10**18 would be a
    roman numeral of 10**15 letters."""
    try:
        return min(max(int(value or ""), 0), high)
    except ValueError:
        return default


def _val(el, tag: str, default: str = "") -> str:
    """The w:val of child `tag` of `el`."""
    if el is None:
        return default
    child = el.find(_w(tag))
    if child is None:
        return default
    return child.get(_w("val"), default)


def sniff(head: bytes) -> bool:
    if head.startswith(_OLE_MAGIC):
        return True  # a .doc or an encrypted .docx: refused below with the reason
    return head.startswith(b"PK\x03\x04") and b"word/" in head


# ------------------------------------------------------------------ numbering

@dataclass
class _Level:
    start: int = 1
    fmt: str = "decimal"
    text: str = ""
    restart: int | None = None  # restart after this (1-based) level; None: after any higher
    legal: bool = False


@dataclass
class _Numbering:
    """Word's list numbering: the levels of each abstract list and the list instances."""

    abstract: dict[str, dict[int, _Level]] = field(default_factory=dict)
    instances: dict[str, str] = field(default_factory=dict)  # numId -> abstractNumId
    overrides: dict[str, dict[int, int]] = field(default_factory=dict)  # numId -> start
    level_overrides: dict[str, dict[int, _Level]] = field(default_factory=dict)
    counters: dict[str, dict[int, int]] = field(default_factory=dict)
    started: set = field(default_factory=set)  # list instances seen (start overrides apply)

    def label(self, num_id: str, ilvl: int) -> str:
        """The printed number of the next paragraph of list `num_id` at level `ilvl`
        (counters advance), or "" for bullets and unknown lists."""
        abstract_id = self.instances.get(num_id)
        if abstract_id is None:
            return ""
        levels = {**self.abstract.get(abstract_id, {}), **self.level_overrides.get(num_id, {})}
        # Counters run per abstract list (Word continues a list across its instances); an
        # instance that overrides a start restarts the count when first used.
        counts = self.counters.setdefault(abstract_id, {})
        if num_id not in self.started:
            self.started.add(num_id)
            for lvl, start in self.overrides.get(num_id, {}).items():
                counts[lvl] = start - 1
        level = levels.get(ilvl, _Level())
        counts[ilvl] = counts.get(ilvl, level.start - 1) + 1
        for deeper in [k for k in counts if k > ilvl]:
            restart = levels.get(deeper, _Level()).restart
            if restart is None or restart > ilvl:
                del counts[deeper]
        if level.fmt in ("bullet", "none"):
            return ""

        def number(m: re.Match) -> str:
            lvl = int(m.group(1)) - 1
            lv = levels.get(lvl, _Level())
            value = counts.get(lvl, lv.start)
            return _format(value, "decimal" if level.legal else lv.fmt)

        return re.sub(r"%([1-9])", number, level.text).strip()


def _format(n: int, fmt: str) -> str:
    if fmt in ("lowerLetter", "upperLetter"):
        s = ""
        while n > 0:
            n, r = divmod(n - 1, 26)
            s = chr(ord("a") + r) + s
        return s.upper() if fmt == "upperLetter" else s
    if fmt in ("lowerRoman", "upperRoman"):
        s = _roman(n)
        return s.upper() if fmt == "upperRoman" else s
    if fmt == "decimalZero":
        return f"{n:02d}"
    return str(n)


def _roman(n: int) -> str:
    out = ""
    for value, digits in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"),
                          (90, "xc"), (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"),
                          (4, "iv"), (1, "i")):
        while n >= value:
            out += digits
            n -= value
    return out


def _level(el) -> _Level:
    restart = _val(el, "lvlRestart")
    return _Level(start=_int(_val(el, "start"), 1), fmt=_val(el, "numFmt", "decimal"),
                  text=_val(el, "lvlText"), restart=_int(restart, 0, 9) if restart else None,
                  legal=el.find(_w("isLgl")) is not None)


def _read_numbering(root) -> _Numbering:
    numbering = _Numbering()
    if root is None:
        return numbering
    for ab in root.iter(_w("abstractNum")):
        numbering.abstract[ab.get(_w("abstractNumId"))] = {
            _int(lv.get(_w("ilvl")), 0, 8): _level(lv) for lv in ab.iter(_w("lvl"))}
    for num in root.iter(_w("num")):
        num_id = num.get(_w("numId"))
        numbering.instances[num_id] = _val(num, "abstractNumId")
        for ov in num.iter(_w("lvlOverride")):
            ilvl = _int(ov.get(_w("ilvl")), 0, 8)
            start = _val(ov, "startOverride")
            if start:
                numbering.overrides.setdefault(num_id, {})[ilvl] = _int(start, 1)
            lvl = ov.find(_w("lvl"))
            if lvl is not None:
                numbering.level_overrides.setdefault(num_id, {})[ilvl] = _level(lvl)
    return numbering


# ------------------------------------------------------------------ styles

@dataclass
class _Style:
    name: str = ""
    based_on: str = ""
    num: tuple[str, int] | None = None  # (numId, ilvl) the style numbers its paragraphs with
    outline: int | None = None


def _read_styles(root) -> dict[str, _Style]:
    styles: dict[str, _Style] = {}
    if root is None:
        return styles
    for st in root.iter(_w("style")):
        ppr = st.find(_w("pPr"))
        num = None
        outline = None
        if ppr is not None:
            npr = ppr.find(_w("numPr"))
            if npr is not None and _val(npr, "numId"):
                num = (_val(npr, "numId"), _int(_val(npr, "ilvl"), 0, 8))
            if _val(ppr, "outlineLvl"):
                outline = _int(_val(ppr, "outlineLvl"), 9, 9)
        styles[st.get(_w("styleId"), "")] = _Style(
            name=_val(st, "name").lower(), based_on=_val(st, "basedOn"), num=num,
            outline=outline)
    return styles


def _style_chain(styles: dict[str, _Style], style_id: str):
    seen = set()
    while style_id and style_id in styles and style_id not in seen:
        seen.add(style_id)
        yield styles[style_id]
        style_id = styles[style_id].based_on


def _heading_level(styles: dict[str, _Style], style_id: str, ppr) -> int:
    """1.. for a heading paragraph (Title, Heading N, or an outline level), else 0."""
    if ppr is not None and _val(ppr, "outlineLvl"):
        lvl = _int(_val(ppr, "outlineLvl"), 9, 9)
        return lvl + 1 if lvl < 9 else 0
    for st in _style_chain(styles, style_id):
        if st.name == "title":
            return 1
        m = re.fullmatch(r"heading (\d)", st.name)
        if m:
            return int(m.group(1))
        if st.outline is not None and st.outline < 9:
            return st.outline + 1
    return 0


# ------------------------------------------------------------------ text

# Run content read as the accepted text of a tracked document: insertions (w:ins) and moved-to
# text are ordinary runs inside their wrappers; deletions (w:delText inside w:del, w:moveFrom)
# are skipped, and so are comment marks and field codes (w:instrText).
_SKIP = {_w("del"), _w("moveFrom"), _w("commentRangeStart"), _w("commentRangeEnd"),
         _w("commentReference"), _w("instrText"), _w("delText"), _w("footnoteReference"),
         _w("endnoteReference"), _w("pPr"), _w("rPr")}


def _paragraph_text(p) -> str:
    parts: list[str] = []

    def walk(el) -> None:
        for child in el:
            tag = child.tag
            if tag in _SKIP:
                if tag in (_w("footnoteReference"), _w("endnoteReference")):
                    parts.append(child.get(_w("id"), ""))  # the note's number, as printed
                continue
            if tag == _w("t"):
                parts.append(child.text or "")
            elif tag == _w("tab"):
                parts.append(" ")
            elif tag in (_w("br"), _w("cr")):
                parts.append(" ")
            elif tag == _w("noBreakHyphen"):
                parts.append("-")
            else:
                walk(child)

    walk(p)
    return normalize_text(" ".join("".join(parts).split()))


def _numbering_of(p, styles: dict[str, _Style], style_id: str) -> tuple[str, int] | None:
    ppr = p.find(_w("pPr"))
    npr = ppr.find(_w("numPr")) if ppr is not None else None
    if npr is not None and _val(npr, "numId"):
        num_id = _val(npr, "numId")
        if num_id == "0":
            return None  # numbering switched off for this paragraph
        return num_id, _int(_val(npr, "ilvl"), 0, 8)
    for st in _style_chain(styles, style_id):
        if st.num is not None:
            ilvl = _int(_val(npr, "ilvl"), st.num[1], 8) if npr is not None else st.num[1]
            return st.num[0], ilvl
    return None


def _blocks(body, styles: dict[str, _Style], numbering: _Numbering) -> list[Block]:
    blocks: list[Block] = []
    for el in body:
        if el.tag == _w("p"):
            ppr = el.find(_w("pPr"))
            style_id = _val(ppr, "pStyle")
            text = _paragraph_text(el)
            num = _numbering_of(el, styles, style_id)
            label = numbering.label(*num) if num else ""
            if not text:
                continue
            if label:
                text = f"{label} {text}"
            level = _heading_level(styles, style_id, ppr)
            blocks.append(Block(text, "heading", level) if level else Block(text, "para"))
        elif el.tag == _w("tbl"):
            for cell in el.iter(_w("tc")):
                blocks.extend(_blocks(cell, styles, numbering))
        elif el.tag in (_w("sdt"), _w("customXml")):
            content = el.find(_w("sdtContent"))
            blocks.extend(_blocks(content if content is not None else el, styles, numbering))
        elif el.tag in (_w("ins"), _w("moveTo")):  # whole tracked-in paragraphs and tables
            blocks.extend(_blocks(el, styles, numbering))
    return blocks


def _notes(root, tag: str) -> list[Block]:
    """Footnotes or endnotes as footnote blocks (`3 text`), skipping Word's separators."""
    out = []
    if root is None:
        return out
    for note in root.iter(_w(tag)):
        if note.get(_w("type")) in ("separator", "continuationSeparator",
                                    "continuationNotice"):
            continue
        text = " ".join(t for t in (_paragraph_text(p) for p in note.iter(_w("p"))) if t)
        if text:
            out.append(Block(f"{note.get(_w('id'), '')} {text}".strip(), "footnote"))
    return out


# ------------------------------------------------------------------ the file

def _refuse_ole(data: bytes, name: str) -> None:
    """An OLE compound file is a legacy .doc or an encrypted .docx: say which, and what to do."""
    if "EncryptedPackage".encode("utf-16-le") in data:
        raise IngestRefused(
            "the Word file is protected by a password: remove the password in Word "
            "(File > Info > Protect Document > Encrypt with Password, clear it), save, and "
            "upload it again", name)
    if "WordDocument".encode("utf-16-le") in data:
        raise IngestRefused(
            "this is a legacy Word 97-2003 .doc file, which is not read: open it in Word or "
            "LibreOffice and save it as .docx (Word Document) or PDF, then upload that", name)
    raise IngestRefused(
        "this is an old-format Office file (not a Word document): save it as PDF and upload "
        "that", name)


# Parts we parse ourselves get python-docx's own settings, stated: no entities resolved (an
# external one could read the server's files into the text), no network, no DTD, and
# libxml2's default bounds on depth and sizes (huge_tree off).
def _xml_parser():
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           huge_tree=False)


_DAMAGED = ("the Word file is damaged and cannot be read ({detail}); open it in Word, save it "
            "again and upload the new copy")


def _short(exc: BaseException) -> str:
    """A library's message, short and without the name of our staged copy."""
    if isinstance(exc, RecursionError):
        return "its structure is nested too deeply"
    msg = " ".join(str(exc).split())
    msg = re.sub(r"\s*\(<string>, line \d+\)$", "", msg)  # lxml repeats the position
    return (msg or type(exc).__name__)[:160]


def _part_xml(package, partname: str, shown: str):
    from lxml import etree

    for part in package.iter_parts():
        if str(part.partname) == partname:
            try:
                return etree.fromstring(part.blob, _xml_parser())
            except etree.LxmlError as exc:
                detail = f"{partname.lstrip('/')}: {_short(exc)}"
                raise IngestRefused(_DAMAGED.format(detail=detail), shown) from None
    return None


# What a damaged package raises from python-docx, lxml and zipfile as it is read (a
# malformed part, a missing one, corrupt compressed data, a structure nested too deeply).
# Caught only around the reading of the file; anything else is a bug and is reported as one.
def _package_errors() -> tuple[type[BaseException], ...]:
    from docx.exceptions import PythonDocxError
    from docx.opc.exceptions import OpcError
    from lxml import etree

    return (etree.LxmlError, PythonDocxError, OpcError, zipfile.BadZipFile, zlib.error,
            KeyError, ValueError, EOFError, NotImplementedError, RecursionError)


def parse(path: Path, name: str = "", limits: ParseLimits | None = None) -> ParsedDocument:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    shown = name or path.name
    data = path.read_bytes()
    if not data.strip():
        raise IngestRefused("the file is empty", shown)
    if data.startswith(_OLE_MAGIC):
        _refuse_ole(data, shown)
    if not data.startswith(b"PK"):
        raise IngestRefused("this is not a Word document (.docx): its content is of another "
                            "kind; check the file or export it again from Word", shown)
    # before python-docx inflates any part (it reads them all into memory)
    check_zip(path, limits or ParseLimits.of(), shown)
    try:
        document = docx.Document(str(path))
    except ValueError as exc:
        if "not a Word file" in str(exc):  # another Office package (a workbook, slides)
            raise IngestRefused("this is not a Word document (.docx): its content is of "
                                "another kind; check the file or export it again from Word",
                                shown) from None
        raise IngestRefused(_DAMAGED.format(detail=_short(exc)), shown) from None
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError) as exc:
        # (python-docx's own message names our staging path: not for the person's eyes)
        detail = ("a part is missing" if isinstance(exc, KeyError)
                  else "not a complete .docx package")
        raise IngestRefused(_DAMAGED.format(detail=detail), shown) from None
    except _package_errors() as exc:  # lxml's XMLSyntaxError and the like, from a broken part
        raise IngestRefused(_DAMAGED.format(detail=_short(exc)), shown) from None
    except (AttributeError, TypeError):
        # python-docx reading a part whose root element is of another kind (a relationships
        # part holding a document, say); only its code runs in docx.Document
        raise IngestRefused(_DAMAGED.format(detail="a part holds the wrong kind of content"),
                            shown) from None
    try:
        return _read(document, shown)
    except IngestRefused:
        raise
    except _package_errors() as exc:
        raise IngestRefused(_DAMAGED.format(detail=_short(exc)), shown) from None


def _read(document, shown: str) -> ParsedDocument:
    from docx.oxml.document import CT_Document

    if not isinstance(document.element, CT_Document):  # the main part holds something else
        raise IngestRefused(_DAMAGED.format(detail="its main part is not a Word document"),
                            shown)
    package = document.part.package
    styles_xml = _part_xml(package, "/word/styles.xml", shown)
    styles = _read_styles(styles_xml)
    numbering = _read_numbering(_part_xml(package, "/word/numbering.xml", shown))
    body = document.element.body
    if body is None:
        raise IngestRefused("the Word document has no text", shown)
    blocks = _blocks(body, styles, numbering)
    blocks += _notes(_part_xml(package, "/word/footnotes.xml", shown), "footnote")
    blocks += _notes(_part_xml(package, "/word/endnotes.xml", shown), "endnote")
    if not blocks:
        raise IngestRefused("the Word document has no text", shown)

    warnings: list[str] = []
    title, lang, stamps = _properties(document, warnings)
    lang = lang.split("-")[0].lower()[:3]
    if not lang and styles_xml is not None:
        node = styles_xml.find(f".//{_w('docDefaults')}//{_w('lang')}")
        if node is not None:
            lang = (node.get(_w("val")) or "").split("-")[0].lower()[:3]
    # the date the text prints (a UN masthead's date line), else a plausible property date:
    # python-docx's template says 2013-12-23 in every file made from it
    date = dates.from_text([b.text for b in blocks[:40]]) or next(
        (d for d in map(dates.plausible, stamps) if d), "")
    title = normalize_text(title) or next(
        (b.text for b in blocks if b.kind == "heading"), "")
    m = SYMBOL_RE.search(" ".join(b.text for b in blocks[:10]))
    meta = DocMeta(title=title, lang=lang, date=date, symbol=m.group(0) if m else "")
    # Word reflows its pages on every screen and printer: no page numbers to cite
    return ParsedDocument(pages=[Page(1, blocks)], meta=meta, format=FORMAT, paged=False,
                          warnings=warnings)


def _properties(document, warnings: list[str]):
    """(title, language, (created, modified)) from the core properties; none, with a warning,
    when that part holds something else (the text is still worth reading)."""
    try:
        props = document.core_properties
        return props.title or "", props.language or "", (props.created, props.modified)
    except (AttributeError, TypeError, ValueError):  # python-docx on a part of another kind
        warnings.append("the document information (title) could not be read "
                        "(docProps/core.xml holds the wrong kind of content)")
        return "", "", (None, None)
