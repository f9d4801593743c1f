"""A write session on the live generation: the write lock, the generation and its store.

Every change (build aside, which makes a new generation) runs inside `writing`.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from indexer import engines
from indexer.config import Settings
from indexer.errors import NotFound
from indexer.storage import store
from indexer.storage.locking import write_lock
from indexer.storage.store import actor_default  # noqa: F401 - the library's callers use it here


def open_current(settings: Settings, create: bool = True) -> tuple[Path, store.Store]:
    """The live generation (creating an empty one when there is none and `create`)."""
    data_dir = Path(settings.index_dir)
    gen = store.current_generation(data_dir)
    if gen is None:
        if not create:
            raise NotFound(f"no index in {data_dir}; run `python index.py build` first")
        gen = store.new_generation(data_dir)
        store.Store(gen).close()
        engines.create(gen, settings.engine)
        store.publish_generation(data_dir, gen)
    return gen, store.Store(gen)


@contextmanager
def writing(settings: Settings):
    """The live generation and its store, under the write lock; the store is closed after."""
    with write_lock(Path(settings.index_dir), settings.write_lock_timeout):
        gen, st = open_current(settings, create=False)
        try:
            yield gen, st
        finally:
            st.close()
