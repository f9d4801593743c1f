"""The pure-Python engine: Whoosh (`DIALOGUE_SEARCH_ENGINE=whoosh`). See engines/__init__.py
for the interface.

Every write is one Whoosh commit, which is atomic: a new TOC file names the new segments only
once they are complete, so a crash mid-write leaves the last committed index as it was.
Callers hold `locking.write_lock` around writes, so Whoosh's own lock is never contended.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from math import log
from pathlib import Path

from rapidfuzz.distance import Levenshtein
from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh import scoring, sorting
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.matching import DisjunctionMaxMatcher, NullMatcher
from whoosh.writing import CLEAR

from indexer import analysis
from indexer.engines import analysed, bm25
from indexer.engines.records import ANALYSED, fold_key, passage_record
from indexer.engines.whoosh_schema import SCHEMA_VERSION, build_schema, text_field
from indexer.errors import IndexOutOfDate
from indexer.models import Document, Passage
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

NAME = "whoosh"

INDEX_NAME = "passages"
VERSION_FILE = "SCHEMA_VERSION"


def index_dir(gen_dir: Path) -> Path:
    """Where this engine keeps a generation's index."""
    return gen_dir / "whoosh"


def create(gen_dir: Path):
    path = index_dir(gen_dir)
    path.mkdir(parents=True, exist_ok=True)
    ix = whoosh_index.create_in(str(path), build_schema(), indexname=INDEX_NAME)
    (path / VERSION_FILE).write_text(str(SCHEMA_VERSION), encoding="utf-8")
    return ix


def open_index(gen_dir: Path):
    """Open the index, refusing one built with another schema version."""
    path = index_dir(gen_dir)
    if not whoosh_index.exists_in(str(path), indexname=INDEX_NAME):
        raise IndexOutOfDate(f"no index in {path}; run `python index.py build` first")
    version_file = path / VERSION_FILE
    found = version_file.read_text(encoding="utf-8").strip() if version_file.exists() else "?"
    if found != str(SCHEMA_VERSION):
        raise IndexOutOfDate(
            f"the index was built with schema version {found}, this program needs version "
            f"{SCHEMA_VERSION}: rebuild it with `python index.py build` (or `index.py check`)"
        )
    try:
        return whoosh_index.open_dir(str(path), indexname=INDEX_NAME)
    except (whoosh_index.IndexError, OSError) as exc:
        raise IndexOutOfDate(
            f"the index in {path} cannot be opened ({exc}); repair it with `python index.py check`"
        ) from exc


def passage_fields(doc: Document, p: Passage) -> dict:
    fields = passage_record(doc, p)
    fields["analysis"] = analysed.encode(fields, _word_analyze)
    fields["text_neutral"] = p.text
    fields["text_exact"] = p.text
    fields[text_field(p.lang)] = p.text
    if fields.get("cites"):
        fields["cites_column"] = " ".join(fields["cites"]).encode()
        fields["cites"] = " ".join(fields["cites"])
    return fields


def add_documents(ix, docs: Iterable[tuple[Document, list[Passage]]], *, clear: bool = False,
                  procs: int = 1) -> int:
    """Add documents' passages in one commit (replacing any earlier copy of each document).

    With clear=True the commit replaces the whole index (used to rebuild from the store).
    """
    kwargs = {"procs": procs, "limitmb": 256, "multisegment": True} if procs > 1 else {
        "limitmb": 256}
    writer = ix.writer(**kwargs)
    count = 0
    try:
        for doc, passages in docs:
            if not clear:
                writer.delete_by_term("doc_id", doc.doc_id)
            for p in passages:
                writer.add_document(**passage_fields(doc, p))
                count += 1
    except BaseException:
        writer.cancel()
        raise
    writer.commit(mergetype=CLEAR) if clear else writer.commit()
    return count


def delete_document(ix, doc_id: str) -> int:
    writer = ix.writer()
    try:
        n = writer.delete_by_term("doc_id", doc_id)
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    return n


def indexed_doc_ids(ix) -> dict[str, int]:
    """doc_id -> number of passages in the index (for store/index agreement checks)."""
    counts: dict[str, int] = {}
    with ix.searcher() as s:
        for fields in s.all_stored_fields():
            counts[fields["doc_id"]] = counts.get(fields["doc_id"], 0) + 1
    return counts


def analyze(kind: str, text: str) -> list[str]:
    """The terms a field with this analysis holds (the schema's analyzers give the same)."""
    return analysis.terms(kind, text)


@lru_cache(maxsize=200_000)
def _word_terms(kind: str, text: str) -> tuple[str, ...]:
    return tuple(analysis.terms(kind, text))


def _word_analyze(kind: str, text: str) -> list[str]:
    """`analyze`, remembered for short texts (analysed.encode analyses each word of a
    passage; words recur)."""
    if len(text) > 64:
        return analysis.terms(kind, text)
    return list(_word_terms(kind, text))


def _with_analysis(fields: dict) -> dict:
    """A hit's stored fields with the passage's stored analysis decoded (records.ANALYSED)."""
    stored = fields.pop("analysis", None)
    fields[ANALYSED] = analysed.decode(stored, fields) if stored is not None else None
    return fields


# -- reading
# BM25 with our parameters (indexer/engines/bm25.py: b = 0.6, k1 = 0.9, chosen there; the tantivy
# engine re-scores its candidates with the same).
BM25_B, BM25_K1 = bm25.B, bm25.K1
FACETS = {"series": "series", "lang": "lang", "year": "year", "doc_id": "doc"}
CITES_FACET_SIZE = 50  # the most cited documents in the `cites` facet (as tantivy's)


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
        # over the N documents that have the field.
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


def reader(ix) -> Reader:
    return Reader(ix)


class Reader:
    """A Whoosh searcher (one thread's) with the facet columns of its moment."""

    concurrent = False  # a Whoosh searcher is one thread's, and pure Python anyway

    def __init__(self, ix):
        self.schema = ix.schema  # read once: `Index.schema` re-reads the TOC file each time
        self.searcher = ix.searcher(weighting=FieldBM25F(B=BM25_B, K1=BM25_K1))
        self._columns = None
        self._pages = None  # (plan, by_date, depth asked, results) of the last search

    def up_to_date(self) -> bool:
        return self.searcher.up_to_date()

    def warm(self) -> None:
        """The facet columns, read now rather than by the first search."""
        self._column_values()

    def close(self) -> None:
        self.searcher.close()

    def _query(self, node) -> wq.Query:
        return _translate(node, self.schema)

    def search(self, node, limit: int, by_date: bool = False,
               offset: int = 0) -> list[tuple[dict, float]]:
        # Whoosh runs the whole query again for every call, so the next pages a caller may
        # read (ranking.top_with_prior reads on while the prior can reorder) are taken at
        # once and kept for this plan.
        held = self._pages
        if held is not None and held[0] is node and held[1] == by_date and \
                (offset + limit <= held[2] or len(held[3]) < held[2]):
            return [(dict(f), sc) for f, sc in held[3][offset:offset + limit]]
        want = max(offset + limit, WHOOSH_DEPTH)
        q = self._query(node)
        if by_date:
            results = self.searcher.search(q, limit=want,
                                           sortedby=sorting.FieldFacet("year", reverse=True))
            found = [(_with_analysis(r.fields()), 0.0) for r in results]
        else:
            found = [(_with_analysis(r.fields()), float(r.score or 0.0))
                     for r in self.searcher.search(q, limit=want)]
        self._pages = (node, by_date, want, found)
        return [(dict(f), sc) for f, sc in found[offset:offset + limit]]

    def facets(self, node) -> tuple[dict[str, dict[str, int]], int]:
        """Counts of series, language, year and document over every matching passage, and
        how many results the list shows (identical wordings once, then a paragraph's
        language versions once), from column values read once per searcher
        over the unscored matches (Whoosh's `groupedby` scores every match first, which made
        broad queries take seconds)."""
        columns = self._column_values()
        hashes, keys = columns["text_hash"], columns["_fold"]
        seen: set[str] = set()
        shown: set[str] = set()
        docnums = list(self.searcher.docs_for_query(self._query(node)))
        for d in docnums:  # the list shows each wording once, each paragraph once
            if hashes[d] not in seen:
                seen.add(hashes[d])
                shown.add(keys[d])
        out: dict[str, dict[str, int]] = {}
        for name, key in FACETS.items():
            col = columns[name]
            counted = Counter(col[d] for d in docnums)
            out[key] = {str(k): v for k, v in counted.most_common() if k not in (None, "")}
        cited: Counter = Counter()
        column = columns["cites_column"]
        for d in docnums:
            if column[d]:
                cited.update(column[d].decode().split())
        out["cites"] = dict(cited.most_common(CITES_FACET_SIZE))
        return out, len(shown)

    def _column_values(self) -> dict[str, list]:
        if self._columns is None:
            reader = self.searcher.reader()
            cols = {name: _column(reader, name)
                    for name in (*FACETS, "text_hash", "work", "label_key", "cites_column")}
            cols["_fold"] = [fold_key({"work": w, "label_key": k, "text_hash": h})
                             for w, k, h in zip(cols["work"], cols["label_key"],
                                                cols["text_hash"], strict=True)]
            self._columns = cols
        return self._columns

    def doc_frequency(self, fieldname: str, term: str) -> int:
        if fieldname not in self.schema:
            return 0
        return self.searcher.doc_frequency(fieldname, term)

    def prefix_terms(self, fieldname: str, prefix: str, limit: int) -> list[str]:
        if fieldname not in self.schema:
            return []
        r = self.searcher.reader()
        found = [(r.doc_frequency(fieldname, t), t)
                 for t in r.expand_prefix(fieldname, prefix)]
        found.sort(key=lambda nt: (-nt[0], nt[1]))
        return [t for _n, t in found[:limit]]

    def fuzzy_terms(self, fieldname: str, term: str, maxdist: int, prefix: int,
                    limit: int) -> list[str]:
        if fieldname not in self.schema:
            return []
        r = self.searcher.reader()
        found = [(Levenshtein.distance(term, t), -r.doc_frequency(fieldname, t), t)
                 for t in r.terms_within(fieldname, term, maxdist, prefix=prefix)]
        found.sort()
        return [t for _d, _n, t in found[:limit]]


WHOOSH_DEPTH = 200  # results taken per search (see Reader.search)


def _column(reader, name: str) -> list:
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


class _DisMaxMatcher(DisjunctionMaxMatcher):
    """Whoosh's DisjunctionMaxMatcher, scoring the current document only.

    Whoosh's own takes the score of both sub-matchers whenever both are active, even when
    one stands on another document: a passage citing `A/RES/217(III)` took the 1,000 of the
    document's symbol match beside it. Its `replace` also dropped the whole union when one
    side ran out, and its tiebreak was never applied."""

    def score(self):
        a, b = self.a, self.b
        if not a.is_active():
            return b.score()
        if not b.is_active():
            return a.score()
        ida, idb = a.id(), b.id()
        if ida != idb:
            return a.score() if ida < idb else b.score()
        sa, sb = a.score(), b.score()
        return max(sa, sb) + self.tiebreak * min(sa, sb)

    def replace(self, minquality=0):
        a, b = self.a.replace(minquality), self.b.replace(minquality)
        if not a.is_active():
            return b if b.is_active() else NullMatcher()
        if not b.is_active():
            return a
        if a is self.a and b is self.b:
            return self
        return self.__class__(a, b, tiebreak=self.tiebreak)


class _DisMax(wq.DisjunctionMax):
    """wq.DisjunctionMax with a matcher that scores right (_DisMaxMatcher)."""

    def _matcher(self, subs, searcher, context):
        r = searcher.reader()
        return self._tree_matcher(subs, _DisMaxMatcher, searcher, context,
                                  lambda q: q.estimate_size(r), tiebreak=self.tiebreak)


def _translate(node, schema) -> wq.Query:
    """The plan as a Whoosh query."""
    if isinstance(node, Term):
        if node.field not in schema:
            return wq.NullQuery
        return wq.Term(node.field, node.text, boost=node.boost)
    if isinstance(node, Phrase):
        if node.field not in schema:
            return wq.NullQuery
        if len(node.terms) == 1:
            return wq.Term(node.field, node.terms[0], boost=node.boost)
        # Whoosh's slop counts from 1 (adjacent words); stop words are renumbered away.
        return wq.Phrase(node.field, list(node.terms), slop=node.slop + 1, boost=node.boost)
    if isinstance(node, Prefix):
        return wq.Prefix(node.field, node.text, boost=node.boost)
    if isinstance(node, Fuzzy):
        return wq.FuzzyTerm(node.field, node.text, boost=node.boost, maxdist=node.maxdist,
                            prefixlength=node.prefix)
    if isinstance(node, Range):
        return wq.NumericRange(node.field, node.lo, node.hi)
    if isinstance(node, And):
        return wq.And([_translate(c, schema) for c in node.children], boost=node.boost)
    if isinstance(node, Or):
        return wq.Or([_translate(c, schema) for c in node.children], boost=node.boost)
    if isinstance(node, DisMax):
        return _DisMax([_translate(c, schema) for c in node.children],
                                 tiebreak=node.tiebreak, boost=node.boost)
    if isinstance(node, AndNot):
        return wq.AndNot(_translate(node.positive, schema), _translate(node.negative, schema))
    if isinstance(node, AndMaybe):
        return wq.AndMaybe(_translate(node.required, schema),
                           _translate(node.optional, schema))
    if isinstance(node, Filter):
        # the condition selects without scoring: a constant zero score
        return wq.And([_translate(node.query, schema),
                       wq.ConstantScoreQuery(_translate(node.condition, schema), 0.0)])
    if isinstance(node, MatchAll):
        return wq.Every()
    if isinstance(node, MatchNone):
        return wq.NullQuery
    raise TypeError(f"not a query plan node: {node!r}")
