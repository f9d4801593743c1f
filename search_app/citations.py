"""Citation of one passage as plain text, BibTeX, RIS and CSL-JSON, plus JSON shapes of
documents and passages shared by the API and the pages."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from indexer.labels import locator
from indexer.models import Document, Passage, citation, corporate_author

# the export formats of /api/passages/<id>/cite.<ext>: (exporter, content type)
CITE_FORMATS = {
    "bib": ("bibtex", "application/x-bibtex; charset=utf-8"),
    "ris": ("ris", "application/x-research-info-systems; charset=utf-8"),
    "json": ("csl_json", "application/vnd.citationstyles.csl+json; charset=utf-8"),
}


def document_json(d: Document) -> dict:
    m = d.meta
    return {
        "doc_id": d.doc_id,
        "title": m.title,
        "series": m.series,
        "symbol": m.symbol,
        "lang": m.lang,
        "date": m.date,
        "year": d.year,
        "version": m.version,
        "work": m.work,
        "url": m.url,
        "publisher": m.publisher,
        "author": corporate_author(m),
        "file": d.file,
        "format": d.format,
        "passages": d.passages,
        "added": d.added,
    }


def passage_json(p: Passage) -> dict:
    return {
        "passage_id": p.passage_id,
        "doc_id": p.doc_id,
        "ordinal": p.ordinal,
        "paragraph": p.label,
        "section": p.section,
        "section_path": section_path(p.section),
        "page": p.page_label or None,  # null where the source has no pages
        "physical_page": p.page,
        "locator": locator(p.label, p.section),
        "lang": p.lang,
        "text": p.text,
        "ocr": p.ocr,  # recognised by OCR from a scanned page
    }


def section_path(section: str) -> list[str]:
    return [s.strip() for s in section.split(" > ") if s.strip()]


def outline(passages: list[Passage]) -> list[dict]:
    """Sections in reading order, each with its passages' labels and ids."""
    out: list[dict] = []
    for p in passages:
        if not out or out[-1]["section"] != p.section:
            out.append({"section": p.section, "section_path": section_path(p.section),
                        "page": p.page_label or None, "passage_id": p.passage_id, "passages": []})
        out[-1]["passages"].append({"passage_id": p.passage_id, "paragraph": p.label,
                                    "page": p.page_label or None})
    return out


def _locator(p: Passage) -> str:
    return locator(p.label, p.section)


def _date_parts(date: str) -> list[int]:
    m = re.match(r"(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?", date or "")
    if not m:
        return []
    return [int(x) for x in m.groups() if x]


def _bibtex_escape(text: str) -> str:
    repl = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "%": r"\%", "&": r"\&",
            "$": r"\$", "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}",
            "^": r"\textasciicircum{}"}
    return "".join(repl.get(c, c) for c in " ".join(text.split()))


def cite_key(d: Document, p: Passage) -> str:
    """The passage id itself (BibTeX keys take letters, digits and `-_.:`), so that a key in
    a manuscript leads back to the passage."""
    return re.sub(r"[^A-Za-z0-9_.:-]+", "-", p.passage_id)


@dataclass
class Reference:
    """What every export says about one passage (the formats differ only in how)."""

    key: str
    author: str  # corporate author: "United Nations General Assembly", "IOM"
    title: str  # the document's title in the passage's language version
    full_title: str  # title, then where the passage stands: "…, annex, para. 16(a)"
    locator: str
    section: str
    page: str  # printed page label, "" where the source has none
    symbol: str
    publisher: str
    date: str
    year: str
    lang: str
    series: str
    version: str
    url: str  # the official link, else the passage's permalink
    accessed: str  # ISO date the reference was taken


def reference(d: Document, p: Passage, permalink: str = "",
              accessed: str | None = None) -> Reference:
    m = d.meta
    author = corporate_author(m)
    title = m.title or d.file
    where = _locator(p)
    publisher = m.publisher or ("United Nations" if author.startswith("United Nations")
                                else author)
    return Reference(
        key=cite_key(d, p), author=author, title=title,
        full_title=f"{title}, {where}" if where else title, locator=where, section=p.section,
        page=p.page_label, symbol=m.symbol, publisher=publisher, date=m.date,
        year=str(d.year or ""), lang=p.lang or m.lang,
        series="" if m.series == "other" else m.series,  # not a series: no collection title
        version=m.version,
        url=m.url or permalink,
        accessed=accessed or datetime.now(UTC).date().isoformat())


def _given(fields: list[tuple[str, object]]) -> list[tuple[str, object]]:
    """The (key, value) pairs that have a value, in order: an export leaves out what a
    reference does not have."""
    return [(k, v) for k, v in fields if v]


def _note(r: Reference) -> str:
    return "; ".join(x for x in (r.locator, r.section) if x)


def bibtex(d: Document, p: Passage, permalink: str = "", accessed: str | None = None) -> str:
    r = reference(d, p, permalink, accessed)
    fields: list[tuple[str, str]] = []
    if r.author:
        fields.append(("author", "{" + _bibtex_escape(r.author) + "}"))  # corporate: braced
    fields.append(("title", _bibtex_escape(r.full_title)))
    fields += _given([
        ("number", _bibtex_escape(r.symbol)), ("publisher", _bibtex_escape(r.publisher)),
        ("year", r.year), ("date", _bibtex_escape(r.date) if len(r.date) > 4 else ""),
        ("language", r.lang), ("series", _bibtex_escape(r.series)),
        ("version", _bibtex_escape(r.version)), ("pages", _bibtex_escape(r.page)),
        ("note", _bibtex_escape(_note(r)))])
    if r.url:
        fields.append(("url", r.url.replace("}", "%7D").replace("{", "%7B")))
        fields.append(("urldate", r.accessed))
    body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields)
    return f"@misc{{{r.key},\n{body}\n}}\n"


def ris(d: Document, p: Passage, permalink: str = "", accessed: str | None = None) -> str:
    r = reference(d, p, permalink, accessed)
    lines = [("TY", "GEN"), ("ID", r.key)]
    if r.author:
        lines.append(("AU", r.author))
    lines.append(("TI", r.full_title))
    lines.append(("T2", r.title))
    parts = _date_parts(r.date)
    lines += _given([
        ("M1", r.symbol), ("PB", r.publisher), ("PY", r.year),
        ("DA", "/".join(f"{x:02d}" if i else str(x) for i, x in enumerate(parts))),
        ("LA", r.lang), ("T3", r.series), ("SP", r.page), ("SE", r.locator),
        ("N1", _note(r))])
    if r.url:
        lines.append(("UR", r.url))
        lines.append(("Y2", r.accessed.replace("-", "/")))
    lines.append(("ER", ""))
    return "".join(f"{tag}  - {' '.join(val.split())}\r\n" for tag, val in lines)


def csl(d: Document, p: Passage, permalink: str = "", accessed: str | None = None) -> list[dict]:
    """CSL-JSON. The title carries the paragraph (`…, annex, para. 16(a)`) so that APA and
    Chicago print it; `section` holds it alone for styles and tools that read it."""
    r = reference(d, p, permalink, accessed)
    item: dict = {"id": r.key, "type": "document", "title": r.full_title}
    if r.author:
        item["author"] = [{"literal": r.author}]
    parts = _date_parts(r.date)
    item.update(_given([
        ("number", r.symbol), ("publisher", r.publisher),
        ("issued", {"date-parts": [parts]} if parts else None), ("language", r.lang),
        ("collection-title", r.series), ("version", r.version), ("page", r.page),
        ("section", r.locator), ("note", r.section)]))
    if r.url:
        item["URL"] = r.url
        item["accessed"] = {"date-parts": [_date_parts(r.accessed)]}
    return [item]


def citations(d: Document, p: Passage, permalink: str = "") -> dict:
    return {
        "text": citation(d, p),
        "bibtex": bibtex(d, p, permalink),
        "ris": ris(d, p, permalink),
        "csl_json": json.dumps(csl(d, p, permalink), ensure_ascii=False, indent=2),
    }
