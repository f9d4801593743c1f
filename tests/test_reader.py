"""The process that reads files (indexer/ingest/reader.py), for real: its memory cap, its time
limit, a kill from outside and a crash each end in one refusal that says what happened and what to
do, and the files after it are read; results come back in order, typed."""

from __future__ import annotations

import os
import pickle
import signal
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

from indexer import diskfull
from indexer.errors import IngestRefused, ReaderStopped
from indexer.ingest import reader
from indexer.ingest.prepare import Prepared

GOOD = ("1. Local authorities coordinate the reception of newly arrived migrants with "
        "national ministries, so that services reach every resident.\n")


@pytest.fixture(scope="module")
def heavy(tmp_path_factory) -> Path:
    """A 21 MB HTML page of 400,000 paragraphs: several seconds and about 1 GB to read."""
    path = tmp_path_factory.mktemp("heavy") / "heavy.html"
    path.write_text("<html><body>" + "<p>Migration and development: a paragraph.</p>\n"
                    * 400_000 + "</body></html>", encoding="utf-8")
    return path


def good_file(folder: Path, name: str = "good.en.txt") -> Path:
    path = folder / name
    path.write_text(GOOD, encoding="utf-8")
    return path


def read(settings, *paths: Path, workers: int = 1) -> list:
    jobs = [reader.ReadJob(str(p), settings) for p in paths]
    return list(reader.read_files(jobs, settings, workers))


def test_past_the_memory_cap_a_file_is_refused_and_the_next_is_read(tmp_path, settings,
                                                                    heavy):
    capped = replace(settings, reader_memory_mb=300)
    first, second = read(capped, heavy, good_file(tmp_path))
    assert isinstance(first, ReaderStopped) and first.cause == "memory"
    assert first.file == "heavy.html"
    assert first.reason.startswith("reading the file needed more than the 300 MB of memory a "
                                   "file may use, and was stopped")
    assert isinstance(second, Prepared) and second.passages


def test_past_its_time_a_file_is_refused_and_the_next_is_read(tmp_path, settings, heavy):
    hurried = replace(settings, reader_seconds=1.0)
    start = time.monotonic()
    first, second = read(hurried, heavy, good_file(tmp_path))
    assert isinstance(first, ReaderStopped) and first.cause == "time"
    assert first.reason.startswith("reading the file took longer than 1 s and was stopped")
    assert isinstance(second, Prepared)
    assert time.monotonic() - start < 30  # stopped, not read to the end


def _reader_pids() -> list[int]:
    """The reader processes this process started."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == os.getpid() and b"indexer.ingest.reader" in cmdline:
            found.append(int(proc.name))
    return found


@pytest.mark.parametrize("sig, cause, words", [
    (signal.SIGKILL, "killed", "was stopped by the system (signal SIGKILL), which does this "
                               "when the server runs out of memory"),
    (signal.SIGSEGV, "crashed", "the reader crashed on this file (signal SIGSEGV)"),
])
def test_a_reader_killed_or_crashed_is_one_refusal(tmp_path, settings, heavy, sig, cause,
                                                   words):
    """As the system's out-of-memory killer (or a crash in a library's C code) would end it:
    the file it was reading is refused with what happened, and the next is read."""
    results: list = []
    done = threading.Event()

    def run() -> None:
        try:
            results.extend(read(settings, heavy, good_file(tmp_path)))
        finally:
            done.set()

    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.monotonic() + 30
    while not (pids := _reader_pids()):
        assert time.monotonic() < deadline and not done.is_set()
        time.sleep(0.05)
    time.sleep(1.0)  # well into the 21 MB page
    assert not done.is_set()
    os.kill(pids[0], sig)
    thread.join(timeout=60)
    first, second = results
    assert isinstance(first, ReaderStopped) and first.cause == cause
    assert words in first.reason, first.reason
    assert isinstance(second, Prepared)
    assert not _reader_pids()  # every worker ended


def test_results_come_in_order_from_several_workers(tmp_path, settings):
    paths = [good_file(tmp_path, f"n{i:02d}.en.txt") for i in range(9)]
    (tmp_path / "n04.en.txt").write_bytes(b"")
    (tmp_path / "n07.en.txt").write_bytes(b"\x00\x01" * 200)
    results = read(settings, *paths, workers=3)
    assert [r.document.file if isinstance(r, Prepared) else r.file for r in results] == [
        p.name for p in paths]
    refused = [i for i, r in enumerate(results) if isinstance(r, IngestRefused)]
    assert refused == [4, 7]
    assert not _reader_pids()


def test_only_the_classes_of_a_result_cross_the_process_boundary():
    """The parent unpickles a reader's answer knowing only what a result is made of: a
    library's error (lxml's error log is not even picklable) or any other object is refused."""
    from indexer.models import DocMeta

    ok = pickle.dumps(("result", IngestRefused("the file is empty", "a.txt"), False))
    assert reader._loads(ok)[1].reason == "the file is empty"
    assert reader._loads(pickle.dumps(DocMeta(title="t"))).title == "t"
    for other in (ValueError("x"), os.system, Path("/etc/passwd")):
        with pytest.raises(pickle.UnpicklingError, match="may not hold"):
            reader._loads(pickle.dumps(("result", other, False)))


def test_new_messages_are_in_french_and_spanish(tmp_path, settings):
    """The reasons and errors issue 19 added, as the code writes them, in the UI's language."""
    import errno as errnos

    from badfiles import deep_html, zip_bomb_docx
    from flask_babel import force_locale

    from indexer.ingest.parsers import parse_file
    from indexer.ingest.parsers.limits import ParseLimits
    from indexer.library import jobs
    from search_app import create_app
    from search_app.messages import translate

    job = reader.ReadJob(str(tmp_path / "a.pdf"), settings)
    messages = [reader.memory_refusal(job).reason, reader.time_refusal(job).reason,
                reader._stopped_refusal(job, -signal.SIGKILL).reason,
                reader._stopped_refusal(job, -signal.SIGSEGV).reason,
                reader._stopped_refusal(job, 1).reason,
                reader.unexpected_refusal(job, KeyError("x")).reason,
                jobs._child_failure(-signal.SIGKILL), jobs._child_failure(-signal.SIGBUS),
                jobs._child_failure(1)]
    full = OSError(errnos.ENOSPC, "No space left on device")
    messages += [str(diskfull.disk_full(full, diskfull.DISK_FULL_BUILD)),
                 str(diskfull.disk_full(full, diskfull.DISK_FULL_FILE, file="a.pdf")),
                 str(diskfull.disk_full(full, diskfull.DISK_FULL_PENDING, file="a.pdf"))]
    bomb = zip_bomb_docx(tmp_path / "bomb.docx", 20 << 20)
    for limits in (ParseLimits.of(settings), ParseLimits.of(replace(settings, zip_max_ratio=10**4,
                                                                      zip_max_unpacked_mb=16)),
                   ParseLimits.of(replace(settings, zip_max_part_mb=8))):
        with pytest.raises(IngestRefused) as refused:
            parse_file(bomb, limits=limits)
        messages.append(refused.value.reason)
    with pytest.raises(IngestRefused) as refused:
        parse_file(deep_html(tmp_path / "deep.html", 1000))
    messages.append(refused.value.reason)
    rejected = tmp_path / "rejected.html"
    rejected.write_text("<html><body><p>Text</p><![CD-- x ]]></body></html>", encoding="utf-8")
    with pytest.raises(IngestRefused) as refused:
        parse_file(rejected)
    messages.append(refused.value.reason)
    messages.append(reader.time_refusal(reader.ReadJob("a.pdf", replace(
        settings, reader_seconds=0.5))).reason)
    assert len(set(messages)) == len(messages) == 18
    app = create_app({"INDEX_DIR": settings.index_dir, "TESTING": True})
    for lang in ("fr", "es"):
        with app.test_request_context(), force_locale(lang):
            for message in messages:
                assert translate(message) != message, (lang, message)
