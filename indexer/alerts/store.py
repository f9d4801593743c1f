"""The saved searches and everything they produced: `<data dir>/alerts.sqlite3` (mode 600).

Outside the index generations on purpose: a `build` makes a new generation and drops the old
ones, and saved searches, their items and what was delivered must outlive that.

    searches       a saved search: its request (query, filters, language options), name,
                   paused flag; reached through an unguessable token, of which only the
                   SHA-256 is kept (a copy of this file opens no saved search)
    known          every document that has been searchable, with when it first was: a
                   document is new (matched) once, never again, whatever rebuilds re-index
    items          one new matching passage of a saved search; `entry_id` is its stable id
                   in the feed, the e-mails and the webhook payloads
    snapshots      the passages behind items as they were (text, title, citation)
    item_passages  the other passages an item stands for (its language versions)
    subscriptions  e-mail digests (double opt-in: `confirmed` is NULL until the address
                   confirmed; unsubscribed ones are deleted)
    webhooks       one URL per saved search, with its HMAC secret
    batches        one delivery (a digest, a webhook POST) of a fixed range of items, kept
                   until delivered or given up: retries resend the same id and items
    attempts       every delivery attempt, with its outcome
    removals       saved searches staff removed, who and when

Writes are transactions (BEGIN IMMEDIATE): matching records its items and marks the
documents known in one commit, so a crash leaves both undone or both done.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import orjson

from indexer.config import Settings
from indexer.errors import NotFound
from indexer.storage import store as main_store

FILE = "alerts.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS searches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uid TEXT NOT NULL UNIQUE,            -- the feed's id (urn:uuid): never changes
    token_hash TEXT NOT NULL UNIQUE,     -- SHA-256 of the token; the token is never stored
    name TEXT NOT NULL,
    request TEXT NOT NULL,               -- the saved request as JSON (see SAVED_FIELDS)
    ui_lang TEXT NOT NULL DEFAULT 'en',
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    paused INTEGER NOT NULL DEFAULT 0,
    plan TEXT NOT NULL DEFAULT '',       -- the query plan, kept (plan.py: to_json)
    plan_key TEXT NOT NULL DEFAULT ''    -- ... and what it was made with (plan.plan_key)
);
CREATE TABLE IF NOT EXISTS known (
    doc_id TEXT PRIMARY KEY,
    first_seen TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS known_seen ON known(first_seen);
CREATE TABLE IF NOT EXISTS items (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,   -- delivery order
    search_id INTEGER NOT NULL REFERENCES searches(id) ON DELETE CASCADE,
    entry_id TEXT NOT NULL UNIQUE,
    passage_id TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    fold_key TEXT NOT NULL,                  -- work + paragraph label, or the text's hash
    text_hash TEXT NOT NULL,
    lang TEXT NOT NULL,
    created TEXT NOT NULL,
    data TEXT NOT NULL,                      -- why it matched (JSON, see Item)
    UNIQUE(search_id, passage_id),           -- an item never repeats
    UNIQUE(search_id, text_hash)             -- ... nor does its wording (a copy)
);
-- the passages behind items as they were when they matched (title, text, citation ...):
-- once per passage, however many saved searches it matched
CREATE TABLE IF NOT EXISTS snapshots (
    passage_id TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS items_fold ON items(search_id, fold_key, seq);
CREATE TABLE IF NOT EXISTS item_passages (
    search_id INTEGER NOT NULL REFERENCES searches(id) ON DELETE CASCADE,
    passage_id TEXT NOT NULL,
    item_seq INTEGER NOT NULL REFERENCES items(seq) ON DELETE CASCADE,
    lang TEXT NOT NULL,
    PRIMARY KEY(search_id, passage_id)
);
CREATE INDEX IF NOT EXISTS item_passages_item ON item_passages(item_seq);
CREATE TABLE IF NOT EXISTS subscriptions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    search_id INTEGER NOT NULL REFERENCES searches(id) ON DELETE CASCADE,
    address TEXT NOT NULL,
    frequency TEXT NOT NULL,                 -- daily | weekly
    ui_lang TEXT NOT NULL,
    confirm_hash TEXT UNIQUE,                -- NULL once confirmed
    unsubscribe_token TEXT NOT NULL UNIQUE,  -- kept: every digest carries it (it can only
                                             -- end this subscription)
    created TEXT NOT NULL,
    confirmed TEXT,
    last_seq INTEGER NOT NULL,               -- items up to this one are in a digest
    next_due TEXT NOT NULL,
    UNIQUE(search_id, address)
);
-- confirmation e-mails sent, by the address's SHA-256: at most a few a day to one address
CREATE TABLE IF NOT EXISTS confirmations (
    address_hash TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS confirmations_address ON confirmations(address_hash, at);
CREATE TABLE IF NOT EXISTS webhooks (
    search_id INTEGER PRIMARY KEY REFERENCES searches(id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    secret TEXT NOT NULL,                    -- the HMAC key: kept to sign each POST
    created TEXT NOT NULL,
    last_seq INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS batches (
    id TEXT PRIMARY KEY,                     -- the delivery id receivers de-duplicate by
    search_id INTEGER NOT NULL REFERENCES searches(id) ON DELETE CASCADE,
    channel TEXT NOT NULL,                   -- email | webhook
    target INTEGER NOT NULL,                 -- the subscription id, or the search id
    from_seq INTEGER NOT NULL,
    to_seq INTEGER NOT NULL,
    created TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt TEXT NOT NULL,
    state TEXT NOT NULL                      -- pending | delivered | failed
);
CREATE INDEX IF NOT EXISTS batches_due ON batches(state, next_attempt);
CREATE TABLE IF NOT EXISTS attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    batch_id TEXT NOT NULL,
    search_id INTEGER NOT NULL,
    channel TEXT NOT NULL,
    at TEXT NOT NULL,
    ok INTEGER NOT NULL,
    status INTEGER,                          -- HTTP status or SMTP reply code
    detail TEXT NOT NULL,
    seconds REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS attempts_search ON attempts(search_id, id);
CREATE TABLE IF NOT EXISTS removals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    search_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    request TEXT NOT NULL
);
"""

# The SearchRequest fields a saved search keeps (page, page size and order mean nothing to
# an alert).
SAVED_FIELDS = ("q", "lang", "series", "year", "topic", "same_language", "expand")


def entry_id(search_uid: str, passage_id: str) -> str:
    """The stable id of a saved search's item of a passage (Atom entry id, webhook and
    e-mail de-duplication)."""
    return f"urn:uuid:{uuid.uuid5(_uuid(search_uid), passage_id)}"


@lru_cache(maxsize=4096)
def _uuid(text: str) -> uuid.UUID:
    return uuid.UUID(text)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    """Unguessable: 192 random bits, URL-safe."""
    return secrets.token_urlsafe(24)


@dataclass
class SavedSearch:
    id: int
    uid: str
    name: str
    request: dict
    ui_lang: str
    created: str
    updated: str
    paused: bool

    def search_request(self):
        return search_request(self.request)


def search_request(r: dict):
    """The SearchRequest of a saved request."""
    from indexer.search.service import SearchRequest

    return SearchRequest(q=r.get("q", ""), lang=r.get("lang", ""), series=r.get("series", ""),
                         year=r.get("year", ""), topic=r.get("topic", ""),
                         same_language=bool(r.get("same_language", False)),
                         expand=bool(r.get("expand", True)))


@dataclass
class Item:
    seq: int
    search_id: int
    entry_id: str
    passage_id: str
    doc_id: str
    lang: str
    created: str
    data: dict = field(default_factory=dict)


def _search(row: sqlite3.Row) -> SavedSearch:
    return SavedSearch(id=row["id"], uid=row["uid"], name=row["name"],
                       request=json.loads(row["request"]), ui_lang=row["ui_lang"],
                       created=row["created"], updated=row["updated"],
                       paused=bool(row["paused"]))


def _item(row: sqlite3.Row) -> Item:
    return Item(seq=row["seq"], search_id=row["search_id"], entry_id=row["entry_id"],
                passage_id=row["passage_id"], doc_id=row["doc_id"], lang=row["lang"],
                created=row["created"],
                data={**orjson.loads(row["snapshot"] or "{}"), **orjson.loads(row["data"])})


_ITEMS = ("SELECT items.*, snapshots.data AS snapshot FROM items LEFT JOIN snapshots "
          "USING(passage_id) ")


class AlertStore:
    """The alerts database of one data directory. Open it with `open_store`."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self):
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # -- saved searches
    def create(self, request: dict, name: str, ui_lang: str = "en") -> tuple[SavedSearch, str]:
        token = new_token()
        at = main_store.now()
        with self.transaction():
            cur = self.db.execute(
                "INSERT INTO searches(uid, token_hash, name, request, ui_lang, created, updated)"
                " VALUES (?,?,?,?,?,?,?)",
                (str(uuid.uuid4()), token_hash(token), name, json.dumps(request,
                                                                        ensure_ascii=False),
                 ui_lang, at, at))
        return self.get(cur.lastrowid), token

    def get(self, search_id: int) -> SavedSearch:
        row = self.db.execute("SELECT * FROM searches WHERE id=?", (search_id,)).fetchone()
        if row is None:
            raise NotFound(f"no saved search {search_id}")
        return _search(row)

    def by_token(self, token: str) -> SavedSearch:
        row = self.db.execute("SELECT * FROM searches WHERE token_hash=?",
                              (token_hash(token or ""),)).fetchone()
        if row is None:
            raise NotFound("no saved search at this address")
        return _search(row)

    def searches(self, active_only: bool = False) -> list[SavedSearch]:
        sql = "SELECT * FROM searches" + (" WHERE paused=0" if active_only else "")
        return [_search(r) for r in self.db.execute(sql + " ORDER BY id")]

    def count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM searches").fetchone()[0]

    def kept_plans(self) -> dict[int, tuple[str, str]]:
        """search id -> (plan JSON, plan key)."""
        return {r[0]: (r[1], r[2]) for r in self.db.execute(
            "SELECT id, plan, plan_key FROM searches")}

    def keep_plan(self, search_id: int, plan_json: str, key: str) -> None:
        """(inside a transaction)"""
        self.db.execute("UPDATE searches SET plan=?, plan_key=? WHERE id=?",
                        (plan_json, key, search_id))

    def update(self, search_id: int, *, name: str | None = None,
               paused: bool | None = None) -> SavedSearch:
        sets, values = ["updated=?"], [main_store.now()]
        if name is not None:
            sets.append("name=?")
            values.append(name)
        if paused is not None:
            sets.append("paused=?")
            values.append(int(paused))
        with self.transaction():
            self.db.execute(f"UPDATE searches SET {', '.join(sets)} WHERE id=?",
                            (*values, search_id))
        return self.get(search_id)

    def replace_token(self, search_id: int) -> str:
        token = new_token()
        with self.transaction():
            self.db.execute("UPDATE searches SET token_hash=?, updated=? WHERE id=?",
                            (token_hash(token), main_store.now(), search_id))
        return token

    def delete(self, search_id: int, actor: str = "") -> SavedSearch:
        """Delete a saved search with everything it produced; staff removals (`actor`) are
        recorded."""
        found = self.get(search_id)
        with self.transaction():
            if actor:
                self.db.execute("INSERT INTO removals(at, actor, search_id, name, request) "
                                "VALUES (?,?,?,?,?)",
                                (main_store.now(), actor, found.id, found.name,
                                 json.dumps(found.request, ensure_ascii=False)))
            self.db.execute("DELETE FROM searches WHERE id=?", (search_id,))
        return found

    def overview(self) -> list[dict]:
        """Every saved search with its counts, newest first (the staff list)."""
        rows = self.db.execute("""
            SELECT s.*, (SELECT COUNT(*) FROM items i WHERE i.search_id=s.id) AS items,
                   (SELECT MAX(created) FROM items i WHERE i.search_id=s.id) AS last_item,
                   (SELECT COUNT(*) FROM subscriptions u WHERE u.search_id=s.id
                      AND u.confirmed IS NOT NULL) AS subscribers,
                   (SELECT COUNT(*) FROM subscriptions u WHERE u.search_id=s.id
                      AND u.confirmed IS NULL) AS unconfirmed,
                   (SELECT COUNT(*) FROM webhooks w WHERE w.search_id=s.id) AS webhooks,
                   (SELECT COUNT(*) FROM attempts a WHERE a.search_id=s.id AND a.ok=0)
                      AS failures
            FROM searches s ORDER BY s.id DESC""")
        out = []
        for r in rows:
            out.append({"search": _search(r), "items": r["items"],
                        "last_item": r["last_item"] or "", "subscribers": r["subscribers"],
                        "unconfirmed": r["unconfirmed"], "webhooks": r["webhooks"],
                        "failures": r["failures"]})
        return out

    def removals(self, limit: int = 50) -> list[dict]:
        return [dict(r) for r in self.db.execute(
            "SELECT * FROM removals ORDER BY id DESC LIMIT ?", (limit,))]

    # -- documents seen
    def known_ids(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT doc_id FROM known")}

    def first_seen(self, since: str) -> dict[str, str]:
        """doc_id -> when it first was searchable, for documents first seen from `since`."""
        return {r[0]: r[1] for r in self.db.execute(
            "SELECT doc_id, first_seen FROM known WHERE first_seen >= ?", (since,))}

    def mark_known(self, doc_ids: dict[str, str]) -> None:
        """(inside a transaction) doc_id -> first seen."""
        self.db.executemany("INSERT OR IGNORE INTO known(doc_id, first_seen) VALUES (?,?)",
                            sorted(doc_ids.items()))

    # -- items
    def items(self, search_id: int, limit: int = 100, after: int = 0,
              upto: int | None = None) -> list[Item]:
        """Newest first with the default `after`; with `after`/`upto`, that range oldest
        first."""
        if after or upto is not None:
            rows = self.db.execute(
                _ITEMS + "WHERE search_id=? AND seq>? AND seq<=? ORDER BY seq LIMIT ?",
                (search_id, after, upto if upto is not None else 2**62, limit))
        else:
            rows = self.db.execute(_ITEMS + "WHERE search_id=? ORDER BY seq DESC LIMIT ?",
                                   (search_id, limit))
        return [_item(r) for r in rows]

    def item_count(self, search_id: int) -> int:
        return self.db.execute("SELECT COUNT(*) FROM items WHERE search_id=?",
                               (search_id,)).fetchone()[0]

    def last_seq(self, search_id: int) -> int:
        row = self.db.execute("SELECT MAX(seq) FROM items WHERE search_id=?",
                              (search_id,)).fetchone()
        return row[0] or 0

    def max_seq(self) -> int:
        return self.db.execute("SELECT MAX(seq) FROM items").fetchone()[0] or 0

    def wordings(self, hashes: set[str]) -> set[tuple[int, str]]:
        """(search id, text hash) of the items whose wording is one of `hashes`."""
        out: set[tuple[int, str]] = set()
        for chunk in _chunks(sorted(hashes)):
            out.update((r[0], r[1]) for r in self.db.execute(
                "SELECT search_id, text_hash FROM items WHERE text_hash IN "
                f"({','.join('?' * len(chunk))})", chunk))
        return out

    def latest_items(self, fold_keys: set[str]) -> dict[tuple[int, str], tuple[int, set]]:
        """(search id, paragraph) -> the newest item of the paragraph and its languages."""
        out: dict[tuple[int, str], tuple[int, set]] = {}
        for chunk in _chunks(sorted(fold_keys)):
            rows = self.db.execute(
                "SELECT search_id, fold_key, MAX(seq) FROM items WHERE fold_key IN "
                f"({','.join('?' * len(chunk))}) GROUP BY search_id, fold_key", chunk)
            for search_id, key, seq in rows.fetchall():
                langs = {r[0] for r in self.db.execute(
                    "SELECT lang FROM items WHERE seq=? UNION SELECT lang FROM item_passages "
                    "WHERE item_seq=?", (seq, seq))}
                out[(search_id, key)] = (seq, langs)
        return out

    def add_snapshot(self, passage_id: str, doc_id: str, data: dict) -> None:
        """(inside a transaction) A passage as it is when it first becomes an item."""
        self.db.execute("INSERT OR IGNORE INTO snapshots(passage_id, doc_id, data) "
                        "VALUES (?,?,?)", (passage_id, doc_id,
                                           json.dumps(data, ensure_ascii=False)))

    def add_items(self, rows: list[tuple]) -> None:
        """(inside a transaction) New items: (search id, search uid, passage id, doc id,
        paragraph key, text hash, language, created, data). An item's stable entry id comes
        from its saved search and its passage."""
        self.db.executemany(
            "INSERT INTO items(search_id, entry_id, passage_id, doc_id, fold_key, text_hash, "
            "lang, created, data) VALUES (?,?,?,?,?,?,?,?,?)",
            [(sid, entry_id(uid, pid), pid, doc, key, th, lang, at, orjson.dumps(data).decode())
             for sid, uid, pid, doc, key, th, lang, at, data in rows])

    def item_seqs(self, entries: list[str]) -> dict[str, int]:
        out = {}
        for chunk in _chunks(sorted(entries)):
            out.update(self.db.execute(
                f"SELECT entry_id, seq FROM items WHERE entry_id IN "
                f"({','.join('?' * len(chunk))})", chunk).fetchall())
        return out

    def add_version(self, search_id: int, seq: int, passage_id: str, lang: str) -> None:
        """(inside a transaction) Another language version of an item's paragraph."""
        self.db.execute("INSERT OR IGNORE INTO item_passages(search_id, passage_id, item_seq, "
                        "lang) VALUES (?,?,?,?)", (search_id, passage_id, seq, lang))
        row = self.db.execute("SELECT data FROM items WHERE seq=?", (seq,)).fetchone()
        data = json.loads(row["data"])
        data.setdefault("versions", {})[lang] = passage_id
        self.db.execute("UPDATE items SET data=? WHERE seq=?",
                        (json.dumps(data, ensure_ascii=False), seq))

    # -- e-mail subscriptions
    def subscribe(self, search_id: int, address: str, frequency: str, ui_lang: str,
                  due: str) -> tuple[int, str, str]:
        """A subscription waiting for its confirmation: (id, confirmation token,
        unsubscribe token). A second request for the same address replaces the first."""
        confirm, leave = new_token(), new_token()
        with self.transaction():
            self.db.execute("DELETE FROM subscriptions WHERE search_id=? AND address=? AND "
                            "confirmed IS NULL", (search_id, address))
            cur = self.db.execute(
                "INSERT INTO subscriptions(search_id, address, frequency, ui_lang, "
                "confirm_hash, unsubscribe_token, created, last_seq, next_due) "
                "VALUES (?,?,?,?,?,?,?,?,?)",
                (search_id, address, frequency, ui_lang, token_hash(confirm), leave,
                 main_store.now(), self.last_seq(search_id), due))
        return cur.lastrowid, confirm, leave

    def subscription(self, sub_id: int) -> dict:
        row = self.db.execute("SELECT * FROM subscriptions WHERE id=?", (sub_id,)).fetchone()
        if row is None:
            raise NotFound("no such subscription")
        return dict(row)

    def subscription_by(self, kind: str, token: str) -> dict:
        """The subscription a confirmation ("confirm") or unsubscribe ("leave") token
        opens."""
        if kind == "confirm":
            row = self.db.execute("SELECT * FROM subscriptions WHERE confirm_hash=?",
                                  (token_hash(token or ""),)).fetchone()
        else:
            row = self.db.execute("SELECT * FROM subscriptions WHERE unsubscribe_token=?",
                                  (token or "",)).fetchone()
        if row is None:
            raise NotFound("no subscription at this address")
        return dict(row)

    def subscriptions(self, search_id: int | None = None, confirmed: bool = True) -> list[dict]:
        sql = "SELECT * FROM subscriptions WHERE confirmed IS " + (
            "NOT NULL" if confirmed else "NULL")
        args: tuple = ()
        if search_id is not None:
            sql += " AND search_id=?"
            args = (search_id,)
        return [dict(r) for r in self.db.execute(sql + " ORDER BY id", args)]

    def confirm(self, sub_id: int) -> None:
        """Confirmed: digests start with the items that come from now on."""
        sub = self.subscription(sub_id)
        with self.transaction():
            self.db.execute("UPDATE subscriptions SET confirmed=?, confirm_hash=NULL, "
                            "last_seq=? WHERE id=?",
                            (main_store.now(), self.last_seq(sub["search_id"]), sub_id))

    def unsubscribe(self, sub_id: int) -> None:
        with self.transaction():
            self.db.execute("DELETE FROM subscriptions WHERE id=?", (sub_id,))

    def recent_confirmations(self, address: str, since: str) -> int:
        """Confirmation e-mails sent to the address since then."""
        return self.db.execute("SELECT COUNT(*) FROM confirmations WHERE address_hash=? AND "
                               "at>=?", (token_hash(address.lower()), since)).fetchone()[0]

    def confirmation_sent(self, address: str) -> None:
        with self.transaction():
            self.db.execute("INSERT INTO confirmations(address_hash, at) VALUES (?,?)",
                            (token_hash(address.lower()), main_store.now()))

    # -- webhooks
    def set_webhook(self, search_id: int, url: str) -> str:
        """The webhook of a saved search (replacing any), with a new secret, returned."""
        secret = secrets.token_hex(32)
        with self.transaction():
            self.db.execute("INSERT OR REPLACE INTO webhooks(search_id, url, secret, created, "
                            "last_seq) VALUES (?,?,?,?,?)",
                            (search_id, url, secret, main_store.now(),
                             self.last_seq(search_id)))
        return secret

    def webhook(self, search_id: int) -> dict | None:
        row = self.db.execute("SELECT * FROM webhooks WHERE search_id=?",
                              (search_id,)).fetchone()
        return dict(row) if row else None

    def webhooks(self) -> list[dict]:
        return [dict(r) for r in self.db.execute("SELECT * FROM webhooks ORDER BY search_id")]

    def remove_webhook(self, search_id: int) -> None:
        with self.transaction():
            self.db.execute("DELETE FROM webhooks WHERE search_id=?", (search_id,))
            self.db.execute("UPDATE batches SET state='failed' WHERE search_id=? AND "
                            "channel='webhook' AND state='pending'", (search_id,))

    # -- deliveries
    def open_batch(self, search_id: int, channel: str, target: int, limit: int,
                   at: str) -> dict | None:
        """The next batch of a target's undelivered items, fixed now (its id and range do
        not change on retries), or None when nothing is new. The target's cursor moves past
        the batch in the same commit."""
        table, key = (("subscriptions", "id") if channel == "email"
                      else ("webhooks", "search_id"))
        with self.transaction():
            row = self.db.execute(f"SELECT last_seq FROM {table} WHERE {key}=?",
                                  (target,)).fetchone()
            if row is None:
                return None
            seqs = [r[0] for r in self.db.execute(
                "SELECT seq FROM items WHERE search_id=? AND seq>? ORDER BY seq LIMIT ?",
                (search_id, row[0], limit))]
            if not seqs:
                return None
            batch_id = f"{channel}-{target}-{seqs[0]}-{seqs[-1]}"
            self.db.execute("INSERT OR IGNORE INTO batches(id, search_id, channel, target, "
                            "from_seq, to_seq, created, next_attempt, state) "
                            "VALUES (?,?,?,?,?,?,?,?, 'pending')",
                            (batch_id, search_id, channel, target, seqs[0], seqs[-1], at, at))
            self.db.execute(f"UPDATE {table} SET last_seq=? WHERE {key}=?", (seqs[-1], target))
        return self.batch(batch_id)

    def batch(self, batch_id: str) -> dict:
        row = self.db.execute("SELECT * FROM batches WHERE id=?", (batch_id,)).fetchone()
        if row is None:
            raise NotFound(f"no batch {batch_id}")
        return dict(row)

    def due_batches(self, at: str) -> list[dict]:
        return [dict(r) for r in self.db.execute(
            "SELECT * FROM batches WHERE state='pending' AND next_attempt<=? ORDER BY created, "
            "id", (at,))]

    def batch_items(self, batch: dict) -> list[Item]:
        return self.items(batch["search_id"], limit=10_000, after=batch["from_seq"] - 1,
                          upto=batch["to_seq"])

    def record_attempt(self, batch: dict, ok: bool, status: int | None, detail: str,
                       seconds: float, next_attempt: str | None, give_up: bool) -> None:
        """Log one attempt; the batch is delivered, retried at `next_attempt`, or given up."""
        state = "delivered" if ok else "failed" if give_up else "pending"
        with self.transaction():
            self.db.execute("INSERT INTO attempts(batch_id, search_id, channel, at, ok, status, "
                            "detail, seconds) VALUES (?,?,?,?,?,?,?,?)",
                            (batch["id"], batch["search_id"], batch["channel"],
                             main_store.now(), int(ok), status, detail[:500], seconds))
            self.db.execute("UPDATE batches SET attempts=attempts+1, state=?, next_attempt=? "
                            "WHERE id=?", (state, next_attempt or batch["next_attempt"],
                                           batch["id"]))

    def attempts(self, search_id: int | None = None, limit: int = 50) -> list[dict]:
        if search_id is None:
            rows = self.db.execute("SELECT * FROM attempts ORDER BY id DESC LIMIT ?", (limit,))
        else:
            rows = self.db.execute("SELECT * FROM attempts WHERE search_id=? ORDER BY id DESC "
                                   "LIMIT ?", (search_id, limit))
        return [dict(r) for r in rows]

    def set_due(self, sub_id: int, due: str) -> None:
        with self.transaction():
            self.db.execute("UPDATE subscriptions SET next_due=? WHERE id=?", (due, sub_id))


def _chunks(values: list, size: int = 500):
    for i in range(0, len(values), size):
        yield values[i:i + size]


def path_of(settings: Settings) -> Path:
    return Path(settings.index_dir) / FILE


def exists(settings: Settings) -> bool:
    return path_of(settings).exists()


def open_store(settings: Settings) -> AlertStore:
    """The alerts database, created on first use (mode 600, like staff.sqlite3). A new one
    records every document already in the index as known: a search saved today gets nothing
    from the past."""
    path = path_of(settings)
    db = main_store.connect(path, _SCHEMA)
    db.execute("PRAGMA foreign_keys=ON")
    # WAL with NORMAL: a commit survives the process being killed (what the crash test
    # does); a power cut may lose the last one, and with it the documents it marked known,
    # which the next catch-up then matches again: nothing lost, nothing doubled
    db.execute("PRAGMA synchronous=NORMAL")
    alerts = AlertStore(db)
    if db.execute("SELECT 1 FROM meta WHERE key='initialised'").fetchone() is None:
        _snapshot(alerts, settings)
    return alerts


def _snapshot(alerts: AlertStore, settings: Settings) -> None:
    """Mark the documents the index already has (or had: trash, replaced) as known."""
    gen = main_store.current_generation(Path(settings.index_dir))
    docs: dict[str, str] = {}
    if gen is not None:
        with main_store.open(gen) as st:
            docs = {d.doc_id: d.added or main_store.now() for d in st.documents(None)
                    if d.status != "pending"}
    with alerts.transaction():
        if alerts.db.execute("SELECT 1 FROM meta WHERE key='initialised'").fetchone():
            return  # another process did it meanwhile
        alerts.mark_known(docs)
        alerts.db.execute("INSERT INTO meta(key, value) VALUES ('initialised', ?)",
                          (main_store.now(),))
