"""Our BM25, engine-neutral: a query plan (indexer/query/plan.py) scored against one
candidate passage's own text, with the index's statistics.

For engines whose built-in BM25 cannot take our parameters: tantivy's is fixed at k1 = 1.2,
b = 0.75, which ranked short fragments (a GCM objective's 11-word title) above the
paragraphs that say the thing (the 60-word commitment under it). tantivy retrieves the
candidates; this module orders them as the Whoosh engine's FieldBM25F does, so both engines
rank alike:

- a term: boost * idf * tf (k1 + 1) / (tf + k1 (1 - b + b dl / avgdl)), idf =
  log(1 + (N - df + 0.5) / (df + 0.5)), N and avgdl over the passages that have the field
  (a language field: the passages in that language);
- a phrase: its terms' scores summed when the terms stand in order with at most `slop`
  other words between them in all, stop words aside (positions renumbered, as the analysis
  removes them), exactly as plan.Phrase (indexer/query/plan.py) defines it;
- And, Or, AndMaybe: the sum of the children that match; DisMax: the best child plus
  `tiebreak` times the others; AndNot and Filter: the scored part; prefix and fuzzy words,
  keyword fields, ranges and MatchAll: their boost, unscored by frequency (as both engines
  score them).

Term frequencies and lengths come from analysing the passage's stored text with the
engine's analysis, so they are the index's own (not rounded like an engine's one-byte
length norms).
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Callable
from math import log
from typing import Protocol

from rapidfuzz.distance import Levenshtein

from indexer.analysis import EXACT, NEUTRAL
from indexer.engines.analysed import Analysed
from indexer.query.fields import (
    EXACT_FIELD,
    LANGUAGE_FIELDS,
    NEUTRAL_FIELD,
    TEXTUAL,
    TITLE_FIELD,
    field_kind,
    text_field,
)
from indexer.query.plan import (
    And,
    AndMaybe,
    AndNot,
    DisMax,
    Filter,
    Fuzzy,
    MatchAll,
    MatchNone,
    Or,
    Phrase,
    Prefix,
    Range,
    Term,
    iter_terms,
)

# Robertson/Sparck Jones BM25 with a weaker length norm and earlier tf saturation than the
# usual b = 0.75, k1 = 1.2: passages are already cut at paragraphs (<= 300 words); at
# b = 0.75 a 60-word GCM paragraph lost to 20-word fragments. Chosen on Vaswani (MAP/nDCG
# @1000, Whoosh engine): b 0.75 k1 1.2 0.2880/0.6114; 0.5/1.2 0.2921/0.6169; 0.4/0.9
# 0.2909/0.6156; 0.6/1.2 0.2949/0.6192; 0.6/0.9 0.2952/0.6196.
B, K1 = 0.6, 0.9

Analyze = Callable[[str, str], list[str]]


class Statistics(Protocol):
    """What an index tells about a field (logical field names, as in the plan)."""

    def field_stats(self, fieldname: str) -> tuple[int, float]:
        """(passages that have the field, their average length in terms)."""

    def doc_frequency(self, fieldname: str, term: str) -> int:
        """Passages whose field holds the term."""


def idf(n: int, df: int) -> float:
    return log(1 + (n - df + 0.5) / (df + 0.5))


def term_weight(tf: int, dl: int, avgdl: float, b: float = B, k1: float = K1) -> float:
    return tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / (avgdl or 1)))


own_field = text_field  # a passage's own text field, by its language


class Candidate:
    """A passage's fields as the index holds them: from the analysis stored with it
    (engines/analysed.py), else analysed on first use."""

    __slots__ = ("record", "analyze", "analysed", "_tokens", "fields")

    def __init__(self, record: dict, analyze: Analyze, analysed: Analysed | None = None):
        self.record = record
        self.analyze = analyze
        self.analysed = analysed
        self._tokens: dict[str, list[str]] = {}
        self.fields: dict[str, tuple[dict, int]] = {}  # (term counts, length) by field

    def tokens(self, fieldname: str) -> list[str]:
        toks = self._tokens.get(fieldname)
        if toks is None:
            rec = self.record
            stored = self.analysed
            if fieldname == NEUTRAL_FIELD:
                toks = (stored.neutral() if stored is not None
                        else self.analyze(NEUTRAL, rec.get("content", "")))
            elif fieldname == EXACT_FIELD:
                toks = (stored.exact() if stored is not None
                        else self.analyze(EXACT, rec.get("content", "")))
            elif fieldname == TITLE_FIELD:
                toks = (stored.title() if stored is not None
                        else _title_terms(self.analyze, rec.get("title", "") or ""))
            elif fieldname == own_field(rec.get("lang", "")):
                toks = (stored.own() if stored is not None
                        else self.analyze(field_kind(fieldname), rec.get("content", "")))
            else:  # another language's field, or a keyword field (`cites` holds several)
                value = rec.get(fieldname)
                toks = ([value] if isinstance(value, str) and value
                        else list(value) if isinstance(value, list) else [])
            self._tokens[fieldname] = toks
        return toks

    def field(self, fieldname: str) -> tuple[dict, int]:
        """(term frequencies, length) of a field."""
        found = self.fields.get(fieldname)
        if found is None:
            toks = self.tokens(fieldname)
            found = self.fields[fieldname] = (Counter(toks) if toks else _EMPTY,
                                               stored_length(len(toks)))
        return found

    def counts(self, fieldname: str) -> dict:
        return self.field(fieldname)[0]


_EMPTY: dict = {}
# A passage's field length as Whoosh stores it (as Lucene does, in one byte): exact up to 10
# terms, then on a log scale rounded up (112 -> 114). BM25 is the Whoosh engine's only with
# the same lengths: with exact ones, near-ties between a 112- and a 114-term passage went the
# other way and French "autorités locales" lost 0.06 nDCG@10 against the Whoosh engine.
_LENGTHS = [int(round((1.033 ** n - 1) * 27)) for n in range(256)]


def stored_length(n: int) -> int:
    return _LENGTHS[255] if n >= _LENGTHS[255] else _LENGTHS[bisect_left(_LENGTHS, n)]
_TITLES: dict[tuple, list[str]] = {}


def _title_terms(analyze: Analyze, title: str) -> list[str]:
    """Titles repeat across a document's passages: analysed once (a bounded cache)."""
    key = (analyze, title)
    toks = _TITLES.get(key)
    if toks is None:
        if len(_TITLES) >= 4096:
            _TITLES.clear()
        toks = _TITLES[key] = analyze(NEUTRAL, title)
    return toks


_TEXTUAL = TEXTUAL

Score = Callable[[Candidate], "float | None"]


class Scorer:
    """A query plan compiled, with one index's statistics, into a function scoring
    candidates (None: the candidate does not match).

    Compiled once per language of candidate: a passage has one language's text field, so
    the parts of the plan on other languages' fields cannot match it and are pruned (a
    plan with expansions has terms in half a dozen languages' fields; scoring an English
    passage walked them all)."""

    def __init__(self, node, stats: Statistics, b: float = B, k1: float = K1):
        self.stats = stats
        self.node = node
        self.b, self.k1 = b, k1
        self._fields: dict[str, tuple[int, float]] = {}
        self._terms: dict[tuple[str, str, float], Score] = {}
        self._by_field: dict[str, Score] = {}

    def __call__(self, c: Candidate) -> float | None:
        own = own_field(c.record.get("lang", ""))
        fn = self._by_field.get(own)
        if fn is None:
            fn = self._compile(self.node, own)
            self._by_field[own] = fn = _NEVER_FN if fn is NEVER else fn
        return fn(c)

    def _field(self, fieldname: str) -> tuple[int, float]:
        st = self._fields.get(fieldname)
        if st is None:
            st = self._fields[fieldname] = self.stats.field_stats(fieldname)
        return st

    def _term(self, fieldname: str, term: str, boost: float) -> Score:
        key = (fieldname, term, boost)
        if key not in self._terms:  # statistics once, for all the languages' compilations
            self._terms[key] = self._make_term(fieldname, term, boost)
        return self._terms[key]

    def _make_term(self, fieldname: str, term: str, boost: float) -> Score:
        if fieldname not in _TEXTUAL:  # keyword fields: matched or not
            def keyword(c: Candidate) -> float | None:
                return boost if c.counts(fieldname).get(term) else None
            return keyword
        n, avgdl = self._field(fieldname)
        df = self.stats.doc_frequency(fieldname, term)
        weight = boost * idf(max(n, df), df) * (self.k1 + 1)
        k_flat = self.k1 * (1 - self.b)
        k_len = self.k1 * self.b / (avgdl or 1)

        def term_score(c: Candidate) -> float | None:
            counts, dl = c.fields.get(fieldname) or c.field(fieldname)
            tf = counts.get(term)
            if not tf:
                return None
            return weight * tf / (tf + k_flat + k_len * dl)
        return term_score

    def _compile(self, node, own: str):
        """The plan for candidates whose own text field is `own` (NEVER: cannot match)."""
        if isinstance(node, (Term, Phrase, Prefix, Fuzzy)) and node.field in _LANGUAGE_FIELDS \
                and node.field != own:
            return NEVER
        if isinstance(node, Term):
            return self._term(node.field, node.text, node.boost)
        if isinstance(node, Phrase):
            if len(node.terms) == 1:
                return self._term(node.field, node.terms[0], node.boost)
            parts = [self._term(node.field, t, node.boost) for t in node.terms]
            fieldname, terms, slop = node.field, node.terms, node.slop

            def phrase(c: Candidate) -> float | None:
                total = _sum_all(parts, c)
                if total is None or not phrase_matches(c.tokens(fieldname), terms, slop):
                    return None
                return total
            return phrase
        if isinstance(node, (And, Or, DisMax)):
            kids = [self._compile(ch, own) for ch in node.children]
            boost = node.boost
            if isinstance(node, And):
                if NEVER in kids:
                    return NEVER

                def all_of(c: Candidate) -> float | None:
                    total = _sum_all(kids, c)
                    return None if total is None else total * boost
                return all_of
            kids = [k for k in kids if k is not NEVER]
            if not kids:
                return NEVER
            if len(kids) == 1 and boost == 1.0:  # one child's sum or best is its own score
                return kids[0]
            if isinstance(node, Or):
                def any_of(c: Candidate) -> float | None:
                    total, found = 0.0, False
                    for k in kids:
                        s = k(c)
                        if s is not None:
                            total += s
                            found = True
                    return total * boost if found else None
                return any_of
            tiebreak = node.tiebreak

            def best_of(c: Candidate) -> float | None:
                total, best, found = 0.0, 0.0, False
                for k in kids:
                    s = k(c)
                    if s is not None:
                        total += s
                        if not found or s > best:
                            best = s
                        found = True
                if not found:
                    return None
                return (best + tiebreak * (total - best)) * boost
            return best_of
        if isinstance(node, AndMaybe):
            req = self._compile(node.required, own)
            if req is NEVER:
                return NEVER
            opt = self._compile(node.optional, own)
            if opt is NEVER:
                return req

            def maybe(c: Candidate) -> float | None:
                s = req(c)
                if s is None:
                    return None
                o = opt(c)
                return s if o is None else s + o
            return maybe
        if isinstance(node, AndNot):
            return self._compile(node.positive, own)  # the engine excluded the negative part
        if isinstance(node, Filter):
            return self._compile(node.query, own)  # the engine applied the condition
        if isinstance(node, Prefix):
            def prefix(c: Candidate) -> float | None:
                hit = any(t.startswith(node.text) for t in c.counts(node.field))
                return node.boost if hit else None
            return prefix
        if isinstance(node, Fuzzy):
            def fuzzy(c: Candidate) -> float | None:
                hit = any(Levenshtein.distance(t, node.text, score_cutoff=node.maxdist)
                          <= node.maxdist
                          for t in c.counts(node.field))
                return node.boost if hit else None
            return fuzzy
        if isinstance(node, (Range, MatchAll)):
            return lambda c: 0.0
        if isinstance(node, MatchNone):
            return NEVER
        raise TypeError(f"not a query plan node: {node!r}")


def _sum_all(parts: list[Score], c: Candidate) -> float | None:
    """The parts' scores summed, None as soon as one does not match."""
    total = 0.0
    for part in parts:
        s = part(c)
        if s is None:
            return None
        total += s
    return total


# A compiled part that no candidate of the language matches (pruned from its parents).
NEVER = object()


def _NEVER_FN(c: Candidate) -> None:
    return None


# The text fields that hold one language's passages only (a passage has one of them).
_LANGUAGE_FIELDS = frozenset(LANGUAGE_FIELDS)


def scores_text(node) -> bool:
    """Whether the plan scores words in text fields (else every match scores alike)."""
    return any(f in _TEXTUAL for f, _t in iter_terms(node))


def phrase_matches(tokens: list[str], terms: tuple[str, ...], slop: int) -> bool:
    """Whether `terms` stand in `tokens` in order with at most `slop` other tokens between
    them in all (the earliest following occurrence of each next term gives the shortest
    span from a given start)."""
    n = len(terms)
    positions: dict[str, list[int]] = {t: [] for t in terms}
    for i, tok in enumerate(tokens):
        if tok in positions:
            positions[tok].append(i)
    if any(not positions[t] for t in terms):
        return False
    for start in positions[terms[0]]:
        pos = start
        for t in terms[1:]:
            nxt = next((p for p in positions[t] if p > pos), None)
            if nxt is None:
                return False  # no later occurrence: later starts cannot do better
            pos = nxt
            if pos - start - (n - 1) > slop:
                break
        else:
            return True
    return False
