"""Plain data that flows through the pipeline: file -> ParsedDocument -> Passage -> Hit.

Nothing here touches the disk or Whoosh; these are the shapes every module agrees on.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class Block:
    """One paragraph-sized unit a parser found: a heading or a paragraph of body text."""

    text: str
    kind: str = "para"  # "para" | "heading" | "footnote"
    level: int = 0  # heading depth (1 = top); 0 for paragraphs


@dataclass
class Page:
    """One page of a document. Formats without pages (HTML, Markdown) have a single page 1."""

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

    def text(self) -> str:
        return "\n\n".join(b.text for p in self.pages for b in p.blocks)


@dataclass
class Passage:
    """A citable unit: one paragraph or sub-paragraph, with where it stands in its document."""

    passage_id: str
    doc_id: str
    ordinal: int  # position in the document, 0-based
    text: str
    label: str = ""  # paragraph label: "16", "16(a)", "Article 14", "10.7"
    section: str = ""  # heading path, " > "-joined
    page: int = 1  # physical start page
    page_label: str = "1"
    lang: str = ""
    ocr: bool = False  # the text was recognised by OCR from a scanned page


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
    status: str = ""  # pending | active | trash | superseded (see store.py)
    origin: str = ""  # corpus (from `build`) | staff (added later; kept by rebuilds)
    replaces: str = ""  # doc_id of the older revision this one replaced

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
            "page": p.page_label,
            "paragraph": p.label,
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


def citation(doc: Document, passage: Passage) -> str:
    """A human-readable reference: title, symbol, date, para, page, URL."""
    parts = [doc.meta.title or doc.file]
    if doc.meta.symbol:
        parts.append(doc.meta.symbol)
    if doc.meta.date:
        parts.append(doc.meta.date)
    if passage.label:
        lab = passage.label
        parts.append(lab if not lab[0].isdigit() and not lab.startswith("(") else f"para. {lab}")
    parts.append(f"p. {passage.page_label}")
    if doc.meta.url:
        parts.append(doc.meta.url)
    if passage.ocr:
        parts.append("text recognised by OCR")
    return ", ".join(parts)
