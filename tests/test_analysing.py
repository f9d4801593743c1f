"""A big build's stored analyses are made by worker processes (indexer/engines/analysing.py):
the same analyses as made in-process, for every passage of the shared corpus, in order; a
failing worker fails the build loudly; and no worker outlives a build killed with -9."""

from __future__ import annotations

import operator
import signal
import subprocess
import sys
import textwrap
import time
from functools import partial
from pathlib import Path

import orjson
import pytest
import tantivy
from processes import children

from indexer import config, engines, library
from indexer.engines import analysed, analysing, tantivy_engine
from indexer.engines.records import passage_record
from indexer.storage import store

PROJECT = Path(__file__).resolve().parents[1]


def _records(settings) -> list[tuple[str, list[dict]]]:
    gen = store.current_generation(Path(settings.index_dir))
    with store.open(gen) as st:
        return [(d.doc_id, [passage_record(d, p) for p in st.passages(d.doc_id)])
                for d in st.documents(None)]


# the stored analysis made a whole text at a time: what the engine's piecewise one must equal
TEXT_AT_A_TIME = partial(analysed.encode, analyze=tantivy_engine.analyze)


def test_workers_make_the_same_analyses_in_the_same_order(shared_corpus_index):
    """Every passage of ../shared/corpus (all its languages): the engine's analysis, piece by
    piece through two workers, against the in-process analysis of each whole text."""
    batches = _records(shared_corpus_index)
    assert sum(len(r) for _, r in batches) > 1000
    inline = list(analysing.in_order(batches, TEXT_AT_A_TIME, procs=1))
    by_workers = list(analysing.in_order(batches, tantivy_engine.ENCODE, procs=2))
    assert [d for d, _, _ in by_workers] == [d for d, _ in batches]
    assert [a for _, _, a in by_workers] == [a for _, _, a in inline]
    assert {r["lang"] for _, records in batches for r in records} >= {"en", "fr", "es"}


def _stored_analyses(gen: Path) -> dict[str, str]:
    """passage id -> the analysis the tantivy index stores for it."""
    handle = tantivy_engine.open_index(gen)
    out = {}
    for ix in handle.subs.values():
        searcher = ix.searcher()
        found = searcher.search(tantivy.Query.all_query(), max(1, searcher.num_docs))
        for _score, address in found.hits:
            doc = searcher.doc(address)
            record = orjson.loads(doc.get_first("payload"))
            out[record["passage_id"]] = doc.get_first("analysis").decode("utf-8")
    return out


def test_a_build_with_analysis_workers_stores_each_passages_own_analysis(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i in range(24):
        lang = ("en", "fr", "es")[i % 3]
        words = {"en": "local authorities and migrants in cities",
                 "fr": "les autorités locales et les migrants dans les villes",
                 "es": "las autoridades locales y los migrantes en las ciudades"}[lang]
        (corpus / f"note{i:02d}.{lang}.txt").write_text("\n\n".join(
            f"{n}. {words} ({i}, {n})." for n in range(1, 30)), encoding="utf-8")
    settings = config.load(index_dir=str(tmp_path / "data"), engine="tantivy")
    report = library.build(corpus, settings, workers=1, index_procs=2)
    assert len(report.of("indexed")) == 24
    gen = store.current_generation(Path(settings.index_dir))
    stored = _stored_analyses(gen)
    expected = {r["passage_id"]: TEXT_AT_A_TIME(r)
                for _, records in _records(settings) for r in records}
    assert len(expected) == 24 * 29 and stored == expected
    assert library.check(settings, repair=False).missing == []
    assert engines.open_index(gen).indexed_doc_ids()


def test_a_failing_worker_fails_loudly():
    """An analysis that raises in a worker is raised here, with the worker's traceback."""
    batches = [("a", [{"content": "migrants", "lang": "en", "title": ""}])]
    with pytest.raises(analysing.AnalysisWorkerFailed, match="TypeError"):
        list(analysing.in_order(batches, operator.truediv, procs=2))  # (takes two numbers)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_no_worker_outlives_a_killed_build(tmp_path):
    script = tmp_path / "endless.py"
    script.write_text(textwrap.dedent("""
        import itertools
        from indexer.engines import analysing, tantivy_engine
        record = {"content": "local authorities and migrants", "lang": "en", "title": ""}
        batches = ((n, [record] * 50) for n in itertools.count())
        for _ in analysing.in_order(batches, tantivy_engine.ENCODE, procs=2):
            pass
    """), encoding="utf-8")
    proc = subprocess.Popen([sys.executable, str(script)], cwd=PROJECT)
    deadline = time.monotonic() + 60
    while len(workers := children(proc.pid)) < 2:
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.1)
    time.sleep(1.0)  # at work
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{w}").exists() and _state(w) != "Z" for w in workers):
        assert time.monotonic() < deadline, "an analysis worker outlived the killed build"
        time.sleep(0.1)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "Z"


def test_an_add_in_this_process_keeps_no_pieces(tmp_path):
    """An add (a staff upload is one, in a server process) analyses in this process and then
    drops the remembered pieces (about 600 bytes each: they would stay in the server)."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.en.txt").write_text("1. Local authorities and migrants in cities.\n",
                                     encoding="utf-8")
    settings = config.load(index_dir=str(tmp_path / "data"), engine="tantivy")
    library.build(corpus, settings, workers=1)
    new = tmp_path / "b.en.txt"
    new.write_text("1. Diaspora engagement in the development planning of municipalities.\n",
                   encoding="utf-8")
    assert len(library.add([new], settings).of("indexed")) == 1
    assert analysed._BY_PIECES == {}
