"""Dialogue Search: ingestion, storage, indexing and search of the global dialogue texts.

Folders name the stages a document and a query go through: ingest/ (file -> passages),
storage/ (the source of truth), engines/ (the search index), query/ (typed query -> plan),
search/ (plan -> ranked, citable hits), versions/ (versions of a work, compare), library/
(the write side: build, staff changes, jobs, accounts). The modules at this level are shared
by all of them.
"""

from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"  # word lists, thesaurus, topics
