"""Property-based fuzzing of the text and HTML parsers: any bytes give a document or a
refusal with a reason — never another exception."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer.errors import IngestRefused
from indexer.ingest.parsers import html, parse_file, text
from indexer.ingest.passages import split_passages

FUZZ = settings(max_examples=120, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])

_HTML_BITS = ["<p>", "</p>", "<h2>", "</h2>", "<li>", "<table><tr><td>", "<script>x()</script>",
              "<!--", "-->", "<br>", "<div lang='fr'>", "</div>", "&amp;", "&#0;", "<", ">",
              "Article 14", "16.", "(a)", "migration ", "é", "\u0301", "\x00", "\n", " "]
_TEXT_BITS = ["1. ", "(a) ", "Article 3", "18-21786 6/35", "A/73/L.66", "multi-", "\n", "\n\n",
              " \n", "\r\n", "migrants ", "ﬁ", "\u00ad", "________", "# ", "**", "é", "\x0c"]


def check(path, parser):
    try:
        doc = parser.parse(path)
    except IngestRefused as exc:
        assert exc.reason
        return
    split_passages(doc, "dfuzz")


@FUZZ
@given(st.lists(st.sampled_from(_HTML_BITS), max_size=60).map("".join))
def test_html_parser_never_crashes(tmp_path, markup):
    path = tmp_path / "f.html"
    path.write_text(markup, encoding="utf-8", errors="surrogatepass")
    check(path, html)


@FUZZ
@given(st.lists(st.sampled_from(_TEXT_BITS), max_size=80).map("".join))
def test_text_parser_never_crashes(tmp_path, body):
    path = tmp_path / "f.txt"
    path.write_text(body, encoding="utf-8")
    check(path, text)


@FUZZ
@given(st.binary(max_size=400))
def test_any_bytes_are_parsed_or_refused(tmp_path, data):
    for name in ("f.txt", "f.html", "f.pdf", "f.md"):
        path = tmp_path / name
        path.write_bytes(data)
        try:
            parse_file(path)
        except IngestRefused as exc:
            assert exc.reason
