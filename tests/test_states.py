"""States are StrEnums in the code (DocStatus, JobState, OutcomeStatus) and the same plain
strings on disk and in what people and programs read: the store's `status` column, the job
table's `state`, the build report. Read back here with SQLite itself, not through our code."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

from indexer import config, library
from indexer.library import jobs
from indexer.library.recording import OutcomeStatus
from indexer.models import DocStatus
from indexer.storage import store

TEXT = ("Cities and migration\n"
        "1. Local authorities coordinate the reception of newly arrived migrants.\n\n"
        "2. Municipal development plans mainstream migration and report on it each year.\n")


def test_the_values_are_the_strings_stored_and_shown():
    # renaming a value would orphan every stored row and job: these are a contract
    assert [s.value for s in DocStatus] == ["pending", "active", "trash", "superseded",
                                           "alternate"]
    assert [s.value for s in jobs.JobState] == ["analysing", "review", "queued", "indexing",
                                               "done", "duplicate", "refused", "failed",
                                               "discarded"]
    assert [s.value for s in OutcomeStatus] == ["indexed", "duplicate", "refused"]
    assert jobs.WAITING | jobs.FINAL == set(jobs.JobState) and not jobs.WAITING & jobs.FINAL
    # a file indexed is a job done (the one state whose name differs)
    assert [jobs.JobState.after(o) for o in OutcomeStatus] == ["done", "duplicate", "refused"]


def _raw(path: Path, sql: str) -> list[tuple]:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


def test_states_reach_sqlite_and_the_report_as_plain_strings(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "cities.en.txt").write_text(TEXT, encoding="utf-8")
    (corpus / "copy.en.txt").write_text(TEXT, encoding="utf-8")
    (corpus / "empty.txt").write_text("", encoding="utf-8")
    settings = config.load(index_dir=str(tmp_path / "data"), write_lock_timeout=2.0)
    report = library.build(corpus, settings, workers=1)
    assert sorted(o.status for o in report.outcomes) == ["duplicate", "indexed", "refused"]
    assert all(type(o.status) is OutcomeStatus for o in report.outcomes)
    doc_id = report.of(OutcomeStatus.INDEXED)[0].doc_id
    library.remove(doc_id, settings)

    gen = store.current_generation(Path(settings.index_dir))
    assert _raw(gen / "store.sqlite3", "SELECT status, typeof(status) FROM documents") == [
        ("trash", "text")]
    with store.open(gen) as st:
        assert st.get_document(doc_id).status is DocStatus.TRASH

    job = jobs.stage(settings, "web:amina", "empty.txt", io.BytesIO(b""), "b1")
    assert job.state is jobs.JobState.REFUSED
    assert _raw(Path(settings.index_dir) / "jobs.sqlite3",
                "SELECT state, typeof(state) FROM jobs") == [("refused", "text")]


def test_every_state_has_a_label_in_each_ui_language(tmp_path):
    from search_app import create_app, staff

    app = create_app({"INDEX_DIR": str(tmp_path / "data"), "TESTING": True,
                      "JOB_WORKER": False})
    shown = {}
    for lang in ("en", "fr", "es"):
        with app.test_request_context(headers={"Accept-Language": lang}):
            shown[lang] = ([staff.job_state_label(s) for s in jobs.JobState]
                           + [staff.doc_status_label(s) for s in DocStatus])
    assert len(set(shown["en"])) == len(shown["en"])  # each state its own words
    assert not set(shown["en"]) & {*jobs.JobState, *DocStatus}  # words, not the stored value
    for lang in ("fr", "es"):
        assert all(a != b for a, b in zip(shown["en"], shown[lang], strict=True)), lang
