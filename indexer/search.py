"""The read side: query parsing, filters, ranking, facets, snippets -> Hit[].

Used by the CLI and the web app alike (neither imports Whoosh). Reads the live generation and
follows `build` when it publishes a new one.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from math import log
from pathlib import Path

from whoosh import query as wq
from whoosh import scoring, sorting
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.lang import NoStopWords, stopwords_for_language
from whoosh.qparser import FuzzyTermPlugin, MultifieldPlugin, OrGroup, QueryParser
from whoosh.qparser.syntax import GroupNode

from . import engine, store
from .config import Settings
from .errors import IndexOutOfDate, NotFound, QueryError
from .highlight import mark_spans, snippet
from .language import detect, script_language, stopword_scores
from .metadata import normalize_series
from .models import DocMeta, Document, Hit, Passage
from .passages import label_key
from .schema import TEXT_LANGS, text_field
from .thesaurus import load_thesaurus, tokenize

EXPANSION_TERMS_PER_LANG = 4  # per concept: official wording first; the rest are variants
# A concept's equivalents of the matched term (its official wording, and the term in the
# matched term's place) count in full; its other variants at EXPANSION_VARIANT_BOOST: they
# find passages without the equivalents, but do not add up to outrank them (0.5 let a page
# saying "local public authorities", "cities" and "municipalities" lead for `autorités
# locales`; 0.25 and 0.1 measured on the dev queries, 0.1 kept).
EXPANSION_VARIANT_BOOST = 0.1

# Fields a query searches, with their weights: the passage's own-language text counts most,
# the accent-folded copy a little (it catches `autorites` for `autorités`), the document title
# adds context (CONTEXT_FIELDS).
TEXT_FIELDS = [f"text_{lang}" for lang in TEXT_LANGS] + ["text_other"]
FIELD_BOOSTS = {**{f: 1.0 for f in TEXT_FIELDS}, "text_neutral": 0.6, "title": 0.25}
# The document title adds to the score of a passage whose own text matches; it matches
# nothing alone. The section field is not scored: a heading is a passage of its own, and the
# section text the parsers record can be whole paragraphs (the IOM handbook's), which put
# every passage under them on a par with the paragraphs that use the words (and lifted SDG
# targets over their Goal's heading).
CONTEXT_FIELDS = ("title",)
# Prior by series: the programme's texts (GCM, GCR, NYD, SDG, NUA, GFMD, Mayors, WMR, UNSG)
# at full weight; general UN documents a little lower, so that a GA or Security Council text
# mentioning "local authorities" in passing does not push the Compacts off the first page.
SERIES_PRIOR = {"UNGA": 0.85, "other": 0.8}
PRIOR_DEPTH = 200  # results re-weighted by the prior
# BM25 (Robertson et al.; idf in FieldBM25F) with a weaker length norm and earlier tf
# saturation than the usual b = 0.75, k1 = 1.2: passages are already cut at paragraphs
# (<= 300 words); at b = 0.75 a 60-word GCM paragraph lost to 20-word fragments, and a word
# repeated in passing ("local tensions", "local reconciliation") outweighed the phrase typed.
# Chosen on Vaswani (MAP/nDCG @1000, this code otherwise): b 0.75 k1 1.2 0.2880/0.6114;
# 0.5/1.2 0.2921/0.6169; 0.4/0.9 0.2909/0.6156; 0.6/1.2 0.2949/0.6192; 0.6/0.9 0.2952/0.6196.
BM25_B, BM25_K1 = 0.6, 0.9
FIELD_TIEBREAK = 0.2  # share of a word's other fields' scores added to its best field's
PROXIMITY_BOOST = 0.5  # extra weight when the typed words stand together (slop 3)
# ...and more when they stand exactly as typed (stop words aside: positions are renumbered
# after stop-word removal, so "faster, safer and cheaper remittances" is the phrase
# `faster safer cheaper remittances`, while "faster, safer and cheaper transfer of
# remittances" is only near it). The issue asks that the exact phrase rank above the words
# merely near each other; 0.5 did not reorder those two GCM passages, 1.0 and 2.0 did.
PHRASE_BOOST = 1.0
# Passages whose word 3-shingles overlap this much (Jaccard) with one ranked above are shown
# once: the same paragraph in two extractions of one document (the GCM from the corpus and
# again among the General Assembly texts, differing by a hyphen or a page-break word), or
# repeated verbatim but for a name or a date across a series' yearly resolutions. 0.5 and
# 0.85 folded the same dev-query results as 0.7.
NEAR_DUPLICATE = 0.7
# ...among the first NEAR_DUPLICATE_DEPTH passages shown; further down only identical wording
# is folded (near copies score alike, so they stand together near the top; comparing every
# pair at rank 1,000, a page of 100 deep in Vaswani, took about 0.5 s a page).
NEAR_DUPLICATE_DEPTH = 300
COPIES_LISTED = 10  # folded copies a hit lists (the passages ranked, not every repeat)
# Reciprocal-rank fusion of typed-word and expansion rankings (k as in Cormack et al. 2009);
# an expansion's ranking counts a little less so that ties go to the query's own language
# (0.9 measured worse: it pushed each language's best expansion hit below rank 7).
RRF_K = 60
FUSION_EXPANSION_WEIGHT = 0.98
FACETS = {"series": "series", "lang": "lang", "year": "year", "doc_id": "doc"}
_FILTER_RE = re.compile(r'(?<!\S)(lang|series|year|symbol|doc):("[^"]*"|\S+)', re.I)
# Query syntax beyond plain words: quotes, groups, wildcards, fuzzy, boosts, operators, -/+.
_SYNTAX_RE = re.compile(r'["():*~^]|\b(AND|OR|NOT)\b|(^|\s)[-+]')


@dataclass
class SearchRequest:
    q: str
    lang: str = ""  # only passages in this language
    series: str = ""
    year: str = ""  # "2018" or "2015-2018"
    doc: str = ""
    symbol: str = ""
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


def split_filters(q: str) -> tuple[str, dict[str, str]]:
    """Pull `lang:fr series:GCM year:2018 symbol:A/73/L.66 doc:ID` out of the query text."""
    filters: dict[str, str] = {}

    def take(m: re.Match) -> str:
        filters[m.group(1).lower()] = m.group(2).strip('"')
        return " "

    rest = _FILTER_RE.sub(take, q)
    return " ".join(rest.split()), filters


def _year_query(value: str) -> wq.Query:
    m = re.fullmatch(r"(\d{4})(?:\s*(?:-|–|\.\.)\s*(\d{4}))?", value.strip())
    if not m:
        raise QueryError(f"year must be a year like 2018 or a range like 2015-2018, not {value!r}")
    lo = int(m.group(1))
    hi = int(m.group(2) or lo)
    return wq.NumericRange("year", min(lo, hi), max(lo, hi))


@dataclass(frozen=True)
class _Part:
    """Something a passage has or lacks: any of `alternatives` (each a set of (field, term)
    pairs the passage must all have), standing for the typed words numbered `covers`; an
    alternative counts `weights[i]` of a word (a thesaurus variant less than the official
    wording)."""
    alternatives: list[frozenset]
    covers: frozenset
    weights: tuple = ()

    def value(self, have: set) -> float:
        return max((self.weights[i] if self.weights else 1.0
                    for i, alt in enumerate(self.alternatives) if alt <= have), default=0.0)


@dataclass(frozen=True)
class _Ranking:
    """One ranked list of the fusion: its weight, its query, and its parts (see _fused)."""
    weight: float
    query: wq.Query
    parts: list[_Part]


def _text(term) -> str:
    return term.decode("utf-8", "replace") if isinstance(term, bytes) else term


class FieldBM25F(scoring.BM25F):
    """BM25F whose average field length counts only the passages that have the field.

    Whoosh divides a field's total length by every document in the index. Each language
    field is filled only for passages in that language, so with 290 French passages among
    250,000 the French field's "average length" was 0.03 words, every French passage looked
    1,000 times too long, and the length norm, not the words, ordered French results.
    (Lucene and Terrier likewise average over the documents holding the field.)"""

    def scorer(self, searcher, fieldname, text, qf=1):
        if not searcher.schema[fieldname].scorable:
            return scoring.WeightScorer.for_(searcher, fieldname, text)
        B = self._field_B.get(fieldname, self.B)
        return _FieldBM25FScorer(searcher, fieldname, text, B, self.K1, qf=qf)


class _FieldBM25FScorer(scoring.BM25FScorer):
    def __init__(self, searcher, fieldname, text, B, K1, qf=1):
        parent = searcher.get_parent()  # global statistics come from the top-level searcher
        holders = _docs_with_field(parent, fieldname)
        # Robertson-Sparck Jones idf as Lucene has it, log(1 + (N - df + 0.5) / (df + 0.5)),
        # over the N documents that have the field: with N = the whole index, a word in a
        # field few passages have (the French field of a mostly English index) looked rarer
        # than it is there. (Whoosh's log(N / (df + 1)) + 1 flattens the idf of common
        # words: Vaswani MAP@100 0.2626 -> 0.2669 with this one.)
        n = holders or parent.doc_count_all()
        df = parent.doc_frequency(fieldname, text)
        self.idf = log(1 + (n - df + 0.5) / (df + 0.5))
        self.avgfl = ((parent.field_length(fieldname) / holders) if holders
                      else parent.avg_field_length(fieldname)) or 1
        self.B, self.K1, self.qf = B, K1, qf
        # after avgfl: setup() computes the block-quality bound from it (a bound computed
        # with another avgfl makes Whoosh skip blocks holding better documents)
        self.setup(searcher, fieldname, text)


def _docs_with_field(searcher, fieldname: str) -> int:
    """How many documents have a non-empty `fieldname` (cached on the searcher, which is
    replaced whenever the index changes); 0 when the codec does not say."""
    cache = searcher.__dict__.setdefault("_ds_docs_with_field", {})
    if fieldname not in cache:
        total = 0
        try:
            for seg, _base in searcher.reader().leaf_readers():
                perdoc = seg._perdoc  # whoosh-reloaded 2.7 W3 codec: one length byte a doc
                name = _lenfield(fieldname)
                if perdoc.has_column(name):
                    total += sum(1 for v in perdoc.column_reader(name, LENGTHS_COLUMN) if v)
        except (AttributeError, KeyError, TypeError):
            total = 0
        cache[fieldname] = total
    return cache[fieldname]


class _WordPartsParser(QueryParser):
    """A typed word the analyzer splits (`COVID-19`, `whole-of-society`, `l’État`) is searched
    as its parts together (a phrase where the field keeps positions, else all the parts), not
    as any of them: Whoosh's default ORs them, so `COVID-19` matched every passage with `19`."""

    def multitoken_query(self, spec, texts, fieldname, termclass, boost):
        field = self.schema[fieldname] if self.schema and fieldname in self.schema else None
        if field is not None and field.format is not None and field.format.supports("positions"):
            spec = "phrase"
        else:
            spec = "and"
        return super().multitoken_query(spec, texts, fieldname, termclass, boost)


class _BestFieldGroup(GroupNode):
    qclass = wq.DisjunctionMax


def _best_field_group(nodes=None, **kwargs):
    return _BestFieldGroup(nodes, tiebreak=FIELD_TIEBREAK, **kwargs)


def drop_stopwords(text: str, lang: str) -> str:
    """Remove the query language's stop words outside quotes: fields without stop lists (the
    neutral one, other languages') would otherwise match `de`, `la`, `the` everywhere."""
    try:
        stops = frozenset(stopwords_for_language(lang)) if lang else frozenset()
    except NoStopWords:
        return text
    if not stops:
        return text
    parts = re.split(r'("[^"]*")', text)
    kept = []
    for i, part in enumerate(parts):
        if i % 2:  # a quoted phrase
            kept.append(part)
            continue
        words = [w for w in part.split() if w.lower() not in stops or w in ("AND", "OR", "NOT")]
        kept.append(" ".join(words))
    result = " ".join(p for p in kept if p.strip())
    return result if re.search(r"\w", result) else text


def _positional_only(node: wq.Query, schema) -> wq.Query:
    """Phrases run on the language fields only: the neutral, section and title fields keep no
    positions (they would cost a third of the build time), so a phrase there matches nothing."""
    if isinstance(node, wq.Phrase):
        fmt = schema[node.fieldname].format if node.fieldname in schema else None
        if fmt is None or not fmt.supports("positions"):
            return wq.NullQuery
    return node


class SearchService:
    """Search and read access to the live index and store of one data directory."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.data_dir = Path(settings.index_dir)
        self._lock = threading.Lock()
        self._gen: Path | None = None
        self._ix = None
        self._parser = None
        self._column_cache = None
        self._schema = None
        self._local = threading.local()

    # -- opening
    def _index(self):
        gen = store.current_generation(self.data_dir)
        if gen is None:
            raise IndexOutOfDate(
                f"there is no index in {self.data_dir} yet; run `python index.py build`")
        with self._lock:
            if gen != self._gen:
                self._ix = engine.open_index(gen)
                # `Index.schema` re-reads the TOC file on every access (slow, and racing a
                # writer that replaces it); the schema does not change within a generation.
                self._schema = self._ix.schema
                self._gen = gen
                self._parser = None
            return self._ix

    @contextmanager
    def _searcher(self, ix):
        """This thread's searcher, refreshed when the index has changed. Opening a searcher
        reads the term dictionaries of every segment (~0.3 s on the UNGA corpus), so each
        thread keeps one (Whoosh searchers are not shared across threads)."""
        held = getattr(self._local, "searcher", None)
        if held is not None and held[0] is ix and held[1].up_to_date():
            searcher = held[1]
        else:
            # Not `Searcher.refresh()`: it reuses the readers of unchanged segments, with
            # their old deletion lists, so removed or edited passages would still be found.
            if held is not None:
                held[1].close()
            searcher = ix.searcher(weighting=FieldBM25F(B=BM25_B, K1=BM25_K1))
        self._local.searcher = (ix, searcher)
        yield searcher

    def store(self) -> store.Store:
        self._index()
        return store.Store(self._gen)

    def _query_parser(self, ix, qlang: str = ""):
        """A parser for the typed words: the query language's own field (stemmed) plus the
        language-neutral field (`parse` adds the title as context). Other languages are
        reached through the neutral field (same word forms) and the thesaurus expansion, not
        by running the words through every language's stemmer: that matched noise and cost
        3x the time."""
        if self._parser is None:
            self._parser = {}
        key = qlang if text_field(qlang) in TEXT_FIELDS[:-1] else ""
        if key not in self._parser:
            own = [text_field(key)] if key else TEXT_FIELDS
            fields = own + ["text_other", "text_neutral"] if key else own + ["text_neutral"]
            # Each word scores by its best field (plus a little of the others) rather than the
            # sum: summing the stemmed and the neutral copy of a word double-counts it.
            parser = _WordPartsParser(None, self._schema, group=OrGroup.factory(0.9))
            parser.add_plugin(MultifieldPlugin(fields, fieldboosts=FIELD_BOOSTS,
                                               group=_best_field_group))
            parser.add_plugin(FuzzyTermPlugin())
            self._parser[key] = parser
        return self._parser[key]

    # -- queries
    def parse(self, text: str, ix, qlang: str = "") -> wq.Query:
        parser = self._query_parser(ix, qlang)
        try:
            q = parser.parse(text)
        # Whoosh's parser itself fails on some malformed input (`a~[~OR`, a dangling NOT):
        # IndexError/AttributeError from inside it. Only this call is guarded.
        except (IndexError, ValueError, AttributeError) as exc:
            # Fall back to the words alone rather than showing nothing.
            words = " ".join(w.lower() for w in re.findall(r"\w+", text))  # no operators
            if not words:
                raise QueryError(f"the query could not be understood: {exc}") from exc
            q = parser.parse(words)
        q = q.accept(lambda node: _positional_only(node, self._schema))
        context = self._context(text)
        return wq.AndMaybe(q, context) if context is not None else q

    def _context(self, text: str) -> wq.Query | None:
        """The typed words in the document title (CONTEXT_FIELDS): they add to the score of
        passages whose text matches, but match nothing alone. As words of their own (with
        the section heading) they ranked footnotes under a heading about "local authorities"
        above the paragraphs that speak of them."""
        text = re.sub(r'(?:\bNOT\s+|(?<!\S)-)("[^"]*"|\S+)', " ", text)  # negated words
        analyzer = self._schema["text_neutral"].analyzer
        words = {t.text for t in analyzer(" ".join(
            w for w in re.findall(r"\w+", text) if w not in ("AND", "OR", "NOT")))}
        parts = [wq.Term(f, w, boost=FIELD_BOOSTS[f]) for w in sorted(words)
                 for f in CONTEXT_FIELDS]
        return wq.Or(parts) if parts else None

    def _filters(self, req: SearchRequest, extra: dict[str, str]) -> wq.Query | None:
        wanted = {"lang": req.lang, "series": req.series, "year": req.year, "doc": req.doc,
                  "symbol": req.symbol}
        for k, v in extra.items():
            wanted[k] = wanted[k] or v
        parts: list[wq.Query] = []
        if wanted["lang"]:
            parts.append(wq.Or([wq.Term("lang", x.strip().lower())
                                for x in wanted["lang"].split(",") if x.strip()]))
        if wanted["series"]:
            parts.append(wq.Or([wq.Term("series", normalize_series(x))
                                for x in wanted["series"].split(",") if x.strip()]))
        if wanted["year"]:
            parts.append(_year_query(wanted["year"]))
        if wanted["doc"]:
            parts.append(wq.Term("doc_id", wanted["doc"]))
        if wanted["symbol"]:
            parts.append(wq.Term("symbol", wanted["symbol"]))
        return wq.And(parts) if parts else None

    def query_language_confidence(self, text: str) -> tuple[str, bool]:
        """(language, sure). Thesaurus terms first (short queries), then the script and
        function words; a guess from letter statistics alone on a few words is not sure."""
        candidates = tuple(self.settings.language_list)
        counts = load_thesaurus().languages_of(text)
        if counts:
            ranked = sorted(counts.items(), key=lambda kv: -kv[1])
            if len(ranked) == 1 or ranked[0][1] > ranked[1][1]:
                return ranked[0][0], True
        if script_language(text, candidates):
            return script_language(text, candidates), True
        scores = stopword_scores(text, candidates)
        ranked = sorted(scores.items(), key=lambda kv: -kv[1])
        if ranked and ranked[0][1] >= 1 and (len(ranked) < 2 or ranked[1][1] == 0):
            return ranked[0][0], True
        return detect(text, candidates, default=self.settings.default_lang), False

    def _proximity(self, typed: str, field_lang: str, ix) -> wq.Query | None:
        """For plain multi-word queries, reward passages where the words stand together."""
        if not field_lang or _SYNTAX_RE.search(typed):
            return None
        fieldname = text_field(field_lang)
        if fieldname == "text_other":
            return None
        words = [t.text for t in self._schema[fieldname].analyzer(typed)]
        if len(words) < 2 or len(words) > 8:
            return None
        return wq.Or([wq.Phrase(fieldname, words, slop=3, boost=PROXIMITY_BOOST),
                      wq.Phrase(fieldname, words, slop=1, boost=PHRASE_BOOST)])

    def _word_terms(self, typed: str, ix, field_lang: str) -> list[_Part] | None:
        """One part per typed word (any of its (field, term) pairs), for plain-word queries
        (None with quotes, operators or prefixes: their parts are not words a passage has
        or lacks)."""
        if _SYNTAX_RE.search(typed):
            return None
        parts = []
        for i, word in enumerate(typed.split()):
            pairs = {(f, _text(t)) for f, t in self.parse(word, ix, field_lang).iter_all_terms()
                     if f not in CONTEXT_FIELDS}
            parts.append(_Part([frozenset([p]) for p in pairs], frozenset([i])))
        return parts

    def _expansion(self, text: str, qlang: str, ix, typed: str = ""
                   ) -> tuple[dict[str, wq.Query], dict, dict[str, list[_Part]]]:
        """Other-language terms of the thesaurus concepts the query names: one query per
        language (each is ranked on its own and fused with the typed words' ranking), and
        per language the concepts as parts (their terms' words, and which of the `typed`
        words each concept stands for).

        Per concept, the equivalents of the matched term count in full and the other
        variants at EXPANSION_VARIANT_BOOST. The terms add up: a passage that says the
        thing several ways (UDHR Article 13: freedom of movement, the right to leave any
        country, to return to one's country) is about it (DisMax, best term only, measured
        worse). Each concept brings its own terms (the first few terms over all concepts
        left a second concept out)."""
        typed_tokens = [set(tokenize(w)) for w in typed.split()]
        used: dict[str, list[str]] = {}
        per_lang: dict[str, list[wq.Query]] = {}
        parts: dict[str, list[_Part]] = {}
        for matched, concept_terms, n_equiv in load_thesaurus().concept_expansions(
                text, qlang or None):
            span = set(matched)
            covers = frozenset(i for i, toks in enumerate(typed_tokens) if toks and toks <= span)
            for lang, terms in concept_terms.items():
                fieldname = text_field(lang)
                if fieldname == "text_other" or fieldname not in self._schema:
                    continue
                analyzer = self._schema[fieldname].analyzer
                alternatives: list[wq.Query] = []
                words_of: list[frozenset] = []
                boosts: list[float] = []
                for term in terms[:EXPANSION_TERMS_PER_LANG]:
                    words = [t.text for t in analyzer(term)]
                    if not words:
                        continue
                    boost = 1.0 if len(alternatives) < n_equiv else EXPANSION_VARIANT_BOOST
                    boosts.append(boost)
                    # All the words, not the phrase: Whoosh reads positions for every
                    # document holding the words, which made expanded queries take seconds.
                    alternatives.append(
                        wq.Term(fieldname, words[0], boost=boost) if len(words) == 1
                        else wq.And([wq.Term(fieldname, w) for w in words], boost=boost))
                    words_of.append(frozenset((fieldname, w) for w in words))
                    bucket = used.setdefault(lang, [])
                    if term not in bucket:
                        bucket.append(term)
                if alternatives:
                    per_lang.setdefault(lang, []).append(
                        alternatives[0] if len(alternatives) == 1 else wq.Or(alternatives))
                    parts.setdefault(lang, []).append(_Part(words_of, covers, tuple(boosts)))
        queries = {lang: qs[0] if len(qs) == 1 else wq.Or(qs) for lang, qs in per_lang.items()}
        return queries, used, parts

    def topic_query(self, name: str, lang: str) -> str:
        """A topic preset's query in `lang` (English when the preset lacks it)."""
        topic = load_thesaurus().topic(name)  # KeyError names the known topics
        return topic.query.get(lang) or topic.query["en"]

    def search(self, req: SearchRequest) -> SearchResult:
        started = time.perf_counter()
        if req.page < 1 or not 1 <= req.per_page <= 100:
            raise QueryError("page must be 1 or more and per_page between 1 and 100")
        if len(req.q or "") > self.settings.max_query_chars:
            raise QueryError(
                f"the query is {len(req.q)} characters long; the limit is "
                f"{self.settings.max_query_chars}")
        text, extra = split_filters(req.q or "")
        ix = self._index()
        qlang, sure = self.query_language_confidence(text) if text.strip() else ("", False)
        # The typed words are stemmed for the query's language; when that is only a guess,
        # or the user asked for one language, the fields follow that instead.
        single_lang = (req.lang or extra.get("lang", "")).strip().lower()
        field_lang = (single_lang if single_lang and "," not in single_lang
                      else qlang if sure else "")
        if req.topic:
            try:
                topic_text = self.topic_query(req.topic, req.lang or qlang or "en")
            except KeyError as exc:
                raise QueryError(str(exc).strip("'\"")) from None
            text = f"{text} {topic_text}".strip()
            qlang = qlang or req.lang or "en"
        flt = self._filters(req, extra)
        if req.same_language and qlang:
            same = wq.Term("lang", qlang)
            flt = wq.And([flt, same]) if flt is not None else same
        expansions: dict[str, list[str]] = {}
        exp_qs: dict[str, wq.Query] = {}
        words: list[_Part] | None = None
        exp_parts: dict[str, list[_Part]] = {}
        if not text.strip():
            if flt is None:
                raise QueryError("type some words to search for")
            q: wq.Query = flt
        else:
            typed = drop_stopwords(text, qlang)
            q = self.parse(typed, ix, field_lang)
            near = self._proximity(typed, field_lang, ix)
            if near is not None:
                q = wq.Or([q, near])
            if req.expand and not req.same_language:
                exp_qs, expansions, exp_parts = self._expansion(text, qlang, ix, typed)
                if exp_qs:
                    words = self._word_terms(typed, ix, field_lang)
            if flt is not None:
                q = wq.And([q, flt])
                exp_qs = {lang: wq.And([eq, flt]) for lang, eq in exp_qs.items()}
        everything = wq.Or([q, *exp_qs.values()]) if exp_qs else q
        suggestion = ""
        with self._searcher(ix) as s:
            facet_counts, total = self._facets(s, everything)
            # Fetch more than a page needs: language versions are folded away below.
            want = 2 * req.page * req.per_page
            if exp_qs and req.sort != "date":
                n_words = len(words) if words else 0
                lists = [_Ranking(1.0, q, words or [])] + [
                    _Ranking(FUSION_EXPANSION_WEIGHT, eq, exp_parts[lang] if words else [])
                    for lang, eq in exp_qs.items()]
                ranked = self._fused(s, lists, want, n_words)
            else:
                ranked = self._ranked(s, everything, want, by_date=req.sort == "date")
            ranked = _fold_language_versions(ranked, qlang)
            start = (req.page - 1) * req.per_page
            terms = _query_terms(everything)
            hits = [self._hit(fields, score, terms)
                    for fields, score in ranked[start:start + req.per_page]]
            for h in hits:
                h.versions = self._versions(s, h)
            if text.strip():
                suggestion = self._suggest(s, text)
                if suggestion and extra:  # keep the user's filters in the suggested query
                    suggestion = " ".join([*(f"{k}:{v}" for k, v in extra.items()),
                                           suggestion])
        return SearchResult(query=req.q, total=total, hits=hits, facets=facet_counts,
                            page=req.page, per_page=req.per_page,
                            elapsed_ms=(time.perf_counter() - started) * 1000,
                            query_lang=qlang, suggestion=suggestion, expansions=expansions)

    @staticmethod
    def _ranked(searcher, q: wq.Query, n: int, by_date: bool = False,
                matched: dict[str, set] | None = None) -> list[tuple[dict, float]]:
        """The top n (stored fields, score), identical passages shown once.

        Relevance scores are weighted by the series prior over the top PRIOR_DEPTH: the
        global-dialogue texts first, general Assembly and other documents after them."""
        # Identical passages are dropped here rather than with Whoosh's `collapse`, which
        # scores every match and so defeats its top-N optimisation on broad queries.
        if by_date:
            results = searcher.search(q, limit=2 * n,
                                      sortedby=sorting.FieldFacet("year", reverse=True))
            return _unique([(r.fields(), float(r.score or 0.0)) for r in results])[:n]
        results = searcher.search(q, limit=max(2 * n, PRIOR_DEPTH), terms=matched is not None)
        scored = [(r.fields(), float(r.score or 0.0)) for r in results]
        if matched is not None:  # text_hash -> the (field, term) pairs the passage matched
            for r in results:
                matched.setdefault(r["text_hash"], set()).update(
                    (f, _text(t)) for f, t in r.matched_terms())
        scored = [(f, sc * SERIES_PRIOR.get(f.get("series", ""), 1.0)) for f, sc in scored]
        scored.sort(key=lambda fs: -fs[1])
        return _unique(scored)[:n]

    def _fused(self, searcher, lists: list[_Ranking], n: int,
               n_words: int = 0) -> list[tuple[dict, float]]:
        """Reciprocal-rank fusion of the typed words' ranking and each other language's
        expansion ranking, so that the best passages in the query's language and the best in
        each other language all reach the first page. Summing the two BM25 scores instead let
        a long expansion phrase outweigh the very paragraph the user typed.

        With `n_words` typed words, a passage's rank counts in proportion to the share of
        the words it stands for: the typed words it has, or in an expansion list the words
        of the concepts whose terms it has (a concept's variant wording counts
        EXPANSION_VARIANT_BOOST of its words: French SDG 11.6, found for `local
        authorities` through "municipalités" alone, no longer takes third place).
        Otherwise the first places went to passages with one of the words (a French query
        `autorités locales` over a corpus with no French text on local authorities:
        Spanish targets with `locales`), or with one of several concepts, ahead of
        passages with them all. Each list keeps its own order (a share only lowers the
        places after it): the BM25 order within a list is not undone."""
        fused: dict[str, list] = {}
        for ranking in lists:
            matched: dict[str, set] | None = {} if ranking.parts and n_words > 1 else None
            cap = float("inf")
            for rank, (fields, _score) in enumerate(self._ranked(
                    searcher, ranking.query, n, matched=matched)):
                share = 1.0
                if matched is not None:
                    have = matched.get(fields["text_hash"], set())
                    covered: dict[int, float] = {}
                    for part in ranking.parts:
                        value = part.value(have)
                        for i in part.covers:
                            covered[i] = max(covered.get(i, 0.0), value)
                    share = sum(covered.values()) / n_words
                cap = min(cap, ranking.weight * share / (RRF_K + rank + 1))
                entry = fused.setdefault(_wording(fields), [fields, 0.0])
                # max, not sum: a passage both lists find (a French article matching an
                # English query's words through the accent-folded field) is not doubled.
                entry[1] = max(entry[1], cap)
        ordered = sorted(fused.values(), key=lambda e: -e[1])
        # Each list is folded on its own; near copies from different lists meet here.
        return _unique([(fields, score) for fields, score in ordered[:n]])

    def _facets(self, searcher, q: wq.Query) -> tuple[dict[str, dict[str, int]], int]:
        """Counts of series, language, year and document over every matching passage.

        Counted from column values cached per index generation over the unscored matches:
        Whoosh's `groupedby` scores every match first, which made broad queries take seconds.
        """
        columns = self._columns(searcher)
        hashes, works, labels = columns["text_hash"], columns["work"], columns["label_key"]
        seen: set[str] = set()
        shown: set[tuple] = set()
        docnums = []
        for d in searcher.docs_for_query(q):  # identical passages count once
            if hashes[d] not in seen:
                seen.add(hashes[d])
                docnums.append(d)
                # the result list shows one language version of each labelled paragraph
                shown.add((works[d], labels[d]) if labels[d] else (hashes[d],))
        out: dict[str, dict[str, int]] = {}
        for name, key in FACETS.items():
            col = columns[name]
            counted = Counter(col[d] for d in docnums)
            out[key] = {str(k): v for k, v in counted.most_common() if k not in (None, "")}
        return out, len(shown)

    def _columns(self, searcher) -> dict[str, list]:
        """Facet columns as lists, cached until the index changes (a new commit or build)."""
        reader = searcher.reader()
        key = (id(self._ix), self._ix.latest_generation(), reader.doc_count_all())
        with self._lock:
            if self._column_cache is None or self._column_cache[0] != key:
                cache = {name: _column_values(reader, name)
                         for name in (*FACETS, "text_hash", "work", "label_key")}
                self._column_cache = (key, cache)
            return self._column_cache[1]

    def _versions(self, searcher, hit: Hit) -> dict[str, str]:
        """The same paragraph in the other language versions of the document's work."""
        key = label_key(hit.passage.label)
        if not key or not hit.document.meta.work:
            return {}
        q = wq.And([wq.Term("work", hit.document.meta.work), wq.Term("label_key", key)])
        out: dict[str, str] = {}
        for r in searcher.search(q, limit=20):
            lang = r["lang"]
            if r["doc_id"] != hit.document.doc_id and lang != hit.passage.lang:
                out.setdefault(lang, r["passage_id"])
        return out

    def _suggest(self, searcher, text: str) -> str:
        """A corrected query from the index's own words (Whoosh's spelling support), offered
        only when a word (accents and case folded, as indexed) is absent from the index."""
        analyzer = searcher.schema["text_neutral"].analyzer
        words = [t.text for t in analyzer(text)]
        if not words:
            return ""
        corrector = searcher.corrector("text_neutral")
        fixed = []
        changed = False
        for w in words:
            if searcher.doc_frequency("text_neutral", w) > 0 or len(w) < 4 or w.isdigit():
                fixed.append(w)
                continue
            # Sharing the first two letters keeps the lexicon scan short (seconds -> ms).
            options = corrector.suggest(w, limit=1, maxdist=2, prefix=2)
            if options:
                fixed.append(options[0])
                changed = True
            else:
                fixed.append(w)
        return " ".join(fixed) if changed else ""

    def more_like_this(self, passage_id: str, limit: int = 5) -> list[Hit]:
        """Passages whose wording is most like this one's (other documents first)."""
        ix = self._index()
        with self._searcher(ix) as s:
            docnum = s.document_number(passage_id=passage_id)
            if docnum is None:
                raise NotFound(f"no passage with id {passage_id!r}")
            fields = s.stored_fields(docnum)
            results = s.more_like(docnum, "text_neutral", text=fields.get("content", ""),
                                  top=limit * 2, numterms=12)
            hits = [self._hit(r.fields(), float(r.score or 0.0), {})
                    for r in results if r["text_hash"] != fields.get("text_hash")]
        return hits[:limit]

    def _hit(self, f: dict, score: float, terms: dict[str, set[str]]) -> Hit:
        """A hit from stored fields; `terms` (field -> query terms) mark the snippet."""
        passage = _passage_from(f)
        document = _document_from(f)
        lang_field = text_field(passage.lang)
        schema = self._schema
        analyzers, wanted = [], []
        for fname in (lang_field, "text_neutral"):
            if fname in schema and terms.get(fname):
                analyzers.append(schema[fname].analyzer)
                wanted.append(terms[fname])
        spans = mark_spans(passage.text, analyzers, wanted)
        copies = [{"passage_id": c["passage_id"], "doc_id": c["doc_id"],
                   "title": c.get("title", ""), "symbol": c.get("symbol", ""),
                   "paragraph": c.get("label", "")} for c in f.get("_copies", [])]
        return Hit(passage=passage, document=document, score=score,
                   snippet=snippet(passage.text, spans), copies=copies)

    # -- reading
    def get_passage(self, passage_id: str) -> tuple[Passage, Document]:
        st = self.store()
        try:
            p = st.get_passage(passage_id)
            d = st.get_document(p.doc_id)
        finally:
            st.close()
        return p, d

    def documents(self) -> list[Document]:
        st = self.store()
        try:
            return st.documents("active")
        finally:
            st.close()

    def passage_versions(self, passage_id: str) -> list[tuple[Document, Passage | None]]:
        """The document's other language versions (same catalog work, else same UN symbol),
        each with its paragraph of the same label (`Article 14` = `Artículo 14`), if any."""
        st = self.store()
        try:
            p = st.get_passage(passage_id)
            d = st.get_document(p.doc_id)
            work = d.meta.work or d.meta.symbol
            if not work:
                return []
            key = label_key(p.label)
            out: list[tuple[Document, Passage | None]] = []
            for other in st.documents("active"):
                if other.doc_id == d.doc_id or (other.meta.work or other.meta.symbol) != work:
                    continue
                if other.meta.lang == d.meta.lang:
                    continue  # another copy or revision, not a language version
                same = None
                if key:
                    same = next((x for x in st.passages(other.doc_id)
                                 if label_key(x.label) == key), None)
                out.append((other, same))
        finally:
            st.close()
        return sorted(out, key=lambda v: (v[0].meta.lang, v[0].doc_id))

    def original(self, doc_id: str) -> tuple[Path, str, str]:
        """(path, download name, MIME type) of a document's original file.

        The path comes from the store's content hash, never from the caller: an unknown id
        is a NotFound, whatever it contains."""
        doc = self.document(doc_id)
        path = store.original_path(self.data_dir, doc.sha256)
        if not path.is_file():
            raise NotFound(f"the original file of {doc_id} is not in the store")
        mime = {"pdf": "application/pdf", "html": "text/html", "markdown": "text/markdown",
                "text": "text/plain"}.get(doc.format, "application/octet-stream")
        return path, doc.file, mime

    def document(self, doc_id: str) -> Document:
        """A document's stored row (metadata, status), without its passages."""
        st = self.store()
        try:
            return st.get_document(doc_id)
        finally:
            st.close()

    def get_document(self, doc_id: str) -> tuple[Document, list[Passage]]:
        st = self.store()
        try:
            d = st.get_document(doc_id)
            return d, st.passages(doc_id)
        finally:
            st.close()


def _query_terms(q: wq.Query) -> dict[str, set[str]]:
    """field -> the terms a query looks for (what snippets mark)."""
    terms: dict[str, set[str]] = {}
    for fieldname, value in q.iter_all_terms():
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        terms.setdefault(fieldname, set()).add(value)
    return terms


def _wording(fields: dict) -> str:
    """A passage's wording without its own label (case, spacing and punctuation ignored):
    `20. Promote faster, safer…` in the GCM's list of objectives and the heading
    `Objective 20: Promote faster, safer…` are the same text. Kept in `fields`: a result
    is folded in its list, keyed in the fusion and folded again."""
    if "_wording" not in fields:
        words = re.findall(r"\w+", fields.get("content", "").casefold())
        label = re.findall(r"\w+", (fields.get("label") or "").casefold())
        if label and words[:len(label)] == label and len(words) > len(label):
            words = words[len(label):]
        fields["_wording"] = " ".join(words)
    return fields["_wording"]


def _shingles(wording: str) -> frozenset:
    words = wording.split()
    triples = (tuple(words[i:i + 3]) for i in range(len(words) - 2))
    return frozenset(triples) or frozenset([tuple(words)])


def _unique(ranked: list[tuple[dict, float]]) -> list[tuple[dict, float]]:
    """Fold passages whose wording repeats, or nearly repeats (NEAR_DUPLICATE), one ranked
    above into it: a document indexed twice or extracted twice, a heading repeated in a list
    under another label, a paragraph a later resolution repeats. The folded passages are
    kept in the survivor's fields as `_copies` (see Hit.copies)."""
    first: dict[str, int] = {}  # wording -> its place in `out`
    sizes: list[int] = []  # shingle count of each passage compared (the first ones in out)
    holders: dict[tuple, list[int]] = {}  # shingle -> compared passages that have it
    out: list[tuple[dict, float]] = []
    for fields, score in ranked:
        key = _wording(fields)
        place = first.get(key)
        if place is None and len(sizes) < NEAR_DUPLICATE_DEPTH:
            shingles = _shingles(key)
            # Shared shingles counted through the inverted map: a page of 100 at rank 1,000
            # compares 2,000 passages, which pairwise took seconds.
            shared: Counter = Counter()
            for sh in shingles:
                shared.update(holders.get(sh, ()))
            size = len(shingles)
            place = next((i for i, n in shared.items()
                          if n >= NEAR_DUPLICATE * (size + sizes[i] - n)), None)
            if place is None:
                for sh in shingles:
                    holders.setdefault(sh, []).append(len(out))
                sizes.append(size)
        if place is not None:
            kept = out[place][0]
            listed = kept.setdefault("_copies", [])
            # Copies folded in an earlier pass come along (one of them may be `kept` itself).
            known = {kept["passage_id"], *(c["passage_id"] for c in listed)}
            for folded in [fields, *fields.pop("_copies", [])]:
                if len(listed) < COPIES_LISTED and folded["passage_id"] not in known:
                    known.add(folded["passage_id"])
                    listed.append(folded)
            continue
        first[key] = len(out)
        out.append((fields, score))
    return out


def _fold_language_versions(ranked: list[tuple[dict, float]],
                            prefer_lang: str = "") -> list[tuple[dict, float]]:
    """One place per paragraph (same work, same label), at its best-ranked language version's
    rank; the others are linked from it as `versions`. The version shown is the one in the
    query's language when it is among the ranked passages: a French query for an article
    found through its English wording shows the French article (its own words)."""
    place: dict[tuple[str, str], int] = {}
    out: list[tuple[dict, float]] = []
    for fields, score in ranked:
        key = fields.get("label_key", "")
        if not key:
            out.append((fields, score))
            continue
        ident = (fields.get("work", ""), key)
        if ident not in place:
            place[ident] = len(out)
            out.append((fields, score))
        elif prefer_lang and fields.get("lang") == prefer_lang:
            i = place[ident]
            if out[i][0].get("lang") != prefer_lang:
                out[i] = (fields, out[i][1])
    return out


def _column_values(reader, name: str) -> list:
    """A sortable field's values by document number, segment by segment (a segment where no
    document has the field has no column: its values are None)."""
    values: list = []
    for seg, offset in reader.leaf_readers():
        assert offset == len(values)
        n = seg.doc_count_all()
        if seg.has_column(name):
            col = seg.column_reader(name)
            values.extend(col[i] for i in range(n))
        else:
            values.extend([None] * n)
    return values


def _passage_from(f: dict) -> Passage:
    return Passage(passage_id=f["passage_id"], doc_id=f["doc_id"], ordinal=f.get("ordinal", 0),
                   text=f.get("content", ""), label=f.get("label", ""),
                   section=f.get("section", ""), page=f.get("page", 1),
                   page_label=f.get("page_label", "") or str(f.get("page", 1)),
                   lang=f.get("lang", ""))


def _document_from(f: dict) -> Document:
    year = f.get("year")
    meta = DocMeta(title=f.get("title", ""), series=f.get("series", ""),
                   symbol=f.get("symbol", ""), date=f.get("date", "") or (str(year) if year
                                                                           else ""),
                   lang=f.get("doc_lang", ""), url=f.get("url", ""),
                   version=f.get("version", ""), work=f.get("work", ""))
    return Document(doc_id=f["doc_id"], sha256="", file=f.get("file", ""), format="",
                    meta=meta)


__all__ = ["SearchRequest", "SearchResult", "SearchService"]
