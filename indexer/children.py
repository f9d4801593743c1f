"""Child processes that must not outlive the process that started them (a build killed with
-9 must not leave its readers or analysers at work)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from multiprocessing.connection import Connection


def die_with(parent: int) -> None:
    """Linux: be killed when `parent` (the process that started us) dies; exit at once if it
    already has."""
    import ctypes

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the caller's own checks end it
        return
    if os.getppid() != parent:  # it died before we asked
        os._exit(0)


def start(module: str, *args: str, new_session: bool = False
          ) -> tuple[subprocess.Popen, Connection, Connection]:
    """`python -m module DOWN UP *args PARENT` on two pipes: (process, the connection to send
    it requests on, the one it answers on). The child reads DOWN and writes UP (file
    descriptors it inherits), and calls `die_with(PARENT)`."""
    down_r, down_w = os.pipe()
    up_r, up_w = os.pipe()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", module, str(down_r), str(up_w), *args, str(os.getpid())],
            pass_fds=(down_r, up_w), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            start_new_session=new_session)
    except BaseException:
        for fd in (down_r, down_w, up_r, up_w):
            os.close(fd)
        raise
    os.close(down_r)
    os.close(up_w)
    return proc, Connection(down_w, readable=False), Connection(up_r, writable=False)


def stop(proc: subprocess.Popen, down: Connection, up: Connection) -> None:
    """Close a started child's pipes (its end of input: it exits) and wait for it; killed if
    it is not gone within 10 s."""
    down.close()
    up.close()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
