"""Shared fixtures: paths to ../shared (tests using it skip when absent) and real indexes
built on disk in temporary folders."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# The web app's session key file: never the real one under ~/.config during tests.
os.environ.setdefault("DIALOGUE_SEARCH_SECRET_KEY_FILE",
                      str(Path(tempfile.mkdtemp(prefix="ds-test-key-")) / "secret_key"))

from indexer import config, library  # noqa: E402  (settings read the environment)

PROJECT = Path(__file__).resolve().parents[1]
SHARED = PROJECT.parent / "shared"
SAMPLES = PROJECT / "corpus" / "samples"


def shared_path(*parts: str) -> Path:
    """A path under ../shared, or skip the test when it is not there."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data not available: {path}")
    return path


def build_files(root: Path, files: dict[str, str]) -> tuple[Path, library.Report]:
    """Write `files` (name -> text) into root/corpus and build root/data from them; the data
    directory and the build report."""
    corpus = root / "corpus"
    corpus.mkdir()
    for name, text in files.items():
        (corpus / name).write_text(text, encoding="utf-8")
    data = root / "data"
    return data, library.build(corpus, config.load(index_dir=str(data)), workers=1)


@pytest.fixture
def settings(tmp_path) -> config.Settings:
    """Settings pointing at an empty data directory of this test's own."""
    return config.load(index_dir=str(tmp_path / "data"), write_lock_timeout=2.0)


@pytest.fixture(scope="session")
def samples_index(tmp_path_factory) -> config.Settings:
    """A real index of the shipped samples, built once per session (read-only use)."""
    s = config.load(index_dir=str(tmp_path_factory.mktemp("samples") / "data"))
    report = library.build(SAMPLES, s, workers=1)
    assert not report.of("refused"), report.of("refused")
    return s


@pytest.fixture(scope="session")
def shared_corpus_index(tmp_path_factory) -> config.Settings:
    """A real index of ../shared/corpus, built once per session."""
    corpus = SHARED / "corpus"
    if not corpus.exists():
        pytest.skip("shared corpus not available")
    s = config.load(index_dir=str(tmp_path_factory.mktemp("shared") / "data"))
    library.build(corpus, s, workers=2)
    return s
