"""A saved search as the query plan search would run: search's own plans
(indexer/search/planning.py: the typed words, the UN symbols, the title context, the
thesaurus expansions, NOT and AND in every language, the filters), as one plan (`everything`).

Matching new passages needs no engine reader: without one (`vocabulary`), wildcard and fuzzy
words stay patterns (query.plan.Prefix, Fuzzy) and are matched against a passage's own words,
where search rewrites them into the index's 50 most frequent words. With a reader, the plan
is search's own, for counting past passages (preview.py).
tests/test_alerts_matching.py checks, over ../shared on both engines, that this plan matches
exactly the passages search finds.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from indexer.config import Settings
from indexer.query import plan as queryplan
from indexer.query.expansion import EXPANSION_TERMS_PER_LANG, concepts_named
from indexer.query.fields import LANGUAGE_FIELDS, OTHER_FIELD, text_field
from indexer.query.plan import Node
from indexer.search.planning import plan_search
from indexer.search.service import SearchRequest


@dataclass(frozen=True)
class Concept:
    """A thesaurus concept the query names: the query's words it matched, and its terms in
    each other language (as expansion.expand uses them)."""
    matched: str
    terms: dict[str, tuple[str, ...]]


@dataclass
class Plan:
    node: Node | None  # what a passage must match (search's `everything`); None: see kept
    query_lang: str
    concepts: list[Concept] = field(default_factory=list)
    expansions: dict[str, list[str]] = field(default_factory=dict)  # lang -> terms used
    sure: bool = False  # whether the query's language was told for sure
    kept: list | None = None  # the encoded node of a kept plan, decoded on demand
    _for: dict = field(default_factory=dict, repr=False)

    def node_for(self, own: str) -> Node:
        """The plan as it bears on passages whose text field is `own`: a kept plan is
        decoded with the other languages' terms left out (they cannot match such a
        passage; most of a plan is its expansions into six languages)."""
        if self.node is not None:
            return self.node
        found = self._for.get(own)
        if found is None:
            found = self._for[own] = _decode(self.kept, own)
        return found


def build(req: SearchRequest, settings: Settings, analyze, vocabulary=None,
          language: tuple[str, bool] | None = None,
          cited_as: Callable[[str], set[str]] | None = None) -> Plan:
    """The plan of a search request (QueryError as search raises it). `analyze` is the
    engine's analysis (the terms its index holds); `language` is the query's (language,
    sure) when already told (a kept plan's: telling it again costs a language detector);
    `cited_as` the symbols a `cites:` filter stands for, as search reads them
    (citing.cited_as)."""
    plans = plan_search(req, settings, analyze, vocabulary, language, cited_as=cited_as)
    concepts = _concepts(plans.text, plans.qlang) if plans.expansions else []
    return Plan(plans.everything, plans.told[0], concepts, plans.expanded, plans.told[1])


def _concepts(text: str, qlang: str) -> list[Concept]:
    """The concepts expansion.expand brought in, with the query words each stands for."""
    return [Concept(" ".join(matched), {
        lang: tuple(ts[:EXPANSION_TERMS_PER_LANG]) for lang, ts in terms.items()
        if text_field(lang) != OTHER_FIELD})
        for matched, terms, _n, _quoted in concepts_named(text, qlang)]


# ------------------------------------------------------------------ kept plans
# Planning a search takes ~8 ms (the thesaurus expansion into six languages, and NOT and AND
# in each): 500 saved searches would cost 4 s of every document added. A saved search's plan
# is kept (alerts store) as JSON, under a key that changes with anything the plan depends
# on: the engine's analysis, the settings' languages, the thesaurus and topics, and the
# code that plans (so a new version of the program plans again, never a stale plan).

_NODES = {cls.__name__: cls for cls in (
    queryplan.Term, queryplan.Phrase, queryplan.Prefix, queryplan.Fuzzy, queryplan.Range,
    queryplan.And, queryplan.Or, queryplan.DisMax, queryplan.AndNot, queryplan.AndMaybe,
    queryplan.Filter, queryplan.MatchAll, queryplan.MatchNone)}
_NONE = queryplan.MatchNone()
_LANGUAGE_FIELDS = frozenset(LANGUAGE_FIELDS)
_NESTED = frozenset(["children", "positive", "negative", "required", "optional", "query",
                     "condition"])
# per node class, its fields in order: (name, nested node(s), a tuple)
_LAYOUT = {name: [(f.name, f.name in _NESTED, f.name in ("terms", "positions"))
                  for f in dataclasses.fields(cls)] for name, cls in _NODES.items()}


def _encode(node) -> list:
    """[class name, field values in order] (nested nodes encoded alike)."""
    out: list = [type(node).__name__]
    for name, nested, _tup in _LAYOUT[out[0]]:
        value = getattr(node, name)
        if name == "children":
            value = [_encode(ch) for ch in value]
        elif nested:
            value = _encode(value)
        elif isinstance(value, tuple):
            value = list(value)
        out.append(value)
    return out


_OTHER_FIELDS = frozenset(["Term", "Phrase", "Prefix", "Fuzzy"])


def _decode(data: list, own: str = ""):
    """A node from its encoding; with `own`, a word in another language's text field is
    MatchNone (the matcher's compilation prunes it the same way)."""
    name = data[0]
    if own and name in _OTHER_FIELDS and data[1] != own and data[1] in _LANGUAGE_FIELDS:
        return _NONE
    args = []
    for (fname, nested, tup), value in zip(_LAYOUT[name], data[1:], strict=True):
        if fname == "children":
            value = tuple([_decode(ch, own) for ch in value])
        elif nested:
            value = _decode(value, own)
        elif tup and value is not None:
            value = tuple(value)
        args.append(value)
    return _NODES[name](*args)


def to_json(plan: Plan) -> str:
    node = plan.node if plan.node is not None else plan.kept
    return json.dumps({"node": _encode(node) if plan.node is not None else node,
                       "query_lang": plan.query_lang,
                       "sure": plan.sure,
                       "concepts": [[c.matched, c.terms] for c in plan.concepts],
                       "expansions": plan.expansions}, ensure_ascii=False)


def from_json(text: str) -> Plan:
    """A kept plan; its node is decoded when asked for (Plan.node_for)."""
    data = json.loads(text)
    return Plan(None, data["query_lang"],
                [Concept(m, {k: tuple(v) for k, v in terms.items()})
                 for m, terms in data["concepts"]], data["expansions"], data["sure"],
                kept=data["node"])


def plan_key(settings: Settings, engine_module) -> str:
    """What a kept plan was made with: if any of it changed, the plan is made again."""
    import hashlib
    from importlib import metadata

    from indexer import analysis, symbols, text
    from indexer.ingest import cleanup
    from indexer.query import expansion, fields, planner, thesaurus
    from indexer.query import language as query_language
    from indexer.query import syntax as query_syntax
    from indexer.search import planning as search_planning
    from indexer.search import service as search

    digest = hashlib.sha256()
    modules = (sys.modules[__name__], analysis, cleanup, text, expansion, planner,
               query_syntax, query_language, queryplan, search, search_planning, symbols,
               thesaurus, fields, engine_module)
    for path in [*(m.__file__ for m in modules), *_DATA_FILES]:
        digest.update(Path(path).read_bytes())
    for name in ("tantivy", "whoosh-reloaded", "PyStemmer"):
        digest.update(metadata.version(name).encode())
    digest.update(f"{settings.languages}|{settings.default_lang}".encode())
    return digest.hexdigest()[:32]


_DATA_FILES = sorted((Path(__file__).resolve().parents[1] / "data").glob("*.json"))
