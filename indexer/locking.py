"""One writer at a time across processes (CLI, web app, workers): an flock with a timeout.

Whoosh's own lock fails instantly with LockError; waiting here first means it never does.
"""

from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path

from .errors import WriteBusy


@contextmanager
def write_lock(data_dir: Path, timeout: float):
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "write.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise WriteBusy(
                        f"another change to the index is in progress and did not finish within"
                        f" {timeout:g} s; try again in a moment"
                    ) from None
                time.sleep(0.05)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        # Closing the descriptor releases the lock (also when the process dies).
        os.close(fd)
