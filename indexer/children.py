"""Child processes that must not outlive the process that started them (a build killed with
-9 must not leave its readers or analysers at work)."""

from __future__ import annotations

import os
import signal


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
