"""What matching saved searches adds to indexing a document (issue 24: 500 saved searches
against a 35-page document, target <= 1 s).

For each engine: ../shared/corpus without the GCM is built twice; one copy gets 500 saved
searches (tests/alert_queries.py: dev queries, thesaurus terms as words and "phrases", AND,
NOT, wildcards, fuzzy words, filters; fixed seed), the other none. The GCM text (35 pages,
~330 passages, made unique) is then added to each through `library.add`, three times
over fresh copies; the figure is the matching's own time (collect.catch_up, wall and CPU,
by stage) and the difference between the two adds. Prints PASS/MISS; asserts nothing.

    python bench/bench_alerts.py [--searches 500] [--engines tantivy,whoosh] [--runs 3]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for extra in (ROOT, ROOT / "tests"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

from alert_queries import saved_queries  # noqa: E402

from indexer import config, library  # noqa: E402
from indexer.alerts import collect, searches  # noqa: E402
from indexer.alerts.store import open_store  # noqa: E402

TARGET_S = 1.0
GCM = "gcm-final-draftres-A73L66.en.txt"


def _timed_catch_up():
    """collect.catch_up, keeping each call's outcome, wall and CPU seconds."""
    calls = []
    original = collect.catch_up

    def timed(settings):
        wall, cpu = time.perf_counter(), time.process_time()
        outcome = original(settings)
        calls.append((outcome, time.perf_counter() - wall, time.process_time() - cpu))
        return outcome
    return timed, calls, original


def bench_engine(engine: str, shared: Path, n: int, runs: int, tmp: Path) -> dict:
    corpus = tmp / "corpus"
    if not corpus.exists():
        corpus.mkdir()
        for f in (shared / "corpus").iterdir():
            if f.name != GCM:
                (corpus / f.name).symlink_to(f)
    queries = saved_queries(n, shared / "dev-queries" / "queries.jsonl")
    base = {}
    for kind in ("with", "without"):
        settings = config.load(index_dir=str(tmp / f"{engine}-{kind}" / "data"), engine=engine)
        library.build(corpus, settings, workers=2)
        if kind == "with":
            alerts = open_store(settings)
            try:
                saved = 0
                for q in queries:
                    searches.save(alerts, settings, searches.request_from({"q": q}))
                    saved += 1
            finally:
                alerts.close()
        base[kind] = Path(settings.index_dir)
    src = shared / "corpus" / GCM
    adds = {"with": [], "without": []}
    matching = []
    timed, calls, original = _timed_catch_up()
    collect.catch_up = timed
    try:
        for run in range(runs):
            new = tmp / f"gcm-{engine}-{run}.txt"
            new.write_bytes(src.read_bytes() + f"\n\nAdded by the benchmark, run {run}.\n"
                            .encode())
            for kind in ("with", "without"):
                data = tmp / f"{engine}-{kind}-run{run}"
                shutil.copytree(base[kind], data)
                settings = config.load(index_dir=str(data), engine=engine)
                calls.clear()
                t = time.perf_counter()
                report = library.add([new], settings)
                adds[kind].append(time.perf_counter() - t)
                if kind == "with":
                    matching.append(calls[-1])
                shutil.rmtree(data)
    finally:
        collect.catch_up = original
    outcome, _w, _c = matching[-1]
    walls = [m[1] for m in matching]
    cpus = [m[2] for m in matching]
    result = {"engine": engine, "searches": saved, "passages": report.passages,
              "items": outcome.items, "match_wall": statistics.median(walls),
              "match_cpu": statistics.median(cpus),
              "add_with": statistics.median(adds["with"]),
              "add_without": statistics.median(adds["without"]),
              "stages": outcome.seconds}
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--searches", type=int, default=500)
    ap.add_argument("--engines", default="tantivy,whoosh")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args(argv)
    if not (args.shared / "corpus" / GCM).exists():
        print(f"alerts benchmark skipped: {args.shared / 'corpus'} not available")
        return 0
    print(f"== Alerts: {args.searches} saved searches matched against a 35-page document "
          f"(target <= {TARGET_S:g} s), median of {args.runs}")
    tmp = Path(tempfile.mkdtemp(prefix="bench-alerts-"))
    try:
        for engine in args.engines.split(","):
            r = bench_engine(engine, args.shared, args.searches, args.runs, tmp)
            verdict = "PASS" if r["match_wall"] <= TARGET_S else "MISS"
            print(f"   {engine}: {r['searches']} searches, {r['passages']} passages -> "
                  f"{r['items']} items")
            print(f"      matching {r['match_wall']:.2f} s wall ({r['match_cpu']:.2f} s CPU)"
                  f"  {verdict}; add {r['add_with']:.2f} s with, {r['add_without']:.2f} s "
                  f"without saved searches (+{r['add_with'] - r['add_without']:.2f} s)")
            print("      by stage (last run): " + ", ".join(
                f"{k} {v:.2f}" for k, v in r["stages"].items()))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
