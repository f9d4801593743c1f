"""Download the documents listed in `corpus/catalog.toml` and describe them in a MANIFEST.tsv.

The catalog is metadata only; this module is how a user gets the texts themselves.
Everything about a downloaded file's name comes from our own catalog (`<id>.<lang>.<ext>`);
the server only influences the extension, and only through a fixed table of known types.

Guarantees:
- a network failure (HTTP error, timeout, broken transfer, no network) never raises: it is
  recorded per link in the report with a plain-language reason;
- no partial file is ever left behind: bodies are written to a temporary file in the
  destination folder and moved into place with `os.replace` only once complete;
- files already present are skipped (not downloaded again), and MANIFEST.tsv is merged,
  never truncated, so rows written by earlier runs survive.
"""

from __future__ import annotations

import csv
import http.client
import os
import re
import socket
import ssl
import sys
import tempfile
import tomllib
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from indexer.errors import DialogueSearchError

CATALOG_NAME = "catalog.toml"  # in the corpus folder (the corpus_dir setting)

MANIFEST_NAME = "MANIFEST.tsv"
MANIFEST_COLUMNS = ("file", "title", "series", "symbol", "lang", "date", "version", "work", "url")
ALLOWED_SERIES = frozenset(
    {"GCM", "GCR", "GFMD", "NYD", "SDG", "NUA", "WMR", "UNSG", "UNGA", "Mayors", "other"}
)

USER_AGENT = "DialogueSearch-fetch/0.1 (research corpus builder; Python urllib)"
MAX_BYTES = 100 * 1024 * 1024  # same ceiling as the ingestion's max_file_bytes default
CHUNK = 64 * 1024

# Safe file-name parts: nothing that could climb out of dest_dir or hide a file.
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")
_LANG_RE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$")

# Known content types -> extension. Anything else falls back to the catalog URL's suffix.
_TYPE_EXT = {
    "application/pdf": ".pdf",
    "application/x-pdf": ".pdf",
    "text/html": ".html",
    "application/xhtml+xml": ".html",
    "text/plain": ".txt",
    "text/markdown": ".md",
    "text/x-markdown": ".md",
    "application/msword": ".doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
}
_KNOWN_EXT = frozenset({".pdf", ".html", ".htm", ".txt", ".md", ".doc", ".docx"})
# Hosts of the UN Official Document System: a document there is always a PDF, so a web page
# from them is a redirect, login or error page, never the document.
_PDF_HOSTS = frozenset({"undocs.org", "documents.un.org", "documents-dds-ny.un.org"})
_TEMP_PREFIX = ".fetch-"
_NOT_ATTEMPTED = "not attempted: "


class CatalogError(DialogueSearchError):
    """The catalog file is missing or is not valid TOML with [[document]] tables."""


@dataclass
class FetchReport:
    """What one run did. File names are relative to the destination folder."""

    downloaded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (url, reason)

    @property
    def ok(self) -> bool:
        return not self.failed


class _FetchFailed(Exception):
    """Internal: one link failed; the message is the plain-language reason."""


# ---------------------------------------------------------------------------------------
# catalog


def load_catalog(catalog_path: str | os.PathLike) -> list[dict]:
    """The catalog's [[document]] tables, as dicts. Raises CatalogError when unreadable."""
    path = Path(catalog_path)
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise CatalogError(f"catalog not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"catalog {path} is not valid TOML: {exc}") from None
    docs = data.get("document", [])
    if not isinstance(docs, list) or not all(isinstance(d, dict) for d in docs):
        raise CatalogError(f"catalog {path}: `document` must be an array of tables")
    return docs


def _text(value: object) -> str:
    """A catalog value as a single-line string fit for a TSV cell."""
    if value is None:
        return ""
    return re.sub(r"[\t\r\n]+", " ", str(value)).strip()


# ---------------------------------------------------------------------------------------
# URLs and names


def _effective_url(url: str, base_url_override: str | None) -> str:
    """`url` with its scheme and host replaced by those of `base_url_override` (for tests)."""
    if not base_url_override:
        return url
    base = urllib.parse.urlsplit(base_url_override)
    parts = urllib.parse.urlsplit(url)
    path = base.path.rstrip("/") + parts.path
    return urllib.parse.urlunsplit((base.scheme, base.netloc, path, parts.query, ""))


def _url_ext(url: str) -> str:
    suffix = Path(urllib.parse.unquote(urllib.parse.urlsplit(url).path)).suffix.lower()
    if suffix == ".htm":
        return ".html"
    return suffix if suffix in _KNOWN_EXT else ""


def _choose_ext(content_type: str, catalog_url: str) -> str:
    """Extension from the Content-Type (known types only), else from our catalog URL."""
    mime = content_type.split(";", 1)[0].strip().lower()
    from_type = _TYPE_EXT.get(mime, "")
    from_url = _url_ext(catalog_url)
    if not from_url and urllib.parse.urlsplit(catalog_url).hostname in _PDF_HOSTS:
        from_url = ".pdf"  # the UN document system serves documents as PDF only
    if from_type == ".html" and from_url and from_url != ".html":
        # A web page where the catalog promises a document file: almost always a login,
        # cookie or "not found" page served with status 200.
        raise _FetchFailed(
            f"expected a {from_url[1:].upper()} file but the server sent a web page instead "
            "(probably an error or landing page)"
        )
    return from_type or from_url or ".bin"


def _existing(dest: Path, stem: str) -> str | None:
    """Name of an already-downloaded file for `stem` (`<id>.<lang>`), if any."""
    for p in sorted(dest.glob(_glob_escape(stem) + ".*")):
        if p.is_file() and not p.name.startswith(".") and p.suffix and p.stem == stem:
            return p.name
    return None


def _glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)


# ---------------------------------------------------------------------------------------
# network


def _open(opener, request: urllib.request.Request, timeout: float):
    """Open with `opener`: the urllib module (default), or anything with `.open()`."""
    if hasattr(opener, "open"):
        return opener.open(request, timeout=timeout)
    return opener.request.urlopen(request, timeout=timeout)


def _reason_for(exc: BaseException) -> str:
    """A plain-language reason for a failed download."""
    if isinstance(exc, _FetchFailed):
        return str(exc)
    if isinstance(exc, urllib.error.HTTPError):
        phrase = exc.reason or http.client.responses.get(exc.code, "")
        hint = {
            401: "the server requires a login",
            403: "the server refused access",
            404: "the document was not found at this address",
            410: "the document has been removed from this address",
            429: "the server is rate-limiting requests; try again later",
        }.get(exc.code)
        if hint is None and exc.code >= 500:
            hint = "the server had an internal problem; try again later"
        text = f"the server answered HTTP {exc.code} {phrase}".rstrip()
        return f"{text} ({hint})" if hint else text
    if isinstance(exc, urllib.error.URLError):
        inner = exc.reason
        if isinstance(inner, BaseException):
            return _reason_for(inner)
        return f"could not connect: {inner}"
    if isinstance(exc, socket.gaierror):
        return "could not look up the server's name (no network connection, or unknown host)"
    if isinstance(exc, TimeoutError):
        return "the server did not answer in time (timed out)"
    if isinstance(exc, ConnectionRefusedError):
        return "the server refused the connection (nothing is listening at that address)"
    if isinstance(exc, http.client.IncompleteRead):
        got = len(exc.partial)
        expected = f" of {got + exc.expected} expected" if exc.expected else ""
        return f"the transfer was cut off after {got} bytes{expected}; nothing was saved"
    if isinstance(exc, ConnectionError | http.client.HTTPException):
        return f"the connection broke during the transfer ({type(exc).__name__}); nothing was saved"
    if isinstance(exc, ssl.SSLError | ssl.CertificateError):
        return f"secure connection failed: {exc}"
    if isinstance(exc, OSError):
        return f"network or disk error: {exc.strerror or exc}"
    return f"unexpected error: {exc}"


def _is_host_level(exc: BaseException) -> bool:
    """Failures that will recur for every link on the same host (no route, no DNS, ...)."""
    if isinstance(exc, urllib.error.HTTPError):
        return False
    if isinstance(exc, urllib.error.URLError):
        return isinstance(exc.reason, OSError)
    return isinstance(exc, socket.gaierror | ConnectionRefusedError)


def _download(url: str, catalog_url: str, dest: Path, stem: str, timeout: float, opener,
              max_seconds: float | None = None) -> str:
    """Fetch `url` into `dest/<stem><ext>` atomically; returns the file name. `timeout`
    bounds each wait on the server; `max_seconds` the whole download (a slow trickle)."""
    import time

    deadline = time.monotonic() + max_seconds if max_seconds else None
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
    tmp_path: str | None = None
    try:
        with _open(opener, request, timeout) as resp:
            status = getattr(resp, "status", 200)
            if status is not None and not 200 <= status < 300:
                raise _FetchFailed(f"the server answered HTTP {status} instead of the document")
            headers = resp.headers
            ext = _choose_ext(headers.get("Content-Type", ""), catalog_url)
            length = headers.get("Content-Length")
            expected = int(length) if length and length.strip().isdigit() else None
            if expected is not None and expected > MAX_BYTES:
                raise _FetchFailed(
                    f"the file is too large ({expected} bytes; the limit is {MAX_BYTES})"
                )
            fd, tmp_path = tempfile.mkstemp(prefix=_TEMP_PREFIX, suffix=".part", dir=dest)
            received = 0
            with os.fdopen(fd, "wb") as out:
                while True:
                    chunk = resp.read(CHUNK)
                    if not chunk:
                        break
                    received += len(chunk)
                    if deadline is not None and time.monotonic() > deadline:
                        raise _FetchFailed(
                            f"the download took longer than {max_seconds:g} s; nothing was "
                            "saved")
                    if received > MAX_BYTES:
                        raise _FetchFailed(
                            f"the file is larger than the limit of {MAX_BYTES} bytes"
                        )
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(tmp_path, 0o644)  # mkstemp makes 0600 files; downloads are not secret
            if expected is not None and received < expected:
                raise _FetchFailed(
                    f"the transfer was cut off after {received} of {expected} bytes; "
                    "nothing was saved"
                )
            if received == 0:
                raise _FetchFailed("the server sent an empty file; nothing was saved")
        name = stem + ext
        os.replace(tmp_path, dest / name)
        tmp_path = None
        return name
    finally:
        if tmp_path is not None:
            try:
                os.unlink(tmp_path)
            except FileNotFoundError:
                pass


# ---------------------------------------------------------------------------------------
# manifest


def read_manifest(path: Path) -> dict[str, dict[str, str]]:
    """Rows of an existing MANIFEST.tsv keyed by file name ({} when absent)."""
    if not path.exists():
        return {}
    rows: dict[str, dict[str, str]] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh, dialect="excel-tab")
        header = next(reader, None)
        if not header:
            return {}
        header = [h.strip().lstrip("\ufeff") for h in header]
        for values in reader:
            if not values or not any(v.strip() for v in values):
                continue
            row = {col: "" for col in MANIFEST_COLUMNS}
            for col, val in zip(header, values, strict=False):
                if col in row:
                    row[col] = val
            if row["file"]:
                rows[row["file"]] = row
    return rows


def write_manifest(path: Path, rows: dict[str, dict[str, str]]) -> None:
    """Write MANIFEST.tsv atomically (temp file + os.replace), rows sorted by file name.

    Tab-separated, UTF-8, "\\n" line ends; a cell is quoted only if it contains a double
    quote (csv "excel-tab" dialect, which is also how the ingestion reads catalogs).
    """
    fd, tmp = tempfile.mkstemp(prefix=_TEMP_PREFIX, suffix=".tsv", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, dialect="excel-tab", lineterminator="\n")
            writer.writerow(MANIFEST_COLUMNS)
            for name in sorted(rows):
                writer.writerow([_text(rows[name].get(col, "")) for col in MANIFEST_COLUMNS])
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _manifest_row(name: str, doc: dict, lang: str, url: str) -> dict[str, str]:
    return {
        "file": name,
        "title": _text(doc.get("title")),
        "series": _text(doc.get("series")),
        "symbol": _text(doc.get("symbol")),
        "lang": lang,
        "date": _text(doc.get("date")),
        "version": _text(doc.get("version")),
        "work": _text(doc.get("work")),
        "url": _text(url),
    }


# ---------------------------------------------------------------------------------------
# entry points


def fetch(
    catalog_path: str | os.PathLike,
    dest_dir: str | os.PathLike,
    *,
    base_url_override: str | None = None,
    timeout: float = 30,
    opener=urllib,
    max_seconds: float | None = None,
    progress=None,
) -> FetchReport:
    """Download every catalog link into `dest_dir` and merge `dest_dir/MANIFEST.tsv`.

    Network failures are recorded in the report, never raised. Raises CatalogError only
    when the catalog itself cannot be read. `max_seconds` limits each download;
    `progress(done, total, name_or_url, outcome)` is called after each link.
    """
    docs = load_catalog(catalog_path)
    dest = Path(dest_dir)
    dest.mkdir(parents=True, exist_ok=True)
    manifest_path = dest / MANIFEST_NAME
    rows = read_manifest(manifest_path)
    report = FetchReport()
    dead_hosts: dict[str, str] = {}  # netloc -> reason, so an offline run fails fast
    seen: set[str] = set()

    total = sum(len(d.get("links") or {}) for d in docs if isinstance(d.get("links"), dict))

    def told(what: str, outcome: str) -> None:
        if progress is not None:
            progress(len(report.downloaded) + len(report.skipped) + len(report.failed), total,
                     what, outcome)

    for doc in docs:
        doc_id = _text(doc.get("id"))
        links = doc.get("links") or {}
        if not isinstance(links, dict):
            report.failed.append(("", f"document {doc_id!r}: `links` must be a table"))
            continue
        for lang, catalog_url in links.items():
            catalog_url = _text(catalog_url)
            stem = f"{doc_id}.{lang}"
            problem = None
            if not _ID_RE.match(doc_id):
                problem = f"catalog id {doc_id!r} is not a safe file name (use a-z, 0-9, - and _)"
            elif not _LANG_RE.match(str(lang)):
                problem = f"document {doc_id!r}: language code {lang!r} is not valid"
            elif stem in seen:
                problem = f"document {doc_id!r} is listed twice for language {lang!r}"
            elif urllib.parse.urlsplit(catalog_url).scheme not in ("http", "https"):
                problem = f"document {doc_id!r}: only http(s) links can be fetched"
            if problem:
                report.failed.append((catalog_url, problem))
                told(catalog_url, problem)
                continue
            seen.add(stem)

            present = _existing(dest, stem)
            if present:
                report.skipped.append(present)
                rows.setdefault(present, _manifest_row(present, doc, lang, catalog_url))
                told(present, "already here")
                continue

            url = _effective_url(catalog_url, base_url_override)
            host = urllib.parse.urlsplit(url).netloc
            if host in dead_hosts:
                report.failed.append((url, f"{_NOT_ATTEMPTED}{dead_hosts[host]}"))
                told(url, "not attempted")
                continue
            try:
                name = _download(url, catalog_url, dest, stem, timeout, opener, max_seconds)
            except Exception as exc:  # noqa: BLE001 - every failure becomes a reported reason
                if isinstance(exc, urllib.error.HTTPError):
                    exc.close()
                reason = _reason_for(exc)
                if _is_host_level(exc):
                    dead_hosts[host] = f"{host} was unreachable earlier in this run ({reason})"
                report.failed.append((url, reason))
                told(url, reason)
                continue
            report.downloaded.append(name)
            rows[name] = _manifest_row(name, doc, lang, catalog_url)
            told(name, "downloaded")

    if report.downloaded or report.skipped or rows:
        write_manifest(manifest_path, rows)
    return report


def main_fetch(corpus_dir: str) -> int:
    """Fetch `<corpus_dir>/catalog.toml` into `<corpus_dir>/fetched/`; 0 when all went well,
    else 1."""
    dest = Path(corpus_dir) / "fetched"
    try:
        report = fetch(Path(corpus_dir) / CATALOG_NAME, dest)
    except CatalogError as exc:
        print(f"fetch: {exc}", file=sys.stderr)
        return 1
    print(
        f"fetch: {len(report.downloaded)} downloaded, {len(report.skipped)} already present, "
        f"{len(report.failed)} failed -> {dest}"
    )
    for name in report.downloaded:
        print(f"  + {name}")
    not_attempted: dict[str, int] = {}
    for url, reason in report.failed:
        if reason.startswith(_NOT_ATTEMPTED):
            host = urllib.parse.urlsplit(url).netloc
            not_attempted[host] = not_attempted.get(host, 0) + 1
        else:
            print(f"  ! {url or '(no url)'}: {reason}")
    for host, n in not_attempted.items():
        print(f"  ! {n} more link(s) on {host} not attempted: the host was unreachable")
    if report.downloaded or report.skipped:
        print(f"metadata written to {dest / MANIFEST_NAME}")
    return 0 if report.ok else 1


if __name__ == "__main__":  # python -m indexer.library.fetch [corpus_dir]
    from indexer import config

    sys.exit(main_fetch(sys.argv[1] if len(sys.argv) > 1 else config.load().corpus_dir))
