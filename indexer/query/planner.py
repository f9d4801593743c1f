"""From what a person typed to an engine-neutral query plan (indexer/query/plan.py).

The syntax tree (indexer/query/syntax.py) becomes field-level queries: each typed word is
looked for in the query language's stemmed field, the other-languages field and the
accent-folded neutral field, scoring by its best field; the document title adds context;
filters select. Analysis comes from the engine (`analyze(kind, text)`), so the terms asked
for are the terms the index holds.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from indexer.analysis import NEUTRAL, TEXT_LANGS, WORD_RE
from indexer.errors import QueryError
from indexer.models import SERIES, normalize_series
from indexer.query import syntax as syn
from indexer.query.fields import (
    EXACT_FIELD,
    LANGUAGE_FIELDS,
    NEUTRAL_FIELD,
    OTHER_FIELD,
    TITLE_FIELD,
    field_kind,
    positional,
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
    Node,
    Or,
    Phrase,
    Prefix,
    Range,
    Term,
    and_,
    or_,
)
from indexer.symbols import canonical, normalize_symbol
from indexer.text import join_broken_words, normalize_text

Analyze = Callable[[str, str], list[str]]

TEXT_FIELDS = list(LANGUAGE_FIELDS)  # the own-language fields (fields.py)
# Fields a query searches, with their weights: the passage's own-language text counts most,
# the accent-folded copy a little (it catches `autorites` for `autorités`), the document title
# adds context (CONTEXT_FIELDS); a quoted phrase counts in EXACT_FIELD as in a language field.
FIELD_BOOSTS = {**{f: 1.0 for f in TEXT_FIELDS}, NEUTRAL_FIELD: 0.6, TITLE_FIELD: 0.25,
                EXACT_FIELD: 0.6}
# The document title adds to the score of a passage whose own text matches; it matches
# nothing alone. The section field is not scored: a heading is a passage of its own, and the
# section text the parsers record can be whole paragraphs (the IOM handbook's), which put
# every passage under them on a par with the paragraphs that use the words.
CONTEXT_FIELDS = (TITLE_FIELD,)
# Share of a word's other fields' scores added to its best field's: none. The neutral field
# holds the same words unstemmed, so any share of it counts a word twice where its surface
# form matches. Vaswani nDCG@1000 (tantivy): 0.2 -> 0.6206, 0.0 -> 0.6243 (Terrier BM25
# 0.6212); the dev queries' nDCG@10 is the same at both (make eval).
FIELD_TIEBREAK = 0.0
PROXIMITY_BOOST = 0.5  # extra weight when the typed words stand together (slop 3)
# ...and more when they stand exactly as typed (stop words aside): "faster, safer and
# cheaper remittances" is the phrase `faster safer cheaper remittances`, while "faster,
# safer and cheaper transfer of remittances" is only near it. 0.5 did not reorder those two
# GCM passages, 1.0 and 2.0 did.
PHRASE_BOOST = 1.0
# Query syntax beyond plain words: quotes, groups, wildcards, fuzzy, boosts, operators, -/+.
SYNTAX_RE = re.compile(r'["():*~^]|\b(AND|OR|NOT)\b|(^|\s)[-+]')


def _any_term(fieldname: str, terms: list[str]) -> Node:
    """Any of `terms` in the field, with the field's weight."""
    boost = FIELD_BOOSTS[fieldname]
    if len(terms) == 1:
        return Term(fieldname, terms[0], boost)
    return Or(tuple(Term(fieldname, t) for t in terms), boost)


def phrase_readings(text: str) -> list[str]:
    """A quoted phrase as the texts may hold it: Unicode as cleanup normalises it (NFC: some
    sources are decomposed), and, when it has a hyphen before a space or line break, also
    with that hyphen joined as the parsers join line-break hyphens."""
    text = normalize_text(text)
    joined = join_broken_words(text)
    return [text] if joined == text else [text, joined]


def _boosted(node: Term | Phrase, boost: float) -> Term | Phrase:
    if isinstance(node, Term):
        return Term(node.field, node.text, boost)
    return Phrase(node.field, node.terms, node.slop, boost, node.positions)


def is_plain(text: str) -> bool:
    return not SYNTAX_RE.search(text)


def typed_fields(field_lang: str) -> list[str]:
    """Fields the typed words are looked for in: the query language's own field (stemmed)
    plus the language-neutral field. Other languages are reached through the neutral field
    (same word forms) and the thesaurus expansion, not by running the words through every
    language's stemmer: that matched noise and cost 3x the time. Without a sure language,
    every language's field."""
    if field_lang and text_field(field_lang) != OTHER_FIELD:
        return [text_field(field_lang), OTHER_FIELD, NEUTRAL_FIELD]
    return [*TEXT_FIELDS, NEUTRAL_FIELD]


# A wildcard or fuzzy word becomes the indexed terms it stands for (at most this many, those
# in most passages first; Lucene rewrites to its top 50 alike): scored by BM25 like typed
# words and marked in snippets, where a bare pattern query scored every match alike.
MAX_EXPANSIONS = 50
# ...sharing the first two letters (as did-you-mean): listing every indexed word that starts
# like `r` took 30 ms a field on the UNGA index, `re` 7 ms, and first-letter typos are rare.
FUZZY_PREFIX = 2


class Vocabulary(Protocol):
    """An engine reader's look-ups of indexed terms (indexer/engines/__init__.py)."""

    def prefix_terms(self, fieldname: str, prefix: str, limit: int) -> list[str]: ...

    def fuzzy_terms(self, fieldname: str, term: str, maxdist: int, prefix: int,
                    limit: int) -> list[str]: ...


@dataclass
class Planner:
    analyze: Analyze
    # the index's terms for wildcard and fuzzy words; without it they stay patterns
    vocabulary: Vocabulary | None = None

    def words(self, fieldname: str, text: str) -> list[str]:
        return self.analyze(field_kind(fieldname), text)

    # -- the typed query
    def typed(self, text: str, field_lang: str) -> Node:
        """The plan of the typed text (MatchNone when it holds nothing searchable)."""
        fields = typed_fields(field_lang)
        return self._node(syn.parse(text), fields)

    def everywhere(self, node) -> Node:
        """A syntax node in every language's field and the neutral one."""
        return self._node(node, [*TEXT_FIELDS, NEUTRAL_FIELD])

    def _node(self, node, fields: list[str]) -> Node:
        if isinstance(node, syn.Word):
            return self._word(node, fields)
        if isinstance(node, syn.Quoted):
            return self.phrase(node.text, fields)
        if isinstance(node, syn.Group):
            items = [self._node(n, fields) for n in node.items]
            required = [self._node(n, fields) for n in node.required]
            excluded = [self._node(n, fields) for n in node.excluded]
            if node.kind == "all":
                positive = and_([*items, *required])
            else:
                positive = or_(items)
                if required:
                    positive = (and_(required) if isinstance(positive, MatchNone)
                                else AndMaybe(and_(required), positive))
            if isinstance(positive, MatchNone) and excluded and not (items or required):
                positive = MatchAll()  # `NOT refugees`: everything without them
            negative = or_(excluded)
            if isinstance(negative, MatchNone):
                return positive
            return AndNot(positive, negative)
        return MatchNone()

    def _word(self, word: syn.Word, fields: list[str]) -> Node:
        alternatives: list[Node] = []
        stemmed_fields: list[str] = []
        if (word.prefix or word.fuzzy) and self.vocabulary is not None and len(fields) > 3:
            # Without a sure language, a pattern is matched in the neutral field only: it
            # holds every language's word forms (accents folded), where the twelve stemmed
            # fields multiplied the words listed by twelve for stems of the same words. The
            # words a fuzzy word finds then reach their other forms through their stems
            # (`remitances~` -> remittances -> remittance).
            stemmed_fields = [f for f in fields if f not in (NEUTRAL_FIELD, OTHER_FIELD)]
            fields = [NEUTRAL_FIELD]
        if word.prefix:
            for f in fields:
                if f == OTHER_FIELD:
                    continue
                # A prefix is matched against the indexed forms as typed: lower-cased (and
                # accent-folded in the neutral field), not stemmed (`migra*`).
                base = self.analyze(NEUTRAL, word.text) if f == NEUTRAL_FIELD else [
                    w.lower() for w in re.findall(r"\w+", word.text)]
                if len(base) != 1:
                    continue
                if self.vocabulary is None:
                    alternatives.append(Prefix(f, base[0], FIELD_BOOSTS[f]))
                else:
                    found = self.vocabulary.prefix_terms(f, base[0], MAX_EXPANSIONS)
                    if found:
                        alternatives.append(_any_term(f, found))
        elif word.fuzzy:
            for f in fields:
                # A fuzzy word is analysed like any word (`remitances~` -> `remit`, one edit
                # from the stem of remittance and remittances).
                terms = self.words(f, word.text)
                if len(terms) != 1:
                    continue
                if self.vocabulary is None:
                    alternatives.append(Fuzzy(f, terms[0], word.fuzzy, 1, FIELD_BOOSTS[f]))
                else:
                    found = self.vocabulary.fuzzy_terms(f, terms[0], word.fuzzy,
                                                        FUZZY_PREFIX, MAX_EXPANSIONS)
                    if found:
                        alternatives.append(_any_term(f, found))
                    for g in stemmed_fields if f == NEUTRAL_FIELD else ():
                        stems = sorted({t for w in found for t in self.words(g, w)[:1]})
                        if stems:
                            alternatives.append(_any_term(g, stems))
        else:
            for f in fields:
                terms = self.words(f, word.text)
                if not terms:
                    continue
                if len(terms) == 1:
                    alternatives.append(Term(f, terms[0], FIELD_BOOSTS[f]))
                elif positional(f):
                    # A word the analyzer splits (`COVID-19`, `l’État`) is its parts
                    # together, not any of them (`19` alone matched everything).
                    alternatives.append(Phrase(f, tuple(terms), 0, FIELD_BOOSTS[f]))
                else:
                    alternatives.append(And(tuple(Term(f, t) for t in terms), FIELD_BOOSTS[f]))
        if not alternatives:
            return MatchNone()
        if len(alternatives) == 1:
            return alternatives[0]
        # Each word scores by its best field (plus a little of the others) rather than the
        # sum: summing the stemmed and the neutral copy of a word double-counts it.
        return DisMax(tuple(alternatives), FIELD_TIEBREAK)

    def phrase(self, text: str, fields: list[str]) -> Node:
        """A quoted phrase, in each of its readings (`develop- ment` copied across a line
        break is `development`; `trainee- or apprenticeships` is as written)."""
        return or_([self._phrase(v, fields) for v in phrase_readings(text)])

    def _phrase(self, text: str, fields: list[str]) -> Node:
        """A quoted phrase: the passages holding its words in that order, stop words
        included (case, accents, punctuation, spacing and copied line-break hyphens aside).

        The exact field decides what matches; the language fields, with the typed words'
        positions, score the passages in their language as words do (the exact field scores
        the others)."""
        exact = self.exact(text)
        if exact is None:
            return MatchNone()
        alternatives: list[Node] = []
        for f in fields:
            if not positional(f):
                continue
            placed = self.placed(f, text)
            if not placed:
                continue
            if len(placed) == 1:
                alternatives.append(Term(f, placed[0][1], FIELD_BOOSTS[f]))
                continue
            terms = tuple(t for _p, t in placed)
            numbered = [p for p, _t in placed if p is not None]
            positions = (tuple(p - numbered[0] for p in numbered)
                         if len(numbered) == len(placed) else None)
            alternatives.append(Phrase(f, terms, 0, FIELD_BOOSTS[f], positions))
        alternatives.append(_boosted(exact, FIELD_BOOSTS[EXACT_FIELD]))
        scoring = alternatives[0] if len(alternatives) == 1 else DisMax(tuple(alternatives),
                                                                        FIELD_TIEBREAK)
        return Filter(scoring, exact)

    def exact(self, text: str) -> Term | Phrase | None:
        """The phrase in the exact field (None: it holds no word)."""
        terms = self.words(EXACT_FIELD, normalize_text(text))
        if not terms:
            return None
        return Term(EXACT_FIELD, terms[0]) if len(terms) == 1 else Phrase(EXACT_FIELD,
                                                                          tuple(terms))

    def placed(self, fieldname: str, text: str) -> list[tuple[int | None, str]]:
        """(position among the typed words, term) of a phrase's terms in a field: a word the
        analysis drops (a stop word) keeps its place. Positions are None where a word gives
        several terms (CJK bigrams)."""
        kind = field_kind(fieldname)
        words = WORD_RE.findall(text)
        out: list[tuple[int | None, str]] = []
        for i, word in enumerate(words):
            terms = self.analyze(kind, word)
            if len(terms) > 1:
                return [(None, t) for t in self.words(fieldname, text)]
            if terms:
                out.append((i, terms[0]))
        return out

    # -- what is added to the typed query
    def context(self, text: str) -> Node | None:
        """The typed words in the document title (CONTEXT_FIELDS): they add to the score of
        passages whose text matches, but match nothing alone. As words of their own (with
        the section heading) they ranked footnotes under a heading about "local
        authorities" above the paragraphs that speak of them."""
        text = re.sub(r'(?:\bNOT\s+|(?<!\S)-)("[^"]*"|\S+)', " ", text)  # negated words
        plain = " ".join(w for w in re.findall(r"\w+", text) if w not in syn.OPERATORS)
        words = sorted(set(self.analyze(NEUTRAL, plain)))
        parts = [Term(f, w, FIELD_BOOSTS[f]) for w in words for f in CONTEXT_FIELDS]
        return or_(parts) if parts else None

    def proximity(self, typed: str, field_lang: str) -> Node | None:
        """For plain multi-word queries, reward passages where the words stand together."""
        if not field_lang or not is_plain(typed):
            return None
        fieldname = text_field(field_lang)
        if fieldname == OTHER_FIELD:
            return None
        words = self.words(fieldname, typed)
        if len(words) < 2 or len(words) > 8:
            return None
        return or_([Phrase(fieldname, tuple(words), 3, PROXIMITY_BOOST),
                    Phrase(fieldname, tuple(words), 0, PHRASE_BOOST)])

    def word_alternatives(self, typed: str, field_lang: str) -> list[set[tuple[str, str]]] | None:
        """Per typed word, the (field, term) pairs that stand for it (for plain-word queries;
        None with quotes, operators or prefixes: their parts are not words a passage has or
        lacks)."""
        if not is_plain(typed):
            return None
        fields = typed_fields(field_lang)
        out = []
        for word in typed.split():
            pairs = set()
            for f in fields:
                terms = self.words(f, word)
                if len(terms) == 1:
                    pairs.add((f, terms[0]))
            out.append(pairs)
        return out


def check_filters(values: dict[str, str], languages: list[str]) -> None:
    """Refuse a language or series filter that names none the service knows (`lang:xx`,
    `series:ZZZ`), with the values it takes, rather than answer an empty page in silence."""
    known_langs = sorted({*languages, *TEXT_LANGS, "other"})
    for code in (values.get("lang") or "").split(","):
        code = code.strip().lower()
        if code and code not in known_langs:
            raise QueryError("unknown language %(code)r: use one of %(known)s",
                             code=code, known=", ".join(known_langs))
    for name in (values.get("series") or "").split(","):
        if name.strip() and normalize_series(name) not in SERIES:
            raise QueryError("unknown series %(name)r: use one of %(known)s",
                             name=name.strip(), known=", ".join(SERIES))


def filters(values: dict[str, str]) -> Node | None:
    """The selection the request's filters make (lang, series, year, doc, symbol, cites)."""
    parts: list[Node] = []
    if values.get("lang"):
        parts.append(or_([Term("lang", x.strip().lower())
                          for x in values["lang"].split(",") if x.strip()]))
    if values.get("series"):
        parts.append(or_([Term("series", normalize_series(x))
                          for x in values["series"].split(",") if x.strip()]))
    if values.get("year"):
        parts.append(year_range(values["year"]))
    if values.get("doc"):
        parts.append(Term("doc_id", values["doc"]))
    if values.get("symbol"):  # any case and spacing: the canonical keyword
        parts.append(Term("symbol_key", canonical(values["symbol"])))
    if values.get("cites"):  # passages citing any of these documents (comma-separated)
        parts.append(or_([Term("cites", normalize_symbol(x.strip()))
                          for x in values["cites"].split(",") if x.strip()]))
    return and_(parts) if parts else None


def year_range(value: str) -> Range:
    m = re.fullmatch(r"(\d{4})(?:\s*(?:-|–|\.\.)\s*(\d{4}))?", value.strip())
    if not m:
        raise QueryError("year must be a year like 2018 or a range like 2015-2018, not "
                         "%(value)r", value=value)
    lo = int(m.group(1))
    hi = int(m.group(2) or lo)
    return Range("year", min(lo, hi), max(lo, hi))
