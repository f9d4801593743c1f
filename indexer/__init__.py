"""Dialogue Search: ingestion, storage, indexing and search of the global dialogue texts."""
