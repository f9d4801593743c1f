"""The default engine: tantivy (Rust, through the `tantivy` package). See engines/__init__.py
for the interface.

One tantivy index per language ("sub-index"), by design: tantivy's BM25 divides a field's
total length by every document of the index, so a French field filled only by the French
passages of a mostly English index would look hundreds of times shorter on average than it
is, and every French passage far too long (the trap Whoosh's FieldBM25F had to patch). In its
own index each language's statistics are its own. A query runs on every sub-index; a
passage's sub-index is its language (`other` for languages without a stemmer).

tantivy's BM25 is fixed at k1 = 1.2, b = 0.75, and its sloppy phrases count removed stop
words as words: tantivy retrieves, and our BM25 (indexer/engines/bm25.py: k1 = 0.9, b = 0.6, as the
Whoosh engine) scores the candidates of every sub-index on one scale, by which they merge
(Reader._rescored).

Analysis runs inside tantivy (Snowball stemmers and the stop lists of indexer/analysis.py;
the neutral field folds accents with tantivy's ASCII folding); CJK text is split into
bigrams by indexer/analysis.py first. Queries are analysed with the same analyzers
(`analyze`), so a query's terms are the index's.

Each write commits every sub-index it touched. A tantivy commit is atomic; a crash between
two sub-indexes' commits leaves a document half-written until the next writer, which
re-indexes the store's pending documents first (library/repair.py: recover_pending), or `check`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, partial
from pathlib import Path

import orjson
import tantivy
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from indexer import analysis
from indexer.engines import analysed, analysing, bm25
from indexer.engines.records import ANALYSED, fold_key, passage_record
from indexer.errors import IndexOutOfDate
from indexer.models import Document, Passage
from indexer.query.fields import (
    EXACT_FIELD,
    KEYWORD_FIELDS,
    LANGUAGE_FIELDS,
    NEUTRAL_FIELD,
    OTHER_FIELD,
    TITLE_FIELD,
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
)

NAME = "tantivy"
# Bump when the schema or an analyzer changes: an index built with another version must be
# rebuilt (open_index refuses it with a message saying so).
SCHEMA_VERSION = 9  # 7: the exact field and symbol_key; 8: cites; 9: analysis stored
VERSION_FILE = "SCHEMA_VERSION"
SUBS = (*analysis.TEXT_LANGS, "other")
_TEXT_FIELDS = {f"text_{lang}": lang for lang in analysis.TEXT_LANGS}
_KEYWORDS = KEYWORD_FIELDS
_FAST = ("doc_id", "lang", "series")  # facets; totals count hash_id/fold_id
# aggregated field -> facet name; documents are counted by a numeric twin of doc_id (a
# terms aggregation over thousands of distinct strings cost ten times one over numbers)
FACETS = {"series": "series", "lang": "lang", "year": "year", "doc_num": "doc",
          "cites": "cites"}
# The cited documents' facet lists the most cited (a filter link each).
CITES_FACET_SIZE = 50
# Up to this many matches in a sub-index, the results' identities are listed exactly (and
# language versions across sub-indexes counted once); above, tantivy's cardinality estimate
# (HyperLogLog, within about 1 %) is added.
EXACT_TOTAL_LIMIT = 1000
# The document facet lists the documents with the most matches (all of them cost a third
# of a broad query's aggregation, for a list nobody reads past its first screens).
DOC_FACET_SIZE = 200
WRITER_HEAP = 128_000_000  # bytes per writer (tantivy splits it between its threads)
_WORD_PATTERN = r"\w+(?:\.\w+)*"
# Relevance order by our own BM25 (indexer/engines/bm25.py: k1 = 0.9, b = 0.6, the Whoosh engine's),
# computed on the candidates tantivy retrieves with its fixed k1 = 1.2, b = 0.75.
RESCORE = True
# Candidates re-scored per sub-index: the first RESCORE_DEPTH in tantivy's order (the GCM
# paragraphs a query is about stood at tantivy's ranks 60 to 110 among 237,000 UNGA
# passages), or half the limit when more is asked for: search/service.py fetches twice the results
# it keeps (copies and language versions fold), so deep pages and exports are ranked by
# our BM25 too.
RESCORE_DEPTH = 100
# Records with their analysis a reader keeps: the last CANDIDATES_CACHED read, and up to as
# many read before them (Reader._candidate). Starting over empty when full made a server
# answering varied requests read most candidates again.
CANDIDATES_CACHED = 4000


def index_dir(gen_dir: Path) -> Path:
    """Where this engine keeps a generation's index."""
    return Path(gen_dir) / "tantivy"


# -- analysis
@cache
def _analyzer(kind: str) -> tantivy.TextAnalyzer:
    if kind == "zh":  # pre-split into bigrams by analysis.py; here only the spaces
        return tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).filter(
            tantivy.Filter.lowercase()).build()
    b = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.regex(_WORD_PATTERN)).filter(
        tantivy.Filter.lowercase())
    if kind == analysis.EXACT:
        return b.filter(tantivy.Filter.ascii_fold()).build()
    if kind == analysis.NEUTRAL:
        b = b.filter(tantivy.Filter.ascii_fold()).filter(
            tantivy.Filter.custom_stopword(sorted(analysis.neutral_stopwords())))
        return b.build()
    stops = analysis.stopwords(kind)
    if stops:
        b = b.filter(tantivy.Filter.custom_stopword(sorted(stops)))
    if kind in analysis.FOLDED:  # accent-free typing finds accented words
        b = b.filter(tantivy.Filter.ascii_fold())
    return b.filter(tantivy.Filter.stemmer(analysis.STEMMED[kind])).build()


_PIECES: dict[str, dict[str, list[str]]] = {}
PIECES_CACHED = 200_000  # pieces remembered per kind of analysis (then it starts over)


def analyze(kind: str, text: str) -> list[str]:
    """The terms a field with this analysis holds for `text` (kind: language, zh, neutral).

    Analysed a whitespace-separated piece at a time, each piece's terms remembered: the same
    terms in the same order as the whole text's (no term spans whitespace, and every filter
    works on one token at a time), and much faster on text whose words recur (tantivy's
    regex tokenizer takes ~30 us for a 40-word passage; a remembered piece is a dictionary
    look-up). Passages are analysed at query time to score them (bm25), to see which words
    they match (search/service.py) and to mark them (search/highlight.py)."""
    if kind == "zh":
        return [t.text for t in analysis.cjk_tokens(text)]
    table = _PIECES.get(kind)
    if table is None:
        table = _PIECES[kind] = {}
    run = _analyzer(kind).analyze
    out: list[str] = []
    for piece in text.split():
        terms = table.get(piece)
        if terms is None:
            if len(table) >= PIECES_CACHED:
                table.clear()
            terms = table[piece] = run(piece)
        out += terms
    return out


def _register(ix: tantivy.Index) -> None:
    for kind in (*analysis.STEMMED, "zh", analysis.NEUTRAL, analysis.EXACT):
        ix.register_tokenizer(f"ds_{kind}", _analyzer(kind))


def _schema(sub: str) -> tantivy.Schema:
    b = tantivy.SchemaBuilder()
    for name in _KEYWORDS:
        b.add_text_field(name, fast=name in _FAST, tokenizer_name="raw", index_option="basic")
    # the symbols a passage cites, any number of them (the `cites:` filter, the facet)
    b.add_text_field("cites", fast=True, tokenizer_name="raw", index_option="basic")
    b.add_integer_field("year", indexed=True, fast=True)
    # numeric twins of the wording and the shown-once key: cardinality and terms
    # aggregations over numbers cost a fraction of those over strings
    b.add_unsigned_field("hash_id", fast=True)
    b.add_unsigned_field("fold_id", fast=True)
    b.add_unsigned_field("doc_num", fast=True)
    b.add_text_field("text", tokenizer_name=f"ds_{analysis.NEUTRAL if sub == 'other' else sub}",
                     index_option="position")
    b.add_text_field("text_neutral", tokenizer_name="ds_neutral", index_option="freq")
    b.add_text_field("text_exact", tokenizer_name=f"ds_{analysis.EXACT}",
                     index_option="position")
    b.add_text_field("title", tokenizer_name="ds_neutral", index_option="freq")
    b.add_bytes_field("payload", stored=True, indexed=False)
    # the passage's terms, ready for re-scoring, fusion and highlighting (analysed.py)
    b.add_bytes_field("analysis", stored=True, indexed=False)
    return b.build()


# -- the index
@dataclass
class Handle:
    path: Path
    subs: dict[str, tantivy.Index]
    schemas: dict[str, tantivy.Schema]
    doc_ids: dict[int, str] = field(default_factory=dict)  # Reader._doc_id

    def stamp(self) -> tuple:
        """Changes whenever a sub-index commits (tantivy rewrites its meta.json)."""
        out: list[tuple[int, int, int] | None] = []
        for sub in SUBS:
            try:
                st = os.stat(self.path / sub / "meta.json")
                out.append((st.st_mtime_ns, st.st_size, st.st_ino))
            except FileNotFoundError:
                out.append(None)
        return tuple(out)


def create(gen_dir: Path) -> Handle:
    path = index_dir(gen_dir)
    subs, schemas = {}, {}
    for sub in SUBS:
        (path / sub).mkdir(parents=True, exist_ok=True)
        schemas[sub] = _schema(sub)
        subs[sub] = tantivy.Index(schemas[sub], path=str(path / sub), reuse=False)
        _register(subs[sub])
    (path / VERSION_FILE).write_text(str(SCHEMA_VERSION), encoding="utf-8")
    return Handle(path, subs, schemas)


def open_index(gen_dir: Path) -> Handle:
    """Open the index, refusing one built with another schema version."""
    path = index_dir(gen_dir)
    version_file = path / VERSION_FILE
    if not version_file.exists():
        raise IndexOutOfDate(f"no index in {path}; run `python index.py build` first")
    found = version_file.read_text(encoding="utf-8").strip()
    if found != str(SCHEMA_VERSION):
        raise IndexOutOfDate(
            f"the index was built with schema version {found}, this program needs version "
            f"{SCHEMA_VERSION}: rebuild it with `python index.py build` (or `index.py check`)")
    subs, schemas = {}, {}
    for sub in SUBS:
        try:
            subs[sub] = tantivy.Index.open(str(path / sub))
        except (ValueError, OSError) as exc:
            raise IndexOutOfDate(
                f"the index in {path} cannot be opened ({exc}); repair it with "
                f"`python index.py check`") from exc
        _register(subs[sub])
        schemas[sub] = subs[sub].schema
    return Handle(path, subs, schemas)


def _sub_of(lang: str) -> str:
    return lang if lang in analysis.TEXT_LANGS else "other"


def analyze_piece(kind: str, piece: str) -> list[str]:
    """`analyze` of a text without whitespace (no memo: analysed.py remembers the pieces)."""
    return _analyzer(kind).analyze(piece)


# a passage record's stored analysis, made piece by piece (`analyze` is defined so)
ENCODE = partial(analysed.encode, analyze=analyze_piece, piecewise=True)


def _document(record: dict, stored_analysis: str) -> tantivy.Document:
    """The index's document for a passage record, with its stored analysis
    (ENCODE(record))."""
    d = tantivy.Document()
    for name in _KEYWORDS:
        value = record.get(name, "")
        if value:
            d.add_text(name, value)
    for symbol in record.get("cites", ()):
        d.add_text("cites", symbol)
    if record.get("year") is not None:
        d.add_integer("year", record["year"])
    d.add_unsigned("hash_id", _number(record["text_hash"]))
    d.add_unsigned("fold_id", _number(fold_key(record)))
    d.add_unsigned("doc_num", _number(record["doc_id"]))
    text = record["content"]
    if record.get("lang") == "zh":
        text = " ".join(t.text for t in analysis.cjk_tokens(text))
    d.add_text("text", text)
    d.add_text("text_neutral", record["content"])
    d.add_text("text_exact", record["content"])
    if record.get("title"):
        d.add_text("title", record["title"])
    d.add_bytes("payload", orjson.dumps(record))
    d.add_bytes("analysis", stored_analysis.encode("utf-8"))
    return d


def _stored(doc: tantivy.Document, name: str) -> bytes:
    """A stored bytes field of a passage's document (every passage has them)."""
    value = doc.get_first(name)
    if not isinstance(value, bytes):
        raise IndexOutOfDate(f"a passage in the index lacks its {name!r}: rebuild it with "
                             "`python index.py build` (or `index.py check`)")
    return value


def _number(key: str) -> int:
    """A stable 63-bit number for a string key."""
    return int(hashlib.sha1(key.encode("utf-8")).hexdigest()[:15], 16)


def add_documents(handle: Handle, docs: Iterable[tuple[Document, list[Passage]]], *,
                  clear: bool = False, procs: int = 1) -> int:
    """Add documents' passages (replacing any earlier copy of each document); with
    clear=True the batch replaces the whole index. Each touched sub-index commits once.
    `procs` > 1: the passages' stored analyses are made by that many worker processes
    (analysing.py; tantivy's writer has threads of its own)."""
    writers: dict[str, tantivy.IndexWriter] = {}

    def writer(sub: str) -> tantivy.IndexWriter:
        if sub not in writers:
            big = sub == "en"
            writers[sub] = handle.subs[sub].writer(
                heap_size=WRITER_HEAP if big else 32_000_000, num_threads=2 if big else 1)
            if clear:
                writers[sub].delete_all_documents()
        return writers[sub]

    if clear:
        for sub in SUBS:
            writer(sub)
    count = 0
    batches = ((doc, [passage_record(doc, p) for p in passages]) for doc, passages in docs)
    try:
        for doc, records, analyses in analysing.in_order(batches, ENCODE, procs):
            if not clear:
                for sub in _holding(handle, doc.doc_id):
                    writer(sub).delete_documents_by_term("doc_id", doc.doc_id)
            for record, stored in zip(records, analyses, strict=True):
                writer(_sub_of(record.get("lang", ""))).add_document(_document(record, stored))
                count += 1
    except BaseException:
        for w in writers.values():
            w.rollback()
        raise
    for sub in SUBS:  # a fixed order: English, the biggest, first
        if sub in writers:
            writers[sub].commit()
            writers[sub].wait_merging_threads()
    for ix in handle.subs.values():
        ix.reload()
    return count


def _holding(handle: Handle, doc_id: str) -> dict[str, int]:
    """The sub-indexes holding passages of `doc_id`, with how many (a write opens and
    commits only those)."""
    out = {}
    for sub, ix in handle.subs.items():
        ix.reload()
        q = tantivy.Query.term_query(handle.schemas[sub], "doc_id", doc_id,
                                     index_option="basic")
        # (`count` is missing from the package's type stubs)
        n = ix.searcher().search(q, 1, count=True).count  # type: ignore[attr-defined]
        if n:
            out[sub] = n
    return out


def delete_document(handle: Handle, doc_id: str) -> int:
    held = _holding(handle, doc_id)
    for sub in held:
        w = handle.subs[sub].writer(heap_size=15_000_000, num_threads=1)
        w.delete_documents_by_term("doc_id", doc_id)
        w.commit()
        w.wait_merging_threads()
        handle.subs[sub].reload()
    return sum(held.values())


def indexed_doc_ids(handle: Handle) -> dict[str, int]:
    """doc_id -> number of passages in the index (for store/index agreement checks)."""
    counts: Counter = Counter()
    for ix in handle.subs.values():
        ix.reload()
        s = ix.searcher()
        if s.num_docs == 0:
            continue
        agg = s.aggregate(tantivy.Query.all_query(),
                          {"d": {"terms": {"field": "doc_id", "size": 1_000_000}}})
        for b in agg["d"]["buckets"]:
            counts[b["key"]] += b["doc_count"]
    return dict(counts)


# -- reading
def reader(handle: Handle) -> Reader:
    return Reader(handle)


class Reader:
    """Searchers of every sub-index at one moment."""

    # tantivy searches and aggregates without Python's lock, and its searchers are shared
    # safely; this reader's caches are dictionaries whose races only repeat work.
    concurrent = True

    def __init__(self, handle: Handle):
        self.handle = handle
        self._stamp = handle.stamp()
        for ix in handle.subs.values():
            ix.reload()
        self.searchers = {sub: ix.searcher() for sub, ix in handle.subs.items()}
        self.live = [sub for sub, s in self.searchers.items() if s.num_docs]
        self._memo: dict[tuple[int, str], tuple] = {}  # see _translate
        self._doc_ids = handle.doc_ids  # doc_num -> doc_id (see _doc_id)
        self._vocab: dict[tuple, object] = {}  # see _vocabulary
        self._field_stats: dict[str, tuple[int, float]] = {}
        self._candidates: dict[tuple, bm25.Candidate] = {}
        self._older: dict[tuple, bm25.Candidate] = {}  # the generation before
        self._scored: tuple | None = None  # (plan, scorer, {candidate: score}); _rescored

    def _doc_id(self, number: int) -> str:
        """The doc_id behind a doc_num: the map is the index handle's, kept across readers
        (a doc_num is its doc_id's hash, so an entry never changes) and made again only when
        a number is missing (documents added since)."""
        found = self._doc_ids.get(int(number))
        if found is None:
            self._map_doc_ids()
            found = self._doc_ids[int(number)]
        return found

    def _map_doc_ids(self) -> None:
        for s in self.searchers.values():
            if s.num_docs:
                agg = s.aggregate(tantivy.Query.all_query(),
                                  {"d": {"terms": {"field": "doc_id", "size": 1_000_000}}})
                self._doc_ids.update((_number(b["key"]), b["key"])
                                     for b in agg["d"]["buckets"])

    def warm(self) -> None:
        """The statistics of every text field and the map of documents' numbers, read now
        rather than by the first searches."""
        for fieldname in (*LANGUAGE_FIELDS, NEUTRAL_FIELD, EXACT_FIELD, TITLE_FIELD):
            self.field_stats(fieldname)
        if not self._doc_ids:
            self._map_doc_ids()

    def up_to_date(self) -> bool:
        return self.handle.stamp() == self._stamp

    def close(self) -> None:
        self.searchers = {}

    # -- queries
    def _queries(self, node) -> dict[str, tantivy.Query]:
        """The plan translated for each live sub-index."""
        if len(self._memo) > 50_000:  # a long-lived reader: forget old plans
            self._memo.clear()
        out = {}
        for sub in self.live:
            q = _translate(node, sub, self.handle.schemas[sub], self._memo)
            if q is not None:
                out[sub] = q
        return out

    def search(self, node, limit: int, by_date: bool = False,
               offset: int = 0) -> list[tuple[dict, float]]:
        hits: list[tuple[float, str, tantivy.DocAddress]] = []
        for sub, q in self._queries(node).items():
            s = self.searchers[sub]
            if by_date:
                res = s.search(q, offset + limit, count=False, order_by_field="year")
                hits.extend((float(key or 0), sub, addr) for key, addr in res.hits)
            else:
                res = s.search(q, offset + limit, count=False)
                hits.extend((score, sub, addr) for score, addr in res.hits)
        if RESCORE and not by_date and bm25.scores_text(node):
            return self._rescored(node, hits, offset + limit)[offset:]
        hits.sort(key=lambda h: -h[0])
        out = []
        for key, sub, addr in hits[offset:offset + limit]:  # stored records of these only
            out.append((self._fields(sub, addr), 0.0 if by_date else key))
        return out

    def _candidate(self, sub: str, addr) -> bm25.Candidate:
        """A passage's stored record with its analysis, remembered by the reader (the same
        passages come up in a query's several lists and in the next queries)."""
        key = (sub, addr.segment_ord, addr.doc)
        c = self._candidates.get(key)
        if c is not None:
            return c
        if len(self._candidates) >= CANDIDATES_CACHED:
            self._older, self._candidates = self._candidates, {}
        c = self._older.get(key)
        if c is not None:
            self._candidates[key] = c
        else:
            # orjson: decoding the stored records was a tenth of a search's time with json
            doc = self.searchers[sub].doc(addr)
            record = orjson.loads(_stored(doc, "payload"))
            stored = analysed.decode(_stored(doc, "analysis").decode("utf-8"), record)
            record[ANALYSED] = stored
            c = self._candidates[key] = bm25.Candidate(record, analyze, stored)
        return c

    def _fields(self, sub: str, addr) -> dict:
        """The stored record, the caller's own copy (ranking adds keys to it)."""
        return dict(self._candidate(sub, addr).record)

    def _rescored(self, node, hits: list, limit: int) -> list[tuple[dict, float]]:
        """Candidates scored by our BM25 (indexer/engines/bm25.py), best first: each sub-index's
        first ones (RESCORE_DEPTH), on one scale for all sub-indexes (a language field's
        statistics are its language's, the neutral and title fields' the whole index's);
        tantivy's score breaks ties. Deeper candidates follow in tantivy's order."""
        # A plan's scores are kept while it is searched again deeper (ranking.top_with_prior
        # reads on while the series prior can reorder): only new candidates are scored.
        if self._scored is None or self._scored[0] is not node:
            self._scored = (node, bm25.Scorer(node, self), {})
        _node, scorer, known = self._scored
        depth = max(RESCORE_DEPTH, limit // 2)
        scored, rest = [], []
        seen: dict[str, int] = {}
        for key, sub, addr in hits:  # each sub-index's hits come best first
            seen[sub] = seen.get(sub, 0) + 1
            if seen[sub] > depth:
                rest.append((key, sub, addr))
                continue
            c = self._candidate(sub, addr)
            ident = (sub, addr.segment_ord, addr.doc)
            if ident not in known:
                known[ident] = scorer(c) or 0.0
            scored.append((known[ident], key, c.record))
        scored.sort(key=lambda x: (-x[0], -x[1]))
        out = [(dict(record), score) for score, _key, record in scored[:limit]]
        if rest and len(out) < limit:
            rest.sort(key=lambda h: -h[0])
            floor = min((score for _f, score in out), default=1.0)
            top = rest[0][0] or 1.0
            out.extend((self._fields(sub, addr), floor * 0.999 * key / top)
                       for key, sub, addr in rest[:limit - len(out)])
        return out

    def field_stats(self, fieldname: str) -> tuple[int, float]:
        """(passages with the plan field, their average length): a language field's over
        its sub-index, the neutral and title fields' over all (as the Whoosh engine has
        them). Cached: a reader sees one commit."""
        if fieldname not in self._field_stats:
            n, total = 0, 0.0
            for sub in self.live:
                name = _field_in(fieldname, sub)
                if name:
                    docs = self.searchers[sub].num_docs
                    n += docs
                    total += docs * _average_length(self.searchers[sub],
                                                    self.handle.schemas[sub], sub, name)
            self._field_stats[fieldname] = (n, total / n if n else 0.0)
        return self._field_stats[fieldname]

    def facets(self, node) -> tuple[dict[str, dict[str, int]], int]:
        """Matching passages by series, language, year and document (terms aggregations),
        and how many results the list shows: identical wordings once, then a paragraph's
        language versions once (exact up to EXACT_TOTAL_LIMIT matches in a sub-index,
        tantivy's cardinality estimate above)."""
        counts: dict[str, Counter] = {key: Counter() for key in FACETS.values()}
        keys: set[int] = set()
        estimated = 0
        for sub, q in self._queries(node).items():
            s = self.searchers[sub]
            # One pass over the matches: facets, their number, and the estimates used when
            # they are too many to list.
            sizes = {"doc_num": DOC_FACET_SIZE, "cites": CITES_FACET_SIZE}
            spec = {name: {"terms": {"field": name, "size": sizes.get(name, 1000)}}
                    for name in FACETS}
            spec["_n"] = {"value_count": {"field": "hash_id"}}
            agg = s.aggregate(q, spec)
            n = int(agg["_n"]["value"])
            if not n:
                continue
            for name, key in FACETS.items():
                for b in agg[name]["buckets"]:
                    value = self._doc_id(b["key"]) if name == "doc_num" else str(b["key"])
                    counts[key][value] += b["doc_count"]
            if n <= EXACT_TOTAL_LIMIT:
                found = s.aggregate(q, {"k": {
                    "terms": {"field": "hash_id", "size": n},
                    "aggs": {"k": {"terms": {"field": "fold_id", "size": 1}}}}})
                keys.update(b["k"]["buckets"][0]["key"] for b in found["k"]["buckets"])
            else:  # one estimate (HyperLogLog) only here: it cost more than all the facets
                found = s.aggregate(q, {"k": {"cardinality": {"field": "fold_id"}}})
                estimated += round(found["k"]["value"])
        out = {key: dict(c.most_common(CITES_FACET_SIZE if key == "cites" else None))
               for key, c in counts.items()}
        return out, len(keys) + estimated

    def doc_frequency(self, fieldname: str, term: str) -> int:
        total = 0
        for sub in self.live:
            name = _field_in(fieldname, sub)
            if name:
                total += self.searchers[sub].doc_freq(name, term)
        return total

    def _vocabulary(self, fieldname: str, prefix: str) -> Counter:
        """Indexed terms of a plan field starting with `prefix`, with their passages (kept
        for the reader's life: wildcard, fuzzy and did-you-mean words repeat)."""
        def listed() -> Counter:
            found: Counter = Counter()
            for sub in self.live:
                name = _field_in(fieldname, sub)
                if name:
                    for term, n in self.searchers[sub].terms_with_prefix(name, prefix):
                        found[term] += n
            return found
        return self._remember((fieldname, prefix), listed)

    def _remember(self, key: tuple, make):
        """A word list, kept (the 256 last) for the reader's life."""
        if key not in self._vocab:
            if len(self._vocab) >= 256:
                self._vocab.pop(next(iter(self._vocab)))
            self._vocab[key] = make()
        return self._vocab[key]

    def prefix_terms(self, fieldname: str, prefix: str, limit: int) -> list[str]:
        found = self._vocabulary(fieldname, prefix)
        return [t for t, _n in sorted(found.items(), key=lambda tn: (-tn[1], tn[0]))[:limit]]

    def fuzzy_terms(self, fieldname: str, term: str, maxdist: int, prefix: int,
                    limit: int) -> list[str]:
        found = self._vocabulary(fieldname, term[:prefix])
        close = sorted(_close(term, found, maxdist), key=lambda c: (c[1], -found[c[0]], c[0]))
        return [t for t, _d in close[:limit]]


def _close(word: str, found: Counter, maxdist: int) -> list[tuple[str, int]]:
    """(term, edits) of the terms within `maxdist` edits of `word`. rapidfuzz's C
    Levenshtein with a cut-off: the pure-Python distance over the thousands of words sharing
    two letters took most of a misspelt query's time."""
    return [(t, d) for t, d, _i in process.extract(word, list(found),
                                                   scorer=Levenshtein.distance,
                                                   score_cutoff=maxdist, limit=None)]


def _average_length(searcher, schema, sub: str, name: str) -> float:
    """A field's average length in a sub-index as tantivy's BM25 has it (its total terms
    over the sub-index's passages), read from tantivy's explanation of a term query on a
    passage holding the term; 0.0 when no passage has the field."""
    kind = (analysis.EXACT if name == EXACT_FIELD
            else analysis.NEUTRAL if name != "text" or sub == "other" else sub)
    sample = searcher.search(tantivy.Query.all_query(), 50).hits
    for _score, addr in sample:
        record = orjson.loads(searcher.doc(addr).to_dict()["payload"][0])
        terms = analyze(kind, record.get("title" if name == "title" else "content") or "")
        if not terms:
            continue
        q = tantivy.Query.term_query(schema, name, terms[0], index_option="freq")
        found = _find_value(json.loads(q.explain(searcher, addr).to_json()), "avgdl")
        if found is not None:
            return found
    return 0.0


def _find_value(node, prefix: str) -> float | None:
    """The value of the first explanation node whose description starts with `prefix`."""
    if isinstance(node, dict):
        if str(node.get("description", "")).startswith(prefix):
            return float(node["value"])
        for child in node.get("details", []) or []:
            found = _find_value(child, prefix)
            if found is not None:
                return found
    return None


def _field_in(fieldname: str, sub: str) -> str:
    """The sub-index's field for a plan field ("" when the sub-index has none)."""
    if fieldname in _TEXT_FIELDS:
        return "text" if _TEXT_FIELDS[fieldname] == sub else ""
    if fieldname == OTHER_FIELD:
        return "text" if sub == "other" else ""
    return fieldname


def _boost(q: tantivy.Query, boost: float) -> tantivy.Query:
    return q if boost == 1.0 else tantivy.Query.boost_query(q, boost)


def _leaf(node, name: str, schema) -> tantivy.Query:
    """A term, phrase, prefix or fuzzy query on the sub-index's field `name`."""
    Q = tantivy.Query
    if isinstance(node, Term):
        opt = "basic" if node.field in _KEYWORDS or node.field == "cites" else "freq"
        return Q.term_query(schema, name, node.text, index_option=opt)
    if isinstance(node, Prefix):
        return Q.regex_query(schema, name, re.escape(node.text) + ".*")
    if isinstance(node, Fuzzy):
        return Q.fuzzy_term_query(schema, name, node.text, distance=node.maxdist)
    if len(node.terms) == 1:
        return Q.term_query(schema, name, node.terms[0], index_option="freq")
    if node.positions:  # the typed words' own positions, removed stop words counted
        return Q.phrase_query(schema, name, list(zip(node.positions, node.terms, strict=True)),
                              slop=node.slop)
    if name == "text_exact":  # every word is indexed there: positions are consecutive
        return Q.phrase_query(schema, name, list(node.terms), slop=node.slop)
    # Without the typed positions (a proximity phrase made of the words without their stop
    # words), tantivy keeps the positions of removed stop words (Whoosh renumbers them): one
    # more position between two words is still "the words together, stop words aside".
    return Q.phrase_query(schema, name, list(node.terms), slop=node.slop + 1)


def _translate(node, sub: str, schema, memo: dict | None = None) -> tantivy.Query | None:
    """The plan as a tantivy query on one sub-index (None: matches nothing there). With a
    `memo`, compound sub-plans already translated (by identity) are reused: a search
    translates its whole plan for the facets, then the same parts again for each ranked
    list. Dispatch is on the exact node type and an And stops at its first child the
    sub-index cannot match: a plan with expansions has terms in half a dozen languages, and
    translating it for each sub-index was a seventh of a search."""
    t = type(node)
    if t in _LEAVES:
        name = _field_in(node.field, sub)
        return _boost(_leaf(node, name, schema), node.boost) if name else None
    if memo is None:
        memo = {}
    key = (id(node), sub)
    held = memo.get(key)
    if held is not None and held[0] is node:  # the node is kept: its id is not reused
        return held[1]
    q = _node(node, sub, schema, memo)
    memo[key] = (node, q)
    return q


_LEAVES = (Term, Phrase, Prefix, Fuzzy)


def _node(node, sub: str, schema, memo: dict) -> tantivy.Query | None:
    """One compound plan node (or a range, all, none); its children through `_translate`."""
    Q, Occur = tantivy.Query, tantivy.Occur
    t = type(node)
    if t is And:
        kids = []
        for c in node.children:
            k = _translate(c, sub, schema, memo)
            if k is None:
                return None
            kids.append(k)
        return _boost(Q.boolean_query([(Occur.Must, k) for k in kids]), node.boost)
    if t is Or or t is DisMax:
        kids = [k for k in (_translate(c, sub, schema, memo) for c in node.children)
                if k is not None]
        if not kids:
            return None
        if len(kids) == 1:
            q = kids[0]
        elif t is Or:
            q = Q.boolean_query([(Occur.Should, k) for k in kids])
        else:
            q = Q.disjunction_max_query(kids, node.tiebreak)
        return _boost(q, node.boost)
    if t is Range:
        return Q.range_query(schema, node.field, tantivy.FieldType.Integer, node.lo, node.hi)
    if t is AndNot or t is AndMaybe:  # a required part, and one that excludes or adds
        main, other, occur = ((node.positive, node.negative, Occur.MustNot) if t is AndNot
                              else (node.required, node.optional, Occur.Should))
        req = _translate(main, sub, schema, memo)
        if req is None:
            return None
        extra = _translate(other, sub, schema, memo)
        if extra is None:
            return req
        return Q.boolean_query([(Occur.Must, req), (occur, extra)])
    if t is Filter:
        found = _translate(node.query, sub, schema, memo)
        if found is None:
            return None
        cond = _translate(node.condition, sub, schema, memo)
        if cond is None:
            return None
        return Q.boolean_query([(Occur.Must, found),
                                (Occur.Must, Q.const_score_query(cond, 0.0))])
    if t is MatchAll:
        return Q.all_query()
    if t is MatchNone:
        return None
    raise TypeError(f"not a query plan node: {node!r}")
