"""HTML pages: search, passage permalink, document, help."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, render_template, request, send_file, url_for
from markupsafe import Markup

from search_app import service
from search_app.params import (
    SEARCH_PARAMS,
    check_public,
    doc_titles,
    document_view,
    has_search,
    passage_view,
    search_request,
)

bp = Blueprint("ui", __name__)

LANG_NAMES = {"en": "English", "fr": "Français", "es": "Español", "ru": "Русский",
              "ar": "العربية", "zh": "中文", "pt": "Português", "de": "Deutsch"}


def search_url(endpoint: str = "ui.search", **changes) -> str:
    """The current search with some parameters changed (None or "" drops one)."""
    args = {k: request.args.get(k, "") for k in SEARCH_PARAMS}
    args.update({k: ("" if v is None else str(v)) for k, v in changes.items()})
    if "page" not in changes and set(changes) - {"page"}:
        args["page"] = ""  # a new filter starts again at page 1
    query = urlencode({k: v for k, v in args.items() if v})
    return url_for(endpoint) + ("?" + query if query else "")


def switch_lang_url(code: str) -> str:
    args = {k: v for k, v in request.args.items() if k != "lang_ui"}
    args["lang_ui"] = code
    return request.path + "?" + urlencode(args)


@bp.app_template_filter("number")
def number_filter(value, decimals: int | None = None) -> str:
    """A number written the UI language's way (1,234 / 1 234 / 1.234; 3.5 / 3,5); with
    `decimals`, always that many digits after the decimal sign."""
    from flask_babel import format_decimal

    if value is None or value == "":
        return ""
    if decimals:
        return format_decimal(value, format="#,##0." + "0" * decimals)
    return format_decimal(value)


@bp.app_template_filter("para")
def para_filter(label) -> str:
    """A passage's label as its citation words it (indexer/labels.py), in the UI language:
    `para. 16(a)`, `annex, para. 16(a)`, `preamble, para. 3`; `Article 14`, `¶ 2` as they
    are (the page shows the section of a `¶` paragraph beside it)."""
    from flask_babel import gettext

    from indexer.labels import locator

    return locator(str(label or ""), say=gettext)


@bp.app_template_filter("pinpoint")
def pinpoint_filter(pinpoint) -> str:
    """A reference's pinpoint (`target 10.c`, `Goal 10`, `Objective 23`, `Article 14`,
    `para. 23`, `paras. 1-6`, `annex V, para. 21`) in the UI language."""
    import re

    from flask_babel import gettext

    text = str(pinpoint or "")
    part, _, where = text.rpartition(", ") if ", " in text else ("", "", text)
    head, _, rest = where.partition(" ")
    words = {"target": gettext("target %(label)s", label=rest),
             "Goal": gettext("Goal %(n)s", n=rest),
             "Objective": gettext("Objective %(n)s", n=rest),
             "Article": gettext("Article %(n)s", n=rest),
             "para.": gettext("para. %(label)s", label=rest),
             "paras.": gettext("paras. %(label)s", label=rest)}
    out = words.get(head, where)
    if part:
        m = re.fullmatch(r"(annex|annexe|anexo)(\s+[IVX]+)?", part, re.I)
        part = f"{gettext('annex')}{m.group(2) or ''}" if m else part
        return gettext("%(part)s, %(where)s", part=part, where=out)
    return out


@bp.app_template_filter("ui_date")
def date_filter(value) -> str:
    """An ISO date (2018-12-19, 2018-12 or 2018) written in the UI language: "19 December
    2018", "19 décembre 2018"; a year alone, or anything else, stays as it is."""
    import datetime
    import re

    from babel.dates import format_skeleton
    from flask_babel import format_date, get_locale

    text = str(value or "")
    m = re.fullmatch(r"(\d{4})-(\d{1,2})(?:-(\d{1,2}))?", text.strip())
    if not m:
        return text
    try:
        day = datetime.date(int(m.group(1)), int(m.group(2)), int(m.group(3) or 1))
    except ValueError:
        return text
    if m.group(3):
        return format_date(day, format="long")
    return format_skeleton("yMMMM", day, locale=get_locale() or "en")


@bp.app_context_processor
def _helpers():
    return {"search_url": search_url, "switch_lang_url": switch_lang_url,
            "lang_name": lambda c: LANG_NAMES.get(c, c)}


def _pages(page: int, per_page: int, total: int, window: int = 2) -> list[int | None]:
    last = max(1, -(-total // per_page))
    shown = sorted({1, last, *range(max(1, page - window), min(last, page + window) + 1)})
    out: list[int | None] = []
    for n in shown:
        if out and n - (out[-1] or 0) > 1:
            out.append(None)  # gap
        out.append(n)
    return out


@bp.app_template_filter("series")
def series_label(value: str) -> str:
    """A series as people read it: the codes (GCM, SDG ...) as they are, `other` translated."""
    from flask_babel import gettext

    return gettext("other") if value == "other" else value


def bar_chart(counts: dict[str, int], sort_numeric: bool = False, limit: int = 12,
              label=None) -> dict:
    """Geometry for a horizontal bar chart drawn in the template as SVG; `label` names a
    value for people (default: the value itself)."""
    items = [((label or str)(k), v) for k, v in counts.items()]
    if sort_numeric:
        items.sort(key=lambda kv: kv[0])
    items = items[:limit]
    top = max((v for _, v in items), default=0) or 1
    row, label_w, bar_w = 22, 70, 180
    bars = [{"label": k, "count": v, "y": i * row, "width": max(1, round(v / top * bar_w)),
             "text_y": i * row + 15} for i, (k, v) in enumerate(items)]
    return {"bars": bars, "height": max(row, len(bars) * row), "label_w": label_w,
            "bar_w": bar_w, "width": label_w + bar_w + 50,
            "summary": ", ".join(f"{k}: {v}" for k, v in items)}


def filter_options(args, facets: dict | None = None, docs: list | None = None) -> dict:
    """Options of the language, series and year selects: values with hit counts from the
    facets of the current search, else the values documents have (no counts). The selected
    value is always offered, so a filter from a link stays visible."""
    out: dict[str, list[dict]] = {}
    for name in ("lang", "series", "year"):
        counts = (facets or {}).get(name) or {}
        if counts:
            values = list(counts)
        else:
            values = sorted({str(getattr(d, "year", None) if name == "year" else
                                 getattr(d.meta, name)) for d in docs or []} - {"", "None"})
        if name == "year":
            values.sort(reverse=True)
        selected = (args.get(name) or "").strip()
        if selected and selected not in values:
            values.append(selected)
        out[name] = [{"value": v, "selected": v == selected, "count": counts.get(v),
                      "label": LANG_NAMES.get(v, v) if name == "lang" else
                      series_label(v) if name == "series" else v}
                     for v in values]
    return out


def topic_options(args) -> list[dict]:
    from flask_babel import get_locale

    from indexer.query.thesaurus import load_thesaurus

    ui = str(get_locale() or "en")
    selected = (args.get("topic") or "").strip()
    return [{"value": t.name, "selected": t.name == selected, "count": None,
             "label": t.label.get(ui) or t.label.get("en") or t.name}
            for t in load_thesaurus().load_topics()]


FILTER_PARAMS = ("lang", "series", "year", "topic", "doc", "cites")


def widen_options(args, req) -> list[dict]:
    """Wider searches offered when nothing matched: each active filter removed, all of them
    removed, all languages instead of only the query's, and the thesaurus expansion back on."""
    active = [(k, (args.get(k) or "").strip()) for k in FILTER_PARAMS]
    active = [(k, v) for k, v in active if v]
    has_q = bool((args.get("q") or "").strip())
    out: list[dict] = []
    for name, value in active:
        if has_q or len(active) > 1:  # removing it still leaves something to search for
            out.append({"kind": "filter", "name": name, "value": value,
                        "url": search_url(**{name: ""})})
    if has_q and len(active) > 1:
        out.append({"kind": "filters", "url": search_url(**{k: "" for k, _ in active})})
    if req.same_language:
        out.append({"kind": "same_language", "url": search_url(same_language="")})
    if not req.expand:
        out.append({"kind": "expand", "url": search_url(expand="")})
    return out


def _filter_value_label(titles: dict[str, str]):
    """How an active filter's value is named to people: a language's name, a document's
    title, a topic's label in the UI language."""

    def label(name: str, value: str) -> str:
        if name == "lang":
            return ", ".join(LANG_NAMES.get(v.strip(), v.strip()) for v in value.split(","))
        if name == "doc":
            return titles.get(value, value)
        if name == "topic":
            return next((t["label"] for t in topic_options({"topic": value})
                         if t["value"] == value), value)
        if name == "series":
            return series_label(value)
        return value

    return label


def _empty_form():
    return render_template("search.html", result=None, args=request.args,
                           filters=filter_options(request.args, docs=service().documents()),
                           topics=topic_options(request.args), within=None)


@bp.get("/")
def index():
    return _empty_form()


@bp.get("/search")
def search():
    if not has_search(request.args):
        return _empty_form()
    req = search_request(request.args)
    result = service().search(req)
    titles = doc_titles()
    within = titles.get(req.doc) if req.doc else None
    charts = {
        "year": bar_chart(result.facets.get("year", {}), sort_numeric=True),
        "series": bar_chart(result.facets.get("series", {}), label=series_label),
    }
    from search_app.references import cited_name, cited_names

    return render_template("search.html", result=result, req=req, args=request.args,
                           cited=cited_names(result.facets.get("cites", {})),
                           citing=cited_name(req.cites) if req.cites else "",
                           filters=filter_options(request.args, result.facets), titles=titles,
                           topics=topic_options(request.args),
                           within=within, charts=charts,
                           pages=_pages(req.page, req.per_page, result.total),
                           last_page=max(1, -(-result.total // req.per_page)),
                           widen=widen_options(request.args, req) if not result.total else [],
                           widen_value=_filter_value_label(titles),
                           snippet=lambda h: Markup(h.snippet))  # escaped HTML + <mark>


@bp.get("/p/<passage_id>")
def passage(passage_id: str):
    from search_app.comparing import passage_counterparts
    from search_app.references import marked_paragraphs

    view = passage_view(passage_id, similar=5)
    marked = marked_paragraphs(view["passage"]["text"], view["_links"])
    return render_template("passage.html", counterparts=passage_counterparts(passage_id),
                           marked=marked, **view)


@bp.get("/d/<doc_id>")
def document(doc_id: str):
    from search_app.comparing import document_versions

    view = document_view(doc_id)
    return render_template("document.html", work_versions=document_versions(doc_id),
                           alternates=service().alternates(doc_id), **view)


@bp.get("/map")
def coherence_map():
    """The coherence map: a text's parts against another's, from explicit references and,
    marked apart, shared wording."""
    from search_app.references import map_specs, map_view, maps

    a, bs = map_specs(request.args)
    views = [map_view(m) for m in maps(request.args)]
    return render_template("map.html", views=views, a=a, bs=bs,
                           query=request.query_string.decode("ascii", "replace"))


@bp.get("/map/cell")
def coherence_cell():
    """The passages behind one cell of the map: the references, then the suggested pairs."""
    from indexer.search import coherence
    from search_app.references import cell_pairs, map_view, reader_langs, unit_label

    a, b = (request.args.get("a") or "").strip(), (request.args.get("b") or "").strip()
    ua, ub = (request.args.get("ua") or "").strip(), (request.args.get("ub") or "").strip()
    if not (a and b and ua and ub):
        from indexer.errors import QueryError

        raise QueryError("a cell of the map needs a=, b=, ua= and ub=")
    m = coherence.coherence_map(service(), a, b, reader_langs())
    cell = cell_pairs(m, ua, ub)
    return render_template("map_cell.html", view=map_view(m), cell=cell,
                           row=m.a.units[ua], column=m.b.units[ub], label=unit_label)


@bp.get("/compare")
def compare():
    """Two versions side by side, paragraph by paragraph, with their changes marked."""
    from search_app.comparing import compare_view

    return render_template("compare.html", **compare_view(request.args))


# Originals served inline; anything else (HTML above all: a stored page rendered under our
# origin could run script) is a download.
INLINE_MIMES = ("application/pdf",)
PDF_CSP = "object-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"


@bp.get("/d/<doc_id>/original")
def original(doc_id: str):
    """The document's original file, located by its content hash (never by the id's text)."""
    check_public(service().document(doc_id))
    path, name, mime = service().original(doc_id)
    resp = send_file(path, mimetype=mime, download_name=name,
                     as_attachment=mime not in INLINE_MIMES, max_age=3600)
    resp.headers["X-Content-Type-Options"] = "nosniff"
    if mime in INLINE_MIMES:
        # The browser's PDF viewer needs its plugin and inline styles (blocked by the site's
        # default-src/object-src 'none'); a PDF cannot run script in our origin.
        resp.headers["Content-Security-Policy"] = PDF_CSP
    else:
        # Even if a browser ignored the attachment, nothing in it may run or load.
        resp.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return resp


@bp.get("/help")
def help_page():
    return render_template("help.html")
