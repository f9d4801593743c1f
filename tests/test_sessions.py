"""Staff sessions live on the server (issue 19): logout, a password change and removing the
account end them, so a saved cookie stops working; sign-in throttling cannot lock a user out
from another client; `next` after sign-in is a path on this site or nothing."""

from __future__ import annotations

import re

import pytest

from indexer import config, library
from indexer.library import accounts

PASSWORD = "correct horse battery"


@pytest.fixture
def app(tmp_path):
    from search_app import create_app

    settings = config.load(index_dir=str(tmp_path / "data"),
                           secret_key_file=str(tmp_path / "key"))
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "base.en.txt").write_text(
        "Base text\n1. Remittances support households in countries of origin every month.\n",
        encoding="utf-8")
    library.build(corpus, settings, workers=1)
    accounts.add_user(settings, "carol", PASSWORD)
    return create_app({"SETTINGS": settings, "TESTING": True, "JOB_WORKER": False})


def _client(app, addr: str = "127.0.0.1"):
    """A test client whose requests come from `addr`."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = addr
    return client


def _token(client, path: str = "/staff/login") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _login(client, password: str = PASSWORD, name: str = "carol", **extra):
    return client.post("/staff/login", data={"name": name, "password": password,
                                             "csrf_token": _token(client), **extra})


def _saved_cookie(client) -> str:
    return client.get_cookie("session").value


def _opens_staff(app, cookie: str) -> bool:
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    return thief.get("/staff/").status_code == 200


def test_a_saved_cookie_fails_after_logout(app):
    c = _client(app)
    assert _login(c).status_code == 302
    saved = _saved_cookie(c)
    assert _opens_staff(app, saved)
    r = c.post("/staff/logout", data={"csrf_token": _token(c, "/staff/")})
    assert r.status_code == 302
    assert not _opens_staff(app, saved)  # it was before the session ended on the server
    assert c.get("/staff/").status_code == 302


def test_a_password_change_and_removal_end_every_session(app):
    settings = app.config["SETTINGS"]
    first, second = _client(app), _client(app, "10.0.0.2")
    _login(first), _login(second)
    cookies = [_saved_cookie(first), _saved_cookie(second)]
    assert all(_opens_staff(app, c) for c in cookies)
    accounts.set_password(settings, "carol", "a brand new password")
    assert not any(_opens_staff(app, c) for c in cookies)
    assert _login(first).status_code == 401  # the old password is gone
    assert _login(first, "a brand new password").status_code == 302
    saved = _saved_cookie(first)
    assert _opens_staff(app, saved)
    accounts.remove_user(settings, "carol")
    assert not _opens_staff(app, saved)
    # an account made again under the same name does not revive old sessions
    accounts.add_user(settings, "carol", PASSWORD)
    assert not _opens_staff(app, saved)


def test_wrong_passwords_elsewhere_do_not_lock_carol_out(app):
    attacker, carol = _client(app, "203.0.113.9"), _client(app, "192.0.2.10")
    for _ in range(4):
        assert _login(attacker, "guess guess").status_code in (401, 429)
    assert _login(attacker).status_code == 429  # the guessing client waits
    assert _login(carol).status_code == 302  # carol, from her own client, does not
    outcomes = [e["outcome"] for e in accounts.login_log(app.config["SETTINGS"])]
    assert outcomes[:2] == ["ok", "throttled"] and outcomes.count("wrong") == 3


@pytest.mark.parametrize("target,expected", [
    ("/staff/log", "/staff/log"),
    ("/staff/\r\nSet-Cookie: x=1", "/staff/"),
    ("/staff/\nx", "/staff/"),
    ("/staff/\x00", "/staff/"),
    ("//evil.example/x", "/staff/"),
    ("/\\evil.example", "/staff/"),
    ("https://evil.example/", "/staff/"),
    ("javascript:alert(1)", "/staff/"),
    ("//[", "/staff/"),
    ("", "/staff/"),
])
def test_next_is_a_path_on_this_site(app, target, expected):
    c = _client(app)
    r = _login(c, next=target)
    assert r.status_code == 302 and r.location == expected
    # the form carries it only when safe, and never fails on it
    page = c.get("/staff/login", query_string={"next": target})
    assert page.status_code == 200


# ----------------------------------------------------------------- links: http(s) only

BAD_LINKS = ("javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,x",
             "vbscript:x", "http://", "https://exa mple.org/", "http://x/\r\ny", "//host/x",
             "file:///etc/passwd")


@pytest.mark.parametrize("url", BAD_LINKS)
def test_links_are_http_only_from_every_source(app, tmp_path, url):
    import json
    import subprocess
    import sys
    from pathlib import Path

    from indexer.errors import IngestRefused
    from indexer.ingest.metadata import read_catalog, read_sidecar, url_problem

    assert url_problem(url).startswith("a document's link must be an http:// or https://")
    # the command line
    project = Path(__file__).resolve().parents[1]
    note = tmp_path / "note.en.txt"
    note.write_text("Note\n1. Local authorities welcome newly arrived migrants.\n")
    settings = app.config["SETTINGS"]
    out = subprocess.run([sys.executable, str(project / "index.py"), "add", str(note),
                          "--index", settings.index_dir, "--url", url],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2 and "must be an http:// or https:// address" in out.stderr
    # a sidecar
    sidecar = tmp_path / "meta.json"
    sidecar.write_text(json.dumps({"title": "Note", "url": url}))
    with pytest.raises(IngestRefused, match="must be an http:// or https:// address"):
        read_sidecar(sidecar)
    # a catalog: the cell is not a link (kept out, as provenance notes are)
    sheet = tmp_path / "MANIFEST.tsv"
    cell = url.replace("\r", "").replace("\n", " ")
    sheet.write_text(f"file\ttitle\turl\nnote.en.txt\tNote\t{cell}\n")
    assert read_catalog(sheet)["note.en.txt"].url == ""
    # the staff form
    c = _client(app)
    _login(c)
    doc_id = next(iter(d["doc_id"] for d in c.get("/api/documents").get_json()["documents"]))
    r = c.post(f"/staff/d/{doc_id}/edit", data={"title": "Base", "url": url,
                                                "csrf_token": _token(c, "/staff/")})
    assert r.status_code == 400
    assert "must be an http:// or https:// address" in r.get_data(as_text=True)
    assert c.get("/api/documents").get_json()["documents"][0]["url"] == ""


def test_http_links_are_kept(app):
    from indexer.ingest.metadata import url_problem

    for url in ("https://undocs.org/A/RES/73/195", "http://example.org/x?y=1#z",
                " HTTPS://EXAMPLE.ORG ", ""):
        assert url_problem(url) == ""
