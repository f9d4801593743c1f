"""The coherence map (issue 23): how two texts relate, unit by unit (the GCM's objectives,
the 2030 Agenda's targets, the New Urban Agenda's paragraphs).

Two kinds of links, never mixed:

- **cited**: explicit references (indexer/search/citing.py) from a passage of one text to the
  other, in either direction: the cited paragraph's unit where the reference names one
  (`target 10.c`), else the other text as a whole;
- **suggested**: shared wording, found as "more like this" across the two texts: each unit
  of the first text (its passages' most distinctive words) against the passages of the
  second; a pair is kept when the words they share weigh at least SUGGEST_MIN of the
  lighter passage's words (idf-weighted overlap, 0 to 1: its `score`), the best
  SUGGEST_PER_UNIT of each unit.

A unit is what people cite a text by: a GCM objective (`Objective 20`, from its heading), an
SDG target (`target 10.7`, grouped by Goal), a numbered paragraph with its sub-paragraphs
(`para. 23`, `annex, para. 23`), a preamble paragraph; the same key in every language
version, so a reference from the French text lands in the same cell. Each side is shown in
the reader's language where the text has a version in it.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from indexer.errors import NotFound
from indexer.labels import is_target, label_key, split_part
from indexer.models import Document, Passage
from indexer.search.citing import Resolver, find_paragraph, pick
from indexer.storage import refs as stored
from indexer.storage.store import Store
from indexer.symbols import normalize_symbol

SUGGEST_MIN = 0.3  # share of the lighter passage's word weight two passages must share
SUGGEST_PER_UNIT = 3  # suggested links kept for each unit of the first text
SUGGEST_CANDIDATES = 5  # passages of the second text looked at for each passage
SUGGEST_MIN_WORDS = 12  # shorter passages (headings, list items) suggest nothing
WHOLE = "whole"  # the unit of a reference to a text as a whole
NOTES = "notes"  # footnotes: which paragraph calls them is not known


@dataclass
class Unit:
    key: str  # language-independent: `obj-20`, `t-10.7`, `goal-10`, `annex/23`, `pre-3`
    label: str  # as the shown version labels it: `Objective 20`, `target 10.7`, `annex, 23`
    title: str = ""  # a heading's words (`Promote faster, safer and cheaper …`)
    group: str = ""  # a target's goal key (`goal-10`): columns are grouped by it
    order: int = 0
    passages: list[Passage] = field(default_factory=list)


_OBJECTIVE = re.compile(r"(?:^| > )((?:Objective|Objectif|Objetivo)\s+(\d{1,2}))\s*[:.]?\s*"
                        r"([^>]*)$")


def unit_key(label: str, section: str) -> tuple[str, str, str]:
    """(key, label, group) of the unit a passage belongs to; key "" for none."""
    part, rest = split_part(label)
    if rest.startswith("footnote") or part.startswith("footnote"):
        return NOTES, "", ""
    if is_target(rest):
        number = rest.split(" ")[0]
        return f"t-{number}", f"target {number}", f"goal-{number.split('.')[0]}"
    key = label_key(label)
    if key.startswith("obj-"):  # a goal's own heading: `Goal 10`, `Objectif 10`
        n = key.rsplit("-", 1)[1]
        return f"goal-{n}", rest, f"goal-{n}"
    m = _OBJECTIVE.search(section)
    if m:  # under a GCM objective's heading: `Objective 20: Promote faster, …`
        return f"obj-{m.group(2)}", m.group(1), ""
    if rest.startswith("preamble "):
        n = rest.split()[1]
        return f"pre-{n}", rest, ""
    m = re.match(r"(\d{1,3})", rest)
    if m:
        top = f"{part}, {m.group(1)}" if part else m.group(1)
        return label_key(top), top, ""
    if rest:  # `Article 14`, `¶ 2` under a heading
        return key or f"sec-{section}", rest, ""
    return "", "", ""


@dataclass
class Side:
    """One text of the map: its documents (every language version) and the one shown."""

    spec: str  # what was asked for: a symbol, a work id or a document id
    docs: list[Document]
    shown: Document | None
    symbols: set[str]
    name: str  # its title, or the name of the instrument when it is not in search
    units: dict[str, Unit] = field(default_factory=dict)

    @property
    def found(self) -> bool:
        return self.shown is not None


@dataclass
class Pair:
    """One link between a passage of A and a passage (or the whole) of B."""

    kind: str  # "cited" | "suggested"
    a: Passage | None  # None: the text as a whole
    b: Passage | None
    score: float = 0.0  # suggested: the share of wording (0 to 1)
    text: str = ""  # cited: the reference's words
    citing: str = "a"  # cited: which side's passage cites the other


@dataclass
class Cell:
    a: str
    b: str
    pairs: list[Pair] = field(default_factory=list)

    @property
    def cited(self) -> int:
        return sum(1 for p in self.pairs if p.kind == "cited")

    @property
    def suggested(self) -> int:
        return sum(1 for p in self.pairs if p.kind == "suggested")

    @property
    def score(self) -> float:
        return max((p.score for p in self.pairs if p.kind == "suggested"), default=0.0)


@dataclass
class Map:
    a: Side
    b: Side
    cells: dict[tuple[str, str], Cell]

    def rows(self) -> list[Unit]:
        keys = {a for a, _ in self.cells}
        return sorted((u for k, u in self.a.units.items() if k in keys), key=lambda u: u.order)

    def columns(self) -> list[Unit]:
        keys = {b for _, b in self.cells}
        return sorted((u for k, u in self.b.units.items() if k in keys), key=lambda u: u.order)

    def cell(self, a: str, b: str) -> Cell | None:
        return self.cells.get((a, b))


def side(resolver: Resolver, spec: str, langs: list[str]) -> Side:
    """The text `spec` names: a document id, a work id (the catalog's or a document's) or
    any symbol it answers to (`A/RES/73/195`, `A/73/L.66`)."""
    spec = spec.strip()
    lin = resolver.lineage
    docs: list[Document] = []
    if spec in lin.docs:
        docs = [lin.docs[i] for i in sorted(lin.group(lin.docs[spec]))]
    elif spec in lin.work_symbols or spec in lin.work_docs:
        ids = list(lin.work_docs.get(spec, []))
        for symbol in sorted(lin.work_symbols.get(spec, ())):
            ids += [d.doc_id for d in lin.documents(symbol)]
        docs = [lin.docs[i] for i in dict.fromkeys(ids)]
    elif spec:
        docs = lin.documents(normalize_symbol(spec))
    if not docs:
        symbol = normalize_symbol(spec) if "/" in spec else ""
        works = lin.work_symbols.get(spec, set())
        name = lin.name(symbol or next(iter(sorted(works)), ""), langs[0] if langs else "en")
        return Side(spec, [], None, {symbol} if symbol else set(works), name or spec)
    shown = pick(_latest_first(docs), langs)
    symbols: set[str] = set()
    for d in docs:
        symbols |= lin.symbols(d)
    return Side(spec, docs, shown, symbols, shown.meta.title or shown.file)


def _latest_first(docs: list[Document]) -> list[Document]:
    return sorted(docs, key=lambda d: (d.meta.date, d.doc_id), reverse=True)


def _units(st: Store, s: Side) -> None:
    """The shown version's units, in reading order."""
    if s.shown is None:
        return
    for p in st.passages(s.shown.doc_id):
        key, label, group = unit_key(p.label, p.section)
        if not key:
            continue
        unit = s.units.get(key)
        if unit is None:
            title = ""
            m = _OBJECTIVE.search(p.section)
            if m and key.startswith("obj-"):
                title = m.group(3).strip()
            unit = s.units[key] = Unit(key, label, title, group, len(s.units))
        unit.passages.append(p)
    s.units[WHOLE] = Unit(WHOLE, "", "", "", -1)  # first: what cites the text as a whole


def _cited(resolver: Resolver, st: Store, citing: Side, cited: Side, a_side: bool,
           cells: dict[tuple[str, str], Cell]) -> None:
    """Explicit references from `citing`'s documents to `cited`'s, into cells (keys always
    in (A, B) order)."""
    if not cited.symbols or not citing.docs:
        return
    own = {d.doc_id for d in cited.docs}
    for d in citing.docs:
        if d.doc_id in own:
            continue
        for c in stored.cited_by_document(st, d.doc_id):
            if c.ref.symbol not in cited.symbols:
                continue
            target_key, target = WHOLE, None
            if c.ref.pinpoint and cited.shown is not None:
                place = find_paragraph(resolver.places(cited.shown.doc_id), c.ref.pinpoint,
                                       c.ref.kind)
                if place is not None:
                    target_key = unit_key(place.label, place.section)[0] or WHOLE
                    target = _passage(st, place.passage_id)
            source = _passage(st, c.passage_id)
            source_key = unit_key(source.label, source.section)[0] or WHOLE
            pair = Pair("cited", source if a_side else target, target if a_side else source,
                        text=c.ref.text, citing="a" if a_side else "b")
            key = (source_key, target_key) if a_side else (target_key, source_key)
            cells.setdefault(key, Cell(*key)).pairs.append(pair)


def _passage(st: Store, passage_id: str) -> Passage:
    return st.get_passage(passage_id)


def _suggested(service, st: Store, a: Side, b: Side, langs: list[str],
               cells: dict[tuple[str, str], Cell]) -> None:
    """Shared wording: each passage of A against B, both in one language (the shown
    version's, else the reader's, else any they share: words are compared as written); the
    best pairs of each unit of A kept, shown in the versions the map shows."""
    if a.shown is None or b.shown is None:
        return
    common = {d.meta.lang for d in a.docs} & {d.meta.lang for d in b.docs}
    lang = next((x for x in (a.shown.meta.lang, b.shown.meta.lang, *langs, *sorted(common))
                 if x in common), "")
    if not lang:
        return
    a_doc = pick(_latest_first([d for d in a.docs if d.meta.lang == lang]), [lang])
    b_doc = pick(_latest_first([d for d in b.docs if d.meta.lang == lang]), [lang])
    units: dict[str, list[Passage]] = {}
    for p in st.passages(a_doc.doc_id):
        key = unit_key(p.label, p.section)[0]
        if key and key != NOTES and len(p.text.split()) >= SUGGEST_MIN_WORDS:
            units.setdefault(key, []).append(p)
    shown_a = _by_label(st, a.shown, a_doc)
    shown_b = _by_label(st, b.shown, b_doc)
    words_of: dict[str, dict[str, float]] = {}  # B's passages' words, weighed once
    for key, passages in units.items():
        found: dict[str, tuple[float, Passage, Passage]] = {}
        mine = service.wording([p.text for p in passages])
        hits = [service.like_text(w, [b_doc.doc_id], SUGGEST_CANDIDATES) for w in mine]
        new = {h.passage.passage_id: h.passage.text for hs in hits for h in hs
               if h.passage.passage_id not in words_of}
        words_of.update(zip(new, service.wording(list(new.values())), strict=True))
        for p, weights, candidates in zip(passages, mine, hits, strict=True):
            for hit in candidates:
                score = _overlap(weights, words_of[hit.passage.passage_id])
                held = found.get(hit.passage.passage_id)
                if score >= SUGGEST_MIN and (held is None or score > held[0]):
                    found[hit.passage.passage_id] = (score, p, hit.passage)
        for score, pa, pb in sorted(found.values(), key=lambda f: -f[0])[:SUGGEST_PER_UNIT]:
            bkey = unit_key(pb.label, pb.section)[0]
            if not bkey or bkey == NOTES:
                continue
            pa, pb = shown_a(pa), shown_b(pb)
            cells.setdefault((key, bkey), Cell(key, bkey)).pairs.append(
                Pair("suggested", pa, pb, score=round(score, 3)))


def _by_label(st: Store, shown: Document, used: Document):
    """A passage of `used` -> the paragraph of the same label in the shown version (itself
    when there is none, or they are one document)."""
    if shown.doc_id == used.doc_id:
        return lambda p: p
    same = {label_key(p.label): p for p in st.passages(shown.doc_id) if label_key(p.label)}
    return lambda p: same.get(label_key(p.label), p)


def _overlap(x: dict[str, float], y: dict[str, float]) -> float:
    """The weight of the words two passages share, as a share of the lighter one's."""
    if not x or not y:
        return 0.0
    shared = sum(w for t, w in x.items() if t in y)
    return shared / min(sum(x.values()), sum(y.values()))


_CACHE: OrderedDict[tuple, Map] = OrderedDict()
_LOCK = threading.Lock()


def coherence_map(service, a_spec: str, b_spec: str, langs: list[str],
                  suggest: bool = True) -> Map:
    """The map of text `a_spec` against text `b_spec` (each: a symbol, a work id or a
    document id), labelled in the first of `langs` each text has. Kept while the index is
    unchanged."""
    with service.store() as st:
        key = (stored.state(st), a_spec, b_spec, tuple(langs), suggest)
        with _LOCK:
            if key in _CACHE:
                _CACHE.move_to_end(key)
                return _CACHE[key]
        resolver = service.resolver(st)
        a, b = side(resolver, a_spec, langs), side(resolver, b_spec, langs)
        if a.found and b.found and a.shown.doc_id in {d.doc_id for d in b.docs}:
            raise NotFound("the two texts of a map must be different texts")
        _units(st, a)
        _units(st, b)
        cells: dict[tuple[str, str], Cell] = {}
        _cited(resolver, st, a, b, True, cells)
        _cited(resolver, st, b, a, False, cells)
        if suggest:
            _suggested(service, st, a, b, langs, cells)
        for pair in list(cells):  # a unit the shown version lacks (another version's)
            for k, s in zip(pair, (a, b), strict=True):
                if k not in s.units:
                    s.units[k] = Unit(k, k, "", "", len(s.units))
        made = Map(a, b, cells)
    with _LOCK:
        _CACHE[key] = made
        while len(_CACHE) > 16:
            _CACHE.popitem(last=False)
    return made
