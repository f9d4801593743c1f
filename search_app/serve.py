"""`index.py serve`: the web app under production WSGI servers (never Flask's development
server): gunicorn with two single-threaded processes per core by default, or one
waitress process.

Measured on 2 cores (make bench-load, 50 clients, UNGA-scale index, result cache off): a
search is ~15-20 ms of Python and Rust under one GIL, so threads in one process contend
for one core (2 processes x 4 threads: 49 req/s); single-threaded processes use both cores
(2 x 1: 88 req/s; 4 x 1: 98 req/s, p95 0.8 s); gunicorn's sync workers spread the load
evenly (4 processes, 60 s: 126-130 req/s, p95 0.47 s). Figures in bench/README.md.
Sync workers take one request at a time, and a connection only once its request head has
arrived (`web_read_timeout`, search_app/serve_worker.py), so that clients which send half a
request and wait hold no process; on the open internet, still put a buffering proxy
(nginx) in front, as gunicorn's documentation advises (bench/bench_slow_clients.py)."""

from __future__ import annotations

import gc
import os
import sys
import time
from dataclasses import replace

from indexer.config import Settings
from indexer.library import prepare_lexicon


def make_server(settings: Settings, host: str = "127.0.0.1", port: int = 8000,
                threads: int = 8):
    """A bound, not yet running waitress server for the app (port 0 picks a free port;
    the chosen one is `server.effective_port`)."""
    import waitress

    from search_app import create_app

    app = create_app({"SETTINGS": settings})
    # waitress spools request bodies to disk before the app sees them: its own limit makes
    # it answer 413 from the Content-Length of an oversized upload without reading the body.
    server = waitress.create_server(app, host=host, port=port, threads=threads,
                                    ident="dialogue-search",
                                    max_request_body_size=settings.max_upload_bytes + 2**20)
    server.flask_app = app  # for stop_server: the app's upload worker stops with it
    return server


def _stop_worker(server) -> None:
    worker = server.flask_app.extensions.get("dialogue_search_jobs")
    if worker is not None:
        worker.stop()


def run_server(server) -> None:
    """`server.run()` for a server another thread stops with `stop_server`: closing its
    sockets from that thread can interrupt the select() here with EBADF, which is then the
    expected end, not an error."""
    import errno

    try:
        server.run()
    except OSError as exc:
        if not (getattr(server, "stopping", False) and exc.errno == errno.EBADF):
            raise


def stop_server(server) -> None:
    """Stop a server started with `make_server(...).run()` in another thread: finish the
    worker threads and close every socket, so `run()` returns."""
    from waitress import wasyncore

    server.stopping = True
    server.task_dispatcher.shutdown()
    wasyncore.close_all(server._map)
    _stop_worker(server)


GC_THRESHOLDS = (10_000, 20, 20)


def warm(app) -> None:
    """The app's search service warmed (SearchService.warm) before the server takes
    requests: the first search of a fresh process was 1.7-4.2 s (index statistics, the
    language detector's models, the thesaurus, term dictionaries), the next ones ~20 ms."""
    from search_app import EXTENSION

    app.extensions[EXTENSION].warm()


def tune_gc() -> None:
    """Collect cycles less often than Python's default (700, 10, 10). A search makes tens of
    thousands of short-lived containers (analysed passages, term counts), almost none in
    cycles, so the collector mostly walks the long-lived caches for nothing: measured over
    the bench-load requests in one process, collection took 2.2 ms of a 15.5 ms request
    with the default and 0.5 ms with these thresholds. Garbage is still freed at once by
    reference counting; cycles a little later."""
    gc.set_threshold(*GC_THRESHOLDS)


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8000,
          threads: int | None = None, workers: int | None = None) -> int:
    """Serve until Ctrl-C/SIGTERM: several processes (gunicorn) by default, one waitress
    process with `workers=1` (see the `web_workers` setting for why)."""
    workers = workers or settings.web_workers or 2 * (os.cpu_count() or 1)
    threads = threads or settings.web_threads
    tune_gc()  # before gunicorn forks: its processes inherit it
    for note in prepare_lexicon(settings):  # did-you-mean's word lists, before any search
        print(f"note: {note}", file=sys.stderr)
    if workers > 1:
        return _serve_processes(settings, host, port, workers, threads)
    server = make_server(settings, host, port, max(threads, 4))
    warm(server.flask_app)
    print(f"Dialogue Search on http://{host}:{server.effective_port}/ "
          f"(index: {settings.index_dir}; 1 process, {max(threads, 4)} threads); "
          "Ctrl-C stops it", file=sys.stderr)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        _stop_worker(server)
    return 0


def _serve_processes(settings: Settings, host: str, port: int, workers: int,
                     threads: int) -> int:
    """gunicorn: `workers` processes sharing one socket, forked from one app made and
    warmed before (preload; each process then opens and warms its own index reader): sync
    workers (one request at a time) with `threads` = 1, gthread workers with more. Every
    process starts an upload worker; the one holding the data directory's lock runs the
    jobs."""
    from gunicorn.app.base import BaseApplication

    from search_app import EXTENSION, create_app
    from search_app.auth import secret_key

    # One session key for all the processes, read (or created) here before they start.
    settings = replace(settings, secret_key=secret_key(settings))

    class Server(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", [f"{host}:{port}"])
            self.cfg.set("workers", workers)
            if threads > 1:
                self.cfg.set("worker_class", "gthread")
                self.cfg.set("threads", threads)
            else:
                # One request at a time per process, and a process takes a connection only
                # when it is free: the load spreads evenly. With gthread's keep-alive, the
                # 50 bench-load connections stayed where they were first accepted, and
                # throughput went from 72 to 139 req/s between identical runs (sync: 126
                # and 130, p95 0.47 s). Sync workers close each connection after its answer.
                # ... that take a connection only once its request head has arrived, and
                # time out reads and writes (search_app/serve_worker.py, web_read_timeout): a
                # client that sends half a request and waits holds no process.
                from search_app import serve_worker

                serve_worker.ReadTimeoutSyncWorker.read_timeout = settings.web_read_timeout
                self.cfg.set("worker_class", "search_app.serve_worker.ReadTimeoutSyncWorker")
            # a sync worker is restarted when one request runs longer than this (a large
            # upload over a slow link, a deep export): generous, as nothing is killed early
            self.cfg.set("timeout", 300)
            # The app is made once, before the fork (preload): what every process reads
            # alike (the language detector's ~200 MB of models, the thesaurus, the code) is
            # loaded once and shared copy-on-write, not once per process. What must not
            # cross a fork is opened in each process after it, before it takes requests
            # (post_fork): its index reader (warmed), its SQLite connections, its upload
            # worker's thread.
            self.cfg.set("preload_app", True)
            self.cfg.set("post_fork", _post_fork)
            self.cfg.set("graceful_timeout", 30)
            self.cfg.set("proc_name", "dialogue-search")
            self.cfg.set("accesslog", None)
            self.cfg.set("errorlog", "-")
            self.cfg.set("loglevel", "warning")

        def load(self):
            app = create_app({"SETTINGS": settings, "JOB_WORKER": False})
            app.extensions[EXTENSION].warm_shared()
            made.append(app)
            # The objects made so far live as long as the server: out of the collector's
            # sight, its passes neither walk them nor write to their pages (which would
            # copy each page into every process).
            gc.freeze()
            return app

    made: list = []

    def _post_fork(_server, _worker) -> None:
        """In each process, after the fork: its upload worker and its warmed index reader."""
        from indexer.library.jobs import Worker

        started = time.perf_counter()
        app = made[0]
        app.extensions["dialogue_search_jobs"] = Worker(settings).start()
        app.extensions[EXTENSION].warm_index()
        print(f"process {os.getpid()} ready (index warmed in "
              f"{time.perf_counter() - started:.1f} s)", file=sys.stderr, flush=True)

    print(f"Dialogue Search on http://{host}:{port}/ (index: {settings.index_dir}; "
          f"{workers} processes, " + (f"{threads} threads each" if threads > 1 else
                                        "one request at a time each")
          + "); Ctrl-C stops it", file=sys.stderr)
    Server().run()
    return 0
