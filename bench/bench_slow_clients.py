"""Slow clients against `index.py serve` (gunicorn sync processes), on loopback only.

Starts the server as production runs it, opens SLOW connections that each send half a
request line and then hold the connection silent, and meanwhile runs normal searches from a
few client threads: searches answered per second, with the read timeout off (web_read_timeout
0, gunicorn's sync worker as it comes) and on (the setting's default). With --reconnect, each
slow client opens a new half request as soon as the server drops the old one (a persistent
attacker). Bounded: at most 200 slow clients and 120 s a run.

    .venv/bin/python bench/bench_slow_clients.py [--index DIR] [--workers 4] [--slow 20]
        [--seconds 20] [--reconnect]
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from indexer import config

HOST = "127.0.0.1"  # loopback only
QUERIES = ("migrants", "remittances", "local authorities", "diaspora", "policy coherence")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _get(port: int, target: str, timeout: float) -> int:
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", target)
        resp = conn.getresponse()
        resp.read()
        return resp.status
    finally:
        conn.close()


def _start(index: str, port: int, workers: int, read_timeout: float, log) -> subprocess.Popen:
    env = {**os.environ, "DIALOGUE_SEARCH_WEB_READ_TIMEOUT": str(read_timeout),
           "DIALOGUE_SEARCH_RESULT_CACHE": "0"}
    proc = subprocess.Popen([sys.executable, str(PROJECT / "index.py"), "serve", "--index",
                             index, "--host", HOST, "--port", str(port), "--workers",
                             str(workers)], stderr=log, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if _get(port, "/api/search?q=migrants", 10) == 200:
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not answer within 60 s")


class SlowClients:
    """`n` connections that each sent half a request line and then say nothing."""

    def __init__(self, port: int, n: int, reconnect: bool):
        self.port, self.reconnect = port, reconnect
        self.stop = threading.Event()
        self.dropped = 0
        self.threads = [threading.Thread(target=self._hold, daemon=True) for _ in range(n)]

    def _hold(self):
        while not self.stop.is_set():
            try:
                s = socket.create_connection((HOST, self.port), timeout=5)
                s.sendall(b"GET /api/search?q=migr")  # no end of line, no headers
                s.settimeout(0.5)
                while not self.stop.is_set():
                    try:
                        if s.recv(1024) == b"":  # the server closed it
                            break
                    except TimeoutError:
                        continue
                s.close()
            except OSError:
                pass
            if self.stop.is_set():
                return
            self.dropped += 1
            if not self.reconnect:
                return

    def __enter__(self):
        for t in self.threads:
            t.start()
        time.sleep(1.0)  # let them be accepted before the searches start
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=5)


def searches(port: int, seconds: float, clients: int = 2) -> dict:
    """Normal searches from `clients` threads for `seconds`: answered, failed, latencies."""
    deadline = time.monotonic() + seconds
    latencies: list[float] = []
    failed = [0]
    lock = threading.Lock()

    def run(i: int):
        n = i
        while time.monotonic() < deadline:
            q = QUERIES[n % len(QUERIES)].replace(" ", "+")
            n += 1
            started = time.monotonic()
            try:
                ok = _get(port, f"/api/search?q={q}&page=1",
                          timeout=max(0.1, deadline - started)) == 200
            except OSError:
                ok = False
            with lock:
                if ok:
                    latencies.append(time.monotonic() - started)
                else:
                    failed[0] += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"answered": len(latencies), "per_s": len(latencies) / seconds,
            "failed": failed[0],
            "p50_ms": statistics.median(latencies) * 1000 if latencies else None}


def measure(index: str, workers: int, slow: int, seconds: float, read_timeout: float,
            reconnect: bool, log) -> dict:
    port = _free_port()
    proc = _start(index, port, workers, read_timeout, log)
    try:
        alone = searches(port, 5)
        with SlowClients(port, slow, reconnect) as attackers:
            attacked = searches(port, seconds)
        after = searches(port, 3)  # the server once the slow clients are gone
        return {"read_timeout": read_timeout, "alone": alone, "attacked": attacked,
                "dropped": attackers.dropped, "after": after}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--index", help="data directory (default: the samples, built in a temp dir)")
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--slow", type=int, default=20)
    p.add_argument("--seconds", type=float, default=20)
    p.add_argument("--reconnect", action="store_true")
    args = p.parse_args(argv)
    slow, seconds = min(args.slow, 200), min(args.seconds, 120)
    with tempfile.TemporaryDirectory() as tmp:
        index = args.index
        if not index:
            index = str(Path(tmp) / "data")
            subprocess.run([sys.executable, str(PROJECT / "index.py"), "build", "--corpus",
                            str(PROJECT / "corpus" / "samples"), "--index", index, "--quiet"],
                           check=True, capture_output=True, timeout=600)
        on = config.Settings().web_read_timeout
        with open(Path(tmp) / "server.log", "w") as log:
            print(f"{args.workers} sync processes, {slow} slow clients"
                  f"{' (reconnecting)' if args.reconnect else ' (holding)'}, "
                  f"{seconds:g} s of searches from 2 clients")
            for timeout in (0.0, on):
                r = measure(index, args.workers, slow, seconds, timeout, args.reconnect, log)
                a, b, c = r["alone"], r["attacked"], r["after"]
                print(f"web_read_timeout {timeout:g} s: alone {a['per_s']:.1f}/s; with the slow "
                      f"clients {b['per_s']:.1f}/s ({b['answered']} answered, {b['failed']} "
                      f"failed or timed out, p50 {b['p50_ms'] or 0:.0f} ms; {r['dropped']} slow "
                      f"connections dropped by the server); after {c['per_s']:.1f}/s")
        errors = (Path(tmp) / "server.log").read_text()
        lines = [x for x in errors.splitlines() if "Traceback" in x or "web_read_timeout" in x]
        print(f"server log: {len(lines)} line(s) about slow clients or tracebacks"
              + (f", e.g. {lines[0]!r}" if lines else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
