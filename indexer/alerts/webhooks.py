"""Webhooks: a JSON POST of each batch of new items to the URL set on a saved search.

Each POST is signed with HMAC-SHA256 under the webhook's secret (shown once, when the URL is
set): `X-Dialogue-Search-Signature: sha256=<hex>` over `<timestamp>.<body>`, the timestamp in
`X-Dialogue-Search-Timestamp` (a receiver checks both, and refuses old timestamps: a replay
cannot be re-dated). `X-Dialogue-Search-Delivery` is the batch id, the same on every retry,
and each item has its stable entry id: receivers de-duplicate by them (delivery is at least
once). A 2xx answer is a delivery; anything else (3xx included: redirects are not followed)
is retried with back-off (delivery.py), every attempt logged.

Anyone can save a search, so a webhook URL is checked: http(s), no credentials, and unless
`alert_webhook_private` is set, a host whose every address is public (not loopback, private,
link-local ...), checked again before each POST.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import socket
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from indexer.config import Settings
from indexer.errors import QueryError

SIGNATURE = "X-Dialogue-Search-Signature"
TIMESTAMP = "X-Dialogue-Search-Timestamp"
DELIVERY = "X-Dialogue-Search-Delivery"
MAX_URL = 2000


def check_url(url: str, settings: Settings) -> str:
    """A webhook URL fit to be called (QueryError saying why not)."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise QueryError("%(url)r is not a web address", url=url[:100]) from None
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > MAX_URL:
        raise QueryError("a webhook must be an http:// or https:// address, not %(url)r",
                         url=url[:100])
    if parts.username or parts.password:
        raise QueryError("a webhook address must not hold a user name or password")
    if not settings.alert_webhook_private:
        try:
            found = socket.getaddrinfo(parts.hostname, port or 443, proto=socket.IPPROTO_TCP)
        except OSError:
            raise QueryError("the webhook's host %(host)r cannot be found",
                             host=parts.hostname) from None
        for *_rest, address in found:
            if not ipaddress.ip_address(address[0].split("%")[0]).is_global:
                raise QueryError("the webhook's host %(host)r is not a public address",
                                 host=parts.hostname)
    return url


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """What a receiver does (our tests do it): the signature is ours, compared in constant
    time."""
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 3xx is an answer, not an instruction: the delivery is retried


def post(settings: Settings, url: str, secret: str, delivery: str,
         payload: dict) -> tuple[bool, int | None, str]:
    """One attempt: (delivered, HTTP status or None, what happened)."""
    try:
        check_url(url, settings)  # the host may have moved since the URL was set
    except QueryError as exc:
        return False, None, str(exc)
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    stamp = str(int(time.time()))
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Dialogue-Search-Webhook/1",
        SIGNATURE: sign(secret, stamp, body), TIMESTAMP: stamp, DELIVERY: delivery})
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=settings.alert_webhook_timeout) as resp:
            status = resp.status
    except urllib.error.HTTPError as exc:
        return False, exc.code, f"HTTP {exc.code} {exc.reason}"
    except (OSError, ValueError) as exc:
        return False, None, f"{type(exc).__name__}: {exc}"
    return 200 <= status < 300, status, f"HTTP {status}"
