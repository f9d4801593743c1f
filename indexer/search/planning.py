"""A search request -> the query plans a search hands the engine: the typed words (with UN
symbols, the title context and the proximity bonus), one plan per other language from the
thesaurus, NOT and AND in every language, the filters.

One home for it: the search (service.py) runs these plans, and saved searches
(indexer/alerts/plan.py) match new passages against the very same ones.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from indexer import symbols
from indexer.config import Settings
from indexer.errors import QueryError
from indexer.query.expansion import constrain, expand
from indexer.query.language import drop_stopwords, query_language, split_filters
from indexer.query.plan import AndMaybe, DisMax, MatchNone, Node, Or, Part, Term, and_, filtered
from indexer.query.planner import Analyze, Planner, Vocabulary, check_filters, filters
from indexer.query.thesaurus import load_thesaurus
from indexer.text import normalize_text

# A typed UN symbol's document comes first: its passages' keyword match outweighs any
# passage's BM25 score (a few dozen at most), series prior included.
SYMBOL_BOOST = 1000.0


@dataclass
class Plans:
    """What a request asks of the engine, and what the search shows about it."""
    typed_text: str  # what the person typed, filters and symbols aside (did-you-mean)
    text: str  # the words planned (symbols out, a topic's query in)
    extra: dict[str, str]  # filters typed in the query (`lang:fr`)
    told: tuple[str, bool]  # the query's language as told from its words, and if sure
    qlang: str  # the language the search is in (a topic's default when none was told)
    q: Node  # the typed words' plan (filtered)
    expansions: dict[str, Node] = field(default_factory=dict)  # lang -> plan (filtered)
    expanded: dict[str, list[str]] = field(default_factory=dict)  # lang -> the terms used
    parts: dict[str, list[Part]] = field(default_factory=dict)  # lang -> concepts as parts
    # per typed word, the (field, term) pairs standing for it (when expansions fuse)
    words: list[set[tuple[str, str]]] | None = None

    @property
    def everything(self) -> Node:
        """Every passage the search matches: the typed words or any expansion."""
        return Or((self.q, *self.expansions.values())) if self.expansions else self.q

    @property
    def sure(self) -> bool:
        return self.told[1]


def query_language_confidence(text: str, settings: Settings) -> tuple[str, bool]:
    """(language, sure) of a query's words (indexer/query/language.py)."""
    return query_language(text, tuple(settings.language_list), settings.default_lang)


def topic_query(name: str, lang: str) -> str:
    """A topic preset's query in `lang` (English when the preset lacks it); KeyError names
    the known topics."""
    topic = load_thesaurus().topic(name)
    return topic.query.get(lang) or topic.query["en"]


def cites_filter(req) -> str:
    """The `cites:` filter of a search request, given as a field or inline in its words."""
    return req.cites or split_filters(normalize_text(req.q or ""))[1].get("cites", "")


def plan_search(req, settings: Settings, analyze: Analyze, vocabulary: Vocabulary | None,
                language: tuple[str, bool] | None = None,
                cited_as: Callable[[str], set[str]] | None = None) -> Plans:
    """The plans of a search request (a search.service.SearchRequest); QueryError when it
    cannot run. `analyze` is the engine's analysis; `vocabulary` its reader (wildcard and
    fuzzy words become the index's words; without it they stay patterns); `language` the
    query's (language, sure) when already told; `cited_as` the symbols a `cites:` filter
    stands for (a text is cited by any of its symbols: draft, adoption)."""
    text, extra = split_filters(normalize_text(req.q or ""))
    plan = Planner(analyze, vocabulary)
    # UN symbols are keywords, not words: they are taken out of the text before its
    # language is told, and looked for as the documents' symbol (and their citations).
    cited = symbols.find(unquoted(text))
    typed_text = text  # what the person typed (did-you-mean corrects that only)
    text = symbols.without(text, cited)
    if language is not None:
        qlang, sure = language
    else:
        qlang, sure = (query_language_confidence(text, settings) if text.strip()
                       else ("", False))
    told = (qlang, sure)
    # The typed words are stemmed for the query's language; when that is only a guess,
    # or the user asked for one language, the fields follow that instead.
    single_lang = (req.lang or extra.get("lang", "")).strip().lower()
    field_lang = (single_lang if single_lang and "," not in single_lang
                  else qlang if sure else "")
    if req.topic:
        try:
            topic_text = topic_query(req.topic, req.lang or qlang or "en")
        except KeyError:
            raise QueryError("unknown topic %(topic)r; known topics: %(known)s",
                             topic=req.topic, known=", ".join(
                                 t.name for t in load_thesaurus().load_topics())) from None
        text = f"{text} {topic_text}".strip()
        qlang = qlang or req.lang or "en"
    wanted = {"lang": req.lang, "series": req.series, "year": req.year, "doc": req.doc,
              "symbol": req.symbol, "cites": req.cites}
    for k, v in extra.items():
        wanted[k] = wanted[k] or v
    check_filters(wanted, settings.language_list)
    if wanted["cites"] and cited_as is not None:
        wanted["cites"] = ",".join(sorted(cited_as(wanted["cites"])))
    flt = filters(wanted)
    if req.same_language and qlang:
        same = Term("lang", qlang)
        flt = and_([flt, same]) if flt is not None else same
    expanded: dict[str, list[str]] = {}
    exp_qs: dict[str, Node] = {}
    words = None
    parts: dict[str, list[Part]] = {}
    symbol_q = symbol_query(plan, cited)
    if not text.strip() and symbol_q is not None:
        q = symbol_q
    elif not text.strip():
        if flt is None:
            raise QueryError("type some words to search for")
        q = flt
        flt = None
    else:
        typed = drop_stopwords(text, qlang)
        q = plan.typed(typed, field_lang)  # MatchNone for `(((`: no results, no error
        near = plan.proximity(typed, field_lang)
        if near is not None:
            q = Or((q, near))
        context = plan.context(text)
        if context is not None and not isinstance(q, MatchNone):
            q = AndMaybe(q, context)
        if req.expand and not req.same_language:
            exp_qs, expanded, parts = expand(plan, text, qlang, typed)
            if exp_qs:
                words = plan.word_alternatives(typed, field_lang)
        q, exp_qs = constrain(plan, typed, qlang, q, exp_qs)
        if symbol_q is not None:
            q = Or((q, symbol_q))
    return Plans(typed_text=typed_text, text=text, extra=extra, told=told, qlang=qlang,
                 q=filtered(q, flt),
                 expansions={lang: filtered(eq, flt) for lang, eq in exp_qs.items()},
                 expanded=expanded, parts=parts, words=words)


def unquoted(text: str) -> str:
    """`text` with its quoted phrases blanked out, same length (a symbol in quotes is part
    of the phrase)."""
    return re.sub(r'"[^"]*"?', lambda m: " " * len(m.group(0)), text)


def symbol_query(plan: Planner, cited: list[symbols.Found]) -> Node | None:
    """The documents of the typed symbols first (keyword match), then the passages citing
    them (the symbol, or `resolution 70/1`, as a phrase)."""
    parts: list[Node] = []
    for found in cited:
        parts.append(Term("symbol_key", found.key, SYMBOL_BOOST))
        for form in symbols.citations(found.key):
            exact = plan.exact(form)
            if exact is not None:
                parts.append(exact)
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else DisMax(tuple(parts))


@lru_cache(maxsize=4)
def cached_analyze(analyze: Analyze) -> Analyze:
    """An engine's analysis of single words and short queries, remembered per (kind, text)
    (passages' own terms are stored in the index: engines/analysed.py)."""
    return lru_cache(maxsize=50_000)(analyze)
