"""One parser module per format behind one small interface.

Each module declares:
    FORMAT: str                      e.g. "pdf"
    EXTENSIONS: tuple[str, ...]      lower-case file suffixes it takes, e.g. (".pdf",)
    sniff(head: bytes) -> bool       True if the first bytes of a file look like this format
    parse(path: Path, name: str = "") -> ParsedDocument   pages of blocks + the file's own
                                     metadata; `name` is the file's own name when `path` is
                                     a staged copy; raises IngestRefused with a reason a
                                     person understands.
    USES_LIMITS: bool                (optional) parse also takes `limits=`, the ParseLimits
                                     (parsers/limits.py) it checks before working

`parse_file` picks the parser from the file's bytes first, its name second (text has no
magic bytes: text-like bytes under an unknown name are read as text).
"""

from __future__ import annotations

from pathlib import Path

from indexer.errors import IngestRefused
from indexer.ingest.parsers import docx, html, pdf, text
from indexer.ingest.parsers.limits import ParseLimits
from indexer.models import ParsedDocument

PARSERS = (pdf, docx, html, text)  # order matters: sniffing tries the most specific first

# Spreadsheet catalogs are metadata, never documents.
CATALOG_SUFFIXES = (".tsv", ".csv")


def supported_suffixes() -> list[str]:
    return sorted(s for p in PARSERS for s in p.EXTENSIONS)


def parser_for(path: Path, head: bytes):
    """The parser module for a file, or None. Bytes win over the name."""
    for parser in PARSERS:
        if parser.sniff(head):
            return parser
    suffix = path.suffix.lower()
    for parser in PARSERS:
        if suffix in parser.EXTENSIONS:
            return parser
    if text.looks_like_text(head):
        return text
    return None


def is_candidate(path: Path) -> bool:
    """Files `build` should try: any supported suffix (catalog spreadsheets excluded)."""
    return path.suffix.lower() in supported_suffixes()


def parse_file(path: Path, name: str = "", limits: ParseLimits | None = None) -> ParsedDocument:
    """Parse `path`; `name` is its own name when `path` is a staged upload (ours). `limits`:
    a Settings' (ParseLimits.of(settings)), else the environment's."""
    named = Path(name or path.name)
    with open(path, "rb") as fh:
        head = fh.read(2048)
    parser = parser_for(named, head)
    if parser is None:
        kind = named.suffix.lower() or "file without an extension"
        raise IngestRefused(
            f"unsupported file type {kind!r} (the content is not PDF, Word, HTML or text); "
            f"supported: {', '.join(supported_suffixes())}",
            named.name,
        )
    if getattr(parser, "USES_LIMITS", False):
        doc = parser.parse(path, named.name, limits=limits or ParseLimits.of())
    else:
        doc = parser.parse(path, named.name)
    doc.format = doc.format or parser.FORMAT
    if not any(b.text.strip() for p in doc.pages for b in p.blocks):
        raise IngestRefused("the file contains no text", path.name)
    return doc
