"""Build and query benchmark over the shared UN texts, with a tantivy baseline.

    python bench/bench_build_query.py [--shared DIR] [--files N] [--out DIR]

1. Builds ../shared/unga/texts + ../shared/corpus through the real pipeline (`library.build`),
   from a temp folder of symlinks (nothing is copied): files, passages, refusals, wall time,
   passages/s, index size, peak memory, and where the time went (main process vs workers).
2. Query latency over the dev queries through `SearchService.search` (after a warm-up pass,
   repeated until at least 200 timed runs): p50/p95/max, then the top 10 of each query.
3. Baseline: the same passages (read back from the built store) indexed in tantivy, timed the
   same way, with Whoosh/tantivy ratios.
4. Targets: full build <= 60 s, p95 <= 50 ms, each marked PASS or MISS (nothing is asserted).

It is a benchmark, not a test: it exits 0 whatever the figures, and skips (exit 0) when the
shared data is absent.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import resource
import shutil
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from indexer import config, engines, library
from indexer.errors import QueryError
from indexer.ingest import parsers
from indexer.search.service import SearchRequest, SearchService
from indexer.storage import store
from search_app import create_app

BUILD_TARGET_S = 60.0
P95_TARGET_MS = 50.0
P50_TARGET_MS = 15.0
ADD_TARGET_S = 3.0
# Beyond the dev queries: every query form the service takes (boolean/NOT, wildcard, fuzzy,
# filters, long OR queries, other languages), so that at least 50 queries are timed.
EXTRA_QUERIES = [
    "migration NOT refugees", "migrants AND remittances", "refugees OR asylum",
    "local authorities NOT security", "(diaspora OR remittances) AND development",
    "+migrants -refugees", '"human rights of migrants"', '"sustainable development goals"',
    '"policy coherence"', '"whole-of-government approach"', "migra*", "remit*", "develop*",
    "coheren*", "refugee~", "remitances~", "migrnts~", "autorites locales",
    "developpement", "human rights of migrants", "sustainable development goals",
    "migration lang:fr", "remittances year:2015-2020", "local authorities series:GCM",
    "development lang:es", "refugees series:UNGA year:2019",
    "migration OR mobility OR displacement OR refugees OR asylum OR diaspora OR remittances "
    "OR trafficking OR smuggling OR return OR readmission OR integration",
    "climate change OR disasters OR environmental degradation OR displacement",
    "women OR children OR youth OR older persons OR persons with disabilities",
    "autoridades locales", "coherencia de políticas", "transferencias de remesas",
    "intégration des migrants", "droits de l'homme", "traite des personnes",
    "mainstreaming migration into development planning", "whole-of-government",
    "COVID-19 impact on remittances", "labour mobility and decent work",
    "safe orderly and regular migration", "internally displaced persons",
    "return and readmission", "data for evidence-based policies",
]
MIN_TIMED_RUNS = 200
TOP_K = 10


# ------------------------------------------------------------------ helpers

def _mb(n_bytes: float) -> str:
    return f"{n_bytes / 1e6:,.1f} MB"


def dir_size(path: Path) -> int:
    """Bytes allocated on disk under `path` (files only; symlinks not followed)."""
    total = 0
    for dirpath, _dirs, files in os.walk(path):
        for name in files:
            try:
                st = os.lstat(os.path.join(dirpath, name))
            except OSError:
                continue
            total += st.st_blocks * 512
    return total


def maxrss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # KiB on Linux


def cpu_s(who: int) -> float:
    ru = resource.getrusage(who)
    return ru.ru_utime + ru.ru_stime


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile."""
    xs = sorted(values)
    if not xs:
        return float("nan")
    k = max(0, min(len(xs) - 1, int(round(pct / 100 * len(xs) + 0.5)) - 1))
    return xs[k]


def verdict(value: float, target: float) -> str:
    return "PASS" if value <= target else "MISS"


def short(text: str, width: int) -> str:
    return textwrap.shorten(" ".join(text.split()), width=width, placeholder=" …") or "-"


def plain_snippet(snippet_html: str) -> str:
    return html.unescape(re.sub(r"</?mark>", "*", snippet_html))


def load_queries(path: Path) -> list[str]:
    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if line:
                q = json.loads(line).get("q", "")
                if q:
                    out.append(q)
    return out


# ------------------------------------------------------------------ corpus folder

def _link_files(src: Path, dest: Path, limit: int | None = None) -> int:
    dest.mkdir()
    files = sorted(p for p in src.iterdir() if p.is_file())
    if limit is not None:
        files = files[:limit]
    for f in files:
        (dest / f.name).symlink_to(f)
    return len(files)


def make_corpus(tmp: Path, unga: Path, corpus: Path, files: int | None) -> tuple[Path, str]:
    """A folder holding `unga` and `corpus` as symlinks (whole folders, or one link per file
    when --files limits the count or when the pipeline does not follow symlinked folders)."""
    root = tmp / "corpus-links"
    root.mkdir()
    if files is None:
        (root / "unga").symlink_to(unga, target_is_directory=True)
        (root / "corpus").symlink_to(corpus, target_is_directory=True)
        if library.corpus_files(root):
            return root, "folder symlinks"
        # Path.rglob (Python < 3.13) does not descend into symlinked folders.
        (root / "unga").unlink()
        (root / "corpus").unlink()
        note = ("per-file symlinks (NOTE: library.corpus_files found nothing through folder "
                "symlinks: Path.rglob does not follow them on this Python)")
    else:
        note = f"per-file symlinks (first {files} unga files)"
    _link_files(unga, root / "unga", files)
    _link_files(corpus, root / "corpus")
    return root, note


# ------------------------------------------------------------------ 1. build

def bench_build(corpus_root: Path, settings, unga_total: int, files_limit: int | None,
                full_bytes: int) -> dict:
    data_dir = Path(settings.index_dir)
    inputs = library.corpus_files(corpus_root)
    n_inputs = len(inputs)
    used_bytes = sum(p.stat().st_size for p in inputs)
    stamps: list[float] = []

    def progress(_outcome) -> None:
        stamps.append(time.perf_counter())

    print("== 1. Build (library.build)")
    print(f"   input: {n_inputs} candidate files, {_mb(used_bytes)}, under {corpus_root}")
    workers = max(1, min(4, (os.cpu_count() or 1)))  # build()'s own default
    print(f"   workers: {workers} (cpu_count={os.cpu_count()})")
    cpu_self0, cpu_child0 = cpu_s(resource.RUSAGE_SELF), cpu_s(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    report = library.build(corpus_root, settings, progress=progress)
    wall = time.perf_counter() - t0
    cpu_self = cpu_s(resource.RUSAGE_SELF) - cpu_self0
    cpu_child = cpu_s(resource.RUSAGE_CHILDREN) - cpu_child0

    gen = store.current_generation(data_dir)
    indexed, dup, refused = report.of("indexed"), report.of("duplicate"), report.of("refused")
    print(f"   files: {len(report.outcomes)}  (indexed {len(indexed)}, duplicate {len(dup)}, "
          f"refused {len(refused)})")
    for o in refused[:10]:
        print(f"     refused: {o.file}: {o.reason}")
    if len(refused) > 10:
        print(f"     … and {len(refused) - 10} more refusals")
    n_warn = sum(1 for o in report.outcomes if o.warnings)
    print(f"   files with parser warnings: {n_warn}")
    print(f"   passages: {report.passages:,}")
    print(f"   build wall time: {wall:.1f} s   ({report.passages / wall:,.0f} passages/s, "
          f"{len(report.outcomes) / wall:,.1f} files/s)")
    if stamps:
        first, last = stamps[0] - t0, stamps[-1] - t0
        print(f"   phases: first file recorded at {first:.1f} s, last at {last:.1f} s; "
              f"after the last file (index commit/merge, publish): {wall - last:.1f} s")
    print(f"   CPU: main process {cpu_self:.1f} s (parse results -> SQLite + Whoosh analysis/"
          f"writing), worker processes {cpu_child:.1f} s (parse, split, language)")
    index_bytes = dir_size(engines.get(settings.engine).index_dir(gen)) if gen else 0
    print(f"   index size: {settings.engine} {_mb(index_bytes)}, store.sqlite3 "
          f"{_mb(dir_size(gen) - index_bytes) if gen else '-'}, whole data dir "
          f"{_mb(dir_size(data_dir))} (incl. originals)")
    print(f"   peak RSS: main process {maxrss_mb(resource.RUSAGE_SELF):,.0f} MB, largest worker "
          f"{maxrss_mb(resource.RUSAGE_CHILDREN):,.0f} MB (ru_maxrss; children = the largest "
          "single reaped child, not a sum)")
    if files_limit is None:
        print(f"   target: full build <= {BUILD_TARGET_S:.0f} s -> {wall:.1f} s "
              f"{verdict(wall, BUILD_TARGET_S)}")
    else:
        est = wall * full_bytes / max(1, used_bytes)
        print(f"   target: full build <= {BUILD_TARGET_S:.0f} s -> not measured (partial build of "
              f"{files_limit} unga files; estimate for all {unga_total}, linear in input bytes: "
              f"~{est:.0f} s {verdict(est, BUILD_TARGET_S)})")
    return {"wall": wall, "passages": report.passages, "gen": gen}


# ------------------------------------------------------------------ 2. queries (Whoosh)

def time_runs(queries: list[str], run, budget_s: float = float("inf")) -> list[float]:
    """Warm-up pass, then whole passes over the queries until MIN_TIMED_RUNS (or, after at
    least one pass, until budget_s seconds of timing); ms per run."""
    for q in queries:
        run(q)
    times: list[float] = []
    deadline = time.perf_counter() + budget_s
    while len(times) < MIN_TIMED_RUNS:
        if times and time.perf_counter() > deadline:
            print(f"   NOTE: timing stopped after {len(times)} runs (over the {budget_s:.0f} s "
                  "--query-budget)")
            break
        for q in queries:
            t = time.perf_counter()
            run(q)
            times.append((time.perf_counter() - t) * 1000)
    return times


def bench_queries(settings, queries: list[str], budget_s: float, verbose: bool = True) -> dict:
    print(f"\n== 2. Query latency, {settings.engine} (SearchService.search, per_page=10, "
          "expansion, fusion, facets, snippets; result cache off)")
    service = SearchService(settings)
    usable = []
    first: list[float] = []  # each query's first run: the process's caches still cold for it
    for q in queries:
        try:
            t = time.perf_counter()
            service.search(SearchRequest(q=q, per_page=TOP_K))
            first.append((time.perf_counter() - t) * 1000)
            usable.append(q)
        except QueryError as exc:
            print(f"   query refused, left out of timing: {q!r}: {exc}")
        except Exception as exc:  # a benchmark reports failures, it does not stop on them
            print(f"   QUERY FAILS, left out of timing: {q!r}: {type(exc).__module__}."
                  f"{type(exc).__name__}: {exc}")

    def run(q: str) -> None:
        service.search(SearchRequest(q=q, per_page=TOP_K))

    times = time_runs(usable, run, budget_s)
    p50, p95, worst = percentile(times, 50), percentile(times, 95), max(times)
    print(f"   first run of each query (the reader's and ranking's caches cold for it, in a "
          f"fresh process): p50 {percentile(first, 50):.1f} ms, p95 {percentile(first, 95):.1f}"
          f" ms")
    print(f"   {len(usable)} queries, {len(times)} timed runs (repeats: the result cache is off, "
          f"the caches of analysed passages warm): p50 {p50:.1f} ms, p95 {p95:.1f} ms, "
          f"max {worst:.1f} ms")
    per_query = {}
    for i, q in enumerate(usable):
        mine = times[i::len(usable)]
        per_query[q] = percentile(mine, 50)
    slow = sorted(per_query.items(), key=lambda kv: -kv[1])[:3]
    print("   slowest queries (p50): " + "; ".join(f"{q!r} {ms:.1f} ms" for q, ms in slow))
    print(f"   target: p50 <= {P50_TARGET_MS:.0f} ms -> {p50:.1f} ms "
          f"{verdict(p50, P50_TARGET_MS)}; p95 <= {P95_TARGET_MS:.0f} ms -> {p95:.1f} ms "
          f"{verdict(p95, P95_TARGET_MS)}")

    # /api/search through the Flask app (JSON of the same pipeline)
    client = create_app({"TESTING": True, "SETTINGS": settings}).test_client()

    def api(q: str) -> None:
        resp = client.get("/api/search", query_string={"q": q})
        assert resp.status_code == 200, (q, resp.status_code)

    api_times = time_runs(usable, api, budget_s / 2)
    a50, a95 = percentile(api_times, 50), percentile(api_times, 95)
    print(f"   /api/search (Flask test client), {len(api_times)} runs: p50 {a50:.1f} ms, "
          f"p95 {a95:.1f} ms  {verdict(a50, P50_TARGET_MS)}/{verdict(a95, P95_TARGET_MS)}")

    tops: dict[str, list[str]] = {}
    if verbose:
        print(f"\n   Top {TOP_K} per dev query (score | title | para | page | snippet)")
    for q in usable:
        res = service.search(SearchRequest(q=q, per_page=TOP_K))
        tops[q] = [h.passage.passage_id for h in res.hits]
        if not verbose:
            continue
        print(f"\n   [{q}]  {res.total:,} hits")
        for rank, h in enumerate(res.hits, 1):
            label = h.passage.label or "-"
            print(f"   {rank:2d}. {h.score:6.2f} | {short(h.document.meta.title, 38)} | "
                  f"{short(label, 12)} | p.{h.passage.page_label} | "
                  f"{short(plain_snippet(h.snippet), 90)}")
    return {"p50": p50, "p95": p95, "max": worst, "tops": tops, "queries": usable,
            "api_p50": a50, "api_p95": a95}


def bench_add(settings, corpus: Path, tmp: Path) -> float:
    """Seconds to add one 35-page document (the GCM text of the corpus, made unique) to
    the built index through `library.add`."""
    src = corpus / "A_73_L.66-EN.txt"
    if not src.exists():
        src = max(corpus.glob("*.txt"), key=lambda p: p.stat().st_size)
    new = tmp / f"added-{settings.engine}.txt"
    new.write_bytes(src.read_bytes() + b"\n\nAdded by the benchmark.\n")
    t = time.perf_counter()
    report = library.add([new], settings)
    took = time.perf_counter() - t
    print(f"   add one document ({src.name}, {report.passages} passages) to the built index: "
          f"{took:.2f} s  {verdict(took, ADD_TARGET_S)} (target <= {ADD_TARGET_S:.0f} s)")
    return took


# ------------------------------------------------------------------ 3. tantivy baseline

def bench_tantivy(gen: Path, work: Path, whoosh: dict, build: dict) -> None:
    print("\n== 3. Baseline: raw tantivy on the same passages (one index, en_stem, no "
          "expansion, facets or snippets)")
    try:
        import tantivy
    except ImportError:
        print("   tantivy is not importable: baseline skipped (pip install '.[bench]')")
        return
    with store.open(gen) as st:
        t = time.perf_counter()
        passages = [(p.passage_id, p.text) for _doc, ps in st.iter_active_passages()
                    for p in ps]
        read_s = time.perf_counter() - t
    print(f"   passages read back from the store: {len(passages):,} in {read_s:.1f} s "
          "(not counted below)")

    sb = tantivy.SchemaBuilder()
    sb.add_text_field("id", stored=True, tokenizer_name="raw")
    sb.add_text_field("text", stored=False, tokenizer_name="en_stem")
    schema = sb.build()
    path = work / "tantivy"
    path.mkdir()
    index = tantivy.Index(schema, path=str(path))
    t = time.perf_counter()
    writer = index.writer()
    for pid, text in passages:
        writer.add_document(tantivy.Document(id=pid, text=text))
    writer.commit()
    writer.wait_merging_threads()
    build_s = time.perf_counter() - t
    index.reload()
    print(f"   build (one IndexWriter, default heap, en_stem text + stored id): {build_s:.1f} s "
          f"({len(passages) / build_s:,.0f} passages/s), index {_mb(dir_size(path))}")

    searcher = index.searcher()
    fallbacks: set[str] = set()

    def parse(q: str):
        try:
            return index.parse_query(q, ["text"])
        except ValueError:
            fallbacks.add(q)
            return index.parse_query(" ".join(re.findall(r"\w+", q)), ["text"])

    def run(q: str) -> list[str]:
        hits = searcher.search(parse(q), TOP_K).hits
        return [searcher.doc(addr)["id"][0] for _score, addr in hits]

    times = time_runs(whoosh["queries"], run)
    p50, p95, worst = percentile(times, 50), percentile(times, 95), max(times)
    print(f"   {len(times)} timed runs (parse + top {TOP_K} + stored ids): p50 {p50:.2f} ms, "
          f"p95 {p95:.2f} ms, max {worst:.2f} ms")
    if fallbacks:
        print(f"   parsed as plain words after ValueError: {sorted(fallbacks)}")
    overlaps = [len(set(run(q)) & set(whoosh["tops"][q])) for q in whoosh["queries"]]
    if overlaps:
        mean = sum(overlaps) / len(overlaps)
        print(f"   top-{TOP_K} overlap with the full pipeline: mean {mean:.1f} "
              f"of {TOP_K} (per query: {' '.join(map(str, overlaps))})")
    print(f"   ratios full pipeline/raw tantivy: build {build['wall'] / build_s:.1f}x "
          "(the pipeline's figure includes parsing; raw tantivy indexes ready text), "
          f"p95 {whoosh['p95'] / p95:.1f}x (the pipeline also expands, fuses, counts facets "
          "and writes snippets)")
    print(f"   peak RSS of this process so far: {maxrss_mb(resource.RUSAGE_SELF):,.0f} MB")


# ------------------------------------------------------------------ main

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared",
                    help="shared data folder (default: <project root>/../shared)")
    ap.add_argument("--files", type=int, default=None,
                    help="use only the first N unga files (default: all)")
    ap.add_argument("--out", type=Path, default=None,
                    help="keep the data directory here (default: a temp dir, removed)")
    ap.add_argument("--query-budget", type=float, default=300.0, metavar="S",
                    help="stop timing Whoosh queries after S seconds if fewer than "
                         f"{MIN_TIMED_RUNS} runs are done by then (default 300)")
    ap.add_argument("--engines", default="tantivy,whoosh",
                    help="engines to build and time, side by side (default tantivy,whoosh)")
    args = ap.parse_args(argv)

    shared = args.shared.resolve()
    unga, corpus = shared / "unga" / "texts", shared / "corpus"
    queries_file = shared / "dev-queries" / "queries.jsonl"
    missing = [p for p in (unga, corpus, queries_file) if not p.exists()]
    if missing:
        print(f"shared data not found ({', '.join(map(str, missing))}): benchmark skipped")
        return 0
    if args.files is not None and args.files < 1:
        ap.error("--files must be 1 or more")

    tmp = Path(tempfile.mkdtemp(prefix="bench-build-query-"))
    if args.out:
        data_dir = args.out.resolve()
        data_dir.mkdir(parents=True, exist_ok=True)
    else:
        data_dir = tmp / "data"
    try:
        unga_files = [p for p in unga.iterdir() if p.is_file()]
        unga_total = len(unga_files)
        full_bytes = sum(p.stat().st_size for p in unga_files + list(corpus.iterdir())
                         if p.is_file() and parsers.is_candidate(p))
        corpus_root, how = make_corpus(tmp, unga, corpus, args.files)
        queries = load_queries(queries_file) + EXTRA_QUERIES
        print(f"Dialogue Search benchmark  python {sys.version.split()[0]}, "
              f"{os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d %H:%M')}")
        print(f"corpus: {unga} ({args.files or unga_total} of {unga_total} files) + {corpus}; "
              f"via {how}")
        print(f"data dir: {data_dir}{'' if args.out else ' (temp, removed at the end)'}\n")

        results = {}
        for name in args.engines.split(","):
            # result_cache=0: every timed run searches (the bench repeats each query, and
            # answers from the server's result cache would time a dictionary look-up)
            settings = config.load(index_dir=str(data_dir / name), engine=name,
                                   result_cache=0)
            print(f"\n######## engine: {name}")
            build = bench_build(corpus_root, settings, unga_total, args.files, full_bytes)
            if build["gen"] is None or not build["passages"]:
                print("nothing was indexed: query benchmarks skipped")
                continue
            found = bench_queries(settings, queries, args.query_budget,
                                  verbose=name == args.engines.split(",")[0])
            found["build"] = build
            found["add"] = bench_add(settings, corpus, tmp)
            results[name] = found
        if not results:
            return 0
        first = next(iter(results.values()))
        bench_tantivy(first["build"]["gen"], tmp, first, first["build"])

        print("\n== 4. Targets, engines side by side")
        names = list(results)
        print("   " + " " * 24 + "".join(f"{n:>16}" for n in names))
        rows = [("full build (s)", "build", BUILD_TARGET_S),
                ("search p50 (ms)", "p50", P50_TARGET_MS),
                ("search p95 (ms)", "p95", P95_TARGET_MS),
                ("/api/search p50 (ms)", "api_p50", P50_TARGET_MS),
                ("/api/search p95 (ms)", "api_p95", P95_TARGET_MS),
                ("add 35 pages (s)", "add", ADD_TARGET_S)]
        for label, key, target in rows:
            cells = []
            for n in names:
                v = results[n]["build"]["wall"] if key == "build" else results[n][key]
                cells.append(f"{v:9.1f} {verdict(v, target)}")
            print(f"   {label + f' <= {target:g}':<24}" + "".join(f"{c:>16}" for c in cells))
        print(f"   queries timed: {len(first['queries'])}")
        if args.files is not None:
            print(f"   (--files {args.files}: a partial build; the build target is for all files)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
