"""The raw tantivy baseline over HTTP: one tantivy index of the same passages (an English
stemmed text field and the passage id, nothing of ours: no expansion, facets, re-scoring or
snippets) behind the same server as ours (gunicorn sync processes, one request at a time),
so that `make bench` can say what the HTTP layer alone costs on this machine.

    python bench/raw_tantivy_server.py build --store STORE.sqlite3 --out DIR
    python bench/raw_tantivy_server.py serve --index DIR --port P [--workers N]

GET /search?q=... answers {"hits": [passage ids]} (top 10); it prints one line per process
when it is ready, as `index.py serve` does.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TOP_K = 10


def build(store_path: Path, out: Path) -> tuple[int, float]:
    """(passages, seconds) of indexing the store's active passages into `out`."""
    import tantivy

    from indexer.storage import store

    with store.open(store_path.parent) as st:
        passages = [(p.passage_id, p.text) for _doc, ps in st.iter_active_passages()
                    for p in ps]
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("id", stored=True, tokenizer_name="raw")
    sb.add_text_field("text", stored=False, tokenizer_name="en_stem")
    out.mkdir(parents=True, exist_ok=True)
    index = tantivy.Index(sb.build(), path=str(out))
    t = time.perf_counter()
    writer = index.writer()
    for pid, text in passages:
        writer.add_document(tantivy.Document(id=pid, text=text))
    writer.commit()
    writer.wait_merging_threads()
    return len(passages), time.perf_counter() - t


class Searcher:
    def __init__(self, path: Path):
        import tantivy

        self.index = tantivy.Index.open(str(path))
        self.searcher = self.index.searcher()

    def search(self, q: str) -> list[str]:
        try:
            query = self.index.parse_query(q, ["text"])
        except ValueError:  # syntax tantivy's parser refuses: its words
            query = self.index.parse_query(" ".join(re.findall(r"\w+", q)) or "a", ["text"])
        hits = self.searcher.search(query, TOP_K).hits
        return [self.searcher.doc(addr)["id"][0] for _score, addr in hits]


def app_for(path: Path):
    from urllib.parse import parse_qs

    held: dict = {}

    def app(environ, start_response):
        searcher = held.get("s")
        if searcher is None:
            searcher = held["s"] = Searcher(path)
        q = parse_qs(environ.get("QUERY_STRING", "")).get("q", [""])[0]
        body = json.dumps({"hits": searcher.search(q)}).encode()
        start_response("200 OK", [("Content-Type", "application/json"),
                                  ("Content-Length", str(len(body)))])
        return [body]

    return app, held


def serve(path: Path, port: int, workers: int) -> None:
    from gunicorn.app.base import BaseApplication

    app, held = app_for(path)

    def post_fork(_server, _worker) -> None:
        started = time.perf_counter()
        held["s"] = Searcher(path)
        held["s"].search("warm up")
        print(f"process {os.getpid()} ready (raw tantivy, {time.perf_counter() - started:.1f}"
              " s)", file=sys.stderr, flush=True)

    class Server(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", [f"127.0.0.1:{port}"])
            self.cfg.set("workers", workers)
            self.cfg.set("worker_class", "sync")
            self.cfg.set("preload_app", True)
            self.cfg.set("post_fork", post_fork)
            self.cfg.set("accesslog", None)
            self.cfg.set("errorlog", "-")
            self.cfg.set("loglevel", "warning")

        def load(self):
            return app

    Server().run()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build")
    b.add_argument("--store", type=Path, required=True)
    b.add_argument("--out", type=Path, required=True)
    s = sub.add_parser("serve")
    s.add_argument("--index", type=Path, required=True)
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1))
    args = ap.parse_args()
    if args.command == "build":
        n, seconds = build(args.store, args.out)
        print(json.dumps({"passages": n, "seconds": seconds}))
    else:
        serve(args.index, args.port, args.workers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
