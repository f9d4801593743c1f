"""`index.py alert run`: match what is still unmatched, then deliver what is due.

Each target (an e-mail subscription when its digest is due, a webhook at once) gets its new
items as batches of at most `alert_batch_items`: a batch fixes its id and its items when it
is made, so every retry resends the same. A failed attempt is retried after
`alert_retry_seconds`, doubling each time (capped at a day), `alert_retry_attempts` times at
most; every attempt is logged (table attempts: when, outcome, HTTP status or SMTP error,
seconds). Killed between sending and logging, the next run sends the batch again: delivery is
at least once, and receivers de-duplicate by the batch id and the items' entry ids.

One run at a time per data directory (the lock `alerts-run.lock`); run it from cron, e.g.
every five minutes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from indexer.alerts import mail, render, webhooks
from indexer.alerts.collect import Outcome, catch_up
from indexer.alerts.store import AlertStore, open_store
from indexer.config import Settings
from indexer.errors import NotFound, WriteBusy
from indexer.storage import locking

RUN_LOCK = "alerts-run.lock"
MAX_WAIT = 24 * 3600.0


@dataclass
class RunReport:
    matched: Outcome | None = None  # None: a writer held the index, it matches itself
    delivered: int = 0
    failed: int = 0  # attempts that failed (retried later, or given up)
    given_up: int = 0
    busy: bool = False  # another run holds the lock: nothing done
    attempts: list[dict] = field(default_factory=list)

    def to_json(self) -> dict:
        m = self.matched
        return {"busy": self.busy,
                "matched": None if m is None else {
                    "documents": m.documents, "passages": m.passages, "items": m.items,
                    "versions": m.versions, "skipped": m.skipped},
                "delivered": self.delivered, "failed": self.failed,
                "given_up": self.given_up, "attempts": self.attempts}


def _at(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat()


def run(settings: Settings, now: datetime | None = None) -> RunReport:
    report = RunReport()
    data_dir = Path(settings.index_dir)
    held = locking.try_hold(data_dir, RUN_LOCK)
    if held is None:
        report.busy = True
        return report
    try:
        try:  # matching writes with the index's writers, never beside one
            with locking.write_lock(data_dir, min(5.0, settings.write_lock_timeout)):
                report.matched = catch_up(settings)
        except WriteBusy:
            report.matched = None  # the writer holding it matches when it is done
        alerts = open_store(settings)
        try:
            _deliver(alerts, settings, now or datetime.now(UTC), report)
        finally:
            alerts.close()
    finally:
        locking.release(held)
    return report


def _deliver(alerts: AlertStore, settings: Settings, now: datetime, report: RunReport) -> None:
    stamp = _at(now)
    paused = {s.id for s in alerts.searches() if s.paused}
    for hook in alerts.webhooks():
        if hook["search_id"] not in paused and not _pending(alerts, "webhook", hook["search_id"]):
            alerts.open_batch(hook["search_id"], "webhook", hook["search_id"],
                              settings.alert_batch_items, stamp)
    if mail.enabled(settings):
        for sub in alerts.subscriptions(confirmed=True):
            if (sub["search_id"] in paused or sub["next_due"] > stamp
                    or _pending(alerts, "email", sub["id"])):
                continue
            if alerts.open_batch(sub["search_id"], "email", sub["id"],
                                 settings.alert_batch_items, stamp) is not None:
                alerts.set_due(sub["id"], _at(now + mail.FREQUENCIES[sub["frequency"]]))
    for batch in alerts.due_batches(stamp):
        if batch["search_id"] in paused:
            continue
        _attempt(alerts, settings, batch, now, report)


def _pending(alerts: AlertStore, channel: str, target: int) -> bool:
    return alerts.db.execute("SELECT 1 FROM batches WHERE channel=? AND target=? AND "
                             "state='pending' LIMIT 1", (channel, target)).fetchone() is not None


def _attempt(alerts: AlertStore, settings: Settings, batch: dict, now: datetime,
             report: RunReport) -> None:
    search = alerts.get(batch["search_id"])
    items = alerts.batch_items(batch)
    started = time.perf_counter()
    base = settings.public_url.rstrip("/")

    def link(passage_id: str) -> str:
        return f"{base}/p/{passage_id}"

    if batch["channel"] == "webhook":
        hook = alerts.webhook(search.id)
        if hook is None:
            ok, status, detail = False, None, "the webhook was removed"
        else:
            payload = {"delivery": batch["id"],
                       "alert": {"id": f"urn:uuid:{search.uid}", "name": search.name,
                                 "query": search.request},
                       "items": [render.as_json(i, link(i.passage_id)) for i in items]}
            ok, status, detail = webhooks.post(settings, hook["url"], hook["secret"],
                                               batch["id"], payload)
    else:
        try:
            sub = alerts.subscription(batch["target"])
        except NotFound:
            sub = None
        if sub is None:
            ok, status, detail = False, None, "the subscription ended"
        else:
            leave = f"{base}/alerts/unsubscribe/{sub['unsubscribe_token']}"
            try:
                mail.send(settings, mail.digest(settings, search, sub, items, batch["id"],
                                                leave))
                ok, status, detail = True, 250, "accepted by the mail server"
            except mail.MailUnavailable as exc:
                ok, status, detail = False, None, str(exc)
    seconds = time.perf_counter() - started
    tries = batch["attempts"] + 1
    give_up = not ok and (tries >= settings.alert_retry_attempts
                          or detail in ("the webhook was removed", "the subscription ended"))
    wait = min(MAX_WAIT, settings.alert_retry_seconds * 2 ** (tries - 1))
    alerts.record_attempt(batch, ok, status, detail, seconds,
                          None if ok else _at(now + timedelta(seconds=wait)), give_up)
    report.delivered += ok
    report.failed += not ok
    report.given_up += give_up
    report.attempts.append({"batch": batch["id"], "channel": batch["channel"],
                            "items": len(items), "ok": ok, "status": status,
                            "detail": detail})
