"""Staff accounts: names, password hashes, and slowing down repeated failed logins.

Accounts live in `<data dir>/staff.sqlite3`, beside the index generations, so a rebuild never
touches them. Passwords are hashed with scrypt (werkzeug's `generate_password_hash`, a memory-
hard KDF with a random salt per password); the plain password is never stored or logged.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import sqlite3
import time
from contextlib import closing
from pathlib import Path

from werkzeug.security import check_password_hash, generate_password_hash

from indexer.config import Settings
from indexer.errors import DialogueSearchError
from indexer.storage.store import connect, now

MIN_PASSWORD_CHARS = 10
NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
# Failed logins are slowed down, never locked: past a number of failures within WINDOW
# seconds, each further attempt must wait 2, 4, 8 ... seconds (at most MAX_WAIT) after the
# last failure. Counted three ways at once, so that guessing is slow whichever way it is
# spread, while nobody can shut a user out from elsewhere:
# - this name from this client: after FREE_FAILURES (one person mistyping, or one guesser);
# - this client, any names: after CLIENT_FREE_FAILURES (one client trying many names);
# - this name, any clients: after ACCOUNT_FREE_FAILURES, and never more than
#   ACCOUNT_MAX_WAIT (many clients guessing one password; the user then waits seconds, not
#   hours: four failures for `carol` elsewhere do not stop carol).
FREE_FAILURES = 3
CLIENT_FREE_FAILURES = 10
ACCOUNT_FREE_FAILURES = 20
WINDOW = 15 * 60
MAX_WAIT = 300
ACCOUNT_MAX_WAIT = 30
SESSION_HOURS = 8  # a staff session lasts a working day (the cookie's lifetime too)
# Checked when the name is unknown, so that an unknown name costs as much time as a wrong
# password (no telling which names exist from response times).
_DUMMY_HASH = generate_password_hash("not a password", method="scrypt")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    created TEXT NOT NULL,
    last_login TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS login_failures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    client TEXT NOT NULL,
    at REAL NOT NULL
);
-- every login attempt: who, from where, when, and how it ended (ok | wrong | throttled)
CREATE TABLE IF NOT EXISTS login_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    name TEXT NOT NULL,
    client TEXT NOT NULL,
    outcome TEXT NOT NULL
);
-- signed-in sessions, by the SHA-256 of the id their cookie holds: ending one (logout), or
-- all of a user's (password change, removal), stops a saved cookie at once
CREATE TABLE IF NOT EXISTS sessions (
    sid_hash TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created REAL NOT NULL
);
"""


class AccountError(DialogueSearchError):
    """A staff account cannot be created, changed or found; the message says why."""


class LoginThrottled(DialogueSearchError):
    """Too many failed logins: the next attempt must wait `wait` seconds."""

    def __init__(self, wait: int):
        super().__init__(f"too many failed attempts: wait {wait} s before trying again")
        self.wait = wait


def _connect(settings: Settings) -> sqlite3.Connection:
    return connect(Path(settings.index_dir) / "staff.sqlite3", _SCHEMA)


def check_name(name: str) -> str:
    if not NAME_RE.fullmatch(name or ""):
        raise AccountError("a user name is 1-64 letters, digits or . _ @ - "
                           "(starting with a letter or digit)")
    return name


def add_user(settings: Settings, name: str, password: str) -> None:
    check_name(name)
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_CHARS} characters")
    with closing(_connect(settings)) as db:
        try:
            db.execute("INSERT INTO users(name, password_hash, created) VALUES (?,?,?)",
                       (name, generate_password_hash(password, method="scrypt"), now()))
        except sqlite3.IntegrityError:
            raise AccountError(f"user {name!r} already exists") from None


def remove_user(settings: Settings, name: str) -> None:
    """Remove the account and end its sessions."""
    with closing(_connect(settings)) as db:
        if db.execute("DELETE FROM users WHERE name=?", (name,)).rowcount == 0:
            raise AccountError(f"no user {name!r}")
        db.execute("DELETE FROM sessions WHERE name=?", (name,))


def set_password(settings: Settings, name: str, password: str) -> None:
    """A new password for the account; every session it had ends."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_CHARS} characters")
    with closing(_connect(settings)) as db:
        changed = db.execute("UPDATE users SET password_hash=? WHERE name=?",
                             (generate_password_hash(password, method="scrypt"), name))
        if changed.rowcount == 0:
            raise AccountError(f"no user {name!r}")
        db.execute("DELETE FROM sessions WHERE name=?", (name,))


def list_users(settings: Settings) -> list[dict]:
    with closing(_connect(settings)) as db:
        return [{"name": r["name"], "created": r["created"], "last_login": r["last_login"]}
                for r in db.execute("SELECT name, created, last_login FROM users ORDER BY name")]


def user_exists(settings: Settings, name: str) -> bool:
    with closing(_connect(settings)) as db:
        return db.execute("SELECT 1 FROM users WHERE name=?", (name,)).fetchone() is not None


# ------------------------------------------------------------------ sessions

def _sid_hash(sid: str) -> str:
    return hashlib.sha256(sid.encode("utf-8", "replace")).hexdigest()


def start_session(settings: Settings, name: str, clock=time.time) -> str:
    """A new session id for `name` (kept in the signed cookie; the server keeps its hash)."""
    sid = secrets.token_urlsafe(32)
    at = clock()
    with closing(_connect(settings)) as db:
        db.execute("DELETE FROM sessions WHERE created < ?", (at - SESSION_HOURS * 3600,))
        db.execute("INSERT INTO sessions(sid_hash, name, created) VALUES (?,?,?)",
                   (_sid_hash(sid), name, at))
    return sid


def session_user(settings: Settings, sid: str, clock=time.time) -> str | None:
    """The staff member whose live session this is: None for an ended, expired or unknown
    session, or one whose account is gone."""
    if not sid or not isinstance(sid, str):
        return None
    with closing(_connect(settings)) as db:
        row = db.execute(
            "SELECT s.name FROM sessions s JOIN users u ON u.name = s.name "
            "WHERE s.sid_hash=? AND s.created > ?",
            (_sid_hash(sid), clock() - SESSION_HOURS * 3600)).fetchone()
    return row["name"] if row else None


def end_session(settings: Settings, sid: str) -> None:
    if sid and isinstance(sid, str):
        with closing(_connect(settings)) as db:
            db.execute("DELETE FROM sessions WHERE sid_hash=?", (_sid_hash(sid),))


# ------------------------------------------------------------------ signing in

def _wait(failures: int, last: float, free: int, at: float, cap: int) -> int:
    """Seconds still to wait after `failures` (the first `free` cost nothing)."""
    if failures < free:
        return 0
    wait = min(cap, 2 ** (failures - free + 1))
    return max(0, int(last + wait - at + 0.999))


def authenticate(settings: Settings, name: str, password: str, client: str,
                 clock=time.time) -> bool:
    """Whether `password` is `name`'s. Raises LoginThrottled while failures must wait (see
    FREE_FAILURES); every attempt goes to the login log.

    The check and the count are one write transaction (BEGIN IMMEDIATE): an attempt that
    may go ahead records itself as a failure before the password is checked (and clears it
    on success), so concurrent attempts each see the ones before them, and no more password
    checks run than the limits allow."""
    at = clock()
    with closing(_connect(settings)) as db:
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute("DELETE FROM login_failures WHERE at < ?", (at - WINDOW,))
            remaining = max(
                _wait(*_count(db, "name=? AND client=?", (name, client)), FREE_FAILURES,
                      at=at, cap=MAX_WAIT),
                _wait(*_count(db, "client=?", (client,)), CLIENT_FREE_FAILURES, at=at,
                      cap=MAX_WAIT),
                _wait(*_count(db, "name=?", (name,)), ACCOUNT_FREE_FAILURES, at=at,
                      cap=ACCOUNT_MAX_WAIT))
            if remaining > 0:
                _log(db, name, client, "throttled")
            else:
                pending = db.execute(
                    "INSERT INTO login_failures(name, client, at) VALUES (?,?,?)",
                    (name, client, at)).lastrowid
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        if remaining > 0:
            raise LoginThrottled(remaining)
        user = db.execute("SELECT password_hash FROM users WHERE name=?", (name,)).fetchone()
        ok = check_password_hash(user["password_hash"] if user else _DUMMY_HASH, password)
        ok = ok and user is not None
        if ok:
            # a success clears this client's failures for the name (others' stay counted)
            db.execute("DELETE FROM login_failures WHERE (name=? AND client=?) OR id=?",
                       (name, client, pending))
            db.execute("UPDATE users SET last_login=? WHERE name=?", (now(), name))
        _log(db, name, client, "ok" if ok else "wrong")
        return ok


def _count(db: sqlite3.Connection, where: str, args: tuple) -> tuple[int, float]:
    row = db.execute(f"SELECT COUNT(*) AS n, MAX(at) AS last FROM login_failures "
                     f"WHERE {where}", args).fetchone()
    return row["n"], row["last"] or 0.0


def _log(db: sqlite3.Connection, name: str, client: str, outcome: str) -> None:
    db.execute("INSERT INTO login_log(at, name, client, outcome) VALUES (?,?,?,?)",
               (now(), name[:100], client[:100], outcome))


def login_log(settings: Settings, limit: int = 100) -> list[dict]:
    """The latest login attempts, newest first."""
    with closing(_connect(settings)) as db:
        return [dict(r) for r in db.execute(
            "SELECT at, name, client, outcome FROM login_log ORDER BY id DESC LIMIT ?",
            (limit,))]
