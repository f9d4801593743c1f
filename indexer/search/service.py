"""The read side: a search request -> ranked, highlighted, citable hits.

A thin orchestrator: the query plans come from planning.py (planner.py's typed words,
expansion.py's thesaurus), the engine (indexer/engines/) retrieves candidates and counts
facets, ranking.py orders them, highlight.py marks them, reading.py answers the store
look-ups. Used by the CLI and the web app alike (neither names an engine). Reads the live
generation and follows `build` when it publishes a new one.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import astuple, dataclass, field, replace
from math import log
from pathlib import Path
from typing import Any, cast

from indexer import analysis, engines
from indexer.config import Settings
from indexer.engines import Engine, Reader, Scored
from indexer.engines.records import ANALYSED, document_from_record, passage_from_record
from indexer.errors import IndexOutOfDate, NotFound, Plural, QueryError
from indexer.labels import label_key
from indexer.language import preload_short_text_models
from indexer.models import Document, Hit, Passage
from indexer.query import limits
from indexer.query.fields import NEUTRAL_FIELD, field_kind, text_field
from indexer.query.plan import Node, Or, Part, Term, and_, filtered, iter_terms
from indexer.query.thesaurus import load_thesaurus
from indexer.search import citing, reading, suggest
from indexer.search.highlight import mark_spans, snippet
from indexer.search.lexicon import Lexicon, lexicon_path
from indexer.search.planning import (
    cached_analyze,
    plan_search,
    query_language_confidence,
    topic_query,
)
from indexer.search.ranking import (
    FUSION_EXPANSION_WEIGHT,
    Ranking,
    fold_language_versions,
    fuse,
    top_with_prior,
    unique,
)
from indexer.storage import store
from indexer.storage.store import Store

MLT_TERMS = 12  # words of a passage's most distinctive that "more like this" searches for
# Results are read from the engine in blocks of this many, whatever the page size: the
# copies folded (and which language version ranks first) depend on how deep the list was
# read, so `per_page=5` and `per_page=10` must read the same depth to show the same first
# five. 100 re-scored and folded up to 200 candidates a list for a page of 10.
DEPTH_BLOCK = 40
MAX_DEPTH = 20_000  # candidates a search reads at most, however the results fold
# Searched by SearchService.warm before a server process takes requests: each query form
# (plain words in en/fr/es, a phrase, AND, a wildcard, a fuzzy word, a misspelling, a
# symbol, filters), so that the code, the term dictionaries and the caches they load are
# ready. None of them is among the benchmarks' queries (bench/), whose first requests are
# timed as new ones.
WARM_QUERIES = ("international cooperation and capacity building",
                "coopération internationale", "cooperación internacional",
                '"capacity building"', "health AND education", "educat*", "sanitaton~",
                "helth care", "A/RES/70/1", "gender equality lang:en year:2010-2020")


@dataclass
class SearchRequest:
    q: str
    lang: str = ""  # only passages in this language
    series: str = ""
    year: str = ""  # "2018" or "2015-2018"
    doc: str = ""
    symbol: str = ""
    cites: str = ""  # passages citing these documents (symbols, comma-separated)
    page: int = 1
    per_page: int = 10
    sort: str = "relevance"  # or "date"
    topic: str = ""  # a topic preset name (indexer/data/topics.json)
    same_language: bool = False  # only passages in the query's language, no expansion
    expand: bool = True  # cross-language expansion through the thesaurus


@dataclass
class SearchResult:
    query: str
    total: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    page: int = 1
    per_page: int = 10
    elapsed_ms: float = 0.0
    query_lang: str = ""
    suggestion: str = ""  # "did you mean", when the query has few hits
    expansions: dict[str, list[str]] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "query": self.query,
            "query_lang": self.query_lang,
            "suggestion": self.suggestion,
            "expansions": self.expansions,
            "total": self.total,
            "page": self.page,
            "per_page": self.per_page,
            "elapsed_ms": round(self.elapsed_ms, 1),
            "hits": [h.to_json() for h in self.hits],
            "facets": self.facets,
        }


class SearchService:
    """Search and read access to the live index and store of one data directory."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.data_dir = Path(settings.index_dir)
        self._lock = threading.Lock()
        self._gen: Path | None = None
        self._engine: Engine | None = None
        self._handle: Any = None
        self._local = threading.local()
        # Results of recent requests: valid while no reader has been renewed since (each
        # search first renews its thread's reader if the index changed, bumping the epoch).
        self._results: OrderedDict[tuple, SearchResult] = OrderedDict()
        self._epoch = 0
        self._lexicon: Lexicon | None = None
        self._counted: tuple = (None, 0)  # (index state, passages in search): `wording`
        self._pool: ThreadPoolExecutor | None = None  # see _counting

    # -- opening
    def _open(self) -> tuple[Engine, Any]:
        """(engine, index handle) of the live generation, reopened after a build."""
        gen = store.current_generation(self.data_dir)
        if gen is None:
            raise IndexOutOfDate(
                f"there is no index in {self.data_dir} yet; run `python index.py build`")
        with self._lock:
            if gen != self._gen:
                self._renewed()
                engine = engines.for_generation(gen)
                self._handle = engine.open_index(gen)
                self._engine = engine
                self._gen = gen
            assert self._engine is not None
            return self._engine, self._handle

    def reader(self) -> tuple[Engine, Reader]:
        """This thread's reader, renewed when the index has changed (readers are not shared
        across threads: Whoosh's searchers cannot be)."""
        engine, handle = self._open()
        held = getattr(self._local, "reader", None)
        if held is not None and held[0] is handle and held[1].up_to_date():
            return engine, held[1]
        if held is not None:
            held[1].close()
            with self._lock:
                self._renewed()
        rd = engine.reader(handle)
        self._local.reader = (handle, rd)
        return engine, rd


    # -- warming up (a server process, before it takes requests)
    def warm(self) -> None:
        """Load now what a process's first searches would load (warm_shared, warm_index)."""
        self.warm_shared()
        self.warm_index()

    def warm_shared(self) -> None:
        """What is the same in every process, safe to load before a server forks (no index
        reader, database connection or thread is opened): the thesaurus, the language
        detector's models (shared copy-on-write by the processes), the engine's analyzers,
        the lexicon's languages."""
        load_thesaurus().load_topics()
        langs = tuple(self.settings.language_list)
        preload_short_text_models(langs)
        for text in ("international cooperation", "coopération", "cooperación"):
            query_language_confidence(text, self.settings)
        gen = store.current_generation(self.data_dir)
        if gen is not None and engines.recorded(gen):
            engine = engines.for_generation(gen)
            for kind in (*analysis.STEMMED, "zh", analysis.NEUTRAL, analysis.EXACT):
                engine.analyze(kind, "international cooperation")
        self.lexicon()

    def warm_index(self) -> None:
        """What each process holds for itself: its index reader with the index's statistics,
        its lexicon connection, and a few searches (WARM_QUERIES) through every step. Without
        an index yet, nothing (the first search says there is none)."""
        try:
            _engine, rd = self.reader()
        except IndexOutOfDate:
            return
        rd.warm()
        self.lexicon().zipf("cooperation", "en")
        for q in WARM_QUERIES:
            try:
                self.search(SearchRequest(q=q))
            except QueryError:
                pass  # a setting left out the language or series a query names
        with self._lock:
            self._results.clear()  # only requests' results are kept

    def _renewed(self) -> None:
        """The index changed (called under self._lock): cached results are stale."""
        self._epoch += 1
        self._results.clear()

    @contextmanager
    def store(self) -> Iterator[store.Store]:
        """The live generation's store, opened for reading for the block (`with`)."""
        self._open()
        assert self._gen is not None  # (_open found it)
        with store.open(self._gen) as st:
            yield st

    def query_language_confidence(self, text: str) -> tuple[str, bool]:
        """(language, sure) of a query's words (indexer/query/language.py)."""
        return query_language_confidence(text, self.settings)

    def topic_query(self, name: str, lang: str) -> str:
        """A topic preset's query in `lang` (English when the preset lacks it)."""
        return topic_query(name, lang)  # KeyError names the known topics

    # -- searching
    def search(self, req: SearchRequest) -> SearchResult:
        started = time.perf_counter()
        # Bounded work (page, depth, query size and shape) before anything reaches an engine.
        limits.check_search(req.q, req.page, req.per_page, self.settings)
        engine, rd = self.reader()
        key = astuple(req)
        with self._lock:
            epoch = self._epoch
            cached = self._results.get(key)
            if cached is not None:
                self._results.move_to_end(key)
        if cached is not None:  # the same object for every repeat: nothing mutates results
            return replace(cached, elapsed_ms=(time.perf_counter() - started) * 1000)
        result = self._search(req, engine, rd, started)
        with self._lock:
            if epoch == self._epoch and self.settings.result_cache > 0:
                self._results[key] = result
                while len(self._results) > self.settings.result_cache:
                    self._results.popitem(last=False)
        return result

    def _search(self, req: SearchRequest, engine: Engine, rd: Reader, started: float,
                count_only: bool = False) -> SearchResult:
        """The search; with count_only, only the number of results (no page, no
        suggestion)."""
        plans = plan_search(req, self.settings, cached_analyze(engine.analyze), rd,
                            cited_as=self.cited_as)
        q, exp_qs, qlang, words = plans.q, plans.expansions, plans.qlang, plans.words
        everything = plans.everything
        if count_only:
            return SearchResult(query=req.q, total=rd.facets(everything)[1], hits=[])
        counted = self._counting(rd, everything)
        # Language versions and copies fold away, so a page needs more candidates than it
        # shows: read in whole blocks, deeper until the folded list fills the pages asked
        # for (or the matches run out). The depth depends on the page size only by blocks,
        # so `per_page=5` and `per_page=10` show the same first five, in the same versions.
        block = DEPTH_BLOCK // 2
        need = block * -(-req.page * req.per_page // block)
        want = 2 * need
        parts = []
        if exp_qs and req.sort != "date":
            parts = [Ranking(1.0, q, _word_parts(words) if words else [])] + [
                Ranking(FUSION_EXPANSION_WEIGHT, eq, plans.parts[lang] if words else [])
                for lang, eq in exp_qs.items()]
        while True:
            if parts:
                lists = [(r, self._ranked(rd, r.query, want)) for r in parts]
                read = max(len(got) for _r, got in lists)
                raw = fuse(lists, want, len(words) if words else 0, held_terms)
            else:
                raw = self._ranked(rd, everything, want, by_date=req.sort == "date")
                read = len(raw)
            ranked = fold_language_versions(raw, qlang)
            if len(ranked) >= need or read < want or want >= MAX_DEPTH:
                break
            want *= 2
        facet_counts, total = counted()
        start = (req.page - 1) * req.per_page
        if req.page > 1 and start >= len(ranked):
            pages = max(1, -(-min(total, len(ranked)) // req.per_page))
            raise QueryError(Plural("page %(page)s is past the end of the results: they fill "
                                    "%(num)s page of %(per_page)s",
                                    "page %(page)s is past the end of the results: they fill "
                                    "%(num)s pages of %(per_page)s", pages),
                             page=req.page, per_page=req.per_page)
        terms = _terms_by_field(everything)
        shown = self._in_query_language(rd, everything, ranked[start:start + req.per_page],
                                        qlang)
        hits = [self._hit(engine, fields, score, terms) for fields, score in shown]
        self._add_versions(rd, hits)
        suggestion = ""
        extra = plans.extra
        if plans.typed_text.strip():
            def count(corrected: str) -> int:
                """Results of the corrected query, searched as this one was."""
                again = replace(req, q=" ".join([*(f"{k}:{v}" for k, v in extra.items()),
                                                 corrected]), page=1)
                return self._search(again, engine, rd, started, count_only=True).total

            suggestion = self._suggest(rd, engine, plans.typed_text, qlang, plans.sure, count)
            if suggestion and extra:  # keep the user's filters in the suggested query
                suggestion = " ".join([*(f"{k}:{v}" for k, v in extra.items()), suggestion])
        return SearchResult(query=req.q, total=total, hits=hits, facets=facet_counts,
                            page=req.page, per_page=req.per_page,
                            elapsed_ms=(time.perf_counter() - started) * 1000,
                            query_lang=qlang, suggestion=suggestion,
                            expansions=plans.expanded)

    def _counting(self, rd: Reader, node: Node
                  ) -> Callable[[], tuple[dict[str, dict[str, int]], int]]:
        """The facets and total of `node`, as a function giving them: counted in another
        thread while this one ranks where the reader allows it (tantivy counts without
        Python's lock: its aggregations and our ranking then take two cores), else now."""
        if not rd.concurrent:
            found = rd.facets(node)
            return lambda: found
        if self._pool is None:
            with self._lock:
                if self._pool is None:  # made on first use: never in a process that forks
                    self._pool = ThreadPoolExecutor(max_workers=4,
                                                    thread_name_prefix="facets")
        return self._pool.submit(rd.facets, node).result

    @staticmethod
    def _ranked(rd: Reader, q: Node, n: int, by_date: bool = False) -> list[Scored]:
        """The top n (stored fields, score), near copies folded; relevance weighted by the
        series prior (ranking.top_with_prior)."""
        if by_date:
            return unique(rd.search(q, 2 * n, by_date=True))[:n]
        return top_with_prior(lambda limit, offset: rd.search(q, limit, offset=offset), n)

    @staticmethod
    def _in_query_language(rd: Reader, everything: Node, page: list[Scored],
                           qlang: str) -> list[Scored]:
        """The page's paragraphs shown in the query's language where that version matches
        the query too (one engine search for the page), at the place their best version
        earned. fold_language_versions only sees the versions read so far: without this, a
        shallower read showed an English query the French version of SDG target 10.c."""
        wanted = {(f.get("work", ""), f.get("label_key", "")): i
                  for i, (f, _score) in enumerate(page)
                  if qlang and f.get("label_key") and f.get("lang") != qlang}
        if not wanted:
            return page
        q = and_([everything, Term("lang", qlang), _paragraphs(wanted)])
        out = list(page)
        # (newest first: only whether a version matches counts here, not its score, and
        # an engine does not re-score an order by date)
        for f, _score in rd.search(q, 4 * len(wanted), by_date=True):
            i = wanted.pop((f.get("work", ""), f.get("label_key", "")), None)
            if i is not None:
                out[i] = (f, page[i][1])
        return out

    @staticmethod
    def _add_versions(rd: Reader, hits: list[Hit]) -> None:
        """Each hit's paragraph in the other language versions of its document's work (one
        engine search for the whole page)."""
        wanted: dict[tuple[str, str], list[Hit]] = {}
        for h in hits:
            key = label_key(h.passage.label)
            if key and h.document.meta.work:
                wanted.setdefault((h.document.meta.work, key), []).append(h)
        if not wanted:
            return
        for f, _score in rd.search(_paragraphs(wanted), 20 * len(wanted)):
            lang = f.get("lang", "")
            for h in wanted.get((f.get("work", ""), f.get("label_key", "")), ()):
                if f["doc_id"] != h.document.doc_id and lang != h.passage.lang:
                    h.versions.setdefault(lang, f["passage_id"])

    def _suggest(self, rd: Reader, engine: Engine, text: str, qlang: str, sure: bool,
                 count: Callable[[str], int]) -> str:
        """The query with its misspelt words replaced (indexer/search/suggest.py), or "": offered
        only when the corrected query finds something (`count(corrected)` searches it the
        same way)."""
        analyze = cached_analyze(engine.analyze)
        ctx = suggest.Context(
            doc_frequency=rd.doc_frequency, fuzzy_terms=rd.fuzzy_terms, analyze=analyze,
            as_written=lambda term: self._as_written(rd, engine, term, qlang),
            lexicon=self.lexicon(), languages=self.settings.language_list)
        option = suggest.corrected(text, qlang, sure, ctx)
        if not option:
            return ""
        return option if count(option) > 0 else ""

    def lexicon(self) -> Lexicon:
        """The lexicon did-you-mean consults (indexer/search/lexicon.py), opened once; written by
        `index.py build` and `serve` where it is missing, never by a search."""
        if self._lexicon is None:
            path = lexicon_path(self.settings)
            self._lexicon = Lexicon(path if path.exists() else None)
        return self._lexicon

    @staticmethod
    def _as_written(rd: Reader, engine: Engine, term: str, lang: str = "") -> str:
        """An accent-folded index term as a passage writes it (`autorite` -> `autorité`),
        in a passage of `lang` where one has it (`ocean` is `océan` in French)."""
        word = Term("text_neutral", term)
        for q in ([and_([word, Term("lang", lang)])] if lang else []) + [word]:
            for fields, _score in rd.search(q, 3):
                for w in re.findall(r"\w+", fields.get("content", "")):
                    if engine.analyze(analysis.NEUTRAL, w) == [term]:
                        return w.lower()
        return term

    def more_like_this(self, passage_id: str, limit: int = 5) -> list[Hit]:
        """Passages whose wording is most like this one's (its most distinctive words)."""
        engine, rd = self.reader()
        found = rd.search(Term("passage_id", passage_id), 1)
        if not found:
            raise NotFound(f"no passage with id {passage_id!r}")
        fields = found[0][0]
        stored = fields.get(ANALYSED)
        counts = Counter(stored.neutral() if stored is not None
                         else engine.analyze(analysis.NEUTRAL, fields.get("content", "")))
        n = max(1, sum(counts.values()))
        weights = []
        for term, tf in counts.items():
            df = rd.doc_frequency(NEUTRAL_FIELD, term)
            if df > 1:
                weights.append((tf / n * log(1 + 1e6 / df), term))
        weights.sort(reverse=True)
        terms = [t for _w, t in weights[:MLT_TERMS]]
        if not terms:
            return []
        q = Or(tuple(Term(NEUTRAL_FIELD, t) for t in terms))
        hits = [self._hit(engine, f, score, {})
                for f, score in unique(rd.search(q, limit * 4))
                if f["text_hash"] != fields.get("text_hash")]
        return hits[:limit]

    def wording(self, texts: list[str]) -> list[dict[str, float]]:
        """Each text's words (the neutral field's terms) with their weight in the index
        (idf: a word most passages have weighs little); words no passage has are left out."""
        engine, rd = self.reader()
        key = (self._gen, self._epoch)
        if self._counted[0] != key:  # the passages in search, counted once per state
            with self.store() as st:
                self._counted = (key, max(1, st.counts()[1]))
        n = self._counted[1]
        out = []
        for text in texts:
            weights = {}
            for term in set(engine.analyze(analysis.NEUTRAL, text)):
                df = rd.doc_frequency(NEUTRAL_FIELD, term)
                if df:
                    weights[term] = log(1 + n / df)
            out.append(weights)
        return out

    def like_text(self, weights: dict[str, float], doc_ids: list[str],
                  limit: int = 5) -> list[Hit]:
        """Passages of the documents `doc_ids` worded most like a text, from its most
        distinctive words (`weights`, from `wording`): more like this across two works."""
        if not weights or not doc_ids:
            return []
        engine, rd = self.reader()
        terms = [t for _w, t in sorted(((w, t) for t, w in weights.items()), reverse=True)
                 [:2 * MLT_TERMS]]
        q = filtered(Or(tuple(Term(NEUTRAL_FIELD, t) for t in terms)),
                     Or(tuple(Term("doc_id", d) for d in doc_ids)))
        return [self._hit(engine, f, score, {}) for f, score in unique(rd.search(q, limit))]

    def _hit(self, engine: Engine, f: dict, score: float, terms: dict[str, set[str]]) -> Hit:
        """A hit from stored fields; `terms` (field -> query terms) mark the snippet."""
        passage = passage_from_record(f)
        document = document_from_record(f)
        kinds, wanted = [], []
        for fname in (text_field(passage.lang), NEUTRAL_FIELD):
            if terms.get(fname) and (fname != "text_other" or passage.lang):
                kinds.append(field_kind(fname))
                wanted.append(terms[fname])
        spans = mark_spans(passage.text, kinds, wanted, cached_analyze(engine.analyze),
                           f.get(ANALYSED))
        copies = [{"passage_id": c["passage_id"], "doc_id": c["doc_id"],
                   "title": c.get("title", ""), "symbol": c.get("symbol", ""),
                   "paragraph": c.get("label", "")} for c in f.get("_copies", [])]
        return Hit(passage=passage, document=document, score=score,
                   snippet=snippet(passage.text, spans), copies=copies)

    # -- cross-references (indexer/search/citing.py)
    def resolver(self, st: Store) -> citing.Resolver:
        """Resolution of the references of an open store against the documents in search,
        with the lineage of the catalog (corpus_dir/catalog.toml) where there is one."""
        return citing.Resolver(st, Path(self.settings.corpus_dir) / "catalog.toml")

    def cited_as(self, values: str) -> set[str]:
        """The symbols a `cites:` filter stands for: each typed one, and those of the same
        text (`A/73/L.66` is also cited as `A/RES/73/195`)."""
        with self.store() as st:
            return citing.cited_as(self.resolver(st), values)

    # -- reading the store
    def get_passage(self, passage_id: str) -> tuple[Passage, Document]:
        with self.store() as st:
            return reading.get_passage(st, passage_id)

    def documents(self) -> list[Document]:
        with self.store() as st:
            return reading.documents(st)

    def passage_versions(self, passage_id: str) -> list[tuple[Document, Passage | None]]:
        with self.store() as st:
            return reading.passage_versions(st, passage_id)

    def original(self, doc_id: str) -> tuple[Path, str, str]:
        return reading.original(self.data_dir, self.document(doc_id))

    def document(self, doc_id: str) -> Document:
        with self.store() as st:
            return reading.document(st, doc_id)

    def alternates(self, doc_id: str) -> list[Document]:
        with self.store() as st:
            return reading.alternates(st, doc_id)

    def get_document(self, doc_id: str) -> tuple[Document, list[Passage]]:
        with self.store() as st:
            return reading.get_document(st, doc_id)


class Held:
    """The (field, term) pairs a candidate holds in its own text field and the neutral one:
    what it matched of a query (ranking.share), read from its stored analysis."""

    __slots__ = ("own", "own_terms", "neutral_terms")

    def __init__(self, fields: dict):
        stored = fields[ANALYSED]
        self.own = text_field(fields.get("lang", ""))
        self.own_terms = stored.term_set(stored.own_kind)
        self.neutral_terms = stored.term_set(analysis.NEUTRAL)

    def __contains__(self, pair: object) -> bool:
        fieldname, term = cast(tuple[str, str], pair)
        if fieldname == self.own:
            return term in self.own_terms
        return fieldname == NEUTRAL_FIELD and term in self.neutral_terms


def held_terms(fields: dict) -> Held:
    """A candidate's Held, kept in its fields (fusion meets a passage in several lists)."""
    held = fields.get("_held")
    if held is None:
        held = fields["_held"] = Held(fields)
    return held


def _word_parts(words: list[set]) -> list[Part]:
    return [Part([frozenset([p]) for p in pairs], frozenset([i]))
            for i, pairs in enumerate(words)]


def _paragraphs(pairs) -> Node:
    """Every passage of these (work, label_key) paragraphs, in any document or language."""
    return Or(tuple(and_([Term("work", work), Term("label_key", key)]) for work, key in pairs))


def _terms_by_field(node) -> dict[str, set[str]]:
    """field -> the terms a query looks for (what snippets mark)."""
    out: dict[str, set[str]] = {}
    for f, t in iter_terms(node):
        out.setdefault(f, set()).add(t)
    return out


__all__ = ["SearchRequest", "SearchResult", "SearchService"]
