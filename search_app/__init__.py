"""Dialogue Search web app: HTML pages for people and a JSON API for scripts.

The web layer reads through `indexer.search.SearchService` only; it never imports Whoosh.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, g, jsonify, redirect, render_template, request, url_for
from flask_babel import Babel
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, InternalServerError

from indexer import config as indexer_config
from indexer.errors import IndexOutOfDate, NotFound, PassageMoved, QueryError, Withdrawn, WriteBusy
from indexer.library.accounts import AccountError
from indexer.search.service import SearchService

HERE = Path(__file__).resolve().parent
UI_LANGUAGES = {"en": "English", "fr": "Français", "es": "Español"}
LOCALE_COOKIE = "ui_lang"
EXTENSION = "dialogue_search"

# Content-Security-Policy: everything from this origin, no inline script or style, no framing.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}

ERROR_STATUS = {QueryError: 400, NotFound: 404, IndexOutOfDate: 503, WriteBusy: 503,
                AccountError: 400, Withdrawn: 410}


def service() -> SearchService:
    """The app's one SearchService."""
    from flask import current_app

    return current_app.extensions[EXTENSION]


def select_locale() -> str:
    """`?lang_ui=` first, then the cookie the language switch sets, then Accept-Language."""
    wanted = request.args.get("lang_ui", "")
    if wanted in UI_LANGUAGES:
        return wanted
    cookie = request.cookies.get(LOCALE_COOKIE, "")
    if cookie in UI_LANGUAGES:
        return cookie
    return request.accept_languages.best_match(list(UI_LANGUAGES)) or "en"


def create_app(config: dict | None = None) -> Flask:
    """Build the app. `config` may set INDEX_DIR (else from the environment / defaults) or a
    ready `SETTINGS` (indexer.config.Settings), plus any Flask setting."""
    app = Flask(__name__)
    app.config.update(JSON_SORT_KEYS=False, MAX_CONTENT_LENGTH=64 * 1024)
    app.config.update(config or {})
    settings = app.config.get("SETTINGS")
    if settings is None:
        settings = indexer_config.load(index_dir=app.config.get("INDEX_DIR"))
    app.config["INDEX_DIR"] = settings.index_dir
    app.config["SETTINGS"] = settings
    app.json.sort_keys = False
    app.json.ensure_ascii = False
    app.extensions[EXTENSION] = SearchService(settings)

    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(HERE / "translations")
    Babel(app, locale_selector=select_locale, default_locale="en")
    app.jinja_env.autoescape = True
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    from search_app import api, auth, staff, views

    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(staff.bp)
    app.config["UPLOAD_ENDPOINTS"] = {"staff.upload", "staff.replace"}
    auth.init_app(app, settings)
    # alerts: saved searches' pages, feeds and API (search_app/alerts.py, issue 24)
    from search_app import alerts
    alerts.init_app(app)
    if app.config.get("JOB_WORKER", True):
        # Uploads are processed by this thread (and its child process), not by requests.
        from indexer.library.jobs import Worker

        app.extensions["dialogue_search_jobs"] = Worker(settings).start()

    @app.context_processor
    def _globals():
        # bounds: the settings the forms and the help page state (maxlength, the limits)
        return {"ui_languages": UI_LANGUAGES, "ui_lang": select_locale(), "bounds": settings}

    @app.after_request
    def _headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        wanted = request.args.get("lang_ui", "")
        if wanted in UI_LANGUAGES and request.cookies.get(LOCALE_COOKIE) != wanted:
            response.set_cookie(LOCALE_COOKIE, wanted, max_age=365 * 24 * 3600,
                                samesite="Lax", httponly=True)
        response.vary.add("Accept-Language")
        response.vary.add("Cookie")
        return response

    def _error(exc):
        headers: dict[str, str] = {}
        if isinstance(exc, HTTPException):
            status = exc.code or 500
            message = exc.description or ""
            if isinstance(exc, InternalServerError):
                message = "internal error"
            # what the exception says of itself: a 405 names the methods allowed (`Allow`)
            headers = {k: v for k, v in exc.get_headers() if k.lower() == "allow"}
        else:
            status = next(code for cls, code in ERROR_STATUS.items() if isinstance(exc, cls))
            message = str(exc)
        if request.path.startswith("/api/") or request.path == "/api":
            return jsonify({"error": {"status": status, "message": message}}), status, headers
        from search_app.messages import error_message

        message = error_message(exc, message)
        g.error_status = status
        titles = {400: _("The request could not be run"), 404: _("Not found"),
                  401: _("Sign in needed"), 413: _("The upload is too large"),
                  410: _("Withdrawn"),
                  503: _("The index is not available")}
        title = titles.get(status, _("Something went wrong"))
        return render_template("error.html", status=status, title=title,
                               message=message), status, headers

    def _moved(exc: PassageMoved):
        """An old passage link (before a rebuild relabelled the paragraph): a permanent
        redirect to the same page or file under the passage's new id."""
        args = dict(request.view_args or {})
        if request.endpoint and "passage_id" in args:
            args["passage_id"] = exc.passage_id
            return redirect(url_for(request.endpoint, **args, **request.args.to_dict()), 301)
        return _error(exc)

    for cls in (*ERROR_STATUS, HTTPException):
        app.register_error_handler(cls, _error)
    app.register_error_handler(PassageMoved, _moved)

    return app


__all__ = ["create_app", "service", "UI_LANGUAGES"]
