"""Recovery and `index.py check`: finishing what a crashed writer left, and bringing the
index back in line with the store (the source of truth)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from indexer import alerts, engines
from indexer.config import Settings
from indexer.errors import IndexOutOfDate
from indexer.ingest.references import find_references
from indexer.library.writing import writing
from indexer.models import DocStatus, Document
from indexer.storage import refs, store
from indexer.symbols import adopted_as


def recover_pending(gen: Path, st: store.Store) -> list[str]:
    """Finish what a crashed writer left: pending documents are re-indexed from the store."""
    pending = st.documents(DocStatus.PENDING)
    if not pending:
        return []
    ix = engines.open_index(gen)
    ix.add_documents([(d, st.passages(d.doc_id)) for d in pending])
    _finish_replacements(ix, st, pending)
    with st.transaction():
        st.set_status([d.doc_id for d in pending], DocStatus.ACTIVE)
    return [d.doc_id for d in pending]


def _caught_mid_replace(st: store.Store, pending: list[Document]) -> list[str]:
    """The predecessors still active of pending revisions (a crash during `replace`)."""
    return [d.replaces for d in pending
            if d.replaces and st.status(d.replaces) == DocStatus.ACTIVE]


def _finish_replacements(ix, st: store.Store, pending: list[Document]) -> None:
    """A revision caught pending by a crash is finished: its predecessor leaves search."""
    old = _caught_mid_replace(st, pending)
    for doc_id in old:
        ix.delete_document(doc_id)
    with st.transaction():
        st.set_status(old, DocStatus.SUPERSEDED)


@dataclass
class CheckResult:
    documents: int
    passages: int
    missing: list[str]  # in the store, not (fully) in the index
    orphans: list[str]  # in the index, not in the store
    repaired: bool
    # files no document refers to (originals of none, temporary files of interrupted writes,
    # generations a killed build left), as paths under the data directory; removed on repair
    stray: list[str] = field(default_factory=list)
    references: int = 0  # references found in a store made before they were kept


def check(settings: Settings, repair: bool = True) -> CheckResult:
    """Compare store and index; with repair, rebuild the index from the store if they differ,
    and remove the files no document refers to."""
    data_dir = Path(settings.index_dir)
    with writing(settings) as (gen, st):
        pending = st.documents(DocStatus.PENDING)
        # A revision caught mid-replace wins: its predecessor leaves search (see replace).
        replaced = _caught_mid_replace(st, pending)
        if repair and replaced:
            with st.transaction():
                st.set_status(replaced, DocStatus.SUPERSEDED)
        try:
            ix = engines.open_index(gen)
            in_index = ix.indexed_doc_ids()
        except IndexOutOfDate:  # unreadable or outdated index: rebuild it from the store
            if not repair:
                raise
            ix, in_index = None, {}
        found = 0
        if repair and settings.references and not refs.found_in_all(st):
            found = find_stored_references(st)  # a store older than references
            ix = None  # … and its index lacks their `cites`: rebuilt below
        expected = {d.doc_id: d for d in [*st.documents(DocStatus.ACTIVE), *pending]}
        missing = [d for d, doc in expected.items() if in_index.get(d) != doc.passages]
        orphans = [d for d in in_index if d not in expected]
        repaired = False
        if repair and (missing or orphans or ix is None):
            ix = engines.create(gen, settings.engine) if ix is None else ix
            docs = [(doc, st.passages(d)) for d, doc in expected.items()]
            ix.add_documents(docs, clear=True)
            with st.transaction():
                st.set_status(list(expected), DocStatus.ACTIVE)
            repaired = True
        elif repair and pending:
            # A writer killed after its index commit but before it marked its documents
            # active leaves them pending though fully indexed: they go live now, as the next
            # add would make them (recover_pending).
            with st.transaction():
                st.set_status([d.doc_id for d in pending], DocStatus.ACTIVE)
        if repair and (repaired or pending):  # documents made searchable: saved searches
            alerts.documents_searchable(settings)
        n_docs, n_pass = st.counts()
        referenced = {d.sha256 for d in st.documents(None)}
        stray = store.stray_files(data_dir, referenced, gen)
        if repair:
            store.remove_stray(stray)
    return CheckResult(n_docs, n_pass, missing, orphans, repaired,
                       [str(p.relative_to(data_dir)) for p in stray], found)


def find_stored_references(st: store.Store) -> int:
    """Find the references of every stored document from its stored passages (no file is
    read again), as ingest does; returns how many. For stores made before references were
    kept."""
    total = 0
    for doc in st.documents(None):
        passages = st.passages(doc.doc_id)
        find_references(passages, doc.meta.lang,
                        [doc.meta.symbol, *adopted_as(doc.meta.title)])
        with st.transaction():
            total += refs.replace_references(st, passages)
    with st.transaction():
        refs.mark_found_in_all(st)
    return total
