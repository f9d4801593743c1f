"""E-mail digests of saved searches through the configured SMTP server (settings smtp_*).

- Double opt-in: subscribing sends a confirmation e-mail; nothing else goes to the address
  until its link is followed and the page's button pressed (a link scanner following links
  confirms nothing). At most `alert_confirmations_per_day` confirmations go to one address a
  day, so the form cannot flood someone's mailbox.
- One-click unsubscribe: every digest says `List-Unsubscribe` and `List-Unsubscribe-Post`
  (RFC 8058: the mail program's own button POSTs and the subscription ends), and links to a
  page with one button.
- Delivery is at least once (delivery.py retries a failed digest with back-off); a digest's
  Message-ID is its batch's, so a digest sent twice is one message to the mail programs that
  de-duplicate, and each item carries its entry id.

Without smtp_host, smtp_from and public_url, digests are not offered (`enabled`).
"""

from __future__ import annotations

import re
import smtplib
import ssl
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from html import escape
from urllib.parse import urlsplit

from indexer.alerts import render
from indexer.alerts.i18n import gettext
from indexer.alerts.store import AlertStore, Item, SavedSearch
from indexer.config import Settings
from indexer.errors import DialogueSearchError, QueryError
from indexer.storage import store as main_store

FREQUENCIES = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}
_ADDRESS = re.compile(r"[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.)+[A-Za-z]{2,63}")


class MailUnavailable(DialogueSearchError):
    """The SMTP server could not take a message now (the page says to try again later)."""


def enabled(settings: Settings) -> bool:
    return bool(settings.smtp_host and settings.smtp_from and settings.public_url)


def check_address(address: str) -> str:
    """An e-mail address as given, checked (QueryError otherwise)."""
    address = (address or "").strip()
    _name, parsed = parseaddr(address)
    if (len(address) > 254 or parsed != address or not _ADDRESS.fullmatch(address)):
        raise QueryError("%(address)r is not an e-mail address", address=address[:80])
    return address


def site(settings: Settings) -> str:
    return settings.public_url.rstrip("/")


def send(settings: Settings, message: EmailMessage) -> None:
    """Hand a message to the SMTP server (MailUnavailable when it cannot be reached or
    refuses it: the caller retries or says so)."""
    try:
        if settings.smtp_security == "ssl":
            client = smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port,
                                      timeout=settings.smtp_timeout,
                                      context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(settings.smtp_host, settings.smtp_port,
                                  timeout=settings.smtp_timeout)
        with client:
            if settings.smtp_security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                client.login(settings.smtp_user, settings.smtp_password)
            client.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailUnavailable(f"the mail server could not take the message: {exc}") from exc


def _message(settings: Settings, to: str, subject: str, text: str, html: str,
             message_id: str = "") -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = settings.smtp_from
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(datetime.now(UTC))
    host = urlsplit(settings.public_url).hostname or "localhost"
    msg["Message-ID"] = f"<{message_id}@{host}>" if message_id else make_msgid(domain=host)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    return msg


def _page(lang: str, body: str) -> str:
    return (f'<!doctype html><html lang="{escape(lang)}"><head><meta charset="utf-8">'
            f"</head><body>{body}</body></html>")


def subscribe(alerts: AlertStore, settings: Settings, search: SavedSearch, address: str,
              frequency: str, lang: str) -> None:
    """Ask the address to confirm a digest of the saved search (double opt-in)."""
    if not enabled(settings):
        raise QueryError("e-mail digests are not offered by this server")
    address = check_address(address)
    if frequency not in FREQUENCIES:
        raise QueryError("frequency must be daily or weekly, not %(value)r",
                         value=str(frequency)[:20])
    day_ago = (datetime.now(UTC) - timedelta(days=1)).replace(microsecond=0).isoformat()
    if alerts.recent_confirmations(address, day_ago) >= settings.alert_confirmations_per_day:
        raise QueryError("this address was sent confirmations already today; follow the link "
                         "in one of them, or try again tomorrow")
    sub_id, confirm, leave = alerts.subscribe(search.id, address, frequency, lang,
                                              main_store.now())
    try:
        send(settings, confirmation(settings, search, address, frequency, confirm, leave,
                                    lang))
    except MailUnavailable:
        alerts.unsubscribe(sub_id)  # nothing waits for a confirmation that never left
        raise
    alerts.confirmation_sent(address)


def confirmation(settings: Settings, search: SavedSearch, address: str, frequency: str,
                 confirm: str, leave: str, lang: str) -> EmailMessage:
    _ = gettext(lang)
    link = f"{site(settings)}/alerts/confirm/{confirm}"
    how_often = _("daily") if frequency == "daily" else _("weekly")
    intro = _("Someone, perhaps you, asked for a %(frequency)s e-mail of the new passages "
              "matching the saved search “%(name)s” on Dialogue Search.",
              frequency=how_often, name=search.name)
    action = _("To receive it, confirm here:")
    ignore = _("If you did not ask for it, ignore this message: nothing will be sent.")
    text = f"{intro}\n\n{action}\n{link}\n\n{ignore}\n"
    html = _page(lang, f"<p>{escape(intro)}</p><p>{escape(action)} "
                       f'<a href="{escape(link)}">{escape(link)}</a></p><p>{escape(ignore)}</p>')
    return _message(settings, address, _("Confirm your Dialogue Search e-mail"), text, html)


def digest(settings: Settings, search: SavedSearch, sub: dict, items: list[Item],
           batch_id: str, leave_link: str) -> EmailMessage:
    """A digest of `items` for one subscription. `leave_link` is its unsubscribe address."""
    lang = sub["ui_lang"]
    _ = gettext(lang)
    base = site(settings)

    def link(passage_id: str) -> str:
        return f"{base}/p/{passage_id}"

    head = _("New passages matching your saved search “%(name)s”:", name=search.name)
    stop = _("Stop these e-mails:")
    text_parts = [head, ""]
    html_parts = [f"<p>{escape(head)}</p>"]
    for item in items:
        text_parts += [render.text(item, _, link(item.passage_id)),
                       _("Entry id: %(id)s", id=item.entry_id), "", "---", ""]
        html_parts.append(f'<article data-entry-id="{escape(item.entry_id)}">'
                          f"<h2>{escape(render.title(item))}</h2>"
                          f"{render.html(item, _, link(item.passage_id), link)}</article><hr>")
    text_parts += [stop, leave_link]
    html_parts.append(f'<p>{escape(stop)} <a href="{escape(leave_link)}">'
                      f"{escape(leave_link)}</a></p>")
    subject = _("Dialogue Search: %(num)s new passages for “%(name)s”", num=len(items),
                name=search.name)
    msg = _message(settings, sub["address"], subject, "\n".join(text_parts),
                   _page(lang, "\n".join(html_parts)), message_id=f"{batch_id}.{search.uid}")
    msg["List-Unsubscribe"] = f"<{leave_link}>"
    msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg["List-Id"] = formataddr((search.name[:60], f"{search.uid}.alerts.invalid"))
    return msg
