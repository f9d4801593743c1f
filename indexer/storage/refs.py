"""The store's cross-references (table `refs`, written with each document's passages by
`Store.insert_document`): the look-ups the read side resolves them with
(indexer/search/citing.py). Only references of documents in search (status 'active') are
read, so a document removed, trashed or replaced stops citing at once, and one added or
restored cites again: nothing is re-parsed."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from indexer.models import Reference
from indexer.storage.store import Store, reference


@dataclass(frozen=True)
class Citing:
    """A stored reference with the passage and document it stands in."""

    ref: Reference
    passage_id: str
    doc_id: str
    label: str  # the citing passage's label
    ordinal: int


@dataclass(frozen=True)
class Labelled:
    """A passage's place, to find the paragraph a pinpoint names."""

    passage_id: str
    label: str
    section: str
    ordinal: int


def _citing(row: sqlite3.Row) -> Citing:
    return Citing(reference(row), row["passage_id"], row["doc_id"], row["label"], row["ordinal"])


def _marks(values: Iterable) -> tuple[str, list]:
    values = list(values)
    return ",".join("?" * len(values)), values


_CITING = ("SELECT r.*, p.label, p.ordinal FROM refs r JOIN passages p USING(passage_id) "
           "JOIN documents d ON d.doc_id = r.doc_id WHERE d.status='active'")
_CITING_DOCS = "FROM refs r JOIN documents d USING(doc_id) WHERE d.status='active'"


def _selecting(symbols: Iterable[str], pinpoints: Iterable[str] | None,
               exclude: Iterable[str]) -> tuple[str, list] | None:
    """The conditions (" AND ...", arguments) on references to any of `symbols`, with one of
    `pinpoints` when given, outside the documents `exclude`; None when nothing can match."""
    sym, args = _marks(symbols)
    if not args:
        return None
    sql = f" AND r.symbol IN ({sym})"
    if pinpoints is not None:
        pins, more = _marks(pinpoints)
        if not more:
            return None
        sql += f" AND r.pinpoint IN ({pins})"
        args += more
    out, more = _marks(exclude)
    if more:
        sql += f" AND r.doc_id NOT IN ({out})"
        args += more
    return sql, args


def citing(st: Store, symbols: Iterable[str], *, pinpoints: Iterable[str] | None = None,
           exclude: Iterable[str] = (), limit: int = -1, offset: int = 0) -> list[Citing]:
    """References to any of `symbols` (with one of `pinpoints` when given; "" is the whole
    document), outside the documents `exclude`, in document and reading order."""
    where = _selecting(symbols, pinpoints, exclude)
    if where is None:
        return []
    sql = _CITING + where[0] + " ORDER BY d.added, r.doc_id, p.ordinal, r.n LIMIT ? OFFSET ?"
    return [_citing(r) for r in st.db.execute(sql, [*where[1], limit, offset])]


def ranges(st: Store, symbols: Iterable[str], exclude: Iterable[str] = ()) -> list[Citing]:
    """References to `symbols` that name a range of paragraphs (`paras. 1-6`)."""
    where = _selecting(symbols, None, exclude)
    if where is None:
        return []
    sql = _CITING + where[0] + " AND r.pinpoint LIKE '%paras. %'"
    return [_citing(r) for r in st.db.execute(sql, where[1])]


def citing_documents(st: Store, symbols: Iterable[str], pinpoints: Iterable[str] | None = None,
                     exclude: Iterable[str] = ()) -> list[tuple[str, int]]:
    """(doc_id, references) of the documents citing any of `symbols` (with one of
    `pinpoints` when given), most first."""
    where = _selecting(symbols, pinpoints, exclude)
    if where is None:
        return []
    sql = (f"SELECT r.doc_id, COUNT(*) AS n {_CITING_DOCS}{where[0]} "
           "GROUP BY r.doc_id ORDER BY n DESC, d.added, r.doc_id")
    return [(r["doc_id"], r["n"]) for r in st.db.execute(sql, where[1])]


def count_citing(st: Store, symbols: Iterable[str], pinpoints: Iterable[str] | None = None,
                 exclude: Iterable[str] = ()) -> int:
    where = _selecting(symbols, pinpoints, exclude)
    if where is None:
        return 0
    return st.db.execute(f"SELECT COUNT(*) {_CITING_DOCS}{where[0]}", where[1]).fetchone()[0]


def cited_by_document(st: Store, doc_id: str) -> list[Citing]:
    """Every reference a document makes, in reading order."""
    sql = ("SELECT r.*, p.label, p.ordinal FROM refs r JOIN passages p USING(passage_id) "
           "WHERE r.doc_id=? ORDER BY p.ordinal, r.n")
    return [_citing(r) for r in st.db.execute(sql, (doc_id,))]


def labels(st: Store, doc_id: str) -> list[Labelled]:
    """A document's passages as places (label, section), in reading order."""
    rows = st.db.execute("SELECT passage_id, label, section, ordinal FROM passages "
                         "WHERE doc_id=? ORDER BY ordinal", (doc_id,))
    return [Labelled(r["passage_id"], r["label"], r["section"], r["ordinal"]) for r in rows]


def state(st: Store) -> tuple:
    """Changes whenever a document enters or leaves search or its metadata changes (every
    staff change writes the audit log; a build writes a new generation)."""
    docs = st.db.execute("SELECT COUNT(*), MAX(rowid) FROM documents WHERE status='active'"
                         ).fetchone()
    audit = st.db.execute("SELECT MAX(id) FROM audit").fetchone()
    return (str(st.path), docs[0], docs[1], audit[0])


def totals(st: Store) -> tuple[int, int]:
    """(references, distinct cited symbols) of the documents in search."""
    row = st.db.execute("SELECT COUNT(*), COUNT(DISTINCT NULLIF(r.symbol, '')) FROM refs r "
                        "JOIN documents d USING(doc_id) WHERE d.status='active'").fetchone()
    return row[0], row[1]


# -- stores made before references were kept (`index.py check` finds them from the text)

_MARK = "references_found"


def found_in_all(st: Store) -> bool:
    """Whether every document's references were looked for (a build since references are
    kept, or `check` on an older store)."""
    row = st.db.execute("SELECT value FROM meta WHERE key=?", (_MARK,)).fetchone()
    return row is not None and row["value"] == "1"


def mark_found_in_all(st: Store) -> None:
    st.db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, '1')", (_MARK,))


def replace_references(st: Store, passages: Iterable) -> int:
    """Store the passages' references (Passage.references) in place of what was kept for
    them; how many there are now. Inside the caller's transaction."""
    passages = list(passages)
    st.db.executemany("DELETE FROM refs WHERE passage_id=?", [(p.passage_id,) for p in passages])
    rows = [(p.passage_id, p.doc_id, n, r.start, r.end, r.text, r.symbol, r.pinpoint, r.verb,
             r.verb_text, r.kind) for p in passages for n, r in enumerate(p.references)]
    st.db.executemany(
        "INSERT INTO refs(passage_id, doc_id, n, start_at, end_at, text, symbol, pinpoint, verb,"
        " verb_text, kind) VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
    return len(rows)
