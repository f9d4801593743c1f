"""Plain data that flows through the pipeline: file -> ParsedDocument -> Passage -> Hit.

Nothing here touches the disk or Whoosh; these are the shapes every module agrees on.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from enum import StrEnum

from indexer.labels import locator


@dataclass
class Block:
    """One paragraph-sized unit a parser found: a heading or a paragraph of body text."""

    text: str
    kind: str = "para"  # "para" | "heading" | "footnote" | "table" (rows on lines of its own)
    level: int = 0  # heading depth (1 = top); 0 for paragraphs
    # the paragraph goes on from the foot of the previous page (a parser that sees the
    # layout says so; others leave it to the text: a page opening in lower case)
    continues: bool = False


@dataclass
class Page:
    """One page of a document. Formats without pages (HTML, Markdown, text without page
    furniture) have a single page 1, and their ParsedDocument says `paged=False`."""

    number: int  # physical page, 1-based
    blocks: list[Block] = field(default_factory=list)
    label: str = ""  # the printed page label where the source has one, else str(number)
    ocr_confidence: float | None = None  # text recognised by OCR: its mean word confidence

    def __post_init__(self) -> None:
        if not self.label:
            self.label = str(self.number)


@dataclass
class DocMeta:
    """Metadata about a document. Empty strings mean "unknown" so sources can be layered."""

    title: str = ""
    series: str = ""
    symbol: str = ""
    date: str = ""  # ISO date or year as given
    lang: str = ""
    url: str = ""
    version: str = ""
    work: str = ""  # catalog work id shared by language versions
    publisher: str = ""  # the body that issued the text (catalog `publisher`/`author`)

    def merged_over(self, weaker: DocMeta) -> DocMeta:
        """Fields set here win; unset ones are taken from `weaker`."""
        mine = asdict(self)
        theirs = asdict(weaker)
        return DocMeta(**{k: (mine[k] or theirs[k]) for k in mine})

    @property
    def year(self) -> int | None:
        head = self.date[:4]
        return int(head) if head.isdigit() else None


@dataclass
class ParsedDocument:
    """What a parser returns: pages of blocks plus whatever metadata the file itself carries."""

    pages: list[Page]
    meta: DocMeta = field(default_factory=DocMeta)
    format: str = ""  # "pdf" | "html" | "text" | "markdown"
    warnings: list[str] = field(default_factory=list)
    # False when the source has no pages (HTML, Markdown, text without page furniture): its
    # passages then have no page label, and citations no page.
    paged: bool = True

    def text(self) -> str:
        return "\n\n".join(b.text for p in self.pages for b in p.blocks)


@dataclass(frozen=True)
class Reference:
    """One citation of a UN document in a passage (indexer/ingest/references.py finds them;
    the store keeps them; indexer/search/citing.py resolves them against the index)."""

    text: str  # the words as they stand in the passage
    start: int  # character offsets in the passage text: text == passage[start:end]
    end: int
    symbol: str  # normalize_symbol form (`A/RES/70/1`); "" when the symbol is not known
    pinpoint: str = ""  # `para. 23`, `paras. 1-6`, `target 10.c`, `Goal 10`, `Objective 23`,
    # `Article 14`, `annex V, para. 21`; "" when the whole document is cited
    verb: str = ""  # clause verb, an English key: `recall`, `take note`, `call upon`; ""
    verb_text: str = ""  # the clause verb as written: `Recalling also`, `Prenant note`
    kind: str = "symbol"  # symbol | resolution | instrument | pinpoint

    def to_json(self) -> dict:
        return {"text": self.text, "start": self.start, "end": self.end,
                "symbol": self.symbol, "pinpoint": self.pinpoint, "verb": self.verb,
                "verb_text": self.verb_text, "kind": self.kind}


@dataclass
class Passage:
    """A citable unit: one paragraph or sub-paragraph, with where it stands in its document."""

    passage_id: str
    doc_id: str
    ordinal: int  # position in the document, 0-based
    text: str
    label: str = ""  # paragraph label: "16", "16(a)", "Article 14", "10.7"
    section: str = ""  # heading path, " > "-joined
    page: int = 1  # physical start page (1 when the source has no pages)
    page_label: str = "1"  # printed page label; "" when the source has no pages
    lang: str = ""
    ocr: bool = False  # the text was recognised by OCR from a scanned page
    # the UN documents it cites, left to right (found at ingest; kept by the store)
    references: list[Reference] = field(default_factory=list)

    @property
    def cites(self) -> list[str]:
        """The symbols it cites, each once, sorted (the index's `cites` field)."""
        return sorted({r.symbol for r in self.references if r.symbol})


class DocStatus(StrEnum):
    """Where a stored document stands. The values are what the store's `status` column
    holds (and what the staff pages and their tests see): never rename them."""

    PENDING = "pending"  # stored, its passages not (yet) in the index; a writer finishes it
    ACTIVE = "active"  # searched
    TRASH = "trash"  # removed by staff: out of search, restorable until purged
    SUPERSEDED = "superseded"  # replaced by a newer revision: kept, out of search
    ALTERNATE = "alternate"  # the same text in another file format, shown through another


@dataclass
class Document:
    """A stored document: identity, provenance and metadata (the store's row)."""

    doc_id: str
    sha256: str
    file: str  # the original file name, for display only
    format: str
    meta: DocMeta
    passages: int = 0
    added: str = ""  # ISO timestamp
    status: str = ""  # a DocStatus once stored ("" before)
    origin: str = ""  # corpus (from `build`) | staff (added later; kept by rebuilds)
    replaces: str = ""  # doc_id of the older revision this one replaced
    format_of: str = ""  # status 'alternate': the document shown for this same text

    @property
    def year(self) -> int | None:
        return self.meta.year


@dataclass
class Hit:
    """One search result, ready for display or JSON."""

    passage: Passage
    document: Document
    score: float
    snippet: str  # HTML: escaped text with <mark> around matches
    versions: dict[str, str] = field(default_factory=dict)
    # Passages with the same or nearly the same wording that were folded into this hit (a
    # second extraction of the document, a later resolution repeating the paragraph): each
    # {"passage_id", "doc_id", "title", "symbol", "paragraph"}. Listed, not lost.
    copies: list[dict] = field(default_factory=list)

    @property
    def citation(self) -> str:
        return citation(self.document, self.passage)

    def to_json(self) -> dict:
        p, d = self.passage, self.document
        return {
            "passage_id": p.passage_id,
            "doc_id": d.doc_id,
            "title": d.meta.title,
            "series": d.meta.series,
            "symbol": d.meta.symbol,
            "lang": p.lang,
            "page": p.page_label or None,  # null where the source has no pages
            "paragraph": p.label,
            "locator": locator(p.label, p.section),
            "author": corporate_author(d.meta),
            "section": p.section,
            "text": p.text,
            "snippet": self.snippet,
            "score": round(self.score, 4),
            "file": d.file,
            "citation": self.citation,
            "year": d.year,
            "date": d.meta.date,
            "url": d.meta.url,
            "versions": self.versions,
            "copies": self.copies,
            "ocr": p.ocr,  # the text was recognised by OCR from a scanned page
        }


# The UN organs that issue documents, by the first element of their symbol (longest first).
_ORGANS = (
    ("A/HRC/", "United Nations Human Rights Council"),
    ("A/", "United Nations General Assembly"),
    ("E/", "United Nations Economic and Social Council"),
    ("S/", "United Nations Security Council"),
    ("ST/", "United Nations Secretariat"),
)
_SERIES_PUBLISHERS = {
    "GFMD": "Global Forum on Migration and Development",
    "WMR": "International Organization for Migration",
    "GCM": "United Nations", "GCR": "United Nations", "NYD": "United Nations",
    "SDG": "United Nations", "NUA": "United Nations", "UNSG": "United Nations",
    "UNGA": "United Nations General Assembly",
}


def corporate_author(meta: DocMeta) -> str:
    """The corporate author a reference manager files the text under: the UN organ its symbol
    names (`A/…` is the General Assembly), else the publisher the catalog gives, else the body
    its series or title names; "" when none is known."""
    symbol = meta.symbol.upper()
    for prefix, organ in _ORGANS:
        if symbol.startswith(prefix):
            return organ
    if meta.publisher:
        return meta.publisher
    if re.search(r"\bIOM\b|International Organization for Migration", meta.title):
        return "International Organization for Migration"
    return _SERIES_PUBLISHERS.get(meta.series, "")


def citation(doc: Document, passage: Passage) -> str:
    """A human-readable reference: author, title, symbol, date, paragraph, page (only where the
    source has pages), URL."""
    parts = []
    author = corporate_author(doc.meta)
    title = doc.meta.title or doc.file
    if author and author != title:
        parts.append(author)
    parts.append(title)
    if doc.meta.symbol:
        parts.append(doc.meta.symbol)
    if doc.meta.date:
        parts.append(doc.meta.date)
    where = locator(passage.label, passage.section)
    if where:
        parts.append(where)
    if passage.page_label:
        parts.append(f"p. {passage.page_label}")
    if doc.meta.url:
        parts.append(doc.meta.url)
    if passage.ocr:
        parts.append("text recognised by OCR")
    return ", ".join(parts)


# The series a document belongs to (a filter and a facet).
SERIES = ("GCM", "GCR", "GFMD", "NYD", "SDG", "NUA", "WMR", "UNSG", "UNGA", "Mayors", "other")


def normalize_series(value: str) -> str:
    for s in SERIES:
        if value.strip().lower() == s.lower():
            return s
    return value.strip()
