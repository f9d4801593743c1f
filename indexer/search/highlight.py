"""Snippets with matches marked, built from escaped text (nothing from a document or a query
reaches HTML unescaped: every piece goes through html.escape)."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from indexer import analysis
from indexer.engines.analysed import Analysed, word_terms


def mark_spans(text: str, kinds: list[str], terms: list[set[str]],
               analyze: Callable[[str, str], list[str]],
               stored: Analysed | None = None) -> list[tuple[int, int]]:
    """Character spans of words whose analysed form is one of the query's terms.

    `kinds[i]` is the analysis (analysis.py: a language, "zh" or "neutral") of a field whose
    query terms are `terms[i]`; `analyze(kind, word)` is the engine's, so a word is marked
    exactly when the index holds it under a term the query asked for. With the passage's
    stored analysis (engines/analysed.py), each word's terms are read from it instead."""
    spans: set[tuple[int, int]] = set()
    for kind, wanted in zip(kinds, terms, strict=True):
        if not wanted:
            continue
        if kind == "zh":
            spans.update((t.start, t.end) for t in analysis.cjk_tokens(text)
                         if t.text in wanted)
            continue
        counts = stored.word_counts(kind) if stored is not None else ""
        if stored is not None and counts:
            if wanted.isdisjoint(stored.term_set(kind)):
                continue  # none of its words holds one
            words = word_terms(text, counts, stored.of_kind(kind))
            spans.update(span for span, held in words if held and not wanted.isdisjoint(held))
            continue
        for m in analysis.WORD_RE.finditer(text):
            if not wanted.isdisjoint(analyze(kind, m.group(0))):
                spans.add(m.span())
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def snippet(text: str, spans: list[tuple[int, int]], width: int = 320) -> str:
    """An HTML fragment of about `width` characters around the densest run of matches."""
    if len(text) <= width:
        start, end = 0, len(text)
    elif not spans:
        start, end = 0, width
    else:
        # Window that covers the most match starts.
        best, best_start = -1, 0
        starts = [s for s, _ in spans]
        j = 0
        for i, s in enumerate(starts):
            while starts[j] < s - width + 80:
                j += 1
            if i - j > best:
                best, best_start = i - j, starts[j]
        start = max(0, best_start - 60)
        end = min(len(text), start + width)
        # widen to word boundaries
        while start > 0 and not text[start - 1].isspace():
            start -= 1
        while end < len(text) and not text[end].isspace():
            end += 1
    out = ["…" if start > 0 else ""]
    pos = start
    for s, e in spans:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        out.append(escape(text[pos:s]))
        out.append(f"<mark>{escape(text[s:e])}</mark>")
        pos = e
    out.append(escape(text[pos:end]))
    if end < len(text):
        out.append("…")
    return "".join(out)
