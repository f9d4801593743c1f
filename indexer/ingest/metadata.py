"""Document metadata from its sources, strongest first: a catalog spreadsheet row, a sidecar
given on the command line, the file itself, and finally inference (series, language)."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

from indexer.errors import IngestRefused
from indexer.ingest.cleanup import SYMBOL_RE
from indexer.models import DocMeta, normalize_series

# Spreadsheet column names staff use, folded to our field names.
_COLUMNS = {
    "file": "file", "filename": "file", "file name": "file", "path": "file",
    "title": "title", "document": "title", "name": "title",
    "symbol": "symbol", "un symbol": "symbol", "un_symbol": "symbol", "document symbol": "symbol",
    "lang": "lang", "language": "lang",
    "date": "date", "year": "date",
    "series": "series", "version": "version", "work": "work",
    "url": "url", "link": "url", "source url": "url", "source": "url",
    "publisher": "publisher", "author": "publisher", "corporate author": "publisher",
}


def url_problem(url: str) -> str:
    """Why `url` cannot be a document's link ("" when it can, or when there is none): only
    http(s) URLs to a host, without spaces or control characters (anything else, such as
    `javascript:`, would become a live link on the document's pages)."""
    url = (url or "").strip()
    if not url:
        return ""
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    if (parts is None or parts.scheme.lower() not in ("http", "https") or not parts.netloc
            or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url)):
        return (f"a document's link must be an http:// or https:// address, not "
                f"{url[:60]!r}")
    return ""


def read_catalog(path: Path) -> dict[str, DocMeta]:
    """file name -> DocMeta from a CSV/TSV with a header row naming the file column."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    dialect = "excel-tab" if path.suffix.lower() == ".tsv" or "\t" in text[:2000] else "excel"
    rows = list(csv.reader(io.StringIO(text), dialect=dialect))
    if not rows:
        return {}
    header = [_COLUMNS.get(h.strip().lower(), "") for h in rows[0]]
    if "file" not in header:
        return {}  # not a catalog: no file column
    out: dict[str, DocMeta] = {}
    for row in rows[1:]:
        values: dict[str, str] = {}
        for name, cell in zip(header, row, strict=False):
            cell = cell.strip()
            if name and cell and not values.get(name):
                values[name] = cell
        file = values.pop("file", "")
        if not file:
            continue
        if "url" in values and url_problem(values["url"]):
            del values["url"]  # provenance notes ("UN ODS", "typed from print") are not links
        if "lang" in values:
            values["lang"] = values["lang"].lower()[:2]
        if "series" in values:
            values["series"] = normalize_series(values["series"])
        out[file] = DocMeta(**values)
    return out


def catalogs_in(folder: Path) -> dict[Path, DocMeta]:
    """Every catalog spreadsheet under `folder`: absolute file path -> metadata."""
    out: dict[Path, DocMeta] = {}
    sheets = [Path(root) / name for root, _, files in os.walk(folder, followlinks=True)
              for name in files]
    for sheet in sorted(sheets):
        if sheet.suffix.lower() in (".tsv", ".csv") and sheet.is_file():
            for name, meta in read_catalog(sheet).items():
                out[(sheet.parent / name).resolve()] = meta
    return out


def read_sidecar(path: Path) -> DocMeta:
    """Metadata from a JSON or TOML file (keys: title, series, symbol, date, lang, url ...)."""
    try:
        if path.suffix.lower() == ".toml":
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        else:
            data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IngestRefused(
            f"cannot read the metadata file {path.name}: {exc}", path.name) from None
    if not isinstance(data, dict):
        raise IngestRefused(f"the metadata file {path.name} must hold an object", path.name)
    known = DocMeta.__dataclass_fields__
    meta = DocMeta(**{k: str(v) for k, v in data.items() if k in known})
    problem = url_problem(meta.url)
    if problem:
        raise IngestRefused(f"the metadata file {path.name}: {problem}", path.name)
    return meta


_SERIES_HINTS = [
    ("GCM", r"global compact for (safe|migration)|pacto mundial para la migraci|pacte mondial "
            r"pour des migrations|A/CONF\.231"),
    ("GCR", r"global compact on refugees|pacto mundial sobre los refugiados|pacte mondial sur "
            r"les réfugiés"),
    ("NYD", r"new york declaration|déclaration de new york|declaración de nueva york|A/RES/71/1$"),
    ("NUA", r"new urban agenda|nouveau programme pour les villes|nueva agenda urbana"),
    ("SDG", r"2030 agenda|sustainable development goals|programme de développement durable à "
            r"l.horizon 2030|agenda 2030|A/RES/70/1$"),
    ("WMR", r"world migration report|état de la migration dans le monde|informe sobre las "
            r"migraciones en el mundo"),
    ("GFMD", r"global forum on migration and development|forum mondial sur la migration"),
    ("Mayors", r"mayor|maire|alcalde"),
    ("UNSG", r"report of the secretary-general|rapport du secrétaire général|informe del "
             r"secretario general"),
]


def infer_series(meta: DocMeta, text_head: str = "") -> str:
    hay = f"{meta.title}\n{meta.symbol}"
    for series, pattern in _SERIES_HINTS:
        if re.search(pattern, hay, re.I | re.M):
            return series
    if meta.symbol and SYMBOL_RE.fullmatch(meta.symbol) and meta.symbol.startswith("A/"):
        return "UNGA"
    return "other"
