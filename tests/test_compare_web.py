"""The comparison in the pages: /compare (summary, aligned pairs, <ins>/<del>, labels, filter,
permalinks, escaping, translations), versions on document and passage pages, staff linking
(login, CSRF, audit log, suggestions), `--work`, and the pages in the real browser."""

from __future__ import annotations

import re
from html import unescape

from indexer import config, library
from indexer.library import accounts
from indexer.storage import store

pytest_plugins = ["compare_fixtures", "web_fixtures"]

PASSWORD = "correct horse battery"


def _page(client, url: str, status: int = 200) -> str:
    resp = client.get(url)
    assert resp.status_code == status, (url, resp.status_code)
    return resp.get_data(as_text=True)


def _pairs(html: str) -> list[str]:
    return [re.sub(r"\s+", " ", unescape(m)).strip()
            for m in re.findall(r'<span class="labels">(.*?)</span>', html)]


def test_compare_page_summary_pairs_labels_and_marks(vclient, doc_ids):
    html = _page(vclient, f"/compare?a={doc_ids['zero']}&b={doc_ids['final']}")
    summary = " ".join(re.sub(r"<[^>]+>", "", html[html.index('<ul id="summary">'):html.index(
        "</ul>", html.index('id="summary"'))]).split())
    assert "Unchanged: 2" in summary
    assert "Added: 1" in summary and "Removed: 1" in summary and "Moved: 1" in summary
    assert _pairs(html)[1:] == ["1 → 1", "3 → 2", "2 → 3", "4 → 4", "5 → –", "– → 5", "6 → 6"]
    # deletions and insertions marked with elements (struck/underlined), not colour alone,
    # and named for screen readers
    assert re.search(r" <del><span class=\"sr\">\[deleted: </span>a<span", html)
    assert re.search(r" <ins><span class=\"sr\">\[inserted: </span>an international migration"
                     r"<span", html)
    # permalinks of both sides
    ps = {p.label: p.passage_id for p in _passages(vclient, doc_ids["final"])}
    assert f'href="/p/{ps["3"]}">B · 3</a>' in html
    # hostile text from the documents is escaped, in the pairs and in the diff
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def _passages(client, doc_id: str):
    from search_app import service

    with client.application.app_context():
        return service().get_document(doc_id)[1]


def test_compare_page_filter_by_words_and_changes_only(vclient, doc_ids):
    q = f"/compare?a={doc_ids['zero']}&b={doc_ids['final']}"
    html = _page(vclient, q + "&only=LOCAL+Authorities")
    assert _pairs(html) == ["2 → 3"]  # A says "local authorities", B "autorités locales"
    assert "1 of 8 paragraph pairs mention" in unescape(html)
    assert 'value="LOCAL Authorities"' in html
    html = _page(vclient, q + "&only=autorites+locales")
    assert _pairs(html) == ["2 → 3"]
    html = _page(vclient, q + "&changes=1")
    # the header changed (A/99/ZD → A/99/FINAL); 1 → 1 and 3 → 2 are unchanged, in order
    # (the header is an unnumbered paragraph: the paragraph model labels it `¶ 1`)
    assert _pairs(html) == ["¶ 1 → ¶ 1", "2 → 3", "4 → 4", "5 → –", "– → 5", "6 → 6"]


def test_compare_page_bad_input_is_400_with_a_message(vclient, doc_ids):
    html = _page(vclient, f"/compare?a={doc_ids['zero']}", 400)
    assert "give two documents to compare" in html
    html = _page(vclient, f"/compare?a={doc_ids['zero']}&b={doc_ids['zero']}&lang_ui=fr", 400)
    assert "indiquez deux documents différents à comparer" in unescape(html)
    _page(vclient, f"/compare?a={doc_ids['zero']}&b=dmissing", 404)
    _page(vclient, f"/compare?a={doc_ids['zero']}&b={doc_ids['final']}&only=" + "x" * 300, 400)


def test_compare_page_translated(vclient, doc_ids):
    q = f"/compare?a={doc_ids['zero']}&b={doc_ids['final']}"
    fr = unescape(_page(vclient, q + "&lang_ui=fr"))
    assert "Comparer les versions" in fr and "Paragraphe par paragraphe" in fr
    assert "Inchangé" in fr and "[supprimé : " in fr
    es = unescape(_page(vclient, q + "&lang_ui=es"))
    assert "Comparar versiones" in es and "Sin cambios" in es


def test_document_page_lists_versions_with_compare_links(vclient, doc_ids):
    html = _page(vclient, f"/d/{doc_ids['final']}")
    block = html[html.index('id="work-versions"'):]
    block = block[:block.index("</ol>")]
    assert "zero draft" in block and "this document" in block
    assert f'href="/compare?a={doc_ids["zero"]}&amp;b={doc_ids["final"]}">compare</a>' in block
    html = _page(vclient, f"/d/{doc_ids['other']}")
    assert 'id="work-versions"' not in html  # not linked: no versions listed


def test_passage_page_shows_this_paragraph_in_other_versions(vclient, doc_ids):
    final = {p.label: p for p in _passages(vclient, doc_ids["final"])}
    zero = {p.label: p for p in _passages(vclient, doc_ids["zero"])}
    html = _page(vclient, f"/p/{final['3'].passage_id}")
    block = html[html.index('id="counterparts"'):]
    block = unescape(block[:block.index("</ul>")])
    assert f'href="/p/{zero["2"].passage_id}">para. 2</a>' in block  # counterpart's label
    assert "changed, moved" in block and "[deleted:" in block
    html = unescape(_page(vclient, f"/p/{final['5'].passage_id}"))
    assert "not in this earlier version (added later)" in html
    html = unescape(_page(vclient, f"/p/{zero['5'].passage_id}"))
    assert "not in this later version (removed)" in html


# ---------------------------------------------------------------- staff: linking versions


def _build(tmp_path, files: dict[str, str]) -> config.Settings:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in files.items():
        (corpus / name).write_text(text, encoding="utf-8")
    settings = config.load(index_dir=str(tmp_path / "data"), write_lock_timeout=5.0)
    library.build(corpus, settings, workers=1)
    return settings


def _token(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_staff_links_a_suggested_version_with_login_csrf_and_audit(tmp_path, versions_index):
    from search_app import create_app

    corpus = versions_index.parent / "corpus"
    files = {p.name: p.read_text(encoding="utf-8") for p in corpus.iterdir()}
    settings = _build(tmp_path, files)
    accounts.add_user(settings, "amina", PASSWORD)
    app = create_app({"SETTINGS": settings, "TESTING": True, "JOB_WORKER": False})
    with store.open(store.current_generation(tmp_path / "data")) as st:
        ids = {d.file.split(".")[0]: d.doc_id for d in st.documents("active")}
    client = app.test_client()
    # anonymous: sent to the sign-in page, nothing linked
    r = client.post(f"/staff/d/{ids['final']}/link", data={"other": ids["other"]})
    assert r.status_code in (302, 401, 403, 400)
    client.post("/staff/login", data={"name": "amina", "password": PASSWORD,
                                      "csrf_token": _token(client, "/staff/login")})
    page = client.get(f"/staff/d/{ids['final']}").get_data(as_text=True)
    suggested = page[page.index('id="suggested-versions"'):]
    suggested = suggested[:suggested.index("</ul>")]
    assert f'value="{ids["other"]}"' in suggested and "same title" in suggested
    assert "of the wording shared" in suggested
    # suggested only: not linked until staff acts
    assert f'href="/d/{ids["other"]}"' not in client.get(f"/d/{ids['final']}").get_data(
        as_text=True)
    # no CSRF token: refused
    r = client.post(f"/staff/d/{ids['final']}/link", data={"other": ids["other"]})
    assert r.status_code == 400
    r = client.post(f"/staff/d/{ids['final']}/link", data={
        "other": ids["other"], "csrf_token": _token(client, f"/staff/d/{ids['final']}")})
    assert r.status_code == 302
    html = client.get(f"/d/{ids['final']}").get_data(as_text=True)
    block = html[html.index('id="work-versions"'):]
    assert f'href="/d/{ids["other"]}"' in block[:block.index("</ol>")]
    log = library.audit_log(settings)
    linked = [e for e in log if e["doc_id"] == ids["other"] and e["action"] == "edit"]
    assert linked and linked[0]["actor"] == "web:amina"
    assert linked[0]["before"]["work"] == "" and linked[0]["after"]["work"] == "local-compact"
    # a document cannot be linked to itself: a 400 with the reason
    r = client.post(f"/staff/d/{ids['final']}/link", data={
        "other": ids["final"], "csrf_token": _token(client, f"/staff/d/{ids['final']}")})
    assert r.status_code == 400


def test_cli_add_with_work_and_version(tmp_path):
    from indexer.cli import main

    settings = _build(tmp_path, {"a.en.txt": "Text\n\n1. Migrants and cities cooperate on "
                                 "reception and services for newly arrived residents.\n"})
    new = tmp_path / "b.en.txt"
    new.write_text("Text\n\n1. Migrants and cities cooperate closely on reception and services "
                   "for newly arrived residents.\n", encoding="utf-8")
    assert main(["add", str(new), "--index", settings.index_dir, "--work", "cities",
                 "--version", "rev.1", "--date", "2019"]) == 0
    with store.open(store.current_generation(tmp_path / "data")) as st:
        doc = next(d for d in st.documents("active") if d.file == "b.en.txt")
    assert (doc.meta.work, doc.meta.version) == ("cities", "rev.1")


# ---------------------------------------------------------------- real browser


def test_browser_compare_filter_and_versions(versions_server, doc_ids, browser, artifacts):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("dialog", lambda d: errors.append("dialog: " + d.message))
    page.goto(f"{versions_server}/d/{doc_ids['final']}")
    page.locator("#work-versions a.compare-link").click()
    page.wait_for_selector("ol.pairs")
    assert page.locator("ol.pairs > li").count() == 8
    assert page.locator("del").count() > 0 and page.locator("ins").count() > 0
    # struck through and underlined: not colour alone
    assert "line-through" in page.locator("ol.pairs del").first.evaluate(
        "e => getComputedStyle(e).textDecorationLine")
    assert "underline" in page.locator("ol.pairs ins").first.evaluate(
        "e => getComputedStyle(e).textDecorationLine")
    assert page.get_by_text("<script>alert(1)</script>").first.is_visible()
    page.screenshot(path=str(artifacts / "compare.png"), full_page=True)

    page.get_by_label("Only paragraphs mentioning").fill("local authorities")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_selector("#filter-note")
    assert page.locator("ol.pairs > li").count() == 1
    assert page.locator("ol.pairs .labels").inner_text().strip() == "2 → 3"
    page.screenshot(path=str(artifacts / "compare-filtered.png"), full_page=True)

    page.get_by_role("link", name="B · 3").click()
    page.wait_for_selector("#counterparts")
    assert "para. 2" in page.locator("#counterparts").inner_text()
    page.screenshot(path=str(artifacts / "compare-passage.png"), full_page=True)
    assert not [e for e in errors if "favicon" not in e], errors


def test_cli_versions_suggests_and_link_links(tmp_path, versions_index, capsys):
    from indexer.cli import main

    corpus = versions_index.parent / "corpus"
    settings = _build(tmp_path, {p.name: p.read_text(encoding="utf-8")
                                 for p in corpus.iterdir()})
    with store.open(store.current_generation(tmp_path / "data")) as st:
        ids = {d.file.split(".")[0]: d.doc_id for d in st.documents("active")}
    index = ["--index", settings.index_dir]
    assert main(["versions", ids["zero"], *index]) == 0
    out = capsys.readouterr().out
    assert f"* {ids['zero']}" in out and f"  {ids['final']}" in out
    assert f"? {ids['other']}  likely version (same title" in out  # suggested, not linked
    assert main(["link", ids["zero"], ids["other"], *index]) == 0
    capsys.readouterr()
    assert main(["versions", ids["other"], *index]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 3 and "?" not in out  # the three versions, nothing to suggest
    entries = [e for e in library.audit_log(settings) if e["doc_id"] == ids["other"]]
    assert entries[0]["action"] == "edit" and entries[0]["after"]["work"] == "local-compact"
    assert main(["link", ids["zero"], ids["zero"], *index]) == 2
