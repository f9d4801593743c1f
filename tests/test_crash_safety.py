"""kill -9 the writing process at random points during `build` and `add`, 20 times: the
index always opens, everything committed before stays searchable, the store and the index
agree (after the recovery every write does first), and the interrupted document is either
fully in or fully out."""

from __future__ import annotations

import os
import random
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from indexer import config, engines, library
from indexer.search.service import SearchRequest, SearchService
from indexer.storage import store

PROJECT = Path(__file__).resolve().parents[1]


def write_doc(path: Path, topic: str, paragraphs: int = 120) -> Path:
    path.write_text("".join(
        f"{n}. Paragraph {n} about {topic}: local authorities, diaspora engagement and the "
        f"mainstreaming of migration into development planning in {topic} regions.\n\n"
        for n in range(1, paragraphs + 1)), encoding="utf-8")
    return path


def index_state(settings) -> tuple[dict[str, int], dict[str, int]]:
    gen = store.current_generation(Path(settings.index_dir))
    with store.open(gen) as st:
        in_store = {d.doc_id: d.passages for d in st.documents("active")}
        in_store.update({d.doc_id: d.passages for d in st.documents("pending")})
    return in_store, engines.open_index(gen).indexed_doc_ids()


def kill_after(args: list[str], delay: float) -> int:
    proc = subprocess.Popen([sys.executable, str(PROJECT / "index.py"), *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    return proc.wait()


def test_twenty_kills_during_build_and_add(tmp_path):
    rng = random.Random(20261126)
    settings = config.load(index_dir=str(tmp_path / "data"), write_lock_timeout=30.0)
    base = tmp_path / "base"
    base.mkdir()
    for i in range(3):
        write_doc(base / f"base{i}.txt", f"base{i}")
    library.build(base, settings, workers=1)
    committed = {d.doc_id for d in SearchService(settings).documents()}
    staff: set[str] = set()  # documents `add`ed: a rebuild keeps them

    big = tmp_path / "big"
    big.mkdir()
    for i in range(60):
        write_doc(big / f"big{i}.txt", f"big{i}", paragraphs=40)

    for round_no in range(20):
        gen_before = store.current_generation(Path(settings.index_dir))
        if round_no % 2 == 0:  # a rebuild from another folder, killed part-way
            kill_after(["build", "--corpus", str(big), "--index", settings.index_dir,
                        "--quiet", "--workers", "1"], rng.uniform(0.3, 3.0))
        else:  # an add, killed part-way
            new = write_doc(tmp_path / f"add{round_no}.txt", f"added{round_no}", 400)
            kill_after(["add", str(new), "--index", settings.index_dir],
                       rng.uniform(0.3, 2.5))

        # The index opens; what was committed is still there (a build that finished before
        # the kill published a complete new generation instead).
        service = SearchService(settings)
        live = {d.doc_id for d in service.documents()}
        if store.current_generation(Path(settings.index_dir)) == gen_before:
            assert committed <= live, round_no
        else:  # the new corpus, plus what staff had added
            assert staff <= live and len(live - staff) == 60, round_no
        assert service.search(SearchRequest(q="diaspora engagement", per_page=5)).total > 0

        # Active documents are fully indexed; a document caught mid-add (still pending) is
        # either fully in the index or not at all.
        gen = store.current_generation(Path(settings.index_dir))
        with store.open(gen) as st:
            active = {d.doc_id: d.passages for d in st.documents("active")}
            pending = {d.doc_id: d.passages for d in st.documents("pending")}
        in_index = engines.open_index(gen).indexed_doc_ids()
        assert all(in_index.get(d) == n for d, n in active.items()), round_no
        assert all(in_index.get(d, 0) in (0, n) for d, n in pending.items()), round_no
        assert set(in_index) <= set(active) | set(pending), round_no

        # The next writer (here `check`) finishes what the kill interrupted.
        library.check(settings, repair=True)
        in_store, in_index = index_state(settings)
        assert in_store == in_index, round_no
        committed = set(in_store)
        with store.open(store.current_generation(Path(settings.index_dir))) as st:
            staff = {d.doc_id for d in st.documents("active") if d.origin == "staff"}

        # and nothing is left that no document refers to: an add killed between storing
        # its original and recording it left one, which `check` has just removed
        assert library.check(settings, repair=False).stray == [], round_no


# ---------------------------------------------------------------- a full disk (issue 19)


def _big_html(path: Path, size: int) -> Path:
    """An HTML page of `size` bytes, nearly all of it a comment: a large original that is
    quick to read (one paragraph of text)."""
    path.write_text("<html><body><!--" + "x" * size + "--><p>1. Cities coordinate the "
                    "reception of newly arrived migrants with national ministries.</p>"
                    "</body></html>", encoding="utf-8")
    return path


def _notes(folder: Path) -> Path:
    """12 text files, 1,428 passages: 430 KB of originals and about 1.7 MB of store and index."""
    rng = random.Random(3)
    words = ("migration development local authorities cities municipal reception services "
             "remittances diaspora governance integration planning national ministries "
             "coherence policy data labour mobility").split()
    folder.mkdir()
    for i in range(12):
        (folder / f"note{i:02d}.en.txt").write_text("\n\n".join(
            f"{n}. " + " ".join(rng.choice(words) for _ in range(30)) + "."
            for n in range(1, 120)), encoding="utf-8")
    return folder


class SmallDisk:
    """The data directory on a real small filesystem: a tmpfs of 2 MB when this user may mount
    one (root); else every write of the CLI's process limited to 256 KB a file
    (RLIMIT_FSIZE: the write fails with EFBIG, as on a full disk, but SQLite then reports an
    I/O error, not a full disk, so only the originals are tried that way)."""

    def __init__(self, root: Path):
        self.mount = root / "disk"
        self.mount.mkdir()
        self.tmpfs = os.geteuid() == 0 and subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(self.mount)],
            capture_output=True).returncode == 0
        self.limited = True

    def grow(self) -> None:
        if self.tmpfs:
            subprocess.run(["mount", "-o", "remount,size=32m", str(self.mount)], check=True)
        self.limited = False

    def close(self) -> None:
        if self.tmpfs:  # lazily: this process may still have the index's files mapped
            subprocess.run(["umount", "--lazy", str(self.mount)], check=True)

    def _limit(self) -> None:  # in the CLI's process, before it starts
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (256 * 1024, 256 * 1024))

    def run(self, *args: str) -> subprocess.CompletedProcess:
        limit = self._limit if self.limited and not self.tmpfs else None
        return subprocess.run([sys.executable, str(PROJECT / "index.py"), *args],
                              capture_output=True, text=True, timeout=300, preexec_fn=limit)


@pytest.fixture
def small_disk(tmp_path):
    disk = SmallDisk(tmp_path)
    try:
        yield disk
    finally:
        disk.close()


def _leftovers(data: Path) -> list[Path]:
    return [p for p in data.rglob(".tmp-*")]


def _state(data: Path) -> tuple[str, list[str], list[str]]:
    return ((data / "CURRENT").read_text(), sorted(p.name for p in data.glob("gen-*")),
            sorted(p.name for p in (data / "originals").rglob("*") if p.is_file()))


def test_a_full_disk_is_a_clear_message_and_leaves_nothing_behind(tmp_path, small_disk):
    """A build and an add on a disk that fills up: the message says what happened and what to
    do (no traceback), the live index stays as it was, and no original, temporary file or
    generation is left; with room again, the same commands succeed."""
    data = small_disk.mount / "data"
    base = tmp_path / "base"
    base.mkdir()
    (base / "base.en.txt").write_text("1. Remittances support households in countries of "
                                      "origin every month.\n", encoding="utf-8")
    first = small_disk.run("build", "--corpus", str(base), "--index", str(data), "--quiet")
    assert first.returncode == 0, first.stderr
    before = _state(data)
    settings = config.load(index_dir=str(data))

    big = tmp_path / "big"
    if small_disk.tmpfs:  # the store and the index outgrow the disk; the originals fit
        _notes(big)
        detail = "No space left on device"
    else:  # the first original outgrows the file-size limit
        big.mkdir()
        _big_html(big / "a-large.html", 400 * 1024)
        (big / "small.en.txt").write_text("1. Local authorities and diaspora groups plan "
                                          "reception services together.\n", encoding="utf-8")
        detail = "File too large"
    out = small_disk.run("build", "--corpus", str(big), "--index", str(data), "--quiet")
    assert out.returncode == 2 and "Traceback" not in out.stderr, out.stderr
    assert out.stderr.strip() == (
        f"error: the disk is full ({detail}): the new index could not be written and was "
        "removed; the previous one stays in use. Free space on the disk that holds the data "
        "directory, then build again")
    assert _state(data) == before and not _leftovers(data)
    assert SearchService(settings).search(SearchRequest(q="remittances households")).total

    large = _big_html(tmp_path / "large.html", 3 << 20)
    out = small_disk.run("add", str(large), "--index", str(data))
    assert out.returncode == 2 and "Traceback" not in out.stderr, out.stderr
    assert out.stderr.strip() == (
        f"error: the disk is full ({detail}): large.html could not be stored, and nothing of "
        "it was kept. Free space on the disk that holds the data directory, then add it again")
    assert _state(data) == before and not _leftovers(data)
    check = small_disk.run("check", "--index", str(data), "--no-repair")
    assert check.returncode == 0 and "no document refers to" not in check.stdout, check.stdout

    small_disk.grow()  # room again: the same commands succeed
    assert small_disk.run("build", "--corpus", str(big), "--index", str(data),
                          "--quiet").returncode == 0
    assert small_disk.run("add", str(large), "--index", str(data)).returncode == 0
    assert len(SearchService(settings).documents()) == len(list(big.iterdir())) + 1
