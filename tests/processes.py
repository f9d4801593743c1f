"""Processes as the tests see them from outside: the children of a process (/proc)."""

from __future__ import annotations

from pathlib import Path


def children(pid: int) -> set[int]:
    """The pids whose parent is `pid`."""
    out = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.add(int(entry.name))
    return out
