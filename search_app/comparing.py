"""What the comparison page and the document/passage pages show about versions: view models
built from indexer.versions (the web layer reads the store through the service; no engine)."""

from __future__ import annotations

from collections.abc import Mapping

from indexer.models import DocStatus
from indexer.query import limits
from indexer.versions import works as versions
from search_app import service
from search_app.params import check_public


def check_compare_size(doc_a: str, doc_b: str) -> None:
    """Refuse (QueryError, 400) two documents too large to align within a request: their
    passages and characters together, counted in the store before anything is aligned
    (settings max_compare_passages, max_compare_chars). Unknown ids count nothing: the
    comparison itself then says which is missing."""
    limits.check_compare(*_size(doc_a, doc_b), service().settings)


def _size(doc_a: str, doc_b: str) -> tuple[int, int]:
    """(passages, characters) of two stored documents together."""
    with service().store() as st:
        row = st.db.execute(
            "SELECT COUNT(*), COALESCE(SUM(LENGTH(text)), 0) FROM passages "
            "WHERE doc_id IN (?, ?)", ((doc_a or "").strip(), (doc_b or "").strip())).fetchone()
    return row[0], row[1]


def compare_view(args: Mapping[str, str]) -> dict:
    """Both documents, the summary, and the rows to show (filtered by `only`, and to the
    changes alone with `changes=1`)."""
    only = (args.get("only") or "").strip()
    limits.check_compare_filter(only, service().settings)
    changes_only = (args.get("changes") or "").strip() in ("1", "on", "true")
    check_compare_size(args.get("a", ""), args.get("b", ""))
    with service().store() as st:
        a, b, comparison = versions.compare(st, args.get("a", ""), args.get("b", ""))
    check_public(a)
    check_public(b)
    pairs = comparison.only(only) if only else comparison.pairs
    shown = [p for p in pairs if not changes_only or p.status != "unchanged" or p.moved]
    return {"a": a, "b": b, "only": only, "changes_only": changes_only,
            "summary": comparison.summary(pairs), "summary_all": comparison.summary(),
            "pairs": shown, "total": len(comparison.pairs), "matching": len(pairs),
            "others": _others(a)}


def _others(doc) -> list:
    with service().store() as st:
        return [d for d in versions.versions(st, doc.doc_id) if d.status == DocStatus.ACTIVE]


def document_versions(doc_id: str) -> list:
    """The document's work's versions in its language (itself included, marked by the
    template), oldest first; [] when it has no other."""
    with service().store() as st:
        found = versions.versions(st, doc_id)
    return found if len(found) > 1 else []


def passage_counterparts(passage_id: str) -> list[versions.Counterpart]:
    """The passage's row in each comparison of its document with another version; none
    when one of those pairs is past the compare bounds (the page then simply shows no
    counterparts: aligning them would be the unbounded work /compare refuses)."""
    doc_id = service().get_passage(passage_id)[1].doc_id
    settings = service().settings
    with service().store() as st:
        others = versions.versions(st, doc_id)
    for other in others:
        if other.doc_id == doc_id:
            continue
        if not limits.compare_fits(*_size(doc_id, other.doc_id), settings):
            return []
    with service().store() as st:
        return versions.counterparts(st, passage_id)
