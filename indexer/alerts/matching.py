"""Which saved searches a new passage matches, decided on the passage's own text.

A saved search is its query plan (plan.py: what search hands the engine). Whether a passage
matches is the plan evaluated as a boolean query on the passage's fields, analysed with the
engine's analysis (bm25.Candidate: the terms the index holds for it), so no search is run
and nothing is read from the index: matching happens before or after the commit alike, for
the new documents only.

Many searches, one passage: each plan is reduced to its anchors, (field, term) pairs of
which a matching passage must hold at least one (a passage matching `a AND b` holds a; one
matching `a OR b` holds a or b). An inverted index of the anchors gives the few searches a
passage could match; only those are evaluated. Plans without anchors (a wildcard alone, a
year filter alone, `NOT x`) are evaluated on every passage.

Semantics, node by node, as the engines apply them (indexer/query/plan.py): a term is in the
field; a phrase's terms stand in order within its slop (stop words aside: bm25.phrase_matches);
a prefix or fuzzy word matches the passage's own words (search rewrites it into the index's 50
most frequent ones); And all, Or and DisMax any, AndNot the positive part without the
negative, AndMaybe its required part, Filter both, a range the passage's year.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from indexer.alerts.plan import Plan
from indexer.analysis import NEUTRAL, WORD_RE
from indexer.engines.bm25 import Candidate, own_field, phrase_matches
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
from indexer.query.planner import TEXT_FIELDS, field_kind
from indexer.search.highlight import mark_spans

Test = Callable[[Candidate], bool]
ALWAYS, NEVER = object(), object()  # compiled parts whose answer does not depend on the passage
_LANGUAGE_FIELDS = frozenset(TEXT_FIELDS)
# Fields a passage holds terms of (beside its own language's field): what anchors index.
KEYWORD_FIELDS = ("lang", "series", "symbol_key", "doc_id", "work", "label_key",
                  "passage_id", "text_hash", "cites")
_TEXTUAL = _LANGUAGE_FIELDS | {"text_neutral", "text_exact", "title"}
_NONE: frozenset = frozenset()


def compile_plan(node, own: str):
    """A test of passages whose own text field is `own` (a function of a Candidate whose
    fields are analysed), or ALWAYS / NEVER."""
    return _test(_compile(node, own))


# Compiled parts: ALWAYS, NEVER, a test function, or a set of terms of one text field that
# must hold any (_ANY) or all (_ALL) of them. Sets merge (an Or of a concept's twenty terms is
# one set intersection, not twenty look-ups) and become functions at the end.
_ANY, _ALL = "any", "all"


def _test(part):
    if part is ALWAYS or part is NEVER or callable(part):
        return part
    kind, fieldname, terms = part
    if len(terms) == 1:
        (term,) = terms
        return lambda c: term in c.fields[fieldname][0]
    if kind == _ANY:
        return lambda c: not c.fields[fieldname][0].keys().isdisjoint(terms)
    return lambda c: c.fields[fieldname][0].keys() >= terms


def _compile(node, own: str):
    if isinstance(node, (Term, Phrase, Prefix, Fuzzy)) and node.field in _LANGUAGE_FIELDS \
            and node.field != own:
        return NEVER  # another language's field: a passage has only its own
    if isinstance(node, Term):
        fieldname, term = node.field, node.text
        if fieldname in _TEXTUAL:
            return (_ANY, fieldname, frozenset([term]))
        # a keyword field's values as the candidate reads them (one, or several: `cites`)
        return lambda c: term in c.tokens(fieldname)
    if isinstance(node, Phrase):
        fieldname, terms, slop = node.field, node.terms, node.slop
        if len(terms) == 1:
            return (_ANY, fieldname, frozenset(terms))
        needed = frozenset(terms)

        def phrase(c: Candidate) -> bool:
            return (c.fields[fieldname][0].keys() >= needed
                    and phrase_matches(c.tokens(fieldname), terms, slop))
        return phrase
    if isinstance(node, Prefix):
        fieldname, start = node.field, node.text
        return lambda c: any(t.startswith(start) for t in c.fields[fieldname][0])
    if isinstance(node, Fuzzy):
        fieldname, word, dist, keep = node.field, node.text, node.maxdist, node.prefix

        def fuzzy(c: Candidate) -> bool:
            return any(t[:keep] == word[:keep]
                       and Levenshtein.distance(t, word, score_cutoff=dist) <= dist
                       for t in c.fields[fieldname][0])
        return fuzzy
    if isinstance(node, Range):
        fieldname, lo, hi = node.field, node.lo, node.hi

        def within(c: Candidate) -> bool:
            value = c.record.get(fieldname)
            return isinstance(value, int) and lo <= value <= hi
        return within
    if isinstance(node, MatchAll):
        return ALWAYS
    if isinstance(node, MatchNone):
        return NEVER
    if isinstance(node, And):
        return _all([_compile(ch, own) for ch in node.children])
    if isinstance(node, (Or, DisMax)):
        return _any([_compile(ch, own) for ch in node.children])
    if isinstance(node, AndMaybe):
        return _compile(node.required, own)  # the optional part matches nothing alone
    if isinstance(node, Filter):
        return _all([_compile(node.query, own), _compile(node.condition, own)])
    if isinstance(node, AndNot):
        positive = _compile(node.positive, own)
        negative = _compile(node.negative, own)
        if positive is NEVER or negative is ALWAYS:
            return NEVER
        if negative is NEVER:
            return positive
        neg = _test(negative)
        if positive is ALWAYS:
            return lambda c: not neg(c)
        pos = _test(positive)
        return lambda c: pos(c) and not neg(c)
    raise TypeError(f"not a query plan node: {node!r}")


def _merged(parts: list, kind: str) -> list:
    """Term sets of one field and `kind` joined (a one-term set is either kind)."""
    sets: dict[str, set] = {}
    out = []
    for p in parts:
        if isinstance(p, tuple) and (p[0] == kind or len(p[2]) == 1):
            sets.setdefault(p[1], set()).update(p[2])
        else:
            out.append(p)
    return [(kind, f, frozenset(ts)) for f, ts in sets.items()] + out


def _all(parts: list):
    if any(p is NEVER for p in parts):
        return NEVER
    parts = _merged([p for p in parts if p is not ALWAYS], _ALL)
    if not parts:
        return ALWAYS
    if len(parts) == 1:
        return parts[0]
    tests = [_test(p) for p in parts]

    def all_of(c: Candidate) -> bool:
        for t in tests:
            if not t(c):
                return False
        return True
    return all_of


def _any(parts: list):
    if any(p is ALWAYS for p in parts):
        return ALWAYS
    parts = _merged([p for p in parts if p is not NEVER], _ANY)
    if not parts:
        return NEVER
    if len(parts) == 1:
        return parts[0]
    tests = [_test(p) for p in parts]

    def any_of(c: Candidate) -> bool:
        for t in tests:
            if t(c):
                return True
        return False
    return any_of


def anchors(node) -> frozenset | None:
    """(field, term) pairs of which every matching passage holds one; None when the plan
    can match without any (a pattern, a range or MatchAll where it decides)."""
    if isinstance(node, Term):
        return frozenset([(node.field, node.text)])
    if isinstance(node, Phrase):
        return frozenset([(node.field, node.terms[0])])
    if isinstance(node, MatchNone):
        return frozenset()
    if isinstance(node, (Prefix, Fuzzy, Range, MatchAll)):
        return None
    if isinstance(node, (Or, DisMax)):
        out: set = set()
        for ch in node.children:
            found = anchors(ch)
            if found is None:
                return None
            out |= found
        return frozenset(out)
    if isinstance(node, And):
        return _narrowest([anchors(ch) for ch in node.children])
    if isinstance(node, Filter):
        return _narrowest([anchors(node.query), anchors(node.condition)])
    if isinstance(node, AndMaybe):
        return anchors(node.required)
    if isinstance(node, AndNot):
        return anchors(node.positive)
    raise TypeError(f"not a query plan node: {node!r}")


def _narrowest(options: list[frozenset | None]) -> frozenset | None:
    """Of alternatives that each must hold, the one that selects fewest passages (words
    before keyword fields such as a language, fewer pairs before more)."""
    known = [o for o in options if o is not None]
    if not known:
        return None
    return min(known, key=lambda o: (any(f not in _TEXTUAL for f, _t in o), len(o)))


def pairs_of(c: Candidate) -> set:
    """Every (field, term) a passage holds, in the fields anchors are taken from."""
    rec = c.record
    out = set()
    for fieldname in (own_field(rec.get("lang", "")), "text_neutral", "text_exact"):
        out.update((fieldname, t) for t in c.counts(fieldname))
    for fieldname in KEYWORD_FIELDS:
        out.update((fieldname, v) for v in c.tokens(fieldname))
    return out


@dataclass
class Why:
    """Why a passage matched: the words marked in it and the thesaurus concepts it matched
    through (a concept named in the query, the term of the passage's language it holds)."""
    spans: list[tuple[int, int]]
    words: list[str]
    concepts: list[dict]

    def to_json(self) -> dict:
        return {"spans": [list(s) for s in self.spans], "words": self.words,
                "concepts": self.concepts}


class Matcher:
    """Saved searches (key, plan) compiled once, then asked passage by passage."""

    def __init__(self, plans: Iterable[tuple[object, Plan]], analyze):
        self.analyze = analyze
        self.plans: list[tuple[object, Plan]] = list(plans)
        self._tests: dict[tuple[int, str], object] = {}
        # by the passages' own text field: anchors -> searches, and the searches without
        self._anchored: dict[str, tuple[dict, list]] = {}
        self._wanted: dict[tuple[int, str], tuple[dict, list]] = {}
        self._words: tuple[Candidate | None, tuple] = (None, ())
        self._short: dict[tuple[str, str], list[str]] = {}

    def _anchors(self, own: str) -> tuple[dict, list]:
        """The inverted index of anchors for passages of one text field."""
        found = self._anchored.get(own)
        if found is None:
            by_pair: dict[tuple[str, str], list[int]] = {}
            always: list[int] = []
            for i, (_key, plan) in enumerate(self.plans):
                pairs = anchors(plan.node_for(own))
                if pairs is None:
                    always.append(i)
                else:
                    for pair in pairs:
                        by_pair.setdefault(pair, []).append(i)
            found = self._anchored[own] = (by_pair, always)
        return found

    @staticmethod
    def make_candidate(record: dict, analyze) -> Candidate:
        """A passage's stored record (engines/records.py), analysed on first use."""
        return Candidate(record, analyze)

    def matching(self, c: Candidate) -> list[tuple[object, Plan]]:
        """The searches the passage matches, in the order they were given."""
        own = own_field(c.record.get("lang", ""))
        for fieldname in (own, "text_neutral", "text_exact", "title"):
            c.field(fieldname)  # the compiled tests read c.fields directly
        by_pair, always = self._anchors(own)
        maybe = set(always)
        for pair in pairs_of(c):
            found = by_pair.get(pair)
            if found:
                maybe.update(found)
        out = []
        for i in sorted(maybe):
            test = self._tests.get((i, own))
            if test is None:
                test = self._tests[(i, own)] = compile_plan(self.plans[i][1].node_for(own),
                                                            own)
            if test is ALWAYS or (test is not NEVER and test(c)):
                out.append(self.plans[i])
        return out

    def why(self, plan: Plan, c: Candidate) -> Why:
        """The words of the passage that the plan looks for, and the concepts it matched."""
        rec = c.record
        text, lang = rec.get("content", ""), rec.get("lang", "")
        own = own_field(lang)
        terms, patterns = self._plan_terms(plan, own)
        wanted: dict[str, set[str]] = {}
        for fieldname in (own, "text_neutral"):
            have = c.fields[fieldname][0]
            found = have.keys() & terms.get(fieldname, _NONE)
            for pfield, test in patterns:
                if pfield == fieldname:
                    found.update(t for t in have if test(t))
            wanted[fieldname] = found
        spans = self._spans(c, own, wanted[own], wanted["text_neutral"])
        words: list[str] = []
        for s, e in spans:
            w = text[s:e].lower()
            if w not in words:
                words.append(w)
        concepts = []
        have = c.counts(own)
        for concept in plan.concepts:
            for term in concept.terms.get(lang, ()):
                found = self._analysed(field_kind(own), term)
                if found and all(t in have for t in found):
                    concepts.append({"query": concept.matched, "term": term, "lang": lang})
                    break
        return Why(spans, words[:30], concepts)

    def _analysed(self, kind: str, text: str) -> list[str]:
        """A short text's terms (a concept's term recurs across passages)."""
        got = self._short.get((kind, text))
        if got is None:
            got = self._short[(kind, text)] = self.analyze(kind, text)
        return got

    def _plan_terms(self, plan: Plan, own: str) -> tuple[dict, list]:
        got = self._wanted.get((id(plan), own))
        if got is None:
            node = plan.node_for(own)
            terms: dict[str, set[str]] = {}
            for fieldname, term in iter_terms(node):
                terms.setdefault(fieldname, set()).add(term)
            got = self._wanted[(id(plan), own)] = (
                {f: frozenset(ts) for f, ts in terms.items()}, _patterns(node))
        return got

    def _spans(self, c: Candidate, own: str, own_terms: set, neutral_terms: set
               ) -> list[tuple[int, int]]:
        """highlight.mark_spans of the passage, with its words analysed once for all the
        searches it matches."""
        kind = field_kind(own)
        if kind == "zh":
            return mark_spans(c.record.get("content", ""), [kind, NEUTRAL],
                              [own_terms, neutral_terms], self.analyze)
        held, index = self._words
        if held is not c:  # term -> the passage's words (spans) that hold it, per analysis
            index = ({}, {})
            for m in WORD_RE.finditer(c.record.get("content", "")):
                for i, k in enumerate((kind, NEUTRAL)):
                    for term in self.analyze(k, m.group(0)):
                        index[i].setdefault(term, []).append(m.span())
            self._words = (c, index)
        found = {span for term in own_terms for span in index[0].get(term, ())}
        found.update(span for term in neutral_terms for span in index[1].get(term, ()))
        merged: list[tuple[int, int]] = []
        for start, end in sorted(found):
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        return merged


def _patterns(node) -> list[tuple[str, Callable[[str], bool]]]:
    """(field, word test) of the wildcard and fuzzy words in the plan's positive parts."""
    out: list = []

    def walk(n) -> None:
        if isinstance(n, Prefix):
            out.append((n.field, lambda t, s=n.text: t.startswith(s)))
        elif isinstance(n, Fuzzy):
            out.append((n.field, lambda t, w=n.text, d=n.maxdist, k=n.prefix:
                        t[:k] == w[:k] and Levenshtein.distance(t, w, score_cutoff=d) <= d))
        elif isinstance(n, (And, Or, DisMax)):
            for ch in n.children:
                walk(ch)
        elif isinstance(n, AndNot):
            walk(n.positive)
        elif isinstance(n, AndMaybe):
            walk(n.required)
        elif isinstance(n, Filter):
            walk(n.query)
    walk(node)
    return out
