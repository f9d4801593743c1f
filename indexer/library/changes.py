"""Staff changes to the live index, each one atomic step under the write lock and in the
audit log: add, replace (a new revision), remove (to the trash), restore, purge, edit, and
linking a language version to its work (`version_work`, `link`)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from indexer import alerts, diskfull, engines
from indexer.config import Settings
from indexer.errors import IngestRefused, NotFound, QueryError
from indexer.ingest import ocr, reader
from indexer.ingest.prepare import Prepared, catalog_for
from indexer.library import twins
from indexer.library.recording import FileOutcome, Report, record
from indexer.library.repair import recover_pending
from indexer.library.twins import fold_format_twins
from indexer.library.writing import actor_default, current, current_for_writing, writing
from indexer.models import DocMeta, DocStatus, Document
from indexer.storage import store
from indexer.storage.locking import write_lock
from indexer.versions.works import work_key


def add(paths: Iterable[Path], settings: Settings, sidecar: DocMeta | None = None,
        actor: str | None = None, names: dict[Path, str] | None = None) -> Report:
    """Add files to the live index without a rebuild. Each file is one atomic step.

    `names` gives the file names to record for staged uploads (whose path names are ours)."""
    data_dir = Path(settings.index_dir)
    report = Report()
    paths = list(paths)
    names = names or {}
    jobs = [reader.ReadJob(str(p), settings, None if p in names else catalog_for(p), sidecar,
                           names.get(p, "")) for p in paths]
    prepared = list(reader.read(jobs, settings, min(len(jobs), reader.default_workers())))
    for item in prepared:
        if isinstance(item, Prepared):
            item.document.origin = "staff"
    with (write_lock(data_dir, settings.write_lock_timeout),
          current_for_writing(settings, create=True) as (gen, st)):
        recover_pending(gen, st)
        ix = engines.open_index(gen)
        seen: set[str] = set()
        for item in prepared:
            file = item.file if isinstance(item, IngestRefused) else item.document.file
            # a full disk stops the add at this file, with nothing of it kept
            with diskfull.disk_full_is_clear(data_dir, diskfull.DISK_FULL_FILE, file=file):
                kept = record(st, data_dir, report, item, seen, actor=actor or actor_default())
            if kept:  # stored, pending: a later writer or `check` finishes it
                with diskfull.disk_full_is_clear(data_dir, diskfull.DISK_FULL_PENDING,
                                                 file=file):
                    ix.add_documents([(kept.document, kept.passages)])
                    with st.transaction():
                        st.set_status([kept.document.doc_id], DocStatus.ACTIVE)
                    fold_format_twins(st, ix, twins.key(kept.document))
        # alerts: the documents just made searchable, matched against saved searches
        alerts.documents_searchable(settings)
    return report


def replace(doc_id: str, path: Path, settings: Settings, changes: DocMeta | None = None,
            actor: str | None = None, name: str = "") -> FileOutcome:
    """Replace a document's file with a new revision. The new file keeps the old one's
    metadata (with `changes` on top); the old revision is kept, out of search, as a version
    its passage links still show. Returns the new revision's outcome (or the refusal)."""
    data_dir = Path(settings.index_dir)
    with writing(settings) as (gen, st):
        old = st.get_document(doc_id)
        if old.status != DocStatus.ACTIVE:
            raise NotFound(f"document {doc_id} is not in the index (trash or replaced?)")
        # The old metadata is the sidecar: the new file's own title or date do not undo
        # what staff set; its language is detected again only if the old one is unknown.
        meta = (changes or DocMeta()).merged_over(old.meta)
        meta.version = (changes.version if changes and changes.version else "")
        job = reader.ReadJob(str(path), settings, None, meta, name or path.name)
        item = reader.read_file(job, progress=ocr.progress)
        if isinstance(item, Prepared):
            item.document.origin = "staff"
            item.document.replaces = doc_id
        report = Report()
        with diskfull.disk_full_is_clear(data_dir, diskfull.DISK_FULL_FILE, file=job.shown):
            kept = record(st, data_dir, report, item, set(), actor=actor or actor_default())
        outcome = report.outcomes[-1]
        if kept is None:
            return outcome
        new = kept.document
        with diskfull.disk_full_is_clear(data_dir, diskfull.DISK_FULL_PENDING, file=job.shown):
            ix = engines.open_index(gen)
            ix.add_documents([(new, kept.passages)])
            ix.delete_document(doc_id)
            with st.transaction():
                st.set_status([new.doc_id], DocStatus.ACTIVE)
                st.set_status([doc_id], DocStatus.SUPERSEDED)
                st.record_audit(actor or actor_default(), "replace", new.doc_id, old.meta,
                                new.meta)
        # alerts: the new revision's changed paragraphs, matched against saved searches
        alerts.documents_searchable(settings)
    return outcome


def _reindex(gen: Path, st: store.Store, doc: Document) -> None:
    """(Re)write a document's passages from the store; pending until the index has them, so an
    interrupted write is finished by the next writer (see _recover_pending)."""
    with st.transaction():
        st.set_status([doc.doc_id], DocStatus.PENDING)
    engines.open_index(gen).add_documents([(doc, st.passages(doc.doc_id))])


def remove(doc_id: str, settings: Settings, actor: str | None = None) -> Document:
    """Take a document out of search and move it to the trash (restorable; see `purge`)."""
    with writing(settings) as (gen, st):
        doc = st.get_document(doc_id)
        if doc.status == DocStatus.TRASH:
            raise NotFound(f"document {doc_id} is already in the trash")
        # Index first: if we die before the store commit, `check` sees an active document
        # missing from the index and re-indexes it; nothing is half-removed.
        engines.open_index(gen).delete_document(doc_id)
        with st.transaction():
            st.set_status([doc_id], DocStatus.TRASH)
            st.record_audit(actor or actor_default(), "remove", doc_id, doc.meta, None)
    return doc


def restore(doc_id: str, settings: Settings, actor: str | None = None) -> Document:
    """Bring a document back from the trash into search."""
    with writing(settings) as (gen, st):
        doc = st.get_document(doc_id)
        if doc.status != DocStatus.TRASH:
            raise NotFound(f"document {doc_id} is not in the trash")
        _reindex(gen, st, doc)
        with st.transaction():
            st.set_status([doc_id], DocStatus.ACTIVE)
            st.record_audit(actor or actor_default(), "restore", doc_id, None, doc.meta)
    return doc


def purge(doc_id: str, settings: Settings, actor: str | None = None) -> Document:
    """Delete a trashed document for good: its passages, metadata and original file."""
    with writing(settings) as (_gen, st):
        doc = st.get_document(doc_id)
        if doc.status != DocStatus.TRASH:
            raise NotFound(f"document {doc_id} is not in the trash: remove it first")
        with st.transaction():
            st.delete_document(doc_id)
            st.record_audit(actor or actor_default(), "purge", doc_id, doc.meta, None)
        store.original_path(Path(settings.index_dir), doc.sha256).unlink(missing_ok=True)
    return doc


def edit(doc_id: str, changes: DocMeta, settings: Settings, actor: str | None = None,
         fields: Iterable[str] = ()) -> Document:
    """Change a document's metadata and re-index its passages with it. Set fields of
    `changes` win; the names in `fields` are taken as given even when empty (a form that
    shows every field can clear one)."""
    with writing(settings) as (gen, st):
        doc = st.get_document(doc_id)
        if doc.status != DocStatus.ACTIVE:
            raise NotFound(f"document {doc_id} is not in the index (trash?)")
        before = doc.meta
        doc.meta = changes.merged_over(before)
        for name in fields:
            setattr(doc.meta, name, getattr(changes, name))
        with st.transaction():
            st.update_meta(doc_id, doc.meta)
        _reindex(gen, st, doc)
        with st.transaction():
            st.set_status([doc_id], DocStatus.ACTIVE)
            st.record_audit(actor or actor_default(), "edit", doc_id, before, doc.meta)
    return doc


def version_work(target_id: str, settings: Settings, actor: str | None = None) -> str:
    """The work id a new language version of `target_id` should carry to be linked with it:
    the target's work, else its UN symbol, else its doc id (which the target is then given,
    through `edit`, so both carry it)."""
    with current(settings) as (_, st):
        target = st.get_document(target_id)
    work = target.meta.work or target.meta.symbol
    if not work:
        work = target.doc_id
        edit(target_id, DocMeta(work=work), settings, actor=actor)
    return work


def audit_log(settings: Settings, limit: int = 100) -> list[dict]:
    with current(settings) as (_, st):
        return st.audit_log(limit)


def link(doc_id: str, other_id: str, settings: Settings, actor: str | None = None) -> str:
    """Make `other_id` (with its language versions: the documents sharing its work or symbol)
    a version of `doc_id`'s work. The work is `doc_id`'s work, else its symbol, else its doc
    id. Each changed document goes through `edit` (re-indexed, audit-logged). Returns
    the work id."""
    if doc_id == other_id:
        raise QueryError("a document cannot be linked to itself")
    with current(settings) as (_, st):
        doc = st.get_document(doc_id)
        other = st.get_document(other_id)
        for d in (doc, other):
            if d.status != DocStatus.ACTIVE:
                raise NotFound(f"document {d.doc_id} is not in the index (trash or replaced?)")
        work = doc.meta.work or doc.meta.symbol or doc.doc_id
        old_key = work_key(other)
        group = [d for d in st.documents(DocStatus.ACTIVE)
                 if d.doc_id == other.doc_id or (old_key and work_key(d) == old_key)]
    if not doc.meta.work:
        edit(doc.doc_id, DocMeta(work=work), settings, actor=actor)
    for d in group:
        if d.meta.work != work:
            edit(d.doc_id, DocMeta(work=work), settings, actor=actor)
    return work
