"""Ingest: a file -> a parsed document (pages and blocks) -> citable passages.

One parser per format (parsers/), clean-up of page furniture (cleanup.py), passages with
labels, sections and pages (passages.py), metadata from catalogs and sidecars (metadata.py),
OCR of scanned pages (ocr.py, ocr_cache.py), and `prepare` (prepare.py), which does all of it
for one file. Nothing here writes to the store or the index.
"""
