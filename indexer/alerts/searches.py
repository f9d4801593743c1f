"""Saving a search and what its owner can do through its token: rename, pause, delete, new
token. Shared by the command line, the API and the pages.

A search is checked as search checks it (its bounds, filters and topic) before it is
saved, and its plan is kept for matching (plan.py)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from indexer import engines
from indexer.alerts import plan as planning
from indexer.alerts.store import SAVED_FIELDS, AlertStore, SavedSearch, search_request
from indexer.config import Settings
from indexer.errors import QueryError
from indexer.query import limits
from indexer.search.planning import cached_analyze
from indexer.storage import store as main_store

NAME_CHARS = 200


def feed_path(token: str) -> str:
    """Where a saved search's Atom feed is served (the contract of `alert add --json`)."""
    return f"/feeds/{token}.atom"


def request_from(values: Mapping) -> dict:
    """The saved fields of a search from form, API or command-line values (anything else is
    ignored: page, order and page size mean nothing to an alert)."""
    def flag(name: str, default: bool) -> bool:
        raw = values.get(name)
        if raw is None or raw == "":
            return default
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off"):
            return False
        raise QueryError("%(name)s must be 1 or 0, not %(value)r", name=name, value=text[:20])

    out: dict = {}
    for name in SAVED_FIELDS:
        if name == "same_language":
            out[name] = flag(name, False)
        elif name == "expand":
            out[name] = flag(name, True)
        else:
            out[name] = str(values.get(name) or "").strip()
    return out


def describe(request: dict) -> str:
    """A saved search as one line: its words and filters (its default name)."""
    parts = [request.get("q", "")]
    parts += [f"{k}:{request[k]}" for k in ("lang", "series", "year", "topic") if request.get(k)]
    return " ".join(p for p in parts if p).strip()[:NAME_CHARS]


def check(request: dict, settings: Settings) -> planning.Plan:
    """The plan of a search to save; QueryError as search would refuse it."""
    if not any(request.get(k) for k in ("q", "lang", "series", "year", "topic")):
        raise QueryError("type some words to search for")
    limits.check_query(request.get("q", ""), settings)
    return planning.build(search_request(request), settings,
                          cached_analyze(_engine(settings).analyze))


def _engine(settings: Settings):
    gen = main_store.current_generation(Path(settings.index_dir))
    return engines.for_generation(gen) if gen is not None else engines.get(settings.engine)


def save(alerts: AlertStore, settings: Settings, request: dict, name: str = "",
         ui_lang: str = "en") -> tuple[SavedSearch, str]:
    """Save a search (checked first): (the saved search, its token)."""
    plan = check(request, settings)
    if alerts.count() >= settings.alert_max_searches:
        raise QueryError("this service keeps at most %(n)s saved searches and has no room "
                         "for another; try again later", n=settings.alert_max_searches)
    saved, token = alerts.create(request, clean_name(name) or describe(request), ui_lang)
    with alerts.transaction():
        alerts.keep_plan(saved.id, planning.to_json(plan),
                         planning.plan_key(settings, _engine(settings)))
    return saved, token


def clean_name(name: str) -> str:
    """A name as given, on one line, within NAME_CHARS."""
    return " ".join((name or "").split())[:NAME_CHARS]


def rename(alerts: AlertStore, saved: SavedSearch, name: str) -> SavedSearch:
    name = clean_name(name)
    if not name:
        raise QueryError("give the saved search a name")
    return alerts.update(saved.id, name=name)
