"""Search engines behind one small interface; the rest of the program names none of them.

An engine is a module (tantivy_engine.py, whoosh_engine.py) with the names of `Engine`
below; its `reader` gives a `Reader`. Both are typing Protocols: mypy checks each engine
module against them (`make typecheck`), and the read side (indexer/search/) takes them typed.

Every engine indexes the fields of indexer/query/fields.py, stores each passage's record
(records.py) and the passage's analysis (analysed.py: its terms, ready for re-scoring,
fusion and highlighting), and answers query plans (indexer/query/plan.py) scored by our
BM25 (bm25.py: Whoosh's FieldBM25F; tantivy re-scores its candidates).

Which query terms a candidate matched, similar passages, and all of the ranking that is ours
(fusion, shares of typed words, expansion weights, series prior, copies, language versions)
are engine-neutral (indexer/search/ranking.py, indexer/search/service.py), built on these calls.

The engine of an index generation is recorded in it (ENGINE_FILE): switching engine is a
rebuild (`index.py build`), and opening a generation with another engine says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from indexer.errors import IndexOutOfDate
from indexer.models import Document, Passage
from indexer.query.plan import Node

# A search hit as an engine returns it: the passage's stored record (records.passage_record,
# with its stored analysis under records.ANALYSED) and its score.
Scored = tuple[dict[str, Any], float]


class Reader(Protocol):
    """A view of an index at one commit, for one thread."""

    # Whether `facets` may run in another thread while this one searches (the engine's work
    # is done outside Python's lock, and the reader's state is safe to share): the search
    # counts and ranks at once.
    concurrent: bool

    def search(self, node: Node, limit: int, by_date: bool = False,
               offset: int = 0) -> list[Scored]:
        """Ranked candidates for a query plan: the `limit` after the first `offset`, each
        the passage's stored record (a fresh dict: callers add keys) and its score by our
        BM25 (0.0 by_date: newest first)."""
        ...

    def facets(self, node: Node) -> tuple[dict[str, dict[str, int]], int]:
        """Series, lang, year and doc counts over every match (identical passages once), the
        50 symbols most cited by them (`cites`), and the number of results the list shows
        (language versions once)."""
        ...

    def doc_frequency(self, fieldname: str, term: str) -> int:
        """Passages whose field (a plan field name) holds the term."""
        ...

    def prefix_terms(self, fieldname: str, prefix: str, limit: int) -> list[str]:
        """Indexed terms starting with `prefix`, most passages first (wildcards become
        these terms)."""
        ...

    def fuzzy_terms(self, fieldname: str, term: str, maxdist: int, prefix: int,
                    limit: int) -> list[str]:
        """Indexed terms within `maxdist` edits sharing the first `prefix` letters,
        closest first."""
        ...

    def warm(self) -> None:
        """Read what the first searches would read (statistics, term dictionaries), so that
        a server process answers its first request as fast as the next ones."""
        ...

    def up_to_date(self) -> bool:
        """False once another commit is visible."""
        ...

    def close(self) -> None: ...


class Engine(Protocol):
    """A search engine: a module (tantivy_engine.py, whoosh_engine.py) with these names.
    `handle` is the engine's own open index (only the engine looks inside it)."""

    NAME: str
    VERSION_FILE: str

    def index_dir(self, gen_dir: Path) -> Path:
        """Where the engine keeps a generation's index."""
        ...

    def create(self, gen_dir: Path) -> Any:
        """A new empty index in an index generation."""
        ...

    def open_index(self, gen_dir: Path) -> Any:
        """The generation's index (IndexOutOfDate if it is missing, unreadable or of another
        schema)."""
        ...

    def add_documents(self, handle: Any, docs: Iterable[tuple[Document, list[Passage]]], *,
                      clear: bool = False, procs: int = 1) -> int:
        """(Document, [Passage]) pairs in one atomic batch; an earlier copy of each document
        is replaced; clear=True replaces the whole index. The number of passages added."""
        ...

    def delete_document(self, handle: Any, doc_id: str) -> int: ...

    def indexed_doc_ids(self, handle: Any) -> dict[str, int]:
        """doc_id -> passages in the index (store/index agreement)."""
        ...

    def analyze(self, kind: str, text: str) -> list[str]:
        """The terms a field of this analysis holds (kind: a language code, "zh", "neutral"
        or "exact"; indexer/analysis.py): queries are analysed with it."""
        ...

    def reader(self, handle: Any) -> Reader:
        """A view of the last commit, for one thread."""
        ...


ENGINES = ("tantivy", "whoosh")
ENGINE_FILE = "ENGINE"


def get(name: str) -> Engine:
    if name == "tantivy":
        from indexer.engines import tantivy_engine
        return tantivy_engine
    if name == "whoosh":
        from indexer.engines import whoosh_engine
        return whoosh_engine
    raise ValueError(f"unknown engine {name!r}: choose one of {', '.join(ENGINES)}")


def recorded(gen_dir: Path) -> str:
    """The engine a generation was built with ("" when none is recorded yet)."""
    path = Path(gen_dir) / ENGINE_FILE
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    # generations built before engines were recorded hold a Whoosh index
    return "whoosh" if (Path(gen_dir) / "whoosh").exists() else ""


def for_generation(gen_dir: Path, wanted: str = "") -> Engine:
    """The engine of an existing generation; IndexOutOfDate when it differs from `wanted`."""
    found = recorded(gen_dir)
    if not found:
        raise IndexOutOfDate(f"no index in {gen_dir}; run `python index.py build` first")
    if wanted and found != wanted:
        raise IndexOutOfDate(
            f"the index was built with the {found} engine and the settings ask for {wanted}: "
            f"switching engine is a rebuild (`python index.py build`), or set "
            f"DIALOGUE_SEARCH_ENGINE={found}")
    return get(found)


@dataclass
class Index:
    """An open index with its engine: what the write side (indexer/library/) holds."""
    engine: Engine
    handle: Any

    def add_documents(self, docs: Iterable[tuple[Document, list[Passage]]],
                      clear: bool = False, procs: int = 1) -> int:
        return self.engine.add_documents(self.handle, docs, clear=clear, procs=procs)

    def delete_document(self, doc_id: str) -> int:
        return self.engine.delete_document(self.handle, doc_id)

    def indexed_doc_ids(self) -> dict[str, int]:
        return self.engine.indexed_doc_ids(self.handle)


def create(gen_dir: Path, name: str) -> Index:
    """A new empty index of engine `name` in `gen_dir`, recorded as its engine."""
    module = get(name)
    handle = module.create(Path(gen_dir))
    (Path(gen_dir) / ENGINE_FILE).write_text(name, encoding="utf-8")
    return Index(module, handle)


def open_index(gen_dir: Path) -> Index:
    """The index of a generation, with the engine it was built with."""
    module = for_generation(gen_dir)
    return Index(module, module.open_index(Path(gen_dir)))
