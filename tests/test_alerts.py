"""Saved searches that say what is new (issue 24), over real material from ../shared: a real
index on disk, real adds and replaces through the pipeline, the app served by waitress over a
real socket, feeds read by feedparser, the command line run as a process.

- a saved search starts empty, and a search saved today gets nothing from the past;
- adding a document with one matching and one non-matching paragraph gives exactly one feed
  entry, linking to the matching passage (stable id, updated, title "document, label",
  highlighted text, citation); a wrong token is a 404;
- language versions of a paragraph are one item; a new revision reports only the
  paragraphs the compare alignment finds changed; an item never repeats (nor a copy of its
  wording); items record the words and concepts they matched through;
- the command line's `alert add --json` prints exactly {"id", "token", "feed_url"}; the API
  does the same operations, its answers valid against the OpenAPI description;
- markup in a query and in a document reaches the pages and the feed escaped.
Skipped when ../shared is absent.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

import feedparser
import pytest
from conftest import SHARED
from openapi_check import response_errors

from indexer import config, library
from indexer.alerts import collect, searches
from indexer.alerts.store import open_store
from indexer.models import DocMeta
from indexer.search.service import SearchRequest, SearchService
from indexer.storage import store
from indexer.versions.compare import align, body

pytestmark = pytest.mark.shared

PROJECT = Path(__file__).resolve().parents[1]
BASE_FILES = ("udhr.en.html", "imrf-modalities-draftres-A73L99.en.txt",
              "gfmd-draftres-A62L25Rev2.en.txt", "unhcr-omnibus-draftres-AC373L59.en.txt",
              "MANIFEST.tsv")
HOSTILE = "<script>alert('x')</script>"


def _shared(name: str) -> Path:
    path = SHARED / "corpus" / name
    if not path.exists():
        pytest.skip(f"shared data not available: {path}")
    return path


@pytest.fixture
def index(tmp_path) -> config.Settings:
    """A fresh index of a few shared documents (each test adds to it)."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in BASE_FILES:
        (corpus / name).symlink_to(_shared(name))
    settings = config.load(index_dir=str(tmp_path / "data"), write_lock_timeout=10.0)
    report = library.build(corpus, settings, workers=1)
    assert len(report.of("indexed")) == 4, report.outcomes
    return settings


@pytest.fixture
def served(index):
    """The app over `index`, served by waitress on a free port: (base URL, settings)."""
    from search_app.serve import make_server, run_server, stop_server

    server = make_server(index, "127.0.0.1", 0, threads=4)
    thread = threading.Thread(target=run_server, args=(server,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}", index
    finally:
        stop_server(server)
        thread.join(timeout=10)


def _get(url: str) -> tuple[int, bytes, dict]:
    try:
        with urllib.request.urlopen(url, timeout=30) as resp:
            return resp.status, resp.read(), dict(resp.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), dict(exc.headers)


def _call(method: str, url: str, body: dict | None = None) -> tuple[int, dict | None]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            raw = resp.read()
            return resp.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        return exc.code, json.loads(raw) if raw else None


def _save(settings, q: str, **filters) -> tuple[int, str]:
    alerts = open_store(settings)
    try:
        saved, token = searches.save(alerts, settings, searches.request_from({"q": q,
                                                                             **filters}))
    finally:
        alerts.close()
    return saved.id, token


def _items(settings, search_id: int) -> list:
    alerts = open_store(settings)
    try:
        return alerts.items(search_id, limit=10_000)
    finally:
        alerts.close()


def _paragraph_with(path: Path, words: str) -> str:
    """A real paragraph of a shared text holding `words` (as the parser reads it, its own
    number left out)."""
    prepared = library.prepare(path, config.load())
    for p in prepared.passages:
        if words in p.text.lower() and len(p.text.split()) > 15:
            return " ".join(body(p.text).split())
    raise AssertionError(f"no paragraph with {words!r} in {path.name}")


def _write(path: Path, title: str, paragraphs: list[str]) -> Path:
    path.write_text(title + "\n\n" + "".join(f"{n}. {p}\n\n" for n, p in
                                             enumerate(paragraphs, 1)), encoding="utf-8")
    return path


def _passages(settings) -> dict[str, object]:
    with SearchService(settings).store() as st:
        return {p.passage_id: p for d in st.documents(None) for p in st.passages(d.doc_id)}


# ------------------------------------------------------------------ done when


def test_one_matching_paragraph_gives_exactly_one_feed_entry(served, tmp_path):
    base, settings = served
    search_id, token = _save(settings, '"local authorities"')
    # The index already holds passages about local authorities: a new search gets none.
    assert SearchService(settings).search(SearchRequest(q='"local authorities"')).total > 0
    feed = feedparser.parse(_get(f"{base}/feeds/{token}.atom")[1])
    assert not feed.bozo and feed.entries == []
    assert collect.catch_up(settings).items == 0 and _items(settings, search_id) == []

    matching = _paragraph_with(_shared("gcm-final-draftres-A73L66.en.txt"),
                               "local authorities")
    other = _paragraph_with(_shared("protection-of-migrants-draftres-AC355L35.en.txt"),
                            "migrants")
    assert "local authorities" not in other.lower()
    new = _write(tmp_path / "new.en.txt", "Local governance note", [matching, other])
    report = library.add([new], settings, sidecar=DocMeta(title="Local governance note"))
    assert report.of("indexed"), report.outcomes

    status, raw, headers = _get(f"{base}/feeds/{token}.atom")
    assert status == 200 and headers["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(raw)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10" and feed.feed.id.startswith("urn:uuid:")
    assert len(feed.entries) == 1
    entry = feed.entries[0]
    passages = _passages(settings)
    pid = entry.link.rsplit("/p/", 1)[1]
    assert "local authorities" in passages[pid].text.lower()
    assert entry.link == f"{base}/p/{pid}"
    assert entry.title == "Local governance note, para. 1"
    assert entry.id.startswith("urn:uuid:") and entry.updated_parsed is not None
    content = entry.content[0].value
    # the matched words highlighted (<strong>: feed readers drop HTML5's <mark>)
    assert re.search(r"<strong>local</strong> <strong>authorities</strong>", content, re.I)
    assert "Local governance note" in content and "para. 1" in content  # the citation
    assert _get(f"{base}{urllib.parse.urlsplit(entry.link).path}")[0] == 200
    # the entry keeps its id; nothing repeats on a second look or a second catch-up
    assert collect.catch_up(settings).items == 0
    again = feedparser.parse(_get(f"{base}/feeds/{token}.atom")[1])
    assert [e.id for e in again.entries] == [entry.id]
    assert _get(f"{base}/feeds/{token[:-1]}x.atom")[0] == 404
    assert _get(f"{base}/feeds/nothing-here.atom")[0] == 404


def test_no_backfill_and_items_never_repeat(index, tmp_path):
    settings = index
    paragraph = _paragraph_with(_shared("gcm-final-draftres-A73L66.en.txt"), "remittances")
    early = _write(tmp_path / "early.en.txt", "Early note", [paragraph])
    library.add([early], settings)
    search_id, _token = _save(settings, "remittances")
    assert _items(settings, search_id) == []  # saved after the document: nothing from it
    fresh = _write(tmp_path / "fresh.en.txt", "Fresh note", [
        "Remittances sent through mobile wallets reached rural households faster than "
        "ever before, and their costs fell for the first time in a decade.", paragraph])
    library.add([fresh], settings)
    items = _items(settings, search_id)
    assert len(items) == 2 and items[-1].data["words"] == ["remittances"]
    # the same file again is a duplicate; the same wording in another file is a copy of
    # an item: neither brings anything
    library.add([fresh], settings)
    copy = _write(tmp_path / "copy.en.txt", "Copy note", [paragraph])
    assert library.add([copy], settings).of("indexed")
    assert collect.catch_up(settings).documents == 0
    assert [i.passage_id for i in _items(settings, search_id)] == [i.passage_id
                                                                   for i in items]


def test_items_say_why_they_matched_across_languages(index, tmp_path):
    settings = index
    search_id, _token = _save(settings, "autorités locales")  # French words
    new = _write(tmp_path / "cities.en.txt", "Cities note", [
        _paragraph_with(_shared("gcm-final-draftres-A73L66.en.txt"), "local authorities")])
    library.add([new], settings)
    items = _items(settings, search_id)
    assert len(items) == 1
    data = items[0].data
    assert {"local", "authorities"} <= set(data["words"])
    assert {"term": "local authorities", "lang": "en"}.items() <= data["concepts"][0].items()
    assert data["change"] == "new" and data["citation"]


def test_language_versions_are_one_item(index):
    settings = index
    search_id, _token = _save(settings, "freedom of movement")
    fr, es = _shared("udhr.fr.html"), _shared("udhr.es.html")
    library.add([fr, es], settings, sidecar=None)
    passages = _passages(settings)
    items = _items(settings, search_id)
    assert items, "the French and Spanish UDHR speak of freedom of movement (Article 13)"
    keys = [i.data.get("label") for i in items]
    assert len(keys) == len(set(keys))  # one item per article, whatever its languages
    both = [i for i in items if i.data["versions"]]
    assert both, "an article matched in both languages is one item with a version"
    for item in both:
        for lang, pid in item.data["versions"].items():
            assert passages[pid].lang == lang != item.lang


def test_a_new_revision_reports_only_its_changed_paragraphs(index):
    settings = index
    search_id, _token = _save(settings, "refugees")
    old = next(d for d in SearchService(settings).documents()
               if d.meta.symbol == "A/C.3/73/L.59")
    outcome = library.replace(old.doc_id, _shared("unhcr-omnibus-draftres-AC374L59.en.txt"),
                               settings)
    assert outcome.status == "indexed"
    with SearchService(settings).store() as st:
        before, after = st.passages(old.doc_id), st.passages(outcome.doc_id)
    pairs = align(before, after).pairs
    changed = {p.b.passage_id for p in pairs if p.b is not None and p.status != "unchanged"}
    unchanged = {p.b.passage_id for p in pairs if p.b is not None and p.status == "unchanged"}
    items = _items(settings, search_id)
    got = {i.passage_id for i in items}
    assert got and got <= changed
    holds = {pid for pid in unchanged if "refugee" in _passages(settings)[pid].text.lower()}
    assert holds and not holds & got  # unchanged paragraphs about refugees: not reported
    assert {i.data["change"] for i in items} <= {"changed", "added"}


# ------------------------------------------------------------------ command line and API


def test_cli_alert_add_prints_the_contract(index):
    settings = index
    cmd = [sys.executable, str(PROJECT / "index.py"), "alert"]
    out = subprocess.run([*cmd, "add", "local", "authorities", "--lang", "en", "--json",
                          "--index", settings.index_dir], capture_output=True, text=True,
                         check=True)
    printed = json.loads(out.stdout)
    assert set(printed) == {"id", "token", "feed_url"}
    assert printed["feed_url"] == f"/feeds/{printed['token']}.atom"
    assert len(printed["token"]) >= 32
    listed = json.loads(subprocess.run([*cmd, "list", "--json", "--index",
                                        settings.index_dir], capture_output=True, text=True,
                                       check=True).stdout)
    assert [a["id"] for a in listed["alerts"]] == [printed["id"]]
    assert listed["alerts"][0]["request"]["lang"] == "en"
    run = json.loads(subprocess.run([*cmd, "run", "--json", "--index", settings.index_dir],
                                    capture_output=True, text=True, check=True).stdout)
    assert run["busy"] is False and run["delivered"] == 0
    subprocess.run([*cmd, "remove", str(printed["id"]), "--index", settings.index_dir],
                   check=True, capture_output=True)
    bad = subprocess.run([*cmd, "add", "migrants", "--lang", "xx", "--index",
                          settings.index_dir], capture_output=True, text=True)
    assert bad.returncode == 2 and "unknown language" in bad.stderr


def test_api_operations_follow_the_openapi_description(served, tmp_path):
    base, settings = served
    spec = json.loads(_get(f"{base}/api/openapi.json")[1])
    status, made = _call("POST", f"{base}/api/alerts", {"q": "remittances", "name": "R"})
    assert status == 201 and response_errors(spec, "/api/alerts", made, "post", 201) == []
    token = made["token"]
    library.add([_write(tmp_path / "r.en.txt", "Remittance note", [
        "Remittances sent through mobile wallets reached rural households faster than ever "
        "before, and their costs fell for the first time in a decade."])], settings)
    status, shown = _call("GET", f"{base}/api/alerts/{token}")
    assert status == 200 and response_errors(spec, "/api/alerts/{token}", shown) == []
    assert shown["items"] == 1 and shown["latest"][0]["matched"] == ["remittances"]
    status, changed = _call("PATCH", f"{base}/api/alerts/{token}",
                            {"name": "Remittances", "paused": True})
    assert status == 200 and changed["paused"] and changed["name"] == "Remittances"
    assert response_errors(spec, "/api/alerts/{token}", changed, "patch") == []
    status, months = _call("GET", f"{base}/api/alerts/preview?q=remittances")
    assert status == 200 and response_errors(spec, "/api/alerts/preview", months) == []
    assert len(months["months"]) == 12 and months["total"] >= 1
    status, fresh = _call("POST", f"{base}/api/alerts/{token}/token")
    assert status == 200 and fresh["token"] != token
    assert _call("GET", f"{base}/api/alerts/{token}")[0] == 404  # the old token is dead
    assert _get(f"{base}/feeds/{fresh['token']}.atom")[0] == 200
    status, err = _call("POST", f"{base}/api/alerts/{fresh['token']}/email",
                        {"address": "a@example.org"})
    assert status == 400 and "not offered" in err["error"]["message"]  # no SMTP settings
    assert _call("POST", f"{base}/api/alerts", {"q": "migrants lang:xx"})[0] == 400
    assert _call("GET", f"{base}/api/staff/alerts")[0] == 401  # staff only
    assert _call("DELETE", f"{base}/api/staff/alerts/1")[0] == 401
    assert _call("DELETE", f"{base}/api/alerts/{fresh['token']}")[0] == 204
    assert _get(f"{base}/feeds/{fresh['token']}.atom")[0] == 404


# ------------------------------------------------------------------ escaping


def test_markup_in_a_query_and_a_document_is_escaped_everywhere(served, tmp_path):
    base, settings = served
    status, made = _call("POST", f"{base}/api/alerts",
                         {"q": f"migrants {HOSTILE}", "name": f"Watch {HOSTILE}"})
    assert status == 201
    token = made["token"]
    hostile = _write(tmp_path / "hostile.en.txt", f"Hostile {HOSTILE} note", [
        f"Migrants arriving at the border were given {HOSTILE} and <img src=x "
        "onerror=alert(1)> leaflets in their own languages by the local authorities."])
    library.add([hostile], settings, sidecar=DocMeta(title=f"Hostile {HOSTILE} note"))
    status, raw, _h = _get(f"{base}/feeds/{token}.atom")
    assert status == 200
    text = raw.decode("utf-8")
    assert "<script" not in text and "<img" not in text  # no markup from outside in the XML
    feed = feedparser.parse(raw)
    assert not feed.bozo and len(feed.entries) == 1
    entry = feed.entries[0]
    # the entry's HTML shows the markup as text: escaped once more inside the HTML
    assert "&lt;script&gt;" in entry.content[0].value
    assert "<script>" in entry.title and "Hostile" in entry.title  # the title is plain text
    assert HOSTILE in feed.feed.title
    status, page, _h = _get(f"{base}/alerts/{token}")
    html = page.decode("utf-8")
    assert status == 200 and "<script>alert" not in html and "&lt;script&gt;" in html
    assert "<img src=x" not in html
    status, page, _h = _get(f"{base}/alerts/new?q=" + urllib.parse.quote(f"migrants {HOSTILE}"))
    assert status == 200 and "<script>alert" not in page.decode("utf-8")


def test_staff_list_needs_a_login_and_removes(served):
    from indexer.library import accounts

    base, settings = served
    search_id, token = _save(settings, "migrants")
    status, _body, _h = _get(f"{base}/staff/alerts/")
    assert status == 200  # (urllib followed the redirect to the login page)
    accounts.add_user(settings, "keeper", "a long enough staff password")
    from search_app import create_app

    app = create_app({"SETTINGS": settings, "TESTING": True, "JOB_WORKER": False})
    client = app.test_client()
    assert client.get("/staff/alerts/").status_code == 302
    login = client.get("/staff/login").data.decode()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', login).group(1)
    client.post("/staff/login", data={"name": "keeper", "password":
                                      "a long enough staff password", "csrf_token": csrf})
    listing = client.get("/staff/alerts/").data.decode()
    assert "migrants" in listing
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', listing).group(1)
    assert client.post(f"/staff/alerts/{search_id}/remove").status_code == 400  # no CSRF
    assert client.post(f"/staff/alerts/{search_id}/remove",
                       data={"csrf_token": csrf}).status_code == 303
    assert _get(f"{base}/feeds/{token}.atom")[0] == 404
    alerts = open_store(settings)
    try:
        assert alerts.removals()[0]["actor"] == "web:keeper"
    finally:
        alerts.close()


def test_alerts_database_is_private_and_outlives_a_rebuild(index):
    settings = index
    search_id, token = _save(settings, "migrants")
    path = Path(settings.index_dir) / "alerts.sqlite3"
    assert path.stat().st_mode & 0o777 == 0o600
    gen = store.current_generation(Path(settings.index_dir))
    corpus = Path(settings.index_dir).parent / "corpus"
    library.build(corpus, settings, workers=1)  # the same files: nothing new
    assert store.current_generation(Path(settings.index_dir)) != gen
    alerts = open_store(settings)
    try:
        assert alerts.by_token(token).id == search_id
    finally:
        alerts.close()
    assert _items(settings, search_id) == []


def test_anyone_changes_a_saved_search_through_its_token_only(index):
    """No login for a saved search's own pages and API (auth.OPEN_BLUEPRINTS), but the
    pages' forms need their CSRF token, and nothing opens without the token."""
    from search_app import create_app

    app = create_app({"SETTINGS": index, "TESTING": True, "JOB_WORKER": False})
    client = app.test_client()
    search_id, token = _save(index, "migrants")
    # a form posted without its CSRF token is refused (a page elsewhere cannot rename it)
    assert client.post(f"/alerts/{token}/rename", data={"name": "x"}).status_code == 400
    page = client.get(f"/alerts/{token}").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post(f"/alerts/{token}/rename", data={"name": "Migrants <i>",
                                                      "csrf_token": csrf}).status_code == 303
    assert client.post(f"/alerts/{token}x/rename", data={"name": "y", "csrf_token": csrf}
                       ).status_code == 404
    assert client.patch(f"/api/alerts/{token}x", json={"name": "y"}).status_code == 404
    page = client.get(f"/alerts/{token}").get_data(as_text=True)
    assert "Migrants &lt;i&gt;" in page and "private" in client.get(
        f"/alerts/{token}").headers["Cache-Control"]
    assert client.get("/staff/alerts/").status_code == 302  # staff list: sign in first
    assert client.get("/api/staff/alerts").status_code == 401
    assert client.delete(f"/api/staff/alerts/{search_id}").status_code == 401
