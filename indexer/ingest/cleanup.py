"""Pure text clean-up shared by the parsers: Unicode, page furniture, hyphenation, paragraphs.

Everything here takes and returns plain strings/lists so it can be tested on its own.
"""

from __future__ import annotations

import re
from collections import Counter

from indexer.models import Block
from indexer.text import _COMPOUND_PREFIXES

# ---------------------------------------------------------------- page furniture

# UN document symbols: A/73/L.66, A/C.2/73/L.46, A/RES/70/1, A/CONF.231/3, E/2019/L.1 ...
SYMBOL_RE = re.compile(
    r"\b(?:A|E|S|ST|TD|UNEP|HRC|CCPR|CEDAW|CRC|CERD|CMW|ECE|ESCAP|FCCC|ICCD)"
    r"(?:/[A-Z0-9][A-Za-z0-9.()\-]*)+"
)
# Job numbers and page counters that UN PDFs print in their footers.
_JOB = r"\d{2}-\d{5}(?:\s*\([A-Z]\))?"
_COUNTER = r"(\d{1,4})\s*/\s*(\d{1,4})"
_PAGE_MARKERS = [
    re.compile(rf"^{_JOB}\s+{_COUNTER}$"),  # 18-21786 6/35
    re.compile(rf"^{_COUNTER}\s+{_JOB}$"),  # 7/35 18-21786
    re.compile(rf"^{_COUNTER}$"),  # 6/35 alone
]
_FURNITURE = [
    re.compile(rf"^{_JOB}(?:\s+\d{{6}})?(?:\s+\d{{6}})?$"),  # 18-21786 (E)    141218
    re.compile(r"^\*\d{7,}\*$"),  # *1821786* barcode text
    re.compile(r"^Page\s+\d+(?:\s+of\s+\d+)?$", re.I),
    re.compile(r"^Microsoft Word - .*\.docx?$"),
]


# Older documents (to about 2014) print the page number beside the job number, no total.
_PAGE_BESIDE_JOB = [
    re.compile(rf"^{_JOB}\s+(\d{{1,3}})$"),  # 12-56860 2
    re.compile(rf"^(\d{{1,3}})\s+{_JOB}$"),  # 3 12-56860
]


def page_marker(line: str) -> tuple[int, int] | None:
    """(page, of) when the line is a page counter such as `18-21786 6/35` or `7/35`; of is 0
    for the older `12-56860 2`, which gives no total."""
    s = " ".join(line.split())
    for rx in _PAGE_MARKERS:
        m = rx.match(s)
        if m:
            page, total = int(m.group(1)), int(m.group(2))
            if 0 < page <= total:
                return page, total
    for rx in _PAGE_BESIDE_JOB:
        m = rx.match(s)
        if m and int(m.group(1)) > 0:
            return int(m.group(1)), 0
    return None


def is_furniture(line: str, symbol: str = "") -> bool:
    """Lines that belong to the page, not the text: job numbers, barcodes, bare symbols."""
    s = " ".join(line.split())
    if not s:
        return False
    if symbol and s == symbol:
        return True
    return any(rx.match(s) for rx in _FURNITURE) or page_marker(s) is not None


def repeating_lines(pages: list[list[str]], edge: int = 4, min_share: float = 0.5) -> set[str]:
    """Running headers/footers: lines that recur near the top or bottom of many pages.

    Lines are compared with digits masked so `Page 3` and `Page 4` count as the same line.
    Returns the masked forms; test a line with `mask_digits(line) in result`.
    """
    if len(pages) < 3:
        return set()
    counts: Counter[str] = Counter()
    for lines in pages:
        nonblank = [x for x in lines if x.strip()]
        seen = {mask_digits(x) for x in nonblank[:edge] + nonblank[-edge:]}
        counts.update(seen)
    need = max(3, int(len(pages) * min_share))
    return {line for line, n in counts.items() if n >= need and len(line) <= 120}


def mask_digits(line: str) -> str:
    return re.sub(r"\d+", "#", " ".join(line.split()))


# ---------------------------------------------------------------- hyphenation

def dehyphenate(lines: list[str], vocabulary: set[str] | None = None) -> list[str]:
    """Join words broken at line ends: `multi-` + `stakeholder` -> `multi-stakeholder`,
    `develop-` + `ment` -> `development`.

    The hyphen is kept when the first part is a compound prefix, when the hyphenated form
    occurs elsewhere in the text (`vocabulary` of lower-case words), or when the second part
    starts with a capital or digit; otherwise it was a line-break hyphen and is removed.
    """
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i].rstrip()
        # Find the next non-blank line (double-spaced extractions put blanks between lines).
        j = i + 1
        while j < len(lines) and not lines[j].strip() and j - i <= 2:
            j += 1
        m = re.search(r"(\w+)-$", line)
        if m and j < len(lines) and lines[j].strip() and not line.endswith("--"):
            nxt = lines[j].lstrip()
            m2 = re.match(r"(\w+)(.*)$", nxt)
            if m2:
                first, second = m.group(1), m2.group(1)
                joined_h = f"{first}-{second}".lower()
                joined = f"{first}{second}".lower()
                keep = (
                    first.lower() in _COMPOUND_PREFIXES
                    or not second[0].islower()
                    or (vocabulary is not None and joined_h in vocabulary
                        and joined not in vocabulary)
                )
                glue = "-" if keep else ""
                # The next line joins this one; it is looked at again (it may end in `-`).
                lines = lines[:j] + [line[: m.start(1)] + first + glue + second + m2.group(2)] \
                    + lines[j + 1:]
                i = j
                continue
        out.append(lines[i])
        i += 1
    return out


def word_vocabulary(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"\w+(?:-\w+)*", text)}


# ---------------------------------------------------------------- paragraphs

# Paragraph labels at the start of a line. Order matters: most specific first.
LABEL_PATTERNS = [
    ("article", re.compile(
        r"^(Article|Artículo|Art\.|Статья|المادة)\s+(\d+|premier|primero|first)\b\.?", re.I)),
    ("objective", re.compile(r"^(Objective|Objectif|Objetivo)\s+(\d+)\b", re.I)),
    ("goal", re.compile(r"^(Goal|Objectif|Objetivo)\s+(\d+)\b", re.I)),
    ("target", re.compile(r"^(\d{1,2}\.[0-9]{1,2}|\d{1,2}\.[a-z])(?=\s)")),
    ("number", re.compile(r"^(\d{1,3})\.(?=\s)")),
    ("letter", re.compile(r"^\(([a-z]{1,2}|[ivxl]{1,5})\)(?=\s)")),
    ("letter", re.compile(r"^([a-z])\)(?=\s)")),  # French/Spanish style `a)`
    ("roman", re.compile(r"^([IVXL]{1,6})\.(?=\s)")),
    ("capital", re.compile(r"^([A-H])\.(?=\s)")),
]
# Words that open a clause of a preamble (UN resolutions, declarations) in en/fr/es.
PREAMBLE_OPENERS = re.compile(
    r"^(?:Also |Further |Aussi |Également )?"
    r"(?:Whereas|Considering|Recalling|Reaffirming|Recognizing|Recognising|Noting|Taking note"
    r"|Acknowledging|Welcoming|Emphasizing|Emphasising|Stressing|Underlining|Bearing in mind"
    r"|Having|Convinced|Deeply|Concerned|Aware|Mindful|Expressing|Guided|Determined|Affirming"
    r"|Believing|Desiring|Alarmed|Encouraged|Considérant|Rappelant|Réaffirmant"
    r"|Reconnaissant|Notant|Prenant note|Soulignant|Constatant|Conscient|Consciente|Convaincu"
    r"|Convaincue|Ayant|Se félicitant|Accueillant|Estimant|Affirmant|Guidée?|Profondément"
    r"|Préoccupée?|Sachant|Tenant compte|Considerando|Recordando|Reafirmando|Reconociendo"
    r"|Observando|Tomando nota|Destacando|Subrayando|Teniendo presente|Convencid[oa]"
    r"|Consciente|Habiendo|Acogiendo|Expresando|Profundamente|Preocupad[oa]|Afirmando"
    r"|Guiad[oa]|Decidid[oa]|Teniendo en cuenta)\b")
_PART_LINE = re.compile(
    r"^(?:Annex|Annexe|Anexo|Appendix|Appendice|Apéndice)(?:\s+(?:[IVXL]{1,6}|\d{1,2}|[A-Z]))?$",
    re.I)
_BULLET = re.compile(r"^(?:[•▪●◦‣\-–*]|\d{1,2}\))\s+")
_URLS_ONLY = re.compile(r"(?:https?://\S+\s*)+")
_SENTENCE_END = re.compile(r"[.;:!?…)\]»”\"']\s*$")


def line_label(line: str) -> tuple[str, str] | None:
    """(kind, label) when the line opens with a paragraph label."""
    s = line.strip()
    for kind, rx in LABEL_PATTERNS:
        m = rx.match(s)
        if m:
            if kind in ("article", "objective", "goal"):
                n = m.group(2)
                n = "1" if n.lower() in ("premier", "primero", "first") else n
                return kind, f"{m.group(1).title()} {n}"
            return kind, m.group(1)
    return None


def _looks_like_heading(text: str, max_words: int = 14) -> bool:
    words = text.split()
    if not words or len(words) > max_words or len(text) > 10 * max_words:
        return False
    if _SENTENCE_END.search(text) and not text.rstrip().endswith(":"):
        return False
    first = text.lstrip()[0]
    return first.isupper() or first.isdigit()


def lines_to_blocks(lines: list[str]) -> list[Block]:
    """Group the lines of one page (or a page-less text) into paragraph blocks.

    Works for three kinds of extraction:
    - blank line between paragraphs (ordinary text files);
    - a blank line after every line (double-spaced PDF extractions): only labels, headings
      and runs of blank lines end a paragraph;
    - no blank lines at all (pypdf): a short line ending a sentence ends a paragraph.
    Labelled lines (`16.`, `(a)`, `Article 3`, `10.7`) always open a new paragraph.
    A page mixing double-spaced and single-spaced text (a resolution's preamble, then its
    voting record) is grouped region by region (see _spacing_regions).
    """
    blocks: list[list[str]] = []
    for region in _spacing_regions(lines):
        blocks += _group_lines(region)
    return _blocks_from_groups(blocks)


def _is_wrap(line: str, following: str) -> bool:
    """A line that stops mid-sentence, then one that goes on in lower case."""
    return not _SENTENCE_END.search(line) and following.lstrip()[:1].islower()


def _spacing_regions(lines: list[str], min_run: int = 8) -> list[list[str]]:
    """Cut a double-spaced page around its single-spaced blocks (a resolution's preamble,
    then its voting record or footnotes): each is grouped by its own spacing. A block is at
    least `min_run` lines with no blank line between them; the rest of the page must be
    double-spaced (sentences wrapping across blank lines). Any other page is one region."""
    idx = [i for i, x in enumerate(lines) if x.strip()]
    dense = [False] * len(idx)
    k = 0
    while k < len(idx):
        start = k
        while k + 1 < len(idx) and idx[k + 1] == idx[k] + 1:
            k += 1
        if k - start + 1 >= min_run:
            dense[start:k + 1] = [True] * (k - start + 1)
        k += 1
    if not any(dense) or all(dense):
        return [lines]
    wraps = wraps_blank = 0
    for a in range(len(idx) - 1):
        if not dense[a] and not dense[a + 1] and _is_wrap(lines[idx[a]], lines[idx[a + 1]]):
            wraps += 1
            wraps_blank += idx[a + 1] > idx[a] + 1
    if wraps < 3 or wraps_blank < 0.5 * wraps:
        return [lines]
    regions, cut = [], 0
    for a in range(1, len(idx)):
        if dense[a] != dense[a - 1]:
            end = idx[a - 1] + 1
            regions.append(lines[cut:end])
            cut = end
    regions.append(lines[cut:])
    return regions


def _group_lines(lines: list[str]) -> list[list[str]]:
    """The lines of one region, grouped into paragraphs (see lines_to_blocks)."""
    nonblank = [x for x in lines if x.strip()]
    if not nonblank:
        return []
    blanks_after = sum(
        1 for a, b in zip(lines, lines[1:], strict=False) if a.strip() and not b.strip()
    )
    median = sorted(len(x.strip()) for x in nonblank)[len(nonblank) // 2]
    # Double spacing shows where a sentence wraps: a line that stops mid-sentence followed,
    # after a blank line, by one that goes on in lower case. Ordinary text wraps without
    # the blank; one-paragraph-per-line text (Markdown) has no such wraps at all.
    wraps = wraps_blank = 0
    idx = [i for i, x in enumerate(lines) if x.strip()]
    for i, j in zip(idx, idx[1:], strict=False):
        if _is_wrap(lines[i], lines[j]):
            wraps += 1
            wraps_blank += j > i + 1
    if wraps >= 3:
        double_spaced = wraps_blank >= 0.5 * wraps
    else:
        double_spaced = (blanks_after >= 0.6 * len(nonblank) and len(nonblank) >= 4
                         and median < 160)
    no_blanks = blanks_after <= 0.05 * len(nonblank)
    lengths = sorted(len(x.strip()) for x in nonblank)
    typical = lengths[int(len(lengths) * 0.8)] if lengths else 0

    blocks: list[list[str]] = []
    current: list[str] = []
    gap = 0  # blank lines (or whitespace-only lines, which mark bigger gaps) since last text
    prev = ""

    def flush():
        nonlocal current
        if current:
            blocks.append(current)
        current = []

    for raw in lines:
        if not raw.strip():
            gap += 2 if raw and raw.isspace() else 1
            continue
        line = " ".join(raw.split())
        starts_new = False
        if not current:
            starts_new = True
        elif line_label(line) or _BULLET.match(line) or line.startswith("#"):
            starts_new = True
        elif prev.startswith("#") and re.match(r"#{1,6}\s", prev):
            starts_new = True  # a Markdown heading is one line: the text under it is not its
        elif _PART_LINE.match(line) or _PART_LINE.match(prev):
            starts_new = True  # `Annex` alone on its line opens a part, whatever the spacing

        elif double_spaced:
            ends = bool(_SENTENCE_END.search(prev)) or prev.rstrip().endswith(",")
            # These extractions indent a paragraph's first line (" Recalling its resolution");
            # wrapped lines start at the margin.
            indented = raw[:1].isspace() and line[:1].isupper()
            starts_new = (gap >= 3 and (ends or _looks_like_heading(prev)
                                        or _looks_like_heading(line))) or (ends and indented)
        elif no_blanks and line[0].islower():
            starts_new = False  # a line opening in lower case continues (`… of water` /
            # `and sanitation for all`)
        elif no_blanks:
            short = len(prev) < 0.75 * typical
            starts_new = short and (
                bool(_SENTENCE_END.search(prev)) or _looks_like_heading(prev)
            )
        else:
            starts_new = gap >= 1
        if re.fullmatch(r"_{5,}", line):
            flush()
            current = [line]
            flush()
            gap, prev = 0, line
            continue
        if starts_new:
            flush()
        current.append(line)
        gap, prev = 0, line
    flush()
    return blocks


def _blocks_from_groups(blocks: list[list[str]]) -> list[Block]:
    """Paragraph groups -> Blocks: headings, footnotes (after a `_____` rule), paragraphs."""
    out: list[Block] = []
    in_footnotes = False
    for group in blocks:
        text = " ".join(group)
        if re.fullmatch(r"_{5,}", text):
            in_footnotes = True  # what follows the rule on this page are footnotes
            continue
        if _URLS_ONLY.fullmatch(text):
            continue  # the link targets undocs.org lists at a page's foot: not text
        m = re.match(r"^(#{1,6})\s+(.*)$", text)
        if m:
            out.append(Block(m.group(2).strip(), "heading", len(m.group(1))))
            continue
        if in_footnotes and re.match(r"\d{1,3}\.\s", text) and len(text.split()) >= 12:
            # Footnotes are numbered `1 See …`; `1. Takes note …` is the body going on (a
            # page break the extraction lost).
            in_footnotes = False
        if in_footnotes:
            out.append(Block(text, "footnote"))
        elif _is_heading_group(group, text):
            out.append(Block(text, "heading", _heading_level(text)))
        else:
            out.append(Block(text, "para"))
    return out


# The enacting formula that opens a resolution's preamble: `The General Assembly,`, `Le
# Conseil de sécurité,`, `La Asamblea General,` (OCR may break its words: `The General Ass
# enxbly,`). A heading of its own; every other line ending in a comma is a clause going on.
_ENACTING = re.compile(r"^(?:The|Le|La|El|Les|Los|Las)\s+[A-ZÀ-Þ][^,;.:]{2,60},\s*$")


def _is_heading_group(group: list[str], text: str) -> bool:
    if text.rstrip().endswith(",") and not _ENACTING.match(text):
        # a short preambular clause (`Recalling its resolution 54/166 of 17 December
        # 1999,`) is a paragraph, however short: as a heading its words left the passages
        return False
    lab = line_label(text)
    if lab and lab[0] in ("objective", "goal", "article"):
        # `Objective 23: Strengthen international cooperation ... for` + continuation line
        return len(group) <= 3 and _looks_like_heading(text, max_words=30)
    return len(group) == 1 and _looks_like_heading(text) and not _is_list_item(text)


def _is_list_item(text: str) -> bool:
    lab = line_label(text)
    return bool(lab and lab[0] in ("number", "letter", "target")) or bool(_BULLET.match(text))


def _heading_level(text: str) -> int:
    """Rough depth for plain-text headings: chapters (Annex, roman numerals) above the rest."""
    lab = line_label(text)
    if re.match(r"^(Annex|Annexe|Anexo|Chapter|Part)\b", text, re.I):
        return 1
    if lab and lab[0] in ("roman",):
        return 1
    if lab and lab[0] in ("capital",):
        return 2
    if lab and lab[0] in ("objective", "goal", "article"):
        return 3
    return 2
