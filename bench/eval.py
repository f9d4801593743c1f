"""Search quality evaluation over the shared data, through the same code path as the CLI/API.

    python bench/eval.py [--shared DIR] [--quick] [--out DIR] [--engines tantivy,whoosh]
                         [--distractor-data tantivy=DIR,whoosh=DIR]

Each engine of `--engines` (default both) gets its own indexes and figures, in one run; the
comparison says PASS when the first engine's nDCG@10 per language is within 0.01 of each
other engine's, or better (the target of issue 10: the default engine's quality does not
fall below Whoosh's).

1. Dev queries (shared/dev-queries) over an index of shared/corpus: nDCG@10 (binary gains)
   and Recall@20 per query language and overall, judged as shared/README.md says, with the
   thesaurus expansion on (the default) and off (plain BM25F baseline).
2. The same with shared/unga/texts added as distractors (skipped with --quick: it is the slow
   part, several minutes on two cores), against the targets en >= 0.92, fr/es >= 0.85.
3. Vaswani (shared/vaswani, TREC format): MAP and nDCG (full depth, trec_eval definitions)
   next to the published Terrier BM25 figures.
4. Language identification accuracy of `indexer.language.detect` on shared/langid sentences
   and word pairs for the eight candidate languages.

`--distractor-data` reads already built corpus + UNGA data directories (one per engine; they
are only read) instead of building them.

Every query goes through `SearchService.search(SearchRequest(...))`, nothing else. It is an
evaluation, not a test: it prints PASS/MISS and exits 0 whatever the figures; it skips
(exit 0) when the shared data is absent.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import sys
import tempfile
import time
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from indexer import config, engines, library
from indexer.language import detect
from indexer.search.service import SearchRequest, SearchService
from indexer.storage import store

DEV_TOP = 20  # retrieved per dev query
DEV_TARGETS = {"en": 0.92, "fr": 0.85, "es": 0.85}  # nDCG@10 with distractors
LANGS = ("en", "fr", "es", "ru", "ar", "zh", "pt", "de")
LANGID_TARGETS = {"sentences": 0.995, "word-pairs": 0.95}
VASWANI_PUBLISHED = {"map": 0.2965, "ndcg": 0.6212}  # Terrier BM25 via PyTerrier
ENGINE_TOLERANCE = 0.01  # nDCG@10 per language: the first engine within this of the others
VASWANI_DEPTH = 1000  # ranks per query, as trec_eval/Terrier (pages of 100, the API's limit)
PAGE = 100


# ------------------------------------------------------------------ helpers

def letters_digits(text: str) -> str:
    """Casefold, strip accents (NFKD, drop combining marks), keep letters and digits only."""
    text = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in text if c.isalnum() and not unicodedata.combining(c))


def build_index(corpus: Path, data_dir: Path, workers: int, engine: str,
                **overrides) -> tuple[float, object]:
    settings = config.load(index_dir=str(data_dir), engine=engine, **overrides)
    started = time.perf_counter()
    report = library.build(corpus, settings, workers=workers)
    return time.perf_counter() - started, report


def describe_build(label: str, seconds: float, report) -> None:
    print(f"  {label}: {len(report.of('indexed'))} files indexed, "
          f"{len(report.of('duplicate'))} duplicates, {len(report.of('refused'))} refused, "
          f"{report.passages:,} passages, build {seconds:.1f} s")


# ------------------------------------------------------------------ 1-2: dev queries

def load_dev(path: Path) -> list[dict]:
    queries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            q = json.loads(line)
            q["rel_norm"] = [[letters_digits(p) for p in alts] for alts in q["rel"]]
            queries.append(q)
    return queries


def judge(query: dict, texts: list[str]) -> tuple[list[int], int]:
    """(binary gains per rank, relevant passages found). Each relevant passage counts once, at
    its first matching hit; a hit is relevant (gain 1) when it is the first match of at least
    one relevant passage."""
    found: set[int] = set()
    gains = []
    for text in texts:
        norm = letters_digits(text)
        new = [i for i, alts in enumerate(query["rel_norm"])
               if i not in found and any(a and a in norm for a in alts)]
        found.update(new)
        gains.append(1 if new else 0)
    return gains, len(found)


def ndcg_at(gains: list[int], n_rel: int, k: int) -> float:
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains[:k]))
    ideal = sum(1 / math.log2(i + 2) for i in range(min(n_rel, k)))
    return dcg / ideal if ideal else 0.0


def run_dev(svc: SearchService, queries: list[dict], expand: bool) -> list[dict]:
    rows = []
    for q in queries:
        res = svc.search(SearchRequest(q=q["q"], per_page=DEV_TOP, expand=expand))
        texts = [h.passage.text for h in res.hits]
        gains, found = judge(q, texts)
        n_rel = len(q["rel"])
        first = next((i + 1 for i, g in enumerate(gains) if g), None)
        rows.append({"id": q["id"], "lang": q["lang"], "q": q["q"],
                     "ndcg": ndcg_at(gains, n_rel, 10), "recall": found / n_rel if n_rel else 0,
                     "first": first, "hits": res.hits, "qlang": res.query_lang})
    return rows


def mean(xs) -> float:
    xs = list(xs)
    return sum(xs) / len(xs) if xs else 0.0


def print_dev(title: str, with_exp: list[dict], without: list[dict], targets: bool) -> None:
    print(f"\n{title}")
    print(f"  {'query':<6}{'lang':<5}{'qlang':<6}{'nDCG@10':>9}{'R@20':>7}{'1st':>5}   "
          f"{'| no expansion:':<15}{'nDCG@10':>8}{'R@20':>7}{'1st':>5}   query")
    for a, b in zip(with_exp, without, strict=True):
        print(f"  {a['id']:<6}{a['lang']:<5}{a['qlang']:<6}{a['ndcg']:>9.3f}{a['recall']:>7.2f}"
              f"{a['first'] or '-':>5}   {'|':<15}{b['ndcg']:>8.3f}{b['recall']:>7.2f}"
              f"{b['first'] or '-':>5}   {a['q']}")
    print(f"  {'lang':<6}{'n':>3}{'nDCG@10':>9}{'R@20':>7}   {'| no expansion:':<15}"
          f"{'nDCG@10':>8}{'R@20':>7}" + ("   target (nDCG@10, expansion on)" if targets else ""))
    groups = [(lang, [r for r in with_exp if r["lang"] == lang],
               [r for r in without if r["lang"] == lang]) for lang in ("en", "fr", "es")]
    groups.append(("all", with_exp, without))
    for lang, a, b in groups:
        line = (f"  {lang:<6}{len(a):>3}{mean(r['ndcg'] for r in a):>9.3f}"
                f"{mean(r['recall'] for r in a):>7.3f}   {'|':<15}"
                f"{mean(r['ndcg'] for r in b):>8.3f}{mean(r['recall'] for r in b):>7.3f}")
        if targets and lang in DEV_TARGETS:
            got = mean(r["ndcg"] for r in a)
            verdict = "PASS" if got >= DEV_TARGETS[lang] else "MISS"
            line += f"   >= {DEV_TARGETS[lang]:.2f} {verdict}"
        print(line)
    misses = [r for r in with_exp if r["ndcg"] < 0.999]
    if misses:
        print("  queries below 1.0 (expansion on): top 3 hits")
        for r in misses:
            print(f"    {r['id']} {r['q']!r} nDCG@10 {r['ndcg']:.3f}, first relevant at "
                  f"{r['first'] or '> ' + str(DEV_TOP)}")
            for i, h in enumerate(r["hits"][:3], 1):
                text = " ".join(h.passage.text.split())
                print(f"      {i}. [{h.passage.lang}] {h.document.file} "
                      f"{h.passage.label or '-'}: {text[:110]}")


def eval_dev(data_dir: Path, queries: list[dict], title: str, targets: bool) -> dict:
    """Prints the figures; returns nDCG@10 (expansion on) per language and "all"."""
    svc = SearchService(config.load(index_dir=str(data_dir)))
    with_exp = run_dev(svc, queries, expand=True)
    without = run_dev(svc, queries, expand=False)
    print_dev(title, with_exp, without, targets)
    out = {lang: mean(r["ndcg"] for r in with_exp if r["lang"] == lang)
           for lang in ("en", "fr", "es")}
    out["all"] = mean(r["ndcg"] for r in with_exp)
    return out


def print_engines(title: str, figures: dict[str, dict]) -> list[str]:
    """The engines' nDCG@10 per language side by side; the first engine against each other:
    PASS when within ENGINE_TOLERANCE or better. Returns the verdict lines."""
    names = list(figures)
    if not names:
        return []
    print(f"\n{title}: nDCG@10 per language (expansion on), engines side by side")
    print(f"  {'lang':<6}" + "".join(f"{n:>10}" for n in names)
          + "".join(f"   {names[0]} vs {n}" for n in names[1:]))
    verdicts = []
    for lang in ("en", "fr", "es", "all"):
        line = f"  {lang:<6}" + "".join(f"{figures[n][lang]:>10.3f}" for n in names)
        for other in names[1:]:
            diff = figures[names[0]][lang] - figures[other][lang]
            verdict = "PASS" if diff >= -ENGINE_TOLERANCE - 1e-9 else "MISS"
            line += f"   {diff:+.3f} {verdict if lang != 'all' else '':<4}"
            if lang != "all":
                verdicts.append(f"{title}, {lang}: {names[0]} {figures[names[0]][lang]:.3f} "
                                f"vs {other} {figures[other][lang]:.3f} "
                                f"(within {ENGINE_TOLERANCE} or better) {verdict}")
        print(line)
    return verdicts


def distractor_folder(links: Path, shared: Path) -> tuple[Path, str]:
    """A folder holding `corpus` and `unga` as symlinks to the shared folders (nothing is
    copied). Path.rglob (Python < 3.13) does not descend into symlinked folders, so when the
    pipeline finds nothing through them, each file is linked instead."""
    sources = {"corpus": shared / "corpus", "unga": shared / "unga" / "texts"}
    if links.exists():
        shutil.rmtree(links)
    links.mkdir(parents=True)
    for name, target in sources.items():
        (links / name).symlink_to(target, target_is_directory=True)
    if library.corpus_files(links):
        return links, "folder symlinks corpus -> shared/corpus, unga -> shared/unga/texts"
    shutil.rmtree(links)
    links.mkdir()
    for name, target in sources.items():
        for f in sorted(target.rglob("*")):
            if f.is_file():
                dest = links / name / f.relative_to(target)
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.symlink_to(f)
    return links, ("per-file symlinks under corpus/ and unga/ (library.corpus_files does not "
                   "follow folder symlinks on this Python)")


# ------------------------------------------------------------------ 3: Vaswani

def read_vaswani(folder: Path) -> tuple[dict[str, str], dict[str, str], dict[str, dict[str, int]]]:
    text = (folder / "doc-text.trec").read_text(encoding="utf-8", errors="replace")
    docs = {m.group(1).strip(): m.group(2).strip() for m in re.finditer(
        r"<DOCNO>(.*?)</DOCNO>(.*?)</DOC>", text, re.S)}
    qtext = (folder / "query-text.trec").read_text(encoding="utf-8", errors="replace")
    queries = {m.group(1).strip(): " ".join(m.group(2).split()) for m in re.finditer(
        r"<num>(.*?)</num>\s*<title>(.*?)</title>", qtext, re.S)}
    qrels: dict[str, dict[str, int]] = defaultdict(dict)
    for line in (folder / "qrels").read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) == 4:
            qrels[parts[0]][parts[2]] = int(parts[3])
    return docs, queries, dict(qrels)


def average_precision(ranked: list[str], rels: dict[str, int]) -> float:
    n_rel = sum(1 for v in rels.values() if v > 0)
    hits, total = 0, 0.0
    for i, d in enumerate(ranked, 1):
        if rels.get(d, 0) > 0:
            hits += 1
            total += hits / i
    return total / n_rel if n_rel else 0.0


def ndcg_full(ranked: list[str], rels: dict[str, int]) -> float:
    """trec_eval `ndcg`: gains = judged relevance values, log2(rank + 1) discount, full depth,
    ideal ranking from every judged document."""
    dcg = sum(rels.get(d, 0) / math.log2(i + 1) for i, d in enumerate(ranked, 1)
              if rels.get(d, 0) > 0)
    ideal_gains = sorted((v for v in rels.values() if v > 0), reverse=True)
    ideal = sum(g / math.log2(i + 1) for i, g in enumerate(ideal_gains, 1))
    return dcg / ideal if ideal else 0.0


def eval_vaswani(folder: Path, work: Path, workers: int, depth: int, engine: str) -> dict:
    """Prints the figures; returns MAP and nDCG at `depth`."""
    print(f"\n3. Vaswani (NPL): 11,429 physics abstracts, 93 queries [{engine}]")
    docs, queries, qrels = read_vaswani(folder)
    # Identical abstracts: the pipeline keeps the first copy as the document and reports the
    # others as duplicates; a hit on that text stands for every docno that carries it.
    # Near-identical ones are folded into a hit at search time and listed as its copies.
    by_text: dict[str, list[str]] = defaultdict(list)
    for docno in sorted(docs, key=lambda d: int(d) if d.isdigit() else 0):
        by_text[docs[docno]].append(docno)
    doc_dir = work / "vaswani-docs"
    if not doc_dir.is_dir():
        doc_dir.mkdir(parents=True)
        for docno, text in docs.items():
            (doc_dir / f"{docno}.txt").write_text(text + "\n", encoding="utf-8")
    data_dir = work / f"vaswani-data-{engine}"
    # One abstract, one passage: no splitting at 300 words (the longest abstract has ~270).
    seconds, report = build_index(doc_dir, data_dir, workers, engine,
                                  max_passage_words=100_000)
    describe_build("vaswani", seconds, report)
    svc = SearchService(config.load(index_dir=str(data_dir)))
    with svc.store() as st:
        active = st.documents("active")
        counted = Counter(p.lang for d in active for p in st.passages(d.doc_id))
    docno_of = {d.doc_id: Path(d.file).stem for d in active}
    print(f"  passage languages as detected: {dict(counted.most_common())}")

    started = time.perf_counter()
    aps, ndcgs, depths, aps100, ndcgs100 = [], [], [], [], []
    for qid, qtext in queries.items():
        # Lower-cased as a user would type it: Whoosh reads upper-case AND/OR/NOT as operators.
        ranked: list[str] = []
        seen: set[str] = set()
        page = 1
        while len(ranked) < depth:
            res = svc.search(SearchRequest(q=qtext.lower(), per_page=PAGE, page=page))
            for h in res.hits:
                # A hit stands for the abstracts folded into it as copies (near-identical
                # records), as for identical ones, in the order listed.
                for docno in [Path(h.document.file).stem,
                              *(docno_of[c["doc_id"]] for c in h.copies)]:
                    for same in by_text.get(docs.get(docno, ""), [docno]):
                        if same not in seen:  # passages collapse to their document
                            seen.add(same)
                            ranked.append(same)
            if len(res.hits) < PAGE or page * PAGE >= res.total:
                break
            page += 1
        ranked = ranked[:depth]
        depths.append(len(ranked))
        rels = qrels.get(qid, {})
        if not rels:
            continue
        aps.append(average_precision(ranked, rels))
        ndcgs.append(ndcg_full(ranked, rels))
        aps100.append(average_precision(ranked[:100], rels))
        ndcgs100.append(ndcg_full(ranked[:100], rels))
    elapsed = time.perf_counter() - started
    print(f"  queries judged: {len(aps)}; retrieved top {depth} per query "
          f"(pages of {PAGE}; median depth {sorted(depths)[len(depths) // 2]}); "
          f"{elapsed:.1f} s for all queries")
    print(f"  {'':<22}{'MAP':>8}{'nDCG':>8}")
    print(f"  {f'Dialogue Search @{depth}':<22}{mean(aps):>8.4f}{mean(ndcgs):>8.4f}")
    if depth > 100:
        print(f"  {'Dialogue Search @100':<22}{mean(aps100):>8.4f}{mean(ndcgs100):>8.4f}")
    print(f"  {'Terrier BM25 (pub.)':<22}{VASWANI_PUBLISHED['map']:>8.4f}"
          f"{VASWANI_PUBLISHED['ndcg']:>8.4f}")
    print(f"  {'ratio':<22}{mean(aps) / VASWANI_PUBLISHED['map']:>8.3f}"
          f"{mean(ndcgs) / VASWANI_PUBLISHED['ndcg']:>8.3f}")
    return {"map": mean(aps), "ndcg": mean(ndcgs)}


# ------------------------------------------------------------------ 4: language id

def eval_langid(folder: Path) -> None:
    print("\n4. Language identification (indexer.language.detect, 8 candidates)")
    print(f"  {'lang':<6}{'sentences':>16}{'word pairs':>16}   confusions (sentences | pairs)")
    totals = {kind: [0, 0] for kind in LANGID_TARGETS}
    for lang in LANGS:
        cells, confusions = [], []
        for kind in LANGID_TARGETS:
            path = folder / kind / f"{lang}.txt"
            if not path.exists():
                cells.append("n/a")
                confusions.append("")
                continue
            lines = [x.strip() for x in path.read_text(encoding="utf-8").splitlines()
                     if x.strip()]
            got = Counter(detect(x, LANGS, default="en") for x in lines)
            ok = got.get(lang, 0)
            totals[kind][0] += ok
            totals[kind][1] += len(lines)
            cells.append(f"{ok}/{len(lines)} {100 * ok / len(lines):5.1f}%")
            confusions.append(" ".join(f"{k}:{v}" for k, v in got.most_common() if k != lang))
        print(f"  {lang:<6}{cells[0]:>16}{cells[1]:>16}   {confusions[0]} | {confusions[1]}")
    line = f"  {'all':<6}"
    verdicts = []
    for kind, (ok, n) in totals.items():
        acc = ok / n if n else 0.0
        line += f"{f'{ok}/{n} {100 * acc:5.1f}%':>17}"
        verdicts.append(f"{kind} {100 * acc:.1f}% (target >= {100 * LANGID_TARGETS[kind]:.1f}%) "
                        f"{'PASS' if acc >= LANGID_TARGETS[kind] else 'MISS'}")
    print(line)
    print("  " + "; ".join(verdicts))


# ------------------------------------------------------------------ main

def parse_dirs(value: str) -> dict[str, Path]:
    out = {}
    for item in filter(None, (x.strip() for x in value.split(","))):
        name, sep, path = item.partition("=")
        if not sep:
            raise argparse.ArgumentTypeError(f"expected ENGINE=DIR, not {item!r}")
        out[name.strip()] = Path(path).resolve()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared",
                    help="the shared data folder (default: ../shared)")
    ap.add_argument("--quick", action="store_true",
                    help="skip the slow build with the UNGA distractors")
    ap.add_argument("--out", type=Path, help="keep the built data directories here")
    ap.add_argument("--workers", type=int, default=max(1, min(4, os.cpu_count() or 1)))
    ap.add_argument("--vaswani-depth", type=int, default=VASWANI_DEPTH,
                    help="ranks retrieved per Vaswani query (1000 takes ~10 min; 100 ~1 min)")
    ap.add_argument("--engines", default=",".join(engines.ENGINES),
                    help="engines to evaluate side by side, the one compared first "
                         "(default: tantivy,whoosh)")
    ap.add_argument("--distractor-data", type=parse_dirs, default={},
                    help="ENGINE=DIR,...: built corpus + UNGA data directories to read "
                         "instead of building them")
    ap.add_argument("--no-vaswani", action="store_true", help="skip Vaswani")
    args = ap.parse_args(argv)
    names = [e.strip() for e in args.engines.split(",") if e.strip()]
    for name in names:
        engines.get(name)  # an unknown name fails here, before any build
    shared = args.shared.resolve()
    if not (shared / "corpus").is_dir():
        print(f"skipped: no shared data at {shared} (use --shared DIR)")
        return 0

    tmp = None
    if args.out:
        work = args.out.resolve()
        work.mkdir(parents=True, exist_ok=True)
    else:
        tmp = tempfile.mkdtemp(prefix="ds-eval-")
        work = Path(tmp)
    started = time.perf_counter()
    verdicts: list[str] = []
    try:
        queries = load_dev(shared / "dev-queries" / "queries.jsonl")
        print(f"Dialogue Search evaluation: {len(queries)} dev queries, shared data {shared}, "
              f"engines {', '.join(names)}")
        corpus_figures, n_corpus = {}, 0
        for name in names:
            print(f"\n1. Dev queries over shared/corpus [{name}]")
            seconds, report = build_index(shared / "corpus", work / f"corpus-data-{name}",
                                          args.workers, name)
            describe_build("corpus", seconds, report)
            n_corpus = len(report.of("indexed"))
            corpus_figures[name] = eval_dev(
                work / f"corpus-data-{name}", queries,
                f"1. Dev queries, corpus only [{name}] (top {DEV_TOP}; expansion on vs off)",
                False)
        verdicts += print_engines("1. corpus only", corpus_figures)

        distractor_figures = {}
        if args.quick:
            print("\n2. Dev queries with UNGA distractors: skipped (--quick)")
        elif not (shared / "unga" / "texts").is_dir():
            print("\n2. Dev queries with UNGA distractors: skipped (no shared/unga/texts)")
        else:
            for name in names:
                print(f"\n2. Dev queries with shared/unga/texts as distractors [{name}]")
                if name in args.distractor_data:
                    data_dir = args.distractor_data[name]
                    found = engines.recorded(store.current_generation(data_dir) or data_dir)
                    print(f"  data directory {data_dir} (built before; engine {found})")
                    if found != name:
                        print(f"  skipped: that index is not a {name} index")
                        continue
                    label = "UNGA distractors, prebuilt"
                else:
                    links, how = distractor_folder(work / "distractor-src", shared)
                    print(f"  source folder: {how}")
                    data_dir = work / f"distractor-data-{name}"
                    seconds, report = build_index(links, data_dir, args.workers, name)
                    describe_build("corpus + unga", seconds, report)
                    label = f"{len(report.of('indexed')) - n_corpus:,} UNGA distractors"
                distractor_figures[name] = eval_dev(
                    data_dir, queries,
                    f"2. Dev queries, corpus + {label} [{name}] (expansion on vs off)", True)
            verdicts += print_engines("2. with UNGA distractors", distractor_figures)

        vaswani = {}
        if args.no_vaswani:
            print("\n3. Vaswani: skipped (--no-vaswani)")
        elif (shared / "vaswani" / "doc-text.trec").exists():
            for name in names:
                vaswani[name] = eval_vaswani(shared / "vaswani", work, args.workers,
                                             args.vaswani_depth, name)
            target = VASWANI_PUBLISHED["ndcg"]
            for name, got in vaswani.items():
                verdicts.append(f"3. Vaswani nDCG@{args.vaswani_depth} {name} "
                                f"{got['ndcg']:.4f} (MAP {got['map']:.4f}), Terrier BM25 "
                                f"{target:.4f}: {'PASS' if got['ndcg'] >= target else 'MISS'}")
        else:
            print("\n3. Vaswani: skipped (no shared/vaswani)")

        if (shared / "langid").is_dir():
            eval_langid(shared / "langid")
        else:
            print("\n4. Language identification: skipped (no shared/langid)")
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    if verdicts:
        print("\nEngines compared")
        for line in verdicts:
            print(f"  {line}")
    print(f"\ntotal time {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
