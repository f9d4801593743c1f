"""What OCR read from a scanned file, kept by the file's SHA-256 in `<data dir>/ocr-cache/`, so
that recognising the text is paid once: an upload is parsed when analysed and again when
indexed, and a rebuild parses every file again. Only parses that used OCR are kept (others
are quick to redo). Written atomically; an unreadable entry is parsed again."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path

from indexer.config import Settings
from indexer.models import Block, DocMeta, Page, ParsedDocument

VERSION = 1  # bump when the parsers' output for scanned pages changes


def _path(settings: Settings, sha: str) -> Path:
    return Path(settings.index_dir) / "ocr-cache" / f"{sha}.json"


def load(settings: Settings, sha: str) -> ParsedDocument | None:
    path = _path(settings, sha)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    if data.get("version") != VERSION:
        return None
    doc = data["parsed"]
    return ParsedDocument(
        pages=[Page(number=p["number"], label=p["label"], ocr_confidence=p["ocr_confidence"],
                    blocks=[Block(**b) for b in p["blocks"]]) for p in doc["pages"]],
        meta=DocMeta(**doc["meta"]), format=doc["format"], warnings=doc["warnings"],
        paged=doc.get("paged", True))


def keep(settings: Settings, sha: str, parsed: ParsedDocument) -> None:
    if not any(p.ocr_confidence is not None for p in parsed.pages):
        return
    path = _path(settings, sha)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"version": VERSION, "parsed": asdict(parsed)}, fh, ensure_ascii=False)
        os.replace(tmp, path)
    except BaseException:  # a full disk, say: no half-written entry is left
        Path(tmp).unlink(missing_ok=True)
        raise
