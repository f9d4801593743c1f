"""Versions of one work: the drafts, revisions and re-adoptions of a text in one language.

A document belongs to a work through its `work` metadata (the catalog's `work` column, the
CLI's `--work`, staff's "link as versions"), else through its UN symbol. Documents of one work
in the same language are its versions (in another language they are language versions: see
reading.passage_versions), ordered by date, then version. Staff link versions explicitly;
`suggestions` only proposes candidates, it never links.

Functions here only read: they take a store opened for reading (the caller's `with`). Linking
versions is a write: library.link, through library.edit (write lock, re-index, audit log).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

from indexer.errors import NotFound, QueryError
from indexer.models import DocStatus, Document
from indexer.storage import store
from indexer.versions.compare import Comparison, Pair, align, shingles

# trashed documents are nobody's version
SHOWN = (DocStatus.ACTIVE, DocStatus.SUPERSEDED)
SUGGEST_OVERLAP = 0.3  # share of word bigrams the two texts have in common (of the smaller)
SERIES_CANDIDATES = 50  # documents of the same series compared by wording alone


def work_key(doc: Document) -> str:
    return doc.meta.work or doc.meta.symbol


def order_key(doc: Document) -> tuple:
    return (doc.meta.date or "", doc.meta.version or "", doc.doc_id)


def _shown(st: store.Store) -> list[Document]:
    return [d for d in st.documents(None) if d.status in SHOWN]


def _versions_of(docs: list[Document], doc: Document) -> list[Document]:
    key = work_key(doc)
    if not key:
        return [doc]
    same = [d for d in docs if work_key(d) == key and d.meta.lang == doc.meta.lang]
    return sorted(same, key=order_key)


def versions(st: store.Store, doc_id: str) -> list[Document]:
    """Every version of the document's work in its language, itself included, oldest first
    (a document without a work is its own only version)."""
    doc = st.get_document(doc_id)
    return _versions_of(_shown(st), doc)


def _pair_docs(st: store.Store, doc_a: str, doc_b: str) -> tuple[Document, Document]:
    doc_a, doc_b = (doc_a or "").strip(), (doc_b or "").strip()
    if not doc_a or not doc_b:
        raise QueryError("give two documents to compare: a=DOC_ID and b=DOC_ID")
    if doc_a == doc_b:
        raise QueryError("give two different documents to compare")
    docs = []
    for d in (doc_a, doc_b):
        doc = st.get_document(d)
        if doc.status not in SHOWN:
            raise NotFound(f"document {d} is not in the index (trash?)")
        docs.append(doc)
    return docs[0], docs[1]


_CACHE: OrderedDict[tuple[str, str, str], Comparison] = OrderedDict()
_CACHE_SIZE = 32
_CACHE_LOCK = threading.Lock()


def _aligned(st: store.Store, doc_a: str, doc_b: str) -> Comparison:
    """align() of two stored documents, remembered per generation (a rebuild may split a
    file again): within one, a document id is the hash of its file and its passages do not
    change (metadata edits keep them), and a passage page aligns its document with every
    other version."""
    key = (str(st.path), doc_a, doc_b)
    with _CACHE_LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    result = align(st.passages(doc_a), st.passages(doc_b), doc_a, doc_b)
    with _CACHE_LOCK:
        _CACHE[key] = result
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return result


def compare(st: store.Store, doc_a: str, doc_b: str) -> tuple[Document, Document, Comparison]:
    """The two documents and their passage alignment (QueryError for a missing or repeated
    id, NotFound for an unknown or trashed one)."""
    a, b = _pair_docs(st, doc_a, doc_b)
    return a, b, _aligned(st, a.doc_id, b.doc_id)


@dataclass
class Counterpart:
    """This paragraph in another version: the other document and the aligned row."""

    document: Document
    pair: Pair | None  # None: the paragraph is not in that version ("removed"/"added")
    this_side: str  # "a" when the passage's own document is the older (A) side


def counterparts(st: store.Store, passage_id: str) -> list[Counterpart]:
    """For a passage: the row it is in when its document is compared with each other version
    of its work (older versions as A, newer as B)."""
    p = st.get_passage(passage_id)
    doc = st.get_document(p.doc_id)
    out = []
    for other in _versions_of(_shown(st), doc):
        if other.doc_id == doc.doc_id:
            continue
        older = order_key(other) < order_key(doc)
        c = (_aligned(st, other.doc_id, doc.doc_id) if older
             else _aligned(st, doc.doc_id, other.doc_id))
        side = "b" if older else "a"
        row = next((r for r in c.pairs
                    if getattr(r, side) is not None
                    and getattr(r, side).passage_id == passage_id), None)
        if row is not None and (row.a is None or row.b is None):
            row = None  # added or removed: not in the other version
        out.append(Counterpart(other, row, side))
    return out


# ------------------------------------------------------------------ suggestions

_NOISE = re.compile(r"\([^)]*\)|\d+")


def _title_key(title: str) -> str:
    """A title without its parentheses and numbers ("Office of the UNHCR (Third Committee
    draft resolution 2018; ...)" -> "office of the unhcr")."""
    return " ".join(_NOISE.sub(" ", title.lower()).split())


def _symbol_family(symbol: str) -> str:
    """The symbol with its session and revision left out: A/C.3/73/L.59 -> A/C.3/*/L.59 (the
    same committee's draft under the same number in another session, often the same item)."""
    s = re.sub(r"/Rev\.\d+$", "", symbol.strip(), flags=re.IGNORECASE)
    return re.sub(r"/\d+/", "/*/", s) if s else ""


@dataclass
class Suggestion:
    document: Document
    reasons: list[str]  # "same title", "same series", "similar symbol", "N% paragraphs shared"
    overlap: float


def suggestions(st: store.Store, doc_id: str, limit: int = 5) -> list[Suggestion]:
    """Documents that are likely versions of this one but not linked to it: same language,
    and the same title (numbers and parentheses aside) or a similar symbol, or a high share
    of paragraphs in common. Only proposed; `link` is for staff to do."""
    doc = st.get_document(doc_id)
    mine = _doc_shingles(st, doc.doc_id)
    linked = {d.doc_id for d in _versions_of(_shown(st), doc)}
    out = []
    others = [o for o in st.documents(DocStatus.ACTIVE)
              if o.doc_id not in linked and o.meta.lang == doc.meta.lang]
    # The same series without a title or symbol in common: only the nearest in date have
    # their wording compared (a series can hold thousands of documents).
    near = sorted((o for o in others if o.meta.series == doc.meta.series),
                  key=lambda o: (abs((o.year or 0) - (doc.year or 0)), o.doc_id))
    near_ids = {o.doc_id for o in near[:SERIES_CANDIDATES]}
    for other in others:
        reasons = []
        if _title_key(other.meta.title) and _title_key(other.meta.title) == _title_key(
                doc.meta.title):
            reasons.append("same title")
        fam = _symbol_family(doc.meta.symbol)
        if fam and fam == _symbol_family(other.meta.symbol):
            reasons.append("similar symbol")
        if not reasons and other.doc_id not in near_ids:
            continue
        theirs = _doc_shingles(st, other.doc_id)
        overlap = len(mine & theirs) / max(1, min(len(mine), len(theirs)))
        if overlap >= SUGGEST_OVERLAP:
            reasons.append(f"{overlap:.0%} of wording shared")
        if reasons and (overlap >= SUGGEST_OVERLAP or len(reasons) > 1
                        or "same title" in reasons):
            out.append(Suggestion(other, reasons, overlap))
    out.sort(key=lambda s: (-s.overlap, s.document.doc_id))
    return out[:limit]


def _doc_shingles(st: store.Store, doc_id: str) -> frozenset:
    out: set = set()
    for p in st.passages(doc_id):
        out |= shingles(p.text)
    return frozenset(out)
