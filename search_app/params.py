"""Request arguments -> SearchRequest, shared by the pages and the API, plus the reads the
pages and API share (passage with context, document with outline)."""

from __future__ import annotations

from collections.abc import Mapping

from indexer.errors import NotFound, QueryError, Withdrawn
from indexer.labels import label_key
from indexer.models import DocStatus
from indexer.query import limits
from indexer.search.service import SearchRequest
from search_app import service
from search_app.citations import citations, document_json, outline, passage_json
from search_app.references import document_references, passage_references

SEARCH_PARAMS = ("q", "lang", "series", "year", "doc", "cites", "topic", "same_language",
                 "expand", "page", "per_page", "sort")
SORTS = ("relevance", "date")


def _flag(args: Mapping[str, str], name: str, default: bool) -> bool:
    raw = (args.get(name) or "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise QueryError("%(name)s must be 1 or 0, not %(value)r", name=name, value=raw[:20])


def search_request(args: Mapping[str, str], per_page: int = 10) -> SearchRequest:
    """The search a page or API request asks for: its page size within the web limit
    (`web_max_per_page`), its page within the results a search ranks (`max_result_depth`),
    both checked by limits.web_paging; SearchService.search checks the query's own bounds."""
    sort = (args.get("sort") or "relevance").strip()
    if sort not in SORTS:
        raise QueryError("sort must be one of %(known)s", known=", ".join(SORTS))
    page, size = limits.web_paging(args.get("page"), args.get("per_page"), service().settings,
                                   per_page)
    return SearchRequest(
        q=args.get("q") or "",
        lang=(args.get("lang") or "").strip(),
        series=(args.get("series") or "").strip(),
        year=(args.get("year") or "").strip(),
        doc=(args.get("doc") or "").strip(),
        cites=(args.get("cites") or "").strip()[:1000],
        topic=(args.get("topic") or "").strip(),
        same_language=_flag(args, "same_language", False),
        expand=_flag(args, "expand", True),
        page=page,
        per_page=size,
        sort=sort,
    )


def has_search(args: Mapping[str, str]) -> bool:
    """Whether there is anything to search for (words or a filter)."""
    return any((args.get(k) or "").strip()
               for k in ("q", "lang", "series", "year", "doc", "cites", "topic"))


def passage_view(passage_id: str, before: int = 2, after: int = 2, similar: int = 0) -> dict:
    """Passage, its document, neighbours and citations (raises NotFound), plus up to
    `similar` passages worded like it (`more_like_this`, hit JSON) when `similar` > 0."""
    with service().store() as st:
        p = st.get_passage(passage_id)
        d = st.get_document(p.doc_id)
        check_public(d)
        around = st.neighbours(p, before=before, after=after)
        newer = _newer_revision(st, d, p.label)
        refs = passage_references(st, p, d)
    view = {
        "passage": passage_json(p),
        "document": document_json(d),
        "context": {
            "before": [passage_json(x) for x in around if x.ordinal < p.ordinal],
            "after": [passage_json(x) for x in around if x.ordinal > p.ordinal],
        },
        "citation": citations(d, p, _permalink(p.passage_id)),
        "versions": _versions(p),
        "replaced_by": newer,
        **{k: v for k, v in refs.items() if not k.startswith("_")},
        "_objects": (d, p),
        "_links": refs["_links"],
    }
    if similar > 0:
        view["more_like_this"] = more_like_this(passage_id, similar)
    return view


def _permalink(passage_id: str) -> str:
    """The passage page's absolute URL (a citation's URL when the document has no official
    link); "" outside a request."""
    from flask import has_request_context, url_for

    if not has_request_context():
        return ""
    return url_for("ui.passage", passage_id=passage_id, _external=True)


def more_like_this(passage_id: str, limit: int = 5) -> list[dict]:
    """Hit JSON of the passages worded most like this one; none when the search index does
    not have the passage (the store and the index can briefly disagree during a rebuild)."""
    try:
        return [h.to_json() for h in service().more_like_this(passage_id, limit=limit)]
    except NotFound:
        return []


def _versions(p) -> list[dict]:
    """Other language versions of the document, each with the paragraph of the same label
    (found by the indexer: `Article 14` in English is `Artículo 14` in Spanish)."""
    out = []
    for other, same in service().passage_versions(p.passage_id):
        out.append({"doc_id": other.doc_id, "lang": other.meta.lang, "title": other.meta.title,
                    "version": other.meta.version,
                    "passage_id": same.passage_id if same else None,
                    "paragraph": same.label if same else None,
                    "text": same.text if same else None})
    return out


def document_view(doc_id: str) -> dict:
    with service().store() as st:
        d = st.get_document(doc_id)
        check_public(d)
        passages = st.passages(doc_id)
        newer = _newer_revision(st, d)
        refs = document_references(st, d)
    return {"document": document_json(d), "outline": outline(passages), "replaced_by": newer,
            **refs}


def check_public(d) -> None:
    """Documents in the trash are withdrawn from the public pages (HTTP 410)."""
    if d.status == DocStatus.TRASH:
        raise Withdrawn(f"document {d.doc_id} has been withdrawn from the service")


def _newer_revision(st, d, label: str = "") -> dict | None:
    """For a document replaced by a newer revision: the newest revision, and in it the
    paragraph with the same label (old links keep working and say where the text is now)."""
    if d.status != DocStatus.SUPERSEDED:
        return None
    newest = d
    for _ in range(100):  # a chain of revisions; bounded
        nxt = st.replaced_by(newest.doc_id)
        if not nxt:
            break
        newest = st.get_document(nxt)
    same = None
    key = label_key(label)
    if key:
        same = next((x.passage_id for x in st.passages(newest.doc_id)
                     if label_key(x.label) == key), None)
    return {"doc_id": newest.doc_id, "title": newest.meta.title,
            "version": newest.meta.version, "passage_id": same}


def doc_titles() -> dict[str, str]:
    return {d.doc_id: d.meta.title or d.file for d in service().documents()}
