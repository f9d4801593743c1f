"""Bounds on the work one request may ask for, checked before any engine call.

Each bound is one setting (indexer/config.py, `max_*` and `*_max_*`) and is checked here
only: the pages, the API and the command line call these functions (tests/test_bounds.py
checks that no other module compares a value with a bound). Past one, a QueryError names the
bound and its value (HTTP 400 in the web app and the API, status 2 on the command line). The
messages are message ids with named parameters (indexer/errors.py), translated on the web
pages.
"""

from __future__ import annotations

import re

from indexer.config import Settings
from indexer.errors import QueryError
from indexer.query import syntax as syn

# The settings that bound a request's work (each checked in this module alone).
BOUNDS = ("max_query_chars", "max_query_words", "max_query_nesting", "max_query_patterns",
          "web_max_per_page", "cli_max_per_page", "max_result_depth", "export_max_hits",
          "max_compare_chars", "max_compare_passages", "max_compare_filter_chars")
EXPORT_DEFAULT = 100  # hits a search export holds when its request names no `limit`

# A sane decimal number as people and links write it: ASCII digits only (no `5e7`, `1_000`,
# `١٢` or sign), at most 18 of them (a larger one cannot be within any bound; converting it
# would only cost time).
_DECIMAL = re.compile(r"[0-9]{1,18}")


def whole_number(raw: str, name: str, low: int, high: int) -> int:
    """`raw` (stripped) as an integer in low..high, else a QueryError naming `name`."""
    text = raw.strip()
    value = int(text) if _DECIMAL.fullmatch(text) else None
    if value is None or not low <= value <= high:
        raise QueryError("%(name)s must be a whole number from %(low)s to %(high)s, not "
                         "%(value)s", name=name, low=low, high=high, value=_shown(raw))
    return value


def _given(raw: str | None, name: str, default: int, high: int) -> int:
    """An optional request parameter: `default` when absent or blank, else a whole number in
    1..high."""
    if raw is None or not raw.strip():
        return default
    return whole_number(raw, name, 1, high)


def web_paging(page: str | None, per_page: str | None, settings: Settings,
               default_per_page: int = 10) -> tuple[int, int]:
    """(page, per_page) of a page or API request: per_page within web_max_per_page, page
    within the results a search ranks (max_result_depth), each refused as a whole number
    out of its range."""
    size = _given(per_page, "per_page", default_per_page, settings.web_max_per_page)
    return _given(page, "page", 1, max(1, settings.max_result_depth // size)), size


def export_size(limit: str | None, settings: Settings) -> int:
    """How many hits a search export holds: `limit`, at most export_max_hits."""
    return _given(limit, "limit", EXPORT_DEFAULT, settings.export_max_hits)


def _shown(raw: str) -> str:
    """The start of a refused value, printable (control characters escaped by repr)."""
    return repr(raw[:20] + ("…" if len(raw) > 20 else ""))


def check_page(page: int, per_page: int, settings: Settings) -> None:
    """page from 1, per_page within the largest page any caller may ask for (the command
    line's), and the results ranked before the page within max_result_depth."""
    for name, value in (("page", page), ("per_page", per_page)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise QueryError("%(name)s must be a whole number", name=name)
    if page < 1:
        raise QueryError("page must be 1 or more, not %(page)s", page=page)
    if not 1 <= per_page <= settings.cli_max_per_page:
        raise QueryError("per_page must be between 1 and %(max)s, not %(value)s",
                         max=settings.cli_max_per_page, value=per_page)
    depth = settings.max_result_depth
    if per_page > depth:
        raise QueryError("per_page must be at most %(depth)s, the results a search ranks",
                         depth=depth)
    if page * per_page > depth:
        last = max(1, depth // per_page)
        raise QueryError("page %(page)s of %(per_page)s results goes deeper than the first "
                         "%(depth)s results a search ranks: ask for page %(last)s or less, "
                         "or narrow the search with more words or a filter",
                         page=page, per_page=per_page, depth=depth, last=last)


def check_query(text: str, settings: Settings) -> None:
    """The query's size and shape: characters, words, nesting, wildcard and fuzzy words."""
    text = text or ""
    if len(text) > settings.max_query_chars:
        raise QueryError("the query is %(length)s characters long; the limit is %(limit)s",
                         length=len(text), limit=settings.max_query_chars)
    words = len(re.findall(r"\w+", text))
    if words > settings.max_query_words:
        raise QueryError("the query has %(words)s words; the limit is %(limit)s",
                         words=words, limit=settings.max_query_words)
    shape = syn.shape(text)
    if shape.nesting > settings.max_query_nesting:
        raise QueryError("the query nests parentheses %(depth)s deep; the limit is %(limit)s",
                         depth=shape.nesting, limit=settings.max_query_nesting)
    if shape.patterns > settings.max_query_patterns:
        raise QueryError("the query has %(n)s wildcard or fuzzy words (* or ~); the limit is "
                         "%(limit)s", n=shape.patterns, limit=settings.max_query_patterns)


def check_search(q: str, page: int, per_page: int, settings: Settings) -> None:
    """Every bound of a search request (SearchService.search calls it first)."""
    check_page(page, per_page, settings)
    check_query(q, settings)


def compare_fits(passages: int, chars: int, settings: Settings) -> bool:
    """Whether two documents of this size together may be aligned."""
    return passages <= settings.max_compare_passages and chars <= settings.max_compare_chars


def check_compare(passages: int, chars: int, settings: Settings) -> None:
    """Two documents' size together, before they are aligned."""
    if not compare_fits(passages, chars, settings):
        raise QueryError("these two documents are too large to compare here (%(passages)s "
                         "passages, %(chars)s characters together; the limits are "
                         "%(max_passages)s passages and %(max_chars)s characters)",
                         passages=passages, chars=chars,
                         max_passages=settings.max_compare_passages,
                         max_chars=settings.max_compare_chars)


def check_compare_filter(only: str, settings: Settings) -> None:
    if len(only) > settings.max_compare_filter_chars:
        raise QueryError("only must be at most %(n)s characters",
                         n=settings.max_compare_filter_chars)
