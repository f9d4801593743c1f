"""Page and API details of issue 11 (item 5): the first results visible without scrolling at
1280x900 with the charts beside them, `other` translated, `dir="auto"` on the search box,
no dead "Copy citation" button without JavaScript, and an OpenAPI description that says what
the API does (content types of the citation files, 405 answers with `Allow`)."""

from __future__ import annotations

import re

pytest_plugins = ["web_fixtures"]


def _html(resp) -> str:
    assert resp.status_code == 200, resp.status_code
    return resp.get_data(as_text=True)


def test_first_results_visible_without_scrolling_at_1280x900(live_server, browser, artifacts):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(live_server + "/search?q=remittances+migrants")
    page.wait_for_selector("ol.hits li.hit")
    page.screenshot(path=str(artifacts / "search-1280x900.png"))
    first = page.locator("ol.hits li.hit").first.bounding_box()
    assert first["y"] + first["height"] <= 900, first  # the whole first hit, unscrolled
    second = page.locator("ol.hits li.hit").nth(1).bounding_box()
    assert second["y"] < 900, second  # and the start of the next one
    # the charts stay one glance away: beside the results, in the first screen
    chart = page.locator("figure.chart").first.bounding_box()
    assert chart["y"] < 900 and chart["x"] > first["x"] + first["width"], (chart, first)
    assert page.locator("#q").is_visible() and page.locator("#f-series").is_visible()


def test_other_series_is_translated(client):
    for lang, word in (("fr", "autre"), ("es", "otra")):
        html = _html(client.get(f"/search?q=hostile&lang_ui={lang}"))
        assert re.search(rf">{word} \(\d+\)</option>", html), lang  # the series select
        assert re.search(rf'class="label">{word}</text>', html), lang  # the chart
        assert f"<span>{word}</span>" in html, lang  # the hit's series
        assert ">other<" not in html and ">other (" not in html, lang


def test_search_box_takes_its_direction_from_the_text(client):
    html = _html(client.get("/search?q=%D8%A7%D9%84%D9%87%D8%AC%D8%B1%D8%A9"))
    assert re.search(r'<input type="search" id="q"[^>]*\bdir="auto"', html)


def test_copy_citation_only_with_javascript(client, live_server, browser):
    pid = client.get("/api/search?q=transaction+costs&lang=en").get_json()["hits"][0][
        "passage_id"]
    html = _html(client.get(f"/p/{pid}"))
    assert re.search(r'<button type="button" class="copy"[^>]*\bhidden\b', html)
    for javascript in (False, True):
        context = browser.new_context(java_script_enabled=javascript)
        page = context.new_page()
        page.goto(f"{live_server}/p/{pid}")
        button = page.get_by_role("button", name="Copy citation", include_hidden=True)
        assert button.is_visible() is javascript
        assert page.locator("#citation-text").is_visible()  # the citation itself always shows
        context.close()


def test_openapi_citation_content_types_match_the_responses(client):
    spec = client.get("/api/openapi.json").get_json()
    content = spec["paths"]["/api/passages/{passage_id}/cite.{fmt}"]["get"]["responses"][
        "200"]["content"]
    assert set(content) == {"application/x-bibtex", "application/x-research-info-systems",
                            "application/vnd.citationstyles.csl+json"}
    pid = client.get("/api/search?q=transaction+costs&lang=en").get_json()["hits"][0][
        "passage_id"]
    for fmt in ("bib", "ris", "json"):
        resp = client.get(f"/api/passages/{pid}/cite.{fmt}")
        assert resp.status_code == 200 and resp.mimetype in content, (fmt, resp.mimetype)


def test_openapi_says_when_q_is_required(client):
    spec = client.get("/api/openapi.json").get_json()
    (q,) = [p for p in spec["paths"]["/api/search"]["get"]["parameters"] if p["name"] == "q"]
    # q may be left out when a filter is given (series=NUA browses a series), never both
    assert q["x-required-unless"] == ["lang", "series", "year", "doc", "cites", "topic"]
    assert "400" in q["description"]
    assert client.get("/api/search").status_code == 400
    assert client.get("/api/search?q=").status_code == 400
    assert client.get("/api/search?series=NUA").status_code == 200


def test_method_not_allowed_names_the_allowed_methods(client):
    for path in ("/api/search?q=x", "/search?q=x", "/api/openapi.json"):
        resp = client.post(path)
        assert resp.status_code == 405, path
        allowed = {m.strip() for m in resp.headers.get("Allow", "").split(",")}
        assert "GET" in allowed, (path, dict(resp.headers))
    assert client.delete("/api/search?q=x").headers["Content-Type"].startswith(
        "application/json")


def test_the_passage_facts_word_the_paragraph_in_the_page_language(app, client):
    """Every passage page of the index gives its paragraph as the citation words it in the
    page's language (labels.locator), never the stored label (`preamble 3`, `16(a)`)."""
    from flask_babel import force_locale, gettext
    from markupsafe import escape

    from indexer.labels import locator
    from search_app import service as app_service

    with app.app_context():
        with app_service().store() as st:
            passages = [p for d in st.documents() for p in st.passages(d.doc_id)
                        if p.label]
    assert passages
    for p in passages:
        for lang, word in (("en", "para. "), ("fr", "par. "), ("es", "párr. ")):
            with app.test_request_context(), force_locale(lang):
                expected = locator(p.label, say=gettext)
            assert word in expected or not p.label[:1].isdigit(), expected
            html = _html(client.get(f"/p/{p.passage_id}?lang_ui={lang}"))
            facts = re.search(r'<dl class="facts">(.*?)</dl>', html, re.S).group(1)
            assert f"<dd>{escape(expected)}</dd>" in facts, (p.passage_id, lang, facts)
