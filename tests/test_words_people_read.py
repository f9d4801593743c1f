"""Words a person reads: every message, errors included, is in the UI language, and no page
shows a program's empty value (`None`, `null`, `undefined`).

The message ids are extracted from the source as the catalogs are (babel's extractor, with the
keywords of indexer.errors.EXTRACT_KEYWORDS); the pages are fetched from the production
server (waitress) over a real socket, from an index of each engine, in the language a browser
asks for (Accept-Language).
"""

from __future__ import annotations

import ast
import re
import threading
import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.pofile import read_po

from indexer import config, engines, library
from indexer.errors import EXTRACT_KEYWORDS
from indexer.search.service import SearchService

pytest_plugins = ["web_fixtures"]

PROJECT = Path(__file__).resolve().parents[1]
TRANSLATIONS = PROJECT / "search_app" / "translations"
UI_LANGS = ("en", "fr", "es")
EMPTY_VALUE = re.compile(r"(?<![\w-])(None|null|undefined)(?![\w-])")


def _catalog(lang: str):
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=lang)


def _python_sources() -> list[Path]:
    return sorted([*(PROJECT / "indexer").rglob("*.py"), *(PROJECT / "search_app").rglob("*.py")])


def _message_ids() -> set[str]:
    """Every message id in the code: gettext calls in the app and its templates, and the
    messages of the errors the indexer raises."""
    keywords = {**DEFAULT_KEYWORDS, **EXTRACT_KEYWORDS}
    sources = [("python", p) for p in _python_sources()]
    sources += [("jinja2.ext:babel_extract", p)
                for p in (PROJECT / "search_app" / "templates").rglob("*.html")]
    ids = set()
    for method, path in sources:
        for _, msg, _, _ in extract_from_file(method, str(path), keywords=keywords):
            ids.add(msg if isinstance(msg, str) else msg[0])
    return ids


def test_every_message_id_has_a_french_and_a_spanish_translation():
    ids = _message_ids()
    # the errors of the query language are among them (not only the app's own strings)
    assert "year must be a year like 2018 or a range like 2015-2018, not %(value)r" in ids
    assert len(ids) > 300
    with (TRANSLATIONS / "messages.pot").open("rb") as fh:
        template = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}
    assert not ids - template, f"refresh messages.pot: {sorted(ids - template)[:5]}"
    for lang in ("fr", "es"):
        catalog = {(m.id if isinstance(m.id, str) else m.id[0]): m for m in _catalog(lang)}
        for msgid in ids:
            m = catalog.get(msgid)
            strings = m.string if m and isinstance(m.string, tuple) else (m and m.string,)
            assert m is not None and all(strings) and not m.fuzzy, (lang, msgid)


def _error_calls():
    """(file, line, first argument) of every `raise SomethingError(...)` in the code."""
    for path in _python_sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)
                    and isinstance(node.exc.func, ast.Name)):
                args = node.exc.args
                yield path.name, node.lineno, node.exc.func.id, args[0] if args else None


def test_query_errors_are_written_as_message_ids():
    """A QueryError reaches a page: its message must be a literal message id (or a Plural of
    two), its variable parts named parameters, so that the id can be translated. An f-string
    would make each message a new, untranslatable id."""
    seen = 0
    for name, line, func, first in _error_calls():
        if func != "QueryError":
            continue
        seen += 1
        literal = isinstance(first, ast.Constant) and isinstance(first.value, str)
        plural = (isinstance(first, ast.Call) and getattr(first.func, "id", "") == "Plural"
                  and all(isinstance(a, ast.Constant) for a in first.args[:2]))
        assert literal or plural, f"{name}:{line}: QueryError needs a literal message id"
    assert seen >= 15


def test_an_error_is_english_text_and_keeps_its_id_and_parameters():
    from indexer.errors import Plural, QueryError

    exc = QueryError("unknown language %(code)r: use one of %(known)s", code="xx",
                     known="en, fr")
    assert str(exc) == "unknown language 'xx': use one of en, fr"
    assert exc.msgid.startswith("unknown language") and exc.params["code"] == "xx"
    assert str(QueryError("100% literal")) == "100% literal"  # no parameters: not a format
    one = QueryError(Plural("%(num)s page", "%(num)s pages", 1))
    assert str(one) == "1 page" and str(QueryError(Plural("%(num)s page", "%(num)s pages",
                                                          3))) == "3 pages"


# ---------------------------------------------------------------- over a real socket


@pytest.fixture(scope="module", params=list(engines.ENGINES))
def served(request, tmp_path_factory):
    """web_fixtures.FILES indexed with each engine and served by waitress on a free port;
    yields (base URL, settings)."""
    from web_fixtures import FILES  # (imported once pytest has registered the plugin)

    from search_app.serve import make_server, run_server, stop_server

    root = tmp_path_factory.mktemp(f"words-{request.param}")
    (root / "corpus").mkdir()
    for name, text in FILES.items():
        (root / "corpus" / name).write_text(text, encoding="utf-8")
    settings = config.load(index_dir=str(root / "data"), engine=request.param)
    report = library.build(root / "corpus", settings, workers=1)
    assert len(report.of("indexed")) == 4, [(o.file, o.reason) for o in report.of("refused")]
    server = make_server(settings, "127.0.0.1", 0, threads=4)
    thread = threading.Thread(target=run_server, args=(server,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}", settings
    finally:
        stop_server(server)
        thread.join(timeout=10)


def _get(url: str, lang: str) -> tuple[int, str]:
    req = urllib.request.Request(url, headers={"Accept-Language": lang})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


class _Text(HTMLParser):
    """The text a person reads on a page: its text outside script and style, plus the
    attributes read out or shown (title, alt, placeholder, aria-label)."""

    READ_ATTRS = {"title", "alt", "placeholder", "aria-label"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        self.parts += [v for k, v in attrs if k in self.READ_ATTRS and v]

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts)


def _error_message(html: str) -> str:
    m = re.search(r'<p class="message">(.*?)</p>', html, re.S)
    assert m, html[:500]
    import html as html_lib

    return html_lib.unescape(m.group(1)).strip()


# (page, message id, parameters): bad queries and addresses a person can type or follow
BAD_REQUESTS = [
    ("/search?q=year:abcd", "year must be a year like 2018 or a range like 2015-2018, not "
     "%(value)r", {"value": "abcd"}),
    ("/search?q=migrants+lang:xx", "unknown language %(code)r: use one of %(known)s", None),
    ("/search?q=migrants&series=ZZZ", "unknown series %(name)r: use one of %(known)s", None),
    ("/search?q=migrants&page=999", "page %(page)s is past the end of the results: they fill "
     "%(num)s page of %(per_page)s", None),
    ("/search?q=migrants&page=two", "%(name)s must be a whole number from %(low)s to "
     "%(high)s, not %(value)s", None),
    ("/search?q=migrants&sort=size", "sort must be one of %(known)s",
     {"known": "relevance, date"}),
    ("/search?q=migrants&expand=maybe", "%(name)s must be 1 or 0, not %(value)r",
     {"name": "expand", "value": "maybe"}),
    ("/search?q=migrants&topic=nothing", "unknown topic %(topic)r; known topics: %(known)s",
     None),
    ("/search?q=" + "migrants+" * 120, "the query is %(length)s characters long; the limit "
     "is %(limit)s", None),
    ("/compare?a=x", "give two documents to compare: a=DOC_ID and b=DOC_ID", {}),
]


@pytest.mark.parametrize("lang", ["fr", "es"])
def test_a_bad_query_is_explained_in_the_ui_language(served, lang):
    live_server, _ = served
    catalog = _catalog(lang)
    for path, msgid, params in BAD_REQUESTS:
        status, html = _get(live_server + path, lang)
        api_status, api = _get(live_server + "/api" + path, lang)
        assert status == 400 and api_status == 400, (path, status, api_status)
        english = re.search(r'"message": ?"(.*?)"', api).group(1)
        shown = _error_message(html)
        assert f'<html lang="{lang}">' in html
        assert shown != english, (lang, path, shown)
        string = catalog[msgid].string
        if params:  # the whole message, exactly as the catalog writes it
            assert shown == string % params, (lang, path, shown)
        # else the catalog's message, whatever the parameters were
        first = (string[0] if isinstance(string, tuple) else string).split("%(")[0]
        assert shown.startswith(first.rstrip()), (lang, path, shown, first)


@pytest.mark.parametrize("lang", ["fr", "es"])
def test_a_missing_page_is_explained_in_the_ui_language(served, lang):
    live_server, _ = served
    for path in ("/no/such/page", "/d/nodocument", "/p/nopassage-1"):
        status, html = _get(live_server + path, lang)
        assert status == 404, path
        shown = _error_message(html)
        assert "requested URL" not in shown and "no document with id" not in shown, shown
        assert "no passage with id" not in shown, shown


def _pages(settings) -> list[str]:
    """Every document and passage page of the test index, search results, and the other
    public pages."""
    svc = SearchService(settings)
    docs = svc.documents()
    with svc.store() as st:
        passages = [p.passage_id for d in docs for p in st.passages(d.doc_id)]
    pages = ["/", "/help", "/staff/login", f"/compare?a={docs[0].doc_id}&b={docs[1].doc_id}"]
    pages += [f"/d/{d.doc_id}" for d in docs] + [f"/p/{p}" for p in passages]
    queries = ("migrants", "remittances+local", "autorit%C3%A9s", "migrants&page=2&per_page=3",
               "zzzqqq", "remittances&lang=fr", "hostile&same_language=1",
               "migration&sort=date", "migrants&topic=remittances-diaspora")
    pages += [f"/search?q={q}" for q in queries]
    return pages


def test_no_page_shows_none_null_or_undefined(served):
    live_server, settings = served
    pages = _pages(settings)
    assert len(pages) > 30
    found, fetched = [], 0
    for lang in UI_LANGS:
        for path in pages:
            status, html = _get(live_server + path, lang)
            assert status == 200, (path, status)
            fetched += 1
            text = visible_text(html)
            found += [(lang, path, m.group(0), text[max(0, m.start() - 40):m.end() + 20])
                      for m in EMPTY_VALUE.finditer(text)]
    print(f"\n{settings.engine}: checked {fetched} pages ({len(pages)} x {len(UI_LANGS)} "
          f"languages)")
    assert not found, found
