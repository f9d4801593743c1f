"""Staff web pages against the real app and a real index: sign-in, CSRF, every write route
refusing anonymous users (listed from the URL map), uploads with review, edit, revision,
trash, restore, purge, the audit log, hostile metadata, path tricks and oversized uploads."""

from __future__ import annotations

import io
import re
import socket
import threading
from pathlib import Path

import pytest

from indexer import config, library
from indexer.library import accounts, jobs

pytest_plugins = ["web_fixtures"]

PASSWORD = "correct horse battery"
HOSTILE = "<script>alert(1)</script>"
WRITE = {"POST", "PUT", "PATCH", "DELETE"}
TEXT = ("Cities and migration\n"
        "1. Local authorities coordinate the reception of newly arrived migrants with national "
        "ministries, so that services reach every resident.\n\n"
        "2. Municipal development plans mainstream migration and report on it each year.\n")


def base_index(tmp_path: Path, **overrides) -> config.Settings:
    """A real index of one small document, and the staff account `amina`."""
    settings = config.load(index_dir=str(tmp_path / "data"), **overrides)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "base.en.txt").write_text(
        "Base text\n1. Remittances support households in countries of origin every month.\n",
        encoding="utf-8")
    library.build(corpus, settings, workers=1)
    accounts.add_user(settings, "amina", PASSWORD)
    return settings


@pytest.fixture
def staff_app(tmp_path):
    from search_app import create_app

    settings = base_index(tmp_path, max_upload_bytes=300_000, write_lock_timeout=5.0)
    app = create_app({"SETTINGS": settings, "TESTING": True, "JOB_WORKER": False})
    return app


def token(client, path: str = "/staff/login") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def login(client, name: str = "amina", password: str = PASSWORD):
    return client.post("/staff/login", data={"name": name, "password": password,
                                             "csrf_token": token(client)})


def run_jobs(app) -> None:
    worker = jobs.Worker(app.config["SETTINGS"])
    while worker.run_once():
        pass


def _url(rule) -> str:
    return rule.rule.replace("<", "").replace(">", "") if not rule.arguments else re.sub(
        r"<(?:[^:>]+:)?([^>]+)>", "x1", rule.rule)


def _write_and_staff_rules(app):
    from search_app.auth import OPEN_BLUEPRINTS, OPEN_ENDPOINTS

    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint in OPEN_ENDPOINTS:
            continue
        if rule.endpoint.split(".")[0] in OPEN_BLUEPRINTS:
            continue  # saved searches: anyone's, through their token (test_alerts.py)
        writes = (rule.methods or set()) & WRITE
        # (the saved searches' staff pages and API are blueprints of their own)
        if writes or rule.endpoint.startswith(("staff.", "staff_alerts")):
            yield rule, sorted(writes) or ["GET"]


def _doc_count(app) -> int:
    from search_app import service

    with app.app_context():
        return len(service().documents())


def test_every_write_route_and_staff_page_refuses_anonymous(staff_app):
    client = staff_app.test_client()
    before = _doc_count(staff_app)
    seen = set()
    for rule, methods in _write_and_staff_rules(staff_app):
        for method in methods:
            resp = client.open(_url(rule), method=method, data={"title": "x"})
            assert resp.status_code in (302, 401), (rule.rule, method, resp.status_code)
            if resp.status_code == 302:
                assert resp.location.startswith("/staff/login"), rule.rule
        seen.add(rule.endpoint)
    # the list comes from the app; this only checks it is not trivially empty
    assert {"staff.upload", "staff.edit", "staff.remove", "staff.restore", "staff.purge",
            "staff.replace", "staff.confirm", "staff.discard", "staff.log",
            "staff.dashboard", "auth.logout"} <= seen
    assert _doc_count(staff_app) == before
    assert not (Path(staff_app.config["INDEX_DIR"]) / "jobs.sqlite3").exists()


def test_csrf_token_required_on_every_form(staff_app):
    client = staff_app.test_client()
    r = client.post("/staff/login", data={"name": "amina", "password": PASSWORD})
    # the form refused, said in words a person reads (not "CSRF token missing")
    assert r.status_code == 400 and "did not come from this site" in r.get_data(as_text=True)
    assert login(client).status_code == 302
    doc_id = next(iter(_doc_ids(staff_app)))
    from search_app import service

    with staff_app.app_context():
        title = service().get_document(doc_id)[0].meta.title
    for rule, methods in _write_and_staff_rules(staff_app):
        for method in set(methods) & WRITE:
            url = re.sub(r"<(?:[^:>]+:)?doc_id>", doc_id, rule.rule)
            url = re.sub(r"<(?:[^:>]+:)?([^>]+)>", "x1", url)
            resp = client.open(url, method=method, data={"title": "changed",
                                                         "confirm": "purge"})
            assert resp.status_code == 400, (url, resp.status_code)
    assert _doc_ids(staff_app) == {doc_id}
    with staff_app.app_context():
        assert service().get_document(doc_id)[0].meta.title == title


def _doc_ids(app) -> set[str]:
    from search_app import service

    with app.app_context():
        return {d.doc_id for d in service().documents()}


def test_login_logout_cookie_flags_and_throttle(staff_app):
    client = staff_app.test_client()
    assert login(client, password="wrong password").status_code == 401
    r = login(client)
    assert r.status_code == 302 and r.location == "/staff/"
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert client.get("/staff/").status_code == 200
    r = client.post("/staff/logout", data={"csrf_token": token(client, "/staff/")})
    assert r.status_code == 302
    assert client.get("/staff/").status_code == 302

    https = staff_app.test_client()
    r = https.post("/staff/login", base_url="https://localhost", data={
        "name": "amina", "password": PASSWORD,
        "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', https.get(
            "/staff/login", base_url="https://localhost").get_data(as_text=True)).group(1)},
        headers={"Referer": "https://localhost/staff/login"})
    assert r.status_code == 302 and "Secure" in r.headers["Set-Cookie"]


    # an open redirect through ?next= is not possible
    c3 = staff_app.test_client()
    accounts.add_user(staff_app.config["SETTINGS"], "jose", PASSWORD)
    r = c3.post("/staff/login", data={"name": "jose", "password": PASSWORD,
                                      "next": "//evil.example/x", "csrf_token": token(c3)})
    assert r.location == "/staff/"
    # removing an account ends its sessions at once
    accounts.remove_user(staff_app.config["SETTINGS"], "jose")
    assert c3.get("/staff/").status_code == 302

    other = staff_app.test_client()
    for _ in range(accounts.FREE_FAILURES):
        assert login(other, password="guess guess").status_code == 401
    r = login(other)
    assert r.status_code == 429 and "Wait" in r.get_data(as_text=True)


def test_upload_review_edit_replace_trash_restore_purge(staff_app):
    client = staff_app.test_client()
    login(client)
    files = [(io.BytesIO(TEXT.encode()), "../../cities.en.txt"),
             (io.BytesIO(b"%PDF-1.4 broken"), "broken.pdf")]
    r = client.post("/staff/upload", data={"csrf_token": token(client, "/staff/upload"),
                                           "files": files, "series": "GFMD"},
                    content_type="multipart/form-data")
    assert r.status_code == 302
    batch_url = r.location
    page = client.get(batch_url).get_data(as_text=True)
    assert 'http-equiv="refresh"' in page and "Analysing" in page
    run_jobs(staff_app)
    page = client.get(batch_url).get_data(as_text=True)
    assert "Waiting for your review" in page and "Refused" in page
    assert "damaged" in page or "cannot be read" in page
    # the review form is pre-filled: detected language and title, the series given
    assert re.search(r'<option value="en" selected>', page)
    assert re.search(r'<option value="GFMD" selected>', page)
    job_id = re.search(r'/staff/jobs/([0-9a-f]+)/confirm', page).group(1)
    r = client.post(f"/staff/jobs/{job_id}/confirm", data={
        "csrf_token": token(client, batch_url), "title": f"Cities {HOSTILE}",
        "series": "GFMD", "lang": "en", "date": "2026-01-15", "symbol": "", "version": "",
        "url": ""})
    assert r.status_code == 302
    run_jobs(staff_app)
    page = client.get(batch_url).get_data(as_text=True)
    assert "Indexed" in page and "2 passages indexed" in page
    doc_id = re.search(r'/staff/d/(d[0-9a-f]+)', page).group(1)

    # hostile metadata is escaped everywhere it shows
    pid = client.get("/api/search?q=municipal+development+plans").json["hits"][0]["passage_id"]
    for url in ("/staff/", f"/staff/d/{doc_id}", "/staff/log", "/search?q=municipal",
                f"/d/{doc_id}", f"/p/{pid}"):
        html = client.get(url).get_data(as_text=True)
        assert HOSTILE not in html and "&lt;script&gt;" in html, url
    # path tricks in the upload name had no effect: the recorded name is its last part
    assert client.get("/api/search?q=municipal").json["hits"][0]["file"] == "cities.en.txt"
    data_dir = Path(staff_app.config["INDEX_DIR"])
    assert not list(data_dir.parent.rglob("cities.en.txt"))

    # edit: every field as the form shows it (a field can be cleared)
    r = client.post(f"/staff/d/{doc_id}/edit", data={
        "csrf_token": token(client, f"/staff/d/{doc_id}"), "title": "Cities and migration",
        "series": "GFMD", "lang": "en", "date": "", "symbol": "A/99/L.9", "version": "final",
        "url": "https://example.org/cities"})
    assert r.status_code == 302, r.get_data(as_text=True)
    flashed = client.get(r.location).get_data(as_text=True)
    assert "Saved" in flashed, re.findall(r'class="flash[^"]*"[^>]*>[^<]*', flashed)
    hits = client.get("/api/search?q=municipal").json["hits"]
    assert len(hits) == 1, [(h["doc_id"], h["title"]) for h in hits]
    hit = hits[0]
    assert hit["title"] == "Cities and migration" and hit["symbol"] == "A/99/L.9"
    assert hit["date"] == ""

    # replace the file with a revision
    rev = TEXT + "3. City networks share practice on migration governance across borders.\n"
    r = client.post(f"/staff/d/{doc_id}/replace", data={
        "csrf_token": token(client, f"/staff/d/{doc_id}"),
        "file": (io.BytesIO(rev.encode()), "cities-rev.txt")},
        content_type="multipart/form-data")
    rev_batch = r.location
    run_jobs(staff_app)
    page = client.get(rev_batch).get_data(as_text=True)
    assert "Cities and migration" in page  # the old metadata, for review
    rev_job = re.search(r'/staff/jobs/([0-9a-f]+)/confirm', page).group(1)
    client.post(f"/staff/jobs/{rev_job}/confirm", data={
        "csrf_token": token(client, rev_batch), "title": "Cities and migration",
        "series": "GFMD", "lang": "en", "symbol": "A/99/L.9", "version": "Rev.1"})
    run_jobs(staff_app)
    hits = client.get("/api/search?q=city+networks+share+practice").json["hits"]
    new_id = hits[0]["doc_id"]
    assert new_id != doc_id
    assert client.get(f"/p/{pid}").status_code == 200  # the old revision's link still works
    assert "Replaced by" in client.get(f"/staff/d/{doc_id}").get_data(as_text=True)

    # remove -> trash -> restore -> remove -> purge (confirmed)
    t = token(client, f"/staff/d/{new_id}")
    client.post(f"/staff/d/{new_id}/remove", data={"csrf_token": t})
    assert not client.get("/api/search?q=city+networks+share+practice").json["hits"]
    assert "Trash (1)" in client.get("/staff/").get_data(as_text=True)
    client.post(f"/staff/d/{new_id}/restore", data={"csrf_token": t})
    assert client.get("/api/search?q=city+networks+share+practice").json["hits"]
    client.post(f"/staff/d/{new_id}/remove", data={"csrf_token": t})
    client.post(f"/staff/d/{new_id}/purge", data={"csrf_token": t})  # not confirmed
    assert client.get(f"/staff/d/{new_id}").status_code == 200
    client.post(f"/staff/d/{new_id}/purge", data={"csrf_token": t, "confirm": "purge"})
    assert client.get(f"/staff/d/{new_id}").status_code == 404

    log = client.get("/staff/log").get_data(as_text=True)
    for action in ("added", "edited", "replaced by a new revision", "moved to the trash",
                   "restored", "deleted for good"):
        assert action in log, action
    assert "web:amina" in log and "A/99/L.9" in log  # who, and the before/after values


def test_path_tricks_in_ids_have_no_effect(staff_app):
    client = staff_app.test_client()
    login(client)
    t = token(client, "/staff/")
    before = _doc_ids(staff_app)
    for bad in ("..%2F..%2Fstore.sqlite3", "..", "%2e%2e", "d0000/../../x", "x1"):
        for action in ("remove", "purge", "edit"):
            r = client.post(f"/staff/d/{bad}/{action}", data={"csrf_token": t, "title": "x"})
            assert r.status_code in (404, 405), (bad, action, r.status_code)
        assert client.get(f"/d/{bad}/original").status_code == 404
        assert client.get(f"/staff/uploads/{bad}").status_code == 404
        r = client.post(f"/staff/jobs/{bad}/confirm", data={"csrf_token": t})
        assert r.status_code == 404
    assert _doc_ids(staff_app) == before


def test_oversized_upload_refused_from_its_length(staff_app):
    client = staff_app.test_client()
    login(client)
    t = token(client, "/staff/upload")
    big = io.BytesIO(b"x" * 400_000)  # over this app's 300 kB request limit
    r = client.post("/staff/upload", data={"csrf_token": t, "files": [(big, "big.txt")]},
                    content_type="multipart/form-data")
    assert r.status_code == 413  # from Content-Length (see the next test for a real socket)
    assert not (Path(staff_app.config["INDEX_DIR"]) / "uploads").exists()


def test_production_server_refuses_oversized_body_without_reading_it(tmp_path):
    from search_app.serve import make_server, run_server, stop_server

    settings = config.load(index_dir=str(tmp_path / "data"), max_upload_bytes=1_000_000)
    server = make_server(settings, "127.0.0.1", 0, threads=2)
    thread = threading.Thread(target=run_server, args=(server,), daemon=True)
    thread.start()
    try:
        with socket.create_connection(("127.0.0.1", server.effective_port), timeout=10) as s:
            # claims 5 GB and sends none of it: the answer must come anyway
            s.sendall(b"POST /staff/upload HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/"
                      b"form-data; boundary=b\r\nContent-Length: 5000000000\r\n\r\n")
            reply = s.recv(200)
        assert reply.startswith(b"HTTP/1.1 413"), reply
    finally:
        stop_server(server)
        thread.join(timeout=10)


@pytest.fixture
def staff_server(tmp_path):
    """The production server (waitress) with its upload worker thread, over a fresh index."""
    from search_app.serve import make_server, run_server, stop_server

    settings = base_index(tmp_path)
    server = make_server(settings, "127.0.0.1", 0, threads=4)
    thread = threading.Thread(target=run_server, args=(server,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}", tmp_path
    finally:
        stop_server(server)
        thread.join(timeout=10)


def test_browser_staff_upload_review_and_search(staff_server, browser, artifacts):
    base, tmp = staff_server
    upload = tmp / "villes.fr.txt"
    upload.write_text("Villes et migrations\n1. Les autorités locales coordonnent l'accueil "
                      "des migrants nouvellement arrivés avec les ministères nationaux.\n\n"
                      "2. Les plans de développement municipaux intègrent la migration.\n",
                      encoding="utf-8")
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(base + "/staff/upload")
    assert "/staff/login" in page.url  # anonymous: sent to sign in first
    page.get_by_label("User name").fill("amina")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/staff/upload")
    page.get_by_label("Files").set_input_files(str(upload))
    page.get_by_role("button", name="Upload").click()
    # the page refreshes itself while the worker analyses the file
    page.get_by_role("button", name="Confirm and index").wait_for(timeout=60_000)
    assert page.get_by_label("Language", exact=True).input_value() == "fr"
    page.get_by_label("Title").fill("Villes et migrations (test)")
    page.screenshot(path=str(artifacts / "staff-review.png"), full_page=True)
    page.get_by_role("button", name="Confirm and index").click()
    page.get_by_text("Indexed", exact=True).wait_for(timeout=60_000)
    page.screenshot(path=str(artifacts / "staff-done.png"), full_page=True)
    page.goto(base + "/search?q=plans+de+d%C3%A9veloppement+municipaux")
    assert page.get_by_text("Villes et migrations (test)").first.is_visible()
    assert not [e for e in errors if "favicon" not in e], errors


def test_refusal_reasons_and_warnings_are_shown_in_the_ui_language(staff_app, tmp_path):
    """Every reason the indexer gives for the usual bad files has a translation."""
    import sys

    from flask_babel import force_locale

    from indexer.errors import IngestRefused
    from search_app.messages import translate

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from pdfmaker import make_image_only_pdf, make_mixed_pdf, make_pdf, truncated_copy

    settings = staff_app.config["SETTINGS"]
    ok = make_pdf(tmp_path / "ok.pdf", [["1. Migrants and cities work together on services "
                                         "for every resident of the municipality."]] * 3)
    bad = {
        "empty.txt": b"", "binary.txt": b"\x00\x01\x02" * 50, "scan.pdf": None,
        "enc.pdf": None, "cut.pdf": None, "x.pdf": b"%PDF-1.4\n%%EOF",
        "y.xyz": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64),
    }
    make_image_only_pdf(tmp_path / "scan.pdf", 2)
    make_pdf(tmp_path / "enc.pdf", [["1. Secret."]], encrypt_password="pw")
    truncated_copy(ok, tmp_path / "cut.pdf", keep=0.3)
    reasons, warnings = [], []
    for name, data in bad.items():
        if data is not None:
            (tmp_path / name).write_bytes(data)
        try:
            library.prepare(tmp_path / name, settings)
        except IngestRefused as exc:
            reasons.append(exc.reason)
    mixed = make_mixed_pdf(tmp_path / "mixed.pdf", [
        ["1. Local authorities and national ministries coordinate migrant reception."],
        None, None,
        ["2. Cities report on inclusion every year to the national government."]])
    warnings += library.prepare(mixed, settings).warnings
    cp = tmp_path / "cp.txt"
    cp.write_bytes("1. Les autorités locales coopèrent avec l'État.".encode("cp1252"))
    warnings += library.prepare(cp, settings).warnings
    assert len(reasons) == len(bad) and warnings
    with staff_app.test_request_context(), force_locale("fr"):
        for message in reasons + warnings:
            assert translate(message) != message, message
        assert "pages 2–3" in " ".join(translate(w) for w in warnings)


def test_dashboard_filter(staff_app):
    client = staff_app.test_client()
    login(client)
    html = client.get("/staff/?q=BASE").get_data(as_text=True)
    assert "Searchable documents (1)" in html
    html = client.get("/staff/?q=no+such+thing").get_data(as_text=True)
    assert "Searchable documents (0)" in html


def test_withdrawn_and_replaced_documents_on_public_pages(staff_app, tmp_path):
    settings = staff_app.config["SETTINGS"]
    client = staff_app.test_client()
    doc_id = next(iter(_doc_ids(staff_app)))
    pid = client.get("/api/search?q=remittances").json["hits"][0]["passage_id"]
    rev = tmp_path / "rev.txt"
    rev.write_text("Base text\n1. Remittances support households in countries of origin every "
                   "month and every year.\n", encoding="utf-8")
    new = library.replace(doc_id, rev, settings, actor="t").doc_id
    html = client.get(f"/p/{pid}").get_data(as_text=True)
    assert "A newer revision of this document exists" in html
    new_pid = client.get(f"/api/passages/{pid}").json["replaced_by"]["passage_id"]
    assert new_pid and new_pid.startswith(new)  # the same paragraph 1 in the new revision
    library.remove(new, settings, actor="t")
    assert client.get(f"/p/{new_pid}").status_code == 410
    assert client.get(f"/d/{new}").status_code == 410
    assert client.get(f"/d/{new}/original").status_code == 410
    assert client.get(f"/api/passages/{new_pid}").json["error"]["status"] == 410


def test_secret_key_from_environment_or_a_private_file(tmp_path, monkeypatch):
    from search_app.auth import secret_key

    keyfile = tmp_path / "conf" / "secret_key"
    s = config.load(index_dir=str(tmp_path / "d"), secret_key_file=str(keyfile))
    first = secret_key(s)
    assert len(first) >= 64 and keyfile.stat().st_mode & 0o777 == 0o600
    assert secret_key(s) == first  # stable across restarts: sessions survive them
    other = config.load(index_dir=str(tmp_path / "d"),
                        secret_key_file=str(tmp_path / "conf2" / "secret_key"))
    assert secret_key(other) != first  # generated, never a constant
    monkeypatch.setenv("DIALOGUE_SEARCH_SECRET_KEY", "from-the-environment-" + "x" * 40)
    assert secret_key(config.load()) == "from-the-environment-" + "x" * 40
    project = Path(__file__).resolve().parents[1]
    assert not keyfile.is_relative_to(project)
    assert not Path(config.load().secret_key_file).is_relative_to(project)


def test_edit_links_a_document_as_a_language_version(staff_app, tmp_path):
    settings = staff_app.config["SETTINGS"]
    fr = tmp_path / "base.fr.txt"
    fr.write_text("Texte de base\n1. Les envois de fonds soutiennent les ménages des pays "
                  "d'origine chaque mois.\n", encoding="utf-8")
    fr_id = library.add([fr], settings, actor="t").outcomes[0].doc_id
    en_id = next(d for d in _doc_ids(staff_app) if d != fr_id)
    client = staff_app.test_client()
    login(client)
    r = client.post(f"/staff/d/{fr_id}/edit", data={
        "csrf_token": token(client, f"/staff/d/{fr_id}"), "title": "Texte de base",
        "lang": "fr", "version_of": en_id})
    assert r.status_code == 302
    pid = client.get("/api/search?q=envois+de+fonds&lang=fr").json["hits"][0]["passage_id"]
    versions = client.get(f"/api/passages/{pid}").json["versions"]
    assert [(v["doc_id"], v["paragraph"]) for v in versions] == [(en_id, "1")]


# ------------------------------------------------------------- passages on review (issue 22)

REPORT = ("Member States commit to cooperate internationally on safe, orderly and regular "
          "migration, and to address its drivers in countries of origin and destination.")


def _review_pdfs(folder: Path) -> tuple[Path, Path]:
    """A clean UN-like report (A) and one whose passages need checking (B): its numbering
    jumps from 2 to 5, a heading was printed as plain text, a paragraph is in French."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from unpdf import un_pdf

    a = un_pdf(folder / "report-a.pdf", [
        ("title", "Report on migration and cities"),
        ("chapter", "Chapter I\nIntroduction"),
        ("para", "1. " + REPORT), ("para", "2. " + REPORT)], symbol="A/77/1")
    b = un_pdf(folder / "report-b.pdf", [
        ("title", "Report on migration and development"),
        ("chapter", "Chapter I\nIntroduction"),
        ("para", "1. " + REPORT), ("para", "2. " + REPORT),
        ("plain", "Implementation of the Compact at the level of cities"),
        ("para", "5. Les autorités locales coordonnent l’accueil des migrants nouvellement "
                 "arrivés avec les ministères nationaux afin que les services atteignent "
                 "chaque résident de la commune.")], symbol="A/77/2")
    return a, b


def _upload(client, files: list[Path]):
    data = {"csrf_token": token(client, "/staff/upload"),
            "files": [(io.BytesIO(f.read_bytes()), f.name) for f in files]}
    r = client.post("/staff/upload", data=data, content_type="multipart/form-data")
    assert r.status_code == 302
    return r.location


def test_review_shows_passages_as_cited_with_flags(staff_app, tmp_path):
    client = staff_app.test_client()
    login(client)
    batch_url = _upload(client, list(_review_pdfs(tmp_path)))
    run_jobs(staff_app)
    items = {j.name: j for j in jobs.in_batch(staff_app.config["SETTINGS"],
                                              batch_url.rsplit("/", 1)[1])}
    a, b = items["report-a.pdf"], items["report-b.pdf"]
    assert [r["label"] for r in a.review] == ["para. 1", "para. 2"] and a.flagged == 0
    assert a.review[0]["section"] == "Report on migration and cities > Chapter I Introduction"
    assert a.review[0]["page"] == "1" and a.review[0]["words"].startswith("1. Member States")
    flags = {r["label"]: r["flags"] for r in b.review}
    assert flags["para. 1"] == [] and flags["para. 2"] == []
    assert "heading" in flags["Report on migration and development > Chapter I Introduction, ¶ 1"]
    assert flags["para. 5"] == ["jump", "language"] and b.flagged == 2
    page = client.get(batch_url).get_data(as_text=True)
    assert "2 passages to check." in page and "Passages to check" in page
    assert "numbering jumps (after para. 2)" in page
    assert "looks like a heading" in page and "in another language (Français)" in page
    assert "1. Member States commit to cooperate" in page and "p. 1" in page
    with client.session_transaction() as s:  # the same page in French
        s["lang"] = "fr"
    page = client.get(batch_url, headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "saut de numérotation (après para. 2)" in page


def test_an_edit_on_one_file_survives_confirming_another(staff_app, tmp_path):
    """Issue 22: editing file B, then confirming file A, reloaded the page and lost B's
    edits. Every file's fields come with any of the review form's buttons."""
    client = staff_app.test_client()
    login(client)
    batch_url = _upload(client, list(_review_pdfs(tmp_path)))
    run_jobs(staff_app)
    page = client.get(batch_url).get_data(as_text=True)
    ids = re.findall(r'/staff/jobs/([0-9a-f]+)/confirm', page)
    assert len(ids) == 2
    a, b = ids
    # what the browser sends: every input that names the review form
    fields = dict(re.findall(r'name="(j[0-9a-f]+-\w+)" form="review-form" value="([^"]*)"',
                             page))
    assert fields[f"j{b}-title"] == "Report on migration and development"
    fields[f"j{b}-title"] = "Report B, corrected"
    fields[f"j{b}-symbol"] = "A/77/2/Corr.1"
    fields[f"j{a}-title"] = "Report A"
    fields["csrf_token"] = token(client, batch_url)
    r = client.post(f"/staff/jobs/{a}/confirm", data=fields)
    assert r.status_code == 302 and r.location == batch_url
    settings = staff_app.config["SETTINGS"]
    assert jobs.get(settings, a).state == "queued"
    assert jobs.get(settings, a).meta.title == "Report A"
    page = client.get(batch_url).get_data(as_text=True)
    assert f'name="j{b}-title" form="review-form" value="Report B, corrected"' in page
    assert f'name="j{b}-symbol" form="review-form" value="A/77/2/Corr.1"' in page
    assert jobs.get(settings, b).state == "review"  # kept, not confirmed
    # "Save changes" keeps them too; the file is only indexed once confirmed
    fields = {f"j{b}-title": "Report B, final", "csrf_token": token(client, batch_url)}
    r = client.post(batch_url + "/save", data=fields)
    assert r.status_code == 302
    assert jobs.get(settings, b).meta.title == "Report B, final"
    assert jobs.get(settings, b).state == "review"
    run_jobs(staff_app)
    assert jobs.get(settings, a).state == "done"


def test_browser_review_page_passages_and_kept_edits(staff_server, browser, artifacts):
    base, tmp = staff_server
    first, second = _review_pdfs(tmp)
    shots = artifacts / "review"
    shots.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en")
    page = context.new_page()
    page.goto(base + "/staff/login")
    page.get_by_label("User name").fill("amina")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/staff/")
    page.goto(base + "/staff/upload")
    page.get_by_label("Files").set_input_files([str(first), str(second)])
    page.get_by_role("button", name="Upload").click()
    page.get_by_role("button", name="Confirm and index").first.wait_for(timeout=60_000)
    # the page stops refreshing itself under a review form: reload until both are analysed
    for _ in range(120):
        if page.get_by_role("button", name="Confirm and index").count() == 2:
            break
        page.wait_for_timeout(500)
        page.reload()
    batch = page.url
    a, b = page.locator("section.job").nth(0), page.locator("section.job").nth(1)
    assert "report-a.pdf" in a.locator("h2").inner_text()
    flagged = b.locator("ol.review-passages").first.locator("li.flagged")
    assert flagged.count() == 2
    assert "numbering jumps (after para. 2)" in flagged.nth(1).inner_text()
    b.locator("details.review-all summary").click()
    assert b.locator("details.review-all li").first.inner_text().startswith("para. 1")
    b.get_by_label("Title").fill("Report B, corrected in the browser")
    a.get_by_role("button", name="Confirm and index").click()
    page.wait_for_url(batch)
    b = page.locator("section.job").nth(1)
    assert b.get_by_label("Title").input_value() == "Report B, corrected in the browser"
    context.close()
    for lang in ("en", "fr", "es"):
        for width, height in ((1280, 900), (390, 844)):
            ctx = browser.new_context(viewport={"width": width, "height": height},
                                      locale=lang, storage_state=context_state(browser, base))
            p = ctx.new_page()
            p.goto(batch)
            p.locator("section.job details.review-all summary").last.click()
            wide = p.evaluate("""w => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > w + 1)
                .map(e => e.tagName + '.' + e.className + ' ' + Math.round(
                    e.getBoundingClientRect().right))""", width)
            assert p.evaluate("document.documentElement.scrollWidth") <= width, wide
            p.screenshot(path=str(shots / f"review-{lang}-{width}.png"), full_page=True)
            ctx.close()


def context_state(browser, base: str) -> dict:
    """A signed-in storage state for new browser contexts."""
    ctx = browser.new_context()
    page = ctx.new_page()
    page.goto(base + "/staff/login")
    page.get_by_label("User name").fill("amina")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/staff/")
    state = ctx.storage_state()
    ctx.close()
    return state
