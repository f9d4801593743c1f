"""A write that found no room: telling it apart (an OSError, SQLite's or tantivy's report of
one), and the message that says what happened and what to do (the DISK_FULL_ templates,
translated on the web pages)."""

from __future__ import annotations

import errno
import os
import sqlite3
from contextlib import contextmanager
from pathlib import Path

from indexer.errors import DiskFull

# errno of a write that found no room: the disk or the quota is full, or the file grew past
# the process's file-size limit (RLIMIT_FSIZE)
DISK_FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
_SQLITE_FULL = 13

DISK_FULL_BUILD = ("the disk is full (%(detail)s): the new index could not be written and "
                   "was removed; the previous one stays in use. Free space on the disk that "
                   "holds the data directory, then build again")
DISK_FULL_FILE = ("the disk is full (%(detail)s): %(file)s could not be stored, and nothing "
                  "of it was kept. Free space on the disk that holds the data directory, then "
                  "add it again")
DISK_FULL_PENDING = ("the disk is full (%(detail)s): %(file)s is stored but not yet "
                     "searchable. Free space on the disk that holds the data directory, then "
                     "run `index.py check`, which finishes it")


# tantivy's writer threads report a failed write without its errno ("... encountered an
# error (io::Error most likely)"): taken for a full disk when the disk has less than this free
LOW_SPACE_BYTES = 64 * 1024 * 1024


def free_bytes(where: Path) -> int:
    st = os.statvfs(where)
    return st.f_bavail * st.f_frsize


def is_disk_full(exc: BaseException, where: Path | None = None) -> bool:
    """Whether `exc` is a write that found no room: an OSError, SQLite's "database or disk is
    full", tantivy's IO error carrying one of those errno values, or (given `where`, the
    data directory) tantivy's errno-less writer failure on a disk with next to no space."""
    if isinstance(exc, OSError):
        return exc.errno in DISK_FULL_ERRNOS
    if isinstance(exc, sqlite3.OperationalError):
        return getattr(exc, "sqlite_errorcode", None) == _SQLITE_FULL \
            or "database or disk is full" in str(exc)
    if not isinstance(exc, ValueError):
        return False
    text = str(exc)
    if any(f"(os error {n})" in text for n in DISK_FULL_ERRNOS):
        return True
    if where is not None and "io::Error" in text:
        try:
            return free_bytes(where) < LOW_SPACE_BYTES
        except OSError:
            return False
    return False


def disk_full(exc: BaseException, template: str, **params: str) -> DiskFull:
    """The error to raise for a write that found the disk full (`is_disk_full(exc)`): one of
    the DISK_FULL_ templates, with `params` for its other placeholders."""
    code = getattr(exc, "errno", None) or next(
        (n for n in DISK_FULL_ERRNOS if f"(os error {n})" in str(exc)), errno.ENOSPC)
    return DiskFull(template, detail=os.strerror(code), **params)


@contextmanager
def disk_full_is_clear(where: Path, template: str, **params: str):
    """Within: a write under `where` (the data directory) that finds the disk full raises
    DiskFull(template) instead."""
    try:
        yield
    except DiskFull:
        raise
    except Exception as exc:
        if is_disk_full(exc, where):
            raise disk_full(exc, template, **params) from exc
        raise


