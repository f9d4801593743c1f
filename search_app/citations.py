"""Citation of one passage as plain text, BibTeX, RIS and CSL-JSON, plus JSON shapes of
documents and passages shared by the API and the pages."""

from __future__ import annotations

import json
import re

from indexer.models import Document, Passage, citation


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
        "page": p.page_label,
        "physical_page": p.page,
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
                        "page": p.page_label, "passage_id": p.passage_id, "passages": []})
        out[-1]["passages"].append({"passage_id": p.passage_id, "paragraph": p.label,
                                    "page": p.page_label})
    return out


def _locator(p: Passage) -> str:
    lab = p.label
    if not lab:
        return ""
    return lab if not lab[0].isdigit() and not lab.startswith("(") else f"para. {lab}"


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
    base = re.sub(r"[^A-Za-z0-9]+", "", d.meta.symbol) or d.doc_id
    year = d.year or ""
    label = re.sub(r"[^A-Za-z0-9]+", "", p.label)
    return f"{base}{year}" + (f"p{label}" if label else f"n{p.ordinal + 1}")


def bibtex(d: Document, p: Passage) -> str:
    m = d.meta
    fields: list[tuple[str, str]] = [("title", m.title or d.file)]
    if m.symbol:
        fields.append(("number", m.symbol))
    if d.year:
        fields.append(("year", str(d.year)))
    if m.date and len(m.date) > 4:
        fields.append(("date", m.date))
    if m.lang:
        fields.append(("language", m.lang))
    if m.series:
        fields.append(("series", m.series))
    if m.version:
        fields.append(("version", m.version))
    if p.page_label:
        fields.append(("pages", p.page_label))
    note = ", ".join(x for x in (_locator(p), p.section) if x)
    if note:
        fields.append(("note", note))
    if m.url:
        fields.append(("url", m.url))
    body = ",\n".join(f"  {k} = {{{_bibtex_escape(v)}}}" if k != "url" else f"  {k} = {{{v}}}"
                      for k, v in fields)
    return f"@misc{{{cite_key(d, p)},\n{body}\n}}\n"


def ris(d: Document, p: Passage) -> str:
    m = d.meta
    lines = [("TY", "GEN"), ("ID", cite_key(d, p)), ("TI", m.title or d.file)]
    if m.symbol:
        lines.append(("M1", m.symbol))
    if d.year:
        lines.append(("PY", str(d.year)))
    parts = _date_parts(m.date)
    if parts:
        lines.append(("DA", "/".join(f"{x:02d}" if i else str(x) for i, x in enumerate(parts))))
    if m.lang:
        lines.append(("LA", m.lang))
    if m.series:
        lines.append(("T3", m.series))
    if p.page_label:
        lines.append(("SP", p.page_label))
    note = ", ".join(x for x in (_locator(p), p.section) if x)
    if note:
        lines.append(("N1", note))
    if m.url:
        lines.append(("UR", m.url))
    lines.append(("ER", ""))
    return "".join(f"{tag}  - {' '.join(val.split())}\r\n" for tag, val in lines)


def csl(d: Document, p: Passage) -> list[dict]:
    m = d.meta
    item: dict = {"id": p.passage_id, "type": "document", "title": m.title or d.file}
    if m.symbol:
        item["number"] = m.symbol
    parts = _date_parts(m.date)
    if parts:
        item["issued"] = {"date-parts": [parts]}
    if m.lang:
        item["language"] = m.lang
    if m.series:
        item["collection-title"] = m.series
    if m.version:
        item["version"] = m.version
    if p.page_label:
        item["page"] = p.page_label
    note = ", ".join(x for x in (_locator(p), p.section) if x)
    if note:
        item["note"] = note
    if m.url:
        item["URL"] = m.url
    return [item]


def citations(d: Document, p: Passage) -> dict:
    return {
        "text": citation(d, p),
        "bibtex": bibtex(d, p),
        "ris": ris(d, p),
        "csl_json": json.dumps(csl(d, p), ensure_ascii=False, indent=2),
    }
