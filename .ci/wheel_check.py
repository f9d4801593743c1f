"""The package as people deploy it: build the wheel, install it into a clean virtual
environment, and from a folder outside the project build a small index and fetch a results
page from the installed `dialogue-search` command.

    python .ci/wheel_check.py [--keep DIR]

Exit 0 when every step worked; otherwise the step that failed and its output.
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def run(step: str, cmd: list[str], **kw) -> subprocess.CompletedProcess:
    print(f"wheel-check: {step}", flush=True)
    proc = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if proc.returncode != 0:
        print(proc.stdout[-4000:], proc.stderr[-4000:], sep="\n", file=sys.stderr)
        raise SystemExit(f"wheel-check: {step} failed (exit {proc.returncode})")
    return proc


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keep", help="work in this folder and keep it")
    args = ap.parse_args()
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="ds-wheel-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        dist = work / "dist"
        run("build the wheel", [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                                "-w", str(dist), str(PROJECT)])
        wheel = next(dist.glob("dialogue_search-*.whl"))
        venv = work / "venv"
        run("make a clean venv", [sys.executable, "-m", "venv", str(venv)])
        pip = venv / "bin" / "pip"
        run(f"install {wheel.name}", [str(pip), "install", "-q", str(wheel)])
        cli = venv / "bin" / "dialogue-search"
        site = work / "site"  # a folder that is not the project: defaults come from here
        site.mkdir()
        shutil.copytree(PROJECT / "corpus" / "samples", site / "corpus")
        run("build an index of the samples", [str(cli), "build"], cwd=site)
        if not (site / "var" / "data" / "CURRENT").exists():
            raise SystemExit("wheel-check: the index is not in ./var/data of the working folder")
        found = run("search from the command line",
                    [str(cli), "search", "--json", "--", "local authorities"], cwd=site)
        if not json.loads(found.stdout)["hits"]:
            raise SystemExit("wheel-check: the command-line search found nothing")
        port = free_port()
        server = subprocess.Popen([str(cli), "serve", "--workers", "1", "--port", str(port)],
                                  cwd=site, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True)
        try:
            pages = {}
            for path in ("/search?q=autorit%C3%A9s+locales", "/api/search?q=remittances",
                         "/help", "/static/style.css"):
                pages[path] = fetch(f"http://127.0.0.1:{port}{path}", server)
            if "class=\"hit" not in pages["/search?q=autorit%C3%A9s+locales"]:
                raise SystemExit("wheel-check: the results page shows no hit")
            if not json.loads(pages["/api/search?q=remittances"])["hits"]:
                raise SystemExit("wheel-check: the API found nothing")
        finally:
            server.terminate()
            server.wait(timeout=20)
        print("wheel-check: the installed wheel builds, searches and serves pages: OK")
        return 0
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def fetch(url: str, server: subprocess.Popen, wait: float = 60.0) -> str:
    """The page at `url`, waiting for the server to come up."""
    deadline = time.monotonic() + wait
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10) as resp:
                print(f"wheel-check: GET {url} -> {resp.status}", flush=True)
                return resp.read().decode("utf-8")
        except OSError:
            if server.poll() is not None:
                out = server.stdout.read() if server.stdout else ""
                raise SystemExit(f"wheel-check: the server stopped:\n{out[-4000:]}") from None
            if time.monotonic() > deadline:
                raise SystemExit(f"wheel-check: no answer from {url}") from None
            time.sleep(0.5)


if __name__ == "__main__":
    sys.exit(main())
