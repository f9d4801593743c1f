"""New documents -> the items of the saved searches they match.

`catch_up` runs where documents become searchable (after `build` publishes, after `add`,
`replace` and a staff upload's confirmation commit; under the write lock) and from
`alert run`. It takes the searchable documents the alerts database does not know yet, matches
their passages against every active saved search (matching.py: the passages' own text, no
search re-run), and records the items and the documents as known in one transaction of
alerts.sqlite3. Killed before that commit, nothing is recorded and the next catch-up does it
all again; after it, everything is. So no item is lost or doubled.

What becomes an item:
- only a new document's passages; of a new revision of a work (`replace`, or a document
  whose work or UN symbol and language an earlier one shares), only the paragraphs the
  compare alignment finds changed or added;
- the language versions of a paragraph (same work and label) are one item, shown in the
  query's language where it has one, the others listed as its versions; one arriving later
  joins the newest item of its paragraph when that item lacks its language;
- a passage already behind an item, or wording already delivered as an item (a copy), never
  makes another.
"""

from __future__ import annotations

import gc
import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from rapidfuzz.distance import Levenshtein

from indexer import engines
from indexer.alerts import plan as planning
from indexer.alerts.matching import Matcher, Why
from indexer.alerts.store import AlertStore, SavedSearch, entry_id, open_store
from indexer.engines.bm25 import own_field
from indexer.engines.records import fold_key, passage_record, text_hash
from indexer.errors import DialogueSearchError
from indexer.models import Document, Passage, citation, locator
from indexer.query.syntax import shape
from indexer.search import citing
from indexer.search.planning import cached_analyze, cites_filter
from indexer.storage import store as main_store
from indexer.versions.compare import align, body
from indexer.versions.works import work_key

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    documents: int = 0  # new documents seen
    passages: int = 0  # their passages matched (changed ones only, for revisions)
    searches: int = 0  # active saved searches
    items: int = 0  # new items recorded
    versions: int = 0  # passages recorded as language versions of an item
    skipped: list[str] = field(default_factory=list)  # searches that could not be planned
    # CPU seconds by stage (make bench shows them): this process's own work, which other
    # processes on a busy machine do not inflate as they inflate wall time
    seconds: dict[str, float] = field(default_factory=dict)

    def timed(self, stage: str, since: float) -> float:
        now = time.process_time()
        self.seconds[stage] = self.seconds.get(stage, 0.0) + now - since
        return now


@dataclass
class Found:
    """A passage matching a saved search, before it is recorded."""
    search: SavedSearch
    query_lang: str
    doc: Document
    passage: Passage
    record: dict
    why: Why
    change: str  # "new" (a new document) | "changed" | "added" (a new revision's paragraph)
    previous: str = ""  # the passage it changed, in the earlier revision


def catch_up(settings) -> Outcome:
    """Match the documents that became searchable since the last catch-up, record items."""
    gen = main_store.current_generation(Path(settings.index_dir))
    out = Outcome()
    if gen is None:
        return out
    t = time.process_time()
    alerts = open_store(settings)
    try:
        with main_store.open(gen) as st:
            added = {r[0]: r[1] for r in st.db.execute(
                "SELECT doc_id, added FROM documents WHERE status='active'")}
            new = sorted(set(added) - alerts.known_ids(), key=lambda d: (added[d], d))
            if not new:
                return out
            out.documents = len(new)
            t = out.timed("new documents", t)
            searches = alerts.searches(active_only=True)
            out.searches = len(searches)
            planned: dict[int, tuple[str, str]] = {}  # plans made now, to keep
            # Matching allocates some 10^5 small objects (compiled tests, found passages) that
            # all live until the commit: the collector's passes over them are pure cost here.
            collecting = gc.isenabled()
            gc.disable()
            try:
                found = (_match(settings, gen, st, new, searches, alerts.kept_plans(), planned,
                                out) if searches else [])
            finally:
                if collecting:
                    gc.enable()
            t = time.process_time()
            at = main_store.now()
            with alerts.transaction():
                fresh = set(new) - alerts.known_ids()  # another catch-up may have done some
                alive = {s.id for s in alerts.searches()}
                _record(alerts, [f for f in found if f.doc.doc_id in fresh
                                 and f.search.id in alive], at, out)
                alerts.mark_known({d: at for d in fresh})
                for search_id, (text, key) in planned.items():
                    alerts.keep_plan(search_id, text, key)
            out.timed("record", t)
    finally:
        alerts.close()
    return out


def _match(settings, gen: Path, st: main_store.Store, new: list[str],
           searches: list[SavedSearch], kept: dict[int, tuple[str, str]],
           planned: dict[int, tuple[str, str]], out: Outcome) -> list[Found]:
    module = engines.for_generation(gen)
    analyze = cached_analyze(module.analyze)
    t = time.process_time()
    docs = [st.get_document(d) for d in new]
    candidates = []  # (doc, passage, change, previous, Candidate)
    for doc in docs:
        passages = st.passages(doc.doc_id)
        changed = changed_passages(st, doc, passages)
        for p in passages:
            change, previous = ("new", "") if changed is None else changed.get(
                p.passage_id, ("", ""))
            if change:
                candidates.append((doc, p, change, previous,
                                   Matcher.make_candidate(passage_record(doc, p),
                                                          module.analyze)))
    out.passages = len(candidates)
    t = out.timed("passages and revisions", t)
    if not candidates:
        return []
    vocabulary = None
    plans = []
    key = planning.plan_key(settings, module)

    @cache  # made once, for the first `cites:` search
    def resolver() -> citing.Resolver:
        return citing.Resolver(st, Path(settings.corpus_dir) / "catalog.toml")

    for s in searches:
        req = s.search_request()
        patterns = shape(req.q).patterns > 0
        if patterns and vocabulary is None:
            vocabulary = BatchVocabulary([c for *_x, c in candidates])
        text, made_with = kept.get(s.id, ("", ""))
        try:
            # A `cites:` filter stands for every symbol of the texts it names, which new
            # documents can add to (a draft's resolution): it is planned again each time.
            if (text and made_with == key and not patterns
                    and not cites_filter(req)):
                plans.append((s, planning.from_json(text)))
                continue
            language = None
            if text and made_with == key:  # the language told when the plan was kept
                was = planning.from_json(text)
                language = (was.query_lang, was.sure)
            plan = planning.build(req, settings, analyze, vocabulary if patterns else None,
                                  language,
                                  cited_as=lambda values: citing.cited_as(resolver(), values))
            plans.append((s, plan))
            if not (patterns and text and made_with == key):
                # (a pattern's words are the batch's: planned again each time, but kept
                # once, for the language it was told)
                planned[s.id] = (planning.to_json(plan), key)
        except DialogueSearchError as exc:
            # A saved search the service can no longer plan (a topic or series since
            # removed): it is skipped, said so, and its other runs are not held up.
            log.warning("saved search %s skipped: %s", s.id, exc)
            out.skipped.append(f"{s.id}: {exc}")
    matcher = Matcher(plans, module.analyze)
    t = out.timed("plans", t)
    matched = [(doc, p, change, previous, c, matcher.matching(c))
               for doc, p, change, previous, c in candidates]
    t = out.timed("match", t)
    found = [Found(s, plan.query_lang, doc, p, c.record, matcher.why(plan, c), change, previous)
             for doc, p, change, previous, c, hits in matched for s, plan in hits]
    out.timed("why", t)
    return found


class BatchVocabulary:
    """The words of the new passages, for wildcard and fuzzy words (planner.Vocabulary):
    search rewrites `migra*` into the index's words starting so; the words a new passage
    can match are its own, so the batch's words stand in for the index's (most passages
    first, as the engines list them)."""

    def __init__(self, candidates):
        self.counts: dict[str, Counter] = {}
        for c in candidates:
            for fieldname in (own_field(c.record.get("lang", "")), "text_neutral"):
                self.counts.setdefault(fieldname, Counter()).update(set(c.counts(fieldname)))

    def prefix_terms(self, fieldname: str, prefix: str, limit: int) -> list[str]:
        found = [(-n, t) for t, n in self.counts.get(fieldname, {}).items()
                 if t.startswith(prefix)]
        return [t for _n, t in sorted(found)[:limit]]

    def fuzzy_terms(self, fieldname: str, term: str, maxdist: int, prefix: int,
                    limit: int) -> list[str]:
        found = []
        for t, n in self.counts.get(fieldname, {}).items():
            if t[:prefix] != term[:prefix]:
                continue
            d = Levenshtein.distance(t, term, score_cutoff=maxdist)
            if d <= maxdist:
                found.append((d, -n, t))
        return [t for _d, _n, t in sorted(found)[:limit]]


def previous_version(st: main_store.Store, doc: Document) -> Document | None:
    """The revision a new document follows: the one it replaced, else the newest earlier
    document of its work (or UN symbol) in its language, searchable or replaced."""
    if doc.replaces:
        try:
            return st.get_document(doc.replaces)
        except DialogueSearchError:
            return None
    key = work_key(doc)
    if not key:
        return None
    mine = (doc.meta.date or "", doc.meta.version or "")
    earlier = [d for d in st.documents(None)
               if d.status in ("active", "superseded") and d.doc_id != doc.doc_id
               and d.meta.lang == doc.meta.lang and work_key(d) == key
               and (d.meta.date or "", d.meta.version or "") <= mine]
    if not earlier:
        return None
    return max(earlier, key=lambda d: (d.meta.date or "", d.meta.version or "", d.added,
                                       d.doc_id))


def changed_passages(st: main_store.Store, doc: Document, passages: list[Passage]
                     ) -> dict[str, tuple[str, str]] | None:
    """For a new revision: passage id -> ("changed" | "added", the earlier passage) of the
    paragraphs the alignment with the previous revision finds not unchanged. None for a
    document that follows no earlier revision (all its passages are new)."""
    before = previous_version(st, doc)
    if before is None:
        return None
    comparison = align(st.passages(before.doc_id), passages, before.doc_id, doc.doc_id)
    out = {}
    for pair in comparison.pairs:
        if pair.b is not None and pair.status != "unchanged":
            out[pair.b.passage_id] = (pair.status, pair.a.passage_id if pair.a else "")
    return out


def _record(alerts: AlertStore, found: list[Found], at: str, out: Outcome) -> None:
    """(inside a transaction) The found passages as items. Language versions of one
    paragraph found together fill one slot (a passage per language), shown in the query's
    language where the slot has it."""
    slots: dict[tuple[int, str], list[list[Found]]] = {}
    for f in found:
        groups = slots.setdefault((f.search.id, fold_key(f.record)), [])
        slot = next((g for g in groups if all(x.passage.lang != f.passage.lang for x in g)),
                    None)
        if slot is None:
            groups.append([f])
        else:
            slot.append(f)
    texts = {f.passage.passage_id: f.passage.text for f in found}
    words_of = {pid: wording(text) for pid, text in texts.items()}  # once a passage
    wordings = alerts.wordings(set(words_of.values()))
    latest = alerts.latest_items({key for _sid, key in slots})
    snapped: set[str] = set()
    rows, versions = [], []
    for (search_id, key), groups in slots.items():
        labelled = bool(groups[0][0].record.get("label_key"))
        for slot in groups:
            slot.sort(key=lambda f: f.passage.lang != f.query_lang)  # the query's language
            first = slot[0]
            if (search_id, words_of[first.passage.passage_id]) in wordings:
                continue  # the same wording was an item already: a copy
            newest = latest.get((search_id, key)) if labelled else None
            langs = {f.passage.lang for f in slot}
            if newest is not None and not newest[1] & langs:
                # Language versions of the newest item of this paragraph (one recorded
                # before: a slot of this batch lacking a language would have taken them).
                for f in slot:
                    alerts.add_version(search_id, newest[0], f.passage.passage_id,
                                       f.passage.lang)
                    out.versions += 1
                newest[1].update(langs)
                continue
            p = first.passage
            if p.passage_id not in snapped:
                alerts.add_snapshot(p.passage_id, first.doc.doc_id, snapshot(first.doc, p))
                snapped.add(p.passage_id)
            rows.append((search_id, first.search.uid, p.passage_id, first.doc.doc_id, key,
                         words_of[p.passage_id], p.lang, at,
                         {**first.why.to_json(), "change": first.change,
                          "previous": first.previous, "versions": {}}))
            wordings.add((search_id, words_of[p.passage_id]))
            latest[(search_id, key)] = (0, set(langs))  # (this batch's: never attached to)
            versions += [(search_id, entry_id(first.search.uid, p.passage_id), f)
                         for f in slot[1:]]
    alerts.add_items(rows)
    out.items += len(rows)
    seqs = alerts.item_seqs([e for _sid, e, _f in versions])
    for search_id, entry, f in versions:
        alerts.add_version(search_id, seqs[entry], f.passage.passage_id, f.passage.lang)
        out.versions += 1


def wording(text: str) -> str:
    """What makes two passages copies of one another: their words (case, spacing and
    punctuation aside), their own paragraph numbers left out (a later text repeating a
    paragraph under another number)."""
    return text_hash(body(text))


def snapshot(d: Document, p: Passage) -> dict:
    """What an item shows of its passage wherever it is delivered, as it is now (a later
    rebuild or edit does not change what was sent)."""
    return {"title": d.meta.title or d.file, "symbol": d.meta.symbol, "series": d.meta.series,
            "date": d.meta.date, "url": d.meta.url, "label": p.label,
            "locator": locator(p.label, p.section), "section": p.section,
            "page": p.page_label, "lang": p.lang, "text": p.text, "citation": citation(d, p)}
