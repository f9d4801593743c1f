"""A passage as every engine indexes it: the searchable texts and the fields a hit shows,
with the document's metadata copied in so that a hit needs no second look-up."""

from __future__ import annotations

import hashlib
import re

from indexer.labels import label_key
from indexer.models import DocMeta, Document, Passage
from indexer.symbols import canonical

# The key under which a search hit's fields carry the passage's stored analysis
# (engines/analysed.py: an Analysed, read with the record; never stored in it).
ANALYSED = "_analysed"


_WORD = re.compile(r"\w+")


def text_hash(text: str) -> str:
    """Identity of a passage's wording (case, spacing and punctuation ignored)."""
    folded = " ".join(_WORD.findall(text.casefold()))
    return hashlib.sha1(folded.encode("utf-8")).hexdigest()[:16]


def passage_record(doc: Document, p: Passage) -> dict:
    """The stored fields of a passage (what search hits are made from)."""
    m = doc.meta
    record = {
        "passage_id": p.passage_id,
        "doc_id": doc.doc_id,
        "ordinal": p.ordinal,
        "label": p.label,
        # language-independent label: links (and folds) the language versions of a paragraph
        "label_key": label_key(p.label),
        "section": p.section,
        "page": p.page,
        "page_label": p.page_label,
        "lang": p.lang,
        "ocr": p.ocr,
        "content": p.text,  # the passage text as shown
        "text_hash": text_hash(p.text),  # collapses identical passages
        "title": m.title,
        "series": m.series,
        "symbol": m.symbol,
        # the symbol as a keyword in its one canonical form (`a/c.2/73/l.46` finds it)
        "symbol_key": canonical(m.symbol) if m.symbol else "",
        "date": m.date,
        "doc_lang": m.lang,
        "work": m.work or m.symbol or doc.doc_id,
        "file": doc.file,
        "url": m.url,
        "version": m.version,
        # the UN symbols the passage cites (normalize_symbol form): the `cites:` filter and
        # facet (issue 23); kept only where there are some
        **({"cites": p.cites} if p.references else {}),
    }
    if m.year is not None:
        record["year"] = m.year
    return record


def fold_key(record: dict) -> str:
    """What the result list shows once: a labelled paragraph in any of its language versions,
    else one wording."""
    key = record.get("label_key") or ""
    return f"{record.get('work', '')}\x1f{key}" if key else record["text_hash"]


# -- the inverse: what a hit is made from

def passage_from_record(f: dict) -> Passage:
    return Passage(passage_id=f["passage_id"], doc_id=f["doc_id"], ordinal=f.get("ordinal", 0),
                   text=f.get("content", ""), label=f.get("label", ""),
                   section=f.get("section", ""), page=f.get("page", 1),
                   # "" where the source has no pages (HTML, Markdown)
                   page_label=f["page_label"] if "page_label" in f else str(f.get("page", 1)),
                   lang=f.get("lang", ""), ocr=bool(f.get("ocr", False)))


def document_from_record(f: dict) -> Document:
    year = f.get("year")
    meta = DocMeta(title=f.get("title", ""), series=f.get("series", ""),
                   symbol=f.get("symbol", ""),
                   date=f.get("date", "") or (str(year) if year else ""),
                   lang=f.get("doc_lang", ""), url=f.get("url", ""),
                   version=f.get("version", ""), work=f.get("work", ""))
    return Document(doc_id=f["doc_id"], sha256="", file=f.get("file", ""), format="",
                    meta=meta)
