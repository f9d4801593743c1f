"""The engine-neutral query plan: what a search asks of the index, field by field.

The search side builds these nodes (indexer/query/planner.py); each engine translates them into its
own queries (indexer/engines/). Terms are already analysed (indexer/analysis.py or the engine's
own `analyze`), so an engine looks them up as they are.

Fields are logical names: `text_<lang>` (a passage's own-language text, stemmed), `text_other`
(passages in languages without a stemmer), `text_neutral` (every passage, accents folded),
`title`, and the keyword fields (passage_id, doc_id, lang, series, symbol, work, label_key,
text_hash); `year` is a number.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    field: str
    text: str
    boost: float = 1.0


@dataclass(frozen=True)
class Phrase:
    """The terms in order. `slop` is how many other words (stop words aside) may stand
    between them in all: 0 is the phrase exactly as typed."""
    field: str
    terms: tuple[str, ...]
    slop: int = 0
    boost: float = 1.0
    # Each term's position among the typed words, stop words counted (`authorities in the
    # identification` -> 0, 3), for engines that keep removed stop words' positions
    # (tantivy); engines that renumber them (Whoosh) use the terms' order alone.
    positions: tuple[int, ...] | None = None


@dataclass(frozen=True)
class Prefix:
    field: str
    text: str
    boost: float = 1.0


@dataclass(frozen=True)
class Fuzzy:
    """Terms within `maxdist` edits of `text` (the first `prefix` letters unchanged)."""
    field: str
    text: str
    maxdist: int = 1
    prefix: int = 1
    boost: float = 1.0


@dataclass(frozen=True)
class Range:
    field: str
    lo: int
    hi: int


@dataclass(frozen=True)
class And:
    children: tuple
    boost: float = 1.0


@dataclass(frozen=True)
class Or:
    children: tuple
    boost: float = 1.0


@dataclass(frozen=True)
class DisMax:
    """Scores by the best child plus `tiebreak` times the others."""
    children: tuple
    tiebreak: float = 0.0
    boost: float = 1.0


@dataclass(frozen=True)
class AndNot:
    """Passages matching `positive` and not `negative` (scored by `positive`)."""
    positive: object
    negative: object


@dataclass(frozen=True)
class AndMaybe:
    """Passages matching `required`; `optional` adds to their score and matches nothing."""
    required: object
    optional: object


@dataclass(frozen=True)
class Filter:
    """Passages matching both; only `query` is scored (`condition` selects)."""
    query: object
    condition: object


@dataclass(frozen=True)
class MatchAll:
    pass


@dataclass(frozen=True)
class MatchNone:
    pass


Node = (Term | Phrase | Prefix | Fuzzy | Range | And | Or | DisMax | AndNot | AndMaybe | Filter
        | MatchAll | MatchNone)


def or_(children) -> Node:
    kids = tuple(c for c in children if not isinstance(c, MatchNone))
    if not kids:
        return MatchNone()
    return kids[0] if len(kids) == 1 else Or(kids)


def and_(children) -> Node:
    kids = tuple(children)
    if not kids or any(isinstance(c, MatchNone) for c in kids):
        return MatchNone()
    return kids[0] if len(kids) == 1 else And(kids)


def filtered(query: Node, condition: Node | None) -> Node:
    return query if condition is None else Filter(query, condition)


def iter_terms(node) -> list[tuple[str, str]]:
    """Every (field, term) a query looks for, in the positive parts only (a NOT's words are
    not marked in snippets, and a passage is not credited with them)."""
    out: list[tuple[str, str]] = []

    def walk(n) -> None:
        if isinstance(n, Term):
            out.append((n.field, n.text))
        elif isinstance(n, Phrase):
            out.extend((n.field, t) for t in n.terms)
        elif isinstance(n, (And, Or, DisMax)):
            for c in n.children:
                walk(c)
        elif isinstance(n, AndNot):
            walk(n.positive)
        elif isinstance(n, AndMaybe):
            walk(n.required)
            walk(n.optional)
        elif isinstance(n, Filter):
            walk(n.query)
    walk(node)
    return out


# -- what ranking weighs: a share of the typed words (search/ranking.py fuses by it)

@dataclass(frozen=True)
class Part:
    """Something a passage has or lacks: any of `alternatives` (each a set of (field, term)
    pairs the passage must all have), standing for the typed words numbered `covers`; an
    alternative counts `weights[i]` of a word (a thesaurus variant less than the official
    wording)."""
    alternatives: list[frozenset]
    covers: frozenset
    weights: tuple = ()

    def value(self, have: Container) -> float:
        """The weight of the best alternative whose pairs are all in `have`, else 0."""
        best = 0.0
        for i, alt in enumerate(self.alternatives):
            weight = self.weights[i] if self.weights else 1.0
            if weight > best and all(pair in have for pair in alt):
                best = weight
        return best
