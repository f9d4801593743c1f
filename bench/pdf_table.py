"""Passages per PDF before and after a change, and how many the staff review flags.

    .venv/bin/python bench/pdf_table.py [--before CHECKOUT]

For each of ../shared/pdf-samples (31 PDFs) and ../shared/corpus-pdf (6), the passage count
with this checkout's parser, the number of passages the staff review would flag
(indexer/library/review.py), and with `--before` the same from another checkout of the project (e.g.
a `git worktree add /tmp/main main`): that checkout's parser and passage splitter run in a
child process with it first on the path, and its passages are flagged by this checkout's
review, so both columns count the same flags. A refused file shows its refusal.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
SHARED = PROJECT.parent / "shared"

# Run in a child with a checkout first on the path: passages of each file as JSON lines.
_CHILD = r"""
import json, logging, sys, warnings
from pathlib import Path
logging.disable(logging.CRITICAL)
warnings.simplefilter("ignore")
from indexer.errors import IngestRefused
from indexer.language import document_language, passage_language
from indexer.ingest.parsers import parse_file
from indexer.ingest.passages import split_passages
for name in sys.argv[1:]:
    path = Path(name)
    try:
        doc = parse_file(path, path.name)
        lang = doc.meta.lang or document_language(doc.text()[:5000], ("en", "fr", "es"),
                                                  default="en")
        rows = []
        for p in split_passages(doc, "d"):
            p.lang = passage_language(p.text, lang, ("en", "fr", "es"), 200)
            rows.append({"label": p.label, "section": p.section, "page": p.page_label,
                         "text": p.text, "lang": p.lang})
        out = {"file": name, "lang": lang, "passages": rows}
    except IngestRefused as exc:
        out = {"file": name, "refused": exc.reason}
    print(json.dumps(out, ensure_ascii=False), flush=True)
"""


def pdfs() -> list[Path]:
    return sorted((SHARED / "pdf-samples").rglob("*.pdf")) + sorted(
        (SHARED / "corpus-pdf").glob("*.pdf"))


def passages_with(checkout: Path, files: list[Path]) -> dict[str, dict]:
    env = {"PYTHONPATH": str(checkout), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", _CHILD, *map(str, files)], cwd=str(checkout),
                         env=env, capture_output=True, text=True, check=True)
    return {r["file"]: r for r in map(json.loads, out.stdout.splitlines())}


def flagged(result: dict) -> int:
    sys.path.insert(0, str(PROJECT))
    from indexer.library.review import flagged as count
    from indexer.library.review import review_rows
    from indexer.models import Passage

    ps = [Passage(passage_id=f"d-{i}", doc_id="d", ordinal=i, text=r["text"], label=r["label"],
                  section=r["section"], page_label=r["page"], lang=r["lang"])
          for i, r in enumerate(result["passages"])]
    return count(review_rows(ps, result["lang"]))


def cell(result: dict | None) -> tuple[str, str]:
    if result is None:
        return "", ""
    if "refused" in result:
        return "refused", ""
    return str(len(result["passages"])), str(flagged(result))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", type=Path, help="another checkout (e.g. of main) to compare")
    args = ap.parse_args()
    files = pdfs()
    if not files:
        print("../shared is absent: nothing to measure", file=sys.stderr)
        return 1
    after = passages_with(PROJECT, files)
    before = passages_with(args.before.resolve(), files) if args.before else {}
    print("| file | passages before | flagged before | passages after | flagged after |")
    print("| --- | ---: | ---: | ---: | ---: |")
    totals = [0, 0, 0, 0]
    for f in files:
        b = cell(before.get(str(f))) if before else ("", "")
        a = cell(after.get(str(f)))
        for i, v in enumerate((*b, *a)):
            totals[i] += int(v) if v.isdigit() else 0
        print(f"| {f.relative_to(SHARED)} | {b[0]} | {b[1]} | {a[0]} | {a[1]} |")
    print(f"| **total** | {totals[0] if before else ''} | {totals[1] if before else ''} | "
          f"{totals[2]} | {totals[3]} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
