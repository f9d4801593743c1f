"""Paragraph labels across languages: `label_key` gives `Article 14`, `Artículo 14` and
`Статья 14` one language-independent key, so the language versions of a paragraph are
linked, folded and compared."""

from __future__ import annotations

from indexer.models import PARA_SIGN, split_part

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
