"""ParsedDocument -> Passage[]: citable paragraphs with labels, section paths, pages, stable ids.

A passage is what a researcher quotes: one numbered paragraph or lettered sub-paragraph
(`16`, `16(a)`), an article (`Article 14`), an SDG target (`10.7`), or an unnumbered paragraph.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from indexer.ingest.cleanup import PREAMBLE_OPENERS, line_label
from indexer.labels import PARA_SIGN
from indexer.models import Block, ParsedDocument, Passage
from indexer.text import fold

_SENTENCE_SPLIT = re.compile(r"(?<=[.!?;])\s+(?=[\"“«(]?[A-ZÀ-ÖØ-Þ0-9])")
_ENDS_SENTENCE = re.compile(r"[.!?;:]['\"”»)]?\s*$")


@dataclass
class _Draft:
    text: str
    label: str
    section: str
    page: int
    page_label: str
    labelled: bool  # the text itself opened with a label (or an article heading gave one)


def slug(label: str) -> str:
    """URL-safe id part of a label: `16(a)` -> `16-a`, `Artículo 14` -> `articulo-14`."""
    return re.sub(r"[^a-z0-9.]+", "-", fold(label)).strip("-.") or "x"


def _split_long(text: str, max_words: int) -> list[str]:
    """Split at sentence boundaries into chunks of at most ~max_words (a sentence is never cut
    unless it alone exceeds the limit, in which case it is cut at word boundaries)."""
    if len(text.split()) <= max_words:
        return [text]
    chunks: list[str] = []
    current: list[str] = []
    count = 0
    for sentence in _SENTENCE_SPLIT.split(text):
        words = sentence.split()
        while len(words) > max_words:  # a run-on "sentence" (lists, tables)
            if current:
                chunks.append(" ".join(current))
                current, count = [], 0
            chunks.append(" ".join(words[:max_words]))
            words = words[max_words:]
        if count + len(words) > max_words and current:
            chunks.append(" ".join(current))
            current, count = [], 0
        current.extend(words)
        count += len(words)
    if current:
        chunks.append(" ".join(current))
    return chunks


def _continues(prev: _Draft | None, block: Block, first_on_page: bool) -> bool:
    """A paragraph that runs over a page break: the new page opens mid-sentence."""
    if prev is None or not first_on_page or block.kind != "para":
        return False
    if block.continues:
        return True
    if line_label(block.text):
        return False
    first = block.text.lstrip()[:1]
    return first.islower() or (not _ENDS_SENTENCE.search(prev.text) and not first.isupper())


_PART = re.compile(
    r"^(Annex|Annexe|Anexo|Appendix|Appendice|Apéndice|Apendice)(?:\s+([IVXL]{1,6}|\d{1,2}|[A-Z]))?"
    r"\s*[.:]?$", re.I)
_PREAMBLE_HEADING = re.compile(
    r"^(Preamble|Préambule|Preámbulo|Преамбула|الديباجة)$|,\s*$", re.I)
_ROMAN = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii", "xiii",
          "xiv", "xv", "xvi", "xvii", "xviii", "xix", "xx"]
_LIST_ITEM_WORDS = 40  # an item of a list inside a paragraph is a line, not a paragraph


def part_of(text: str) -> str | None:
    """`annex`, `annex II`, `appendix` for the heading that opens a part of a document."""
    m = _PART.match(text.strip())
    if not m or len(text.split()) > 3:
        return None
    word = "appendix" if m.group(1).lower().startswith("ap") else "annex"
    return f"{word} {m.group(2).upper()}" if m.group(2) else word


@dataclass
class _Numbering:
    """Where the last labelled paragraph stands: part, paragraph, sub-items, nested list."""

    part: str = ""
    number: str = ""
    letter: str = ""
    roman: str = ""
    list_parent: str = ""  # a numbered list inside paragraph `list_parent` (GCM para. 16)
    list_last: int = 0

    def reset(self, part: str | None = None) -> None:
        if part is not None:
            self.part = part
        self.number = self.letter = self.roman = self.list_parent = ""
        self.list_last = 0

    def path(self) -> str:
        out = self.number
        if self.letter:
            out += f"({self.letter})"
        if self.roman:
            out += f"({self.roman})"
        return out

    def sub_item(self, value: str) -> str:
        """`(a)` after `43.` is 43(a); `(i)` after `(a)` is 43(a)(i), but after `(h)` it is
        the letter (i); `(v)` after `(iv)` is roman, after `(u)` a letter."""
        v = value.lower()
        next_letter = chr(ord(self.letter[-1]) + 1) if len(self.letter) == 1 else ""
        next_roman = ""
        if self.roman in _ROMAN and _ROMAN.index(self.roman) + 1 < len(_ROMAN):
            next_roman = _ROMAN[_ROMAN.index(self.roman) + 1]
        if v in _ROMAN and not (self.letter and v == next_letter and not self.roman):
            if self.roman and v == next_roman:
                self.roman = v
            elif self.letter and v == next_letter:
                self.letter, self.roman = v, ""
            elif v == "i" or not self.roman:
                self.roman = v  # (a) ... then (i): the first item under the letter
            else:
                self.roman = v
        else:
            self.letter, self.roman = v, ""
        return self.path()


def _with_part(part: str, label: str) -> str:
    return f"{part}, {label}" if part and label else label


_ACTING_BODY = re.compile(
    r"^(The|L[’']|La|El)\s*(General Assembly|Assemblée générale|Asamblea General|Economic and "
    r"Social Council|Security Council|Human Rights Council|Conseil|Consejo)\b.*,$", re.I)
_DRAFT = re.compile(
    r"\b(draft (?:resolution|decision)|resolution|decision)\s+([A-Z]|[IVXL]{1,6})\b", re.I)


def _part_name(headings: list[tuple[int, str]], parts: int) -> str:
    """A name for a part the source opens without an `Annex` heading (a report's draft
    resolutions, numbering that starts again): `draft resolution A`, else `part 2`."""
    for _, h in reversed(headings[-3:]):
        m = _DRAFT.search(h)
        if m:
            return f"{m.group(1).lower()} {m.group(2).upper()}"
    return f"part {parts + 1}"


def split_passages(doc: ParsedDocument, doc_id: str, *, max_words: int = 300,
                   min_words: int = 8) -> list[Passage]:
    headings: list[tuple[int, str]] = []  # (level, text) stack
    article = ""  # current article heading label, given to the paragraphs under it
    num = _Numbering()
    drafts: list[_Draft] = []
    last_para: _Draft | None = None
    paged = doc.paged
    used_numbers = False  # the current part has numbered paragraphs
    parts_seen: set[str] = {""}
    used_labels: set[str] = set()

    for page in doc.pages:
        first_on_page = True
        page_label = page.label if paged else ""
        for block in page.blocks:
            text = block.text.strip()
            if not text:
                continue
            kind = block.kind
            if kind == "heading" and text.endswith(":") and len(text.split()) >= 6:
                kind = "para"  # "To realize this commitment, we will draw from the following
                # actions:" is the lead-in of a list, not a heading
            if kind == "heading":
                lab = line_label(text)
                part = part_of(text)
                while headings and headings[-1][0] >= block.level:
                    headings.pop()
                if part is not None:
                    headings.clear()
                headings.append((block.level, text))
                if lab and lab[0] == "article" and len(text.split()) <= 4:
                    article = lab[1]  # `Article 14` titles the paragraphs below it
                else:
                    article = ""
                if part is None and _ACTING_BODY.match(text) and used_numbers:
                    part = _part_name(headings[:-1], len(parts_seen))
                if part is not None:
                    num.reset(part)
                    parts_seen.add(part)
                    used_numbers = False
                elif block.level <= 1 or (lab and lab[0] in ("goal", "objective")):
                    num.reset()
                num.list_parent = ""  # a heading ends a list inside a paragraph
                if lab and lab[0] in ("goal", "objective"):
                    # "Objective 13: Use immigration detention only as a measure of last
                    # resort ..." is itself quoted and searched for: it is a passage too, the
                    # first of its section.
                    section = " > ".join(h for _, h in headings)
                    drafts.append(_Draft(text, _with_part(num.part, lab[1]), section,
                                         page.number, page_label, True))
                first_on_page = False
                continue
            section = " > ".join(h for _, h in headings)
            if kind == "footnote":
                m = re.match(r"^(\*+|\d{1,3})\s", text)
                # an unnumbered footnote (one running over from the previous page) is cited
                # by its place among the footnotes
                label = _with_part(num.part, f"footnote {m.group(1)}") if m else ""
                if label in used_labels:
                    label = ""
                used_labels.add(label)
                drafts.append(_Draft(text, label, "Footnotes", page.number, page_label, True))
                first_on_page = False
                continue
            if _continues(last_para, block, first_on_page):
                last_para.text += " " + text
                first_on_page = False
                continue
            first_on_page = False
            lab = line_label(text) if kind != "table" else None  # a row's `1.` is a figure
            labelled = True
            if lab is None:
                if (last_para is not None and last_para.labelled and text.endswith(":")
                        and last_para.section == section and drafts and drafts[-1] is last_para
                        and not article):
                    last_para.text += "\n" + text  # the lead-in of the paragraph's list
                    continue
                label, labelled = (article, True) if article else ("", False)
            else:
                kind_, value = lab
                if kind_ == "number":
                    n = int(value)
                    if num.list_parent and n == num.list_last + 1 and \
                            len(text.split()) <= _LIST_ITEM_WORDS:
                        num.list_last = n
                        label = f"{num.list_parent}({n})"
                    elif (n == 1 and num.number.isdigit() and int(num.number) > 1
                          and len(text.split()) <= _LIST_ITEM_WORDS):
                        # numbering starts again inside the part: a list within the last
                        # paragraph (the GCM's 23 objectives inside paragraph 16)
                        num.list_parent, num.list_last = num.number, 1
                        label = f"{num.number}(1)"
                    elif n == 1 and used_numbers:
                        # numbering starts again with a whole paragraph: a new part (a
                        # report's recommended resolution without a heading we know)
                        part = _part_name(headings, len(parts_seen))
                        num.reset(part)
                        parts_seen.add(part)
                        num.number = label = value
                    else:
                        num.reset()
                        num.number = value
                        label = value
                elif kind_ == "letter":
                    label = num.sub_item(value)
                elif kind_ == "article":
                    # A paragraph merely opening with "Article 73 of the Charter ..." is not
                    # article 73: articles are labelled by their headings only.
                    label, labelled = article, bool(article)
                else:
                    label = value
                if article and kind_ in ("number", "letter"):
                    label = f"{article}({value})"
            if lab is not None and lab[0] in ("number", "letter", "target"):
                used_numbers = True
            label = _with_part(num.part, label)
            if label and label in used_labels and lab is not None:
                label, labelled = "", False  # a number seen twice (a stray `3.` in running
                # text, a misread scan) cannot be cited by it: cited by its place instead
            used_labels.add(label)
            draft = _Draft(text, label, section, page.number, page_label, labelled)
            drafts.append(draft)
            last_para = draft

    drafts = _merge_article_paragraphs(drafts, max_words)
    drafts = _merge_short(drafts, min_words)
    _label_unnumbered(drafts)
    seen: dict[str, int] = {}
    for d in drafts:  # what still shares a label (an article's paragraphs that could not
        # be merged) is cited as its parts: `Article 3 (part 2)`
        if not d.label or d.label.startswith(PARA_SIGN):
            continue  # `¶ 2` is unique with its section
        seen[d.label] = seen.get(d.label, 0) + 1
        if seen[d.label] > 1:
            d.label = f"{d.label} (part {seen[d.label]})"

    passages: list[Passage] = []
    used: dict[str, int] = {}
    for draft in drafts:
        for k, piece in enumerate(_split_long(draft.text, max_words)):
            ordinal = len(passages)
            # the pieces of a paragraph split for length are cited apart: `16 (part 2)`
            label = f"{draft.label} (part {k + 1})" if k and draft.label else draft.label
            base = slug(draft.label) if draft.label and not draft.label.startswith(
                PARA_SIGN) else f"n{ordinal}"
            used[base] = used.get(base, 0) + 1
            pid = f"{doc_id}-{base}" if used[base] == 1 else f"{doc_id}-{base}_{used[base]}"
            passages.append(Passage(
                passage_id=pid, doc_id=doc_id, ordinal=ordinal, text=piece,
                label=label, section=draft.section, page=draft.page,
                page_label=draft.page_label,
            ))
    return passages


def _label_unnumbered(drafts: list[_Draft]) -> None:
    """Paragraphs the source does not number are cited the way style guides ask for them:
    a resolution's (or declaration's) preamble by its place in the preamble (`preamble 3`),
    anything else by its heading and its place under it (`¶ 2`, shown with the heading)."""
    preamble: dict[str, int] = {}
    under: dict[str, int] = {}
    for d in drafts:
        if d.label:
            continue
        last = d.section.rsplit(" > ", 1)[-1] if d.section else ""
        part = part_of(d.section.split(" > ", 1)[0]) if d.section else None
        if last and _PREAMBLE_HEADING.search(last) and len(last.split()) <= 8:
            key = part or ""
            preamble[key] = preamble.get(key, 0) + 1
            d.label = _with_part(part or "", f"preamble {preamble[key]}")
        else:
            under[d.section] = under.get(d.section, 0) + 1
            d.label = f"{PARA_SIGN} {under[d.section]}"


def _merge_article_paragraphs(drafts: list[_Draft], max_words: int) -> list[_Draft]:
    """Unnumbered paragraphs of one article (UDHR Article 14 has two) form one passage."""
    out: list[_Draft] = []
    for d in drafts:
        prev = out[-1] if out else None
        if (prev and d.label and d.label == prev.label and d.label.startswith(("Article", "Art"))
                and d.section == prev.section
                and len(prev.text.split()) + len(d.text.split()) <= max_words):
            prev.text += "\n" + d.text
            continue
        out.append(d)
    return out


def _merge_short(drafts: list[_Draft], min_words: int) -> list[_Draft]:
    """Unlabelled fragments too short to stand alone join the previous passage of their
    section (or the next one when they open a section)."""
    out: list[_Draft] = []
    carry: _Draft | None = None
    for d in drafts:
        if carry is not None:
            if d.section == carry.section and d.label != "Footnotes":
                d.text = carry.text + "\n" + d.text
                d.page, d.page_label = carry.page, carry.page_label
            else:
                out.append(carry)
            carry = None
        # a preamble clause is a passage however short ("Reafirmando la Declaración
        # Universal de Derechos Humanos,"): each is cited as `preamble, para. n`
        short = len(d.text.split()) < min_words and not d.labelled and \
            not PREAMBLE_OPENERS.match(d.text)
        if short:
            prev = out[-1] if out else None
            if prev and prev.section == d.section and not prev.label.startswith("footnote"):
                prev.text += "\n" + d.text
            else:
                carry = d
            continue
        out.append(d)
    if carry is not None:
        out.append(carry)
    return out
