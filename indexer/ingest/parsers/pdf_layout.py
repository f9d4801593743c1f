"""PDF text with its layout: lines with position, size and weight -> headings and paragraphs.

pypdf's `extract_text(visitor_text=...)` hands every piece of text it outputs to a visitor with
the text matrix, the current transformation matrix, the font and the font size. The pieces
joined are exactly `extract_text()`'s result, so the lines here are the lines the rest of the
parser has always seen (running heads, job numbers ... are removed by line index), each now
with where it stands on the page and how it is printed.

From that: headings are lines printed larger or bold, centred short lines, and lines numbered
like headings (`Chapter II`, `Chapitre premier`, `Capítulo I`, `Annex`, `Objective 23`);
paragraphs end at a vertical gap, an indented first line, a short line ending a sentence, or a
line that opens a paragraph (`16.`, `(a)`, a bullet, `Whereas`, `Considérant`, `Recordando`
...); footnotes are the small print at the foot of a page; two-column pages are read column by
column. Pure functions over `Line`s, apart from `read_page`.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

from indexer.ingest.cleanup import PREAMBLE_OPENERS, dehyphenate, line_label
from indexer.ingest.dates import DATE_LINE
from indexer.models import Block
from indexer.text import normalize_text

# ------------------------------------------------------------------ lines with geometry


@dataclass
class Line:
    """One line of text as pypdf outputs it, with where and how it is printed."""

    text: str
    x0: float = 0.0  # left edge, points from the left of the page
    top: float = 0.0  # baseline, points from the top of the page
    size: float = 0.0  # font size as printed (text and page matrices applied)
    bold: bool = False  # most of its letters are bold
    italic: bool = False  # most of its letters are italic
    italic_head: bool = False  # it opens with italic words (a UN preamble clause: *Recalling*)
    width: float = 0.0  # page width
    known: bool = True  # the position is the line's own (False: pypdf merged it into a piece)

    @property
    def clean(self) -> str:
        return " ".join(self.text.split())


@dataclass
class _Piece:
    start: int  # offset in the page text
    end: int
    x: float
    y: float
    size: float
    bold: bool
    italic: bool


_BOLD = re.compile(r"bold|black|heavy|semibold|demi|[-,]bd\b|cmbx|sfbx|\bbx\d|-b$", re.I)
_ITALIC = re.compile(r"italic|oblique|[-,]it\b|cmti|sfti|cmsl|sfsl|-i$", re.I)


def _font_style(font: object, cache: dict[int, tuple[bool, bool]]) -> tuple[bool, bool]:
    """(bold, italic) from the font's name, else its descriptor's flags, weight and angle."""
    if not hasattr(font, "get"):
        return False, False
    key = id(font)
    if key in cache:
        return cache[key]
    name = str(font.get("/BaseFont", "")).split("+", 1)[-1]
    bold, italic = bool(_BOLD.search(name)), bool(_ITALIC.search(name))
    desc = font.get("/FontDescriptor")
    if desc is None and font.get("/DescendantFonts") is not None:
        kids = font["/DescendantFonts"].get_object()
        desc = kids[0].get_object().get("/FontDescriptor") if len(kids) else None
    if desc is not None:
        desc = desc.get_object()
        flags, weight, angle = (_number(desc.get(k)) for k in ("/Flags", "/FontWeight",
                                                                 "/ItalicAngle"))
        flags = int(flags)
        bold = bold or bool(flags & (1 << 18)) or weight >= 600
        italic = italic or bool(flags & (1 << 6)) or abs(angle) > 1
    cache[key] = (bold, italic)
    return bold, italic


def _number(value: object) -> float:
    """A number from a font descriptor; anything else (a broken file's junk) counts as 0."""
    return float(value) if isinstance(value, (int, float)) and math.isfinite(value) else 0.0


def _mul(a: list[float], b: list[float]) -> list[float]:
    return [a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3],
            a[2] * b[0] + a[3] * b[2], a[2] * b[1] + a[3] * b[3],
            a[4] * b[0] + a[5] * b[2] + b[4], a[4] * b[1] + a[5] * b[3] + b[5]]


@dataclass
class RawPage:
    """What pypdf gave for one page: its text and the pieces it was output in."""

    text: str
    pieces: list[tuple[str, list[float], list[float], float, bool, bool]]  # text, cm, tm,
    # font size, bold, italic
    rotate: int = 0
    width: float = 595.0
    height: float = 842.0
    left: float = 0.0


def read_page(page) -> RawPage:
    """The page's text as `page.extract_text()` gives it, with the pieces pypdf output it in.
    Only pypdf calls happen here (its errors propagate to the caller, which maps them); the
    layout is worked out by `page_lines`, outside that."""
    pieces: list[tuple[str, list[float], list[float], float, bool, bool]] = []
    styles: dict[int, tuple[bool, bool]] = {}

    def visit(text, cm, tm, font, size) -> None:
        pieces.append((text or "", list(cm), list(tm), float(size or 0),
                       *_font_style(font, styles)))

    text = page.extract_text(visitor_text=visit)
    box = page.mediabox
    return RawPage(text or "", pieces, int(page.get("/Rotate", 0) or 0) % 360,
                   float(box.right) - float(box.left), float(box.top), float(box.left))


def page_lines(raw: RawPage) -> list[Line] | None:
    """The lines of `raw.text` (split at newlines, as the parser splits it) with their
    layout; None when the layout cannot be trusted: a rotated page or rotated text, or
    pieces that do not add up to the text."""
    pieces: list[_Piece] = []
    offset = 0
    for text, cm, tm, size, bold, italic in raw.pieces:
        if text.strip():
            m = _mul([float(v) for v in tm], [float(v) for v in cm])
            if abs(m[1]) > 0.01 * max(abs(m[0]), 1e-9) or abs(m[2]) > 0.01 * max(abs(m[3]), 1e-9):
                return None
            scale = math.hypot(m[2], m[3]) or 1.0
            pieces.append(_Piece(offset, offset + len(text), m[4], m[5], size * scale,
                                 bold, italic))
        offset += len(text)
    text = raw.text
    if "".join(p[0] for p in raw.pieces) != text or raw.rotate or not pieces:
        return None
    lines: list[Line] = []
    pos = 0
    k = 0  # first piece that may overlap the current line
    for line_text in text.split("\n"):
        start, end = pos, pos + len(line_text)
        pos = end + 1
        while k < len(pieces) and pieces[k].end <= start:
            k += 1
        mine = [p for p in pieces[k:] if p.start < max(end, start + 1)]
        line = Line(normalize_text(line_text).rstrip(), width=raw.width)
        if mine and line_text.strip():
            first = next((p for p in mine if p.start >= start), None)
            line.known = first is not None
            anchor = first or mine[0]
            line.x0, line.top = anchor.x - raw.left, raw.height - anchor.y
            weights = [(p, max(1, min(p.end, end) - max(p.start, start))) for p in mine]
            total = sum(w for _, w in weights)
            sizes: Counter[float] = Counter()
            for p, w in weights:
                sizes[round(p.size, 1)] += w
            line.size = sizes.most_common(1)[0][0]
            line.bold = sum(w for p, w in weights if p.bold) >= 0.6 * total
            line.italic = sum(w for p, w in weights if p.italic) >= 0.6 * total
            line.italic_head = weights[0][0].italic and not line.italic
        lines.append(line)
    # Lines pypdf folded into one piece (no position of their own) follow the line above.
    for a, b in zip(lines, lines[1:], strict=False):
        if b.text.strip() and not b.known and a.text.strip():
            b.x0, b.top = a.x0, a.top + 1.2 * (a.size or 10)
    return lines


# ------------------------------------------------------------------ document statistics


@dataclass
class Style:
    """What body text looks like in this document, and the sizes its headings use."""

    body: float = 10.0  # the size most letters are printed in
    lead: float = 12.0  # baseline distance between lines of a body paragraph
    body_bold: bool = False  # body text itself is bold (then bold marks nothing)
    heading_sizes: list[float] = field(default_factory=list)  # larger sizes, largest first


def document_style(pages: list[list[Line]]) -> Style:
    sizes: Counter[float] = Counter()
    bold = 0
    total = 0
    for lines in pages:
        for ln in lines:
            n = len(ln.clean)
            if n and ln.size:
                sizes[_round(ln.size)] += n
                total += n
                bold += n if ln.bold else 0
    if not sizes:
        return Style()
    body = sizes.most_common(1)[0][0]
    gaps: Counter[float] = Counter()
    for lines in pages:
        body_lines = [ln for ln in lines if ln.clean and _round(ln.size) == body]
        for a, b in zip(body_lines, body_lines[1:], strict=False):
            d = b.top - a.top
            if 0.8 * body < d < 2.5 * body and abs(a.x0 - b.x0) < 30 * body:
                gaps[round(d, 0)] += 1
    lead = gaps.most_common(1)[0][0] if gaps else 1.2 * body
    bigger = sorted({s for s, n in sizes.items() if s >= 1.12 * body and n >= 3}, reverse=True)
    # sizes close together (17.2 and 17.0) are one heading size
    merged: list[float] = []
    for s in bigger:
        if not merged or merged[-1] - s > 0.06 * merged[-1]:
            merged.append(s)
    return Style(body=body, lead=lead, body_bold=bold > 0.5 * total, heading_sizes=merged)


def _round(size: float) -> float:
    return round(size * 2) / 2


# ------------------------------------------------------------------ paragraphs and headings

_SENTENCE_END = re.compile(r"[.;:!?…)\]»”\"']\s*$")
_BULLET = re.compile(r"^(?:[•▪●◦‣\-–*]|\d{1,2}\))\s+")
_URLS_ONLY = re.compile(r"(?:https?://\S+\s*)+")
# Lines numbered like headings of a part or chapter: `Chapter II`, `Chapitre premier`,
# `Capítulo I`, `Objective 23`; `Annex` and `Preamble` are headings alone too.
_NUMERAL = r"(?:[IVXLC]{1,7}|\d{1,3}|[A-Z]|premier|première|primero|primera|first|one|un|uno)"
HEADING_WORDS = re.compile(
    r"^(?:(?:Chapter|Chapitre|Capítulo|Capitulo|Part|Partie|Parte|Section|Sección|Title|Titre"
    r"|Título|Objective|Objectif|Objetivo|Goal|Article|Artículo|Annex|Annexe|Anexo|Appendix"
    rf"|Appendice|Apéndice)\s+{_NUMERAL}\b[.:]?"
    r"|(?:Annex|Annexe|Anexo|Appendix|Appendice|Apéndice|Preamble|Préambule|Preámbulo)[.:]?$)"
    r"(?:\s|$)", re.I)
_ACTING_BODY = re.compile(
    r"^(The|L[’']|La|El)\s*(General Assembly|Assemblée générale|Asamblea General|Economic and "
    r"Social Council|Security Council|Human Rights Council|Conseil|Consejo)\b[^.]*,$", re.I)


def _is_display(ln: Line, style: Style) -> bool:
    """Printed as a heading: larger than the body, or bold where the body is not."""
    return ln.size >= 1.12 * style.body or (ln.bold and not style.body_bold)


def _ends(text: str) -> bool:
    return bool(_SENTENCE_END.search(text))


def _opens(line: Line, prev: Line) -> bool:
    """The line opens a paragraph by what it says (a label, a bullet, a preamble opener)."""
    s = line.clean
    if line_label(s) or _BULLET.match(s):
        return True
    p = prev.clean
    if PREAMBLE_OPENERS.match(s) and (p.endswith((",", ";", ".", ":")) or _ACTING_BODY.match(p)):
        return True
    # a UN preamble clause opens with italic words, after a clause ending in a comma
    return line.italic_head and p.endswith((",", ";"))


@dataclass
class _Group:
    lines: list[Line]
    display: bool

    @property
    def text(self) -> str:
        return " ".join(ln.clean for ln in self.lines)


def _typical_chars(lines: list[Line], style: Style) -> int:
    lengths = sorted(len(ln.clean) for ln in lines
                     if ln.clean and abs(ln.size - style.body) < 1.5)
    return lengths[int(len(lengths) * 0.8)] if lengths else 80


def group_lines(lines: list[Line], style: Style) -> list[_Group]:
    """The lines of one page, in reading order, grouped into paragraphs and headings."""
    lines = [ln for ln in lines if ln.clean]
    typical = _typical_chars(lines, style)
    groups: list[_Group] = []
    for k, ln in enumerate(lines):
        display = _is_display(ln, style)
        if not groups:
            groups.append(_Group([ln], display))
            continue
        g = groups[-1]
        prev = g.lines[-1]
        nxt = lines[k + 1] if k + 1 < len(lines) else None
        if _starts_new(prev, ln, nxt, g, display, style, typical):
            groups.append(_Group([ln], display))
        else:
            g.lines.append(ln)
    return groups


def _starts_new(prev: Line, ln: Line, nxt: Line | None, g: _Group, display: bool,
                style: Style, typical: int) -> bool:
    if display != g.display:
        return True
    if display and abs(ln.size - prev.size) > 0.1 * max(ln.size, prev.size):
        return True
    if re.fullmatch(r"_{5,}", ln.clean) or re.fullmatch(r"_{5,}", prev.clean):
        return True
    size = max(ln.size, prev.size, 1.0)
    lead = style.lead * size / style.body if style.body else 1.2 * size
    step = ln.top - prev.top
    same_column = abs(ln.x0 - prev.x0) < 0.3 * (ln.width or 595)
    if step > 1.35 * lead + 0.5 or (step > 0 and not same_column and step > 0.5 * lead):
        return True  # a vertical gap (or a line that is elsewhere on the page)
    if step < -0.5 * lead and not same_column:
        # the top of the next column: it goes on unless it opens a paragraph, or is a first
        # line indented from the lines under it after a sentence ended
        em = ln.size or style.body
        indented = nxt is not None and 0.8 * em < ln.x0 - nxt.x0 < 8 * em and \
            abs(nxt.top - ln.top) < 1.5 * lead
        return _opens(ln, prev) or (_ends(prev.clean) and ln.clean[:1].isupper()
                                    and (indented or len(prev.clean) < 0.75 * typical))
    if step < -0.5 * lead:
        return True  # back up the page in the same column: something else (a side note)
    if display:
        return bool(line_label(ln.clean)) and not HEADING_WORDS.match(prev.clean)
    if _opens(ln, prev):
        return True
    em = ln.size or style.body
    indented = ln.x0 > prev.x0 + 0.8 * em and ln.x0 < prev.x0 + 8 * em
    if indented and _ends(prev.clean) and ln.clean[:1].isupper() and len(g.lines) > 1:
        return True  # a first-line indent after a line ending a sentence
    if indented and _ends(prev.clean) and ln.clean[:1].isupper() and \
            len(prev.clean) < 0.75 * typical:
        return True
    short = len(prev.clean) < 0.7 * typical
    if short and _ends(prev.clean) and (ln.clean[:1].isupper() or ln.clean[:1].isdigit()):
        return True  # the last line of a paragraph, then a new sentence
    return False


# ------------------------------------------------------------------ blocks


def _centred(g: _Group, margin: float, width: float, typical: int) -> bool:
    """A short line standing in the middle of the text column."""
    if len(g.lines) > 2 or not width:
        return False
    ln = g.lines[0]
    est = len(ln.clean) * 0.5 * (ln.size or 10)
    centre = ln.x0 + est / 2
    return (ln.x0 > margin + 3 * (ln.size or 10) and len(ln.clean) < 0.7 * typical
            and abs(centre - width / 2) < 0.12 * width)


def _heading_like(text: str, max_words: int = 40) -> bool:
    words = text.split()
    if not words or len(words) > max_words:
        return False
    if not re.search(r"[^\W\d_]{3,}", text):
        return False  # `U1`, `X2`, `5`: a formula's pieces in a bold or larger font
    return not (_ends(text) and not text.endswith(":") and len(words) > 12)


def _is_heading(g: _Group, style: Style, margin: float, typical: int) -> bool:
    text = g.text
    if g.display:
        # a bold paragraph of running text is emphasis, not a heading; a long heading
        # printed larger (an SDG goal, 40 words) is still a heading
        larger = max(ln.size for ln in g.lines) >= 1.12 * style.body
        return len(g.lines) <= (6 if larger else 4) and _heading_like(text, 60 if larger else 40)
    if len(g.lines) > 2 or len(text.split()) > 14:
        return False
    if _ACTING_BODY.match(text):
        return True  # "The General Assembly," opens a resolution's text
    if HEADING_WORDS.match(text) and not _ends(text.rstrip(".:")) and \
            not PREAMBLE_OPENERS.match(text) and len(text.split()) <= 12:
        return True
    letters = [c for c in text if c.isalpha()]
    if len(letters) >= 4 and all(c.isupper() for c in letters) and not _ends(text):
        return True  # a line in capitals
    width = max(ln.width for ln in g.lines)
    return _centred(g, margin, width, typical) and not _ends(text) and \
        text[:1].isupper() and not line_label(text)


def _heading_level(g: _Group, style: Style) -> int:
    text = g.text
    if re.match(r"^(Annex|Annexe|Anexo|Appendix|Appendice|Apéndice)\b", text, re.I):
        return 1
    size = max(ln.size for ln in g.lines)
    for rank, s in enumerate(style.heading_sizes):
        if size >= s * 0.94:
            return rank + 1
    base = len(style.heading_sizes) + 1
    if re.match(r"^(Chapter|Chapitre|Capítulo|Capitulo|Part|Partie|Parte)\b", text, re.I):
        return base
    return base + (0 if g.display else 1)


def _is_table(g: _Group, typical: int) -> bool:
    """Rows of short cells with figures: a table, kept as its rows."""
    if len(g.lines) < 3:
        return False
    rows = [ln.clean for ln in g.lines]
    figures = sum(1 for r in rows if len(re.findall(r"(?<![\w.])\d[\d.,]*%?(?![\w])", r)) >= 2)
    short = sum(1 for r in rows if len(r) < 0.8 * typical and not _ends(r))
    return figures >= 0.6 * len(rows) and short >= 0.6 * len(rows)


def page_blocks(lines: list[Line], style: Style, vocabulary: set[str]) -> list[Block]:
    """One page's lines (furniture removed, in reading order) as heading, paragraph, table and
    footnote blocks."""
    groups = group_lines(lines, style)
    body_lines = [ln for ln in lines if ln.clean and abs(ln.size - style.body) < 1.5]
    margin = Counter(round(ln.x0) for ln in body_lines).most_common(1)[0][0] \
        if body_lines else 0.0
    typical = _typical_chars(lines, style)
    foot = _footnote_start(groups, style)
    out: list[Block] = []
    for i, g in enumerate(groups):
        if re.fullmatch(r"_{5,}", g.text):
            continue
        joined = " ".join(dehyphenate([ln.clean for ln in g.lines], vocabulary))
        if _URLS_ONLY.fullmatch(joined):
            continue  # the link targets undocs.org lists at a page's foot: not text
        if i >= foot:
            for note in _split_notes(g):
                out.append(Block(" ".join(dehyphenate(note, vocabulary)), "footnote"))
        elif _is_heading(g, style, margin, typical):
            out.append(Block(joined, "heading", _heading_level(g, style)))
        elif _is_table(g, typical):
            out.append(Block("\n".join(ln.clean for ln in g.lines), "table"))
        else:
            out.append(Block(joined, "para"))
    return out


def _footnote_start(groups: list[_Group], style: Style) -> int:
    """Index of the first footnote group: after a `_____` rule, or the run of small print at
    the foot of the page that opens with a note number."""
    for i, g in enumerate(groups):
        if re.fullmatch(r"_{5,}", g.text):
            return i + 1
    start = len(groups)
    for i in range(len(groups) - 1, -1, -1):
        g = groups[i]
        if max(ln.size for ln in g.lines) <= 0.88 * style.body and not g.display:
            start = i
        else:
            break
    if start < len(groups) and re.match(r"^(?:\*+|\d{1,3})\s*\S", groups[start].text):
        return start
    return len(groups)


def _split_notes(g: _Group) -> list[list[str]]:
    """Footnotes printed one after another: each opens with its number at the margin."""
    notes: list[list[str]] = []
    margin = min(ln.x0 for ln in g.lines)
    for ln in g.lines:
        opens = re.match(r"^(?:\*+|\d{1,3})\s", ln.clean) and ln.x0 <= margin + 2
        if opens or not notes:
            notes.append([ln.clean])
        else:
            notes[-1].append(ln.clean)
    return notes


def continues_page(prev: list[Line], nxt: list[Line], style: Style) -> bool:
    """The text at the top of `nxt` goes on with the paragraph at the foot of `prev`: the
    last line runs to the end of the column without ending a sentence, and the next page
    opens with running text, not a heading, label or indent."""
    a = [ln for ln in prev if ln.clean]
    b = [ln for ln in nxt if ln.clean]
    if not a or not b:
        return False
    last, first = a[-1], b[0]
    if _is_display(last, style) or _is_display(first, style):
        return False
    if first.clean[:1].islower():
        return True
    if _ends(last.clean) or line_label(first.clean) or _BULLET.match(first.clean):
        return False
    if PREAMBLE_OPENERS.match(first.clean):
        return False
    typical = _typical_chars(a, style)
    return len(last.clean) >= 0.8 * typical


# ------------------------------------------------------------------ a UN masthead

_MASTHEAD = re.compile(
    r"^(?:United Nations|Nations Unies|Naciones Unidas|General Assembly|Security Council"
    r"|Economic and Social Council|Assemblée générale|Conseil de sécurité"
    r"|Conseil économique et social|Asamblea General|Consejo de Seguridad"
    r"|Consejo Económico y Social|Distr\.?\s*:?.*|Original\s*:.*|Orig\.?\s*:.*"
    r"|(?:Provisional |Preliminary )?(?:agenda )?item \d+.*|Agenda item \d+.*"
    r"|Point \d+.*ordre du jour.*|Tema \d+.*programa.*"
    r"|[\w-]+(?:[ -][\w-]+)? (?:session|période de sessions|período de sesiones)"
    r"|(?:[\w-]+ )?session"
    r")\b", re.I)


def masthead(lines: list[Line], symbol: str) -> set[int]:
    """The masthead at the top of a UN document's first page (`United Nations`, the organ,
    `Distr.: General`, the date, `Original: English`, the session and agenda item), as the
    indexes of its lines. Nothing when the page does not open that way."""
    found: set[int] = set()
    for i, ln in enumerate(lines):
        s = ln.clean
        if not s:
            continue
        rest = s.replace(symbol, " ").strip() if symbol else s
        if _MASTHEAD.match(s) or not rest or DATE_LINE.match(rest):
            found.add(i)
            continue
        break
    if not any(_MASTHEAD.match(lines[i].clean) for i in found):
        return set()  # a date or symbol alone opens many texts: not a masthead
    return found
