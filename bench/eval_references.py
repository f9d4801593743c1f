"""Accuracy of cross-reference extraction (`indexer.ingest.references`) on the hand-labelled set,
and its cost over the whole UNGA collection.

    python bench/eval_references.py [--shared DIR] [--docs] [--errors N] [--unga-all]

The labelled set (tests/data/references/, see its README) lists every reference a person found
in the 16 texts of shared/corpus and 30 documents of shared/unga chosen with a fixed seed.
Each document is read as the project reads it (`parse_file`), split into passages
(`split_passages`, the build's settings), and `references.extract` runs on each passage as
ingest will, with the document's own symbols and the previous passage as context. A
reference found in a passage is placed in the document's text by its words and the words
before them, so labels and findings compare in one coordinate system.

A found reference is right when its span overlaps a labelled one (each label matched once):
- detection: the span alone;
- resolution: the span and the symbol (the document it resolves to);
- extraction: the span, the symbol and the pinpoint (the issue's criterion).
Precision is right / found, recall is right / labelled. The clause verb is scored apart
(share of matched references with the labelled verb). Figures per source (corpus, unga;
unga also split into born-digital documents and those whose text was recognized from paper,
sessions up to 1992), and in total.

`--unga-all` also extracts from every passage of shared/unga/texts and reports the CPU time
(extraction alone, parsing excluded), the number of references and of distinct symbols.

An evaluation, not a test: it prints figures and exits 0; it skips when ../shared is absent.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from indexer import config
from indexer.errors import IngestRefused
from indexer.ingest.parsers import parse_file
from indexer.ingest.parsers.text import symbol_from_filename
from indexer.ingest.passages import split_passages
from indexer.ingest.references import Reference, extract, normalize_symbol, with_context

LABELS = PROJECT / "tests" / "data" / "references"
GOAL_PRECISION, GOAL_RECALL = 0.97, 0.95


@dataclass
class Found:
    """A reference in document coordinates."""
    start: int
    end: int
    symbol: str
    pinpoint: str
    verb: str
    text: str


@dataclass
class DocResult:
    file: str
    source: str
    labels: list[dict]
    found: list[Found]
    placed: int = 0  # found references that could be placed in the document text
    unplaced: int = 0
    in_headings: int = 0  # found in heading blocks, outside every passage


def _squash(text: str) -> tuple[str, list[int]]:
    """`text` with each run of white space made one space, and the original offset of each
    character kept."""
    out, index, space = [], [], False
    for i, ch in enumerate(text):
        if ch.isspace():
            if not space:
                out.append(" ")
                index.append(i)
            space = True
        else:
            out.append(ch)
            index.append(i)
            space = False
    index.append(len(text))
    return "".join(out), index


def _place(doc: str, squashed: str, index: list[int], passage: str, ref: Reference,
           hint: int) -> tuple[int, int] | None:
    """Where `ref` (offsets in `passage`) stands in the document: its words, the occurrence
    whose preceding words agree best with the passage's, nearest `hint` on a tie."""
    words, _ = _squash(ref.text)
    if not words.strip():
        return None
    before, _ = _squash(passage[max(0, ref.start - 160):ref.start])
    best, best_score = None, (-1, 0)
    pos = squashed.find(words)
    while pos >= 0:
        doc_before = squashed[max(0, pos - len(before)):pos]
        agree = 0
        while agree < min(len(before), len(doc_before)) and \
                before[-1 - agree] == doc_before[-1 - agree]:
            agree += 1
        score = (agree, -abs(pos - hint) if pos >= hint - 200 else -10**9 - abs(pos - hint))
        if score > best_score:
            best, best_score = pos, score
        pos = squashed.find(words, pos + 1)
    if best is None:
        return None
    return index[best], index[best + len(words) - 1] + 1


def read_documents(shared: Path) -> list[dict]:
    return json.loads((LABELS / "documents.json").read_text(encoding="utf-8"))


def read_labels() -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = defaultdict(list)
    for line in (LABELS / "labelled.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            out[item["file"]].append(item)
    return out


def _anchor(text: str, label: dict) -> dict:
    """The label's offsets in this reading of the document: as stored when the words are
    there, else found again by its words and the words before them."""
    s, e = label["start"], label["end"]
    if text[s:e] == label["text"]:
        return label
    key = label["before"] + label["text"]
    pos = text.find(key)
    if pos < 0:
        pos = text.find(label["text"])
        if pos < 0:
            raise ValueError(f"label {label['text']!r} not found in {label['file']}")
        return {**label, "start": pos, "end": pos + len(label["text"])}
    pos += len(label["before"])
    return {**label, "start": pos, "end": pos + len(label["text"])}


def run_document(shared: Path, doc: dict, labels: list[dict], settings,
                 headings: bool = True) -> DocResult:
    path = shared / doc["file"]
    parsed = parse_file(path)
    text = parsed.text()
    labels = [_anchor(text, lab) for lab in labels]
    squashed, index = _squash(text)
    own = frozenset(doc["own_symbols"])
    passages = split_passages(parsed, "d", max_words=settings.max_passage_words,
                              min_words=settings.min_passage_words)
    result = DocResult(doc["file"], doc["source"], labels, [])
    hint = 0
    for p, context in with_context(passages):
        head, _ = _squash(p.text[:80])
        at = squashed.find(head, hint)
        hint = at if at >= 0 else hint
        for ref in extract(p.text, doc["lang"], own, context=context):
            where = _place(text, squashed, index, p.text, ref, hint)
            if where is None:
                result.unplaced += 1
                continue
            result.placed += 1
            result.found.append(Found(where[0], where[1], ref.symbol, ref.pinpoint, ref.verb,
                                      ref.text))
    # headings: a short preambular clause the parser takes for a heading (`Recalling its
    # resolution 54/166 of 17 December 1999,`) and titles stand outside every passage
    if headings:
        for page in parsed.pages:
            for block in page.blocks:
                if block.kind != "heading":
                    continue
                for ref in extract(block.text, doc["lang"], own):
                    where = _place(text, squashed, index, block.text, ref, 0)
                    if where and not any(f.start < where[1] and where[0] < f.end
                                         for f in result.found):
                        result.in_headings += 1
                        result.found.append(Found(where[0], where[1], ref.symbol, ref.pinpoint,
                                                  ref.verb, ref.text))
    return result


def _overlap(a_start, a_end, b_start, b_end) -> bool:
    return a_start < b_end and b_start < a_end


def match(labels: list[dict], found: list[Found], keys: tuple[str, ...]) -> list[tuple[int, int]]:
    """One-to-one pairs (label index, found index) whose spans overlap and whose `keys`
    (symbol, pinpoint) agree; labels in order take the first free finding."""
    used: set[int] = set()
    pairs = []
    for i, lab in enumerate(labels):
        for j, f in enumerate(found):
            if j in used or not _overlap(lab["start"], lab["end"], f.start, f.end):
                continue
            if "symbol" in keys and normalize_symbol(lab["symbol"]) != f.symbol:
                continue
            if "pinpoint" in keys and lab["pinpoint"] != f.pinpoint:
                continue
            used.add(j)
            pairs.append((i, j))
            break
    return pairs


@dataclass
class Score:
    labelled: int = 0
    found: int = 0
    right: dict[str, int] = field(default_factory=lambda: Counter())
    verb_right: int = 0
    verb_total: int = 0

    def add(self, r: DocResult) -> None:
        self.labelled += len(r.labels)
        self.found += len(r.found)
        for name, keys in LEVELS.items():
            self.right[name] += len(match(r.labels, r.found, keys))
        for i, j in match(r.labels, r.found, ("symbol", "pinpoint")):
            self.verb_total += 1
            self.verb_right += r.labels[i]["verb"] == r.found[j].verb

    def pr(self, level: str) -> tuple[float, float]:
        right = self.right[level]
        return (right / self.found if self.found else 1.0,
                right / self.labelled if self.labelled else 1.0)


LEVELS = {"detection": (), "resolution": ("symbol",), "extraction": ("symbol", "pinpoint")}


def scanned(file: str) -> bool:
    """A UNGA document of a session up to 1992, whose text was recognized from paper."""
    m = re.match(r"unga/texts/A_(?:C.\d_)?(\d+)_", file)
    return bool(m) and int(m.group(1)) <= 47


def evaluate(shared: Path, headings: bool = True) -> tuple[dict[str, Score], list[DocResult]]:
    settings = config.load()
    labels = read_labels()
    results = [run_document(shared, d, labels.get(d["file"], []), settings, headings)
               for d in read_documents(shared)]
    groups: dict[str, Score] = defaultdict(Score)
    for r in results:
        groups[r.source].add(r)
        if r.source == "unga":
            groups["unga, born-digital" if not scanned(r.file) else "unga, from paper (OCR)"].add(r)
        groups["total"].add(r)
    return dict(groups), results


def table(groups: dict[str, Score]) -> str:
    rows = ["| set | labelled | found | detection P / R | resolution P / R | extraction P / R "
            "| verb |", "|---|---:|---:|---|---|---|---:|"]
    for name in ("corpus", "unga", "unga, born-digital", "unga, from paper (OCR)", "total"):
        s = groups.get(name)
        if s is None:
            continue
        cells = [f"{p:.3f} / {r:.3f}" for p, r in (s.pr(level) for level in LEVELS)]
        verb = f"{s.verb_right / s.verb_total:.3f}" if s.verb_total else "-"
        rows.append(f"| {name} | {s.labelled} | {s.found} | " + " | ".join(cells) + f" | {verb} |")
    return "\n".join(rows)


def errors(results: list[DocResult], limit: int) -> str:
    lines = []
    for r in results:
        pairs = match(r.labels, r.found, ("symbol", "pinpoint"))
        got_l = {i for i, _ in pairs}
        got_f = {j for _, j in pairs}
        for i, lab in enumerate(r.labels):
            if i not in got_l:
                lines.append(f"MISS {r.file} @{lab['start']} {lab['text']!r} "
                             f"{lab['symbol']} {lab['pinpoint']}")
        for j, f in enumerate(r.found):
            if j not in got_f:
                lines.append(f"WRONG {r.file} @{f.start} {f.text!r} {f.symbol} {f.pinpoint}")
    return "\n".join(lines[:limit])


def unga_all(shared: Path) -> str:
    settings = config.load()
    files = sorted((shared / "unga" / "texts").glob("*.txt"))
    passages = []
    t0 = time.process_time()
    refused = 0
    for path in files:
        try:
            parsed = parse_file(path)
        except IngestRefused:  # empty files, as `build` refuses them
            refused += 1
            continue
        own = frozenset({symbol_from_filename(path.name), parsed.meta.symbol} - {""})
        passages.append((own, [(p.text, c) for p, c in with_context(split_passages(
            parsed, "d", max_words=settings.max_passage_words,
            min_words=settings.min_passage_words))]))
    parse_time = time.process_time() - t0
    count, symbols, kinds = 0, Counter(), Counter()
    npass = 0
    t0, w0 = time.process_time(), time.perf_counter()
    for own, texts in passages:
        for text, context in texts:
            for ref in extract(text, "en", own, context=context):
                count += 1
                kinds[ref.kind] += 1
                if ref.symbol:
                    symbols[ref.symbol] += 1
            npass += 1
    took, wall = time.process_time() - t0, time.perf_counter() - w0
    top = ", ".join(f"{s} ({n})" for s, n in symbols.most_common(8))
    return (f"UNGA: {len(files)} files ({refused} refused), {npass} passages (reading and "
            f"splitting them {parse_time:.1f} s of CPU, not counted)\n"
            f"extraction {took:.2f} s of CPU ({took / npass * 1e6:.0f} us a passage; "
            f"{wall:.2f} s elapsed), {took / parse_time:.0%} of reading and splitting\n"
            f"{count} references ({dict(kinds)}), {sum(symbols.values())} with a symbol, "
            f"{len(symbols)} distinct symbols\nmost cited: {top}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", default=str(PROJECT.parent / "shared"))
    ap.add_argument("--docs", action="store_true", help="figures for each document too")
    ap.add_argument("--errors", type=int, default=0, help="print up to N misses and errors")
    ap.add_argument("--unga-all", action="store_true", help="time extraction over all UNGA")
    ap.add_argument("--no-headings", action="store_true",
                    help="extract from passages only, not from heading blocks")
    args = ap.parse_args(argv)
    shared = Path(args.shared)
    if not (shared / "corpus").is_dir():
        print(f"skipped: {shared} not available")
        return 0
    groups, results = evaluate(shared, headings=not args.no_headings)
    print(table(groups))
    total = groups["total"]
    p, r = total.pr("extraction")
    print(f"\ngoal P >= {GOAL_PRECISION}, R >= {GOAL_RECALL}: "
          f"{'PASS' if p >= GOAL_PRECISION and r >= GOAL_RECALL else 'MISS'} (extraction, total)")
    print(f"{sum(x.in_headings for x in results)} references found in headings, outside every "
          f"passage (--no-headings leaves them out)")
    unplaced = sum(x.unplaced for x in results)
    if unplaced:
        print(f"{unplaced} found references could not be placed in their document's text")
    if args.docs:
        for x in results:
            s = Score()
            s.add(x)
            pe, re_ = s.pr("extraction")
            print(f"{x.file}: labelled {s.labelled} found {s.found} P {pe:.3f} R {re_:.3f}")
    if args.errors:
        print(errors(results, args.errors))
    if args.unga_all:
        print(unga_all(shared))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
