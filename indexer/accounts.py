"""Staff accounts: names, password hashes, and slowing down repeated failed logins.

Accounts live in `<data dir>/staff.sqlite3`, beside the index generations, so a rebuild never
touches them. Passwords are hashed with scrypt (werkzeug's `generate_password_hash`, a memory-
hard KDF with a random salt per password); the plain password is never stored or logged.
"""

from __future__ import annotations

import re
import sqlite3
import time
from contextlib import closing
from pathlib import Path

from werkzeug.security import check_password_hash, generate_password_hash

from .config import Settings
from .errors import DialogueSearchError
from .store import connect, now

MIN_PASSWORD_CHARS = 10
NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
# After FREE_FAILURES failed logins for a name or from a client within WINDOW seconds, each
# further attempt must wait 2, 4, 8 ... seconds (at most MAX_WAIT) after the last failure.
FREE_FAILURES = 3
WINDOW = 15 * 60
MAX_WAIT = 300
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
    with closing(_connect(settings)) as db:
        if db.execute("DELETE FROM users WHERE name=?", (name,)).rowcount == 0:
            raise AccountError(f"no user {name!r}")


def list_users(settings: Settings) -> list[dict]:
    with closing(_connect(settings)) as db:
        return [{"name": r["name"], "created": r["created"], "last_login": r["last_login"]}
                for r in db.execute("SELECT name, created, last_login FROM users ORDER BY name")]


def user_exists(settings: Settings, name: str) -> bool:
    with closing(_connect(settings)) as db:
        return db.execute("SELECT 1 FROM users WHERE name=?", (name,)).fetchone() is not None


def authenticate(settings: Settings, name: str, password: str, client: str,
                 clock=time.time) -> bool:
    """Whether `password` is `name`'s. Raises LoginThrottled while repeated failures for this
    name or from this client must wait; failures are recorded, a success clears them."""
    at = clock()
    with closing(_connect(settings)) as db:
        db.execute("DELETE FROM login_failures WHERE at < ?", (at - WINDOW,))
        row = db.execute(
            "SELECT COUNT(*) AS n, MAX(at) AS last FROM login_failures WHERE name=? OR client=?",
            (name, client)).fetchone()
        if row["n"] >= FREE_FAILURES:
            wait = min(MAX_WAIT, 2 ** (row["n"] - FREE_FAILURES + 1))
            remaining = int(row["last"] + wait - at + 0.999)
            if remaining > 0:
                raise LoginThrottled(remaining)
        user = db.execute("SELECT password_hash FROM users WHERE name=?", (name,)).fetchone()
        ok = check_password_hash(user["password_hash"] if user else _DUMMY_HASH, password)
        ok = ok and user is not None
        if ok:
            db.execute("DELETE FROM login_failures WHERE name=? OR client=?", (name, client))
            db.execute("UPDATE users SET last_login=? WHERE name=?", (now(), name))
        else:
            db.execute("INSERT INTO login_failures(name, client, at) VALUES (?,?,?)",
                       (name, client, at))
        return ok
