"""`index.py serve`: the web app under waitress (a production WSGI server; never Flask's
development server)."""

from __future__ import annotations

import sys

from .config import Settings


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8000,
          threads: int = 8) -> int:
    import waitress

    from search_app import create_app

    app = create_app({"SETTINGS": settings})
    print(f"Dialogue Search on http://{host}:{port}/ (index: {settings.index_dir})",
          file=sys.stderr)
    waitress.serve(app, host=host, port=port, threads=threads, ident="dialogue-search")
    return 0
