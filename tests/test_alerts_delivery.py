"""Delivering what saved searches find (issue 24), to real receivers on loopback: an SMTP
server (aiosmtpd) for the e-mail digests, an HTTP server for the webhooks, the app served by
waitress. No mocks: the messages and POSTs are the ones the code sends.

- e-mail: a confirmation first (double opt-in: nothing else goes to an address until it
  confirmed through the page's button), then digests with the items' ids and one-click
  unsubscribe (RFC 8058: a POST with no cookie or CSRF token ends it); at most
  `alert_confirmations_per_day` confirmations to one address; without SMTP settings the
  option is not offered;
- webhooks: a JSON POST per batch, signed with HMAC-SHA256; a failure is retried with the
  same delivery id and items until it is accepted, every attempt logged; the URL of a
  private address is refused unless `alert_webhook_private` allows it.
"""

from __future__ import annotations

import http.cookiejar
import http.server
import json
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from conftest import SAMPLES

from indexer import config, library
from indexer.alerts import webhooks
from indexer.alerts.delivery import run
from indexer.alerts.store import open_store

PARAGRAPH = ("Remittances sent through mobile wallets reached rural households faster than "
             "ever before, and local authorities helped migrants open their first accounts.")


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """aiosmtpd handler keeping every message it is given."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def smtp():
    aiosmtpd = pytest.importorskip("aiosmtpd.controller")
    inbox = Inbox()
    port = _free_port()  # (aiosmtpd connects to its own port to start: it must be known)
    controller = aiosmtpd.Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


class Receiver(http.server.ThreadingHTTPServer):
    """A webhook receiver: answers each POST with the next status of `script` (then 200),
    and keeps what it was sent."""

    def __init__(self, script: list[int]):
        self.script = list(script)
        self.received: list[tuple[dict, bytes]] = []
        super().__init__(("127.0.0.1", 0), _Handler)


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        server: Receiver = self.server  # type: ignore[assignment]
        server.received.append((dict(self.headers), body))
        status = server.script.pop(0) if server.script else 200
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    servers = []

    def make(script: list[int]) -> Receiver:
        server = Receiver(script)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server
    yield make
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def site(tmp_path, request):
    """An index of the shipped samples served on a free port, with the settings the test
    asks for (indirect parameter: a dict), public_url pointing at it. Yields a function
    that gives (base URL, settings)."""
    from search_app.serve import stop_server

    made = []

    def start(**overrides):
        port = _free_port()  # known before the settings (public_url) are made
        data = tmp_path / "data"
        if not (data / "CURRENT").exists():
            library.build(SAMPLES, config.load(index_dir=str(data)), workers=1)
        settings = config.load(index_dir=str(data), public_url=f"http://127.0.0.1:{port}",
                               **overrides)
        from search_app.serve import make_server, run_server

        server = make_server(settings, "127.0.0.1", port, threads=4)
        thread = threading.Thread(target=run_server, args=(server,), daemon=True)
        thread.start()
        made.append((server, thread))
        return f"http://127.0.0.1:{port}", settings
    yield start
    for server, thread in made:
        stop_server(server)
        thread.join(timeout=10)


def _call(method: str, url: str, body: dict | None = None):
    req = urllib.request.Request(url, data=json.dumps(body).encode() if body else None,
                                 method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            raw = resp.read()
            return resp.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        return exc.code, json.loads(raw) if raw else None


def _add(settings, tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / f"{name}.en.txt"
    path.write_text(f"1. {text}\n", encoding="utf-8")
    assert library.add([path], settings).of("indexed")


def _press(opener, url: str) -> str:
    """Open a page and press its form's button (with its CSRF token, as a browser)."""
    with opener.open(url, timeout=30) as resp:
        page = resp.read().decode()
    action = re.search(r'<form class="staff" method="post" action="([^"]+)"', page).group(1)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"csrf_token": token}).encode()
    target = urllib.parse.urljoin(url, action)
    with opener.open(urllib.request.Request(target, data=data), timeout=30) as resp:
        return resp.read().decode()


def test_email_digest_with_double_opt_in_and_one_click_unsubscribe(site, smtp, tmp_path):
    inbox, port = smtp
    base, settings = site(smtp_host="127.0.0.1", smtp_port=port, smtp_security="none",
                          smtp_from="Dialogue Search <alerts@example.org>",
                          alert_retry_seconds=0.0)
    status, made = _call("POST", f"{base}/api/alerts", {"q": "remittances"})
    token = made["token"]
    with urllib.request.urlopen(f"{base}/alerts/{token}", timeout=30) as resp:
        assert 'name="address"' in resp.read().decode()  # the option is offered
    status, _ = _call("POST", f"{base}/api/alerts/{token}/email",
                      {"address": "reader@example.org", "frequency": "daily"})
    assert status == 202
    assert len(inbox.messages) == 1
    confirm = inbox.messages[0]
    assert confirm["To"] == "reader@example.org"
    link = re.search(r"http://\S+/alerts/confirm/\S+", confirm.get_body(("plain",))
                     .get_content()).group(0)

    # Not confirmed yet: new items send nothing.
    _add(settings, tmp_path, "first", PARAGRAPH)
    assert run(settings).delivered == 0 and len(inbox.messages) == 1
    # Following the link shows a button; only pressing it confirms.
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(
        http.cookiejar.CookieJar()))
    assert "Confirmed" in _press(opener, link)
    _add(settings, tmp_path, "second", PARAGRAPH.replace("mobile wallets", "post offices"))
    report = run(settings)
    assert report.delivered == 1, report.attempts
    assert len(inbox.messages) == 2
    digest = inbox.messages[1]
    assert digest["To"] == "reader@example.org"
    assert "remittances" in digest["Subject"].lower()
    leave = re.search(r"<([^>]+)>", str(digest["List-Unsubscribe"])).group(1)
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = digest.get_body(("plain",)).get_content()
    html = digest.get_body(("html",)).get_content()
    assert "post offices" in text and "first" not in text.split("post offices")[0][-5:]
    alerts = open_store(settings)
    try:
        entry = alerts.items(1)[0].entry_id
    finally:
        alerts.close()
    assert entry in text and entry in html  # receivers can de-duplicate by the entry id
    assert "<strong>Remittances</strong>" in html
    assert run(settings).delivered == 0  # nothing new, and the next digest is a day away

    # One click from the mail program: a POST, no cookie, no CSRF token.
    req = urllib.request.Request(leave, data=b"List-Unsubscribe=One-Click", method="POST")
    with urllib.request.urlopen(req, timeout=30) as resp:
        assert resp.status == 200 and "Unsubscribed" in resp.read().decode()
    alerts = open_store(settings)
    try:
        assert alerts.subscriptions(1) == []
    finally:
        alerts.close()
    # at most alert_confirmations_per_day confirmations to one address a day
    for _n in range(settings.alert_confirmations_per_day - 1):
        assert _call("POST", f"{base}/api/alerts/{token}/email",
                     {"address": "reader@example.org"})[0] == 202
    status, err = _call("POST", f"{base}/api/alerts/{token}/email",
                        {"address": "reader@example.org"})
    assert status == 400 and "already today" in err["error"]["message"]
    assert _call("POST", f"{base}/api/alerts/{token}/email",
                 {"address": "not an address"})[0] == 400


def test_no_email_option_without_smtp_settings(site):
    base, _settings = site()
    status, made = _call("POST", f"{base}/api/alerts", {"q": "remittances"})
    with urllib.request.urlopen(f"{base}/alerts/{made['token']}", timeout=30) as resp:
        page = resp.read().decode()
    assert 'name="address"' not in page and "sends no e-mail" in page


def test_webhook_is_signed_retried_with_the_same_delivery_and_logged(site, receiver, tmp_path):
    hook = receiver([500, 503])  # two failures, then accepted
    base, settings = site(alert_webhook_private=1, alert_retry_seconds=0.0)
    status, made = _call("POST", f"{base}/api/alerts", {"q": "remittances"})
    token = made["token"]
    status, set_ = _call("PUT", f"{base}/api/alerts/{token}/webhook",
                         {"url": f"http://127.0.0.1:{hook.server_address[1]}/hook"})
    assert status == 200
    secret = set_["secret"]
    _add(settings, tmp_path, "first", PARAGRAPH)
    outcomes = [run(settings) for _n in range(3)]
    assert [o.delivered for o in outcomes] == [0, 0, 1]
    assert [o.failed for o in outcomes] == [1, 1, 0]
    assert len(hook.received) == 3
    ids = {h[webhooks.DELIVERY] for h, _b in hook.received}
    assert len(ids) == 1  # retries resend the same delivery
    assert len({b for _h, b in hook.received}) <= 3
    for headers, body in hook.received:
        assert webhooks.verify(secret, headers[webhooks.TIMESTAMP], body,
                               headers[webhooks.SIGNATURE])
        assert not webhooks.verify("another secret", headers[webhooks.TIMESTAMP], body,
                                   headers[webhooks.SIGNATURE])
    payload = json.loads(hook.received[-1][1])
    assert payload["delivery"] in ids and len(payload["items"]) == 1
    item = payload["items"][0]
    assert item["id"].startswith("urn:uuid:") and "remittances" in item["matched"]
    assert item["url"].startswith(base + "/p/")
    # every attempt logged, the failures with the receiver's status
    alerts = open_store(settings)
    try:
        logged = alerts.attempts(1)
    finally:
        alerts.close()
    assert [(a["ok"], a["status"]) for a in reversed(logged)] == [(0, 500), (0, 503), (1, 200)]
    assert run(settings).delivered == 0  # delivered once: nothing more
    _add(settings, tmp_path, "second", PARAGRAPH.replace("mobile wallets", "post offices"))
    assert run(settings).delivered == 1
    assert len({h[webhooks.DELIVERY] for h, _b in hook.received}) == 2


def test_a_failing_webhook_is_given_up_and_private_addresses_refused(site, receiver,
                                                                     tmp_path):
    hook = receiver([500] * 10)
    base, settings = site(alert_webhook_private=1, alert_retry_seconds=0.0,
                          alert_retry_attempts=3)
    made = _call("POST", f"{base}/api/alerts", {"q": "remittances"})[1]
    url = f"http://127.0.0.1:{hook.server_address[1]}/hook"
    assert _call("PUT", f"{base}/api/alerts/{made['token']}/webhook", {"url": url})[0] == 200
    _add(settings, tmp_path, "first", PARAGRAPH)
    reports = [run(settings) for _n in range(5)]
    assert sum(r.failed for r in reports) == 3 and sum(r.given_up for r in reports) == 1
    assert len(hook.received) == 3

    public_only = config.load(index_dir=settings.index_dir, public_url=settings.public_url)
    for bad in (url, "http://localhost/hook", "http://10.1.2.3/x", "ftp://example.org/x",
                "http://user:pw@example.org/x", "javascript:alert(1)"):
        with pytest.raises(Exception) as exc:
            webhooks.check_url(bad, public_only)
        assert type(exc.value).__name__ == "QueryError", bad
