"""Saved searches on the web (issue 24): save a search from its results, see how many passages
it would have produced a month, manage it through its token (rename, pause, delete, new
token, e-mail digest, webhook), its Atom feed at /feeds/<token>.atom, the e-mail
confirmation and unsubscribe pages, and the staff list (/staff/alerts).

Anyone can save a search, without an account: the token in its address is the key, so these
routes need no staff login (auth.OPEN_BLUEPRINTS); forms still carry CSRF tokens, except the
one-click unsubscribe that mail programs POST (RFC 8058). The staff list needs a login.
`init_app` registers everything (this module and alerts_api.py).
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from markupsafe import Markup

from indexer.alerts import mail, preview, render, searches, webhooks
from indexer.alerts.feed import ENTRIES, atom
from indexer.alerts.store import AlertStore, SavedSearch, open_store
from indexer.errors import NotFound
from search_app import UI_LANGUAGES, select_locale, service
from search_app.auth import current_user

bp = Blueprint("alerts", __name__)
staff_bp = Blueprint("staff_alerts", __name__, url_prefix="/staff/alerts")

BROAD = 100  # passages a month on average past which the preview says the search is broad
SHOWN_ITEMS = 20


def settings():
    return current_app.config["SETTINGS"]


def alerts_db() -> AlertStore:
    """This request's connection to alerts.sqlite3 (closed when the request ends)."""
    if "alerts_db" not in g:
        g.alerts_db = open_store(settings())
    return g.alerts_db


def _close(_exc=None) -> None:
    db = g.pop("alerts_db", None)
    if db is not None:
        db.close()


def _private(response):
    """Pages and feeds reached through a token: never cached by shared caches."""
    response.headers["Cache-Control"] = "private, no-store"
    return response


def saved_id(text: str) -> int:
    """A saved search's number from a path (a NotFound for anything else)."""
    if not (text.isascii() and text.isdigit() and len(text) <= 18):
        raise NotFound(f"no saved search {text[:20]!r}")
    return int(text)


def by_token(token: str) -> SavedSearch:
    return alerts_db().by_token(token)


def _permalink(passage_id: str) -> str:
    return url_for("ui.passage", passage_id=passage_id, _external=True)


def request_args() -> dict:
    """The saved fields of the search in this request's form or query string."""
    return searches.request_from(request.values)


def results_url(req: dict, external: bool = False) -> str:
    """The results page of a saved request."""
    args = {k: ("1" if v is True else "0" if v is False else v) for k, v in req.items()}
    args = {k: v for k, v in args.items() if v and not (k == "expand" and v == "1")
            and not (k == "same_language" and v == "0")}
    return url_for("ui.search", _external=external, **args)


@bp.app_template_filter("month")
def month_filter(value: str) -> str:
    """`2026-01` as a month in the UI language (January 2026, janvier 2026)."""
    import datetime

    from babel.dates import format_skeleton
    from flask_babel import get_locale

    y, m = value.split("-")
    return format_skeleton("yMMM", datetime.date(int(y), int(m), 1), locale=get_locale() or "en")


def _preview(req: dict) -> dict:
    from search_app.views import bar_chart

    counts = preview.monthly(service(), req)
    chart = bar_chart({month_filter(c["month"]): c["passages"] for c in counts["months"]},
                      limit=12)
    average = counts["total"] / len(counts["months"])
    return {"counts": counts, "chart": chart, "broad": average > BROAD,
            "average": round(average)}


@bp.errorhandler(NotFound)
def _unknown(_exc):
    """A wrong or replaced token, on the pages and the feed (404), said in the UI's
    language."""
    g.error_status = 404
    return render_template("error.html", status=404, title=_("Not found"),
                           message=_("There is no saved search or subscription at this "
                                     "address: it was deleted, or given a new address.")), 404


# ------------------------------------------------------------------ saving


@bp.get("/alerts/new")
def new():
    req = request_args()
    searches.check(req, settings())  # a search that cannot run cannot be saved (400)
    return render_template("alerts/new.html", req=req, name=searches.describe(req),
                           results=results_url(req), **_preview(req))


@bp.post("/alerts")
def create():
    req = request_args()
    lang = select_locale()
    saved, token = searches.save(alerts_db(), settings(), req, request.form.get("name", ""),
                                 lang if lang in UI_LANGUAGES else "en")
    flash(_("Your search is saved. Bookmark this page: its address is the only key to it "
            "(there is no account)."))
    return redirect(url_for("alerts.manage", token=token), 303)


# ------------------------------------------------------------------ managing


def _manage_page(token: str, saved: SavedSearch, status: int = 200, **extra):
    db = alerts_db()
    items = db.items(saved.id, limit=SHOWN_ITEMS)
    return _private(Response(render_template(
        "alerts/manage.html", saved=saved, token=token, items=items,
        total=db.item_count(saved.id),
        feed=url_for("alerts.feed", token=token, _external=True),
        results=results_url(saved.request),
        reasons=lambda item: render.reasons(item, _),
        highlighted=lambda item: Markup(render.highlighted(item)),  # escaped, with <mark>
        item_title=render.title,
        email=mail.enabled(settings()), frequencies=list(mail.FREQUENCIES),
        subscribers=len(db.subscriptions(saved.id)),
        webhook=db.webhook(saved.id), attempts=db.attempts(saved.id, limit=10),
        **extra), status=status))


@bp.get("/alerts/<token>")
def manage(token: str):
    return _manage_page(token, by_token(token))


@bp.post("/alerts/<token>/rename")
def rename(token: str):
    saved = by_token(token)
    searches.rename(alerts_db(), saved, request.form.get("name", ""))
    flash(_("Renamed."))
    return redirect(url_for("alerts.manage", token=token), 303)


@bp.post("/alerts/<token>/pause")
def pause(token: str):
    saved = by_token(token)
    paused = request.form.get("paused", "1") == "1"
    alerts_db().update(saved.id, paused=paused)
    flash(_("Paused: nothing new is collected or sent until you resume it.") if paused
          else _("Resumed: new passages are collected again from now on."))
    return redirect(url_for("alerts.manage", token=token), 303)


@bp.post("/alerts/<token>/token")
def new_token(token: str):
    saved = by_token(token)
    fresh = alerts_db().replace_token(saved.id)
    flash(_("This is the saved search's new address; the old one, and its feed address, no "
            "longer work."))
    return redirect(url_for("alerts.manage", token=fresh), 303)


@bp.post("/alerts/<token>/delete")
def delete(token: str):
    saved = by_token(token)
    alerts_db().delete(saved.id)
    flash(_("The saved search “%(name)s” is deleted, with its feed, e-mails and webhook.",
            name=saved.name))
    return redirect(url_for("ui.index"), 303)


@bp.post("/alerts/<token>/email")
def subscribe(token: str):
    saved = by_token(token)
    try:
        mail.subscribe(alerts_db(), settings(), saved, request.form.get("address", ""),
                       request.form.get("frequency", "daily"), select_locale())
    except mail.MailUnavailable:
        flash(_("The confirmation e-mail could not be sent now; try again later."), "error")
        return redirect(url_for("alerts.manage", token=token), 303)
    flash(_("A confirmation e-mail is on its way: the digest starts once its link is "
            "followed."))
    return redirect(url_for("alerts.manage", token=token), 303)


@bp.post("/alerts/<token>/webhook")
def set_webhook(token: str):
    saved = by_token(token)
    url = webhooks.check_url(request.form.get("url", ""), settings())
    secret = alerts_db().set_webhook(saved.id, url)
    # shown once, on this page (not through a redirect: the secret stays out of cookies)
    return _manage_page(token, saved, new_secret=secret)


@bp.post("/alerts/<token>/webhook/remove")
def remove_webhook(token: str):
    saved = by_token(token)
    alerts_db().remove_webhook(saved.id)
    flash(_("The webhook is removed."))
    return redirect(url_for("alerts.manage", token=token), 303)


# ------------------------------------------------------------------ the feed


@bp.get("/feeds/<token>.atom")
def feed(token: str):
    saved = by_token(token)  # a wrong token: 404
    items = alerts_db().items(saved.id, limit=ENTRIES)
    body = atom(saved, items, self_url=url_for("alerts.feed", token=token, _external=True),
                site_url=results_url(saved.request, external=True),
                link_for=_permalink)
    response = Response(body, content_type="application/atom+xml; charset=utf-8")
    response.set_etag(f"{saved.id}-{items[0].seq if items else 0}-{saved.updated}")
    response.headers["Cache-Control"] = "private, max-age=300"
    return response.make_conditional(request)


# ------------------------------------------------------------------ e-mail links


@bp.route("/alerts/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str):
    """The confirmation link: a page with one button (a link scanner that follows links
    confirms nothing); the button confirms."""
    db = alerts_db()
    sub = db.subscription_by("confirm", token)
    saved = db.get(sub["search_id"])
    if request.method == "POST":
        db.confirm(sub["id"])
        return _private(Response(render_template("alerts/done.html", saved=saved,
                                                 message=_("Confirmed: the digest of new "
                                                           "passages will come to this "
                                                           "address."))))
    return _private(Response(render_template("alerts/confirm.html", saved=saved,
                                             action=url_for("alerts.confirm", token=token),
                                             question=_("Send the digest of this saved "
                                                        "search to this address?"),
                                             button=_("Confirm"))))


@bp.get("/alerts/unsubscribe/<token>")
def unsubscribe_page(token: str):
    db = alerts_db()
    sub = db.subscription_by("leave", token)
    return _private(Response(render_template(
        "alerts/confirm.html", saved=db.get(sub["search_id"]),
        action=url_for("alerts.unsubscribe", token=token),
        question=_("Stop the e-mails of this saved search?"), button=_("Unsubscribe"))))


@bp.post("/alerts/unsubscribe/<token>")
def unsubscribe(token: str):
    """One click (RFC 8058: mail programs POST `List-Unsubscribe=One-Click` here, with no
    CSRF token: the unsubscribe token is the proof, and it can only end this e-mail)."""
    db = alerts_db()
    sub = db.subscription_by("leave", token)
    saved = db.get(sub["search_id"])
    db.unsubscribe(sub["id"])
    return _private(Response(render_template("alerts/done.html", saved=saved,
                                             message=_("Unsubscribed: no more e-mails of "
                                                       "this saved search come to this "
                                                       "address."))))


# ------------------------------------------------------------------ staff


@staff_bp.before_request
def _staff_only():
    if not current_user():
        if request.method != "GET":
            abort(401, description=_("Sign in as staff to make changes."))
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    return None


@staff_bp.get("/")
def staff_list():
    db = alerts_db()
    return render_template("alerts/staff.html", rows=db.overview(),
                           attempts=db.attempts(limit=20), removals=db.removals(20),
                           results_url=results_url)


@staff_bp.post("/<search_id>/remove")
def staff_remove(search_id: str):
    gone = alerts_db().delete(saved_id(search_id), actor=f"web:{current_user()}")
    flash(_("The saved search “%(name)s” is removed.", name=gone.name))
    return redirect(url_for("staff_alerts.staff_list"), 303)


def _mail_unavailable(exc):
    if request.path.startswith("/api/"):
        from flask import jsonify

        return jsonify({"error": {"status": 503, "message": str(exc)}}), 503
    return render_template("error.html", status=503,
                           title=_("The request could not be run"),
                           message=_("The e-mail could not be sent now; try again later.")
                           ), 503


def init_app(app) -> None:
    """Register the saved searches' pages, feed and API (search_app/__init__.py)."""
    from flask_wtf.csrf import CSRFProtect

    from search_app import alerts_api

    app.register_blueprint(bp)
    app.register_blueprint(staff_bp)
    app.register_blueprint(alerts_api.bp)
    app.register_blueprint(alerts_api.staff_bp)
    app.teardown_appcontext(_close)
    app.register_error_handler(mail.MailUnavailable, _mail_unavailable)
    csrf: CSRFProtect = app.extensions["csrf"]
    csrf.exempt(unsubscribe)  # RFC 8058 one-click: the mail program's POST has no CSRF token
    csrf.exempt(alerts_api.bp)  # token-keyed JSON for scripts: no cookie authorises anything

