"""Bounded work per request (issue 19): every parameter that sizes work has a bound (a
setting), checked before any engine call; past one the answer is a 400 with the reason, and
no request of any shape raises an uncaught error or takes a server process down."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from processes import children

from indexer import config, library
from indexer.errors import QueryError
from indexer.query import limits
from indexer.query import syntax as query_syntax
from indexer.search.service import SearchRequest, SearchService

pytest_plugins = ["web_fixtures"]

PROJECT = Path(__file__).resolve().parents[1]
ATTACKS = ("/api/search?q=migration&page=1000000000",  # tantivy was asked for 2e10 results
           "/search?q=migration&page=50000000",
           "/api/search?q=migration&page=5e7",
           "/api/search?q=migration&page=99999999999999999999",  # OverflowError before
           "/api/search?q=" + quote("(" * 200 + "migration"))  # RecursionError before


# ----------------------------------------------------------------- the bounds themselves

@settings(derandomize=True, max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=30), st.integers().map(str),
                 st.floats(allow_nan=True).map(str)))
def test_whole_numbers_are_plain_decimals_within_bounds(raw):
    try:
        value = limits.whole_number(raw, "page", 1, 1000)
    except QueryError as exc:
        assert str(exc).startswith("page must be a whole number from 1 to 1000, not ")
        return
    assert 1 <= value <= 1000 and raw.strip().isascii() and raw.strip().isdigit()


def test_the_parser_never_overflows_the_stack():
    for text in ("(" * 5000 + "a", "NOT " * 5000 + "a", "(" * 3000 + ")" * 3000,
                 "-(" * 2000 + "a"):
        query_syntax.parse(text)  # no RecursionError
    assert query_syntax.shape("((a) b*) c~ -d* \"e*\"") == query_syntax.Shape(2, 3)
    # `NOT NOT a` still excludes a, as before it was read without recursion
    tree = query_syntax.parse("NOT NOT a b")
    assert [w.text for w in tree.excluded] == ["a"] and [w.text for w in tree.items] == ["b"]


@pytest.fixture(scope="module")
def service(web_index):
    return SearchService(config.load(index_dir=str(web_index)))


@pytest.mark.parametrize("req,reason", [
    (SearchRequest(q="migrants", page=1_000_000_000), "goes deeper than the first 10000"),
    (SearchRequest(q="migrants", page=10**30), "goes deeper than the first 10000"),
    (SearchRequest(q="migrants", page=11, per_page=1000), "ask for page 10 or less"),
    (SearchRequest(q="migrants", per_page=1001), "per_page must be between 1 and 1000"),
    (SearchRequest(q="migrants", page=0), "page must be 1 or more"),
    (SearchRequest(q="(" * 21 + "migrants"), "nests parentheses 21 deep; the limit is 20"),
    (SearchRequest(q="x " * 201), "201 words; the limit is 200"),
    (SearchRequest(q="m" * 1001), "1001 characters long; the limit is 1000"),
    (SearchRequest(q=" ".join(f"mi{c}*" for c in "abcdefghijk")),
     "11 wildcard or fuzzy words"),
    (SearchRequest(q=" ".join(f"-migrant{c}~" for c in "abcdefghijk")),
     "11 wildcard or fuzzy words"),
])
def test_past_a_bound_the_search_says_which(service, req, reason):
    with pytest.raises(QueryError, match=reason):
        service.search(req)


def test_within_the_bounds_searches_run(service):
    assert service.search(SearchRequest(q="(" * 20 + "migrants")).total > 0
    assert service.search(SearchRequest(q="NOT " * 50 + "refugees migrants")).total > 0
    assert service.search(SearchRequest(q=" ".join(["aid"] * 199 + ["migrants"]))).total > 0
    assert service.search(SearchRequest(q="migra* remit* local~ cities~")).total > 0


def test_bounds_are_settings(web_index):
    tight = SearchService(config.load(index_dir=str(web_index), max_result_depth=4,
                                      max_query_nesting=1))
    assert tight.search(SearchRequest(q="migrants", page=2, per_page=2)).page == 2
    with pytest.raises(QueryError, match="ask for page 2 or less"):
        tight.search(SearchRequest(q="migrants", page=3, per_page=2))
    with pytest.raises(QueryError, match="nests parentheses 2 deep; the limit is 1"):
        tight.search(SearchRequest(q="((migrants))", per_page=2))
    with pytest.raises(QueryError, match="per_page must be at most 4"):
        tight.search(SearchRequest(q="migrants", per_page=5))


# ----------------------------------------------------------------- the web app and the API

def test_web_and_api_limits(client):
    def message(url):
        r = client.get(url)
        assert r.status_code == 400, (url, r.status_code)
        return r.get_json()["error"]["message"]

    assert message("/api/search?q=migrants&per_page=101") == (
        "per_page must be a whole number from 1 to 100, not '101'")
    assert "from 1 to 1000, not '1001'" in message("/api/search?q=migrants&page=1001")
    assert "from 1 to 100, not '101'" in message("/api/search?q=migrants&page=101&per_page=100")
    for bad in ("5e7", "1_000", "-1", "+2", "0x10", "١٢", "1.0", "9" * 5000):
        assert "must be a whole number" in message(f"/api/search?q=migrants&page={quote(bad)}")
    assert "limit must be a whole number from 1 to 1000" in message(
        "/api/search.csv?q=migrants&limit=1001")
    assert client.get("/api/search?q=migrants&page=%2001%20").status_code == 200
    r = client.get("/search?q=migrants&page=5e7")
    assert r.status_code == 400 and "whole number" in r.get_data(as_text=True)
    spec = client.get("/api/openapi.json").get_json()
    per_page = next(p for p in spec["paths"]["/api/search"]["get"]["parameters"]
                    if p["name"] == "per_page")
    assert per_page["schema"]["maximum"] == 100


@pytest.fixture(scope="module")
def tight_compare(web_index):
    from search_app import create_app

    s = config.load(index_dir=str(web_index), max_compare_chars=300)
    app = create_app({"SETTINGS": s, "TESTING": True, "JOB_WORKER": False})
    return app.test_client()


def test_compare_size_is_bounded(tight_compare, client):
    docs = {d["file"]: d["doc_id"] for d in client.get("/api/documents").get_json()["documents"]}
    a, b = docs["remittances.en.txt"], docs["hostile.en.txt"]
    assert client.get(f"/api/compare?a={a}&b={b}").status_code == 200
    for url in (f"/api/compare?a={a}&b={b}", f"/api/compare.md?a={a}&b={b}",
                f"/compare?a={a}&b={b}"):
        r = tight_compare.get(url)
        assert r.status_code == 400, url
        assert "too large to compare" in r.get_data(as_text=True)
        assert "the limits are 10000 passages and 300 characters" in r.get_data(as_text=True)
    # a passage page still answers (it shows no counterparts past the bound)
    passage = client.get(f"/api/documents/{a}").get_json()["outline"]
    assert tight_compare.get(f"/d/{a}").status_code == 200
    assert passage


# ----------------------------------------------------------------- one setting, one check

def test_bounds_are_compared_in_limits_py_only():
    """Each bound is one setting (indexer/config.py) and checked in indexer/query/limits.py
    alone: no other module compares a value with one (the page limits were defined in
    params.py, api.py, cli.py and limits.py)."""
    import ast

    fields = set(config.Settings.__dataclass_fields__)
    assert set(limits.BOUNDS) <= fields
    used_in_limits = set()
    elsewhere = []
    for path in sorted([*(PROJECT / "indexer").rglob("*.py"),
                        *(PROJECT / "search_app").rglob("*.py")]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Compare):
                continue
            named = {n.attr for side in (node.left, *node.comparators) for n in ast.walk(side)
                     if isinstance(n, ast.Attribute) and n.attr in fields}
            if path.name == "limits.py" and path.parent.name == "query":
                used_in_limits |= named
            elif named & set(limits.BOUNDS):
                elsewhere.append(f"{path.relative_to(PROJECT)}:{node.lineno} {sorted(named)}")
    assert not elsewhere, "compare with the bound in indexer/query/limits.py:\n" + "\n".join(
        elsewhere)
    # and limits.py checks every one (a comparison, or the range of a whole number)
    source = (PROJECT / "indexer" / "query" / "limits.py").read_text(encoding="utf-8")
    assert used_in_limits and all(f"settings.{name}" in source for name in limits.BOUNDS)


def test_one_setting_moves_every_statement_of_its_bound(web_index, monkeypatch, capsys):
    """Tightened settings change what the pages say and refuse, the OpenAPI description and
    the command line alike: nothing states a bound but its setting."""
    from search_app import create_app

    s = config.load(index_dir=str(web_index), max_query_chars=300, web_max_per_page=7,
                    max_result_depth=70, export_max_hits=9, max_compare_filter_chars=30)
    app = create_app({"SETTINGS": s, "TESTING": True, "JOB_WORKER": False})
    client = app.test_client()

    def refused(url):
        r = client.get(url)
        assert r.status_code == 400, url
        return r.get_json()["error"]["message"]

    assert refused("/api/search?q=migrants&per_page=8") == (
        "per_page must be a whole number from 1 to 7, not '8'")
    assert "from 1 to 10, not '11'" in refused("/api/search?q=migrants&page=11&per_page=7")
    assert "limit must be a whole number from 1 to 9" in refused(
        "/api/search.csv?q=migrants&limit=10")
    assert "the limit is 300" in refused("/api/search?q=" + "m" * 301)
    assert len(client.get("/api/search.json?q=migrants&limit=9").get_json()["hits"]) <= 9
    help_page = client.get("/help").get_data(as_text=True)
    assert "Queries are limited to 300 characters." in help_page
    assert 'maxlength="300"' in client.get("/").get_data(as_text=True)
    assert "1,000" not in help_page and 'maxlength="1000"' not in help_page
    docs = [d["doc_id"] for d in client.get("/api/documents").get_json()["documents"]]
    compare_page = client.get(f"/compare?a={docs[0]}&b={docs[1]}").get_data(as_text=True)
    assert 'id="only" name="only" value="" maxlength="30"' in compare_page
    spec = client.get("/api/openapi.json").get_json()
    search = {p["name"]: p["schema"] for url, path in spec["paths"].items()
              if url.startswith("/api/search") for p in path["get"].get("parameters", [])}
    assert (search["per_page"]["maximum"], search["limit"]["maximum"],
            search["q"]["maxLength"]) == (7, 9, 300)
    queries = [p["schema"] for path in spec["paths"].values() for op in path.values()
               for p in op.get("parameters", []) if p["name"] == "q"]
    assert queries and all(q["maxLength"] == 300 for q in queries)  # every query, every path

    from indexer.cli import main

    monkeypatch.setenv("DIALOGUE_SEARCH_CLI_MAX_PER_PAGE", "20")
    with pytest.raises(SystemExit) as stop:  # refused by the argument parser: status 2
        main(["search", "--index", str(web_index), "--limit", "21", "--", "migrants"])
    assert stop.value.code == 2
    assert "limit must be a whole number from 1 to 20, not '21'" in capsys.readouterr().err
    assert main(["search", "--index", str(web_index), "--limit", "20", "--json", "--",
                 "migrants"]) == 0


# ----------------------------------------------------------------- anything, over a socket

def _get(base: str, target: str, timeout: float = 60) -> int:
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        conn.request("GET", target)
        resp = conn.getresponse()
        resp.read()
        return resp.status
    finally:
        conn.close()


NUMBER = st.one_of(st.integers(min_value=-10**30, max_value=10**30).map(str),
                   st.integers(min_value=0, max_value=2000).map(str),
                   st.integers(min_value=10**6, max_value=10**20).map(str),
                   st.sampled_from(["1000000000", "50000000", "5e7", "99999999999999999999",
                                    "-1", "0", "1e309", "nan", "0x7fffffff", "9" * 5000,
                                    " 1 ", "1_000", "١٢"]))
QUERY = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.characters(max_codepoint=0x1f), max_size=10),  # control characters
    st.integers(min_value=0, max_value=400).map(lambda n: "(" * n + "migrants" + ")" * (n % 7)),
    st.integers(min_value=0, max_value=400).map(lambda n: "NOT " * n + "migrants"),
    st.lists(st.sampled_from(["migra*", "remit~2", "loc*", "cit~", "-ref*", "+dev*", "AND",
                              "OR", "NOT", '"local', "authorities\"", "(", ")", "lang:fr",
                              "year:99999999999-1", "symbol:A/", "doc:x", "ü", "\x00"]),
             max_size=40).map(" ".join))
JUNK = st.one_of(st.text(max_size=40), NUMBER,
                 st.sampled_from(["\r\nSet-Cookie: x=1", "//evil.example/", "/staff/\r\nx",
                                  "/staff/\x00", "javascript:alert(1)", "%0d%0a"]))


# A valid search (so that requests reach the engine), then up to three of any route's
# parameters set to anything: the sizing ones (page, per_page, limit, q, only) from
# strategies that reach past their bounds.
VALID = st.fixed_dictionaries(
    {"q": st.sampled_from(["migrants", "remittances local", "autorités locales", "migra*",
                           '"local authorities"', "cities OR villes"])},
    optional={"lang": st.sampled_from(["en", "fr", "en,fr"]),
              "sort": st.sampled_from(["relevance", "date"]),
              "expand": st.sampled_from(["0", "1"]), "same_language": st.just("1"),
              "page": st.sampled_from(["1", "2"]), "per_page": st.sampled_from(["1", "5"])})
ANY = {"q": QUERY, "page": NUMBER, "per_page": NUMBER, "limit": NUMBER, "only": QUERY}
PARAMS = ("q", "lang", "series", "year", "doc", "topic", "same_language", "expand", "page",
          "per_page", "sort", "limit", "a", "b", "only", "changes", "lang_ui", "next")
CHANGES = st.lists(st.sampled_from((*PARAMS, *ANY, *ANY)).flatmap(
    lambda name: st.tuples(st.just(name), ANY.get(name, JUNK))), max_size=3).map(dict)
ARGS = st.builds(lambda valid, changes: {**valid, **changes}, VALID, CHANGES)
SEARCHES = ("/api/search", "/api/search.csv", "/api/search.json", "/search")
ROUTES = (*SEARCHES * 4, "/api/passages/{id}", "/api/passages/{id}/cite.bib",
          "/api/passages/{id}/cite.ris", "/api/passages/{id}/cite.json", "/api/documents",
          "/api/documents/{id}", "/api/topics", "/api/compare", "/api/compare.md",
          "/api/compare.csv", "/api/openapi.json", "/", "/p/{id}", "/d/{id}", "/compare",
          "/d/{id}/original", "/help", "/staff/login")


@settings(derandomize=True, max_examples=1000, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(route=st.sampled_from(ROUTES), path_id=JUNK, args=ARGS)
def test_no_request_fails_the_server(live_server, route, path_id, args):
    target = route.replace("{id}", quote(path_id, safe="") or "x")
    query = urlencode(args)
    status = _get(live_server, target + ("?" + query if query else ""))
    assert 200 <= status < 500, (target, args, status)


def test_the_server_answers_after_the_property_test(live_server):
    assert _get(live_server, "/api/search?q=migrants") == 200
    for attack in ATTACKS:
        assert _get(live_server, attack) == 400, attack
    assert _get(live_server, "/api/search?q=migrants") == 200


# ----------------------------------------------------------------- both engines, real servers

@pytest.fixture(scope="module", params=["tantivy", "whoosh"])
def engine_index(request, tmp_path_factory) -> Path:
    from web_fixtures import FILES  # imported once pytest_plugins has loaded it

    root = tmp_path_factory.mktemp(f"bounds-{request.param}")
    corpus = root / "corpus"
    corpus.mkdir()
    for name, text in FILES.items():
        (corpus / name).write_text(text, encoding="utf-8")
    data = root / "data"
    report = library.build(corpus, config.load(index_dir=str(data), engine=request.param),
                            workers=1)
    assert len(report.of("indexed")) == 4
    return data


@contextlib.contextmanager
def _serve(data: Path, tmp_path: Path, **env):
    """`index.py serve` with two gunicorn processes on a free port: (process, base URL)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "DIALOGUE_SEARCH_SECRET_KEY_FILE": str(tmp_path / "key"), **env}
    with open(tmp_path / "server.log", "w") as log:
        proc = subprocess.Popen([sys.executable, str(PROJECT / "index.py"), "serve", "--index",
                                 str(data), "--port", str(port), "--workers", "2"],
                                stderr=log, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if _get(base, "/api/search?q=migrants", timeout=30) == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, (tmp_path / "server.log").read_text()
            time.sleep(0.2)
        # One process can answer before gunicorn has forked the other: wait for both to
        # report ready, so that tests counting the processes count both.
        while (tmp_path / "server.log").read_text().count(" ready (index warmed") < 2:
            assert time.monotonic() < deadline, (tmp_path / "server.log").read_text()
            time.sleep(0.1)
        yield proc, base
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def test_deep_pages_are_refused_and_the_workers_stay(engine_index, tmp_path):
    """`index.py serve` with two gunicorn processes: the page that aborted a worker is a
    400, and the same two processes answer afterwards."""
    from indexer.storage import store

    assert store.current_generation(engine_index) is not None
    with _serve(engine_index, tmp_path) as (proc, base):
        workers = children(proc.pid)
        assert len(workers) == 2
        for attack in ATTACKS * 2:
            assert _get(base, attack) == 400, attack
        host, port = base.removeprefix("http://").split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        conn.request("GET", ATTACKS[0])
        body = json.loads(conn.getresponse().read())
        assert body["error"]["message"] == (
            "page must be a whole number from 1 to 1000, not '1000000000'")
        assert _get(base, "/api/search?q=migrants") == 200
        assert children(proc.pid) == workers  # no worker died and was replaced
    assert "Traceback" not in (tmp_path / "server.log").read_text()


def test_slow_clients_hold_no_process(web_index, tmp_path):
    """Ten connections that send half a request and wait, against two sync processes:
    searches still answer at once, and the server closes the slow ones after
    web_read_timeout."""
    with _serve(web_index, tmp_path, DIALOGUE_SEARCH_WEB_READ_TIMEOUT="2") as (_proc, base):
        host, port = base.removeprefix("http://").split(":")
        slow = []
        for _ in range(10):
            s = socket.create_connection((host, int(port)), timeout=10)
            s.sendall(b"GET /api/search?q=migr")
            slow.append(s)
        time.sleep(0.5)
        started = time.monotonic()
        for _ in range(20):
            assert _get(base, "/api/search?q=migrants", timeout=10) == 200
        assert time.monotonic() - started < 8
        for s in slow:  # closed by the server (within the 10 s socket timeout)
            try:
                assert s.recv(100) == b""
            except ConnectionResetError:
                pass  # closed with their request unread: a reset
            s.close()
    log = (tmp_path / "server.log").read_text()
    assert "did not arrive within 2 s" in log and "Traceback" not in log


def test_cli_refuses_a_deep_page(engine_index):
    def run(*args):
        return subprocess.run([sys.executable, str(PROJECT / "index.py"), "search", "--index",
                               str(engine_index), *args], capture_output=True, text=True,
                              timeout=120)

    out = run("--page", "1000000000", "--", "migration")
    assert out.returncode == 2, out.stderr  # a user error, not 134 (SIGABRT)
    assert ("error: page 1000000000 of 10 results goes deeper than the first 10000 results "
            "a search ranks: ask for page 1000 or less") in out.stderr
    out = run("--page", "5e7", "--", "migration")
    assert out.returncode == 2 and "'5e7' is not a whole number" in out.stderr
    out = run("--", "(" * 200 + "migration")
    assert out.returncode == 2 and "nests parentheses 200 deep" in out.stderr
    assert "Traceback" not in out.stderr
