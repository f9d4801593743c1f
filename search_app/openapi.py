"""The OpenAPI 3.1 description of the JSON API (served at /api/openapi.json), with the
bounds this server enforces filled in from its settings."""

from __future__ import annotations

import copy

from indexer.config import Settings
from indexer.query.limits import EXPORT_DEFAULT
from search_app.citations import CITE_FORMATS


def openapi_for(settings: Settings) -> dict:
    """OPENAPI with the bounds this server enforces (settings), not their defaults."""
    spec = copy.deepcopy(OPENAPI)
    bounds = {"per_page": settings.web_max_per_page, "limit": settings.export_max_hits,
              "page": settings.max_result_depth}
    for path in spec["paths"].values():
        for param in path.get("get", {}).get("parameters", []):
            if param["name"] in bounds:
                param["schema"]["maximum"] = bounds[param["name"]]
            if param["name"] == "q":
                param["schema"]["maxLength"] = settings.max_query_chars
    return spec


# ---------------------------------------------------------------- OpenAPI description

def _param(name: str, desc: str, schema: dict | None = None, where: str = "query",
           required: bool = False) -> dict:
    return {"name": name, "in": where, "required": required, "description": desc,
            "schema": schema or {"type": "string"}}


SEARCH_PARAMETERS = [
    _param("q", "Query text, within the server's bounds (settings max_query_chars, "
           "max_query_words, max_query_nesting, max_query_patterns; past one, a 400 says "
           "which). Words, \"phrases\", AND/OR/NOT, "
           "wildcards (migra*), fuzzy (migrant~), and inline filters lang:fr series:GCM "
           "year:2015-2018 symbol:A/73/L.66 doc:ID cites:A/RES/70/1. Required (and not blank) "
           "unless one of lang, series, year, doc, cites or topic is given: a request with "
           "neither is a 400. "
           "(OpenAPI cannot say `required unless another parameter is given`; "
           "x-required-unless lists those parameters.)",
           {"type": "string"}),
    _param("lang", "Only passages in these languages (comma-separated ISO codes)."),
    _param("series", "Only these series (comma-separated, e.g. GCM,SDG)."),
    _param("year", "A year (2018) or a range (2015-2018)."),
    _param("doc", "Only passages of this document id."),
    _param("cites", "Only passages citing these texts: UN symbols, comma-separated "
           "(A/RES/70/1); a text is found by any of its symbols (a draft's, the adopted "
           "resolution's). Inline: cites:A/RES/70/1."),
    _param("topic", "A topic preset (adds its query in the filter or query language); "
           "see /api/topics."),
    _param("same_language", "1: only passages in the query's own language, no expansion.",
           {"type": "integer", "enum": [0, 1], "default": 0}),
    _param("expand", "0: no cross-language expansion through the thesaurus.",
           {"type": "integer", "enum": [0, 1], "default": 1}),
    _param("page", "Result page, from 1; page x per_page at most the max_result_depth "
           "setting.", {"type": "integer", "minimum": 1, "default": 1}),
    _param("per_page", "Hits per page (the maximum is the web_max_per_page setting).",
           {"type": "integer", "minimum": 1, "default": 10}),
    _param("sort", "Order of hits.", {"type": "string", "enum": ["relevance", "date"],
                                      "default": "relevance"}),
]
SEARCH_PARAMETERS[0]["x-required-unless"] = ["lang", "series", "year", "doc", "cites", "topic"]
EXPORT_PARAMETERS = [p for p in SEARCH_PARAMETERS if p["name"] not in ("page", "per_page")] + [
    _param("limit", "How many hits to export (the maximum is the export_max_hits setting).",
           {"type": "integer", "minimum": 1, "default": EXPORT_DEFAULT})]

_ERR = {"$ref": "#/components/responses/Error"}
_HIT_PROPS = {k: {"type": "string"} for k in (
    "passage_id", "doc_id", "title", "series", "symbol", "lang", "paragraph", "section",
    "text", "snippet", "file", "citation", "date", "url", "locator", "author")}
# the printed page label; null where the source has no pages (HTML, Markdown, plain text)
_PAGE = {"type": ["string", "null"], "description": "printed page label; null where the "
         "source has no pages (HTML, Markdown, text without page furniture)"}
_HIT_PROPS["page"] = _PAGE
_COPY_PROPS = {k: {"type": "string"} for k in (
    "passage_id", "doc_id", "title", "symbol", "paragraph")}
_HIT_PROPS.update({"score": {"type": "number"}, "year": {"type": ["integer", "null"]},
                   "ocr": {"type": "boolean", "description": "true: the text was recognised "
                           "by OCR from a scanned page (check it against the original)"},
                   "versions": {"type": "object", "description": "language -> passage_id of "
                                "the same paragraph in the work's other language versions",
                                "additionalProperties": {"type": "string"}},
                   "copies": {"type": "array", "description": "Passages with the same or nearly "
                              "the same wording folded into this hit (another copy of the "
                              "document, a later text repeating the paragraph).",
                              "items": {"type": "object", "properties": _COPY_PROPS,
                                        "required": list(_COPY_PROPS)}}})
_RESULT_PROPS = {
    "query": {"type": "string"}, "total": {"type": "integer"},
    "query_lang": {"type": "string"},
    "suggestion": {"type": "string", "description": "did you mean, or empty"},
    "expansions": {"type": "object", "description": "language -> terms added through the "
                   "thesaurus", "additionalProperties": {"type": "array",
                                                         "items": {"type": "string"}}},
    "page": {"type": "integer"}, "per_page": {"type": "integer"},
    "elapsed_ms": {"type": "number"},
    "hits": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}},
    "facets": {"type": "object", "description": "lang, series, year, doc, cites: value -> "
               "number of hits (doc: the 200 documents with the most hits; cites: the 50 "
               "texts these passages cite most, by symbol)",
               "additionalProperties": {"type": "object",
                                        "additionalProperties": {"type": "integer"}}}}
_DOC_PROPS = {**{k: {"type": "string"} for k in (
    "doc_id", "title", "series", "symbol", "lang", "date", "version", "work", "url", "file",
    "format", "added", "publisher", "author")}, "year": {"type": ["integer", "null"]},
    "passages": {"type": "integer"}}
_PASSAGE_PROPS = {**{k: {"type": "string"} for k in (
    "passage_id", "doc_id", "paragraph", "section", "lang", "text", "locator")},
    "page": _PAGE,
    "ordinal": {"type": "integer"}, "physical_page": {"type": "integer"},
    "ocr": {"type": "boolean", "description": "true: recognised by OCR from a scanned page"},
    "section_path": {"type": "array", "items": {"type": "string"}}}


_NULLABLE = {"type": ["string", "null"]}
# a passage's reference: what it cites (issue 23); null where nothing is resolved
_CITES_PROPS = {
    "symbol": {**_NULLABLE, "description": "the cited text's UN symbol (normalized: "
               "A/RES/70/1, S/RES/1325(2000)); null when it could not be identified"},
    "label": {**_NULLABLE, "description": "the pinpoint: target 10.c, Goal 10, Objective "
              "23, Article 14, para. 23, annex V, para. 21; null for the whole text"},
    "verb": {**_NULLABLE, "description": "the clause verb, an English key (recall, "
             "reaffirm, take note, decide, request, call upon ...)"},
    "verb_text": {**_NULLABLE, "description": "the clause verb as written"},
    "text": {"type": "string", "description": "the words of the reference in the passage"},
    "start": {"type": "integer", "description": "offset of the words in the passage text"},
    "end": {"type": "integer"},
    "kind": {"type": "string", "enum": ["symbol", "resolution", "instrument", "pinpoint"]},
    "doc_id": {**_NULLABLE, "description": "the cited document in the index (in the "
               "reader's language where it has that version); null when not indexed"},
    "passage_id": {**_NULLABLE, "description": "the paragraph the pinpoint names; null "
                   "without a pinpoint or when not found"},
    "paragraph": {**_NULLABLE, "description": "that paragraph's label"},
    "title": {**_NULLABLE, "description": "the cited text's title or name"},
    "url": {**_NULLABLE, "description": "its official link (undocs.org)"}}
# a reference elsewhere to a passage or its document
_CITER_PROPS = {
    "symbol": {**_NULLABLE, "description": "the citing document's symbol"},
    "label": {**_NULLABLE, "description": "the citing passage's label"},
    "verb": _NULLABLE, "verb_text": _NULLABLE,
    "text": {"type": "string", "description": "the words of the reference"},
    "start": {"type": "integer"}, "end": {"type": "integer"},
    "doc_id": {"type": "string", "description": "the citing document"},
    "passage_id": {"type": "string", "description": "the citing passage"},
    "title": {"type": "string"}, "lang": {"type": "string"},
    "cited": {**_NULLABLE, "description": "the symbol it cites"},
    "pinpoint": {**_NULLABLE, "description": "the pinpoint it names"},
    "whole_document": {"type": "boolean", "description": "true: it cites the document as "
                       "a whole, not this paragraph"}}
_CITING_DOC_PROPS = {"doc_id": {"type": "string"}, "title": {"type": "string"},
                     "symbol": _NULLABLE, "lang": {"type": "string"},
                     "count": {"type": "integer", "description": "its references"}}
_CITING_DOC = {"type": "object", "properties": _CITING_DOC_PROPS,
               "required": list(_CITING_DOC_PROPS)}
_DOC_CITES_PROPS = {"symbol": {"type": "string"}, "count": {"type": "integer"},
                    "text": {"type": "string", "description": "the words of its first "
                             "reference"},
                    "doc_id": _NULLABLE, "title": _NULLABLE,
                    "url": {"type": "string", "description": "official link (undocs.org)"}}
_MAP_SIDE_PROPS = {"spec": {"type": "string"}, "name": {"type": "string"},
                   "doc_id": _NULLABLE, "lang": _NULLABLE,
                   "symbols": {"type": "array", "items": {"type": "string"}},
                   "found": {"type": "boolean", "description": "false: not in the index"}}
_MAP_LINK_PROPS = {
    "text_a": {"type": "string"}, "unit_a": {"type": "string"},
    "text_b": {"type": "string"}, "unit_b": {"type": "string"},
    "link": {"type": "string", "enum": ["cited", "suggested"], "description": "cited: "
             "explicit references; suggested: shared wording, never a citation"},
    "references": {"type": "integer"},
    "score": {"type": ["number", "string"], "description": "suggested: the share of wording "
              "(0 to 1); empty for cited"},
    "passages_a": {"type": "string", "description": "passage ids, space-separated"},
    "passages_b": {"type": "string"}}
MAP_PARAMETERS = [
    _param("a", "The first text: a UN symbol it answers to (A/RES/73/195, A/73/L.66), a work "
           "id or a document id (with b; both absent: the GCM against the 2030 Agenda and "
           "the New Urban Agenda)"),
    _param("b", "A text to compare it with (repeat for up to 4)")]

_SIDE = {"type": ["object", "null"], "description": "The passage on this side, or null (added "
         "or removed)", "properties": {k: {"type": "string"} for k in (
             "passage_id", "label", "text", "section", "page")},
         "required": ["passage_id", "label", "text", "section", "page"]}
_PAIR_PROPS = {
    "status": {"type": "string", "enum": ["unchanged", "changed", "added", "removed"]},
    "a": _SIDE, "b": _SIDE,
    "diff": {"type": "array", "description": "Word diff from a to b, in order (the text of b "
             "is the equal and insert parts; of a, the equal and delete parts); for a split "
             "or merged paragraph, the part of the diff that falls in this row",
             "items": {"type": "object", "properties": {
                 "op": {"type": "string", "enum": ["equal", "insert", "delete"]},
                 "text": {"type": "string"}}, "required": ["op", "text"]}},
    "similarity": {"type": "number", "description": "Dice coefficient of the two passages' "
                   "word bigrams (0 to 1; for a split or merged part, the share of the part "
                   "found in its paragraph)"},
    "moved": {"type": "boolean", "description": "paired out of the two texts' common order"},
    "part": {"type": ["string", "null"], "enum": ["split", "merged", None],
             "description": "split: a's paragraph became several in b (one row each); "
             "merged: several of a's became one in b"}}
_SUMMARY = {"type": "object", "properties": {k: {"type": "integer"} for k in (
    "unchanged", "changed", "added", "removed", "moved", "split", "merged")},
    "required": ["unchanged", "changed", "added", "removed", "moved", "split", "merged"]}
COMPARE_PARAMETERS = [
    _param("a", "Document id of the older version", required=True),
    _param("b", "Document id of the newer version", required=True),
    _param("only", "Only the pairs where either side has these words in a row (case and "
           "accents ignored; a word may be the start of a longer one)")]


def _ok(desc: str, schema: dict, mime: str = "application/json") -> dict:
    return {"description": desc, "content": {mime: {"schema": schema}}}


OPENAPI: dict = {
    "openapi": "3.1.0",
    "info": {"title": "Dialogue Search API", "version": "1",
             "description": "Search passages of UN texts on migration and development."},
    "paths": {
        "/api/search": {"get": {
            "summary": "Search passages", "parameters": SEARCH_PARAMETERS,
            "responses": {"200": _ok("One page of hits with facets",
                                     {"$ref": "#/components/schemas/SearchResult"}),
                          "400": _ERR, "503": _ERR}}},
        "/api/search.csv": {"get": {
            "summary": "Download hits as CSV (UTF-8 with BOM)", "parameters": EXPORT_PARAMETERS,
            "responses": {"200": _ok("CSV file", {"type": "string"}, "text/csv"),
                          "400": _ERR, "503": _ERR}}},
        "/api/search.json": {"get": {
            "summary": "Download hits as a JSON file", "parameters": EXPORT_PARAMETERS,
            "responses": {"200": _ok("JSON file", {"type": "object"}),
                          "400": _ERR, "503": _ERR}}},
        "/api/passages/{passage_id}": {"get": {
            "summary": "A passage with its document, context and citations",
            "parameters": [_param("passage_id", "Passage id", where="path", required=True)],
            "responses": {"200": _ok("Passage", {"$ref": "#/components/schemas/PassageView"}),
                          "404": _ERR, "410": _ERR, "503": _ERR}}},
        "/api/passages/{passage_id}/cite.{fmt}": {"get": {
            "summary": "Download the passage's citation: BibTeX (bib), RIS (ris) or CSL-JSON "
                       "(json)",
            "parameters": [
                _param("passage_id", "Passage id", where="path", required=True),
                _param("fmt", "Format", {"type": "string", "enum": ["bib", "ris", "json"]},
                       where="path", required=True)],
            "responses": {"200": {"description": "Citation file: BibTeX, RIS or CSL-JSON, as "
                                  "the extension says",
                                  "content": {mime.split(";")[0]: {"schema": schema}
                                              for mime, schema in (
                                      (CITE_FORMATS["bib"][1], {"type": "string"}),
                                      (CITE_FORMATS["ris"][1], {"type": "string"}),
                                      (CITE_FORMATS["json"][1], {"type": "array",
                                                                 "items": {"type": "object"}}))}},
                          "404": _ERR, "503": _ERR}}},
        "/api/documents": {"get": {
            "summary": "Every document in the index",
            "responses": {"200": _ok("Documents", {"type": "object", "properties": {
                "total": {"type": "integer"},
                "documents": {"type": "array",
                              "items": {"$ref": "#/components/schemas/Document"}}}}),
                "503": _ERR}}},
        "/api/documents/{doc_id}": {"get": {
            "summary": "A document's metadata and outline (sections with paragraph labels)",
            "parameters": [_param("doc_id", "Document id", where="path", required=True)],
            "responses": {"200": _ok("Document", {"type": "object", "properties": {
                "document": {"$ref": "#/components/schemas/Document"},
                "outline": {"type": "array", "items": {"type": "object"}},
                "replaced_by": {"$ref": "#/components/schemas/ReplacedBy"},
                "cites": {"type": "array", "description": "The texts it cites, each once, "
                          "most references first", "items": {
                              "type": "object", "properties": _DOC_CITES_PROPS,
                              "required": list(_DOC_CITES_PROPS)}},
                "cited_by": {"type": "array", "description": "The documents citing it, most "
                             "references first", "items": _CITING_DOC}}}),
                "404": _ERR, "410": _ERR, "503": _ERR}}},
        "/api/references": {"get": {
            "summary": "Who cites a text: the passages citing it (a page at a time) and every "
                       "citing document with its count; a text is found by any of its "
                       "symbols (a draft's, the adopted resolution's), indexed or not",
            "parameters": [
                _param("symbol", "The cited text's UN symbol (A/RES/70/1)", required=True),
                _param("pinpoint", "Only references naming this paragraph: target 10.7, "
                       "Goal 10, Objective 23, Article 14, para. 23"),
                _param("limit", "Citing passages in this answer (the maximum is the "
                       "web_max_per_page setting)", {"type": "integer", "minimum": 1,
                                                     "default": 50}),
                _param("offset", "Citing passages to skip", {"type": "integer", "minimum": 0,
                                                             "default": 0})],
            "responses": {"200": _ok("Who cites it", {"$ref":
                                                      "#/components/schemas/References"}),
                          "400": _ERR, "503": _ERR}}},
        "/api/map": {"get": {
            "summary": "The coherence map of a text against others: links between their "
                       "parts, cited (explicit references) or suggested (shared wording)",
            "parameters": MAP_PARAMETERS,
            "responses": {"200": _ok("Maps", {"$ref": "#/components/schemas/Maps"}),
                          "400": _ERR, "404": _ERR, "503": _ERR}}},
        "/api/map.{fmt}": {"get": {
            "summary": "Download the coherence map: CSV (a row per cell and kind of link) or "
                       "GraphML (a node per part, an edge per link)",
            "parameters": MAP_PARAMETERS + [
                _param("fmt", "Format", {"type": "string", "enum": ["csv", "graphml"]},
                       where="path", required=True)],
            "responses": {"200": {"description": "CSV or GraphML, as the extension says",
                                  "content": {"text/csv": {"schema": {"type": "string"}},
                                              "application/graphml+xml": {
                                                  "schema": {"type": "string"}}}},
                          "400": _ERR, "404": _ERR, "503": _ERR}}},
        "/api/topics": {"get": {
            "summary": "Topic presets usable as the topic parameter, with labels by language",
            "responses": {"200": _ok("Topics", {"type": "object", "properties": {
                "topics": {"type": "array", "items": {"type": "object", "properties": {
                    "name": {"type": "string"},
                    "label": {"type": "object",
                              "additionalProperties": {"type": "string"}}}}}}})}}},
        "/api/compare": {"get": {
            "summary": "Two versions aligned paragraph by paragraph, with word diffs; pairs in "
                       "reading order (the newer text's, removed paragraphs where they stood)",
            "parameters": COMPARE_PARAMETERS,
            "responses": {"200": _ok("Comparison", {"$ref": "#/components/schemas/Comparison"}),
                          "400": _ERR, "404": _ERR, "503": _ERR}}},
        "/api/compare.{fmt}": {"get": {
            "summary": "Download the comparison: a Markdown briefing note (md; deletions "
                       "~~struck~~, insertions **bold**) or CSV (csv; one row per pair)",
            "parameters": COMPARE_PARAMETERS + [
                _param("fmt", "Format", {"type": "string", "enum": ["md", "csv"]},
                       where="path", required=True)],
            "responses": {"200": _ok("File", {"type": "string"}, "text/plain"),
                          "400": _ERR, "404": _ERR, "503": _ERR}}},
        "/api/openapi.json": {"get": {
            "summary": "This description",
            "responses": {"200": _ok("OpenAPI 3.1 document", {"type": "object"})}}},
    },
    "components": {
        "responses": {"Error": _ok("Error", {"type": "object", "properties": {
            "error": {"type": "object", "properties": {
                "status": {"type": "integer"}, "message": {"type": "string"}}}}})},
        "schemas": {
            # every field is always present (empty string, list or object when it has none)
            "Hit": {"type": "object", "properties": _HIT_PROPS, "required": list(_HIT_PROPS)},
            "SearchResult": {"type": "object", "properties": _RESULT_PROPS,
                             "required": list(_RESULT_PROPS)},
            "Document": {"type": "object", "properties": _DOC_PROPS,
                         "required": list(_DOC_PROPS)},
            "Passage": {"type": "object", "properties": _PASSAGE_PROPS,
                        "required": list(_PASSAGE_PROPS)},
            "PassageView": {"type": "object", "required": [
                "passage", "document", "context", "citation", "versions", "more_like_this",
                "replaced_by", "cites", "cited_by", "cited_by_documents", "cited_by_total"],
                "properties": {
                "cites": {"type": "array", "description": "What the passage cites, in "
                          "reading order", "items": {"$ref": "#/components/schemas/Cites"}},
                "cited_by": {"type": "array", "description": "Passages elsewhere citing this "
                             "paragraph (first) or its document (up to 200)",
                             "items": {"$ref": "#/components/schemas/CitedBy"}},
                "cited_by_documents": {"type": "array", "description": "Every citing "
                                       "document with its count", "items": _CITING_DOC},
                "cited_by_total": {"type": "integer"},
                "passage": {"$ref": "#/components/schemas/Passage"},
                "document": {"$ref": "#/components/schemas/Document"},
                "context": {"type": "object", "properties": {
                    "before": {"type": "array",
                               "items": {"$ref": "#/components/schemas/Passage"}},
                    "after": {"type": "array",
                              "items": {"$ref": "#/components/schemas/Passage"}}}},
                "citation": {"type": "object", "properties": {
                    k: {"type": "string"} for k in ("text", "bibtex", "ris", "csl_json")}},
                "versions": {"type": "array", "description": "Other language versions of the "
                             "same work; passage_id, paragraph and text are those of the "
                             "paragraph with the same label, or null",
                             "items": {"type": "object", "properties": {
                                 "doc_id": {"type": "string"}, "lang": {"type": "string"},
                                 "title": {"type": "string"}, "version": {"type": "string"},
                                 "passage_id": {"type": ["string", "null"]},
                                 "paragraph": {"type": ["string", "null"]},
                                 "text": {"type": ["string", "null"]}}}},
                "more_like_this": {"type": "array", "description": "Up to 5 passages of other "
                                   "texts worded most like this one",
                                   "items": {"$ref": "#/components/schemas/Hit"}},
                "replaced_by": {"$ref": "#/components/schemas/ReplacedBy"}}},
            "Comparison": {"type": "object", "required": ["a", "b", "summary", "pairs"],
                           "properties": {
                               "a": {"type": "string"}, "b": {"type": "string"},
                               "summary": _SUMMARY,
                               "pairs": {"type": "array", "items": {
                                   "type": "object", "properties": _PAIR_PROPS,
                                   "required": list(_PAIR_PROPS)}},
                               "only": {"type": "string", "description": "the filter, when "
                                        "given (summary then counts the pairs shown)"},
                               "summary_all": {**_SUMMARY, "description": "with a filter: "
                                               "the counts of every pair"}}},
            "Cites": {"type": "object", "properties": _CITES_PROPS,
                      "required": list(_CITES_PROPS)},
            "CitedBy": {"type": "object", "properties": _CITER_PROPS,
                        "required": list(_CITER_PROPS)},
            "References": {"type": "object", "required": [
                "symbol", "pinpoint", "url", "cited", "name", "also_cited_as", "total",
                "offset", "references", "documents"], "properties": {
                "symbol": {"type": "string"}, "pinpoint": _NULLABLE,
                "url": {"type": "string", "description": "official link (undocs.org)"},
                "cited": {"type": ["object", "null"], "description": "the cited text in the "
                          "index (the reader's language version), null when not indexed",
                          "properties": {"doc_id": {"type": "string"},
                                         "title": {"type": "string"}, "symbol": _NULLABLE,
                                         "lang": {"type": "string"}}},
                "name": _NULLABLE,
                "also_cited_as": {"type": "array", "items": {"type": "string"},
                                  "description": "other symbols of the same text"},
                "total": {"type": "integer"}, "offset": {"type": "integer"},
                "references": {"type": "array",
                               "items": {"$ref": "#/components/schemas/CitedBy"}},
                "documents": {"type": "array", "items": _CITING_DOC}}},
            "Maps": {"type": "object", "required": ["maps"], "properties": {
                "maps": {"type": "array", "items": {
                    "type": "object", "required": ["a", "b", "links"], "properties": {
                        "a": {"type": "object", "properties": _MAP_SIDE_PROPS,
                              "required": list(_MAP_SIDE_PROPS)},
                        "b": {"type": "object", "properties": _MAP_SIDE_PROPS,
                              "required": list(_MAP_SIDE_PROPS)},
                        "links": {"type": "array", "items": {
                            "type": "object", "properties": _MAP_LINK_PROPS,
                            "required": list(_MAP_LINK_PROPS)}}}}}}},
            "ReplacedBy": {"type": ["object", "null"], "description": "For a document replaced "
                           "by a newer revision (kept so citations can be checked): the newest "
                           "revision, and in it the paragraph with the same label or null",
                           "properties": {k: {"type": ["string", "null"]} for k in (
                               "doc_id", "title", "version", "passage_id")}},
        },
    },
}


# alerts: the saved searches' API in this description (search_app/alerts_api.py, issue 24)
from search_app.alerts_api import extend as _extend_with_alerts  # noqa: E402

_extend_with_alerts(OPENAPI)
