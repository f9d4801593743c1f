"""make bench-load: N concurrent clients search the production server (`index.py serve`:
gunicorn, one process per core, on loopback) for S seconds while a staff member uploads a
document through the web pages (sign-in, upload, review, confirm: processed by the server's
upload worker); prints requests/s, p50/p95 latency, errors, and how long the upload took to
become searchable. Two phases: the server with its result cache off (every request searched:
the capacity figure) and as it runs by default (cache on; repeats answered from memory).

    python bench/bench_load.py [--clients 50] [--seconds 60] [--index DIR] [--workers N]

The clients draw from several hundred distinct requests (the dev queries and the query forms
of `make bench`, alone, with a language filter, and their second pages). Without --index it
builds ../shared/unga/texts + ../shared/corpus (about a minute), or the shipped samples when
../shared is absent. Traffic goes to 127.0.0.1 only; every loop is bounded in time and count.
"""

from __future__ import annotations

import argparse
import http.client
import http.cookiejar
import json
import os
import random
import re
import shutil
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
sys.path.insert(0, str(PROJECT / "bench"))

MAX_REQUESTS_PER_CLIENT = 100_000
RATE_TARGET = 100  # req/s (issue 10)
P95_TARGET_MS = 1000


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


def client(port: int, qs: list[str], deadline: float, out: list, errors: list,
           refused: list, seed: int):
    rng = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for _ in range(MAX_REQUESTS_PER_CLIENT):
        if time.monotonic() >= deadline:
            break
        params = rng.choice(qs)
        started = time.perf_counter()
        try:
            conn.request("GET", f"/api/search?{params}")
            resp = conn.getresponse()
            body = resp.read()
            if resp.status == 400 and b"past the end" in body:
                # a second page of a short list: the documented answer, not a failure
                refused.append(params)
            elif resp.status != 200:
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


def request_pool(shared: Path) -> list[str]:
    """Distinct search requests: the dev queries and every query form of `make bench`, each
    alone, filtered by language and on its second page (several hundred, so that the
    server's result cache answers repeats only, as with real traffic)."""
    from bench_build_query import EXTRA_QUERIES

    words = list(dict.fromkeys(queries(shared) + EXTRA_QUERIES))
    pool = []
    for q in words:
        quoted = urllib.parse.quote(q)
        pool += [f"q={quoted}&per_page=10", f"q={quoted}&per_page=10&page=2",
                 f"q={quoted}&per_page=10&lang=en", f"q={quoted}&per_page=10&lang=fr"]
    return pool


def build_unga(shared: Path, data: Path, py: str) -> None:
    """shared/unga/texts + shared/corpus, as `make bench` builds it (symlinks, no copies)."""
    corpus = data.parent / "corpus-links"
    corpus.mkdir()
    (corpus / "unga").symlink_to(shared / "unga" / "texts")
    (corpus / "corpus").symlink_to(shared / "corpus")
    subprocess.run([py, str(PROJECT / "index.py"), "build", "--corpus", str(corpus),
                    "--index", str(data), "--quiet"], check=False, stdout=subprocess.DEVNULL)


def run_phase(args, index: str, tmp: Path, pool: list[str], cache: bool, user: str,
              password: str) -> dict:
    py = sys.executable
    port = free_port()
    env = {**os.environ, "DIALOGUE_SEARCH_SECRET_KEY_FILE": str(tmp / "secret_key")}
    if not cache:
        env["DIALOGUE_SEARCH_RESULT_CACHE"] = "0"
    cmd = [py, str(PROJECT / "index.py"), "serve", "--index", index, "--port", str(port)]
    if args.workers:
        cmd += ["--workers", str(args.workers)]
    if args.threads:
        cmd += ["--threads", str(args.threads)]
    log = tmp / f"server-{'cache' if cache else 'nocache'}.log"
    server = subprocess.Popen(cmd, stderr=open(log, "w"), env=env)
    try:
        for _ in range(300):  # wait for the server, at most 30 s
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        latencies: list[float] = []
        errors: list[str] = []
        refused: list[str] = []
        deadline = time.monotonic() + args.seconds
        threads = [threading.Thread(target=client, args=(port, pool, deadline, latencies,
                                                        errors, refused, i))
                   for i in range(args.clients)]
        started = time.monotonic()
        for t in threads:
            t.start()
        # A staff upload through the web pages while the clients search (its own words, so
        # that it is new to the index).
        doc = tmp / f"staff-upload-{uuid.uuid4().hex[:8]}.txt"
        doc.write_text(f"Staff note {uuid.uuid4().hex}.\n\n" + "".join(
            f"{n}. Staff note paragraph {n} on local authorities and diaspora engagement in "
            f"development planning.\n\n" for n in range(1, 300)), encoding="utf-8")
        time.sleep(min(5, args.seconds / 4))
        t0 = time.monotonic()
        upload = staff_upload(f"http://127.0.0.1:{port}", user, password, doc)
        upload_s = time.monotonic() - t0
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(timeout=60)
    n = len(latencies)
    ms = sorted(x * 1000 for x in latencies)
    p = (lambda q: ms[min(n - 1, int(q * n))]) if n else (lambda q: float("nan"))
    rate = n / elapsed
    print(f"\n== result cache {'on (the default)' if cache else 'off: every request searched'}"
          f" -- server log: {log}")
    print(f"   requests {n}, {rate:.1f} req/s, p50 {p(0.5):.0f} ms, p95 {p(0.95):.0f} ms, "
          f"max {ms[-1] if ms else float('nan'):.0f} ms, mean "
          f"{statistics.mean(ms) if ms else float('nan'):.0f} ms")
    ok = rate >= RATE_TARGET and p(0.95) <= P95_TARGET_MS and not errors
    print(f"   answered 400 as documented (page 2 past the end of a short result list): "
          f"{len(refused)} of the requests above")
    print(f"   errors: {len(errors)}" + (f" ({', '.join(sorted(set(errors)))})" if errors else "")
          + f"   targets >= {RATE_TARGET} req/s, p95 <= {P95_TARGET_MS:.0f} ms, 0 errors: "
          + ("PASS" if ok else "MISS"))
    print(f"   staff upload during the load (sign-in, upload, review, confirm, indexed by the "
          f"server's upload worker): {upload} after {upload_s:.1f} s")
    return {"rate": rate, "p95": p(0.95), "errors": len(errors), "upload": upload}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60, help="per phase")
    ap.add_argument("--index", help="an existing data directory, searched in a copy (the "
                    "staff uploads go there) (default: build UNGA + corpus from ../shared, or "
                    "the shipped samples without it)")
    ap.add_argument("--shared", default=str(PROJECT.parent / "shared"))
    ap.add_argument("--workers", type=int, help="server processes (default: the setting)")
    ap.add_argument("--threads", type=int, help="threads per process (default: the setting)")
    ap.add_argument("--phases", default="nocache,cache",
                    help="nocache (every request searched), cache (the default server)")
    args = ap.parse_args()
    shared = Path(args.shared)
    py = sys.executable
    tmp = Path(tempfile.mkdtemp(prefix="bench-load-"))
    index = args.index
    if index:
        # The staff uploads go into a copy: run after run they would pile up in the given
        # index (18 runs left 5,382 near-identical passages that slowed its searches by half).
        t0 = time.monotonic()
        shutil.copytree(index, tmp / "data", symlinks=True,
                        ignore=shutil.ignore_patterns("*.lock"))
        index = str(tmp / "data")
        print(f"index: a copy of {args.index} ({time.monotonic() - t0:.0f} s to copy)")
    else:
        index = str(tmp / "data")
        if (shared / "unga" / "texts").exists():
            t0 = time.monotonic()
            build_unga(shared, Path(index), py)
            print(f"index: built shared/unga/texts + shared/corpus in "
                  f"{time.monotonic() - t0:.0f} s")
        else:
            subprocess.run([py, str(PROJECT / "index.py"), "build", "--corpus",
                            str(PROJECT / "corpus"), "--index", index, "--quiet"],
                           check=False, stdout=subprocess.DEVNULL)
            print("index: the shipped samples (no ../shared)")
    pool = request_pool(shared)
    print(f"clients {args.clients}, {args.seconds:.0f} s a phase, /api/search over "
          f"{len(pool)} distinct requests, `index.py serve` on loopback (workers "
          f"{args.workers or 'default'}, threads {args.threads or 'default'}), {os.cpu_count()}"
          f" cores shared with the clients")
    user, password = f"bench-{uuid.uuid4().hex[:6]}", uuid.uuid4().hex
    subprocess.run([py, str(PROJECT / "index.py"), "user", "add", user, "--password-stdin",
                    "--index", index], input=password + "\n", text=True, check=True,
                   stdout=subprocess.DEVNULL)
    try:
        for phase in args.phases.split(","):
            run_phase(args, index, tmp, pool, phase.strip() == "cache", user, password)
    finally:
        subprocess.run([py, str(PROJECT / "index.py"), "user", "remove", user, "--index",
                        index], check=False, stdout=subprocess.DEVNULL)
        shutil.rmtree(index)  # the built or copied index; the server logs stay in `tmp`
    return 0


if __name__ == "__main__":
    sys.exit(main())
