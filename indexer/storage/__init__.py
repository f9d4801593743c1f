"""Storage: the source of truth (store.py: originals by content, documents and passages in
SQLite, index generations published atomically) and the one-writer lock (locking.py).
"""
