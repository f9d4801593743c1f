"""What cross-references cost (issue 23): the same UNGA-scale build with and without them, and
the read side (a passage's references, who cites a text, the coherence map).

    python bench/bench_references.py [--shared DIR] [--files N] [--rounds R] [--engine E]

1. Builds ../shared/unga/texts + ../shared/corpus through `library.build` with the
   `references` setting on (extraction in the readers, the store's `refs` table, the index's
   `cites` field) and off, alternately, R rounds each (default 1): wall time and CPU (this
   process: store and index; the readers: parsing, and extraction when on). The goal: at most
   10 % more. The machine may be shared: CPU time is the steadier figure, and the rounds
   alternate so that a change of load touches both. Then the same work by itself: finding
   every passage's references again from the stored text, and writing them into a fresh
   table, in this process (CPU time), as a share of the build without.
2. What the build found: references, distinct cited symbols, documents citing, store size.
3. Reads over the built index: `Resolver.cites` + `cited_by` of 200 passages with references
   (seed 23), `who_cites` of the most cited symbol, the coherence map GCM x 2030 Agenda
   (first time, with its suggestions; then from the cache).

A benchmark, not a test: it prints figures and exits 0; it skips when ../shared is absent.
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from indexer import config, library  # noqa: E402
from indexer.ingest.references import find_references  # noqa: E402
from indexer.search.coherence import coherence_map  # noqa: E402
from indexer.search.service import SearchService  # noqa: E402
from indexer.storage import refs as stored  # noqa: E402
from indexer.storage import store  # noqa: E402
from indexer.symbols import adopted_as  # noqa: E402

GOAL_SHARE = 0.10  # extraction may add at most this much to a build
REFS_TABLE = ("CREATE TABLE refs (passage_id TEXT, doc_id TEXT, n INTEGER, start_at INTEGER, "
              "end_at INTEGER, text TEXT, symbol TEXT, pinpoint TEXT, verb TEXT, "
              "verb_text TEXT, kind TEXT, PRIMARY KEY (passage_id, n));\n"
              "CREATE INDEX refs_symbol ON refs(symbol, pinpoint);\n"
              "CREATE INDEX refs_doc ON refs(doc_id);")


def cpu(who: int) -> float:
    ru = resource.getrusage(who)
    return ru.ru_utime + ru.ru_stime


def make_corpus(tmp: Path, shared: Path, files: int | None) -> Path:
    root = tmp / "corpus"
    (root / "unga").mkdir(parents=True)
    names = sorted(p.name for p in (shared / "unga" / "texts").iterdir())
    for name in names[:files] if files else names:
        (root / "unga" / name).symlink_to(shared / "unga" / "texts" / name)
    (root / "corpus").symlink_to(shared / "corpus")
    return root


def build(corpus: Path, data: Path, engine: str, references: int) -> dict:
    shutil.rmtree(data, ignore_errors=True)
    settings = config.load(index_dir=str(data), engine=engine, references=references,
                           result_cache=0, corpus_dir=str(ROOT / "corpus"))
    self0, child0 = cpu(resource.RUSAGE_SELF), cpu(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    report = library.build(corpus, settings)
    wall = time.perf_counter() - t0
    gen = store.current_generation(data)
    return {"wall": wall, "main": cpu(resource.RUSAGE_SELF) - self0,
            "readers": cpu(resource.RUSAGE_CHILDREN) - child0, "passages": report.passages,
            "store": (gen / "store.sqlite3").stat().st_size if gen else 0,
            "settings": settings}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--files", type=int, default=None, help="only the first N UNGA files")
    ap.add_argument("--rounds", type=int, default=1, help="builds with and without, each")
    ap.add_argument("--engine", default="tantivy")
    args = ap.parse_args(argv)
    shared = args.shared.resolve()
    if not (shared / "unga" / "texts").is_dir() or not (shared / "corpus").is_dir():
        print(f"shared data not found under {shared}: benchmark skipped")
        return 0
    tmp = Path(tempfile.mkdtemp(prefix="bench-references-"))
    try:
        corpus = make_corpus(tmp, shared, args.files)
        print(f"== 1. Build with and without cross-references ({args.engine}, "
              f"{args.rounds} round(s) each, alternating)")
        runs: dict[int, list[dict]] = {0: [], 1: []}
        for k in range(args.rounds):
            for refs in ((0, 1) if k % 2 == 0 else (1, 0)):
                r = build(corpus, tmp / f"data-{refs}", args.engine, refs)
                runs[refs].append(r)
                print(f"   references {'on ' if refs else 'off'}: wall {r['wall']:6.1f} s, CPU "
                      f"main {r['main']:6.1f} s + readers {r['readers']:6.1f} s, "
                      f"{r['passages']:,} passages, store {r['store'] / 1e6:,.1f} MB")

        def mean(refs: int, key: str) -> float:
            return sum(r[key] for r in runs[refs]) / len(runs[refs])

        for label, keys in (("wall", ("wall",)), ("CPU", ("main", "readers"))):
            off = sum(mean(0, k) for k in keys)
            on = sum(mean(1, k) for k in keys)
            share = (on - off) / off if off else 0.0
            print(f"   {label}: {off:.1f} s without, {on:.1f} s with: {share:+.1%} "
                  f"(goal <= +{GOAL_SHARE:.0%}: {'PASS' if share <= GOAL_SHARE else 'MISS'})")

        settings = runs[1][-1]["settings"]
        service = SearchService(settings)
        with service.store() as st:
            # The same work measured by itself, in this process (a shared machine's load
            # moves whole builds by more than the difference): finding every passage's
            # references again from the stored text, and writing them into a fresh table.
            extract_s, rows = 0.0, []
            for doc in st.documents():
                passages = st.passages(doc.doc_id)
                t0 = time.process_time()
                find_references(passages, doc.meta.lang,
                                [doc.meta.symbol, *adopted_as(doc.meta.title)])
                extract_s += time.process_time() - t0
                rows += [(p.passage_id, p.doc_id, n, r.start, r.end, r.text, r.symbol,
                          r.pinpoint, r.verb, r.verb_text, r.kind)
                         for p in passages for n, r in enumerate(p.references)]
            scratch = sqlite3.connect(tmp / "refs-only.sqlite3")
            scratch.executescript(REFS_TABLE)
            t0 = time.process_time()
            with scratch:
                scratch.executemany("INSERT INTO refs VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
            store_s = time.process_time() - t0
            scratch.close()
            off_cpu = min(r["main"] + r["readers"] for r in runs[0])
            print(f"   the work itself: extraction {extract_s:.1f} s CPU, storing "
                  f"{len(rows):,} rows {store_s:.1f} s: {(extract_s + store_s) / off_cpu:+.1%}"
                  f" of the fastest build without ({off_cpu:.1f} s CPU); the index's `cites` "
                  "adds one keyword per cited symbol")
            found, symbols = stored.totals(st)
            citing = st.db.execute("SELECT COUNT(DISTINCT r.doc_id) FROM refs r JOIN documents "
                                   "d USING(doc_id) WHERE d.status='active'").fetchone()[0]
            top = st.db.execute("SELECT symbol, COUNT(*) n FROM refs WHERE symbol != '' "
                                "GROUP BY symbol ORDER BY n DESC LIMIT 5").fetchall()
            print("\n== 2. What the build found")
            print(f"   {found:,} references to {symbols:,} distinct symbols, in {citing:,} of "
                  f"{st.counts()[0]:,} documents; most cited: "
                  + ", ".join(f"{r['symbol']} ({r['n']:,})" for r in top))
            print(f"   store: {runs[1][-1]['store'] / 1e6:,.1f} MB with, "
                  f"{runs[0][-1]['store'] / 1e6:,.1f} MB without")

            print("\n== 3. Reads")
            rows = st.db.execute("SELECT DISTINCT passage_id FROM refs").fetchall()
            sample = random.Random(23).sample([r[0] for r in rows], min(200, len(rows)))
            resolver = service.resolver(st)
            t0 = time.perf_counter()
            for pid in sample:
                p = st.get_passage(pid)
                d = st.get_document(p.doc_id)
                resolver.cites(p, d, ["en"])
                resolver.cited_by(p, d, ["en"])
            per = (time.perf_counter() - t0) / max(1, len(sample)) * 1000
            print(f"   a passage's cites + cited_by: {per:.1f} ms on average "
                  f"({len(sample)} passages)")
            if top:
                t0 = time.perf_counter()
                _targets, _items, total, by_doc = resolver.who_cites(top[0]["symbol"])
                print(f"   who cites {top[0]['symbol']}: {total:,} references in "
                      f"{len(by_doc):,} documents, {(time.perf_counter() - t0) * 1000:.0f} ms")
        for label in ("first", "cached"):
            t0 = time.perf_counter()
            m = coherence_map(service, "A/RES/73/195", "A/RES/70/1", ["en"])
            print(f"   map GCM x 2030 Agenda ({label}): {len(m.cells)} cells, "
                  f"{time.perf_counter() - t0:.2f} s")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
