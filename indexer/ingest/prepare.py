"""One file -> its document and passages, metadata resolved: parse, split, tell languages.

Pure (no writes but the OCR cache): it runs in child processes under limits
(indexer/ingest/reader.py: memory, time; a file that fails there is one refusal), and the
library stores what it returns under the write lock (indexer/library/recording.py).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from indexer.config import Settings
from indexer.errors import IngestRefused
from indexer.ingest import ocr_cache, parsers
from indexer.ingest.metadata import infer_series, read_catalog
from indexer.ingest.passages import split_passages
from indexer.ingest.references import find_references
from indexer.language import detect, document_language, passage_language
from indexer.models import DocMeta, DocStatus, Document, Passage
from indexer.symbols import adopted_as


@dataclass
class Prepared:
    document: Document
    passages: list[Passage]
    warnings: list[str]
    data: bytes
    # what it is stored as: a rebuild keeps a trashed file in the trash
    status: DocStatus = DocStatus.PENDING


def doc_id_for(sha256: str) -> str:
    return "d" + sha256[:12]


def prepare(path: Path, settings: Settings, catalog_meta: DocMeta | None = None,
            sidecar: DocMeta | None = None, name: str = "") -> Prepared:
    """Parse and split one file, resolving its metadata. Raises IngestRefused.

    `name` is the file name to show (an upload's own name; the staged file has another)."""
    name = name or path.name
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise IngestRefused(f"cannot read the file: {exc.strerror}", name) from None
    if size > settings.max_file_bytes:
        raise IngestRefused(
            f"the file is {size / 1e6:.0f} MB, over the {settings.max_file_bytes / 1e6:.0f} MB"
            " limit", name)
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    try:
        parsed = ocr_cache.load(settings, sha)
        if parsed is None:
            parsed = parsers.parse_file(path, name, limits=parsers.ParseLimits.of(settings))
            ocr_cache.keep(settings, sha, parsed)
    except IngestRefused as exc:
        exc.file = name
        raise
    doc_id = doc_id_for(sha)

    meta = (catalog_meta or DocMeta()).merged_over(sidecar or DocMeta()).merged_over(parsed.meta)
    candidates = tuple(settings.language_list)
    sample = parsed.text()[:5000]
    if not meta.lang:
        meta.lang = document_language(sample, candidates, default=settings.default_lang)
    if catalog_meta and catalog_meta.title and not (sidecar and sidecar.title):
        # a title given on the command line or in a sidecar is taken as given
        meta.title = _title_in_language(meta, parsed.meta.title, candidates)
    if not meta.title:
        meta.title = meta.symbol or Path(name).stem
    if not meta.series:
        meta.series = infer_series(meta, sample)

    passages = split_passages(parsed, doc_id, max_words=settings.max_passage_words,
                              min_words=settings.min_passage_words)
    if not passages:
        raise IngestRefused("no passages of text could be found in the file", name)
    scanned = {pg.number for pg in parsed.pages if pg.ocr_confidence is not None}
    for p in passages:
        p.lang = passage_language(p.text, meta.lang, candidates, settings.passage_lang_min_chars)
        p.ocr = p.page in scanned
    if settings.references:
        # its own symbols are not references: its symbol and the one it was adopted as
        find_references(passages, meta.lang, [meta.symbol, *adopted_as(meta.title)])
    doc = Document(doc_id=doc_id, sha256=sha, file=name, format=parsed.format, meta=meta,
                   passages=len(passages))
    return Prepared(doc, passages, parsed.warnings, data)


def _title_in_language(meta: DocMeta, own: str, candidates: tuple[str, ...]) -> str:
    """The title of this language version: a catalog that gives one title for every version
    (in English) yields to the title the file itself carries (HTML `<title>`, PDF info) when
    that one is in the document's language and the catalog's is not."""
    title = meta.title
    if not (title and own and own != title and meta.lang):
        return title or own
    if detect(title, candidates, default="") != meta.lang and \
            detect(own, candidates, default="") == meta.lang:
        return own
    return title


def corpus_files(corpus: Path) -> list[Path]:
    """Supported files under `corpus`, following symbolic links to folders (a corpus is often
    assembled from links to shared folders)."""
    found = []
    for root, dirs, files in os.walk(corpus, followlinks=True):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in files:
            p = Path(root) / name
            if not name.startswith(".") and parsers.is_candidate(p) and p.is_file():
                found.append(p)
    return sorted(found)


def catalog_for(path: Path) -> DocMeta | None:
    """A catalog spreadsheet in the file's own folder may describe it."""
    folder = path.resolve().parent
    for sheet in list(folder.glob("*.tsv")) + list(folder.glob("*.csv")):
        meta = read_catalog(sheet).get(path.name)
        if meta:
            return meta
    return None
