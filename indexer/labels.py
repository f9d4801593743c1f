"""Paragraph labels: how one is worded for a reader (`locator`: `para. 16(a)`, `annex, para.
3`, `Article 14`), the same way by the citations and, in the reader's language, by the pages;
and `label_key`, which gives `Article 14`, `Artículo 14` and `Статья 14` one
language-independent key, so the language versions of a paragraph are linked, folded and
compared.

A label as stored is `16(a)`, `annex, 16(a)`, `annex I, 3`, `preamble 3`, `10.7` (an SDG
target), `Article 14`, `footnote 1`, or `¶ 2` for a paragraph the source does not number
(its place under its heading).
"""

from __future__ import annotations

import re
from collections.abc import Callable

PARA_SIGN = "¶"  # labels of paragraphs the source does not number: `¶ 2` under a heading


def split_part(label: str) -> tuple[str, str]:
    """(`annex`, `16(a)`) for `annex, 16(a)`; ("", label) for a label outside any part (the
    body of a resolution, or a document without parts)."""
    part, sep, rest = (label or "").partition(", ")
    return (part, rest) if sep else ("", label or "")


def is_target(label: str) -> bool:
    """`10.7`, `10.a`: a target of the 2030 Agenda, not a numbered paragraph."""
    return re.fullmatch(r"\d{1,2}\.(?:\d{1,2}|[a-z])(?: \(part \d+\))?", label) is not None


def N_(msgid: str) -> str:
    """Marks a message id for extraction (babel's `N_`); `say` translates it when used."""
    return msgid


# The words of a worded label, as message ids: the pages translate them (gettext), the
# citations keep them in English, as UN citations are written.
PARA = N_("para. %(label)s")
PREAMBLE = N_("preamble, para. %(label)s")
TARGET = N_("target %(label)s")  # SDG target 10.7
IN_PART = N_("%(part)s, %(where)s")
PART_NAMES = {"annex": N_("annex"), "appendix": N_("appendix")}

Say = Callable[..., str]  # gettext's shape: say(msgid, **params) -> the words


def english(msgid: str, **params: object) -> str:
    """`say` for English: the message id itself, its parameters filled in (as gettext does)."""
    return msgid % params if params else msgid


def locator(label: str, section: str = "", say: Say = english) -> str:
    """How a passage is cited within its document, in the form of UN citations: `para.
    16(a)`, `annex, para. 16(a)`, `annex I, para. 3`, `Article 14`, `target 10.7`,
    `preamble, para. 3`, `annex, footnote 1`; a paragraph the source does not number by its
    headings (`section`) and its place under them: `Module 4 > Introduction, ¶ 2` (a page
    that shows the section beside the label leaves `section` out: `¶ 2`).

    The one function that words a label: the citations call it in English, the pages with
    `say` = flask_babel.gettext (`par. 16(a)`, `anexo, párr. 3`)."""
    part, rest = split_part(label)
    if not rest:
        where = ""
    elif rest.startswith(PARA_SIGN):
        where = say(IN_PART, part=section, where=rest) if section else rest
    elif rest.startswith("preamble "):
        where = say(PREAMBLE, label=rest[len("preamble "):])
    elif is_target(rest):
        where = say(TARGET, label=rest)
    elif rest[:1].isdigit() or rest.startswith("("):
        where = say(PARA, label=rest)
    else:
        where = rest  # Article 14, Objective 2, footnote 1: worded as the source words them
    if not part:
        return where
    word, _, number = part.partition(" ")
    if word in PART_NAMES:
        part = f"{say(PART_NAMES[word])} {number}".strip()
    return say(IN_PART, part=part, where=where) if where else part

_LABEL_WORDS = {
    "article": "art", "artículo": "art", "articulo": "art", "art.": "art", "статья": "art",
    "المادة": "art", "objective": "obj", "objectif": "obj", "objetivo": "obj",
    "goal": "obj",  # SDG "Goal 10" is "Objectif 10" / "Objetivo 10" in French and Spanish
    "footnote": "fn", "preamble": "preamble",
}


def label_key(label: str) -> str:
    """A language-independent form of a paragraph label, so that `Article 14`, `Artículo 14`
    and `Статья 14` (or `16(a)`, `annex 16(a)` in every version) link the same paragraph
    across languages. Paragraphs cited by their place under a heading (`¶ 2`) link nothing:
    their count depends on how each version was laid out."""
    if not label or label.startswith(PARA_SIGN):
        return ""
    part, rest = split_part(label)
    if part:
        key = label_key(rest)
        return f"{part.lower()}/{key}" if key else ""
    head, _, rest = label.partition(" ")
    word = _LABEL_WORDS.get(head.lower())
    if word and rest:
        return f"{word}-{rest}".lower()
    return label.lower()
