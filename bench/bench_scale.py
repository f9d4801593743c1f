"""The scale curve (issue 21, `make bench-scale`): the same build and HTTP measurements at 1x,
3x and 10x the UNGA set, and how cost grows with size.

    python bench/bench_scale.py [--shared DIR] [--sizes 1,3,10] [--workers N] [--clients N]
                                [--seconds S] [--no-raw] [--keep DIR]

Size k is ../shared/unga/texts + ../shared/corpus (1x, ~240,000 passages) plus k-1 altered
copies of every UNGA text. A copy is the text under a new UN symbol (`A/73/L.66` becomes
`A/73/L.66/Add.92` for copy 2, in its running heads and file name: a document of its own, not
a twin of the original) with light word substitutions: one word in ten of four letters or more
is swapped for another word of the same text (fixed seed), so that no passage is an exact copy
of another and every copy stays in the texts' own vocabulary.

For each size: build time (wall and CPU) through `library.build`, index and store size, then
bench_serve.http_section: a fresh `index.py serve` (result cache off), the first request of
each distinct query and repeats, memory each process holds alone (USS), N clients while a
staff upload is indexed, and raw tantivy over the same passages behind the same server.
Then the fitted exponent b of cost ~ passages^b (least squares on logs, all sizes) and the
exponent of each step (1x -> 3x, 3x -> 10x): where the two differ, the curve bends.

Targets at 10x (issue 21): first requests p95 <= 100 ms, build <= 10 min.

A benchmark, not a test: it prints figures and exits 0; it skips when ../shared is absent.
Disk: about 1.3 GB of generated text and up to a few GB of index at 10x, in a temp folder
removed at the end (unless --keep).
"""

from __future__ import annotations

import argparse
import math
import os
import random
import re
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
for p in (str(ROOT), str(BENCH)):
    if p not in sys.path:
        sys.path.insert(0, p)

import bench_load  # noqa: E402
import bench_serve  # noqa: E402
from bench_build_query import EXTRA_QUERIES, cpu_s, dir_size, load_queries  # noqa: E402

from indexer import config, engines, library  # noqa: E402
from indexer.ingest.parsers.text import (  # noqa: E402
    _running_symbol,
    decode,
    symbol_from_filename,
)
from indexer.storage import store  # noqa: E402

SEED = 21
SUBSTITUTE = 0.10  # the share of words of 4+ letters swapped in a copy
P95_AT_10X_MS = 100.0
BUILD_AT_10X_S = 600.0
_WORD = re.compile(r"[A-Za-z]{4,}")


def altered(text: str, name: str, copy: int) -> tuple[str, str]:
    """(new file name, new text) of copy `copy` of a UNGA text: a new symbol, and one word in
    ten swapped for another word of the same text."""
    lines = text.replace("\r\n", "\n").split("\n")
    symbol = _running_symbol(lines) or symbol_from_filename(name)
    new_symbol = f"{symbol}/Add.{90 + copy}"
    rng = random.Random(f"{SEED}:{copy}:{name}")
    vocab = sorted(set(_WORD.findall(text)))

    def swap(m: re.Match) -> str:
        return rng.choice(vocab) if rng.random() < SUBSTITUTE else m.group(0)

    body = _WORD.sub(swap, text.replace(symbol, "\0")).replace("\0", new_symbol)
    return new_symbol.replace("/", "_") + "-EN.txt", body


def make_copies(unga: Path, dest: Path, copies: int) -> list[Path]:
    """Folders copy1 .. copy<copies> of altered UNGA texts (made once, reused by each size)."""
    files = sorted(p for p in unga.iterdir() if p.is_file())
    folders = []
    for c in range(1, copies + 1):
        folder = dest / f"copy{c}"
        folders.append(folder)
        if folder.is_dir():
            continue
        part = dest / f".copy{c}.part"
        shutil.rmtree(part, ignore_errors=True)
        part.mkdir(parents=True)
        for f in files:
            new_name, body = altered(decode(f.read_bytes(), f.name)[0], f.name, c)
            (part / new_name).write_text(body, encoding="utf-8")
        part.rename(folder)
    return folders


def corpus_of(size: int, tmp: Path, unga: Path, corpus: Path, copies: list[Path]) -> Path:
    """A folder of per-file symlinks: the UNGA texts, the corpus, and size-1 copies."""
    root = tmp / f"corpus-{size}x"
    shutil.rmtree(root, ignore_errors=True)
    for name, src in [("unga", unga), ("corpus", corpus),
                      *((c.name, c) for c in copies[:size - 1])]:
        (root / name).mkdir(parents=True)
        for f in sorted(src.iterdir()):
            if f.is_file():
                (root / name / f.name).symlink_to(f.resolve())
    return root


def build(size: int, corpus_root: Path, data_dir: Path) -> dict:
    settings = config.load(index_dir=str(data_dir), corpus_dir=str(corpus_root),
                           engine="tantivy", result_cache=0)
    self0, kids0 = cpu_s(resource.RUSAGE_SELF), cpu_s(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    report = library.build(corpus_root, settings)
    wall = time.perf_counter() - t0
    cpu = cpu_s(resource.RUSAGE_SELF) - self0 + cpu_s(resource.RUSAGE_CHILDREN) - kids0
    gen = store.current_generation(data_dir)
    index_bytes = dir_size(engines.get("tantivy").index_dir(gen))
    store_bytes = (gen / store.STORE_FILE).stat().st_size
    refused = report.of("refused")
    print(f"   build: {len(report.outcomes):,} files ({len(report.of('indexed')):,} indexed, "
          f"{len(refused)} refused), {report.passages:,} passages; wall {wall:.1f} s, CPU "
          f"{cpu:.1f} s ({report.passages / wall:,.0f} passages/s)")
    print(f"   index {index_bytes / 1e6:,.0f} MB, store {store_bytes / 1e6:,.0f} MB")
    return {"passages": report.passages, "build_s": wall, "build_cpu_s": cpu,
            "index_mb": index_bytes / 1e6, "store_mb": store_bytes / 1e6}


def exponent(xs: list[float], ys: list[float]) -> float:
    """b of y ~ a * x^b, least squares on logs."""
    lx, ly = [math.log(x) for x in xs], [math.log(y) for y in ys]
    mx, my = sum(lx) / len(lx), sum(ly) / len(ly)
    den = sum((x - mx) ** 2 for x in lx)
    return sum((x - mx) * (y - my) for x, y in zip(lx, ly, strict=True)) / den if den else 0.0


def curve(rows: list[dict]) -> None:
    print("\n== The curve")
    head = ("size", "passages", "build s", "CPU s", "index MB", "store MB", "USS MB",
            "first p50", "first p95", "rep. p95", "req/s", "load p95", "raw p95")
    print("   | " + " | ".join(head) + " |")
    print("   |" + "---|" * len(head))
    for r in rows:
        cells = (f"{r['size']}x", f"{r['passages']:,}", f"{r['build_s']:.0f}",
                 f"{r['build_cpu_s']:.0f}", f"{r['index_mb']:,.0f}", f"{r['store_mb']:,.0f}",
                 f"{r['uss_mb']:.0f}", f"{r['p50']:.1f}", f"{r['p95']:.1f}",
                 f"{r['rep95']:.1f}", f"{r['rate']:.1f}", f"{r['load_p95']:.0f}",
                 f"{r['raw_p95']:.1f}" if r.get("raw_p95") is not None else "-")
        print("   | " + " | ".join(cells) + " |")
    if len(rows) < 2:
        return
    xs = [r["passages"] for r in rows]
    print("\n   cost ~ passages^b (b = 1: linear; below 1: grows slower than the corpus):")
    for key, name in [("build_s", "build wall"), ("build_cpu_s", "build CPU"),
                      ("index_mb", "index size"), ("uss_mb", "memory a process (USS)"),
                      ("p50", "first request p50"), ("p95", "first request p95"),
                      ("rate", "throughput")]:
        ys = [max(r[key], 1e-9) for r in rows]
        steps = ", ".join(
            f"{a['size']}x->{b['size']}x {exponent([a['passages'], b['passages']], [ya, yb]):.2f}"
            for a, b, ya, yb in zip(rows, rows[1:], ys, ys[1:], strict=False))
        print(f"     {name:24} b = {exponent(xs, ys):5.2f}   (each step: {steps})")
    big = rows[-1]
    print(f"\n   targets at {big['size']}x:")
    print(f"     first request p95 <= {P95_AT_10X_MS:.0f} ms: {big['p95']:.1f} ms "
          f"{bench_serve.verdict(big['p95'] <= P95_AT_10X_MS)}")
    print(f"     build <= {BUILD_AT_10X_S / 60:.0f} min: {big['build_s'] / 60:.1f} min "
          f"{bench_serve.verdict(big['build_s'] <= BUILD_AT_10X_S)}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--sizes", default="1,3,10", help="multiples of the UNGA set (default 1,3,10)")
    ap.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1))
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--no-raw", action="store_true", help="without the raw tantivy baseline")
    ap.add_argument("--keep", type=Path, default=None,
                    help="make the copies and indexes here and keep them (default: a temp dir)")
    args = ap.parse_args(argv)
    shared = args.shared.resolve()
    unga, corpus = shared / "unga" / "texts", shared / "corpus"
    queries_file = shared / "dev-queries" / "queries.jsonl"
    if not all(p.exists() for p in (unga, corpus, queries_file)):
        print(f"shared data not found under {shared}: benchmark skipped")
        return 0
    try:
        sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    except ValueError:
        ap.error("--sizes takes whole numbers separated by commas, such as 1,3,10")
    if not sizes or sizes[0] < 1:
        ap.error("--sizes must be 1 or more")
    tmp = args.keep.resolve() if args.keep else Path(tempfile.mkdtemp(prefix="bench-scale-"))
    tmp.mkdir(parents=True, exist_ok=True)
    queries = load_queries(queries_file) + EXTRA_QUERIES
    pool = bench_load.request_pool(shared)
    print(f"Dialogue Search scale curve  python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
          f"{time.strftime('%Y-%m-%d %H:%M')}; sizes {', '.join(f'{s}x' for s in sizes)}; "
          f"work folder {tmp}")
    rows = []
    try:
        t0 = time.perf_counter()
        copies = make_copies(unga, tmp / "copies", sizes[-1] - 1)
        if copies:
            print(f"   {len(copies)} altered copies of the UNGA texts ready in "
                  f"{time.perf_counter() - t0:.0f} s")
        for size in sizes:
            print(f"\n######## {size}x  (load average {bench_serve.load_average()})")
            root = corpus_of(size, tmp, unga, corpus, copies)
            data_dir = tmp / f"data-{size}x"
            shutil.rmtree(data_dir, ignore_errors=True)
            row = {"size": size, **build(size, root, data_dir)}
            work = tmp / f"serve-{size}x"
            shutil.rmtree(work, ignore_errors=True)
            work.mkdir()
            f = bench_serve.http_section(data_dir, work, queries, pool, workers=args.workers,
                                         clients=args.clients, seconds=args.seconds,
                                         raw_baseline=not args.no_raw)
            row.update(
                p50=bench_serve.percentile(f["first"], 50),
                p95=bench_serve.percentile(f["first"], 95),
                rep95=bench_serve.percentile(f["repeated"], 95),
                uss_mb=max(r["uss"] for r in f["memory_load"]),
                rate=f["load"].rate, load_p95=f["load"].p95,
                raw_p95=(bench_serve.percentile(f["raw_first"], 95) if "raw_first" in f
                         else None))
            rows.append(row)
            if not args.keep:  # the next size's index needs the room
                shutil.rmtree(data_dir, ignore_errors=True)
                shutil.rmtree(work, ignore_errors=True)
        curve(rows)
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
