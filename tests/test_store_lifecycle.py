"""One store lifecycle: `with store.open(gen, write=...) as st:`. Opened for reading, nothing
is written: the file keeps its bytes and its modification time through every read path (the
search service, the pages, the API, the command line), a read-only file serves (read by a
user who may not write it), and an older store is read as it is, its schema brought up to
date only by a write."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import tempfile
import traceback
from pathlib import Path

import pytest
from conftest import SAMPLES

from indexer import config, library
from indexer.cli import main
from indexer.errors import NotFound
from indexer.models import DocStatus
from indexer.search import reading
from indexer.search.service import SearchRequest, SearchService
from indexer.storage import store

NOBODY = 65534


def _state(path: Path) -> tuple[str, int]:
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns


def _unwritten(path: Path) -> int:
    """Bytes in the write-ahead log beside the store (a write not yet in the file is one)."""
    wal = path.with_name(path.name + "-wal")
    return wal.stat().st_size if wal.exists() else 0


@pytest.fixture
def built(tmp_path) -> config.Settings:
    settings = config.load(index_dir=str(tmp_path / "data"), write_lock_timeout=2.0)
    report = library.build(SAMPLES, settings, workers=1)
    assert len(report.of("indexed")) >= 3
    return settings


def test_reading_leaves_the_store_untouched(built, capsys):
    gen = store.current_generation(Path(built.index_dir))
    path = gen / store.STORE_FILE
    before = _state(path)
    assert _unwritten(path) == 0  # the build's writer closed: everything is in the file

    with store.open(gen) as st:
        docs = st.documents()
        passages = st.passages(docs[0].doc_id)
        st.audit_log()
        st.refusals()
    svc = SearchService(built)
    assert svc.documents() == docs
    svc.get_document(docs[0].doc_id)
    svc.get_passage(passages[0].passage_id)
    svc.passage_versions(passages[0].passage_id)
    assert svc.search(SearchRequest(q="migrants")).total > 0

    from search_app import create_app

    client = create_app({"SETTINGS": built, "TESTING": True, "JOB_WORKER": False}).test_client()
    for url in (f"/d/{docs[0].doc_id}", f"/p/{passages[0].passage_id}",
                f"/compare?a={docs[0].doc_id}&b={docs[1].doc_id}", "/search?q=migrants",
                f"/api/passages/{passages[0].passage_id}", f"/api/documents/{docs[0].doc_id}",
                f"/api/compare?a={docs[0].doc_id}&b={docs[1].doc_id}"):
        assert client.get(url).status_code == 200, url
    index = ["--index", built.index_dir]
    for argv in (["list"], ["log"], ["versions", docs[0].doc_id],
                 ["compare", docs[0].doc_id, docs[1].doc_id]):
        assert main([*argv, *index]) == 0, argv
    capsys.readouterr()

    assert _state(path) == before
    assert _unwritten(path) == 0


def test_a_store_opened_for_reading_cannot_write(built):
    gen = store.current_generation(Path(built.index_dir))
    with store.open(gen) as st:
        with pytest.raises(RuntimeError, match="opened for reading"):
            st.transaction()
        # and SQLite itself refuses: the connection is read-only, whatever the file allows
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            st.set_status([st.documents()[0].doc_id], DocStatus.TRASH)
    with store.open(gen, write=True) as st, st.transaction():
        st.record_refusal("x.pdf", "a test")


def _read_as(user: int | None, data: Path) -> tuple[int, int]:
    """(documents, passages of the first) read from the live store in a child process running
    as `user` (None: as we are). Forked, not started anew: the interpreter and the
    modules it has loaded are used as they are (nobody may not read root's Python)."""
    down, up = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns to pytest
        code = 1
        try:
            os.close(down)
            if user is not None:
                os.setgid(user)
                os.setuid(user)
            with store.open(store.current_generation(data)) as st:
                docs = reading.documents(st)
                passages = reading.get_document(st, docs[0].doc_id)[1]
            os.write(up, f"{len(docs)} {len(passages)}".encode())
            code = 0
        except BaseException as exc:  # told to the parent, which fails the test with it
            os.write(up, "".join(traceback.format_exception(exc)).encode())
        finally:
            os._exit(code)
    os.close(up)
    with os.fdopen(down, "rb") as fh:
        said = fh.read().decode()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, said
    documents, passages = map(int, said.split())
    return documents, passages


def test_a_read_only_store_serves(built):
    """The store file read-only (mode 444), read by a user who may not write it: root may
    write any file, so when the tests run as root the reader runs as nobody."""
    root = Path(tempfile.mkdtemp(prefix="ds-readonly-"))  # reachable by nobody
    try:
        data = root / "data"
        os.rename(built.index_dir, data)
        gen = store.current_generation(data)
        path = gen / store.STORE_FILE
        before = _state(path)
        # readable by all (the data directory's files are its owner's alone: mode 600), the
        # store by no one for writing
        for folder, _dirs, files in os.walk(root):
            Path(folder).chmod(0o755)
            for name in files:
                (Path(folder) / name).chmod(0o644)
        path.chmod(0o444)
        user = None
        if os.geteuid() == 0:
            user = NOBODY
            os.chown(gen, NOBODY, NOBODY)  # it may make SQLite's shared-memory file beside it
        documents, passages = _read_as(user, data)
        assert documents >= 3 and passages > 0
        assert _state(path) == before
        if user is not None:  # and the same user cannot write it (the test could fail)
            assert not os.access(path, os.W_OK) or os.geteuid() == 0
    finally:
        shutil.rmtree(root)


OLD_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE documents (doc_id TEXT PRIMARY KEY, sha256 TEXT NOT NULL UNIQUE,
    file TEXT NOT NULL, format TEXT NOT NULL, meta TEXT NOT NULL,
    passages INTEGER NOT NULL DEFAULT 0, added TEXT NOT NULL, status TEXT NOT NULL,
    warnings TEXT NOT NULL DEFAULT '[]');
CREATE TABLE passages (passage_id TEXT PRIMARY KEY, doc_id TEXT NOT NULL, ordinal INTEGER
    NOT NULL, label TEXT NOT NULL, section TEXT NOT NULL, page INTEGER NOT NULL,
    page_label TEXT NOT NULL, lang TEXT NOT NULL, text TEXT NOT NULL);
CREATE TABLE audit (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, actor TEXT NOT
    NULL, action TEXT NOT NULL, doc_id TEXT NOT NULL, before TEXT NOT NULL, after TEXT NOT NULL);
INSERT INTO meta VALUES ('store_version', '1');
INSERT INTO documents VALUES ('d1', 'abc', 'a.txt', 'text', '{"title": "Old"}', 1,
    '2018-01-01T00:00:00+00:00', 'active', '[]');
INSERT INTO passages VALUES ('d1-1', 'd1', 0, '1', '', 1, '1', 'en', 'Remittances matter.');
"""


def test_an_older_store_is_read_as_it_is_and_brought_up_to_date_by_a_write(tmp_path):
    """A store of version 1 (no origin, replaces, format_of or ocr columns; no refusals or
    passage_aliases tables): read with the defaults, unchanged; a write adds them."""
    gen = tmp_path / "gen-0001"
    gen.mkdir()
    path = gen / store.STORE_FILE
    db = sqlite3.connect(path)
    db.executescript(OLD_SCHEMA)
    db.execute("PRAGMA journal_mode=WAL")
    db.close()
    before = _state(path)

    with store.open(gen) as st:
        [doc] = st.documents(DocStatus.ACTIVE)
        assert (doc.origin, doc.replaces, doc.format_of, doc.meta.title) == (
            "corpus", "", "", "Old")
        assert st.get_passage("d1-1").ocr is False
        assert st.alternates("d1") == [] and st.replaced_by("d1") == ""
        assert st.refusals() == []
        with pytest.raises(NotFound):
            st.get_passage("d1-gone")  # looked up among the (missing) aliases
        assert st.counts() == (1, 1)
    assert _state(path) == before

    with store.open(gen, write=True) as st:
        columns = {r["name"] for r in st.db.execute("PRAGMA table_info(documents)")}
        assert {"origin", "replaces", "format_of"} <= columns
        assert st.db.execute("SELECT value FROM meta WHERE key='store_version'").fetchone()[0] \
            == str(store.STORE_VERSION)
        with st.transaction():
            st.record_refusal("b.pdf", "encrypted")
    with store.open(gen) as st:
        assert st.refusals() == [("b.pdf", "encrypted")]
        assert st.documents()[0].origin == "corpus"


def test_a_missing_store_is_a_clear_error(tmp_path):
    from indexer.errors import IndexOutOfDate

    (tmp_path / "gen-0001").mkdir()
    with pytest.raises(IndexOutOfDate, match="missing"), store.open(tmp_path / "gen-0001"):
        pass
    assert not (tmp_path / "gen-0001" / store.STORE_FILE).exists()
