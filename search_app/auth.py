"""Staff sign-in: the session, its signing key, CSRF, and the guard in front of every change.

Searching is open. Everything that changes something (any POST, PUT, PATCH or DELETE) and
every page under /staff needs a signed-in staff member; the only exception is the login form
itself. The guard is one `before_request` hook, so a new route cannot forget it.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFProtect

from indexer.config import Settings
from indexer.library import accounts

bp = Blueprint("auth", __name__, url_prefix="/staff")

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
OPEN_ENDPOINTS = {"auth.login"}  # reachable without a login (still CSRF-protected)
# alerts: saved searches are anyone's, each changed only through its own unguessable token
# (search_app/alerts.py, alerts_api.py; issue 24). Their staff pages are other blueprints.
OPEN_BLUEPRINTS = {"alerts", "alerts_api"}
SESSION_ID = "staff_sid"  # the server-side session (indexer/library/accounts.py, table sessions)


def secret_key(settings: Settings) -> str:
    """The session signing key: from the environment (via settings), else from a file outside
    the project, created with a random key (readable by its owner only) on first use."""
    if settings.secret_key:
        return settings.secret_key
    path = Path(settings.secret_key_file)
    try:
        key = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    else:
        if path.stat().st_mode & 0o077:  # made readable to others since: narrow it again
            path.chmod(0o600)
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    try:  # O_EXCL: two processes starting together agree on the first one's key
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key + "\n")
    return key


class SessionInterface(SecureCookieSessionInterface):
    """The session cookie is `Secure` whenever the request came over HTTPS (directly, or
    through a trusted proxy: see the `trusted_proxies` setting), not only when configured."""

    def get_cookie_secure(self, app) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def current_user() -> str | None:
    """The signed-in staff member: the cookie's session id must be a live session on the
    server, checked on every request (logout, a password change and removing the account
    end it; a cookie saved before then no longer opens anything)."""
    if "staff_user" not in g:
        settings = current_app.config["SETTINGS"]
        g.staff_user = accounts.session_user(settings, session.get(SESSION_ID))
    return g.staff_user


def _needs_login() -> bool:
    if request.routing_exception is not None:
        return False  # no such route (404) or method (405): nothing to protect
    endpoint = request.endpoint or ""
    if endpoint in OPEN_ENDPOINTS or endpoint == "static" or \
            request.blueprint in OPEN_BLUEPRINTS:
        return False
    return request.method in WRITE_METHODS or endpoint.startswith("staff.")


def _guard():
    if not _needs_login() or current_user():
        return None
    if request.method in WRITE_METHODS:
        abort(401, description=_("Sign in as staff to make changes."))
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def _upload_limit():
    """Uploads may be large; everything else keeps the app's small request limit. Set before
    the form is read, so an oversized request is refused from its Content-Length alone."""
    if request.endpoint in current_app.config["UPLOAD_ENDPOINTS"]:
        request.max_content_length = current_app.config["SETTINGS"].max_upload_bytes


def init_app(app, settings: Settings) -> None:
    app.secret_key = app.config.get("SECRET_KEY") or secret_key(settings)
    app.session_interface = SessionInterface()
    # Flask's defaults are permissive (no SameSite, a 31-day session): a staff session is
    # HttpOnly, SameSite=Lax (no cross-site POST carries it) and lasts a working day.
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = app.config.get("SESSION_COOKIE_SAMESITE") or "Lax"
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=accounts.SESSION_HOURS)
    app.config["WTF_CSRF_TIME_LIMIT"] = accounts.SESSION_HOURS * 3600
    app.config.setdefault("UPLOAD_ENDPOINTS", set())
    if settings.trusted_proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    # Order matters: the size limit before anything reads the body, the login guard before
    # the CSRF check (an anonymous request is refused as such, without reading its form).
    app.before_request(_upload_limit)
    app.before_request(_guard)
    CSRFProtect(app)
    app.register_blueprint(bp)

    @app.context_processor
    def _user():
        return {"staff_user": current_user()}


def _safe_next(target: str) -> str:
    """Only a path on this site (no `//evil.example`, `/\\evil.example` or `https://...`),
    without control characters (a CR/LF would split the Location header); anything else is
    dropped for the dashboard."""
    target = target or ""
    if (not target.startswith("/") or target.startswith("//") or "\\" in target
            or any(ord(c) < 32 or ord(c) == 127 for c in target)):
        return url_for("staff.dashboard")
    try:
        parts = urlsplit(target)
    except ValueError:  # e.g. an unbalanced `[` read as an IPv6 host
        return url_for("staff.dashboard")
    return url_for("staff.dashboard") if parts.scheme or parts.netloc else target


@bp.route("/login", methods=["GET", "POST"])
def login():
    settings = current_app.config["SETTINGS"]
    error, status = "", 200
    if request.method == "POST":
        name = request.form.get("name", "").strip()
        password = request.form.get("password", "")
        target = _safe_next(request.form.get("next", ""))
        try:
            ok = accounts.authenticate(settings, name, password, request.remote_addr or "")
        except accounts.LoginThrottled as exc:
            error = _("Too many failed attempts. Wait %(seconds)s seconds and try again.",
                      seconds=exc.wait)
            status = 429
        else:
            if ok:
                session.clear()  # a fresh session: nothing carried over from before sign-in
                session[SESSION_ID] = accounts.start_session(settings, name)
                session.permanent = True
                return redirect(target)
            error, status = _("Wrong user name or password."), 401
    return render_template("login.html", error=error,
                           next=_safe_next(request.values.get("next", "")) if
                           request.values.get("next") else ""), status


@bp.route("/logout", methods=["POST"])
def logout():
    accounts.end_session(current_app.config["SETTINGS"], session.get(SESSION_ID))
    session.clear()
    return redirect(url_for("ui.index"))
