"""What the comparison page and the document/passage pages show about versions: view models
built from indexer.versions (the web layer reads the store through the service; no engine)."""

from __future__ import annotations

from collections.abc import Mapping

from indexer import versions
from indexer.errors import QueryError

from . import service
from .params import check_public

MAX_ONLY = 200  # characters of the words filter


def compare_view(args: Mapping[str, str]) -> dict:
    """Both documents, the summary, and the rows to show (filtered by `only`, and to the
    changes alone with `changes=1`)."""
    only = (args.get("only") or "").strip()
    if len(only) > MAX_ONLY:
        raise QueryError("only must be at most %(n)s characters", n=MAX_ONLY)
    changes_only = (args.get("changes") or "").strip() in ("1", "on", "true")
    a, b, comparison = versions.compare(service().store(), args.get("a", ""), args.get("b", ""))
    check_public(a)
    check_public(b)
    pairs = comparison.only(only) if only else comparison.pairs
    shown = [p for p in pairs if not changes_only or p.status != "unchanged" or p.moved]
    return {"a": a, "b": b, "only": only, "changes_only": changes_only,
            "summary": comparison.summary(pairs), "summary_all": comparison.summary(),
            "pairs": shown, "total": len(comparison.pairs), "matching": len(pairs),
            "others": _others(a)}


def _others(doc) -> list:
    return [d for d in versions.versions(service().store(), doc.doc_id) if d.status == "active"]


def document_versions(doc_id: str) -> list:
    """The document's work's versions in its language (itself included, marked by the
    template), oldest first; [] when it has no other."""
    found = versions.versions(service().store(), doc_id)
    return found if len(found) > 1 else []


def passage_counterparts(passage_id: str) -> list[versions.Counterpart]:
    return versions.counterparts(service().store(), passage_id)
