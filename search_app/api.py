"""JSON API under /api. Errors are `{"error": {"status": N, "message": "..."}}` (see
create_app's error handler)."""

from __future__ import annotations

import csv
import io
import json

from flask import Blueprint, Response, jsonify, request

from indexer.query import limits
from search_app import service
from search_app.citations import CITE_FORMATS
from search_app.openapi import openapi_for
from search_app.params import document_view, passage_view, search_request

bp = Blueprint("api", __name__, url_prefix="/api")

EXPORT_COLUMNS = ("passage_id", "doc_id", "title", "symbol", "series", "lang", "year", "date",
                  "page", "paragraph", "section", "text", "citation", "score", "url", "file")


@bp.get("/search")
def search():
    return jsonify(service().search(search_request(request.args)).to_json())


def _export_hits() -> tuple[dict, list[dict]]:
    """Up to `limit` hits (limits.export_size: default 100, at most the export_max_hits
    setting), fetched a web page's worth (web_max_per_page) at a time."""
    settings = service().settings
    req = search_request(request.args, per_page=settings.web_max_per_page)
    limit = limits.export_size(request.args.get("limit"), settings)
    req.per_page, req.page = settings.web_max_per_page, 1
    first = service().search(req)
    hits = [h.to_json() for h in first.hits]
    while len(hits) < min(limit, first.total):
        req.page += 1
        more = service().search(req)
        if not more.hits:
            break
        hits.extend(h.to_json() for h in more.hits)
    head = first.to_json()
    del head["hits"], head["page"], head["per_page"]
    return head, hits[:limit]


def _attachment(body: str, content_type: str, name: str) -> Response:
    resp = Response(body, content_type=content_type)
    resp.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return resp


def _csv_cell(value) -> str:
    text = "" if value is None else str(value)
    # Spreadsheets run cells that start like a formula; a leading apostrophe stops that.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@bp.get("/search.csv")
def search_csv():
    _, hits = _export_hits()
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(EXPORT_COLUMNS)
    for h in hits:
        w.writerow([_csv_cell(h.get(c)) for c in EXPORT_COLUMNS])
    # UTF-8 with a BOM so spreadsheet programs read accents correctly.
    return _attachment("\ufeff" + buf.getvalue(), "text/csv; charset=utf-8",
                       "dialogue-search-results.csv")


@bp.get("/search.json")
def search_json():
    head, hits = _export_hits()
    head["exported"] = len(hits)
    head["hits"] = hits
    body = json.dumps(head, ensure_ascii=False, indent=1)
    return _attachment(body, "application/json; charset=utf-8",
                       "dialogue-search-results.json")


@bp.get("/passages/<passage_id>")
def passage(passage_id: str):
    view = passage_view(passage_id, similar=5)
    view.pop("_objects")
    view.pop("_links")
    return jsonify(view)


@bp.get("/passages/<passage_id>/cite.<any(bib, ris, json):fmt>")
def passage_cite(passage_id: str, fmt: str):
    key, mimetype = CITE_FORMATS[fmt]
    body = passage_view(passage_id, 0, 0)["citation"][key]
    return _attachment(body, mimetype, f"{passage_id}.{fmt}")


@bp.get("/documents")
def documents():
    from search_app.citations import document_json

    docs = [document_json(d) for d in service().documents()]
    return jsonify({"total": len(docs), "documents": docs})


@bp.get("/documents/<doc_id>")
def document(doc_id: str):
    return jsonify(document_view(doc_id))


@bp.get("/references")
def references():
    """Who cites a text: `symbol` (any symbol it answers to), optionally `pinpoint` (`target
    10.7`, `para. 23`); the citing passages a page at a time, and every citing document
    with its count."""
    from search_app.references import who_cites

    raw = request.args.get("limit") or ""
    limit = limits.whole_number(raw, "limit", 1, service().settings.web_max_per_page) \
        if raw.strip() else 50
    raw = request.args.get("offset") or ""
    offset = limits.whole_number(raw, "offset", 0, service().settings.max_result_depth) \
        if raw.strip() else 0
    return jsonify(who_cites(request.args.get("symbol", ""), request.args.get("pinpoint", ""),
                             limit, offset))


@bp.get("/map")
def coherence_map():
    """The coherence map of a text against others (`a`, one or more `b`) as JSON."""
    from search_app.references import map_json, maps

    return jsonify(map_json(maps(request.args)))


@bp.get("/map.<any(csv, graphml):fmt>")
def coherence_map_export(fmt: str):
    """The coherence map as CSV (a row per cell and kind of link) or GraphML."""
    from search_app.references import map_csv, map_graphml, maps

    found = maps(request.args)
    if fmt == "csv":
        return _attachment(map_csv(found), "text/csv; charset=utf-8", "coherence-map.csv")
    return _attachment(map_graphml(found), "application/graphml+xml; charset=utf-8",
                       "coherence-map.graphml")


@bp.get("/topics")
def topics():
    from indexer.query.thesaurus import load_thesaurus

    return jsonify({"topics": [{"name": t.name, "label": t.label}
                               for t in load_thesaurus().load_topics()]})


def _comparison():
    from indexer.versions import works as versions
    from search_app.comparing import check_compare_size

    a, b = request.args.get("a", ""), request.args.get("b", "")
    limits.check_compare_filter(request.args.get("only", ""), service().settings)
    check_compare_size(a, b)
    with service().store() as st:
        return versions.compare(st, a, b)


@bp.get("/compare")
def compare():
    """Two documents aligned paragraph by paragraph, with word diffs (the JSON contract of
    indexer.versions.compare.Comparison.to_json)."""
    _, _, comparison = _comparison()
    return jsonify(comparison.to_json(only=request.args.get("only", "")))


@bp.get("/compare.<any(md, csv):fmt>")
def compare_export(fmt: str):
    """The comparison as a Markdown briefing note or a CSV file."""
    from indexer.versions import export

    a, b, comparison = _comparison()
    only = request.args.get("only", "")
    name = f"compare-{a.doc_id}-{b.doc_id}"
    if fmt == "md":
        return _attachment(export.markdown(a, b, comparison, only=only),
                           "text/markdown; charset=utf-8", name + ".md")
    return _attachment(export.csv_text(comparison, only=only), "text/csv; charset=utf-8",
                       name + ".csv")


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_for(service().settings))
