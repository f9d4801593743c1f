"""The HTML pages over a real index: content, escaping of hostile text, filters, languages,
security headers, a real socket under waitress, and (when Chromium is there) a browser."""

from __future__ import annotations

import io
import re
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

pytest_plugins = ["web_fixtures"]

# the same strings as in web_fixtures.FILES (the hostile document)
HOSTILE_SCRIPT = "<script>alert(1)</script>"
HOSTILE_IMG = "<img src=x onerror=alert(1)>"

PROJECT = Path(__file__).resolve().parents[1]
TRANSLATIONS = PROJECT / "search_app" / "translations"


def _html(resp, status: int = 200) -> str:
    assert resp.status_code == status, resp.data[:500]
    assert resp.mimetype == "text/html"
    return resp.get_data(as_text=True)


def _passage_id(client, q: str) -> str:
    return client.get("/api/search", query_string={"q": q}).get_json()["hits"][0]["passage_id"]


class _Tags(HTMLParser):
    """Every start tag with its attributes, and any text inside <script> elements."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.script_text = ""
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.script_text += data


def _assert_no_inline_script(html: str) -> None:
    parser = _Tags()
    parser.feed(html)
    parser.close()
    for tag, attrs in parser.tags:
        assert tag not in ("img", "iframe", "object", "embed"), (tag, attrs)
        if tag == "script":
            assert re.fullmatch(r"/static/[\w.-]+\.js", attrs.get("src") or ""), attrs
        assert not [a for a in attrs if a.startswith("on")], (tag, attrs)  # event handlers
        assert "style" not in attrs, (tag, attrs)
    assert not parser.script_text.strip()


# ---------------------------------------------------------------- pages


def test_home_is_an_empty_search_form(client):
    html = _html(client.get("/"))
    assert '<label for="q">' in html and 'id="q" name="q"' in html
    assert 'class="hits"' not in html
    for name in ("lang", "series", "year"):
        assert f'<label for="f-{name}">' in html
    assert '<option value="fr"' in html and '<option value="NUA"' in html  # from documents
    _assert_no_inline_script(html)


def test_search_page_lists_hits(client):
    html = _html(client.get("/search?q=remittances+costs"))
    assert "<mark>" in html
    assert re.search(r"\d+ passages", html)
    assert re.search(r'class="time">· [\d,]+\.\d ms', html)
    assert "A/99/L.1" in html
    assert "para. 2" in html and "p. 1" not in html  # a text file without pages
    assert '<span class="badge"' in html and ">en</abbr>" in html
    assert re.search(r'href="/p/d[0-9a-f]+-2"', html)
    assert re.search(r'href="/d/d[0-9a-f]+"', html)
    assert 'value="remittances costs"' in html
    _assert_no_inline_script(html)


def test_filters_show_counts_from_facets(client):
    facets = client.get("/api/search?q=migrants").get_json()["facets"]
    html = _html(client.get("/search?q=migrants"))
    for lang, count in facets["lang"].items():
        assert re.search(rf'<option value="{lang}"\s*>[^<]* \({count}\)</option>', html)
    for series, count in facets["series"].items():
        assert f"{series} ({count})" in html
    html = _html(client.get("/search?q=migrants&lang=fr"))
    assert re.search(r'<option value="fr" selected>Français \(\d+\)', html)
    badges = re.findall(r'<span class="badge"[^>]*><abbr title="[^"]+">(\w+)</abbr>', html)
    assert badges and set(badges) == {"fr"}


def test_filter_from_link_stays_selected_even_without_hits(client):
    html = _html(client.get("/search?q=migrants&year=1999"))
    assert '<option value="1999" selected>1999</option>' in html
    assert "No passage matched “migrants”." in html


def test_pagination_and_sort(client):
    html = _html(client.get("/search?q=migrants&per_page=1"))
    assert 'aria-current="page"' in html
    assert re.search(r'href="/search\?q=migrants&amp;page=2&amp;per_page=1" rel="next"', html)
    html = _html(client.get("/search?q=migrants&per_page=1&page=2&sort=date"))
    assert 'rel="prev"' in html
    assert '<option value="date" selected>' in html


def test_charts_are_accessible_svg(client):
    html = _html(client.get("/search?q=migrants"))
    charts = re.findall(r"<svg\b.*?</svg>", html, re.S)
    assert len(charts) == 2
    for svg in charts:
        assert 'role="img"' in svg
        m = re.search(r'aria-labelledby="([^"]+)"', svg)
        assert m and f'<title id="{m.group(1)}">' in svg
        assert re.search(r'class="count">\d+</text>', svg)
    assert re.search(r"<title[^>]*>Passages by year: [^<]*2018: \d+", html)


def test_hostile_document_text_is_shown_as_text(client):
    pages = [client.get("/search?q=hostile"), client.get("/search?q=markup")]
    pid = _passage_id(client, "hostile markup")
    pages.append(client.get(f"/p/{pid}"))
    doc_id = pid.rsplit("-", 1)[0]
    pages.append(client.get(f"/d/{doc_id}"))
    pages.append(client.get(f"/search?q=migrants&doc={doc_id}"))
    for resp in pages:
        html = _html(resp)
        assert HOSTILE_SCRIPT not in html and "<img" not in html
        assert "alert(1)" in html  # shown, as text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        _assert_no_inline_script(html)
    assert "&lt;img src=x onerror=alert(1)&gt;" in _html(client.get(f"/p/{pid}"))


def test_hostile_query_is_escaped(client):
    for url in (f"/search?q={HOSTILE_SCRIPT}", f"/search?q={HOSTILE_IMG}&lang=%22%3E%3Cb%3E",
                "/search?q=" + "x" * 1001 + HOSTILE_SCRIPT):
        resp = client.get(url)
        html = resp.get_data(as_text=True)
        assert HOSTILE_SCRIPT not in html and "<img" not in html and "<b>" not in html
        _assert_no_inline_script(html)


def test_passage_page(client):
    pid = client.get("/api/search?q=transaction+costs&lang=en").get_json()["hits"][0][
        "passage_id"]
    html = _html(client.get(f"/p/{pid}"))
    assert 'class="passage"' in html and "transaction costs" in html
    assert html.count('class="around"') >= 2  # context before and after
    assert "I. Remittances" in html  # section path
    assert "<dt>Paragraph</dt><dd>para. 2</dd>" in html and "<dt>Page</dt>" not in html
    assert 'id="citation-text"' in html and "para. 2" in html
    assert 'class="copy" data-copy="citation-text"' in html
    assert '<script src="/static/copy.js" defer></script>' in html
    for fmt in ("bib", "ris", "json"):
        assert f'href="/api/passages/{pid}/cite.{fmt}" download' in html
    assert "Other languages" in html and re.search(r'hreflang="fr">Français · para. 2</a>', html)
    assert "Envois" in html.split("side-by-side", 1)[1]  # the French text itself, beside
    _assert_no_inline_script(html)


def test_document_page_outline_and_search_within(client):
    pid = _passage_id(client, "transaction costs")
    doc_id = pid.rsplit("-", 1)[0]
    html = _html(client.get(f"/d/{doc_id}"))
    assert "Remittances and local development" in html and "A/99/L.1" in html
    assert "I. Remittances" in html and "II. Local authorities" in html
    assert f'<input type="hidden" name="doc" value="{doc_id}">' in html
    assert f'href="/p/{pid}"' in html
    within = _html(client.get(f"/search?q=migrants&doc={doc_id}"))
    assert "Searching within:" in within and "Remittances and local development" in within
    assert "Les autorités locales" not in within


def test_help_page_lists_query_syntax(client):
    html = _html(client.get("/help"))
    for example in ("lang:fr", "series:GCM", "year:2015-2018", "migra*", '"local authorities"'):
        assert example in html


def test_html_errors(client):
    html = _html(client.get("/p/nope-1"), 404)
    assert "Not found" in html and "nope-1" in html
    html = _html(client.get("/d/nope"), 404)
    _html(client.get("/no/such/page"), 404)
    html = _html(client.get("/search", query_string={"q": "migrants " * 120}), 400)
    assert "1000" in html and 'id="q"' in html  # the form, to try again
    _html(client.get("/search?q=migrants&page=x"), 400)


def test_security_headers_on_every_response(client):
    pid = _passage_id(client, "migrants")
    for url in ("/", "/search?q=migrants", f"/p/{pid}", "/help", "/static/style.css",
                "/static/copy.js", "/nope", "/api/search?q=migrants"):
        resp = client.get(url)
        csp = resp.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp
        assert "unsafe-inline" not in csp
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["X-Frame-Options"] == "DENY"
        assert resp.headers["Referrer-Policy"]
        resp.close()


def test_phone_width_css_and_focus_styles():
    css = (PROJECT / "search_app" / "static" / "style.css").read_text(encoding="utf-8")
    assert "@media (max-width:" in css and ":focus-visible" in css


# ---------------------------------------------------------------- languages


def test_ui_language_from_parameter_then_cookie(app):
    client = app.test_client()
    html = _html(client.get("/search?q=migrants&lang_ui=fr"))
    assert '<html lang="fr">' in html and "Rechercher dans les textes" in html
    assert re.search(r"\d+ passages", html)
    assert client.get_cookie("ui_lang").value == "fr"
    html = _html(client.get("/help"))  # the cookie keeps French
    assert "Comment chercher" in html
    html = _html(client.get("/help?lang_ui=es"))
    assert "Cómo buscar" in html and client.get_cookie("ui_lang").value == "es"
    assert '<a href="/help?lang_ui=fr" lang="fr" hreflang="fr"' in html  # the visible switch


def test_ui_language_from_accept_language(client):
    html = _html(client.get("/search?q=migrants", headers={"Accept-Language": "es-ES,es;q=0.9"}))
    assert '<html lang="es">' in html and "Buscar en los textos" in html
    assert re.search(r"\d+ pasajes", html)
    html = _html(client.get("/", headers={"Accept-Language": "de, fr;q=0.5"}))
    assert '<html lang="fr">' in html
    html = _html(client.get("/?lang_ui=xx", headers={"Accept-Language": "ru"}))
    assert '<html lang="en">' in html


def test_catalogs_complete_and_compiled():
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with (TRANSLATIONS / "messages.pot").open("rb") as fh:
        template = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}
    for lang in ("fr", "es"):
        po = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        ids = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}
        assert ids == template, lang
        for m in catalog:
            if m.id:
                strings = m.string if isinstance(m.string, tuple) else (m.string,)
                assert all(strings) and not m.fuzzy, (lang, m.id)
        buf = io.BytesIO()
        write_mo(buf, catalog, use_fuzzy=False)
        assert buf.getvalue() == po.with_suffix(".mo").read_bytes(), f"recompile {lang}"


def test_every_ui_string_is_in_the_template_catalog():
    from babel.messages.extract import extract_from_file

    with (TRANSLATIONS / "messages.pot").open("rb") as fh:
        from babel.messages.pofile import read_po

        known = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}
    sources = [("jinja2.ext:babel_extract", p)
               for p in (PROJECT / "search_app" / "templates").rglob("*.html")]
    sources += [("python", p) for p in (PROJECT / "search_app").glob("*.py")]
    assert len(sources) > 20
    for method, path in sources:
        for _, msg, _, _ in extract_from_file(method, str(path)):
            first = msg if isinstance(msg, str) else msg[0]
            assert first in known, (path.name, first)


# ---------------------------------------------------------------- real server


def test_waitress_serves_over_a_real_socket(live_server):
    with urllib.request.urlopen(f"{live_server}/search?q=migrants", timeout=10) as resp:
        assert resp.status == 200
        assert resp.headers["Server"] == "dialogue-search"
        assert resp.headers["X-Frame-Options"] == "DENY"
        html = resp.read().decode("utf-8")
    assert "<mark>" in html
    with urllib.request.urlopen(f"{live_server}/api/openapi.json", timeout=10) as resp:
        assert resp.headers["Content-Type"].startswith("application/json")


# ---------------------------------------------------------------- browser


def test_browser_search_passage_and_french(live_server, browser, artifacts):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("dialog", lambda d: errors.append("dialog: " + d.message))
    page.goto(live_server + "/")
    page.get_by_label("Search the texts").fill("remittances migrants")
    page.keyboard.press("Enter")
    page.wait_for_selector("ol.hits mark")
    assert page.locator("ol.hits mark").count() > 0
    page.screenshot(path=str(artifacts / "search.png"), full_page=True)

    page.locator("ol.hits .hit-title a").first.click()
    page.wait_for_selector("blockquote.passage")
    page.get_by_role("button", name="Copy citation").click()
    page.screenshot(path=str(artifacts / "passage.png"), full_page=True)

    page.get_by_role("navigation", name="Interface language").get_by_role(
        "link", name="Français").click()
    page.wait_for_selector("html[lang=fr]")
    assert page.get_by_role("heading", name="Citer ce passage").is_visible()
    page.goto(live_server + "/search?q=hostile")
    assert page.get_by_text("alert(1)").first.is_visible()
    assert "Rechercher dans les textes" in page.content()  # cookie kept French
    page.screenshot(path=str(artifacts / "french.png"), full_page=True)
    assert not [e for e in errors if "favicon" not in e], errors


def test_topic_select_same_language_and_versions(client):
    html = _html(client.get("/search?q=transaction+costs&lang=en"))
    assert '<label for="f-topic">' in html and '<label for="f-same">' in html
    assert re.search(r'Same paragraph in:\s*<a href="/p/[^"]+" hreflang="fr" lang="fr">Français',
                     html)
    html = _html(client.get("/search?q=remitances"))
    assert re.search(r'Did you mean: <a href="/search\?q=remittances">remittances</a>', html)
    topic = client.get("/api/topics").get_json()["topics"][0]
    html = _html(client.get(f"/search?topic={topic['name']}&lang_ui=fr"))
    assert f'<option value="{topic["name"]}" selected>{topic["label"]["fr"]}</option>' in html
    html = _html(client.get("/search?q=migrants&same_language=1"))
    assert 'name="same_language" value="1" checked' in html


# ---------------------------------------------------------------- originals


def _doc_ids(client) -> dict[str, str]:
    return {d["format"]: d["doc_id"] for d in client.get("/api/documents").get_json()["documents"]}


def test_pdf_original_inline_and_linked_at_its_page(originals_app):
    client = originals_app.test_client()
    doc_id = _doc_ids(client)["pdf"]
    with client.get(f"/d/{doc_id}/original") as resp:
        assert resp.status_code == 200 and resp.mimetype == "application/pdf"
        assert resp.data.startswith(b"%PDF-")
        assert not resp.headers.get("Content-Disposition", "").startswith("attachment")
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]
    html = _html(client.get(f"/d/{doc_id}"))
    assert f'href="/d/{doc_id}/original"' in html and "Download the original" in html
    hit = client.get("/api/search?q=diaspora+bonds").get_json()["hits"][0]
    assert hit["doc_id"] == doc_id and hit["page"] == "2"
    html = _html(client.get(f"/p/{hit['passage_id']}"))
    assert f'href="/d/{doc_id}/original#page=2">Open the original at this page</a>' in html


def test_html_original_is_an_attachment(originals_app):
    client = originals_app.test_client()
    doc_id = _doc_ids(client)["html"]
    with client.get(f"/d/{doc_id}/original") as resp:
        assert resp.status_code == 200
        assert resp.headers["Content-Disposition"].startswith("attachment;")
        assert "page.en.html" in resp.headers["Content-Disposition"]
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in resp.headers["Content-Security-Policy"]
        assert HOSTILE_SCRIPT.encode() in resp.data  # the file as stored, never rendered
    html = _html(client.get(f"/d/{doc_id}"))
    assert f'href="/d/{doc_id}/original" class="original" download>' in html


def test_original_of_unknown_or_crafted_id_is_404(originals_app):
    client = originals_app.test_client()
    for url in ("/d/..%2F..%2Fetc%2Fpasswd/original", "/d/../../etc/passwd/original",
                "/d/dnope/original", "/d/%2Fetc%2Fpasswd/original"):
        resp = client.get(url)
        assert resp.status_code == 404, url
        assert b"root:" not in resp.data


def test_passage_page_more_like_this(client):
    pid = _passage_id(client, "transaction costs")
    similar = client.get(f"/api/passages/{pid}").get_json()["more_like_this"]
    html = _html(client.get(f"/p/{pid}"))
    assert '<h2 id="similar-heading">More like this</h2>' in html
    section = html.split('id="similar-heading"', 1)[1].split("</section>", 1)[0]
    assert [f'href="/p/{s["passage_id"]}"' in section for s in similar] == [True] * len(similar)
    assert f'href="/p/{pid}"' not in section
    _assert_no_inline_script(html)
    html = _html(client.get(f"/p/{pid}?lang_ui=fr"))
    assert "Passages semblables" in html


def _empty_block(html: str) -> str:
    m = re.search(r'<div class="empty">(.*?)</div>', html, re.S)
    assert m, "no empty-result explanation"
    return m.group(1)


def test_empty_results_explain_and_offer_wider_searches(client):
    html = _html(client.get("/search?q=remitances&lang=fr"))
    assert re.search(r'<h2 id="results-heading" role="status">\s*0 passages', html)
    empty = _empty_block(html)
    assert "No passage matched “remitances”." in empty
    assert re.search(r'Did you mean: <a href="/search\?q=remittances&amp;lang=fr">remittances</a>',
                     empty)
    assert html.count("Did you mean:") == 1
    assert '<a href="/search?q=remitances">without the filter Language: Français</a>' in empty

    html = _html(client.get("/search?q=migrants&year=1999&series=GCM&expand=0"))
    empty = _empty_block(html)
    assert "without the filter Year: 1999" in empty and "without the filter Series: GCM" in empty
    assert '<a href="/search?q=migrants&amp;expand=0">without any filter</a>' in empty
    assert ('<a href="/search?q=migrants&amp;series=GCM&amp;year=1999">with the same words in '
            "other languages too</a>") in empty

    empty = _empty_block(_html(client.get("/search?q=zzzqqq&same_language=1")))
    assert ('<a href="/search?q=zzzqqq">in every language, not only the language of my '
            "query</a>") in empty

    empty = _empty_block(_html(client.get("/search?year=1999")))
    assert "No passage matched these filters." in empty and '<a href="/">' in empty

    html = _html(client.get("/search?q=remitances&lang=fr&lang_ui=fr"))
    assert "Aucun passage ne correspond à «\u00a0remitances\u00a0»." in _empty_block(html)
    assert 'class="empty"' not in _html(client.get("/search?q=migrants"))


def test_numbers_and_dates_follow_the_ui_language(app, client):
    from flask import render_template_string

    tpl = "{{ 1234567|number }}|{{ 12.345|number(1) }}|{{ '2018-12-19'|ui_date }}|" \
          "{{ '2018-12'|ui_date }}|{{ '2016'|ui_date }}|{{ 'n.d.'|ui_date }}"
    expected = {"en": "1,234,567|12.3|December 19, 2018|December 2018|2016|n.d.",
                "fr": "1\u202f234\u202f567|12,3|19 décembre 2018|décembre 2018|2016|n.d.",
                "es": "1.234.567|12,3|19 de diciembre de 2018|diciembre de 2018|2016|n.d."}
    for lang, want in expected.items():
        with app.test_request_context(f"/?lang_ui={lang}"):
            assert render_template_string(tpl) == want, lang

    html = _html(client.get("/search?q=migrants&lang_ui=fr"))
    assert re.search(r'class="time">· \d+,\d ms', html)  # decimal comma
    pid = _passage_id(client, "transaction costs")
    html = _html(client.get(f"/p/{pid}?lang_ui=fr"))
    assert '<time datetime="2018-12-19">19 décembre 2018</time>' in html
    html = _html(client.get(f"/p/{pid}?lang_ui=es"))
    assert "19 de diciembre de 2018" in html
    html = _html(client.get(f"/d/{pid.rsplit('-', 1)[0]}?lang_ui=en"))
    assert '<time datetime="2018-12-19">December 19, 2018</time>' in html


def test_paragraph_labels_read_naturally(app):
    from search_app.views import para_filter

    with app.test_request_context("/?lang_ui=fr"):
        assert para_filter("Article 14") == "Article 14"
        assert para_filter("Objective 13") == "Objective 13"
        assert "16(a)" in para_filter("16(a)") and para_filter("16(a)") != "16(a)"
