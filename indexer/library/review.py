"""The passages of an upload as they will be cited, with what looks wrong, for staff review.

Each row is what a researcher will quote - the citation (`para. 16(a)`, `preamble, para. 3`),
the section, the page, the first words - and the reasons it may be wrong:

    one-line   a passage of a few words: a stray line, a caption, a heading cut loose
    heading    it reads like a heading (short, no sentence, or numbered like a chapter),
               so a heading may have been taken for a paragraph
    jump       its number does not follow the one before (`12` after `10`): a paragraph
               lost or split, or a number misread
    language   its language is not the document's

Pure: passages in, rows out (kept as JSON with the upload job).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from indexer.ingest.cleanup import PREAMBLE_OPENERS, line_label
from indexer.ingest.parsers.pdf_layout import HEADING_WORDS
from indexer.labels import is_target, locator, split_part
from indexer.models import Passage

FIRST_WORDS = 14
SHORT_WORDS = 8  # fewer words than this: a one-line passage
FLAGS = ("one-line", "heading", "jump", "language")


@dataclass
class Row:
    label: str  # the citation within the document: `para. 16(a)`
    section: str
    page: str  # the printed page label; "" where the source has no pages
    words: str  # the first words of the text
    lang: str
    flags: list[str] = field(default_factory=list)
    jump_from: str = ""  # the label before, for a jump


def _number(label: str) -> tuple[str, int, str] | None:
    """(part, paragraph number, sub-item path) of a numbered paragraph label: `annex, 16(a)`
    -> ("annex", 16, "(a)")."""
    part, rest = split_part(label)
    m = re.fullmatch(r"(\d{1,3})((?:\([a-z0-9]{1,4}\))*)", rest)
    return (part, int(m.group(1)), m.group(2)) if m else None


def _target(label: str) -> tuple[int, str] | None:
    m = re.fullmatch(r"(\d{1,2})\.(\d{1,2}|[a-z])", split_part(label)[1])
    return (int(m.group(1)), m.group(2)) if m else None


def _follows(prev: str, cur: str) -> bool:
    """Whether target `cur` may come after target `prev` of the same goal: 1, 2 ... then
    a, b ... (the UN prints 16.10 after 16.1 in some lists: both orders are fine)."""
    if prev.isdigit() and cur.isdigit():
        # in order, or sorted as text: 17.1, 17.10 ... 17.19, 17.2
        return int(cur) == int(prev) + 1 or cur == prev + "0" or (
            len(prev) == 2 and int(cur) == int(prev[0]) + 1)
    if prev.isdigit() and not cur.isdigit():
        return cur == "a"
    if not prev.isdigit() and not cur.isdigit():
        return ord(cur) == ord(prev) + 1
    return False


def _heading_like(text: str, label: str) -> bool:
    rest = split_part(label)[1]
    if rest.startswith(("Goal", "Objective", "Objectif", "Objetivo", "Article", "Artículo")):
        return False  # cited headings by design: `Objective 13: ...`
    body = text.strip()
    lab = line_label(body)
    numbered = bool(lab and lab[0] in ("number", "letter", "target"))
    if numbered:
        body = re.sub(r"^\S+\s*", "", body)  # `16.` or `(a)` before the words
    words = body.split()
    if not words or PREAMBLE_OPENERS.match(body) or (numbered and len(words) > 5):
        return False  # a numbered item of a few words ("16.5 Reduce corruption in all
        # its forms", an SDG target) is a sentence without its full stop
    if HEADING_WORDS.match(body) and len(words) <= 12:
        return True
    return (len(words) <= 10 and not re.search(r"[.;:,!?…)\]»”]$", body)
            and body[:1].isupper())


def review_rows(passages: list[Passage], doc_lang: str) -> list[Row]:
    rows: list[Row] = []
    last_number: dict[str, tuple[int, str, str]] = {}  # part -> (number, subpath, label)
    last_target: tuple[int, str, str] | None = None
    for p in passages:
        words = p.text.split()
        row = Row(label=locator(p.label, p.section), section=p.section, page=p.page_label,
                  words=" ".join(words[:FIRST_WORDS]) + (" …" if len(words) > FIRST_WORDS
                                                         else ""),
                  lang=p.lang)
        footnote = split_part(p.label)[1].startswith("footnote") or p.section == "Footnotes"
        if len(words) < SHORT_WORDS and not footnote:
            row.flags.append("one-line")
        if not footnote and _heading_like(p.text, p.label):
            row.flags.append("heading")
        num = _number(p.label)
        if num is not None and "(part " not in p.label:
            part, n, sub = num
            before = last_number.get(part)
            if before is not None:
                bn, bsub, blabel = before
                if n == bn:
                    ok = _sub_follows(bsub, sub) if bsub else bool(sub)
                else:
                    ok = n == bn + 1
                if not ok:
                    row.flags.append("jump")
                    row.jump_from = blabel
            last_number[part] = (n, sub, row.label)
        tgt = _target(p.label) if is_target(split_part(p.label)[1]) else None
        if tgt is not None:
            if last_target is not None and last_target[0] == tgt[0] and \
                    not _follows(last_target[1], tgt[1]):
                row.flags.append("jump")
                row.jump_from = last_target[2]
            last_target = (tgt[0], tgt[1], row.label)
        if p.lang and doc_lang and p.lang != doc_lang and len(words) >= SHORT_WORDS:
            row.flags.append("language")
        rows.append(row)
    return rows


def _sub_follows(before: str, after: str) -> bool:
    """`(b)` after `(a)`, `(a)(i)` after `(a)`, `(b)` after `(a)(iii)`: the sub-items of one
    paragraph in order; `(d)` after `(b)` is a jump."""
    a = re.findall(r"\(([a-z0-9]+)\)", before)
    b = re.findall(r"\(([a-z0-9]+)\)", after)
    if not b:
        return False
    if len(b) > len(a):
        return b[:len(a)] == a  # a deeper level opens under it
    x, y = a[len(b) - 1], b[-1]
    if a[:len(b) - 1] != b[:-1]:
        return True
    if x.isdigit() and y.isdigit():
        return int(y) == int(x) + 1
    if len(x) == 1 and len(y) == 1 and x.isalpha() and y.isalpha() and \
            not (x in "ivx" and y in "ivx"):
        return ord(y) == ord(x) + 1
    return True  # roman numerals, or letters past z: trust them


def flagged(rows: list[Row]) -> int:
    return sum(1 for r in rows if r.flags)


def as_json(rows: list[Row]) -> list[dict]:
    return [asdict(r) for r in rows]


def from_json(items: list[dict]) -> list[Row]:
    return [Row(**r) for r in items]

