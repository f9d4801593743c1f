"""The only module that writes Whoosh: create/open, add and delete passages, rebuild.

Every write is one Whoosh commit, which is atomic: a new TOC file names the new segments only
once they are complete, so a crash mid-write leaves the last committed index as it was.
Callers hold `locking.write_lock` around writes, so Whoosh's own lock is never contended.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.writing import CLEAR

from .errors import IndexOutOfDate
from .models import Document, Passage
from .passages import label_key
from .schema import SCHEMA_VERSION, build_schema, text_field

INDEX_NAME = "passages"
VERSION_FILE = "SCHEMA_VERSION"


def whoosh_dir(gen_dir: Path) -> Path:
    return gen_dir / "whoosh"


def create(gen_dir: Path):
    path = whoosh_dir(gen_dir)
    path.mkdir(parents=True, exist_ok=True)
    ix = whoosh_index.create_in(str(path), build_schema(), indexname=INDEX_NAME)
    (path / VERSION_FILE).write_text(str(SCHEMA_VERSION), encoding="utf-8")
    return ix


def open_index(gen_dir: Path):
    """Open the index, refusing one built with another schema version."""
    path = whoosh_dir(gen_dir)
    if not whoosh_index.exists_in(str(path), indexname=INDEX_NAME):
        raise IndexOutOfDate(f"no index in {path}; run `python index.py build` first")
    version_file = path / VERSION_FILE
    found = version_file.read_text(encoding="utf-8").strip() if version_file.exists() else "?"
    if found != str(SCHEMA_VERSION):
        raise IndexOutOfDate(
            f"the index was built with schema version {found}, this program needs version "
            f"{SCHEMA_VERSION}: rebuild it with `python index.py build` (or `index.py check`)"
        )
    try:
        return whoosh_index.open_dir(str(path), indexname=INDEX_NAME)
    except (whoosh_index.IndexError, OSError) as exc:
        raise IndexOutOfDate(
            f"the index in {path} cannot be opened ({exc}); repair it with `python index.py check`"
        ) from exc


def text_hash(text: str) -> str:
    """Identity of a passage's wording (case, spacing and punctuation ignored)."""
    folded = " ".join(re.findall(r"\w+", text.casefold()))
    return hashlib.sha1(folded.encode("utf-8")).hexdigest()[:16]


def passage_fields(doc: Document, p: Passage) -> dict:
    m = doc.meta
    fields = {
        "passage_id": p.passage_id,
        "doc_id": doc.doc_id,
        "ordinal": p.ordinal,
        "label": p.label,
        "label_key": label_key(p.label),
        "section": p.section,
        "page": p.page,
        "page_label": p.page_label,
        "lang": p.lang,
        "content": p.text,
        "text_hash": text_hash(p.text),
        "text_neutral": p.text,
        text_field(p.lang): p.text,
        "title": m.title,
        "series": m.series,
        "symbol": m.symbol,
        "date": m.date,
        "doc_lang": m.lang,
        "work": m.work or m.symbol or doc.doc_id,
        "file": doc.file,
        "url": m.url,
        "version": m.version,
    }
    if m.year is not None:
        fields["year"] = m.year
    return fields


def add_documents(ix, docs: Iterable[tuple[Document, list[Passage]]], *, clear: bool = False,
                  procs: int = 1) -> int:
    """Add documents' passages in one commit (replacing any earlier copy of each document).

    With clear=True the commit replaces the whole index (used to rebuild from the store).
    """
    kwargs = {"procs": procs, "limitmb": 256, "multisegment": True} if procs > 1 else {
        "limitmb": 256}
    writer = ix.writer(**kwargs)
    count = 0
    try:
        for doc, passages in docs:
            if not clear:
                writer.delete_by_term("doc_id", doc.doc_id)
            for p in passages:
                writer.add_document(**passage_fields(doc, p))
                count += 1
    except BaseException:
        writer.cancel()
        raise
    writer.commit(mergetype=CLEAR) if clear else writer.commit()
    return count


def delete_document(ix, doc_id: str) -> int:
    writer = ix.writer()
    try:
        n = writer.delete_by_term("doc_id", doc_id)
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    return n


def indexed_doc_ids(ix) -> dict[str, int]:
    """doc_id -> number of passages in the index (for store/index agreement checks)."""
    counts: dict[str, int] = {}
    with ix.searcher() as s:
        for fields in s.all_stored_fields():
            counts[fields["doc_id"]] = counts.get(fields["doc_id"], 0) + 1
    return counts
