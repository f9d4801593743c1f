"""The seed corpus on first start: `make serve` fetches the documents of corpus/catalog.toml
(when the network answers) and indexes them beside the shipped samples, once.

- Online: each download is shown as it ends and limited in time; failures are listed and
  skipped; what arrived is added to the live index (`library.add`, with the catalog's
  metadata from the MANIFEST.tsv fetch writes). A marker in the data directory (`SEEDED`)
  records the run, so a later start does not fetch again (`index.py seed --again` does).
- Offline (the catalog's first host does not answer within a few seconds): nothing waits;
  the samples are served at once and the one command that fetches the rest later is printed.
"""

from __future__ import annotations

import json
import socket
import sys
import urllib.parse
from pathlib import Path

from indexer import library
from indexer.config import Settings
from indexer.library.fetch import CATALOG_NAME, fetch, load_catalog
from indexer.library.recording import OutcomeStatus
from indexer.storage import store

MARKER = "SEEDED"
PROBE_SECONDS = 3.0  # how long first start waits to learn that there is no network
LATER = "make seed   (or: .venv/bin/python index.py seed --again --index DIR)"


def _first_url(catalog: Path, base_url: str | None) -> str:
    if base_url:
        return base_url
    for doc in load_catalog(catalog):
        for url in (doc.get("links") or {}).values():
            return str(url)
    return ""


def reachable(url: str, seconds: float = PROBE_SECONDS) -> bool:
    """Whether a TCP connection to the URL's host opens within `seconds`."""
    parts = urllib.parse.urlsplit(url)
    if not parts.hostname:
        return False
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        socket.create_connection((parts.hostname, port), timeout=seconds).close()
    except OSError:
        return False
    return True


def seed(settings: Settings, catalog: Path | None = None, dest: Path | None = None, *,
         base_url: str | None = None, timeout: float = 30, max_seconds: float = 300,
         again: bool = False, out=sys.stdout) -> int:
    """Fetch and index the catalog's documents once (the corpus folder's catalog.toml unless
    `catalog` is given); 0 whatever the network did (failures are reported, and the samples
    stay served)."""
    catalog = catalog or Path(settings.corpus_dir) / CATALOG_NAME
    data = Path(settings.index_dir)
    marker = data / MARKER
    if store.current_generation(data) is None:
        print(f"seed: no index in {data} yet; run `index.py build` first", file=out)
        return 1
    if marker.exists() and not again:
        done = json.loads(marker.read_text(encoding="utf-8"))
        print(f"seed: the catalog's documents were fetched on {done['when']} "
              f"({done['indexed']} indexed, {done['failed']} failed); `{LATER}` tries again",
              file=out)
        return 0
    dest = Path(dest) if dest else data.parent / "fetched"
    url = _first_url(Path(catalog), base_url)
    if not url or not reachable(url):
        print("seed: no network (the catalog's documents cannot be fetched now): serving the "
              f"shipped samples. To fetch the catalog's documents later: {LATER}", file=out)
        return 0

    def progress(done: int, total: int, what: str, outcome: str) -> None:
        print(f"seed: [{done}/{total}] {what}: {outcome}", file=out, flush=True)

    print(f"seed: fetching the documents of {catalog} into {dest} (each download limited to "
          f"{max_seconds:g} s)", file=out, flush=True)
    report = fetch(catalog, dest, base_url_override=base_url, timeout=timeout,
                   max_seconds=max_seconds, progress=progress)
    files = [dest / name for name in [*report.downloaded, *report.skipped]]
    indexed = refused = 0
    if files:
        added = library.add(files, settings)
        indexed = len(added.of(OutcomeStatus.INDEXED))
        refused = len(added.of(OutcomeStatus.REFUSED))
        for outcome in added.of(OutcomeStatus.REFUSED):
            print(f"seed: refused {outcome.file}: {outcome.reason}", file=out)
    for failed_url, reason in report.failed:
        print(f"seed: failed {failed_url}: {reason}", file=out)
    print(f"seed: {len(report.downloaded)} downloaded, {len(report.skipped)} already here, "
          f"{len(report.failed)} failed; {indexed} added to the index, {refused} refused",
          file=out)
    marker.write_text(json.dumps({"when": store.now(), "indexed": indexed,
                                  "failed": len(report.failed) + refused}),
                      encoding="utf-8")
    return 0
