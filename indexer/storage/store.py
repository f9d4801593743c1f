"""The source of truth: originals (content-addressed files) and metadata + passages (SQLite).

The search index is derived from this and can always be rebuilt from it.

On disk, under the data directory:
    CURRENT               name of the live generation (replaced atomically by `build`)
    gen-NNNN/store.sqlite3   documents, passages, refusals of that generation
    gen-NNNN/tantivy/ or whoosh/   the index derived from it (indexer/engines/)
    originals/ab/abcd…    original files by SHA-256, shared by all generations
    write.lock            one writer at a time (see locking.py)

A generation's store is opened one way, `with store.open(gen, write=...) as st:`, and closed
at the end of the block. Opened for reading (the default), SQLite gets the file read-only:
nothing is written, not even the schema, so a read never changes the file (or its mtime) and
a read-only file serves. Opened for writing, the schema is created or brought up to date
first. A store an older version wrote is read as it is: a column added since reads as its
default (a view in the connection's own temporary schema, not in the file) until the next
write brings the file up to date (`_ADDED_COLUMNS`).
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from indexer.errors import IndexOutOfDate, NotFound, PassageMoved
from indexer.models import DocMeta, DocStatus, Document, Passage, Reference

STORE_VERSION = 2
STORE_FILE = "store.sqlite3"

# Columns added after version 1: added in place to an older store opened for writing, and
# read as their default from one opened for reading. (table, column) -> (declaration, default)
_ADDED_COLUMNS = {
    ("documents", "origin"): ("TEXT NOT NULL DEFAULT 'corpus'", "corpus"),
    ("documents", "replaces"): ("TEXT NOT NULL DEFAULT ''", ""),
    # status 'alternate': the same text in another file format, shown through this
    # document (twins.py): not searched itself, its file offered beside the document's
    ("documents", "format_of"): ("TEXT NOT NULL DEFAULT ''", ""),
    ("passages", "ocr"): ("INTEGER NOT NULL DEFAULT 0", 0),  # stores made before OCR
}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    file TEXT NOT NULL,
    format TEXT NOT NULL,
    meta TEXT NOT NULL,           -- DocMeta as JSON
    passages INTEGER NOT NULL DEFAULT 0,
    added TEXT NOT NULL,
    status TEXT NOT NULL,         -- 'pending' until indexed, then 'active'; 'trash' removed;
                                  -- 'superseded' by a newer revision (kept, not searched)
    warnings TEXT NOT NULL DEFAULT '[]',
    origin TEXT NOT NULL DEFAULT 'corpus',  -- 'corpus' (build) | 'staff' (add, upload)
    replaces TEXT NOT NULL DEFAULT ''       -- doc_id of the revision this one replaced
);
CREATE TABLE IF NOT EXISTS passages (
    passage_id TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    label TEXT NOT NULL,
    section TEXT NOT NULL,
    page INTEGER NOT NULL,
    page_label TEXT NOT NULL,
    lang TEXT NOT NULL,
    text TEXT NOT NULL,
    ocr INTEGER NOT NULL DEFAULT 0   -- 1: text recognised by OCR from a scanned page
);
CREATE INDEX IF NOT EXISTS passages_doc ON passages(doc_id, ordinal);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,         -- add | remove | restore | purge | edit | replace
    doc_id TEXT NOT NULL,
    before TEXT NOT NULL,         -- DocMeta JSON ('{}' when there was none)
    after TEXT NOT NULL
);
-- ids a rebuild changed (a paragraph relabelled, its text unchanged): old id -> new id
CREATE TABLE IF NOT EXISTS passage_aliases (
    alias TEXT PRIMARY KEY,
    passage_id TEXT NOT NULL
);
-- the UN documents each passage cites, found when its file was read (issue 23): kept here so
-- that they are resolved against the index as it is now, without reading the file again
CREATE TABLE IF NOT EXISTS refs (
    passage_id TEXT NOT NULL,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    n INTEGER NOT NULL,           -- order in the passage
    start_at INTEGER NOT NULL,    -- the words' offsets in the passage text
    end_at INTEGER NOT NULL,
    text TEXT NOT NULL,
    symbol TEXT NOT NULL,         -- normalize_symbol form; '' when not known
    pinpoint TEXT NOT NULL,
    verb TEXT NOT NULL,
    verb_text TEXT NOT NULL,
    kind TEXT NOT NULL,
    PRIMARY KEY (passage_id, n)
);
CREATE INDEX IF NOT EXISTS refs_symbol ON refs(symbol, pinpoint);
CREATE INDEX IF NOT EXISTS refs_doc ON refs(doc_id);
CREATE TABLE IF NOT EXISTS refusals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    file TEXT NOT NULL,
    reason TEXT NOT NULL,
    at TEXT NOT NULL
);
"""

# (table, column definitions) of each table above, for _as_current
_SCHEMA_TABLES = re.findall(r"CREATE TABLE IF NOT EXISTS (\w+) \((.*?)\);$", _SCHEMA,
                            re.S | re.M)


def actor_default() -> str:
    """Who is changing the index, for the audit log, when no signed-in user is known."""
    import getpass

    return f"cli:{getpass.getuser()}"


def now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def atomic_write(path: Path, data: bytes, fsync: bool = True) -> None:
    """Write to a temp file in the same folder, fsync, then rename over the target.

    fsync=False is for bulk writes that are followed by one os.sync() before they matter."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            if fsync:
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# ------------------------------------------------------------------ generations

def current_generation(data_dir: Path) -> Path | None:
    pointer = data_dir / "CURRENT"
    if not pointer.exists():
        return None
    gen = data_dir / pointer.read_text(encoding="utf-8").strip()
    return gen if gen.is_dir() else None


def new_generation(data_dir: Path) -> Path:
    data_dir.mkdir(parents=True, exist_ok=True)
    numbers = [int(p.name[4:]) for p in data_dir.glob("gen-*") if p.name[4:].isdigit()]
    gen = data_dir / f"gen-{max(numbers, default=0) + 1:04d}"
    gen.mkdir()
    return gen


def publish_generation(data_dir: Path, gen: Path) -> None:
    """Make `gen` the live one in one atomic rename; older generations are then removed."""
    atomic_write(data_dir / "CURRENT", gen.name.encode())
    for old in data_dir.glob("gen-*"):
        if old != gen and old.is_dir():
            _rmtree(old)


def _rmtree(path: Path) -> None:
    import shutil

    shutil.rmtree(path)


# ------------------------------------------------------------------ originals

def original_path(data_dir: Path, sha256: str) -> Path:
    return data_dir / "originals" / sha256[:2] / sha256


def save_original(data_dir: Path, sha256: str, data: bytes, fsync: bool = True) -> bool:
    """Store an original file once; whether it was new (a caller that fails later removes
    the new ones it wrote: see remove_originals)."""
    path = original_path(data_dir, sha256)
    if path.exists():
        return False
    atomic_write(path, data, fsync=fsync)
    return True


def remove_originals(data_dir: Path, sha256s: Iterable[str]) -> None:
    for sha in sha256s:
        original_path(data_dir, sha).unlink(missing_ok=True)


def stray_files(data_dir: Path, referenced: set[str], live: Path | None) -> list[Path]:
    """What no document of the live generation refers to: originals of no document, temporary
    files of interrupted writes (`.tmp-*`) and generations other than the live one (a build
    killed before it published). Only to be called under the write lock."""
    found = sorted(p for p in (data_dir / "originals").glob("*/*")
                   if p.is_file() and (p.name.startswith(".tmp-") or p.name not in referenced))
    found += sorted(p for p in data_dir.glob(".tmp-*") if p.is_file())
    found += sorted(p for p in data_dir.glob("gen-*") if p.is_dir() and p != live)
    return found


def remove_stray(paths: Iterable[Path]) -> None:
    for path in paths:
        if path.is_dir():
            _rmtree(path)
        else:
            path.unlink(missing_ok=True)


def connect(path: Path, schema: str) -> sqlite3.Connection:
    """A small SQLite database of the data directory (accounts, upload jobs): autocommit,
    WAL (readers never wait for a writer), rows by name, `schema` created if missing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # Readable by the service's user only (password hashes, sessions, uploaders' names):
    # created so before SQLite opens it (its -wal and -shm files take the same mode), and
    # narrowed where an older version left it 644.
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    for part in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if part.exists() and part.stat().st_mode & 0o077:
            part.chmod(0o600)
    db = sqlite3.connect(path, timeout=30, isolation_level=None)
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(schema)
    return db


# ------------------------------------------------------------------ metadata

@contextmanager
def open(gen_dir: Path, write: bool = False) -> Iterator[Store]:  # (store.open: no builtin here)
    """The generation's store, for the block; closed after it. For reading (the default) the
    file is opened read-only and nothing is written; `write=True` creates the store or brings
    its schema up to date, and allows `with st.transaction():`."""
    path = gen_dir / STORE_FILE
    db = _for_writing(path) if write else _for_reading(path)
    try:
        yield Store(db, path, write)
    finally:
        db.close()


def _for_reading(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise IndexOutOfDate(f"the store {path} is missing: rebuild the index "
                             "(`python index.py build`)")
    # mode=ro: SQLite refuses every write on this connection (a bug is loud, not a write).
    # The database is in WAL mode, so a reader sees the last commit and never waits.
    db = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True, timeout=30,
                         isolation_level=None, check_same_thread=False)
    db.row_factory = sqlite3.Row
    _as_current(db)
    return db


def _as_current(db: sqlite3.Connection) -> None:
    """Show an older store in the current schema to a read-only connection: a table added
    since as an empty one, a column added since as its default (a view over the table). Both
    are TEMP objects: the connection's own, never in the file."""
    have = {r["name"] for r in db.execute("SELECT name FROM main.sqlite_master "
                                          "WHERE type='table'")}
    for name, columns in _SCHEMA_TABLES:
        if name not in have:
            db.execute(f"CREATE TEMP TABLE {name} ({columns})")
    missing: dict[str, list[str]] = {}
    for (table, column), (_decl, default) in _ADDED_COLUMNS.items():
        if table in have and column not in _columns(db, table):
            missing.setdefault(table, []).append(f"{default!r} AS {column}")
    for table, defaults in missing.items():
        db.execute(f"CREATE TEMP VIEW {table} AS SELECT *, {', '.join(defaults)} "
                   f"FROM main.{table}")


def _for_writing(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA foreign_keys=ON")
    db.executescript(_SCHEMA)
    for (table, column), (decl, _default) in _ADDED_COLUMNS.items():
        if column not in _columns(db, table):
            db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {decl}")
    version = db.execute("SELECT value FROM meta WHERE key='store_version'").fetchone()
    if version is None or version["value"] != str(STORE_VERSION):
        db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('store_version', ?)",
                   (str(STORE_VERSION),))
    return db


def _columns(db: sqlite3.Connection, table: str) -> set[str]:
    return {r["name"] for r in db.execute(f"PRAGMA table_info({table})")}


class Store:
    """SQLite access for one generation, from `open` (above). Writes happen inside
    `with st.transaction():` on a store opened for writing."""

    def __init__(self, db: sqlite3.Connection, path: Path, writable: bool):
        self.db = db
        self.path = path
        self.writable = writable

    def transaction(self):
        if not self.writable:
            raise RuntimeError(f"{self.path} was opened for reading: open it with write=True")
        return _Transaction(self.db)

    # -- documents
    def find_by_sha(self, sha256: str) -> Document | None:
        row = self.db.execute("SELECT * FROM documents WHERE sha256=?", (sha256,)).fetchone()
        return _document(row) if row else None

    def get_document(self, doc_id: str) -> Document:
        row = self.db.execute("SELECT * FROM documents WHERE doc_id=?", (doc_id,)).fetchone()
        if row is None:
            raise NotFound(f"no document with id {doc_id!r}")
        return _document(row)

    def documents(self, status: DocStatus | None = DocStatus.ACTIVE) -> list[Document]:
        if status is None:
            rows = self.db.execute("SELECT * FROM documents ORDER BY added, doc_id")
        else:
            rows = self.db.execute(
                "SELECT * FROM documents WHERE status=? ORDER BY added, doc_id", (status,))
        return [_document(r) for r in rows]

    def status(self, doc_id: str) -> DocStatus | None:
        row = self.db.execute("SELECT status FROM documents WHERE doc_id=?", (doc_id,)).fetchone()
        return DocStatus(row["status"]) if row else None

    def insert_document(self, doc: Document, passages: list[Passage], warnings: list[str],
                        status: DocStatus = DocStatus.PENDING) -> None:
        self.db.execute(
            "INSERT INTO documents(doc_id, sha256, file, format, meta, passages, added, status,"
            " warnings, origin, replaces) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (doc.doc_id, doc.sha256, doc.file, doc.format, json.dumps(asdict(doc.meta)),
             len(passages), doc.added or now(), status, json.dumps(warnings),
             doc.origin or "corpus", doc.replaces),
        )
        self.db.executemany(
            "INSERT INTO passages(passage_id, doc_id, ordinal, label, section, page, page_label,"
            " lang, text, ocr) VALUES (?,?,?,?,?,?,?,?,?,?)",
            [(p.passage_id, p.doc_id, p.ordinal, p.label, p.section, p.page, p.page_label,
              p.lang, p.text, int(p.ocr)) for p in passages],
        )
        self.db.executemany(
            "INSERT INTO refs(passage_id, doc_id, n, start_at, end_at, text, symbol, pinpoint,"
            " verb, verb_text, kind) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            [(p.passage_id, p.doc_id, n, r.start, r.end, r.text, r.symbol, r.pinpoint, r.verb,
              r.verb_text, r.kind) for p in passages for n, r in enumerate(p.references)])

    def set_alternate(self, doc_id: str, primary: str) -> None:
        """`doc_id` is `primary`'s text in another format (status 'alternate')."""
        self.db.execute("UPDATE documents SET status=?, format_of=? WHERE doc_id=?",
                        (DocStatus.ALTERNATE, primary, doc_id))

    def alternates(self, doc_id: str) -> list[Document]:
        """The other formats of a document's text (its alternates), oldest first."""
        rows = self.db.execute("SELECT * FROM documents WHERE status=? AND format_of=? "
                               "ORDER BY added, doc_id", (DocStatus.ALTERNATE, doc_id))
        return [_document(r) for r in rows]

    def set_status(self, doc_ids: Iterable[str], status: DocStatus) -> None:
        self.db.executemany("UPDATE documents SET status=? WHERE doc_id=?",
                            [(status, d) for d in doc_ids])

    def update_meta(self, doc_id: str, meta: DocMeta) -> None:
        self.db.execute("UPDATE documents SET meta=? WHERE doc_id=?",
                        (json.dumps(asdict(meta)), doc_id))

    def record_audit(self, actor: str, action: str, doc_id: str,
                     before: DocMeta | None, after: DocMeta | None) -> None:
        self.db.execute(
            "INSERT INTO audit(at, actor, action, doc_id, before, after) VALUES (?,?,?,?,?,?)",
            (now(), actor, action, doc_id, json.dumps(asdict(before) if before else {}),
             json.dumps(asdict(after) if after else {})))

    def audit_log(self, limit: int = 100, doc_id: str | None = None) -> list[dict]:
        if doc_id:
            rows = self.db.execute("SELECT * FROM audit WHERE doc_id=? ORDER BY id DESC LIMIT ?",
                                   (doc_id, limit))
        else:
            rows = self.db.execute("SELECT * FROM audit ORDER BY id DESC LIMIT ?", (limit,))
        return [{"at": r["at"], "actor": r["actor"], "action": r["action"],
                 "doc_id": r["doc_id"], "before": json.loads(r["before"]),
                 "after": json.loads(r["after"])} for r in rows]

    def has_audit(self, doc_id: str, action: str) -> bool:
        """Whether the log records `action` (e.g. "edit") on the document, ever."""
        return self.db.execute("SELECT 1 FROM audit WHERE doc_id=? AND action=? LIMIT 1",
                               (doc_id, action)).fetchone() is not None

    def copy_history_from(self, other: Store) -> None:
        """Carry an older generation's audit log into this one, so a rebuild keeps the
        record of who changed what."""
        self.db.executemany(
            "INSERT INTO audit(at, actor, action, doc_id, before, after) VALUES (?,?,?,?,?,?)",
            [(r["at"], r["actor"], r["action"], r["doc_id"], r["before"], r["after"])
             for r in other.db.execute("SELECT * FROM audit ORDER BY id")])

    def warnings(self, doc_id: str) -> list[str]:
        row = self.db.execute("SELECT warnings FROM documents WHERE doc_id=?",
                              (doc_id,)).fetchone()
        return json.loads(row["warnings"]) if row else []

    def replaced_by(self, doc_id: str) -> str:
        """The newer revision that replaced this document, or ""."""
        row = self.db.execute("SELECT doc_id FROM documents WHERE replaces=?",
                              (doc_id,)).fetchone()
        return row["doc_id"] if row else ""

    def delete_document(self, doc_id: str) -> None:
        self.db.execute("DELETE FROM documents WHERE doc_id=?", (doc_id,))

    def record_refusal(self, file: str, reason: str) -> None:
        self.db.execute("INSERT INTO refusals(file, reason, at) VALUES (?,?,?)",
                        (file, reason, now()))

    def refusals(self) -> list[tuple[str, str]]:
        return [(r["file"], r["reason"]) for r in
                self.db.execute("SELECT file, reason FROM refusals ORDER BY id")]

    # -- passages
    def passages(self, doc_id: str) -> list[Passage]:
        rows = self.db.execute("SELECT * FROM passages WHERE doc_id=? ORDER BY ordinal",
                               (doc_id,))
        out = [_passage(r) for r in rows]
        by_id = {p.passage_id: p for p in out}
        for r in self.db.execute("SELECT * FROM refs WHERE doc_id=? ORDER BY passage_id, n",
                                 (doc_id,)):
            if r["passage_id"] in by_id:
                by_id[r["passage_id"]].references.append(reference(r))
        return out

    def get_passage(self, passage_id: str) -> Passage:
        """The passage; PassageMoved (a NotFound) when a rebuild gave its text another id."""
        row = self.db.execute("SELECT * FROM passages WHERE passage_id=?",
                              (passage_id,)).fetchone()
        if row is None:
            alias = self.db.execute("SELECT passage_id FROM passage_aliases WHERE alias=?",
                                    (passage_id,)).fetchone()
            if alias is not None:
                raise PassageMoved(passage_id, alias["passage_id"])
            raise NotFound(f"no passage with id {passage_id!r}")
        p = _passage(row)
        p.references = [reference(r) for r in self.db.execute(
            "SELECT * FROM refs WHERE passage_id=? ORDER BY n", (passage_id,))]
        return p

    def copy_aliases_from(self, other: Store) -> int:
        """After a rebuild: each passage id of the older generation that is gone but whose
        text is still there (or opens a passage that now also holds its list's lead-in)
        becomes an alias of the new id, so that links and citations keep working; the older
        generation's own aliases are carried over. Returns how many aliases there are."""
        aliases: dict[str, str] = {}
        have = {r["passage_id"] for r in self.db.execute("SELECT passage_id FROM passages")}
        for doc_id in {r["doc_id"] for r in self.db.execute("SELECT doc_id FROM documents")}:
            new = [(p.passage_id, _words(p.text)) for p in self.passages(doc_id)]
            by_text = {}
            for pid, words in new:
                by_text.setdefault(words, pid)
            for old in other.passages(doc_id):
                if old.passage_id in have:
                    continue
                words = _words(old.text)
                target = by_text.get(words)
                if target is None and len(words.split()) >= 8:
                    target = next((pid for pid, w in new if w.startswith(words + " ")), None)
                if target is not None:
                    aliases[old.passage_id] = target
        for row in other.db.execute("SELECT alias, passage_id FROM passage_aliases"):
            target = row["passage_id"]
            target = target if target in have else aliases.get(target)
            if target is not None and row["alias"] not in have:
                aliases.setdefault(row["alias"], target)
        self.db.executemany("INSERT OR REPLACE INTO passage_aliases(alias, passage_id) "
                            "VALUES (?, ?)", sorted(aliases.items()))
        return len(aliases)

    def neighbours(self, passage: Passage, before: int = 1, after: int = 1) -> list[Passage]:
        rows = self.db.execute(
            "SELECT * FROM passages WHERE doc_id=? AND ordinal BETWEEN ? AND ? ORDER BY ordinal",
            (passage.doc_id, passage.ordinal - before, passage.ordinal + after))
        return [_passage(r) for r in rows]

    def iter_active_passages(self) -> Iterator[tuple[Document, list[Passage]]]:
        for doc in self.documents(DocStatus.ACTIVE):
            yield doc, self.passages(doc.doc_id)

    def counts(self) -> tuple[int, int]:
        docs = self.db.execute("SELECT COUNT(*) FROM documents WHERE status=?",
                               (DocStatus.ACTIVE,)).fetchone()
        passages = self.db.execute(
            "SELECT COUNT(*) FROM passages JOIN documents USING(doc_id)"
            " WHERE documents.status=?", (DocStatus.ACTIVE,)).fetchone()
        return docs[0], passages[0]


class _Transaction:
    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self):
        self.db.execute("BEGIN IMMEDIATE")
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.db.execute("COMMIT")
        else:
            self.db.execute("ROLLBACK")
        return False


def _document(row: sqlite3.Row) -> Document:
    return Document(
        doc_id=row["doc_id"], sha256=row["sha256"], file=row["file"], format=row["format"],
        meta=DocMeta(**json.loads(row["meta"])), passages=row["passages"], added=row["added"],
        status=DocStatus(row["status"]), origin=row["origin"], replaces=row["replaces"],
        format_of=row["format_of"],
    )


def _words(text: str) -> str:
    """A passage's wording with case, spacing and punctuation ignored."""
    return " ".join(re.findall(r"\w+", text.casefold()))


def reference(row: sqlite3.Row) -> Reference:
    """A `refs` row as the Reference ingest found."""
    return Reference(text=row["text"], start=row["start_at"], end=row["end_at"],
                     symbol=row["symbol"], pinpoint=row["pinpoint"], verb=row["verb"],
                     verb_text=row["verb_text"], kind=row["kind"])


def _passage(row: sqlite3.Row) -> Passage:
    return Passage(
        passage_id=row["passage_id"], doc_id=row["doc_id"], ordinal=row["ordinal"],
        text=row["text"], label=row["label"], section=row["section"], page=row["page"],
        page_label=row["page_label"], lang=row["lang"], ocr=bool(row["ocr"]),
    )
