"""The lexicon did-you-mean consults (indexer/search/lexicon.py): written once, atomically, read
from its file; a cache folder that cannot be written leaves a note, not a failed build."""

from __future__ import annotations

from pathlib import Path

from conftest import SAMPLES

from indexer import config, library
from indexer.search import lexicon


def test_written_once_and_read_back(tmp_path):
    settings = config.load(index_dir=str(tmp_path / "data"), languages="en,zh",
                           lexicon_file=str(tmp_path / "lex" / "words.sqlite3"))
    path = lexicon.ensure(settings)
    assert path == tmp_path / "lex" / "words.sqlite3"
    written = path.stat().st_mtime_ns
    assert lexicon.ensure(settings) == path and path.stat().st_mtime_ns == written
    assert not list(path.parent.glob(".lexicon-*"))  # no temporary file left
    words = lexicon.Lexicon(path)
    assert words.languages == {"en"}  # Chinese words are never corrected
    assert words.zipf("Government", "en") > 5
    assert 2 < words.zipf("goverment", "en") < 3  # wordfreq lists the common slip
    assert words.zipf("zzqxv", "en") == 0.0
    assert words.zipf("government", "fr") == 0.0  # a language it does not hold
    # a language added to the settings is written in
    more = lexicon.ensure(config.load(index_dir=str(tmp_path / "data"), languages="en,fr",
                                      lexicon_file=str(path)))
    assert lexicon.Lexicon(more).languages == {"en", "fr"}
    assert lexicon.Lexicon(more).zipf("autorites", "fr") > 4  # accents folded


def test_no_file_knows_no_words():
    assert lexicon.Lexicon(None).zipf("government", "en") == 0.0


def test_an_unwritable_lexicon_is_a_note_not_a_failed_build(tmp_path):
    settings = config.load(index_dir=str(tmp_path / "data"), languages="en",
                           lexicon_file="/dev/null/words.sqlite3")
    report = library.build(SAMPLES, settings, workers=1)
    assert report.of("indexed")
    assert len(report.notes) == 1 and "/dev/null/words.sqlite3" in report.notes[0]
    assert (Path(settings.index_dir) / "CURRENT").exists()
