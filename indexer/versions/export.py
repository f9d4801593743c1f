"""A comparison written out for a briefing note: Markdown (changes marked ~~deleted~~ and
**inserted**) or CSV (one row per aligned pair). Pure: text in, text out."""

from __future__ import annotations

import csv
import io

from indexer.models import Document
from indexer.versions.compare import Comparison, Pair

CSV_COLUMNS = ("status", "label_a", "label_b", "moved", "part", "similarity", "changes",
               "text_a", "text_b", "passage_a", "passage_b")


def labels(pair: Pair) -> str:
    """`23 → 39(c)`, `23 → –` (removed), `– → 39(c)` (added); `(unnumbered)` for a paragraph
    without a label."""
    def one(p) -> str:
        if p is None:
            return "–"
        return p.label or "(unnumbered)"
    return f"{one(pair.a)} → {one(pair.b)}"


def marked(pair: Pair, insert=("**", "**"), delete=("~~", "~~")) -> str:
    """The pair's text with its changes marked (the whole text of an added or removed one)."""
    if pair.a is None or pair.b is None:
        return (pair.a or pair.b).text
    out = []
    for op in pair.diff:
        text = op["text"]
        if op["op"] == "equal":
            out.append(text)
            continue
        lead = text[:len(text) - len(text.lstrip())]
        core = text.strip()
        if not core:
            continue
        left, right = insert if op["op"] == "insert" else delete
        out.append(f"{lead}{left}{core}{right}")
    return "".join(out)


def _doc_line(d: Document) -> str:
    bits = [d.meta.title or d.file]
    for x in (d.meta.symbol, d.meta.version, d.meta.date):
        if x:
            bits.append(x)
    return ", ".join(bits) + f" ({d.doc_id})"


def _md_escape(text: str) -> str:
    for ch in ("\\", "`", "*", "_", "~", "[", "]", "<", ">", "#", "|"):
        text = text.replace(ch, "\\" + ch)
    return text


def markdown(a: Document, b: Document, comparison: Comparison, only: str = "",
             include_unchanged: bool = False) -> str:
    pairs = comparison.only(only) if only.strip() else comparison.pairs
    s = comparison.summary(pairs)
    lines = [f"# Changes from {_md_escape(a.meta.symbol or a.meta.title or a.doc_id)} to "
             f"{_md_escape(b.meta.symbol or b.meta.title or b.doc_id)}", "",
             f"- A (older): {_md_escape(_doc_line(a))}",
             f"- B (newer): {_md_escape(_doc_line(b))}"]
    if only.strip():
        lines.append(f"- Only paragraphs mentioning: “{_md_escape(only.strip())}”")
    lines += ["", f"Paragraphs: {s['unchanged']} unchanged, {s['changed']} changed, "
              f"{s['added']} added, {s['removed']} removed ({s['moved']} moved). "
              "Deleted words are ~~struck through~~, inserted words in **bold**.", ""]
    for p in pairs:
        if p.status == "unchanged" and not p.moved and not include_unchanged:
            continue
        tags = [p.status] + (["moved"] if p.moved else []) + ([p.part] if p.part else [])
        lines.append(f"## {_md_escape(labels(p))} ({', '.join(tags)})")
        lines.append("")
        lines.append(marked(_escaped(p)))
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _escaped(pair: Pair) -> Pair:
    """The pair with its texts Markdown-escaped (so a `*` in a text is no markup)."""
    from dataclasses import replace

    def esc(p):
        return None if p is None else replace(p, text=_md_escape(p.text))
    return replace(pair, a=esc(pair.a), b=esc(pair.b),
                   diff=[{"op": o["op"], "text": _md_escape(o["text"])} for o in pair.diff])


def _cell(value) -> str:
    text = "" if value is None else str(value)
    # Spreadsheets run cells that start like a formula; a leading apostrophe stops that.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_text(comparison: Comparison, only: str = "") -> str:
    """UTF-8 CSV with a BOM (spreadsheets read accents then), one row per pair; `changes`
    marks deletions [-like this-] and insertions {+like this+}."""
    pairs = comparison.only(only) if only.strip() else comparison.pairs
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(CSV_COLUMNS)
    for p in pairs:
        w.writerow([_cell(v) for v in (
            p.status, p.a.label if p.a else "", p.b.label if p.b else "",
            "yes" if p.moved else "", p.part, f"{p.similarity:.3f}",
            marked(p, insert=("{+", "+}"), delete=("[-", "-]")),
            p.a.text if p.a else "", p.b.text if p.b else "",
            p.a.passage_id if p.a else "", p.b.passage_id if p.b else "")])
    return "\ufeff" + buf.getvalue()
