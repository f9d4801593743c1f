"""The library: what staff and the build do to the collection (the write side).

`build` makes a fresh generation from a corpus folder (build.py); the staff changes (add,
replace, remove, restore, purge, edit) each change the live one in one atomic step
(changes.py); `check` and crash recovery bring the index in line with the store
(repair.py). Uploads run as background jobs (jobs.py); staff accounts and sessions live in
accounts.py; the catalog's documents are fetched and seeded by fetch.py and seed.py. The
search side never imports this package.
"""

from indexer.ingest.prepare import Prepared, corpus_files, doc_id_for, prepare
from indexer.library.build import build, prepare_lexicon
from indexer.library.changes import (
    add,
    audit_log,
    edit,
    link,
    purge,
    remove,
    replace,
    restore,
    version_work,
)
from indexer.library.recording import FileOutcome, OutcomeStatus, Report
from indexer.library.repair import CheckResult, check
from indexer.library.twins import fold_format_twins
from indexer.library.writing import actor_default, current, current_for_writing

__all__ = [
    "CheckResult", "FileOutcome", "OutcomeStatus", "Prepared", "Report", "actor_default", "add",
    "audit_log", "build", "check", "corpus_files", "current", "current_for_writing",
    "doc_id_for", "edit", "fold_format_twins", "link", "prepare", "prepare_lexicon", "purge",
    "remove", "replace", "restore", "version_work",
]
