"""How many passages a search would have produced per month over the last year, shown before
it is saved, so that an over-broad alert shows itself.

"Produced" is what the alert would have delivered: the passages the search matches (language
versions once, as search counts them) in the documents that became searchable in that month.
When a document became searchable is what the alerts database recorded (`known.first_seen`);
for the documents already there when it was created, the date the store gives their addition
(a corpus `build` dates its documents at the build). Revisions count whole here (the alert
itself reports only their changed paragraphs), so a month with new revisions is an upper
bound.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from indexer.alerts import plan as planning
from indexer.alerts.store import open_store, search_request
from indexer.query.plan import Filter, Or, Term
from indexer.search.planning import cached_analyze
from indexer.search.service import SearchService

MONTHS = 12


def last_months(today: date | None = None, n: int = MONTHS) -> list[str]:
    """`YYYY-MM` of the last n months, this one last."""
    today = today or datetime.now(UTC).date()
    y, m = today.year, today.month
    out = []
    for _ in range(n):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out[::-1]


def monthly(service: SearchService, request: dict, today: date | None = None) -> dict:
    """{"months": [{"month": "2026-01", "passages": N}, ...], "total": N} over the last
    twelve months (QueryError for a search that cannot run)."""
    settings = service.settings
    months = last_months(today)
    # the engine reader the service searches with (its vocabulary expands wildcards as a
    # search does): the count is the search's own
    engine, rd = service.reader()
    plan = planning.build(search_request(request), settings, cached_analyze(engine.analyze),
                          vocabulary=rd, cited_as=service.cited_as)
    alerts = open_store(settings)
    try:
        seen = alerts.first_seen(months[0] + "-01")
    finally:
        alerts.close()
    by_month: dict[str, list[str]] = {m: [] for m in months}
    for doc_id, when in seen.items():
        if when[:7] in by_month:
            by_month[when[:7]].append(doc_id)
    counts = []
    for month in months:
        docs = by_month[month]
        total = 0
        if docs:
            within = Or(tuple(Term("doc_id", d) for d in sorted(docs)))
            _facets, total = rd.facets(Filter(plan.node, within))
        counts.append({"month": month, "passages": total})
    return {"months": counts, "total": sum(c["passages"] for c in counts)}
