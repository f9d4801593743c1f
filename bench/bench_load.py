"""make bench-load: N concurrent clients search the production server (waitress, loopback)
for S seconds while a staff member uploads a document through the web pages (sign-in, upload,
review, confirm: processed by the server's upload worker); prints requests/s, p50/p95
latency, errors, and how long the upload took to become searchable.

    python bench/bench_load.py [--clients 50] [--seconds 60] [--index DIR]

Without --index it builds ../shared/corpus (or the shipped samples) into a temp folder.
Traffic goes to 127.0.0.1 only; every loop is bounded in time and count.
"""

from __future__ import annotations

import argparse
import http.client
import http.cookiejar
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

MAX_REQUESTS_PER_CLIENT = 100_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def queries(shared: Path) -> list[str]:
    path = shared / "dev-queries" / "queries.jsonl"
    if path.exists():
        return [json.loads(line)["q"] for line in path.read_text().splitlines() if line.strip()]
    return ["local authorities", "autorités locales", "remesas", "policy coherence",
            "whole-of-government approach", "diaspora"]


def client(port: int, qs: list[str], deadline: float, out: list, errors: list, seed: int):
    rng = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for _ in range(MAX_REQUESTS_PER_CLIENT):
        if time.monotonic() >= deadline:
            break
        q = urllib.parse.quote(rng.choice(qs))
        started = time.perf_counter()
        try:
            conn.request("GET", f"/api/search?q={q}&per_page=10")
            resp = conn.getresponse()
            resp.read()
            if resp.status != 200:
                errors.append(f"HTTP {resp.status}")
        except (OSError, http.client.HTTPException) as exc:
            errors.append(type(exc).__name__)
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            continue
        out.append(time.perf_counter() - started)
    conn.close()


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def staff_upload(base: str, user: str, password: str, path: Path, timeout: float = 300) -> str:
    """Sign in, upload `path`, confirm the detected metadata, wait until it is indexed.
    Returns the final state line of the upload's page."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(url: str) -> tuple[str, str]:
        with opener.open(base + url if url.startswith("/") else url, timeout=60) as r:
            return r.geturl(), r.read().decode("utf-8")

    def post(url: str, body: bytes, ctype: str) -> tuple[str, str]:
        req = urllib.request.Request(base + url if url.startswith("/") else url, data=body,
                                     headers={"Content-Type": ctype})
        with opener.open(req, timeout=60) as r:
            return r.geturl(), r.read().decode("utf-8")

    form = urllib.parse.urlencode
    _, html = get("/staff/login")
    post("/staff/login", form({"name": user, "password": password,
                               "csrf_token": _token(html)}).encode(),
         "application/x-www-form-urlencoded")
    _, html = get("/staff/upload")
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n"
            f"{_token(html)}\r\n--{boundary}\r\nContent-Disposition: form-data; "
            f"name=\"files\"; filename=\"{path.name}\"\r\nContent-Type: text/plain\r\n\r\n"
            ).encode() + path.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
    batch, html = post("/staff/upload", body, f"multipart/form-data; boundary={boundary}")
    deadline = time.monotonic() + timeout
    confirmed = False
    while time.monotonic() < deadline:
        if not confirmed and "/confirm" in html:
            action = re.search(r'action="(/staff/jobs/[0-9a-f]+/confirm)"', html).group(1)
            values = {"csrf_token": _token(html), "title": "Staff note (bench-load)",
                      "series": "other", "lang": "en"}
            _, html = post(action, form(values).encode(), "application/x-www-form-urlencoded")
            confirmed = True
            continue
        state = re.search(r'class="job-state"><strong>([^<]+)', html)
        if state and state.group(1) in ("Indexed", "Refused", "Failed",
                                        "Already in the index: not added again"):
            return state.group(1)
        time.sleep(0.5)
        _, html = get(batch)
    return "timed out"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--index", help="an existing data directory (default: build one)")
    ap.add_argument("--shared", default=str(PROJECT.parent / "shared"))
    args = ap.parse_args()
    shared = Path(args.shared)
    py = sys.executable
    tmp = Path(tempfile.mkdtemp(prefix="bench-load-"))
    index = args.index
    if not index:
        index = str(tmp / "data")
        corpus = shared / "corpus" if (shared / "corpus").exists() else PROJECT / "corpus"
        subprocess.run([py, str(PROJECT / "index.py"), "build", "--corpus", str(corpus),
                        "--index", index, "--quiet"], check=False, stdout=subprocess.DEVNULL)
        print(f"index: built from {corpus}")
    port = free_port()
    env = {**os.environ, "DIALOGUE_SEARCH_SECRET_KEY_FILE": str(tmp / "secret_key")}
    user, password = f"bench-{uuid.uuid4().hex[:6]}", uuid.uuid4().hex
    subprocess.run([py, str(PROJECT / "index.py"), "user", "add", user, "--password-stdin",
                    "--index", index], input=password + "\n", text=True, check=True,
                   stdout=subprocess.DEVNULL)
    server = subprocess.Popen([py, str(PROJECT / "index.py"), "serve", "--index", index,
                               "--port", str(port)], stderr=open(tmp / "server.log", "w"),
                              env=env)
    try:
        for _ in range(100):  # wait for the server, at most 10 s
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        qs = queries(shared)
        latencies: list[float] = []
        errors: list[str] = []
        deadline = time.monotonic() + args.seconds
        threads = [threading.Thread(target=client, args=(port, qs, deadline, latencies, errors,
                                                        i)) for i in range(args.clients)]
        started = time.monotonic()
        for t in threads:
            t.start()
        # A staff upload through the web pages while the clients search.
        doc = tmp / "staff-upload.txt"
        doc.write_text("".join(f"{n}. Staff note paragraph {n} on local authorities and "
                               f"diaspora engagement in development planning.\n\n"
                               for n in range(1, 300)), encoding="utf-8")
        time.sleep(min(5, args.seconds / 4))
        t0 = time.monotonic()
        upload = staff_upload(f"http://127.0.0.1:{port}", user, password, doc)
        upload_s = time.monotonic() - t0
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    n = len(latencies)
    ms = sorted(x * 1000 for x in latencies)
    p = (lambda q: ms[min(n - 1, int(q * n))]) if n else (lambda q: float("nan"))
    print(f"clients {args.clients}, {elapsed:.0f} s, server: waitress (8 threads) on loopback; "
          f"server log: {tmp / 'server.log'}")
    print(f"requests {n}, {n / elapsed:.1f} req/s, p50 {p(0.5):.0f} ms, p95 {p(0.95):.0f} ms, "
          f"max {ms[-1] if ms else float('nan'):.0f} ms, mean "
          f"{statistics.mean(ms) if ms else float('nan'):.0f} ms")
    print(f"errors: {len(errors)}" + (f" ({', '.join(sorted(set(errors)))})" if errors else "")
          + "   target: 0")
    print(f"staff upload during the load (sign-in, upload, review, confirm, indexed by the "
          f"server's worker): {upload} after {upload_s:.1f} s")
    subprocess.run([py, str(PROJECT / "index.py"), "user", "remove", user, "--index", index],
                   check=False, stdout=subprocess.DEVNULL)
    return 0


if __name__ == "__main__":
    sys.exit(main())
