"""The JSON API over a real index: shapes, filters, errors, exports, citations, OpenAPI."""

from __future__ import annotations

import ast
import csv
import io
import json
import re
from pathlib import Path

import pytest
from openapi_check import response_errors

pytest_plugins = ["web_fixtures"]

HIT_KEYS = {"passage_id", "doc_id", "title", "series", "symbol", "lang", "page", "paragraph",
            "section", "text", "snippet", "score", "file", "citation", "versions"}
SECURITY = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY"}


def _error(resp, status: int) -> str:
    assert resp.status_code == status, resp.data[:300]
    assert resp.mimetype == "application/json"
    body = resp.get_json()
    assert set(body) == {"error"}
    assert body["error"]["status"] == status
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]["message"]


def _first_hit(client, q: str, **params) -> dict:
    body = client.get("/api/search", query_string={"q": q, **params}).get_json()
    assert body["hits"], body
    return body["hits"][0]


# ---------------------------------------------------------------- search


def test_search_shape(client):
    resp = client.get("/api/search?q=remittances")
    assert resp.status_code == 200
    body = resp.get_json()
    assert set(body) >= {"query", "total", "page", "per_page", "elapsed_ms", "hits", "facets"}
    assert body["query"] == "remittances" and body["total"] >= 3
    assert body["page"] == 1 and body["per_page"] == 10
    for h in body["hits"]:
        assert HIT_KEYS <= set(h)
    # (a hit may match on its section heading only, so not every snippet has a mark)
    assert "<mark>" in body["hits"][0]["snippet"]
    assert set(body["facets"]) == {"series", "lang", "year", "doc", "cites"}
    # facets count passages; the total counts results (one per paragraph across languages)
    assert sum(body["facets"]["lang"].values()) >= body["total"] > 0


def test_search_hit_fields_for_citation(client):
    h = _first_hit(client, "transaction costs", lang="en")
    assert h["symbol"] == "A/99/L.1"
    assert h["series"] == "GCM"
    assert h["paragraph"] == "2"
    assert h["page"] is None  # a text file without page furniture has no pages
    assert h["lang"] == "en"
    assert h["section"].endswith("I. Remittances")
    assert "para. 2" in h["citation"] and "A/99/L.1" in h["citation"]


def test_search_filters(client):
    fr = client.get("/api/search?q=migrants&lang=fr").get_json()
    assert fr["total"] >= 1 and {h["lang"] for h in fr["hits"]} == {"fr"}
    gcm = client.get("/api/search?q=migrants&series=GCM").get_json()
    assert {h["series"] for h in gcm["hits"]} == {"GCM"}
    years = client.get("/api/search?q=migrants&year=2015-2017").get_json()
    assert years["total"] >= 1 and set(years["facets"]["year"]) == {"2016"}
    inline = client.get("/api/search", query_string={"q": "migrants lang:fr"}).get_json()
    assert inline["total"] == fr["total"]
    doc_id = gcm["hits"][0]["doc_id"]
    within = client.get(f"/api/search?q=migrants&doc={doc_id}").get_json()
    assert {h["doc_id"] for h in within["hits"]} == {doc_id}


def test_search_filter_only_and_sort_by_date(client):
    body = client.get("/api/search?series=NUA").get_json()
    assert body["total"] >= 3 and {h["series"] for h in body["hits"]} == {"NUA"}
    dated = client.get("/api/search?q=migrants&sort=date&per_page=50").get_json()
    years = [h["year"] for h in dated["hits"]]
    assert years == sorted(years, reverse=True)


def test_search_pagination(client):
    one = client.get("/api/search?q=migrants&per_page=2&page=1").get_json()
    two = client.get("/api/search?q=migrants&per_page=2&page=2").get_json()
    assert one["total"] == two["total"] > 2
    assert len(one["hits"]) == 2 and two["page"] == 2
    assert not {h["passage_id"] for h in one["hits"]} & {h["passage_id"] for h in two["hits"]}


@pytest.mark.parametrize("query", [
    "", "q=", "q=migrants&per_page=0", "q=migrants&per_page=101", "q=migrants&page=0",
    "q=migrants&page=two", "q=migrants&sort=popular", "q=migrants&year=last",
])
def test_search_bad_requests_are_400_json(client, query):
    _error(client.get("/api/search?" + query), 400)


def test_query_over_limit_is_400(client):
    message = _error(client.get("/api/search", query_string={"q": "migrants " * 112}), 400)
    assert "1000" in message


# (file, paragraph) of every hit (one page holds them all in this small index)
MIGRA = {("remittances.en.txt", "1"), ("remittances.en.txt", "2(b)"),
         ("remittances.en.txt", "3"), ("remittances.en.txt", "4"),
         ("autorites.fr.html", "1"), ("autorites.fr.html", "2"), ("autorites.fr.html", "3"),
         ("hostile.en.txt", "1"), ("hostile.en.txt", "2")}  # migrants, migration, migratoires
REMITTANCE = {("remittances.en.txt", "¶ 1"), ("remittances.en.txt", "1"),
              ("remittances.en.txt", "2"), ("remittances.en.txt", "2(a)"),
              ("remittances.en.txt", "5"), ("hostile.en.txt", "2")}


@pytest.mark.parametrize("q,found", [
    # an unclosed quote is not an error: the words are searched (a phrase of absent words
    # finds nothing; of present ones, the paragraph that has them)
    ('"unclosed phrase', set()),
    ('"transaction costs', {("remittances.en.txt", "2")}),
    # operators or brackets alone name no words: no results, not an error
    ("AND OR NOT", set()),
    ("(((", set()),
    # a prefix finds every word it starts (French versions of English paragraphs shown once)
    ("migra*", MIGRA),
    # a fuzzy word finds remittance(s), never spelled `remitances` in the corpus
    ("remitances~", REMITTANCE),
    # accents folded: `autorites` is `autorités`
    ("autorites", {("autorites.fr.html", "1")}),
])
def test_odd_syntax_gives_its_results_not_an_error(client, q, found):
    resp = client.get("/api/search", query_string={"q": q})
    assert resp.status_code == 200, (q, resp.data[:300])
    body = resp.get_json()
    hits = {(h["file"], h["paragraph"]) for h in body["hits"]}
    assert hits == found and body["total"] == len(found) == len(body["hits"]), body


def test_accent_folding_finds_french(client):
    body = client.get("/api/search?q=autorites&lang=fr").get_json()
    assert body["total"] >= 1


# ---------------------------------------------------------------- passages, documents


def test_passage_with_context_and_citations(client):
    h = _first_hit(client, "transaction costs", lang="en")
    resp = client.get(f"/api/passages/{h['passage_id']}")
    assert resp.status_code == 200
    body = resp.get_json()
    assert set(body) == {"passage", "document", "context", "citation", "versions",
                         "more_like_this", "replaced_by", "cites", "cited_by",
                         "cited_by_documents", "cited_by_total"}
    p = body["passage"]
    assert p["passage_id"] == h["passage_id"] and p["paragraph"] == "2"
    assert p["section_path"][-1] == "I. Remittances"
    assert body["document"]["symbol"] == "A/99/L.1" and body["document"]["year"] == 2018
    before, after = body["context"]["before"], body["context"]["after"]
    assert before and after
    assert before[-1]["ordinal"] == p["ordinal"] - 1 and after[0]["ordinal"] == p["ordinal"] + 1
    cite = body["citation"]
    assert cite["text"] == h["citation"]
    assert cite["bibtex"].startswith("@misc{") and "number = {A/99/L.1}" in cite["bibtex"]
    assert "year = {2018}" in cite["bibtex"] and "para. 2" in cite["bibtex"]
    assert cite["ris"].startswith("TY  - GEN\r\n") and cite["ris"].endswith("ER  - \r\n")
    assert "PY  - 2018" in cite["ris"] and "DA  - 2018/12/19" in cite["ris"]
    csl = json.loads(cite["csl_json"])
    assert csl[0]["title"] == "Remittances and local development, para. 2"
    assert csl[0]["issued"] == {"date-parts": [[2018, 12, 19]]}
    assert csl[0]["number"] == "A/99/L.1"


def test_passage_lists_other_language_versions(client):
    h = _first_hit(client, "transaction costs", lang="en")
    body = client.get(f"/api/passages/{h['passage_id']}").get_json()
    [fr] = body["versions"]
    assert fr["lang"] == "fr" and fr["title"] == "Envois de fonds et développement local"
    same = client.get(f"/api/passages/{fr['passage_id']}").get_json()["passage"]
    assert same["paragraph"] == "2" and same["lang"] == "fr" and "3 pour cent" in same["text"]
    other = _first_hit(client, "hostile markup")
    assert client.get(f"/api/passages/{other['passage_id']}").get_json()["versions"] == []


@pytest.mark.parametrize("fmt,mime", [("bib", "application/x-bibtex"),
                                      ("ris", "application/x-research-info-systems"),
                                      ("json", "application/vnd.citationstyles.csl+json")])
def test_citation_downloads(client, fmt, mime):
    h = _first_hit(client, "transaction costs", lang="en")
    resp = client.get(f"/api/passages/{h['passage_id']}/cite.{fmt}")
    assert resp.status_code == 200
    assert resp.mimetype == mime
    assert resp.headers["Content-Disposition"] == (
        f'attachment; filename="{h["passage_id"]}.{fmt}"')
    assert "A/99/L.1" in resp.get_data(as_text=True)


def test_bibtex_escapes_special_characters(client):
    h = _first_hit(client, "hostile")
    bib = client.get(f"/api/passages/{h['passage_id']}/cite.bib").get_data(as_text=True)
    title = re.search(r"title = \{(.*)\},", bib).group(1)
    assert "{" not in title.replace(r"\{", "") and "}" not in title.replace(r"\}", "")


def test_unknown_ids_are_404_json(client):
    _error(client.get("/api/passages/nope-1"), 404)
    _error(client.get("/api/passages/nope-1/cite.bib"), 404)
    _error(client.get("/api/documents/dnope"), 404)
    _error(client.get("/api/no-such-route"), 404)
    assert client.get("/api/passages/x/cite.doc").status_code == 404


def test_wrong_method_is_json_405(client):
    _error(client.post("/api/search?q=x"), 405)


def test_documents_list_and_outline(client):
    body = client.get("/api/documents").get_json()
    assert body["total"] == 4 == len(body["documents"])
    by_key = {(d["symbol"], d["lang"]): d for d in body["documents"]}
    doc = by_key["A/99/L.1", "en"]
    assert doc["series"] == "GCM" and doc["lang"] == "en" and doc["passages"] >= 7
    detail = client.get(f"/api/documents/{doc['doc_id']}").get_json()
    assert detail["document"] == doc
    sections = [s["section_path"][-1] for s in detail["outline"] if s["section_path"]]
    assert "I. Remittances" in sections and "II. Local authorities" in sections
    labels = [x["paragraph"] for s in detail["outline"] for x in s["passages"]]
    assert labels[labels.index("2"):][:3] == ["2", "2(a)", "2(b)"]


# ---------------------------------------------------------------- exports


def test_csv_export(client):
    total = client.get("/api/search?q=migrants").get_json()["total"]
    resp = client.get("/api/search.csv?q=migrants")
    assert resp.status_code == 200
    assert resp.mimetype == "text/csv"
    assert resp.headers["Content-Disposition"].startswith("attachment;")
    text = resp.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text[1:])))
    assert len(rows) == total
    assert {"passage_id", "citation", "text", "paragraph", "page", "symbol"} <= set(rows[0])


def test_csv_export_defuses_formulas(client):
    text = client.get("/api/search.csv", query_string={"q": "spreadsheet formulas"}) \
        .get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text[1:])))
    cells = [r["text"] for r in rows if "HYPERLINK" in r["text"]]
    assert cells and all(not c.startswith("=") for c in cells)


def test_json_export_limit(client):
    resp = client.get("/api/search.json?q=migrants&limit=3")
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    assert "attachment" in resp.headers["Content-Disposition"]
    body = json.loads(resp.get_data(as_text=True))
    assert body["exported"] == 3 == len(body["hits"]) and body["total"] > 3
    _error(client.get("/api/search.json?q=migrants&limit=0"), 400)
    _error(client.get("/api/search.csv?q=migrants&limit=5000"), 400)
    _error(client.get("/api/search.csv?q="), 400)


# ---------------------------------------------------------------- OpenAPI, headers, wiring


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def test_openapi_lists_exactly_the_api_routes(app, client):
    spec = client.get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    routes = {_openapi_path(r.rule) for r in app.url_map.iter_rules()
              if r.rule.startswith("/api/")}
    assert routes == set(spec["paths"])
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            methods = {m.lower() for m in rule.methods - {"HEAD", "OPTIONS"}}
            assert methods == set(spec["paths"][_openapi_path(rule.rule)])


SCHEMA_QUERIES = [
    {"q": "remittances"},  # expansions, facets
    {"q": "transaction costs", "lang": "en"},  # a hit with a French version
    {"q": "autorités locales"},  # French query, English and Spanish expansions
    {"q": "migrants", "sort": "date", "per_page": "50"},
    {"q": "migrants", "page": "2", "per_page": "2"},
    {"series": "NUA"},  # filter only
    {"topic": "local-authorities"},
    {"q": "remittanses"},  # a suggestion
    {"q": "zzzqqq"},  # no hits
]


@pytest.mark.parametrize("params", SCHEMA_QUERIES, ids=lambda p: "&".join(
    f"{k}={v}" for k, v in p.items()))
def test_search_json_matches_the_openapi_schema(client, params):
    spec = client.get("/api/openapi.json").get_json()
    resp = client.get("/api/search", query_string=params)
    assert resp.status_code == 200
    body = resp.get_json()
    assert response_errors(spec, "/api/search", body) == []
    if params.get("lang") == "en":
        assert body["hits"][0]["versions"], "the fixture has language versions"


def test_search_json_with_copies_and_no_year_matches_the_openapi_schema(tmp_path):
    from indexer import config, library
    from search_app import create_app

    corpus = tmp_path / "c"
    corpus.mkdir()
    para = ("1. Involve local authorities and relevant stakeholders in the identification, "
            "referral and assistance of migrants who are victims of trafficking in persons, "
            "and in the sharing of information on local {s}.\n")
    (corpus / "a.txt").write_text(para.format(s="services"), encoding="utf-8")
    (corpus / "b.txt").write_text(para.format(s="service"), encoding="utf-8")
    settings = config.load(index_dir=str(tmp_path / "data"))
    library.build(corpus, settings, workers=1)
    client = create_app({"SETTINGS": settings, "TESTING": True}).test_client()
    spec = client.get("/api/openapi.json").get_json()
    body = client.get("/api/search?q=local+authorities").get_json()
    [hit] = body["hits"]
    assert len(hit["copies"]) == 1 and hit["year"] is None
    assert response_errors(spec, "/api/search", body) == []


def test_other_api_json_matches_the_openapi_schema(client):
    spec = client.get("/api/openapi.json").get_json()
    h = _first_hit(client, "transaction costs", lang="en")
    view = client.get(f"/api/passages/{h['passage_id']}").get_json()
    assert view["versions"] and view["more_like_this"]
    for route, url in (("/api/passages/{passage_id}", f"/api/passages/{h['passage_id']}"),
                       ("/api/documents", "/api/documents"),
                       ("/api/documents/{doc_id}", f"/api/documents/{h['doc_id']}"),
                       ("/api/topics", "/api/topics")):
        assert response_errors(spec, route, client.get(url).get_json()) == [], url


def test_the_schema_check_finds_undeclared_mistyped_and_missing_fields(client):
    spec = client.get("/api/openapi.json").get_json()
    body = client.get("/api/search?q=transaction+costs&lang=en").get_json()
    assert response_errors(spec, "/api/search", body) == []
    hit = body["hits"][0]
    copy = {"passage_id": "p-1", "doc_id": "d", "title": "t", "symbol": "s", "paragraph": "1"}
    broken = [
        {**body, "hits": [{**hit, "relevance": 1.0}]},  # undeclared
        {**body, "hits": [{**hit, "score": "0.5"}]},  # mistyped
        {**body, "hits": [{k: v for k, v in hit.items() if k != "copies"}]},  # missing
        {**body, "hits": [{**hit, "copies": [{**copy, "page": "2"}]}]},
        {**body, "hits": [{**hit, "copies": [{k: v for k, v in copy.items() if k != "doc_id"}]}]},
        {**body, "facets": {"lang": {"en": "3"}}},
        {k: v for k, v in body.items() if k != "total"},
    ]
    for b in broken:
        assert response_errors(spec, "/api/search", b), b


def test_security_headers_on_api_responses(client):
    for url in ("/api/search?q=migrants", "/api/search?q=", "/api/openapi.json",
                "/api/search.csv?q=migrants", "/api/passages/nope"):
        resp = client.get(url)
        for name, value in SECURITY.items():
            assert resp.headers[name] == value, (url, name)
        assert "default-src 'self'" in resp.headers["Content-Security-Policy"]
        assert "Referrer-Policy" in resp.headers


def test_missing_index_is_503(tmp_path):
    from search_app import create_app

    client = create_app({"INDEX_DIR": str(tmp_path / "empty")}).test_client()
    message = _error(client.get("/api/search?q=migrants"), 503)
    assert "build" in message
    resp = client.get("/")
    assert resp.status_code == 503 and resp.mimetype == "text/html"


def test_web_layer_never_imports_whoosh():
    root = Path(__file__).resolve().parents[1] / "search_app"
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not any(n.split(".")[0] == "whoosh" for n in names), path


def test_phrase_search(client):
    # Needs SearchService.parse to drop phrases on fields without positions (text_neutral,
    # section, title); before that Whoosh raised and the API answered 500.
    resp = client.get("/api/search", query_string={"q": '"transaction costs"', "lang": "en"})
    assert resp.status_code == 200
    hits = resp.get_json()["hits"]
    assert hits and hits[0]["paragraph"] == "2"
    assert all("transaction costs" in h["text"] for h in hits)


def test_topic_language_and_expansion_parameters(client):
    body = client.get("/api/search?q=remittances").get_json()
    assert {"query_lang", "suggestion", "expansions"} <= set(body)
    same = client.get("/api/search?q=remittances&same_language=1").get_json()
    assert same["total"] >= 1 and {h["lang"] for h in same["hits"]} == {"en"}
    plain = client.get("/api/search?q=remittances&expand=0").get_json()
    assert plain["expansions"] == {}
    topics = client.get("/api/topics").get_json()["topics"]
    assert topics and {"name", "label"} <= set(topics[0])
    assert "local-authorities" in {t["name"] for t in topics}
    by_topic = client.get("/api/search?topic=local-authorities").get_json()
    assert {(h["file"], h["paragraph"]) for h in by_topic["hits"]} == {
        ("remittances.en.txt", "3"), ("remittances.en.txt", "4"), ("autorites.fr.html", "1")}
    assert by_topic["total"] == 3
    _error(client.get("/api/search?q=x&topic=no-such-topic"), 400)
    _error(client.get("/api/search?q=x&same_language=maybe"), 400)
    _error(client.get("/api/search?q=x&expand=perhaps"), 400)


def test_hits_link_the_same_paragraph_in_other_languages(client):
    h = _first_hit(client, "transaction costs", lang="en")
    assert set(h["versions"]) == {"fr"}
    fr = client.get(f"/api/passages/{h['versions']['fr']}").get_json()["passage"]
    assert fr["paragraph"] == h["paragraph"] and fr["lang"] == "fr"


def test_passage_more_like_this(client):
    h = _first_hit(client, "transaction costs", lang="en")
    similar = client.get(f"/api/passages/{h['passage_id']}").get_json()["more_like_this"]
    assert 1 <= len(similar) <= 5
    for s in similar:
        assert HIT_KEYS <= set(s)
        assert s["passage_id"] != h["passage_id"] and s["text"] != h["text"]
    # the French version of the same paragraph shares the numbers and the symbol-like words
    assert any(s["lang"] == "fr" and "3 pour cent" in s["text"] for s in similar)
