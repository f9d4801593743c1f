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


def encode(record: dict, analyze: Analyze, piecewise: bool = False) -> str:
    """The stored analysis of a passage record (engines/records.py).

    `piecewise`: `analyze` of a text is `analyze` of its whitespace-separated pieces put
    together (tantivy_engine.analyze is defined so); each piece's analyses are then made once
    and remembered (_Pieces)."""
    content = record.get("content", "") or ""
    own_kind = field_kind(text_field(record.get("lang", "")))
    if piecewise and own_kind != "zh":  # (CJK runs are cut into words by a dictionary)
        return _pieces(analyze, own_kind).encode(content, record.get("title", "") or "")
    words = WORD_RE.findall(content)
    own, own_words = _with_words(analyze, own_kind, content, words)
    neutral, neutral_words = _with_words(analyze, NEUTRAL, content, words)
    exact = analyze(EXACT, content)
    title = analyze(NEUTRAL, record.get("title", "") or "")
    return SEP.join((" ".join(own), own_words, " ".join(neutral), neutral_words,
                     " ".join(exact), " ".join(title)))


PIECES_CACHED = 200_000  # pieces (and titles) remembered per analysis (then it starts over)


def _with_words(analyze: Analyze, kind: str, content: str,
                words: list[str]) -> tuple[list[str], str]:
    """(the text's terms, each word's term count) for one analysis; the counts are "" when
    the words' terms put together are not the text's."""
    terms = analyze(kind, content)
    if kind == "zh" or not words:
        return terms, ""
    per_word = [analyze(kind, w) for w in words]
    joined = [t for ts in per_word for t in ts]
    if joined != terms:
        return terms, ""
    return terms, "".join([chr(_ZERO + len(ts)) for ts in per_word])


class _Pieces:
    """Every analysis a passage stores of each whitespace piece of its text, made once a piece
    and remembered, for one own analysis (`analyze` is then only given single pieces).

    A build stores the analyses of every passage. Made a text at a time, a passage's words
    were looked up five times (three analyses of the text, and its words' terms for two of
    them), and this was about half the time of a build's indexing process. A word (WORD_RE)
    never holds whitespace, so a text's words are its pieces' words in order, and its word
    counts its pieces' counts put together."""

    def __init__(self, analyze: Analyze, own_kind: str):
        self.analyze, self.own_kind = analyze, own_kind
        # piece -> (own terms, own counts, neutral terms, neutral counts, exact terms); the
        # counts are None when the words' terms put together are not the piece's
        self.memo: dict[str, tuple] = {}
        self.titles: dict[str, str] = {}  # a document's title, once for all its passages

    def encode(self, content: str, title: str) -> str:
        memo = self.memo
        if len(memo) >= PIECES_CACHED:
            memo.clear()
        own: list[str] = []
        neutral: list[str] = []
        exact: list[str] = []
        own_counts: list[str | None] = []
        neutral_counts: list[str | None] = []
        for piece in content.split():
            got = memo.get(piece)
            if got is None:
                got = memo[piece] = self._piece(piece)
            own += got[0]
            own_counts.append(got[1])
            neutral += got[2]
            neutral_counts.append(got[3])
            exact += got[4]
        titled = self.titles.get(title)
        if titled is None:
            if len(self.titles) >= PIECES_CACHED:
                self.titles.clear()
            titled = self.titles[title] = " ".join(
                [t for piece in title.split() for t in self.analyze(NEUTRAL, piece)])
        return SEP.join((" ".join(own), _counts(own_counts), " ".join(neutral),
                         _counts(neutral_counts), " ".join(exact), titled))

    def _piece(self, piece: str) -> tuple:
        words = WORD_RE.findall(piece)
        own = self._with_counts(self.own_kind, piece, words)
        neutral = own if self.own_kind == NEUTRAL else \
            self._with_counts(NEUTRAL, piece, words)
        return (*own, *neutral, self.analyze(EXACT, piece))

    def _with_counts(self, kind: str, piece: str, words: list[str]) -> tuple[list[str], str | None]:
        terms = self.analyze(kind, piece)
        if len(words) == 1 and words[0] == piece:  # one word: its terms are the piece's
            return terms, chr(_ZERO + len(terms))
        per_word = [self.analyze(kind, w) for w in words]
        if [t for ts in per_word for t in ts] != terms:
            return terms, None
        return terms, "".join([chr(_ZERO + len(ts)) for ts in per_word])


def _counts(pieces: list[str | None]) -> str:
    """A text's word counts from its pieces' ("" when a piece has none)."""
    return "" if None in pieces else "".join(pieces)  # type: ignore[arg-type]


_BY_PIECES: dict[tuple[Analyze, str], _Pieces] = {}


def forget_pieces() -> None:
    """Drop the remembered pieces (about 600 bytes each, up to PIECES_CACHED an analysis): a
    server process that indexed an upload must not keep them."""
    _BY_PIECES.clear()


def _pieces(analyze: Analyze, own_kind: str) -> _Pieces:
    got = _BY_PIECES.get((analyze, own_kind))
    if got is None:
        got = _BY_PIECES[(analyze, own_kind)] = _Pieces(analyze, own_kind)
    return got


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
