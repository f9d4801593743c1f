"""The live generation and its store: for reading, or for a write session (the write lock,
the generation, its store opened for writing).

Every change (build aside, which makes a new generation) runs inside `writing`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from indexer import engines
from indexer.config import Settings
from indexer.errors import NotFound
from indexer.storage import store
from indexer.storage.locking import write_lock
from indexer.storage.store import actor_default  # noqa: F401 - the library's callers use it here


def _live(settings: Settings) -> Path:
    gen = store.current_generation(Path(settings.index_dir))
    if gen is None:
        raise NotFound(f"no index in {settings.index_dir}; run `python index.py build` first")
    return gen


@contextmanager
def current(settings: Settings) -> Iterator[tuple[Path, store.Store]]:
    """The live generation and its store, opened for reading (nothing is written); NotFound
    when there is no index."""
    gen = _live(settings)
    with store.open(gen) as st:
        yield gen, st


@contextmanager
def current_for_writing(settings: Settings,
                        create: bool = False) -> Iterator[tuple[Path, store.Store]]:
    """The live generation and its store, opened for writing; with `create`, an empty index
    is made and published when there is none. The caller holds the write lock."""
    data_dir = Path(settings.index_dir)
    if create and store.current_generation(data_dir) is None:
        gen = store.new_generation(data_dir)
        with store.open(gen, write=True):
            pass  # the schema
        engines.create(gen, settings.engine)
        store.publish_generation(data_dir, gen)
    gen = _live(settings)
    with store.open(gen, write=True) as st:
        yield gen, st


@contextmanager
def writing(settings: Settings) -> Iterator[tuple[Path, store.Store]]:
    """The live generation and its store, under the write lock; the store is closed after."""
    with write_lock(Path(settings.index_dir), settings.write_lock_timeout):
        with current_for_writing(settings) as (gen, st):
            yield gen, st
