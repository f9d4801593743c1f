"""One text in two file formats (the UDHR as HTML and as PDF) is one document in search.

Two active documents are format twins when they have the same UN symbol and language and
share at least TWIN_SHARE of their wording (word pairs, case and accents aside; running
headers and page furniture are already gone). One of them is shown and searched; the others
become its alternates (store status 'alternate'): kept, their files offered on its page,
their passages out of the index, so the text is listed, ranked and cited once and its
language versions once. Pure functions, and `fold_format_twins`, which applies them to a
generation's store and index after each build and add.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from indexer import engines
from indexer.models import DocStatus, Document, Passage
from indexer.storage import store
from indexer.symbols import canonical
from indexer.text import fold

TWIN_SHARE = 0.9


def wording(passages: Iterable[Passage]) -> frozenset[tuple[str, str]]:
    """The word pairs of a document's text."""
    words = re.findall(r"[^\W_]+", fold(" ".join(p.text for p in passages)))
    return frozenset(zip(words, words[1:], strict=False))


def shared(a: frozenset, b: frozenset) -> float:
    """The share of the smaller text's word pairs that the other has."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def key(doc: Document) -> tuple[str, str] | None:
    """What twins have in common: symbol and language (None: no symbol, no twins)."""
    if not doc.meta.symbol:
        return None
    return canonical(doc.meta.symbol), (doc.meta.lang or "").lower()


def primary_first(docs: list[tuple[Document, int]]) -> list[Document]:
    """Twins in the order they are preferred: the finer split into passages first (each
    a citable paragraph), then the earlier added."""
    ordered = sorted(docs, key=lambda dn: (-dn[1], dn[0].added, dn[0].doc_id))
    return [d for d, _n in ordered]


def groups(docs: list[tuple[Document, list[Passage]]]) -> list[list[Document]]:
    """The twin groups among `docs` (each at least two, the shown one first)."""
    by_key: dict[tuple[str, str], list[tuple[Document, list[Passage]]]] = {}
    for doc, passages in docs:
        k = key(doc)
        if k is not None:
            by_key.setdefault(k, []).append((doc, passages))
    out = []
    for members in by_key.values():
        if len(members) < 2:
            continue
        ranked = primary_first([(d, len(ps)) for d, ps in members])
        texts = {d.doc_id: wording(ps) for d, ps in members}
        left = list(ranked)
        while left:
            head, rest = left[0], left[1:]
            group = [head] + [d for d in rest
                              if shared(texts[head.doc_id], texts[d.doc_id]) >= TWIN_SHARE]
            if len(group) > 1:
                out.append(group)
            left = [d for d in rest if d not in group]
    return out


def fold_format_twins(st: store.Store, ix: engines.Index,
                      only: tuple[str, str] | None = None) -> list[list[str]]:
    """One text in several file formats is searched once (above): each twin group's
    shown document stays, the others become its alternates and leave the index. With
    `only`, just the documents of that (symbol, language). The groups' doc ids, shown first."""
    candidates: dict[tuple[str, str], list[Document]] = {}
    for doc in st.documents(DocStatus.ACTIVE):
        k = key(doc)
        if k is not None and (only is None or k == only):
            candidates.setdefault(k, []).append(doc)
    found = []
    for docs in candidates.values():
        if len(docs) < 2:
            continue
        for group in groups([(d, st.passages(d.doc_id)) for d in docs]):
            shown, others = group[0], group[1:]
            for other in others:
                ix.delete_document(other.doc_id)
            with st.transaction():
                for other in others:
                    for old in st.alternates(other.doc_id):  # shown before, now through it
                        st.set_alternate(old.doc_id, shown.doc_id)
                    st.set_alternate(other.doc_id, shown.doc_id)
            found.append([d.doc_id for d in group])
    return found

