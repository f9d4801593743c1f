"""`index.py build`: a fresh generation (store and index) from every supported file of a
corpus folder, published atomically, keeping what staff did.

Files are read in child processes under limits (indexer/ingest/reader.py: a file that
fails there is one refusal); this process alone writes, under the write lock. A build that
finds the disk full is undone and raises DiskFull; the previous generation stays live.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

from indexer import alerts, diskfull, engines
from indexer.config import Settings
from indexer.ingest import reader
from indexer.ingest.metadata import catalogs_in
from indexer.ingest.prepare import Prepared, corpus_files
from indexer.ingest.references import find_references
from indexer.library.recording import FileOutcome, Report, record
from indexer.library.twins import fold_format_twins
from indexer.models import DocStatus, Document, Passage
from indexer.search import lexicon
from indexer.storage import refs, store
from indexer.storage.locking import write_lock
from indexer.symbols import adopted_as


def build(corpus: Path, settings: Settings, *, workers: int | None = None,
          index_procs: int | None = None,
          progress: Callable[[FileOutcome], None] | None = None) -> Report:
    """A fresh store and index from every supported file under `corpus`, published atomically
    (the previous generation stays live until the new one is complete)."""
    data_dir = Path(settings.index_dir)
    files = corpus_files(corpus)
    catalog = catalogs_in(corpus)
    jobs = [reader.ReadJob(str(f), settings, catalog.get(f.resolve())) for f in files]
    workers = workers if workers is not None else reader.default_workers()
    # Whoosh's writer is the bottleneck (pure Python): on big builds it gets processes too.
    if index_procs is None:
        index_procs = min(2, os.cpu_count() or 1) if len(files) >= 200 else 1
    report = Report()
    with write_lock(data_dir, settings.write_lock_timeout):
        old_gen = store.current_generation(data_dir)
        if old_gen is not None and not (old_gen / store.STORE_FILE).is_file():
            old_gen = None  # nothing to keep from a generation without its store
        written: list[str] = []  # originals this build stored (removed if it fails)
        gen = None
        try:
            gen = store.new_generation(data_dir)
            # both stores are closed before the switch (which removes the old generation)
            with ExitStack() as stores:
                old = stores.enter_context(store.open(old_gen)) if old_gen else None
                st = stores.enter_context(store.open(gen, write=True))
                ix = engines.create(gen, settings.engine)
                seen: set[str] = set()

                def stored() -> Iterator[tuple[Document, list[Passage]]]:
                    for item in reader.read(jobs, settings, workers):
                        if old is not None and isinstance(item, Prepared):
                            _keep_staff_changes(old, item)
                        # No fsync per original during a build: one sync before publishing.
                        kept = record(st, data_dir, report, item, seen, durable=False,
                                      status=(item.status if isinstance(item, Prepared)
                                              else DocStatus.PENDING),
                                      written=written)
                        if progress:
                            progress(report.outcomes[-1])
                        if kept:
                            yield kept.document, kept.passages
                    if old is not None:
                        # references of an older store's documents are found from their text
                        again = bool(settings.references) and not refs.found_in_all(old)
                        yield from _carry_over(old, st, seen, again)

                ix.add_documents(stored(), clear=True, procs=index_procs)
                with st.transaction():
                    st.set_status([d.doc_id for d in st.documents(DocStatus.PENDING)],
                                  DocStatus.ACTIVE)
                fold_format_twins(st, ix)
                with st.transaction():
                    if old is not None:
                        st.copy_history_from(old)
                        st.copy_aliases_from(old)
                    if settings.references:  # every document's were looked for
                        refs.mark_found_in_all(st)
            os.sync()  # originals, SQLite and index files on disk before the switch
            store.publish_generation(data_dir, gen)
        except BaseException as exc:
            full = isinstance(exc, Exception) and diskfull.is_disk_full(exc, data_dir)  # (before
            # the clean-up frees space). Undone: the new generation, unless it went live (the
            # old ones' removal failed), and the originals only it referred to.
            if gen is not None and store.current_generation(data_dir) != gen:
                store._rmtree(gen)
                store.remove_originals(data_dir, written)
            if full:
                raise diskfull.disk_full(exc, diskfull.DISK_FULL_BUILD) from exc
            raise
        # alerts: the documents this build made searchable, matched against saved searches
        alerts.documents_searchable(settings)
    report.notes += prepare_lexicon(settings)
    return report


def prepare_lexicon(settings: Settings) -> list[str]:
    """Write did-you-mean's lexicon where it is missing (indexer/search/lexicon.py); a cache folder
    that cannot be written leaves did-you-mean to the index's words, with a note why."""
    try:
        lexicon.ensure(settings)
    except OSError as exc:
        return [f"did-you-mean's word lists could not be written to "
                f"{lexicon.lexicon_path(settings)} ({exc.strerror or exc}): misspellings are "
                "corrected from the index's words only; set lexicon_file to a writable path"]
    return []


def _keep_staff_changes(old: store.Store, item: Prepared) -> None:
    """A rebuild re-reads the corpus, but what staff did to its files stays done: edited
    metadata is kept, and a document in the trash (or replaced by a revision) stays there."""
    before = old.find_by_sha(item.document.sha256)
    if before is None:
        return
    if old.has_audit(before.doc_id, "edit"):
        item.document.meta = before.meta
    if before.status in (DocStatus.TRASH, DocStatus.SUPERSEDED):
        item.status = before.status


def _carry_over(old: store.Store, st: store.Store, seen: set[str],
                find: bool = False) -> Iterator[tuple[Document, list[Passage]]]:
    """Documents staff added (upload, `add`, revisions) are not in the corpus folder: a
    rebuild copies them from the previous generation instead of losing them."""
    for doc in old.documents(None):
        if doc.origin != "staff" or doc.sha256 in seen:
            continue
        seen.add(doc.sha256)
        passages = old.passages(doc.doc_id)
        if find:  # kept by a store older than references: found from the stored text
            find_references(passages, doc.meta.lang, [doc.meta.symbol,
                                                      *adopted_as(doc.meta.title)])
        status = doc.status
        if status in (DocStatus.ACTIVE, DocStatus.PENDING):
            status = DocStatus.PENDING
        with st.transaction():
            st.insert_document(doc, passages, old.warnings(doc.doc_id), status=status)
        if status == DocStatus.PENDING:
            yield doc, passages
            with st.transaction():
                st.set_status([doc.doc_id], DocStatus.ACTIVE)
