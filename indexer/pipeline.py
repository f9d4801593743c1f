"""ingest: file -> parse -> passages -> languages -> store -> index, with a report per file.

`prepare` is pure (no writes) and runs in worker processes during `build`; the main process
alone writes, under the write lock.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from . import alerts, engines, lexicon, ocr_cache, parsers, store, twins
from .config import Settings
from .errors import IndexOutOfDate, IngestRefused, NotFound
from .language import detect, document_language, passage_language
from .locking import write_lock
from .metadata import catalogs_in, infer_series, read_catalog
from .models import DocMeta, Document, Passage
from .passages import split_passages


@dataclass
class Prepared:
    document: Document
    passages: list[Passage]
    warnings: list[str]
    data: bytes
    status: str = "pending"  # what it is stored as: a rebuild keeps a trashed file in the trash


@dataclass
class FileOutcome:
    file: str
    status: str  # "indexed" | "duplicate" | "refused"
    doc_id: str = ""
    passages: int = 0
    reason: str = ""
    warnings: list[str] = field(default_factory=list)


@dataclass
class Report:
    outcomes: list[FileOutcome] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # about the build as a whole

    def of(self, status: str) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.status == status]

    @property
    def passages(self) -> int:
        return sum(o.passages for o in self.outcomes)


def doc_id_for(sha256: str) -> str:
    return "d" + sha256[:12]


def prepare(path: Path, settings: Settings, catalog_meta: DocMeta | None = None,
            sidecar: DocMeta | None = None, name: str = "") -> Prepared:
    """Parse and split one file, resolving its metadata. Raises IngestRefused.

    `name` is the file name to show (an upload's own name; the staged file has another)."""
    name = name or path.name
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise IngestRefused(f"cannot read the file: {exc.strerror}", name) from None
    if size > settings.max_file_bytes:
        raise IngestRefused(
            f"the file is {size / 1e6:.0f} MB, over the {settings.max_file_bytes / 1e6:.0f} MB"
            " limit", name)
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    try:
        parsed = ocr_cache.load(settings, sha)
        if parsed is None:
            parsed = parsers.parse_file(path, name)
            ocr_cache.keep(settings, sha, parsed)
    except IngestRefused as exc:
        exc.file = name
        raise
    doc_id = doc_id_for(sha)

    meta = (catalog_meta or DocMeta()).merged_over(sidecar or DocMeta()).merged_over(parsed.meta)
    candidates = tuple(settings.language_list)
    sample = parsed.text()[:5000]
    if not meta.lang:
        meta.lang = document_language(sample, candidates, default=settings.default_lang)
    if catalog_meta and catalog_meta.title and not (sidecar and sidecar.title):
        # a title given on the command line or in a sidecar is taken as given
        meta.title = _title_in_language(meta, parsed.meta.title, candidates)
    if not meta.title:
        meta.title = meta.symbol or Path(name).stem
    if not meta.series:
        meta.series = infer_series(meta, sample)

    passages = split_passages(parsed, doc_id, max_words=settings.max_passage_words,
                              min_words=settings.min_passage_words)
    if not passages:
        raise IngestRefused("no passages of text could be found in the file", name)
    scanned = {pg.number for pg in parsed.pages if pg.ocr_confidence is not None}
    for p in passages:
        p.lang = passage_language(p.text, meta.lang, candidates, settings.passage_lang_min_chars)
        p.ocr = p.page in scanned
    doc = Document(doc_id=doc_id, sha256=sha, file=name, format=parsed.format, meta=meta,
                   passages=len(passages), added=store.now())
    return Prepared(doc, passages, parsed.warnings, data)


def _title_in_language(meta: DocMeta, own: str, candidates: tuple[str, ...]) -> str:
    """The title of this language version: a catalog that gives one title for every version
    (in English) yields to the title the file itself carries (HTML `<title>`, PDF info) when
    that one is in the document's language and the catalog's is not."""
    title = meta.title
    if not (title and own and own != title and meta.lang):
        return title or own
    if detect(title, candidates, default="") != meta.lang and \
            detect(own, candidates, default="") == meta.lang:
        return own
    return title


def _prepare_job(args) -> Prepared | IngestRefused:
    path, settings, catalog_meta, sidecar, name = args
    try:
        return prepare(path, settings, catalog_meta, sidecar, name=name)
    except IngestRefused as exc:
        exc.file = exc.file or name or path.name
        return exc


def corpus_files(corpus: Path) -> list[Path]:
    """Supported files under `corpus`, following symbolic links to folders (a corpus is often
    assembled from links to shared folders)."""
    found = []
    for root, dirs, files in os.walk(corpus, followlinks=True):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in files:
            p = Path(root) / name
            if not name.startswith(".") and parsers.is_candidate(p) and p.is_file():
                found.append(p)
    return sorted(found)


def _prepared_stream(jobs: list, workers: int) -> Iterator[Prepared | IngestRefused]:
    if workers <= 1 or len(jobs) < 4:
        yield from map(_prepare_job, jobs)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(_prepare_job, jobs, chunksize=8)


def _record(st: store.Store, data_dir: Path, report: Report, item: Prepared | IngestRefused,
            seen: set[str], durable: bool = True, actor: str = "build",
            status: str = "pending") -> Prepared | None:
    """Store one prepared file (or its refusal); returns it when it is new (and to be
    indexed: a document recorded straight into the trash is not returned)."""
    if isinstance(item, IngestRefused):
        report.outcomes.append(FileOutcome(item.file, "refused", reason=item.reason))
        with st.transaction():
            st.record_refusal(item.file, item.reason)
        return None
    doc = item.document
    existing = st.find_by_sha(doc.sha256)
    if doc.sha256 in seen or existing is not None:
        reason = f"same content as document {doc.doc_id}"
        if existing is not None and existing.status == "trash":
            reason += (f", which is in the trash: restore it with "
                       f"`index.py restore {existing.doc_id}`")
        report.outcomes.append(FileOutcome(doc.file, "duplicate", doc_id=doc.doc_id,
                                           reason=reason))
        return None
    seen.add(doc.sha256)
    store.save_original(data_dir, doc.sha256, item.data, fsync=durable)
    with st.transaction():
        st.insert_document(doc, item.passages, item.warnings, status=status)
        if actor != "build":
            st.record_audit(actor, "add", doc.doc_id, None, doc.meta)
    report.outcomes.append(FileOutcome(doc.file, "indexed", doc.doc_id, len(item.passages),
                                       warnings=item.warnings))
    return item if status == "pending" else None


def build(corpus: Path, settings: Settings, *, workers: int | None = None,
          index_procs: int | None = None,
          progress: Callable[[FileOutcome], None] | None = None) -> Report:
    """A fresh store and index from every supported file under `corpus`, published atomically
    (the previous generation stays live until the new one is complete)."""
    data_dir = Path(settings.index_dir)
    files = corpus_files(corpus)
    catalog = catalogs_in(corpus)
    jobs = [(f, settings, catalog.get(f.resolve()), None, "") for f in files]
    workers = workers if workers is not None else max(1, min(4, (os.cpu_count() or 1)))
    # Whoosh's writer is the bottleneck (pure Python): on big builds it gets processes too.
    if index_procs is None:
        index_procs = min(2, os.cpu_count() or 1) if len(files) >= 200 else 1
    report = Report()
    with write_lock(data_dir, settings.write_lock_timeout):
        old_gen = store.current_generation(data_dir)
        old = store.Store(old_gen) if old_gen else None
        gen = store.new_generation(data_dir)
        try:
            st = store.Store(gen)
            ix = engines.create(gen, settings.engine)
            seen: set[str] = set()

            def stored() -> Iterator[tuple[Document, list[Passage]]]:
                for item in _prepared_stream(jobs, workers):
                    if old is not None and isinstance(item, Prepared):
                        _keep_staff_changes(old, item)
                    # No fsync per original during a build: one sync before publishing.
                    kept = _record(st, data_dir, report, item, seen, durable=False,
                                   status=item.status if isinstance(item, Prepared) else "pending")
                    if progress:
                        progress(report.outcomes[-1])
                    if kept:
                        yield kept.document, kept.passages
                if old is not None:
                    yield from _carry_over(old, st, seen)

            ix.add_documents(stored(), clear=True, procs=index_procs)
            with st.transaction():
                st.set_status([d.doc_id for d in st.documents("pending")], "active")
            fold_format_twins(st, ix)
            with st.transaction():
                if old is not None:
                    st.copy_history_from(old)
                    st.copy_aliases_from(old)
            st.close()
            os.sync()  # originals, SQLite and Whoosh files on disk before the switch
        except BaseException:
            store._rmtree(gen)
            raise
        finally:
            if old is not None:
                old.close()
        store.publish_generation(data_dir, gen)
        # alerts: the documents this build made searchable, matched against saved searches
        alerts.documents_searchable(settings)
    report.notes += prepare_lexicon(settings)
    return report


def prepare_lexicon(settings: Settings) -> list[str]:
    """Write did-you-mean's lexicon where it is missing (indexer/lexicon.py); a cache folder
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
    if before.status in ("trash", "superseded"):
        item.status = before.status


def _carry_over(old: store.Store, st: store.Store,
                seen: set[str]) -> Iterator[tuple[Document, list[Passage]]]:
    """Documents staff added (upload, `add`, revisions) are not in the corpus folder: a
    rebuild copies them from the previous generation instead of losing them."""
    for doc in old.documents(None):
        if doc.origin != "staff" or doc.sha256 in seen:
            continue
        seen.add(doc.sha256)
        passages = old.passages(doc.doc_id)
        status = "pending" if doc.status in ("active", "pending") else doc.status
        with st.transaction():
            st.insert_document(doc, passages, old.warnings(doc.doc_id), status=status)
        if status == "pending":
            yield doc, passages
            with st.transaction():
                st.set_status([doc.doc_id], "active")


def open_current(settings: Settings, create: bool = True) -> tuple[Path, store.Store]:
    """The live generation (creating an empty one when there is none and `create`)."""
    data_dir = Path(settings.index_dir)
    gen = store.current_generation(data_dir)
    if gen is None:
        if not create:
            raise NotFound(f"no index in {data_dir}; run `python index.py build` first")
        gen = store.new_generation(data_dir)
        store.Store(gen).close()
        engines.create(gen, settings.engine)
        store.publish_generation(data_dir, gen)
    return gen, store.Store(gen)


def add(paths: Iterable[Path], settings: Settings, sidecar: DocMeta | None = None,
        actor: str | None = None, names: dict[Path, str] | None = None) -> Report:
    """Add files to the live index without a rebuild. Each file is one atomic step.

    `names` gives the file names to record for staged uploads (whose path names are ours)."""
    data_dir = Path(settings.index_dir)
    report = Report()
    paths = list(paths)
    names = names or {}
    prepared = [_prepare_job((p, settings, None if p in names else _catalog_for(p), sidecar,
                              names.get(p, ""))) for p in paths]
    for item in prepared:
        if isinstance(item, Prepared):
            item.document.origin = "staff"
    with write_lock(data_dir, settings.write_lock_timeout):
        gen, st = open_current(settings)
        try:
            _recover_pending(gen, st)
            ix = engines.open_index(gen)
            seen: set[str] = set()
            for item in prepared:
                kept = _record(st, data_dir, report, item, seen, actor=actor or actor_default())
                if kept:
                    ix.add_documents([(kept.document, kept.passages)])
                    with st.transaction():
                        st.set_status([kept.document.doc_id], "active")
                    fold_format_twins(st, ix, twins.key(kept.document))
            # alerts: the documents just made searchable, matched against saved searches
            alerts.documents_searchable(settings)
        finally:
            st.close()
    return report


def fold_format_twins(st: store.Store, ix: engines.Index,
                      only: tuple[str, str] | None = None) -> list[list[str]]:
    """One text in several file formats is searched once (twins.py): each twin group's
    shown document stays, the others become its alternates and leave the index. With
    `only`, just the documents of that (symbol, language). The groups' doc ids, shown first."""
    candidates: dict[tuple[str, str], list[Document]] = {}
    for doc in st.documents("active"):
        k = twins.key(doc)
        if k is not None and (only is None or k == only):
            candidates.setdefault(k, []).append(doc)
    found = []
    for docs in candidates.values():
        if len(docs) < 2:
            continue
        for group in twins.groups([(d, st.passages(d.doc_id)) for d in docs]):
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


def replace(doc_id: str, path: Path, settings: Settings, changes: DocMeta | None = None,
            actor: str | None = None, name: str = "") -> FileOutcome:
    """Replace a document's file with a new revision. The new file keeps the old one's
    metadata (with `changes` on top); the old revision is kept, out of search, as a version
    its passage links still show. Returns the new revision's outcome (or the refusal)."""
    data_dir = Path(settings.index_dir)
    with _writing(settings) as (gen, st):
        old = st.get_document(doc_id)
        if old.status != "active":
            raise NotFound(f"document {doc_id} is not in the index (trash or replaced?)")
        # The old metadata is the sidecar: the new file's own title or date do not undo
        # what staff set; its language is detected again only if the old one is unknown.
        meta = (changes or DocMeta()).merged_over(old.meta)
        meta.version = (changes.version if changes and changes.version else "")
        item = _prepare_job((path, settings, None, meta, name or path.name))
        if isinstance(item, Prepared):
            item.document.origin = "staff"
            item.document.replaces = doc_id
        report = Report()
        kept = _record(st, data_dir, report, item, set(), actor=actor or actor_default())
        outcome = report.outcomes[-1]
        if kept is None:
            return outcome
        new = kept.document
        ix = engines.open_index(gen)
        ix.add_documents([(new, kept.passages)])
        ix.delete_document(doc_id)
        with st.transaction():
            st.set_status([new.doc_id], "active")
            st.set_status([doc_id], "superseded")
            st.record_audit(actor or actor_default(), "replace", new.doc_id, old.meta, new.meta)
        # alerts: the new revision's changed paragraphs, matched against saved searches
        alerts.documents_searchable(settings)
    return outcome


def _catalog_for(path: Path) -> DocMeta | None:
    """A catalog spreadsheet in the file's own folder may describe it."""
    folder = path.resolve().parent
    for sheet in list(folder.glob("*.tsv")) + list(folder.glob("*.csv")):
        meta = read_catalog(sheet).get(path.name)
        if meta:
            return meta
    return None


def actor_default() -> str:
    """Who is changing the index, for the audit log, when no signed-in user is known."""
    import getpass

    return f"cli:{getpass.getuser()}"


@contextmanager
def _writing(settings: Settings):
    """The live generation and its store, under the write lock; the store is closed after."""
    with write_lock(Path(settings.index_dir), settings.write_lock_timeout):
        gen, st = open_current(settings, create=False)
        try:
            yield gen, st
        finally:
            st.close()


def _reindex(gen: Path, st: store.Store, doc: Document) -> None:
    """(Re)write a document's passages from the store; pending until the index has them, so an
    interrupted write is finished by the next writer (see _recover_pending)."""
    with st.transaction():
        st.set_status([doc.doc_id], "pending")
    engines.open_index(gen).add_documents([(doc, st.passages(doc.doc_id))])


def remove(doc_id: str, settings: Settings, actor: str | None = None) -> Document:
    """Take a document out of search and move it to the trash (restorable; see `purge`)."""
    with _writing(settings) as (gen, st):
        doc = st.get_document(doc_id)
        if doc.status == "trash":
            raise NotFound(f"document {doc_id} is already in the trash")
        # Index first: if we die before the store commit, `check` sees an active document
        # missing from the index and re-indexes it; nothing is half-removed.
        engines.open_index(gen).delete_document(doc_id)
        with st.transaction():
            st.set_status([doc_id], "trash")
            st.record_audit(actor or actor_default(), "remove", doc_id, doc.meta, None)
    return doc


def restore(doc_id: str, settings: Settings, actor: str | None = None) -> Document:
    """Bring a document back from the trash into search."""
    with _writing(settings) as (gen, st):
        doc = st.get_document(doc_id)
        if doc.status != "trash":
            raise NotFound(f"document {doc_id} is not in the trash")
        _reindex(gen, st, doc)
        with st.transaction():
            st.set_status([doc_id], "active")
            st.record_audit(actor or actor_default(), "restore", doc_id, None, doc.meta)
    return doc


def purge(doc_id: str, settings: Settings, actor: str | None = None) -> Document:
    """Delete a trashed document for good: its passages, metadata and original file."""
    with _writing(settings) as (_gen, st):
        doc = st.get_document(doc_id)
        if doc.status != "trash":
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
    with _writing(settings) as (gen, st):
        doc = st.get_document(doc_id)
        if doc.status != "active":
            raise NotFound(f"document {doc_id} is not in the index (trash?)")
        before = doc.meta
        doc.meta = changes.merged_over(before)
        for name in fields:
            setattr(doc.meta, name, getattr(changes, name))
        with st.transaction():
            st.update_meta(doc_id, doc.meta)
        _reindex(gen, st, doc)
        with st.transaction():
            st.set_status([doc_id], "active")
            st.record_audit(actor or actor_default(), "edit", doc_id, before, doc.meta)
    return doc


def version_work(target_id: str, settings: Settings, actor: str | None = None) -> str:
    """The work id a new language version of `target_id` should carry to be linked with it:
    the target's work, else its UN symbol, else its doc id (which the target is then given,
    through `edit`, so both carry it)."""
    _, st = open_current(settings, create=False)
    try:
        target = st.get_document(target_id)
    finally:
        st.close()
    work = target.meta.work or target.meta.symbol
    if not work:
        work = target.doc_id
        edit(target_id, DocMeta(work=work), settings, actor=actor)
    return work


def audit_log(settings: Settings, limit: int = 100) -> list[dict]:
    _, st = open_current(settings, create=False)
    try:
        return st.audit_log(limit)
    finally:
        st.close()


def _recover_pending(gen: Path, st: store.Store) -> list[str]:
    """Finish what a crashed writer left: pending documents are re-indexed from the store."""
    pending = st.documents("pending")
    if not pending:
        return []
    ix = engines.open_index(gen)
    ix.add_documents([(d, st.passages(d.doc_id)) for d in pending])
    _finish_replacements(ix, st, pending)
    with st.transaction():
        st.set_status([d.doc_id for d in pending], "active")
    return [d.doc_id for d in pending]


def _caught_mid_replace(st: store.Store, pending: list[Document]) -> list[str]:
    """The predecessors still active of pending revisions (a crash during `replace`)."""
    return [d.replaces for d in pending if d.replaces and st.status(d.replaces) == "active"]


def _finish_replacements(ix, st: store.Store, pending: list[Document]) -> None:
    """A revision caught pending by a crash is finished: its predecessor leaves search."""
    old = _caught_mid_replace(st, pending)
    for doc_id in old:
        ix.delete_document(doc_id)
    with st.transaction():
        st.set_status(old, "superseded")


@dataclass
class CheckResult:
    documents: int
    passages: int
    missing: list[str]  # in the store, not (fully) in the index
    orphans: list[str]  # in the index, not in the store
    repaired: bool


def check(settings: Settings, repair: bool = True) -> CheckResult:
    """Compare store and index; with repair, rebuild the index from the store if they differ."""
    with _writing(settings) as (gen, st):
        pending = st.documents("pending")
        # A revision caught mid-replace wins: its predecessor leaves search (see replace).
        replaced = _caught_mid_replace(st, pending)
        if repair and replaced:
            with st.transaction():
                st.set_status(replaced, "superseded")
        try:
            ix = engines.open_index(gen)
            in_index = ix.indexed_doc_ids()
        except IndexOutOfDate:  # unreadable or outdated index: rebuild it from the store
            if not repair:
                raise
            ix, in_index = None, {}
        expected = {d.doc_id: d for d in [*st.documents("active"), *pending]}
        missing = [d for d, doc in expected.items() if in_index.get(d) != doc.passages]
        orphans = [d for d in in_index if d not in expected]
        repaired = False
        if repair and (missing or orphans or ix is None):
            ix = engines.create(gen, settings.engine) if ix is None else ix
            docs = [(doc, st.passages(d)) for d, doc in expected.items()]
            ix.add_documents(docs, clear=True)
            with st.transaction():
                st.set_status(list(expected), "active")
            repaired = True
        n_docs, n_pass = st.counts()
    return CheckResult(n_docs, n_pass, missing, orphans, repaired)
