"""ParsedDocument -> Passage[]: citable paragraphs with labels, section paths, pages, stable ids.

A passage is what a researcher quotes: one numbered paragraph or lettered sub-paragraph
(`16`, `16(a)`), an article (`Article 14`), an SDG target (`10.7`), or an unnumbered paragraph.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .cleanup import fold, line_label
from .models import Block, ParsedDocument, Passage

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
    if line_label(block.text):
        return False
    first = block.text.lstrip()[:1]
    return first.islower() or (not _ENDS_SENTENCE.search(prev.text) and not first.isupper())


def split_passages(doc: ParsedDocument, doc_id: str, *, max_words: int = 300,
                   min_words: int = 8) -> list[Passage]:
    headings: list[tuple[int, str]] = []  # (level, text) stack
    article = ""  # current article heading label, given to the paragraphs under it
    number = ""  # current numbered paragraph, parent of lettered sub-paragraphs
    drafts: list[_Draft] = []
    last_para: _Draft | None = None

    for page in doc.pages:
        first_on_page = True
        for block in page.blocks:
            text = block.text.strip()
            if not text:
                continue
            if block.kind == "heading":
                lab = line_label(text)
                while headings and headings[-1][0] >= block.level:
                    headings.pop()
                headings.append((block.level, text))
                if lab and lab[0] == "article" and len(text.split()) <= 4:
                    article = lab[1]  # `Article 14` titles the paragraphs below it
                else:
                    article = ""
                if block.level <= 1 or (lab and lab[0] in ("goal", "objective")):
                    number = ""
                if lab and lab[0] in ("goal", "objective"):
                    # "Objective 13: Use immigration detention only as a measure of last
                    # resort ..." is itself quoted and searched for: it is a passage too.
                    parent = " > ".join(h for _, h in headings[:-1])
                    drafts.append(_Draft(text, lab[1], parent, page.number, page.label, True))
                first_on_page = False
                continue
            section = " > ".join(h for _, h in headings)
            if block.kind == "footnote":
                m = re.match(r"^(\*+|\d{1,3})\s", text)
                label = f"footnote {m.group(1)}" if m else "footnote"
                drafts.append(_Draft(text, label, "Footnotes", page.number, page.label, True))
                first_on_page = False
                continue
            if _continues(last_para, block, first_on_page):
                last_para.text += " " + text
                first_on_page = False
                continue
            first_on_page = False
            lab = line_label(text)
            labelled = True
            if lab is None:
                label, labelled = (article, True) if article else ("", False)
            else:
                kind, value = lab
                if kind == "number":
                    number, label = value, value
                elif kind == "letter":
                    label = f"{number}({value})" if number else f"({value})"
                elif kind == "article":
                    # A paragraph merely opening with "Article 73 of the Charter ..." is not
                    # article 73: articles are labelled by their headings only.
                    label, labelled = article, bool(article)
                else:
                    label = value
                if article and kind in ("number", "letter"):
                    label = f"{article}({value})"
            draft = _Draft(text, label, section, page.number, page.label, labelled)
            drafts.append(draft)
            last_para = draft

    drafts = _merge_article_paragraphs(drafts, max_words)
    drafts = _merge_short(drafts, min_words)

    passages: list[Passage] = []
    used: dict[str, int] = {}
    for draft in drafts:
        for piece in _split_long(draft.text, max_words):
            ordinal = len(passages)
            base = slug(draft.label) if draft.label else f"n{ordinal}"
            used[base] = used.get(base, 0) + 1
            pid = f"{doc_id}-{base}" if used[base] == 1 else f"{doc_id}-{base}_{used[base]}"
            passages.append(Passage(
                passage_id=pid, doc_id=doc_id, ordinal=ordinal, text=piece,
                label=draft.label, section=draft.section, page=draft.page,
                page_label=draft.page_label,
            ))
    return passages


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
        short = len(d.text.split()) < min_words and not d.labelled
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


_LABEL_WORDS = {
    "article": "art", "artículo": "art", "articulo": "art", "art.": "art", "статья": "art",
    "المادة": "art", "objective": "obj", "objectif": "obj", "objetivo": "obj",
    "goal": "obj",  # SDG "Goal 10" is "Objectif 10" / "Objetivo 10" in French and Spanish
    "footnote": "fn",
}


def label_key(label: str) -> str:
    """A language-independent form of a paragraph label, so that `Article 14`, `Artículo 14`
    and `Статья 14` (or `16(a)` in every version) link the same paragraph across languages."""
    if not label:
        return ""
    head, _, rest = label.partition(" ")
    word = _LABEL_WORDS.get(head.lower())
    if word and rest:
        return f"{word}-{rest}".lower()
    return label.lower()
