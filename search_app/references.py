"""Cross-references where people see them (issue 23): a passage's "Cites" (its text with each
reference marked and linked) and "Cited by", a document's cited and citing texts, who cites a
symbol (`/api/references`), the `cites` facet's names, and the coherence map with its
exports. Resolution is indexer/search/citing.py's, the map indexer/search/coherence.py's;
here they become JSON and escaped HTML (every piece of a document's text goes through
markupsafe.escape)."""

from __future__ import annotations

import csv
import io
from xml.etree import ElementTree as ET

from flask import url_for
from flask_babel import get_locale
from markupsafe import Markup, escape

from indexer.errors import QueryError
from indexer.models import Document, Passage
from indexer.search import coherence
from indexer.search.citing import Link, pick
from indexer.storage.store import Store
from indexer.symbols import normalize_symbol, official_link
from search_app import service

# The map shown when none is asked for: the GCM against the 2030 Agenda and the New Urban
# Agenda (any symbol of a text, or its work id, names it)
DEFAULT_MAP = ("A/RES/73/195", ("A/RES/70/1", "A/RES/71/256"))
MAX_MAPS = 4  # second texts one map page compares the first with


def reader_langs() -> list[str]:
    """The reader's language first (the UI language), for the version a link leads to."""
    try:
        return [str(get_locale() or "en")]
    except RuntimeError:  # outside a request (the CLI)
        return ["en"]


def passage_references(st: Store, p: Passage, d: Document) -> dict:
    """`cites`, `cited_by` (the citing passages, this paragraph's first), the citing
    documents with their counts and the total, for the passage view and the API; `_links`
    for marking the text."""
    resolver = service().resolver(st)
    langs = reader_langs()
    links = resolver.cites(p, d, langs)
    cited_by = resolver.cited_by(p, d, langs)
    return {"cites": [link.cites_json() for link in links],
            "cited_by": [c.json() for c in cited_by.items],
            "cited_by_documents": cited_by.json()["documents"],
            "cited_by_total": cited_by.total,
            "_links": links}


def document_references(st: Store, d: Document) -> dict:
    """The texts a document cites (each once, with counts) and the documents citing it."""
    resolver = service().resolver(st)
    lang = reader_langs()[0]
    return {"cites": resolver.document_cites(d, lang),
            "cited_by": [{"doc_id": c.doc_id, "title": c.meta.title or c.file,
                          "symbol": c.meta.symbol or None, "lang": c.meta.lang, "count": n}
                         for c, n in resolver.document_cited_by(d)]}


def who_cites(symbol: str, pinpoint: str = "", limit: int = 50, offset: int = 0) -> dict:
    """`/api/references`: who cites a text (any symbol; with a pinpoint, that paragraph)."""
    if not symbol.strip() or "/" not in symbol:
        raise QueryError("give the symbol of the cited text, such as symbol=A/RES/70/1")
    with service().store() as st:
        resolver = service().resolver(st)
        targets, items, total, by_doc = resolver.who_cites(symbol, pinpoint.strip(), limit,
                                                           offset)
        key = normalize_symbol(symbol)
        shown = pick(targets, reader_langs()) if targets else None
        return {
            "symbol": key,
            "pinpoint": pinpoint.strip() or None,
            "url": official_link(key),
            "cited": ({"doc_id": shown.doc_id, "title": shown.meta.title or shown.file,
                       "symbol": shown.meta.symbol or None, "lang": shown.meta.lang}
                      if shown else None),
            "name": (shown.meta.title if shown else resolver.lineage.name(key, "en")) or None,
            "also_cited_as": sorted(resolver.equivalent(key) - {key}),
            "total": total,
            "offset": offset,
            "references": [c.json() for c in items],
            "documents": [{"doc_id": c.doc_id, "title": c.meta.title or c.file,
                           "symbol": c.meta.symbol or None, "lang": c.meta.lang, "count": n}
                          for c, n in by_doc],
        }


def cited_names(counts: dict[str, int]) -> list[dict]:
    """The `cites` facet for people: each cited symbol with its name and count."""
    if not counts:
        return []
    with service().store() as st:
        lineage = service().resolver(st).lineage
        lang = reader_langs()[0]
        return [{"symbol": s, "count": n, "name": lineage.name(s, lang)}
                for s, n in counts.items()]


def cited_name(symbol: str) -> str:
    """The name of one cited text ("" when unknown): the `cites:` filter's label."""
    found = cited_names({normalize_symbol(symbol): 0})
    return found[0]["name"] if found else ""


# ------------------------------------------------------------------ marked text


def marked_paragraphs(text: str, links: list[Link]) -> list[Markup]:
    """The passage's paragraphs (its lines) as HTML: every piece escaped, each reference a
    link (to the paragraph or document it cites in search, else its official text) around a
    <mark>. References on the same words are one mark (its first reference's link);
    overlapping ones keep the first."""
    spans: list[tuple[int, int, Link]] = []
    for link in sorted(links, key=lambda k: (k.ref.start, -k.ref.end)):
        if spans and link.ref.start < spans[-1][1]:
            continue
        spans.append((link.ref.start, link.ref.end, link))
    out: list[Markup] = []
    line: list[str] = []
    pos = 0

    def flush_text(upto: int) -> None:
        nonlocal pos
        chunk = text[pos:upto]
        parts = chunk.split("\n")
        for k, part in enumerate(parts):
            line.append(str(escape(part)))
            if k < len(parts) - 1:
                _end_line()
        pos = upto

    def _end_line() -> None:
        joined = "".join(line)
        if joined.strip():
            out.append(Markup(joined))
        line.clear()

    for n, (start, end, link) in enumerate(spans, 1):
        flush_text(start)
        words = str(escape(text[start:end]))
        href = _href(link)
        title = escape(link.name or link.ref.symbol or "")
        mark = f'<mark class="ref" id="ref-{n}">{words}</mark>'
        line.append(f'<a class="ref" href="{escape(href)}" title="{title}">{mark}</a>'
                    if href else mark)
        pos = end
    flush_text(len(text))
    _end_line()
    return out


def _href(link: Link) -> str:
    """Where a reference leads: its paragraph, else its document, in search; else its
    official text; "" when its symbol is not known."""
    if link.target_passage:
        return url_for("ui.passage", passage_id=link.target_passage)
    if link.target is not None:
        return url_for("ui.document", doc_id=link.target.doc_id)
    return link.url


# ------------------------------------------------------------------ the map


def map_specs(args) -> tuple[str, list[str]]:
    """(the first text, the texts it is compared with) a map request names; the GCM against
    the 2030 Agenda and the New Urban Agenda when it names none."""
    a = (args.get("a") or "").strip()
    bs = [b.strip() for b in args.getlist("b") if b.strip()] if hasattr(args, "getlist") \
        else [b for b in [(args.get("b") or "").strip()] if b]
    if not a and not bs:
        return DEFAULT_MAP[0], list(DEFAULT_MAP[1])
    if not a or not bs:
        raise QueryError("a map needs two texts: a= and b= (a symbol such as A/RES/70/1, a "
                         "work id or a document id)")
    if len(bs) > MAX_MAPS:
        raise QueryError("a map compares one text with at most %(n)s others", n=MAX_MAPS)
    for spec in (a, *bs):
        if len(spec) > 200:
            raise QueryError("a text is named by its symbol, work id or document id")
    return a, bs


def maps(args, suggest: bool = True) -> list[coherence.Map]:
    a, bs = map_specs(args)
    return [coherence.coherence_map(service(), a, b, reader_langs(), suggest=suggest)
            for b in bs]


def unit_label(unit: coherence.Unit) -> str:
    """How a unit is named in the map (translated words, the document's numbers)."""
    from flask_babel import gettext

    from search_app.views import para_filter

    if unit.key == coherence.WHOLE:
        return gettext("the whole text")
    if unit.key.startswith("obj-"):
        return gettext("Objective %(n)s", n=unit.key[4:])
    if unit.key.startswith("goal-"):
        return gettext("Goal %(n)s", n=unit.key[5:])
    if unit.key.startswith("t-"):
        return gettext("target %(label)s", label=unit.key[2:])
    if unit.key.startswith("pre-"):
        return gettext("preamble, para. %(label)s", label=unit.key[4:])
    return para_filter(unit.label)


def map_view(m: coherence.Map) -> dict:
    """A map as the page shows it: rows (units of the first text that have links), columns
    (of the second), and each cell's counts."""
    rows, cols = m.rows(), m.columns()
    return {"map": m, "rows": rows, "columns": cols,
            "label": unit_label, "cited": sum(c.cited for c in m.cells.values()),
            "suggested": sum(c.suggested for c in m.cells.values())}


def cell_pairs(m: coherence.Map, a: str, b: str) -> coherence.Cell:
    cell = m.cell(a, b)
    if cell is None:
        from indexer.errors import NotFound

        raise NotFound("no link between these two parts of the texts")
    return cell


def _csv_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


MAP_COLUMNS = ("text_a", "unit_a", "text_b", "unit_b", "link", "references", "score",
               "passages_a", "passages_b")


def map_rows(ms: list[coherence.Map]) -> list[dict]:
    """One row per cell and kind of link (cited, suggested): the CSV and GraphML exports."""
    out = []
    for m in ms:
        for (a, b), cell in sorted(m.cells.items(), key=lambda kv: (
                m.a.units[kv[0][0]].order, m.b.units[kv[0][1]].order)):
            for kind in ("cited", "suggested"):
                pairs = [p for p in cell.pairs if p.kind == kind]
                if not pairs:
                    continue
                out.append({
                    "text_a": m.a.name, "unit_a": unit_label(m.a.units[a]),
                    "text_b": m.b.name, "unit_b": unit_label(m.b.units[b]),
                    "link": kind, "references": len(pairs) if kind == "cited" else 0,
                    "score": max(p.score for p in pairs) if kind == "suggested" else "",
                    "passages_a": " ".join(dict.fromkeys(p.a.passage_id for p in pairs if p.a)),
                    "passages_b": " ".join(dict.fromkeys(p.b.passage_id for p in pairs if p.b)),
                    "_keys": (m.a.spec, a, m.b.spec, b)})
    return out


def map_csv(ms: list[coherence.Map]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(MAP_COLUMNS)
    for row in map_rows(ms):
        w.writerow([_csv_cell(row[c]) for c in MAP_COLUMNS])
    return "\ufeff" + buf.getvalue()


GRAPHML = "http://graphml.graphdrawing.org/xmlns"


def map_graphml(ms: list[coherence.Map]) -> str:
    """The maps as one GraphML graph: a node per unit of each text (its text and label), an
    edge per cell and kind of link (`link`: cited or suggested; `references`; `score`)."""
    ET.register_namespace("", GRAPHML)
    root = ET.Element(f"{{{GRAPHML}}}graphml")
    keys = (("text", "node", "string"), ("label", "node", "string"),
            ("link", "edge", "string"), ("references", "edge", "int"),
            ("score", "edge", "double"))
    for name, where, kind in keys:
        ET.SubElement(root, f"{{{GRAPHML}}}key", {"id": name, "for": where,
                                                   "attr.name": name, "attr.type": kind})
    graph = ET.SubElement(root, f"{{{GRAPHML}}}graph", {"id": "coherence",
                                                        "edgedefault": "undirected"})
    nodes: set[str] = set()

    def node(text: str, spec: str, key: str, label: str) -> str:
        ident = f"{spec}#{key}"
        if ident not in nodes:
            nodes.add(ident)
            n = ET.SubElement(graph, f"{{{GRAPHML}}}node", {"id": ident})
            for k, v in (("text", text), ("label", label)):
                ET.SubElement(n, f"{{{GRAPHML}}}data", {"key": k}).text = v
        return ident

    for k, row in enumerate(map_rows(ms)):
        spec_a, a, spec_b, b = row["_keys"]
        source = node(row["text_a"], spec_a, a, row["unit_a"])
        target = node(row["text_b"], spec_b, b, row["unit_b"])
        e = ET.SubElement(graph, f"{{{GRAPHML}}}edge", {"id": f"e{k}", "source": source,
                                                         "target": target})
        for name in ("link", "references", "score"):
            if row[name] != "":
                ET.SubElement(e, f"{{{GRAPHML}}}data", {"key": name}).text = str(row[name])
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            + ET.tostring(root, encoding="unicode") + "\n")


def map_json(ms: list[coherence.Map]) -> dict:
    return {"maps": [{
        "a": _side_json(m.a), "b": _side_json(m.b),
        "links": [{k: v for k, v in row.items() if not k.startswith("_")}
                  for row in map_rows([m])]} for m in ms]}


def _side_json(s: coherence.Side) -> dict:
    return {"spec": s.spec, "name": s.name, "doc_id": s.shown.doc_id if s.shown else None,
            "lang": s.shown.meta.lang if s.shown else None,
            "symbols": sorted(s.symbols), "found": s.found}
