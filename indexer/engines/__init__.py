"""Search engines behind one small interface; the rest of the program names none of them.

An engine is a module with these functions (tantivy_engine.py, whoosh_engine.py):

    NAME                                    "tantivy" | "whoosh"
    index_dir(gen_dir) -> Path              where the engine keeps a generation's index
    VERSION_FILE                            its schema version's file name in index_dir
    create(gen_dir) -> handle               a new empty index in an index generation
    open_index(gen_dir) -> handle           the generation's index (IndexOutOfDate if it is
                                            missing, unreadable or of another schema)
    add_documents(handle, docs, clear=False) -> int
                                            (Document, [Passage]) pairs in one atomic batch;
                                            an earlier copy of each document is replaced;
                                            clear=True replaces the whole index
    delete_document(handle, doc_id) -> int
    indexed_doc_ids(handle) -> {doc_id: passages}
    analyze(kind, text) -> [term]           the terms a field of this analysis holds
                                            (kind: a language code, "zh" or "neutral")
    reader(handle) -> Reader                a view of the last commit, for one thread

    Reader.search(plan, limit, by_date=False, offset=0) -> [(fields, score)]
                                            ranked candidates for a query plan
                                            (indexer/query/plan.py), stored fields as a dict,
                                            the `limit` after the first `offset`, scored by
                                            our BM25 (indexer/engines/bm25.py: Whoosh's FieldBM25F;
                                            tantivy re-scores its candidates)
    Reader.facets(plan) -> ({facet: {value: count}}, total)
                                            series/lang/year/doc counts over every match,
                                            and cites: the 50 symbols most cited by them
                                            (identical passages once) and the number of
                                            results the list shows (language versions once)
    Reader.doc_frequency(field, term) -> int
    Reader.prefix_terms(field, prefix, limit) -> [term]
                                            indexed terms starting with prefix, most
                                            passages first (wildcards become these terms)
    Reader.fuzzy_terms(field, term, maxdist, prefix, limit) -> [term]
                                            indexed terms within maxdist edits sharing the
                                            first `prefix` letters, closest first
    Reader.up_to_date() -> bool             False once another commit is visible
    Reader.close()

Which query terms a candidate matched, similar passages, and all of the ranking that is ours
(fusion, shares of typed words, expansion weights, series prior, copies, language versions)
are engine-neutral (indexer/search/ranking.py, indexer/search/service.py), built on these calls.

The engine of an index generation is recorded in it (ENGINE_FILE): switching engine is a
rebuild (`index.py build`), and opening a generation with another engine says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from indexer.errors import IndexOutOfDate

ENGINES = ("tantivy", "whoosh")
ENGINE_FILE = "ENGINE"


def get(name: str) -> ModuleType:
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


def for_generation(gen_dir: Path, wanted: str = "") -> ModuleType:
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
    engine: ModuleType
    handle: object

    def add_documents(self, docs, clear: bool = False, procs: int = 1) -> int:
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
