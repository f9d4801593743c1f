"""kill -9 the writing process at random points during `build` and `add`, 20 times: the
index always opens, everything committed before stays searchable, the store and the index
agree (after the recovery every write does first), and the interrupted document is either
fully in or fully out."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

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
    st = store.Store(gen)
    try:
        in_store = {d.doc_id: d.passages for d in st.documents("active")}
        in_store.update({d.doc_id: d.passages for d in st.documents("pending")})
    finally:
        st.close()
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
        st = store.Store(gen)
        try:
            active = {d.doc_id: d.passages for d in st.documents("active")}
            pending = {d.doc_id: d.passages for d in st.documents("pending")}
        finally:
            st.close()
        in_index = engines.open_index(gen).indexed_doc_ids()
        assert all(in_index.get(d) == n for d, n in active.items()), round_no
        assert all(in_index.get(d, 0) in (0, n) for d, n in pending.items()), round_no
        assert set(in_index) <= set(active) | set(pending), round_no

        # The next writer (here `check`) finishes what the kill interrupted.
        library.check(settings, repair=True)
        in_store, in_index = index_state(settings)
        assert in_store == in_index, round_no
        committed = set(in_store)
        st = store.Store(store.current_generation(Path(settings.index_dir)))
        try:
            staff = {d.doc_id for d in st.documents("active") if d.origin == "staff"}
        finally:
            st.close()
