"""OCR accuracy and speed on real UN PDFs (part of `make bench`).

    python bench/bench_ocr.py [--shared DIR] [--dpi 200]

Each PDF of ../shared/corpus-pdf (the UDHR and the 2030 Agenda goals and targets in en, fr,
es) is made image-only by rendering its pages at --dpi (tests/scanmaker.py), then read back
through the real parser (OCR with Tesseract) and split into passages by the real pipeline
code. Against the same PDF's text layer it reports, per language:

- word accuracy: the share of the text layer's words that OCR gives, in order (difflib's
  matching blocks over the two word sequences, case and punctuation kept);
- paragraph labels recovered: the share of the text layer's passage labels (with their
  page) that the OCR copy has too;
- pages per second of OCR (rendering included).

Target (issue 12): word accuracy >= 97 % for each language. It is a benchmark: it prints
PASS/MISS and exits 0; it skips (exit 0) without ../shared or Tesseract.
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from indexer.ingest import ocr
from indexer.ingest.parsers import parse_file
from indexer.ingest.passages import split_passages

TARGET = 0.97


def words(text: str) -> list[str]:
    return re.findall(r"\w+(?:[.,;:’'-]\w+)*", text)


def word_accuracy(reference: list[str], read: list[str]) -> float:
    matcher = difflib.SequenceMatcher(None, reference, read, autojunk=False)
    same = sum(block.size for block in matcher.get_matching_blocks())
    return same / max(1, len(reference))


def labels(parsed) -> set[tuple[str, str]]:
    return {(p.label, p.page_label) for p in split_passages(parsed, "x") if p.label}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--dpi", type=int, default=200)
    args = ap.parse_args()
    folder = args.shared / "corpus-pdf"
    if not folder.exists():
        print(f"skipped: {folder} is not there")
        return 0
    if ocr.missing():
        print(f"skipped: {ocr.missing()}")
        return 0
    from scanmaker import scan_pdf

    print(f"== OCR: {folder} rendered at {args.dpi} dpi, read back with Tesseract "
          f"({', '.join(sorted(ocr.languages()))} installed)")
    per_lang: dict[str, list] = defaultdict(list)
    with tempfile.TemporaryDirectory(prefix="bench-ocr-") as tmp:
        for pdf in sorted(folder.glob("*.pdf")):
            lang = pdf.stem.rsplit(".", 1)[-1]
            text_layer = parse_file(pdf)
            scanned = scan_pdf(pdf, Path(tmp) / pdf.name, dpi=args.dpi)
            started = time.perf_counter()
            read = parse_file(scanned)
            took = time.perf_counter() - started
            n_pages = len(read.pages)
            acc = word_accuracy(words(text_layer.text()), words(read.text()))
            want, got = labels(text_layer), labels(read)
            found = len(want & got) / max(1, len(want))
            pages_ok = [p.label for p in text_layer.pages] == [p.label for p in read.pages]
            per_lang[lang].append((len(words(text_layer.text())), acc, found, n_pages, took))
            print(f"   {pdf.name:42s} {n_pages:3d} pages  word accuracy {acc:6.1%}  "
                  f"labels {len(want & got)}/{len(want)}  page labels "
                  f"{'same' if pages_ok else 'DIFFER'}  {n_pages / took:.2f} pages/s")
    print("   language   words   word accuracy   labels recovered   pages/s   target")
    for lang, rows in sorted(per_lang.items()):
        n = sum(r[0] for r in rows)
        acc = sum(r[0] * r[1] for r in rows) / max(1, n)
        found = sum(r[2] for r in rows) / len(rows)
        rate = sum(r[3] for r in rows) / sum(r[4] for r in rows)
        print(f"   {lang:8s} {n:7d}   {acc:13.1%}   {found:16.1%}   {rate:7.2f}   "
              f"{'PASS' if acc >= TARGET else 'MISS'} (>= {TARGET:.0%})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
