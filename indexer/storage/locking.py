"""One writer at a time across processes (CLI, web app, workers): an flock with a timeout.

Whoosh's own lock fails instantly with LockError; waiting here first means it never does.
"""

from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path

from indexer.errors import WriteBusy

# Descriptors of the locks this process holds. Forked children (parser pools, Whoosh's
# multiprocess writer) inherit them, and an flock lives as long as any copy is open: a child
# that outlived a killed parent would keep the index locked. Children close their copies.
_HELD: set[int] = set()


def _close_inherited_locks() -> None:
    for fd in list(_HELD):
        try:
            os.close(fd)
        except OSError:
            pass  # already closed in this child
    _HELD.clear()


os.register_at_fork(after_in_child=_close_inherited_locks)


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
        _HELD.add(fd)
        yield
    finally:
        # Closing the descriptor releases the lock (also when the process dies).
        _HELD.discard(fd)
        os.close(fd)


def try_hold(data_dir: Path, name: str) -> int | None:
    """Take the lock file `name` for as long as this process lives (or until `release`),
    without waiting: its descriptor, or None when another process holds it. Used to have
    exactly one upload worker among a server's processes; when the holder dies, the lock is
    free for another."""
    data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(data_dir / name, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    _HELD.add(fd)
    return fd


def release(fd: int) -> None:
    _HELD.discard(fd)
    os.close(fd)
