"""Look-ups in the store (the source of truth) for the read side: passages, documents, their
language versions and original files. Each takes a store opened for reading (the caller's
`with`)."""

from __future__ import annotations

from pathlib import Path

from indexer.errors import NotFound
from indexer.labels import label_key
from indexer.models import DocStatus, Document, Passage
from indexer.storage import store


def get_passage(st: store.Store, passage_id: str) -> tuple[Passage, Document]:
    p = st.get_passage(passage_id)
    return p, st.get_document(p.doc_id)


def documents(st: store.Store) -> list[Document]:
    return st.documents(DocStatus.ACTIVE)


def document(st: store.Store, doc_id: str) -> Document:
    """A document's stored row (metadata, status), without its passages."""
    return st.get_document(doc_id)


def alternates(st: store.Store, doc_id: str) -> list[Document]:
    """The document's text in other file formats (twins.py), offered beside it."""
    return st.alternates(doc_id)


def get_document(st: store.Store, doc_id: str) -> tuple[Document, list[Passage]]:
    return st.get_document(doc_id), st.passages(doc_id)


def passage_versions(st: store.Store, passage_id: str) -> list[tuple[Document, Passage | None]]:
    """The document's other language versions (same catalog work, else same UN symbol),
    each with its paragraph of the same label (`Article 14` = `Artículo 14`), if any."""
    p = st.get_passage(passage_id)
    d = st.get_document(p.doc_id)
    work = d.meta.work or d.meta.symbol
    if not work:
        return []
    key = label_key(p.label)
    out: list[tuple[Document, Passage | None]] = []
    for other in st.documents(DocStatus.ACTIVE):
        if other.doc_id == d.doc_id or (other.meta.work or other.meta.symbol) != work:
            continue
        if other.meta.lang == d.meta.lang:
            continue  # another copy or revision, not a language version
        same = None
        if key:
            same = next((x for x in st.passages(other.doc_id)
                         if label_key(x.label) == key), None)
        out.append((other, same))
    return sorted(out, key=lambda v: (v[0].meta.lang, v[0].doc_id))


def original(data_dir: Path, doc: Document) -> tuple[Path, str, str]:
    """(path, download name, MIME type) of a document's original file. The path comes from
    the store's content hash, never from the caller."""
    path = store.original_path(data_dir, doc.sha256)
    if not path.is_file():
        raise NotFound(f"the original file of {doc.doc_id} is not in the store")
    mime = {"pdf": "application/pdf", "html": "text/html", "markdown": "text/markdown",
            "text": "text/plain"}.get(doc.format, "application/octet-stream")
    return path, doc.file, mime
