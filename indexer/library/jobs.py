"""Staff uploads, processed off the request.

Each uploaded file is a job, kept in `<data dir>/jobs.sqlite3` with its file staged under
`<data dir>/uploads/<job id>` (the name is ours: an upload's own name is only shown, never
used as a path). One worker thread runs the jobs: every server process starts one, and the
one holding `<data dir>/upload-worker.lock` works. The parsing and the index writes happen
in a child process, so a file that hangs or crashes its reader costs
that job only, and the server keeps answering. Jobs are in the database, not in memory: a
closed browser tab changes nothing, and a restarted server resumes where it stopped.

    analysing -> review -> queued -> indexing -> done | duplicate | refused | failed
    (analysis refuses or finds a duplicate straight away; `discard` ends any waiting job)
"""

from __future__ import annotations

import json
import logging
import secrets
import signal
import sqlite3
import subprocess
import sys
import threading
from contextlib import closing
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO

from indexer import library
from indexer.config import Settings
from indexer.errors import DialogueSearchError, DiskFull, IngestRefused, NotFound, WriteBusy
from indexer.ingest import ocr, reader
from indexer.library import review
from indexer.library.recording import OutcomeStatus
from indexer.models import DocMeta
from indexer.storage import locking, store

log = logging.getLogger(__name__)



class JobState(StrEnum):
    """Where an upload stands (the module's docstring draws the flow). The values are what
    `jobs.sqlite3` holds and the staff pages show: never rename them."""

    ANALYSING = "analysing"
    REVIEW = "review"
    QUEUED = "queued"
    INDEXING = "indexing"
    DONE = "done"
    DUPLICATE = "duplicate"
    REFUSED = "refused"
    FAILED = "failed"
    DISCARDED = "discarded"

    @classmethod
    def after(cls, outcome: OutcomeStatus) -> JobState:
        """The job's final state for what became of its file: a file indexed is a job done."""
        return {OutcomeStatus.INDEXED: cls.DONE, OutcomeStatus.DUPLICATE: cls.DUPLICATE,
                OutcomeStatus.REFUSED: cls.REFUSED}[outcome]


WAITING = frozenset({JobState.ANALYSING, JobState.REVIEW, JobState.QUEUED, JobState.INDEXING})
FINAL = frozenset(JobState) - WAITING
CHUNK = 1024 * 1024
WORKER_LOCK = "upload-worker.lock"  # held by the one process whose worker runs the jobs

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    job_id TEXT PRIMARY KEY,
    batch TEXT NOT NULL,
    actor TEXT NOT NULL,
    name TEXT NOT NULL,            -- the uploaded file's own name: shown, never a path
    size INTEGER NOT NULL,
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    state TEXT NOT NULL,
    detected TEXT NOT NULL DEFAULT '{}',   -- DocMeta the pipeline found
    meta TEXT NOT NULL DEFAULT '{}',       -- DocMeta staff confirmed
    replaces TEXT NOT NULL DEFAULT '',     -- doc_id this file is a new revision of
    version_of TEXT NOT NULL DEFAULT '',   -- doc_id this file is a language version of
    doc_id TEXT NOT NULL DEFAULT '',
    passages INTEGER NOT NULL DEFAULT 0,
    warnings TEXT NOT NULL DEFAULT '[]',
    message TEXT NOT NULL DEFAULT '',
    review TEXT NOT NULL DEFAULT '[]'      -- the passages as they will be cited, with flags
);
CREATE INDEX IF NOT EXISTS jobs_state ON jobs(state, created);
"""


@dataclass
class Job:
    job_id: str
    batch: str
    actor: str
    name: str
    size: int
    created: str
    updated: str
    state: JobState
    detected: DocMeta = field(default_factory=DocMeta)
    meta: DocMeta = field(default_factory=DocMeta)
    replaces: str = ""
    version_of: str = ""
    doc_id: str = ""
    passages: int = 0
    warnings: list[str] = field(default_factory=list)
    message: str = ""
    review: list[dict] = field(default_factory=list)  # indexer.library.review.Row as dicts

    def __post_init__(self) -> None:
        self.state = JobState(self.state)  # from JSON (the child process) or SQLite

    @property
    def waiting(self) -> bool:
        return self.state in WAITING

    @property
    def flagged(self) -> int:
        """How many passages the review flags as suspicious."""
        return sum(1 for r in self.review if r.get("flags"))


class UploadRefused(DialogueSearchError):
    """An upload that cannot even be staged (the message says why)."""


def new_id() -> str:
    return secrets.token_hex(8)


def _connect(settings: Settings) -> sqlite3.Connection:
    db = store.connect(Path(settings.index_dir) / "jobs.sqlite3", _SCHEMA)
    columns = {row["name"] for row in db.execute("PRAGMA table_info(jobs)")}
    if "review" not in columns:  # a job table from before the passage review
        try:
            db.execute("ALTER TABLE jobs ADD COLUMN review TEXT NOT NULL DEFAULT '[]'")
        except sqlite3.OperationalError as exc:
            if "duplicate column" not in str(exc):  # another process added it just now
                raise
    return db


def staged_path(settings: Settings, job_id: str) -> Path:
    if not job_id.isalnum():  # ids are ours (hex); anything else never reaches the disk
        raise NotFound(f"no upload {job_id!r}")
    return Path(settings.index_dir) / "uploads" / job_id


def _job(row: sqlite3.Row) -> Job:
    return Job(job_id=row["job_id"], batch=row["batch"], actor=row["actor"], name=row["name"],
               size=row["size"], created=row["created"], updated=row["updated"],
               state=JobState(row["state"]), detected=DocMeta(**json.loads(row["detected"])),
               meta=DocMeta(**json.loads(row["meta"])), replaces=row["replaces"],
               version_of=row["version_of"], doc_id=row["doc_id"], passages=row["passages"],
               warnings=json.loads(row["warnings"]), message=row["message"],
               review=json.loads(row["review"]))


def _update(settings: Settings, job_id: str, **values) -> None:
    for key in ("detected", "meta"):
        if isinstance(values.get(key), DocMeta):
            values[key] = json.dumps(asdict(values[key]))
    for key in ("warnings", "review"):
        if key in values:
            values[key] = json.dumps(values[key], ensure_ascii=False)
    values["updated"] = store.now()
    cols = ", ".join(f"{k}=?" for k in values)
    with closing(_connect(settings)) as db:
        db.execute(f"UPDATE jobs SET {cols} WHERE job_id=?", (*values.values(), job_id))


def stage(settings: Settings, actor: str, name: str, stream: BinaryIO, batch: str,
          replaces: str = "") -> Job:
    """Copy an uploaded file to the staging folder (in chunks; never whole in memory) and
    queue it for analysis. A file over the size limit becomes a refused job at once."""
    job_id = new_id()
    path = staged_path(settings, job_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    size, too_big = 0, False
    with open(path, "wb") as out:
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            if size > settings.max_file_bytes:
                too_big = True
                break
            out.write(chunk)
    state, message = JobState.ANALYSING, ""
    if too_big:
        path.unlink()
        state = JobState.REFUSED
        message = (f"the file is over the {settings.max_file_bytes / 1e6:.0f} MB limit")
    elif size == 0:
        path.unlink()
        state, message = JobState.REFUSED, "the file is empty"
    display = Path((name or "").replace("\\", "/")).name[:200] or "upload"
    at = store.now()
    with closing(_connect(settings)) as db:
        db.execute("INSERT INTO jobs(job_id, batch, actor, name, size, created, updated, state,"
                   " replaces, message) VALUES (?,?,?,?,?,?,?,?,?,?)",
                   (job_id, batch, actor, display, size, at, at, state, replaces, message))
    return get(settings, job_id)


def get(settings: Settings, job_id: str) -> Job:
    with closing(_connect(settings)) as db:
        row = db.execute("SELECT * FROM jobs WHERE job_id=?", (job_id,)).fetchone()
    if row is None:
        raise NotFound(f"no upload {job_id!r}")
    return _job(row)


def in_batch(settings: Settings, batch: str) -> list[Job]:
    with closing(_connect(settings)) as db:
        rows = db.execute("SELECT * FROM jobs WHERE batch=? ORDER BY created, rowid", (batch,))
        return [_job(r) for r in rows]


def recent(settings: Settings, limit: int = 50) -> list[Job]:
    with closing(_connect(settings)) as db:
        rows = db.execute("SELECT * FROM jobs ORDER BY created DESC, rowid DESC LIMIT ?",
                          (limit,))
        return [_job(r) for r in rows]


def set_given(settings: Settings, job_id: str, meta: DocMeta, version_of: str = "") -> None:
    """Metadata given with the upload: shown over what analysis detects, for review."""
    _update(settings, job_id, meta=meta, version_of=version_of)


def confirm(settings: Settings, job_id: str, meta: DocMeta, version_of: str = "") -> Job:
    """Staff reviewed the metadata: queue the file for indexing with it."""
    job = get(settings, job_id)
    if job.state != JobState.REVIEW:
        raise NotFound(f"upload {job_id} is not waiting for review (it is {job.state})")
    _update(settings, job_id, state=JobState.QUEUED, meta=meta, version_of=version_of)
    return get(settings, job_id)


def discard(settings: Settings, job_id: str) -> Job:
    job = get(settings, job_id)
    if job.state not in (JobState.REVIEW, JobState.QUEUED):
        raise NotFound(f"upload {job_id} cannot be discarded now (it is {job.state})")
    _update(settings, job_id, state=JobState.DISCARDED, message="discarded before indexing")
    staged_path(settings, job_id).unlink(missing_ok=True)
    return get(settings, job_id)


def _claim(settings: Settings) -> tuple[Job, str] | None:
    """The oldest job with work to do, marked as ours (two servers never run one job)."""
    with closing(_connect(settings)) as db:
        for state, running in ((JobState.ANALYSING, JobState.ANALYSING),
                               (JobState.QUEUED, JobState.INDEXING),
                               (JobState.INDEXING, JobState.INDEXING)):
            row = db.execute("SELECT * FROM jobs WHERE state=? ORDER BY created, rowid LIMIT 1",
                             (state,)).fetchone()
            if row is None:
                continue
            if state == JobState.ANALYSING:
                return _job(row), "analyse"
            claimed = db.execute("UPDATE jobs SET state=?, updated=? WHERE job_id=? AND state=?",
                                 (running, store.now(), row["job_id"], state)).rowcount
            if claimed:
                return _job(row), "index"
    return None


# ------------------------------------------------------------- work done in the child

def _analyse(settings: Settings, path: Path, name: str, replaces: str) -> dict:
    """What the pipeline finds in the file: metadata to pre-fill, passages, warnings."""
    sidecar = None
    if replaces:
        with library.current(settings) as (_, st):
            sidecar = st.get_document(replaces).meta
    # read in a process of its own, under the reader's limits (indexer/ingest/reader.py)
    prepared = reader.read_file(reader.ReadJob(str(path), settings, None, sidecar, name),
                                progress=ocr.progress)
    if isinstance(prepared, IngestRefused):
        return {"state": JobState.REFUSED, "message": prepared.reason}
    same = None
    if store.current_generation(Path(settings.index_dir)) is not None:  # else nothing yet
        with library.current(settings) as (_, st):
            same = st.find_by_sha(prepared.document.sha256)
    if same is not None:
        where = " (in the trash: restore it instead)" if same.status == "trash" else ""
        return {"state": JobState.DUPLICATE, "doc_id": same.doc_id,
                "message": f"same file as document {same.doc_id}{where}"}
    rows = review.review_rows(prepared.passages, prepared.document.meta.lang)
    return {"state": JobState.REVIEW, "detected": prepared.document.meta,
            "passages": len(prepared.passages), "warnings": prepared.warnings,
            "review": review.as_json(rows)}


def _index(settings: Settings, job: Job) -> dict:
    path = staged_path(settings, job.job_id)
    meta = job.meta
    if job.version_of:
        work = library.version_work(job.version_of, settings, actor=job.actor)
        meta = DocMeta(work=work).merged_over(meta)
    try:
        if job.replaces:
            outcome = library.replace(job.replaces, path, settings, changes=meta,
                                       actor=job.actor, name=job.name)
        else:
            outcome = library.add([path], settings, sidecar=meta, actor=job.actor,
                                   names={path: job.name}).outcomes[0]
    except WriteBusy as exc:
        return {"state": JobState.QUEUED, "message": str(exc)}
    return {"state": JobState.after(outcome.status), "doc_id": outcome.doc_id,
            "passages": outcome.passages, "warnings": outcome.warnings,
            "message": outcome.reason}


def _run(kind: str, settings: Settings, job: Job) -> dict:
    """Entry point in the child process; user-safe errors come back as a refusal."""
    def progress(done: int, total: int) -> None:  # shown on the staff page meanwhile
        _update(settings, job.job_id,
                message=f"recognising text (OCR): page {done} of {total} done")

    ocr.progress = progress
    try:
        if kind == "analyse":
            return _analyse(settings, staged_path(settings, job.job_id), job.name, job.replaces)
        return _index(settings, job)
    except (NotFound, DiskFull) as exc:
        return {"state": JobState.FAILED, "message": str(exc)}


# ------------------------------------------------------------- the worker

class Worker:
    """One thread running jobs one at a time, each step in a child process
    (`python -m indexer.library.jobs`): a file that hangs or crashes its reader is stopped or lost
    alone, and the server's threads keep answering searches meanwhile."""

    def __init__(self, settings: Settings, poll: float = 1.0):
        self.settings = settings
        self.poll = poll
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._child: subprocess.Popen | None = None

    def start(self) -> Worker:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="upload-worker",
                                            daemon=True)
            self._thread.start()
        return self

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        child = self._child
        if child is not None:
            child.kill()  # its write, if any, is all-or-nothing; the job is resumed later
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _loop(self) -> None:
        # One upload worker per data directory: every process of a multi-process server
        # starts one, and the one holding the lock works (another takes over if it dies).
        data_dir = Path(self.settings.index_dir)
        held = None
        while held is None and not self._stop.is_set():
            held = locking.try_hold(data_dir, WORKER_LOCK)
            if held is None:
                self._stop.wait(self.poll)
        try:
            self._work()
        finally:
            if held is not None:
                locking.release(held)

    def _work(self) -> None:
        while not self._stop.is_set():
            try:
                ran = self.run_once()
            except Exception:
                # A bug, not a bad file (those end in the child). Logged with its traceback;
                # the thread lives on so that later uploads are not stuck behind it.
                log.exception("upload worker: unexpected error")
                ran = False
            if not ran:
                self._wake.wait(self.poll)
                self._wake.clear()

    def run_once(self) -> bool:
        """Run the next job step, if any; whether there was one."""
        if not (Path(self.settings.index_dir) / "jobs.sqlite3").exists():
            return False
        claimed = _claim(self.settings)
        if claimed is None:
            return False
        job, kind = claimed
        result = self._in_child(kind, job)
        if self._stop.is_set() and result.get("state") == JobState.FAILED:
            return False  # stopped by shutdown, not by the file: resumed at the next start
        _update(self.settings, job.job_id, **result)
        if result["state"] == JobState.QUEUED:  # the index is busy: try again shortly
            self._stop.wait(self.poll)
        elif result["state"] in FINAL:
            staged_path(self.settings, job.job_id).unlink(missing_ok=True)
        return True

    def _in_child(self, kind: str, job: Job) -> dict:
        request = json.dumps({"kind": kind, "settings": asdict(self.settings),
                              "job": asdict(job)})
        self._child = child = subprocess.Popen(
            [sys.executable, "-m", "indexer.library.jobs"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8")
        try:
            out, err = child.communicate(request, timeout=self.settings.job_timeout)
        except subprocess.TimeoutExpired:
            child.kill()
            child.communicate()
            return {"state": JobState.FAILED,
                    "message": f"processing took over {self.settings.job_timeout:.0f} s and "
                               "was stopped; the file may be damaged or unusually complex"}
        finally:
            self._child = None
        if child.returncode != 0:
            # Killed, crashed or a bug: the job says which, the details go to the log.
            log.error("upload job %s (%s) failed (exit status %s):\n%s", job.job_id, kind,
                      child.returncode, err)
            return {"state": JobState.FAILED, "message": _child_failure(child.returncode)}
        result = json.loads(out.strip().splitlines()[-1])
        result["state"] = JobState(result["state"])
        if "detected" in result:
            result["detected"] = DocMeta(**result["detected"])
        return result


def _child_failure(returncode: int) -> str:
    """What the staff page says of a job step whose process ended without an answer."""
    if returncode == -signal.SIGKILL:
        return ("processing the file was stopped by the system (signal SIGKILL), which does "
                "this when the server runs out of memory: try again when the server is less "
                "busy, or split the file")
    if returncode < 0:
        return (f"processing the file was stopped by signal {signal.Signals(-returncode).name}:"
                " try again; if it happens again, the server log has the details")
    return ("processing the file stopped with an error in the program (not in the file): the "
            "server log has the details; please report it")


def _child_main() -> int:
    """`python -m indexer.library.jobs`: one job step, request and result as JSON lines."""
    request = json.loads(sys.stdin.read())
    settings = Settings(**request["settings"])
    raw = request["job"]
    job = Job(**{**raw, "detected": DocMeta(**raw["detected"]), "meta": DocMeta(**raw["meta"])})
    result = _run(request["kind"], settings, job)
    if isinstance(result.get("detected"), DocMeta):
        result["detected"] = asdict(result["detected"])
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(_child_main())
