"""`index.py serve` as production runs it: a real subprocess with several server processes on
a real socket, one upload worker among them (taken over when its process dies), and a clean
stop on SIGTERM."""

from __future__ import annotations

import fcntl
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from processes import children

from indexer import config
from indexer.library import jobs

PROJECT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _lock_holder(data: Path) -> int | None:
    """The pid written in the upload worker's lock while a process holds it."""
    path = data / jobs.WORKER_LOCK
    if not path.exists():
        return None
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return None  # nobody holds it
    except BlockingIOError:
        text = path.read_text().strip()
        return int(text) if text else None
    finally:
        os.close(fd)


def _wait(predicate, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"timed out after {seconds:g} s waiting for {what}")


@pytest.fixture
def server(tmp_path):
    data = tmp_path / "data"
    subprocess.run([sys.executable, str(PROJECT / "index.py"), "build", "--corpus",
                    str(PROJECT / "corpus" / "samples"), "--index", str(data), "--quiet"],
                   check=True, capture_output=True, timeout=300)
    port = _free_port()
    env = {**os.environ, "DIALOGUE_SEARCH_SECRET_KEY_FILE": str(tmp_path / "key")}
    log = open(tmp_path / "server.log", "w")
    proc = subprocess.Popen([sys.executable, str(PROJECT / "index.py"), "serve", "--index",
                             str(data), "--port", str(port), "--workers", "2"],
                            stderr=log, env=env)

    def up():
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            return False

    try:
        _wait(up, 60, "the server to listen")
        yield proc, port, data
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
        log.close()


def test_several_processes_answer_and_one_runs_the_uploads(server):
    proc, port, data = server
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/search?q=migrants",
                                timeout=30) as r:
        body = json.loads(r.read())
    assert r.status == 200 and body["total"] > 0 and body["hits"]

    workers = _wait(lambda: len(children(proc.pid)) >= 2 and children(proc.pid), 30,
                    "two server processes")
    holder = _wait(lambda: _lock_holder(data), 30, "an upload worker to take its lock")
    assert holder in workers  # exactly one process holds it (an flock is exclusive)

    # The process running the uploads dies: gunicorn starts another, and a live process's
    # worker takes the lock over and runs the jobs.
    os.kill(holder, signal.SIGKILL)
    _wait(lambda: (_lock_holder(data) or holder) != holder, 30, "another upload worker")
    settings = config.load(index_dir=str(data))
    job = jobs.stage(settings, "web:test", "note.en.txt", io.BytesIO(
        b"Note\n1. Local authorities welcome newly arrived migrants in every district.\n"),
        "batch1")
    _wait(lambda: jobs.get(settings, job.job_id).state == "review", 60,
          "the upload to be analysed by the server's worker")

    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 0
