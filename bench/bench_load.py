"""make bench-load: N concurrent clients search the production server (waitress, loopback)
for S seconds while a staff change is written; prints requests/s, p50/p95 latency, errors.

    python bench/bench_load.py [--clients 50] [--seconds 60] [--index DIR]

Without --index it builds ../shared/corpus (or the shipped samples) into a temp folder.
Traffic goes to 127.0.0.1 only; every loop is bounded in time and count.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
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
    server = subprocess.Popen([py, str(PROJECT / "index.py"), "serve", "--index", index,
                               "--port", str(port)], stderr=open(tmp / "server.log", "w"))
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
        # A staff change while the clients search: add a document, then remove it.
        doc = tmp / "staff-upload.txt"
        doc.write_text("".join(f"{n}. Staff note paragraph {n} on local authorities and "
                               f"diaspora engagement in development planning.\n\n"
                               for n in range(1, 300)), encoding="utf-8")
        time.sleep(min(5, args.seconds / 4))
        t0 = time.monotonic()
        add = subprocess.run([py, str(PROJECT / "index.py"), "add", str(doc), "--index", index],
                             capture_output=True, text=True)
        add_s = time.monotonic() - t0
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
    print(f"staff add during the load: exit {add.returncode} in {add_s:.1f} s: "
          f"{add.stdout.strip().splitlines()[0] if add.stdout.strip() else add.stderr.strip()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
