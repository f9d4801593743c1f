"""`index.py serve`: the web app under waitress (a production WSGI server; never Flask's
development server)."""

from __future__ import annotations

import sys

from .config import Settings


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


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8000,
          threads: int = 8) -> int:
    server = make_server(settings, host, port, threads)
    print(f"Dialogue Search on http://{host}:{server.effective_port}/ "
          f"(index: {settings.index_dir}); Ctrl-C stops it", file=sys.stderr)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        _stop_worker(server)
    return 0
