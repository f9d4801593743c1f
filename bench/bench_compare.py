"""Paragraph alignment benchmark (indexer/versions/compare.py), run by `make bench` after the build
and query benchmark.

    python bench/bench_compare.py [--shared DIR] [--runs N]

1. The GCM (A/73/L.66 in ../shared/corpus, ~330 passages) against a revision of itself made
   here, deterministically (seed 7): 5 % of paragraphs dropped, 20 % with a word changed, 10
   moved, and 60 paragraphs added from the UNHCR omnibus to bring it to GCM zero-draft size
   (~400 passages a side is the issue's yardstick). Time per `align` (best and median).
2. The real pairs of ../shared/corpus: the UNHCR omnibus 2018/2019 and the international
   migration and development resolutions 2012/2018/2020, with their summaries.

Target: the GCM-size pair in under 250 ms (marked PASS or MISS; nothing is asserted). Skips
(exit 0) when the shared data is absent.
"""

from __future__ import annotations

import argparse
import copy
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from indexer import config
from indexer.ingest import parsers
from indexer.ingest.passages import split_passages
from indexer.versions import compare

TARGET_MS = 250.0
REAL_PAIRS = [
    ("unhcr-omnibus-draftres-AC373L59.en.txt", "unhcr-omnibus-draftres-AC374L59.en.txt"),
    ("imd-draftres-AC267L15Rev1.en.txt", "imd-draftres-AC273L46.en.txt"),
    ("imd-draftres-AC273L46.en.txt", "imd-draftres-AC275L8Rev1.en.txt"),
]


def passages(path: Path, doc_id: str):
    s = config.load()
    return split_passages(parsers.parse_file(path, path.name), doc_id,
                          max_words=s.max_passage_words, min_words=s.min_passage_words)


def revision_of(a, extra, seed: int = 7):
    """A deterministic "next draft" of `a`: drops, word changes, moves, additions."""
    rng = random.Random(seed)
    out = []
    for p in a:
        q = copy.copy(p)
        q.doc_id, q.passage_id = "B", "B" + p.passage_id
        r = rng.random()
        if r < 0.05:
            continue
        if r < 0.25:
            w = q.text.split()
            w[rng.randrange(len(w))] = "amended"
            q.text = " ".join(w)
        out.append(q)
    for _ in range(10):
        x = out.pop(rng.randrange(len(out)))
        out.insert(rng.randrange(len(out)), x)
    for p in extra:
        q = copy.copy(p)
        q.doc_id, q.passage_id = "B", "Bx" + p.passage_id
        out.insert(rng.randrange(len(out)), q)
    return out


def timed(a, b, runs: int) -> tuple[list[float], compare.Comparison]:
    times, result = [], None
    for _ in range(runs):
        t = time.perf_counter()
        result = compare.align(a, b, "A", "B")
        times.append((time.perf_counter() - t) * 1000)
    return times, result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    corpus = Path(args.shared) / "corpus"
    gcm = corpus / "gcm-final-draftres-A73L66.en.txt"
    if not gcm.exists():
        print(f"== Compare versions: skipped ({gcm} absent)")
        return 0
    print("\n== Compare versions (indexer/versions/compare.py: align + word diff)")
    a = passages(gcm, "A")
    extra = passages(corpus / REAL_PAIRS[0][0], "X")[:60]
    b = revision_of(a + [], extra)
    a = a + passages(corpus / "imrf-modalities-draftres-A73L99.en.txt", "Y")[:70]
    times, result = timed(a, b, args.runs)
    best, med = min(times), statistics.median(times)
    print(f"   GCM-size pair: {len(a)} x {len(b)} passages, {args.runs} runs: best {best:.0f} ms,"
          f" median {med:.0f} ms -> {result.summary()}")
    print(f"   target: <= {TARGET_MS:.0f} ms -> {med:.0f} ms "
          f"{'PASS' if med <= TARGET_MS else 'MISS'}")
    for fa, fb in REAL_PAIRS:
        if not (corpus / fa).exists() or not (corpus / fb).exists():
            continue
        pa, pb = passages(corpus / fa, "A"), passages(corpus / fb, "B")
        times, result = timed(pa, pb, args.runs)
        print(f"   {fa} -> {fb}: {len(pa)} x {len(pb)} passages, median "
              f"{statistics.median(times):.0f} ms -> {result.summary()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
