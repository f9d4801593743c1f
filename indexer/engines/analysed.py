"""A passage's analysis, made once when it is indexed and stored beside its record, so that a
search reads what it needs of a candidate instead of analysing its text again.

A search re-scores each candidate with our BM25 (bm25.py: term frequencies, field lengths,
phrase positions), weighs the share of the typed words it holds (search/ranking.py) and
marks the words it matched (search/highlight.py). All of that is a function of the passage's
terms in four analysed fields. Analysing them at query time was most of a first search
(about 60 us a candidate, ~200 candidates a query, in Python); read from the index, they are
a split of a stored string.

Stored as one string of fields separated by RS (U+001E); terms within a field by spaces
(no term holds whitespace or control characters: every analysis splits on them):

    own terms | own words | neutral terms | neutral words | exact terms | title terms

- own terms: the passage's own text field (bm25.own_field: text_<lang>, or text_other
  analysed as neutral), in order: their index is their position (phrases);
- neutral, exact, title terms: the text_neutral, text_exact and title fields, in order;
- own words, neutral words: how many of the terms each word of the text gives
  (analysis.WORD_RE's words, one character each: chr(48 + n)), so that highlighting knows
  which words hold a term without analysing them; empty where the per-word analysis would
  not give the same terms as the whole text's (a word the engine's tokenizer splits
  differently, CJK text): the highlighter then analyses those passages' words itself.

Every term is the engine's own analysis (`analyze(kind, text)`, the function queries are
analysed with), so the terms are exactly the index's.
"""

from __future__ import annotations

from collections.abc import Callable
from sys import intern

from indexer.analysis import EXACT, NEUTRAL, WORD_RE
from indexer.query.fields import field_kind, text_field

Analyze = Callable[[str, str], list[str]]

SEP = "\x1e"
_ZERO = 48  # a word's term count n is stored as chr(48 + n)
_OWN, _OWN_WORDS, _NEUTRAL, _NEUTRAL_WORDS, _EXACT, _TITLE = range(6)


def encode(record: dict, analyze: Analyze) -> str:
    """The stored analysis of a passage record (engines/records.py)."""
    content = record.get("content", "") or ""
    own_kind = field_kind(text_field(record.get("lang", "")))
    words = WORD_RE.findall(content)
    own, own_words = _with_words(analyze, own_kind, content, words)
    neutral, neutral_words = _with_words(analyze, NEUTRAL, content, words)
    exact = analyze(EXACT, content)
    title = analyze(NEUTRAL, record.get("title", "") or "")
    return SEP.join((" ".join(own), own_words, " ".join(neutral), neutral_words,
                     " ".join(exact), " ".join(title)))


# Each word's terms, remembered per analysis: a build analyses every word of every passage
# on its own (the counts below), and calling `analyze` for each (3.2 million calls for a
# sixth of the UNGA set) was half of the indexing process's time, which is what a build waits
# for. Words recur: most are a dictionary look-up.
_WORDS: dict[tuple[Analyze, str], dict[str, list[str]]] = {}
WORDS_CACHED = 200_000  # words remembered per analysis (then it starts over)


def _word_terms(analyze: Analyze, kind: str, words: list[str]) -> list[list[str]]:
    memo = _WORDS.get((analyze, kind))
    if memo is None or len(memo) >= WORDS_CACHED:
        memo = _WORDS[(analyze, kind)] = {}
    out = []
    for w in words:
        terms = memo.get(w)
        if terms is None:
            terms = memo[w] = analyze(kind, w)
        out.append(terms)
    return out


def _with_words(analyze: Analyze, kind: str, content: str,
                words: list[str]) -> tuple[list[str], str]:
    """(the text's terms, each word's term count) for one analysis; the counts are "" when
    the words' terms put together are not the text's."""
    terms = analyze(kind, content)
    if kind == "zh" or not words:
        return terms, ""
    per_word = _word_terms(analyze, kind, words)
    joined = [t for ts in per_word for t in ts]
    if joined != terms:
        return terms, ""
    return terms, "".join([chr(_ZERO + len(ts)) for ts in per_word])


class Analysed:
    """A stored analysis, split on first use of each field."""

    __slots__ = ("_parts", "_split", "_sets", "own_kind")

    def __init__(self, text: str, own_kind: str):
        self._parts = text.split(SEP)
        if len(self._parts) != 6:
            raise ValueError("not a stored analysis (engines/analysed.py)")
        self._split: dict[int, list[str]] = {}
        self._sets: dict[str, frozenset[str]] = {}
        self.own_kind = own_kind

    def _terms(self, i: int) -> list[str]:
        got = self._split.get(i)
        if got is None:
            # interned: the same terms recur in every passage a process keeps (a term's
            # string once, not once per passage: a third of a kept passage's memory)
            got = self._split[i] = list(map(intern, self._parts[i].split()))
            self._parts[i] = ""  # (held as the list now)
        return got

    def own(self) -> list[str]:
        return self._terms(_OWN)

    def neutral(self) -> list[str]:
        return self._terms(_NEUTRAL)

    def exact(self) -> list[str]:
        return self._terms(_EXACT)

    def title(self) -> list[str]:
        return self._terms(_TITLE)

    def of_kind(self, kind: str) -> list[str]:
        """The terms of one analysis of the passage's text: its own field's, NEUTRAL or
        EXACT (a text_other passage's own terms are its neutral ones)."""
        if kind == self.own_kind:
            return self.own()
        if kind == NEUTRAL:
            return self.neutral()
        if kind == EXACT:
            return self.exact()
        raise KeyError(f"{kind!r} is not an analysis of this passage's text")

    def term_set(self, kind: str) -> frozenset[str]:
        """The distinct terms of `of_kind(kind)` (from the stored string when the terms in
        order were not needed yet: a passage fusion weighs is often never scored)."""
        got = self._sets.get(kind)
        if got is None:
            i = _NEUTRAL if kind == NEUTRAL and self.own_kind != NEUTRAL else \
                _OWN if kind == self.own_kind else _EXACT if kind == EXACT else -1
            if i < 0:
                raise KeyError(f"{kind!r} is not an analysis of this passage's text")
            held = self._split.get(i)
            got = self._sets[kind] = frozenset(held if held is not None
                                               else self._parts[i].split())
        return got

    def word_counts(self, kind: str) -> str:
        """Each word's term count (chr(48 + n)) in analysis `kind`, "" when not stored."""
        if kind == self.own_kind:
            return self._parts[_OWN_WORDS]
        if kind == NEUTRAL:
            return self._parts[_NEUTRAL_WORDS]
        return ""


def decode(text: str, record: dict) -> Analysed:
    return Analysed(text, field_kind(text_field(record.get("lang", ""))))


def word_terms(text: str, counts: str, terms: list[str]):
    """(span, terms) of each word of `text` (analysis.WORD_RE), from a stored analysis."""
    pos = 0
    for m, c in zip(WORD_RE.finditer(text), counts, strict=False):
        n = ord(c) - _ZERO
        yield m.span(), terms[pos:pos + n]
        pos += n
