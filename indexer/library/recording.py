"""Storing one prepared file (or its refusal) in a generation, and the report of outcomes
a build or an add prints."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from indexer.errors import IngestRefused
from indexer.ingest.prepare import Prepared
from indexer.models import DocStatus
from indexer.storage import store


class OutcomeStatus(StrEnum):
    """What became of one file of a build, add or upload (values as printed and reported)."""

    INDEXED = "indexed"  # stored and indexed (or stored into the trash a rebuild kept)
    DUPLICATE = "duplicate"  # the same content is already stored: nothing new
    REFUSED = "refused"  # cannot be indexed; the reason says why


@dataclass
class FileOutcome:
    file: str
    status: OutcomeStatus
    doc_id: str = ""
    passages: int = 0
    reason: str = ""
    warnings: list[str] = field(default_factory=list)


@dataclass
class Report:
    outcomes: list[FileOutcome] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # about the build as a whole

    def of(self, status: OutcomeStatus) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.status == status]

    @property
    def passages(self) -> int:
        return sum(o.passages for o in self.outcomes)


def record(st: store.Store, data_dir: Path, report: Report, item: Prepared | IngestRefused,
           seen: set[str], durable: bool = True, actor: str = "build",
           status: DocStatus = DocStatus.PENDING,
           written: list[str] | None = None) -> Prepared | None:
    """Store one prepared file (or its refusal); returns it when it is new (and to be
    indexed: a document recorded straight into the trash is not returned). The originals it
    writes are added to `written` (a build undone removes them); without `written`, an
    original whose document could not be stored is removed at once."""
    if isinstance(item, IngestRefused):
        report.outcomes.append(FileOutcome(item.file, OutcomeStatus.REFUSED, reason=item.reason))
        with st.transaction():
            st.record_refusal(item.file, item.reason)
        return None
    doc = item.document
    existing = st.find_by_sha(doc.sha256)
    if doc.sha256 in seen or existing is not None:
        reason = f"same content as document {doc.doc_id}"
        if existing is not None and existing.status == DocStatus.TRASH:
            reason += (f", which is in the trash: restore it with "
                       f"`index.py restore {existing.doc_id}`")
        report.outcomes.append(FileOutcome(doc.file, OutcomeStatus.DUPLICATE, doc_id=doc.doc_id,
                                           reason=reason))
        return None
    seen.add(doc.sha256)
    doc.added = doc.added or store.now()
    new = store.save_original(data_dir, doc.sha256, item.data, fsync=durable)
    if new and written is not None:
        written.append(doc.sha256)
    try:
        with st.transaction():
            st.insert_document(doc, item.passages, item.warnings, status=status)
            if actor != "build":
                st.record_audit(actor, "add", doc.doc_id, None, doc.meta)
    except BaseException:
        if new and written is None:
            store.remove_originals(data_dir, [doc.sha256])
        raise
    report.outcomes.append(FileOutcome(doc.file, OutcomeStatus.INDEXED, doc.doc_id,
                                       len(item.passages), warnings=item.warnings))
    return item if status == DocStatus.PENDING else None
