"""Timing the production server over HTTP, as people meet it (used by bench_build_query.py,
`make bench`, and bench_scale.py, `make bench-scale`):

- a fresh `index.py serve` (gunicorn, result cache off), timed from its start until every
  process says it is ready (each warms its index before it takes requests);
- the first request of each distinct query, sent one at a time (no process has answered it
  before: nothing about it is cached), then the same queries repeated;
- the memory each process holds alone (USS: Private_Clean + Private_Dirty of
  /proc/PID/smaps_rollup; the pages it shares with the others, such as the language
  detector's models loaded before the fork and the index files, are not its own);
- N clients searching for S seconds while a staff member uploads a document through the
  web pages (bench_load.py's clients and upload);
- the same for raw tantivy (bench/raw_tantivy_server.py) behind the same server, in the same
  run: the ratios say what our search adds to what the machine and HTTP cost anyway.

Loopback only; every wait is bounded.
"""

from __future__ import annotations

import http.client
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
for p in (str(ROOT), str(BENCH)):
    if p not in sys.path:
        sys.path.insert(0, p)

import bench_load  # noqa: E402

READY_TIMEOUT_S = 300


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile."""
    xs = sorted(values)
    if not xs:
        return float("nan")
    k = max(0, min(len(xs) - 1, int(round(pct / 100 * len(xs) + 0.5)) - 1))
    return xs[k]


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


@dataclass
class Server:
    """A server process started by `start`, ready once `workers` processes said so."""
    proc: subprocess.Popen
    port: int
    log: Path
    workers: int
    ready_s: float = 0.0
    path: str = "/api/search"  # the search URL's path

    def pids(self) -> list[int]:
        """The worker processes (the master's children)."""
        try:
            text = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
        except OSError:
            return []
        return [int(p) for p in text.split()]

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=30)


def start(cmd: list[str], workers: int, log: Path, env: dict | None = None,
          path: str = "/api/search") -> Server:
    """Start a server (`cmd` gets `--port P`) and wait until `workers` processes printed
    `ready` in its log (at most READY_TIMEOUT_S)."""
    port = free_port()
    started = time.perf_counter()
    with open(log, "w") as out:
        proc = subprocess.Popen([*cmd, "--port", str(port)], stdout=out, stderr=out,
                                env={**os.environ, **(env or {})})
    server = Server(proc, port, log, workers, path=path)
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server stopped: see {log}")
        text = log.read_text(errors="replace")
        if text.count(" ready (") >= workers:
            server.ready_s = time.perf_counter() - started
            return server
        time.sleep(0.05)
    server.stop()
    raise RuntimeError(f"the server was not ready after {READY_TIMEOUT_S} s: see {log}")


def get(port: int, url: str) -> float:
    """ms of one GET (a new connection: sync workers close theirs after each answer)."""
    t = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", url)
        resp = conn.getresponse()
        body = resp.read()
        # a second page past a short list's end is the documented answer (bench_load.py)
        if resp.status != 200 and not (resp.status == 400 and b"past the end" in body):
            raise RuntimeError(f"HTTP {resp.status} for {url}: {body[:200]!r}")
    finally:
        conn.close()
    return (time.perf_counter() - t) * 1000


def query_url(server: Server, q: str) -> str:
    return f"{server.path}?q={urllib.parse.quote(q)}&per_page=10"


def memory(server: Server) -> list[dict]:
    """Per worker: USS (its own pages), PSS and RSS in MB."""
    out = []
    for pid in server.pids():
        try:
            rows = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]
        except OSError:
            continue
        d = {}
        for row in rows:
            name, value = row.split(":", 1)
            d[name] = int(value.split()[0]) / 1024
        out.append({"pid": pid, "uss": d["Private_Clean"] + d["Private_Dirty"],
                    "pss": d["Pss"], "rss": d["Rss"]})
    return out


def describe_memory(rows: list[dict]) -> str:
    if not rows:
        return "-"
    uss = [r["uss"] for r in rows]
    return (f"USS {min(uss):.0f}-{max(uss):.0f} MB a process (PSS "
            f"{min(r['pss'] for r in rows):.0f}-{max(r['pss'] for r in rows):.0f}, RSS "
            f"{min(r['rss'] for r in rows):.0f}-{max(r['rss'] for r in rows):.0f})")


@dataclass
class Latency:
    first: list[float] = field(default_factory=list)  # ms, each distinct query once
    repeated: list[float] = field(default_factory=list)
    first_query_ms: float = 0.0  # the very first request the fresh server answered

    def line(self, which: str) -> str:
        xs = getattr(self, which)
        return (f"p50 {percentile(xs, 50):.1f} ms, p95 {percentile(xs, 95):.1f} ms, "
                f"max {max(xs):.1f} ms ({len(xs)} requests)") if xs else "-"


def latency(server: Server, queries: list[str], passes: int = 3) -> Latency:
    """Each query once (first requests: in a fresh server, none answered before), then
    `passes` more times each (repeated)."""
    out = Latency()
    for q in queries:
        out.first.append(get(server.port, query_url(server, q)))
    out.first_query_ms = out.first[0] if out.first else 0.0
    for _ in range(passes):
        for q in queries:
            out.repeated.append(get(server.port, query_url(server, q)))
    return out


def first_of_pool(server: Server, pool: list[str], seed: int = 21) -> list[float]:
    """Each request of the pool (query string forms) once, in a fixed random order."""
    order = list(pool)
    random.Random(seed).shuffle(order)
    return [get(server.port, f"{server.path}?{params}") for params in order]


@dataclass
class Load:
    rate: float
    p50: float
    p95: float
    worst: float
    errors: list[str]
    refused: int
    upload: str = ""
    upload_s: float = 0.0


def load(server: Server, pool: list[str], clients: int, seconds: float,
         staff: tuple[str, str] | None = None, tmp: Path | None = None) -> Load:
    """`clients` threads searching `pool` for `seconds`; with `staff` (user, password), a
    staff upload of a 300-paragraph text a few seconds in, waited for until indexed."""
    latencies: list[float] = []
    errors: list[str] = []
    refused: list[str] = []
    deadline = time.monotonic() + seconds
    threads = [threading.Thread(target=_client, args=(server, pool, deadline, latencies,
                                                      errors, refused, i))
               for i in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    upload, upload_s = "", 0.0
    if staff is not None:
        doc = (tmp or Path(tempfile.gettempdir())) / f"staff-upload-{uuid.uuid4().hex[:8]}.txt"
        doc.write_text(f"Staff note {uuid.uuid4().hex}.\n\n" + "".join(
            f"{n}. Staff note paragraph {n} on local authorities and diaspora engagement in "
            f"development planning.\n\n" for n in range(1, 300)), encoding="utf-8")
        time.sleep(min(5, seconds / 4))
        t0 = time.monotonic()
        upload = bench_load.staff_upload(f"http://127.0.0.1:{server.port}", staff[0],
                                         staff[1], doc)
        upload_s = time.monotonic() - t0
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    ms = sorted(x * 1000 for x in latencies)
    return Load(rate=len(ms) / elapsed, p50=percentile(ms, 50), p95=percentile(ms, 95),
                worst=ms[-1] if ms else float("nan"), errors=errors, refused=len(refused),
                upload=upload, upload_s=upload_s)


def _client(server: Server, pool: list[str], deadline: float, out: list, errors: list,
            refused: list, seed: int) -> None:
    """bench_load.client against `server.path`."""
    rng = random.Random(seed)
    for _ in range(bench_load.MAX_REQUESTS_PER_CLIENT):
        if time.monotonic() >= deadline:
            break
        params = rng.choice(pool)
        started = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        try:
            conn.request("GET", f"{server.path}?{params}")
            resp = conn.getresponse()
            body = resp.read()
            if resp.status == 400 and b"past the end" in body:
                refused.append(params)  # a second page of a short list: the documented answer
            elif resp.status != 200:
                errors.append(f"HTTP {resp.status}")
        except (OSError, http.client.HTTPException) as exc:
            errors.append(type(exc).__name__)
            continue
        finally:
            conn.close()
        out.append(time.perf_counter() - started)


def describe_load(found: Load) -> str:
    errors = (f"{len(found.errors)} errors ({', '.join(sorted(set(found.errors)))})"
              if found.errors else "0 errors")
    text = (f"{found.rate:.1f} req/s, p50 {found.p50:.0f} ms, p95 {found.p95:.0f} ms, max "
            f"{found.worst:.0f} ms, {errors}")
    if found.upload:
        text += f"; staff upload: {found.upload} after {found.upload_s:.1f} s"
    return text


def ours(index: Path, workers: int, log: Path) -> Server:
    """`index.py serve` over `index`, result cache off."""
    return start([sys.executable, str(ROOT / "index.py"), "serve", "--index", str(index),
                  "--workers", str(workers)], workers, log,
                 env={"DIALOGUE_SEARCH_RESULT_CACHE": "0",
                      "DIALOGUE_SEARCH_SECRET_KEY_FILE": str(log.parent / "secret_key")})


def raw(raw_index: Path, workers: int, log: Path) -> Server:
    return start([sys.executable, str(BENCH / "raw_tantivy_server.py"), "serve", "--index",
                  str(raw_index), "--workers", str(workers)], workers, log, path="/search")


def build_raw(store_path: Path, out: Path) -> tuple[int, float]:
    """The raw tantivy index of the store's passages (bench/raw_tantivy_server.py)."""
    import json

    done = subprocess.run([sys.executable, str(BENCH / "raw_tantivy_server.py"), "build",
                           "--store", str(store_path), "--out", str(out)],
                          check=True, capture_output=True, text=True)
    found = json.loads(done.stdout.strip().splitlines()[-1])
    return found["passages"], found["seconds"]


def staff_user(index: Path) -> tuple[str, str]:
    """A staff account made for the run (remove it with remove_staff_user)."""
    user, password = f"bench-{uuid.uuid4().hex[:6]}", uuid.uuid4().hex
    subprocess.run([sys.executable, str(ROOT / "index.py"), "user", "add", user,
                    "--password-stdin", "--index", str(index)], input=password + "\n",
                   text=True, check=True, stdout=subprocess.DEVNULL)
    return user, password


def remove_staff_user(index: Path, user: str) -> None:
    subprocess.run([sys.executable, str(ROOT / "index.py"), "user", "remove", user, "--index",
                    str(index)], check=False, stdout=subprocess.DEVNULL)


# ------------------------------------------------------------------ one section, printed

P50_TARGET_MS, P95_TARGET_MS = 15.0, 50.0  # first request of each distinct query
REPEATED_P95_TARGET_MS = 30.0
RATE_TARGET, LOAD_P95_TARGET_MS = 150.0, 1000.0
USS_TARGET_MB = 200.0
READY_TARGET_MS = 300.0  # the first search of a fresh process


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def http_section(index: Path, tmp: Path, queries: list[str], pool: list[str], *,
                 workers: int, clients: int = 50, seconds: float = 30.0,
                 raw_baseline: bool = True, upload: bool = True) -> dict:
    """Our server and raw tantivy over HTTP on `index` (a data directory this run may
    change: the staff upload goes into it), printed; the figures as a dict."""
    from indexer.storage import store

    print(f"\n== HTTP: index.py serve ({workers} processes, result cache off) and raw tantivy "
          f"behind the same server; load average {load_average()}")
    gen = store.current_generation(index)
    figures: dict = {"load_before": load_average()}
    raw_index = tmp / "raw-tantivy"
    if raw_baseline:
        n, seconds_raw = build_raw(gen / "store.sqlite3", raw_index)
        print(f"   raw tantivy index of the same {n:,} passages: built in {seconds_raw:.1f} s")
    staff = staff_user(index) if upload else None
    try:
        server = ours(index, workers, tmp / "serve.log")
        try:
            figures["ready_s"] = server.ready_s
            found = latency(server, queries)
            others = first_of_pool(server, [p for p in pool if p not in
                                            {f"q={urllib.parse.quote(q)}&per_page=10"
                                             for q in queries}])
            figures["memory_quiet"] = memory(server)
            busy = load(server, pool, clients, seconds, staff, tmp)
            figures["memory_load"] = memory(server)
        finally:
            server.stop()
    finally:
        if staff is not None:
            remove_staff_user(index, staff[0])
    figures.update(first=found.first, repeated=found.repeated, first_query=found.first_query_ms,
                   other_forms=others, load=busy)
    print(f"   ready {server.ready_s:.1f} s after start (each process warms its index before "
          f"it takes requests); its first request {found.first_query_ms:.0f} ms")
    print(f"   first request of each of {len(queries)} queries: {found.line('first')}")
    print(f"   first request of each other form ({len(others)}: page 2, lang filters): "
          f"p50 {percentile(others, 50):.1f} ms, p95 {percentile(others, 95):.1f} ms")
    print(f"   repeated (3 more passes): {found.line('repeated')}")
    print(f"   memory, quiet: {describe_memory(figures['memory_quiet'])}")
    print(f"   {clients} clients, {seconds:.0f} s, {len(pool)} distinct requests"
          + (", a staff upload meanwhile" if upload else "") + f": {describe_load(busy)}")
    print(f"   memory after the load: {describe_memory(figures['memory_load'])}")
    if raw_baseline:
        rserver = raw(raw_index, workers, tmp / "raw.log")
        try:
            rfound = latency(rserver, queries)
            rbusy = load(rserver, pool, clients, seconds)
            figures["raw_memory"] = memory(rserver)
        finally:
            rserver.stop()
        figures.update(raw_first=rfound.first, raw_repeated=rfound.repeated, raw_load=rbusy)
        print(f"   raw tantivy, first requests: {rfound.line('first')}; repeated: "
              f"{rfound.line('repeated')}")
        print(f"   raw tantivy, {clients} clients: {describe_load(rbusy)}; memory "
              f"{describe_memory(figures['raw_memory'])}")
    figures["load_after"] = load_average()
    print_targets(figures)
    return figures


def print_targets(f: dict) -> None:
    first50, first95 = percentile(f["first"], 50), percentile(f["first"], 95)
    rep95 = percentile(f["repeated"], 95)
    uss = max((r["uss"] for r in f["memory_load"]), default=float("nan"))
    busy = f["load"]
    raw = "raw_first" in f

    def ratio(ours_ms: float, key: str, pct: float) -> str:
        return f" ({ours_ms / percentile(f[key], pct):.1f}x raw tantivy)" if raw else ""

    print(f"   targets (load average {f['load_before']} before, {f['load_after']} after):")
    print(f"     first request p50 <= {P50_TARGET_MS:.0f} ms: {first50:.1f} ms"
          f"{ratio(first50, 'raw_first', 50)} {verdict(first50 <= P50_TARGET_MS)}")
    print(f"     first request p95 <= {P95_TARGET_MS:.0f} ms: {first95:.1f} ms"
          f"{ratio(first95, 'raw_first', 95)} {verdict(first95 <= P95_TARGET_MS)}")
    print(f"     repeated p95 <= {REPEATED_P95_TARGET_MS:.0f} ms: {rep95:.1f} ms"
          f"{ratio(rep95, 'raw_repeated', 95)} {verdict(rep95 <= REPEATED_P95_TARGET_MS)}")
    print(f"     first search of a fresh process <= {READY_TARGET_MS:.0f} ms: "
          f"{f['first_query']:.0f} ms {verdict(f['first_query'] <= READY_TARGET_MS)}")
    rate_ratio = f" ({busy.rate / f['raw_load'].rate:.2f}x raw tantivy's)" if raw else ""
    load_ok = busy.rate >= RATE_TARGET and busy.p95 <= LOAD_P95_TARGET_MS and not busy.errors
    print(f"     load >= {RATE_TARGET:.0f} req/s, p95 <= {LOAD_P95_TARGET_MS:.0f} ms, 0 errors: "
          f"{busy.rate:.1f} req/s{rate_ratio}, p95 {busy.p95:.0f} ms, {len(busy.errors)} errors "
          f"{verdict(load_ok)}")
    print(f"     memory a process holds alone <= {USS_TARGET_MB:.0f} MB: {uss:.0f} MB "
          f"{verdict(uss <= USS_TARGET_MB)}")


def main() -> int:
    import argparse
    import shutil

    from bench_build_query import EXTRA_QUERIES, load_queries

    ap = argparse.ArgumentParser(description="make bench's HTTP section on an existing index")
    ap.add_argument("--index", type=Path, required=True, help="a data directory (copied)")
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1))
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--no-raw", action="store_true", help="without the raw tantivy baseline")
    args = ap.parse_args()
    queries = load_queries(args.shared / "dev-queries" / "queries.jsonl") + EXTRA_QUERIES
    pool = bench_load.request_pool(args.shared)
    tmp = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    try:
        shutil.copytree(args.index, tmp / "data", symlinks=True,
                        ignore=shutil.ignore_patterns("*.lock"))
        http_section(tmp / "data", tmp, queries, pool, workers=args.workers,
                     clients=args.clients, seconds=args.seconds, raw_baseline=not args.no_raw)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
