"""Files are read in child processes under limits, so that no file stops a build, an `add` or
an upload, or takes the memory of the machine.

Reading a file (parsing it, splitting it into passages, finding their languages:
`prepare.prepare`) runs in a worker process of its own (`python -m indexer.ingest.reader`), which
caps its own memory before it reads anything (resource.setrlimit RLIMIT_AS, setting
reader_memory_mb) and gets reader_seconds per file: its parent kills it (with the OCR
processes it started: it leads a process group) past that, and an alarm of its own ends it
should the parent be gone. Whatever happens, each file gets one outcome: its `Prepared`, or an
`IngestRefused` saying what happened and what to do: a damaged file, a limit passed, the
process killed by the system or crashed, a bug in a reader (`ReaderStopped`, its `cause`
saying which; the traceback goes to stderr). A worker reads file after file (its start,
~0.3 s of imports, is paid once per call); one that died or was stopped is replaced.

What crosses the process boundary is typed: jobs go down pickled (they come from us); results
come back through an unpickler that builds only the classes a result is made of, so neither an
unpicklable library error (lxml's, which stopped whole builds) nor anything else can arrive.
A full disk met while reading (the OCR cache) stops the whole call with DiskFull: it is the
machine's state, not the file's.
"""

from __future__ import annotations

import io
import os
import pickle
import signal
import subprocess
import sys
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import TYPE_CHECKING

from indexer import children, diskfull
from indexer.config import Settings
from indexer.errors import DiskFull, IngestRefused, ReaderStopped
from indexer.models import DocMeta

if TYPE_CHECKING:
    from indexer.ingest.prepare import Prepared

# After each scanned page OCR finishes, the reader gets this much more time on top of
# reader_seconds: OCR bounds each page itself (ocr_page_seconds, up to three Tesseract runs).
OCR_PASSES_PER_PAGE = 3
# A new worker's start (Python and the parsers' imports, ~0.3 s) is not the file's time.
START_SECONDS = 60.0
# The exit status of a worker that ran out of memory where it could not answer.
EXIT_OUT_OF_MEMORY = 86


@dataclass(frozen=True)
class ReadJob:
    """One file to read, and what `prepare.prepare` needs with it."""

    path: str
    settings: Settings
    catalog_meta: DocMeta | None = None
    sidecar: DocMeta | None = None
    name: str = ""  # the name to show (an upload's own; the staged file has ours)

    @property
    def shown(self) -> str:
        return self.name or Path(self.path).name


# The classes a result may be built of (module, name): what `prepare.prepare` returns and the
# refusals. Anything else in a result's pickle is an error, never an object.
_RESULT_CLASSES = {
    ("indexer.ingest.prepare", "Prepared"),
    ("indexer.models", "Document"),
    ("indexer.models", "DocMeta"),
    ("indexer.models", "DocStatus"),  # Prepared.status (an enum is unpickled by its value)
    ("indexer.models", "Passage"),
    ("indexer.models", "Reference"),
    ("indexer.errors", "IngestRefused"),
    ("indexer.errors", "ReaderStopped"),
    ("indexer.errors", "DiskFull"),
}


class _ResultUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if (module, name) not in _RESULT_CLASSES:
            raise pickle.UnpicklingError(f"a reader's result may not hold {module}.{name}")
        return super().find_class(module, name)


def _loads(data: bytes):
    return _ResultUnpickler(io.BytesIO(data)).load()


# ------------------------------------------------------------------ messages


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return str(number)


def memory_refusal(job: ReadJob) -> ReaderStopped:
    limit = job.settings.reader_memory_mb
    return ReaderStopped(
        f"reading the file needed more than the {limit} MB of memory a file may use, and was "
        "stopped: the file may be damaged, or too large for this server; split it, or save "
        "it again (for instance as PDF), and add that", job.shown, cause="memory")


def time_refusal(job: ReadJob) -> ReaderStopped:
    return ReaderStopped(
        f"reading the file took longer than {job.settings.reader_seconds:g} s and was "
        "stopped: the file may be damaged or unusually complex; save it again (for instance "
        "as PDF) or split it, and add that", job.shown, cause="time")


def _stopped_refusal(job: ReadJob, returncode: int | None) -> ReaderStopped:
    """What to say when a worker died on `job` (it never answered)."""
    if returncode == -signal.SIGALRM:  # its own alarm: the time limit
        return time_refusal(job)
    if returncode == EXIT_OUT_OF_MEMORY:
        return memory_refusal(job)
    if returncode == -signal.SIGKILL:
        return ReaderStopped(
            "reading the file was stopped by the system (signal SIGKILL), which does this "
            "when the server runs out of memory: try again when the server is less busy, or "
            "split the file and add the parts", job.shown, cause="killed")
    if returncode is not None and returncode < 0:
        return ReaderStopped(
            f"the reader crashed on this file (signal {_signal_name(-returncode)}): the file "
            "may be damaged; save it again (for instance as PDF) and add that; the server "
            "log has the details", job.shown, cause="crashed")
    return ReaderStopped(
        f"the reader stopped with an error on this file (exit status {returncode}): save it "
        "again (for instance as PDF) and add that; the server log has the details",
        job.shown, cause="error")


def unexpected_refusal(job: ReadJob, exc: BaseException) -> ReaderStopped:
    detail = " ".join(str(exc).split())[:120]
    return ReaderStopped(
        f"the file could not be read: the reader met an unexpected error "
        f"({type(exc).__name__}{': ' + detail if detail else ''}); save it again (for "
        "instance as PDF) and add that, and report the problem (the log has the details)",
        job.shown, cause="error")


# ------------------------------------------------------------------ the child


def _alarm(settings: Settings, extra: float = 0.0) -> None:
    """The child's own time limit (SIGALRM ends it): a little after its parent's, in case the
    parent is gone."""
    if settings.reader_seconds > 0:
        signal.alarm(int(settings.reader_seconds + extra) + 5)


def _progress_sender(up: Connection, settings: Settings) -> Callable[[int, int], None]:
    """OCR's progress, sent to the parent: each page done gives the reader more time."""
    def progress(done: int, total: int) -> None:
        _alarm(settings, OCR_PASSES_PER_PAGE * settings.ocr_page_seconds)
        up.send_bytes(pickle.dumps(("progress", done, total)))

    return progress


def _read_one(job: ReadJob, up: Connection) -> tuple[object, bool]:
    """(the job's outcome, whether this process should end after it)."""
    from indexer.ingest import ocr
    from indexer.ingest.prepare import prepare

    ocr.progress = _progress_sender(up, job.settings)
    _alarm(job.settings)
    try:
        return prepare(Path(job.path), job.settings, job.catalog_meta, job.sidecar,
                       name=job.name), False
    except IngestRefused as exc:
        exc.file = exc.file or job.shown
        return exc, False
    except MemoryError:
        pass  # answered below, once this block has let go of what filled the memory
    except RecursionError:
        return ReaderStopped(
            "the file's structure is nested too deeply to be read: it may be damaged; save it "
            "again (for instance as PDF) and add that", job.shown, cause="depth"), False
    except Exception as exc:
        if diskfull.is_disk_full(exc):  # (writing the OCR cache)
            return diskfull.disk_full(exc, diskfull.DISK_FULL_FILE, file=job.shown), True
        # a bug, ours or a library's: loud in the log, and one refusal
        print(f"indexer.ingest.reader: unexpected error reading {job.shown}:", file=sys.stderr)
        traceback.print_exc()
        return unexpected_refusal(job, exc), True
    finally:
        signal.alarm(0)  # the parent may take its time to read the answer
    return memory_refusal(job), True  # and start afresh


def _child_main(down_fd: int, up_fd: int, memory_mb: int, parent: int) -> int:
    """`python -m indexer.ingest.reader DOWN UP MEMORY_MB PARENT`: read jobs from DOWN, answer on
    UP, until DOWN closes."""
    import resource

    children.die_with(parent)  # (not Linux: the alarm and the closed pipe end it)

    if memory_mb > 0:
        cap = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    # a terminal's Ctrl-C goes to the parent, which ends its workers itself
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from indexer.ingest import prepare  # noqa: F401  (imported before the first file's time starts)

    down = Connection(down_fd, writable=False)
    up = Connection(up_fd, readable=False)
    while True:
        try:
            job: ReadJob = pickle.loads(down.recv_bytes())
        except EOFError:
            return 0
        up.send_bytes(pickle.dumps(("start",)))  # the file's time starts now
        try:
            result, retire = _read_one(job, up)
            answer = pickle.dumps(("result", result, retire))
        except MemoryError:  # out of memory even to say so: the exit status says it
            os._exit(EXIT_OUT_OF_MEMORY)
        up.send_bytes(answer)
        if retire:
            return 0


# ------------------------------------------------------------------ the parent


class _Worker:
    """One child process and the two pipes to it."""

    def __init__(self, settings: Settings):
        # its own session: killing it kills what it started (OCR) too
        self.proc, self.down, self.up = children.start(
            "indexer.ingest.reader", str(settings.reader_memory_mb), new_session=True)

    def send(self, job: ReadJob) -> None:
        self.down.send_bytes(pickle.dumps(job))

    def kill(self) -> int | None:
        """Stop the worker and whatever it started (its process group); its exit status."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.close()
        return self.proc.returncode

    def reap(self) -> int | None:
        """The exit status of a worker whose pipe closed (it is exiting); killed if it is not
        gone within a few seconds."""
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        return self.kill()

    def close(self) -> None:
        children.stop(self.proc, self.down, self.up)
        if self.proc.returncode is not None and self.proc.returncode < 0:
            try:  # what it started (OCR) goes with it
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


@dataclass
class _Task:
    index: int
    job: ReadJob
    deadline: float


def read_files(jobs: list[ReadJob], settings: Settings, workers: int = 1,
               progress: Callable[[int, int], None] | None = None
               ) -> Iterator[Prepared | IngestRefused]:
    """Each job's outcome, in the order of `jobs`, read by up to `workers` processes.
    `progress(done, total)`: OCR's pages of the file being read (one worker), as they come.
    Raises DiskFull (the disk is full: no use reading on)."""
    if not jobs:
        return
    size = max(1, min(workers, len(jobs)))
    seconds = settings.reader_seconds
    pending = deque(enumerate(jobs))
    idle: list[_Worker] = []
    busy: dict[_Worker, _Task] = {}
    done: dict[int, object] = {}
    next_out = 0
    try:
        while next_out < len(jobs):
            while pending and (idle or len(busy) < size):
                worker = idle.pop() if idle else _Worker(settings)
                index, job = pending.popleft()
                try:
                    worker.send(job)
                except OSError:  # it died while idle: the job goes to a new one
                    worker.kill()
                    pending.appendleft((index, job))
                    continue
                deadline = time.monotonic() + seconds + START_SECONDS if seconds > 0 \
                    else float("inf")
                busy[worker] = _Task(index, job, deadline)
            if busy:
                soonest = min(t.deadline for t in busy.values())
                timeout = None if soonest == float("inf") else max(0.0, soonest - time.monotonic())
                ready = wait([w.up for w in busy], timeout)
                for worker in [w for w in busy if w.up in ready]:
                    task = busy[worker]
                    try:
                        message = _loads(worker.up.recv_bytes())
                    except (EOFError, OSError):  # it died on the file
                        del busy[worker]
                        done[task.index] = _stopped_refusal(task.job, worker.reap())
                        continue
                    except pickle.UnpicklingError as exc:
                        del busy[worker]
                        worker.kill()
                        done[task.index] = unexpected_refusal(task.job, exc)
                        continue
                    if message[0] == "start":
                        if seconds > 0:
                            task.deadline = time.monotonic() + seconds
                        continue
                    if message[0] == "progress":
                        task.deadline = max(task.deadline, time.monotonic() + seconds
                                            + OCR_PASSES_PER_PAGE * settings.ocr_page_seconds)
                        if progress is not None:
                            progress(message[1], message[2])
                        continue
                    _, result, retire = message
                    del busy[worker]
                    if isinstance(result, DiskFull):
                        worker.kill()
                        raise result
                    done[task.index] = result
                    if retire:
                        worker.close()
                    else:
                        idle.append(worker)
                now = time.monotonic()
                for worker, task in list(busy.items()):
                    if now > task.deadline and worker.up not in ready:
                        del busy[worker]
                        worker.kill()
                        done[task.index] = time_refusal(task.job)
            while next_out in done:
                yield done.pop(next_out)
                next_out += 1
    finally:
        for worker in busy:
            worker.kill()
        for worker in idle:  # its input closes: it ends
            worker.close()


def read_file(job: ReadJob, progress: Callable[[int, int], None] | None = None):
    """One file's outcome (see read_files)."""
    return next(read_files([job], job.settings, 1, progress))




def read(jobs: list[ReadJob], settings: Settings,
         workers: int = 1) -> Iterator[Prepared | IngestRefused]:
    """`prepare` of each job in child processes under the reader limits, in order: a file
    that cannot be read, whatever the reason, is an IngestRefused. OCR's progress goes to
    `ocr.progress` (the upload worker shows it)."""
    from indexer.ingest import ocr

    return read_files(jobs, settings, workers, progress=ocr.progress)


def default_workers() -> int:
    return max(1, min(4, (os.cpu_count() or 1)))


if __name__ == "__main__":
    sys.exit(_child_main(*map(int, sys.argv[1:5])))
