"""Cross-references resolved against the index as it is now (issue 23).

Ingest finds the references of each passage (indexer/ingest/references.py) and the store keeps
them (table `refs`). Here they are resolved when they are read, so a document added, removed,
restored or edited changes what they lead to at once, with nothing re-parsed:

- a reference leads to the document(s) in search that answer to its symbol: their own
  symbol; else a draft whose catalog entry or title says it was `adopted as` the symbol;
  else the documents of the same work (the catalog's `work`, `corpus_dir/catalog.toml`, and
  the documents' own `work`: draft `A/73/L.66` and adopted `A/RES/73/195` are the GCM);
- of these, the reader's language version where one exists, else the citing passage's
  language, else English;
- a pinpoint leads to the paragraph of that document with the label it names (`target
  10.c` -> `10.c`, `Goal 10` -> `Objectif 10` in French, `Article 14`, `para. 23`, `annex,
  para. 23` for a named instrument, whose text is an annex; `Objective 23` -> the GCM's);
- a reference nothing in search answers to keeps its symbol and an official link
  (undocs.org); one without a known symbol keeps its words.

"Cited by" is the inverse: the references elsewhere that lead to a paragraph or its
document. A document's references to its own text (the GCM's `objective 23`) are left out.
"""

from __future__ import annotations

import re
import threading
import tomllib
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from indexer.labels import label_key, split_part
from indexer.models import DocStatus, Document, Passage, Reference
from indexer.storage import refs as stored
from indexer.storage.store import Store
from indexer.symbols import adopted_as, instrument_name, normalize_symbol, official_link

CITED_BY_LIMIT = 200  # citing passages listed for one paragraph (all are counted)


# ------------------------------------------------------------------ which documents answer


@dataclass
class Lineage:
    """Which documents in search answer to which symbols, at one moment."""

    docs: dict[str, Document]
    by_symbol: dict[str, list[str]] = field(default_factory=dict)  # own symbol -> doc ids
    adopted: dict[str, list[str]] = field(default_factory=dict)  # adopted as -> drafts
    works_of: dict[str, set[str]] = field(default_factory=dict)  # symbol -> work ids
    work_symbols: dict[str, set[str]] = field(default_factory=dict)  # work -> symbols
    work_docs: dict[str, list[str]] = field(default_factory=dict)  # work -> doc ids
    catalog_titles: dict[str, str] = field(default_factory=dict)  # symbol -> catalog title

    @classmethod
    def of(cls, docs: list[Document], catalog: list[dict]) -> Lineage:
        out = cls({d.doc_id: d for d in docs})
        for entry in catalog:
            symbol = normalize_symbol(str(entry.get("symbol") or ""))
            work = str(entry.get("work") or "")
            if symbol and entry.get("title"):
                out.catalog_titles.setdefault(symbol, str(entry["title"]))
            if symbol and work:
                out.works_of.setdefault(symbol, set()).add(work)
                out.work_symbols.setdefault(work, set()).add(symbol)
        for d in sorted(docs, key=lambda d: (d.meta.date, d.doc_id), reverse=True):
            own = normalize_symbol(d.meta.symbol) if d.meta.symbol else ""
            if own:
                out.by_symbol.setdefault(own, []).append(d.doc_id)
            for symbol in adopted_as(d.meta.title):
                out.adopted.setdefault(symbol, []).append(d.doc_id)
            if d.meta.work:
                out.work_docs.setdefault(d.meta.work, []).append(d.doc_id)
                if own:
                    out.works_of.setdefault(own, set()).add(d.meta.work)
                    out.work_symbols.setdefault(d.meta.work, set()).add(own)
        return out

    def documents(self, symbol: str) -> list[Document]:
        """The documents in search a reference to `symbol` leads to (all language
        versions): its own, else the drafts adopted as it, else its work's."""
        ids = self.by_symbol.get(symbol) or self.adopted.get(symbol)
        if not ids:
            found: list[str] = []
            for work in sorted(self.works_of.get(symbol, ())):
                for other in sorted(self.work_symbols.get(work, ())):
                    found += self.by_symbol.get(other, [])
                found += self.work_docs.get(work, [])
            ids = list(dict.fromkeys(found))
        return [self.docs[i] for i in ids if i in self.docs]

    def symbols(self, doc: Document) -> set[str]:
        """Every symbol whose references lead to `doc` (it or one of its language
        versions)."""
        candidates = set(adopted_as(doc.meta.title))
        own = normalize_symbol(doc.meta.symbol) if doc.meta.symbol else ""
        if own:
            candidates.add(own)
        for work in {doc.meta.work, *self.works_of.get(own, ())} - {""}:
            candidates |= self.work_symbols.get(work, set())
        return {s for s in candidates
                if any(d.doc_id == doc.doc_id for d in self.documents(s))}

    def group(self, doc: Document) -> set[str]:
        """The documents of the same text as `doc` (its language versions, drafts and
        adopted forms), itself included: they do not cite one another here."""
        ids = {doc.doc_id}
        for symbol in self.symbols(doc):
            ids |= {d.doc_id for d in self.documents(symbol)}
        return ids

    def equivalent(self, symbol: str) -> set[str]:
        """Symbols that stand for the same text as `symbol` (itself included)."""
        out = {symbol}
        for work in self.works_of.get(symbol, ()):
            out |= self.work_symbols.get(work, set())
        for d in self.documents(symbol):
            out |= self.symbols(d)
        return out

    def name(self, symbol: str, lang: str) -> str:
        """How a cited text is named: the title of the document it leads to, else the
        instrument's name, else the catalog's title; "" when none is known."""
        docs = self.documents(symbol)
        if docs:
            return pick(docs, [lang]).meta.title
        return instrument_name(symbol, lang) or self.catalog_titles.get(symbol, "")


def pick(docs: list[Document], langs: list[str]) -> Document:
    """The language version a reader is shown: the first of `langs` there is, else the
    first document."""
    for lang in [*langs, "en"]:
        for d in docs:
            if lang and d.meta.lang == lang:
                return d
    return docs[0]


_CACHE: OrderedDict[tuple, Lineage] = OrderedDict()
_CACHE_LOCK = threading.Lock()


def lineage(st: Store, catalog: Path | None = None) -> Lineage:
    """The lineage of the store's documents in search, kept until a document enters or
    leaves search or its metadata changes (stored.state)."""
    key = (stored.state(st), _catalog_stamp(catalog))
    with _CACHE_LOCK:
        held = _CACHE.get(key)
        if held is not None:
            _CACHE.move_to_end(key)
            return held
    made = Lineage.of(st.documents(DocStatus.ACTIVE), _catalog(catalog))
    with _CACHE_LOCK:
        _CACHE[key] = made
        while len(_CACHE) > 8:
            _CACHE.popitem(last=False)
    return made


def _catalog_stamp(path: Path | None) -> tuple:
    if path is None or not path.is_file():
        return ()
    st = path.stat()
    return (str(path), st.st_mtime_ns, st.st_size)


def _catalog(path: Path | None) -> list[dict]:
    """The catalog's [[document]] tables (none when there is no catalog); a catalog that is
    not valid TOML is an error that says so."""
    if path is None or not path.is_file():
        return []
    with path.open("rb") as fh:
        try:
            data = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"the catalog {path} is not valid TOML: {exc}") from None
    docs = data.get("document", [])
    return [d for d in docs if isinstance(d, dict)] if isinstance(docs, list) else []


# ------------------------------------------------------------------ pinpoints


_NUMBER = re.compile(r"\d{1,3}(?:\.\d{1,3})?(?:\([a-z0-9]{1,4}\))*")


def pinpoint_keys(pinpoint: str, kind: str) -> list[str]:
    """The label keys (indexer.labels.label_key) a pinpoint may name, most likely first:
    `target 10.c` -> 10.c; `Goal 10` -> obj-10; `Article 14` -> art-14; `para. 23` of a
    resolution -> 23, then annex/23 (of a named instrument: annex/23 first, its text being
    the annex); `annex V, para. 21` -> annex v/21; `paras. 1-6` -> their first."""
    head, _, rest = pinpoint.partition(" ")
    if head == "target":
        return [rest.lower()]
    if head in ("Goal", "Objective"):
        return [f"obj-{rest}", f"annex/obj-{rest}"]
    if head == "Article":
        return [f"art-{rest}".lower(), f"annex/art-{rest}".lower()]
    part, where = split_part(pinpoint)
    m = re.match(r"paras?\.\s+(.+)$", where)
    if not m:
        return []
    number = _NUMBER.match(m.group(1).replace(" ", ""))
    if not number:
        return []
    key = number.group(0).lower()
    if part:
        return [f"{part.lower()}/{key}"]
    return [f"annex/{key}", key] if kind == "instrument" else [key, f"annex/{key}"]


_OBJECTIVE_SECTION = re.compile(r"(?:^| > )(?:Objective|Objectif|Objetivo)\s+(\d{1,2})\b")


def find_paragraph(places: list[stored.Labelled], pinpoint: str,
                   kind: str) -> stored.Labelled | None:
    """The paragraph of a document a pinpoint names, or None."""
    keys = pinpoint_keys(pinpoint, kind)
    by_key: dict[str, stored.Labelled] = {}
    for p in places:
        by_key.setdefault(label_key(p.label), p)
    for key in keys:
        if key in by_key:
            return by_key[key]
    if pinpoint.startswith("Objective "):  # the first paragraph under `Objective 23: …`
        number = pinpoint.split(" ", 1)[1]
        for p in places:
            m = _OBJECTIVE_SECTION.search(p.section)
            if m and m.group(1) == number:
                return p
    return None


def pinpoints_naming(label: str, section: str) -> list[str]:
    """The pinpoints that may name the paragraph labelled `label` (the inverse of
    pinpoint_keys, checked again with find_paragraph)."""
    part, rest = split_part(label)
    key = label_key(label)
    out = []
    if re.fullmatch(r"\d{1,2}\.(?:\d{1,2}|[a-z])", rest):
        out.append(f"target {rest}")
    if key.split("/")[-1].startswith("obj-"):
        n = key.rsplit("-", 1)[1]
        out += [f"Goal {n}", f"Objective {n}"]
    if key.split("/")[-1].startswith("art-"):
        out.append(f"Article {key.rsplit('-', 1)[1]}")
    if rest[:1].isdigit():
        out.append(f"para. {rest}")
        if part:
            out.append(f"{part}, para. {rest}")
    m = _OBJECTIVE_SECTION.search(section)
    if m:
        out.append(f"Objective {m.group(1)}")
    return list(dict.fromkeys(out))


def _in_range(pinpoint: str, label: str) -> bool:
    """`paras. 1-6` names paragraph 4 (and 4(a))."""
    m = re.search(r"paras\.\s+(\d+)-(\d+)$", pinpoint)
    n = re.match(r"(\d+)", split_part(label)[1])
    return bool(m and n and int(m.group(1)) <= int(n.group(1)) <= int(m.group(2)))


# ------------------------------------------------------------------ resolved references


@dataclass
class Link:
    """A reference and what it leads to: the document and paragraph it cites (`target_*`,
    None when nothing in search answers) seen from the citing passage (`passage_id`)."""

    ref: Reference
    passage_id: str  # the citing passage
    doc_id: str  # … and its document
    target: Document | None = None
    target_passage: str = ""  # the paragraph the pinpoint names, "" for the whole text
    target_label: str = ""
    name: str = ""  # how the cited text is named (title, instrument, catalog)

    @property
    def url(self) -> str:
        """The official link of a cited text (undocs.org), "" without a symbol."""
        return official_link(self.ref.symbol)

    def cites_json(self) -> dict:
        """An item of `cites` (the contract of `index.py refs` and the API): null where
        nothing is resolved."""
        r = self.ref
        return {"symbol": r.symbol or None, "label": r.pinpoint or None,
                "verb": r.verb or None, "verb_text": r.verb_text or None, "text": r.text,
                "start": r.start, "end": r.end, "kind": r.kind,
                "doc_id": self.target.doc_id if self.target else None,
                "passage_id": self.target_passage or None,
                "paragraph": self.target_label or None,
                "title": self.name or None, "url": self.url or None}


@dataclass
class Citer:
    """A reference elsewhere that leads to a paragraph or its document."""

    link: Link
    document: Document  # the citing document
    label: str  # the citing passage's label
    whole: bool  # it cites the whole document, not this paragraph

    def json(self) -> dict:
        """An item of `cited_by`: the citing passage, null where it has no label or its
        document no symbol."""
        r, d = self.link.ref, self.document
        return {"symbol": d.meta.symbol or None, "label": self.label or None,
                "verb": r.verb or None, "verb_text": r.verb_text or None, "text": r.text,
                "start": r.start, "end": r.end,
                "doc_id": d.doc_id, "passage_id": self.link.passage_id,
                "title": d.meta.title or d.file, "lang": d.meta.lang,
                "cited": r.symbol or None, "pinpoint": r.pinpoint or None,
                "whole_document": self.whole}


@dataclass
class CitedBy:
    """Who cites a paragraph or its document: the passages (up to a limit), and every
    citing document with its count."""

    items: list[Citer]
    documents: list[tuple[Document, int]]  # most citing first
    total: int

    def json(self) -> dict:
        return {"total": self.total,
                "documents": [{"doc_id": d.doc_id, "title": d.meta.title or d.file,
                               "symbol": d.meta.symbol or None, "lang": d.meta.lang,
                               "count": n} for d, n in self.documents]}


class Resolver:
    """Resolution over one open store (a request's): lineage, and the places of the
    documents it has looked into."""

    def __init__(self, st: Store, catalog: Path | None = None):
        self.st = st
        self.lineage = lineage(st, catalog)
        self._places: dict[str, list[stored.Labelled]] = {}

    def places(self, doc_id: str) -> list[stored.Labelled]:
        if doc_id not in self._places:
            self._places[doc_id] = stored.labels(self.st, doc_id)
        return self._places[doc_id]

    def resolve(self, ref: Reference, passage_id: str, doc: Document,
                langs: list[str]) -> Link:
        link = Link(ref, passage_id, doc.doc_id)
        if not ref.symbol:
            return link
        docs = self.lineage.documents(ref.symbol)
        if not docs:
            link.name = self.lineage.name(ref.symbol, langs[0] if langs else "en")
            return link
        target = pick(docs, langs)
        link.target, link.name = target, target.meta.title or target.file
        if ref.pinpoint:
            place = find_paragraph(self.places(target.doc_id), ref.pinpoint, ref.kind)
            if place is None:  # another language version may have it
                for other in docs:
                    if other is not target and other.meta.lang:
                        place = find_paragraph(self.places(other.doc_id), ref.pinpoint,
                                               ref.kind)
                        if place is not None:
                            link.target = other
                            break
            if place is not None:
                link.target_passage, link.target_label = place.passage_id, place.label
        return link

    def cites(self, passage: Passage, doc: Document, langs: list[str]) -> list[Link]:
        """What a passage cites, in reading order; its references to its own text left
        out. `langs`: the reader's language first."""
        own = self.lineage.group(doc) if doc.doc_id in self.lineage.docs else {doc.doc_id}
        out = []
        for ref in passage.references:
            link = self.resolve(ref, passage.passage_id, doc, [*langs, passage.lang])
            if link.target is not None and link.target.doc_id in own:
                continue
            out.append(link)
        return out

    def cited_by(self, passage: Passage, doc: Document, langs: list[str],
                 limit: int = CITED_BY_LIMIT) -> CitedBy:
        """The passages elsewhere that cite this paragraph (a pinpoint naming it) or its
        document (no pinpoint), this paragraph's first; grouped by citing document."""
        symbols = self.lineage.symbols(doc) if doc.doc_id in self.lineage.docs else set()
        if not symbols:
            return CitedBy([], [], 0)
        own = self.lineage.group(doc)
        ours = [p for p in self.places(doc.doc_id) if p.passage_id == passage.passage_id]
        naming = pinpoints_naming(passage.label, passage.section)
        found: list[tuple[stored.Citing, bool]] = []
        for c in stored.citing(self.st, symbols, pinpoints=naming, exclude=own):
            place = self._named(c.ref, doc)
            if ours and place is not None and place.passage_id == ours[0].passage_id:
                found.append((c, False))
        for c in stored.ranges(self.st, symbols, exclude=own):
            if _in_range(c.ref.pinpoint, passage.label):
                found.append((c, False))
        whole = stored.count_citing(self.st, symbols, [""], exclude=own)
        found += [(c, True) for c in stored.citing(self.st, symbols, pinpoints=[""],
                                                   exclude=own, limit=max(0, limit - len(found)))]
        counts: dict[str, int] = {}
        for c, w in found:
            if not w:
                counts[c.doc_id] = counts.get(c.doc_id, 0) + 1
        for doc_id, n in stored.citing_documents(self.st, symbols, pinpoints=[""], exclude=own):
            counts[doc_id] = counts.get(doc_id, 0) + n
        docs = self.lineage.docs
        items = [Citer(Link(c.ref, c.passage_id, c.doc_id, doc), docs[c.doc_id], c.label, w)
                 for c, w in found[:limit] if c.doc_id in docs]
        total = sum(1 for _c, w in found if not w) + whole
        grouped = sorted(((docs[i], n) for i, n in counts.items() if i in docs),
                         key=lambda dn: (-dn[1], dn[0].meta.title, dn[0].doc_id))
        return CitedBy(items, grouped, total)

    def _named(self, ref: Reference, doc: Document) -> stored.Labelled | None:
        """The paragraph of `doc` a reference's pinpoint names."""
        return find_paragraph(self.places(doc.doc_id), ref.pinpoint, ref.kind)

    # -- documents

    def document_cites(self, doc: Document, lang: str) -> list[dict]:
        """The texts a document cites, each once with how many references, most first;
        resolved to a document in search where one answers."""
        own = self.lineage.group(doc) if doc.doc_id in self.lineage.docs else {doc.doc_id}
        counts: dict[str, int] = {}
        words: dict[str, str] = {}
        for c in stored.cited_by_document(self.st, doc.doc_id):
            key = c.ref.symbol or ""
            if not key:
                continue
            counts[key] = counts.get(key, 0) + 1
            words.setdefault(key, c.ref.text)
        out = []
        for symbol, n in counts.items():
            docs = self.lineage.documents(symbol)
            target = pick(docs, [lang, doc.meta.lang]) if docs else None
            if target is not None and target.doc_id in own:
                continue
            out.append({"symbol": symbol, "count": n, "text": words[symbol],
                        "doc_id": target.doc_id if target else None,
                        "title": (target.meta.title if target else
                                  self.lineage.name(symbol, lang)) or None,
                        "url": official_link(symbol)})
        return sorted(out, key=lambda x: (-x["count"], x["symbol"]))

    def document_cited_by(self, doc: Document) -> list[tuple[Document, int]]:
        """The documents citing `doc` (any paragraph, or the whole), most references first."""
        symbols = self.lineage.symbols(doc) if doc.doc_id in self.lineage.docs else set()
        own = self.lineage.group(doc) if symbols else {doc.doc_id}
        docs = self.lineage.docs
        return [(docs[i], n) for i, n in stored.citing_documents(self.st, symbols, exclude=own)
                if i in docs]

    def who_cites(self, symbol: str, pinpoint: str = "", limit: int = 50,
                  offset: int = 0) -> tuple[list[Document], list[Citer], int,
                                            list[tuple[Document, int]]]:
        """(the documents `symbol` leads to, the citing passages from `offset`, how many
        there are, the citing documents with counts) for any symbol, in search or not;
        with a pinpoint (`target 10.7`), only the references naming it."""
        symbol = normalize_symbol(symbol)
        symbols = self.lineage.equivalent(symbol)
        targets = self.lineage.documents(symbol)
        own: set[str] = set()
        for d in targets:
            own |= self.lineage.group(d)
        pins = [pinpoint] if pinpoint else None
        rows = stored.citing(self.st, symbols, pinpoints=pins, exclude=own, limit=limit,
                             offset=offset)
        total = stored.count_citing(self.st, symbols, pins, exclude=own)
        docs = self.lineage.docs
        items = []
        for c in rows:
            if c.doc_id not in docs:
                continue
            link = self.resolve(c.ref, c.passage_id, docs[c.doc_id], [])
            items.append(Citer(link, docs[c.doc_id], c.label, not c.ref.pinpoint))
        if pinpoint:
            grouped: dict[str, int] = {}
            for c in stored.citing(self.st, symbols, pinpoints=pins, exclude=own):
                grouped[c.doc_id] = grouped.get(c.doc_id, 0) + 1
            by_doc = sorted(((docs[i], n) for i, n in grouped.items() if i in docs),
                            key=lambda dn: -dn[1])
        else:
            by_doc = [(docs[i], n) for i, n in stored.citing_documents(
                self.st, symbols, exclude=own) if i in docs]
        return targets, items, total, by_doc

    def equivalent(self, symbol: str) -> set[str]:
        return self.lineage.equivalent(normalize_symbol(symbol))


def cited_as(resolver: Resolver, values: str) -> set[str]:
    """The symbols a `cites:` filter stands for: each typed one, and those of the same text
    (`A/73/L.66` is also cited as `A/RES/73/195`). Search and saved searches both use it, so
    a saved search matches what its search finds."""
    return {s for v in values.split(",") if v.strip() for s in resolver.equivalent(v.strip())}
