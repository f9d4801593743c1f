"""Request arguments -> SearchRequest, shared by the pages and the API, plus the reads the
pages and API share (passage with context, document with outline)."""

from __future__ import annotations

from collections.abc import Mapping

from indexer.errors import QueryError
from indexer.search import SearchRequest

from . import service
from .citations import citations, document_json, outline, passage_json

SEARCH_PARAMS = ("q", "lang", "series", "year", "doc", "page", "per_page", "sort")
SORTS = ("relevance", "date")


def _int(args: Mapping[str, str], name: str, default: int) -> int:
    raw = (args.get(name) or "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise QueryError(f"{name} must be a whole number, not {raw[:20]!r}") from None


def search_request(args: Mapping[str, str], per_page: int = 10) -> SearchRequest:
    sort = (args.get("sort") or "relevance").strip()
    if sort not in SORTS:
        raise QueryError(f"sort must be one of {', '.join(SORTS)}")
    return SearchRequest(
        q=args.get("q") or "",
        lang=(args.get("lang") or "").strip(),
        series=(args.get("series") or "").strip(),
        year=(args.get("year") or "").strip(),
        doc=(args.get("doc") or "").strip(),
        page=_int(args, "page", 1),
        per_page=_int(args, "per_page", per_page),
        sort=sort,
    )


def has_search(args: Mapping[str, str]) -> bool:
    """Whether there is anything to search for (words or a filter)."""
    return any((args.get(k) or "").strip() for k in ("q", "lang", "series", "year", "doc"))


def passage_view(passage_id: str, before: int = 2, after: int = 2) -> dict:
    """Passage, its document, neighbours and citations (raises NotFound)."""
    st = service().store()
    try:
        p = st.get_passage(passage_id)
        d = st.get_document(p.doc_id)
        around = st.neighbours(p, before=before, after=after)
    finally:
        st.close()
    return {
        "passage": passage_json(p),
        "document": document_json(d),
        "context": {
            "before": [passage_json(x) for x in around if x.ordinal < p.ordinal],
            "after": [passage_json(x) for x in around if x.ordinal > p.ordinal],
        },
        "citation": citations(d, p),
        "_objects": (d, p),
    }


def document_view(doc_id: str) -> dict:
    d, passages = service().get_document(doc_id)
    return {"document": document_json(d), "outline": outline(passages)}


def doc_titles() -> dict[str, str]:
    return {d.doc_id: d.meta.title or d.file for d in service().documents()}
