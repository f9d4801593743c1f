"""Which words a language has, and how common they are: the lexicon did-you-mean consults
before it calls a word misspelt (`horizontale`, `enfoque`, `Japon` are words even where the
index lacks them).

The word lists are wordfreq's (frequencies of words in web text, subtitles, books and news,
for every UN language and more; a well-kept library, where a word list of our own would
cover a few thousand words at best). Loading them takes ~35 MB of memory per language, too
much for every server process, so they are written once to a SQLite file (accent-folded,
lower-case word -> Zipf frequency: 3 is once per million words, 6 once per thousand) and
read from there: a look-up is a B-tree probe, and the file's pages are shared by every
process through the OS page cache.

wordfreq counts what people write, so it holds common misspellings too (`goverment` 2.7,
`untill` 3.0): a listed word is only a word when it is common enough (KNOWN_ZIPF) and no
word one edit away is far more common (MISSPELLING_MARGIN; see indexer/search/suggest.py).
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import threading
from pathlib import Path

from indexer import analysis
from indexer.config import Settings

# Words of at least this Zipf frequency are in the file (rarer ones are mostly names and
# slips; below it a word counts as unknown).
MIN_ZIPF = 2.0
# A word this common is a word of the language (`subsidiaires` 2.2, `horizontale` 3.6):
# every listed word. wordfreq's common slips sit around 2-3 too (`goverment` 2.7): they are
# told apart by a far commoner word one edit away (indexer/search/suggest.py).
KNOWN_ZIPF = MIN_ZIPF


def _version() -> str:
    from importlib.metadata import version

    return version("wordfreq")


def lexicon_path(settings: Settings) -> Path:
    """The lexicon file: the `lexicon_file` setting, else one per machine and wordfreq
    version in the user's cache folder (it depends on no index, so every data directory
    shares it)."""
    if settings.lexicon_file:
        return Path(settings.lexicon_file)
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "dialogue-search" / f"lexicon-wordfreq-{_version()}.sqlite3"


def supported(languages: list[str]) -> list[str]:
    """The languages wordfreq has a word list for, among `languages`."""
    from wordfreq import available_languages

    have = available_languages("best")
    # Chinese and Japanese words are not corrected (CJK text is searched as bigrams)
    return [lang for lang in languages if lang in have and lang not in ("zh", "ja")]


_build_lock = threading.Lock()


def ensure(settings: Settings) -> Path:
    """The lexicon file holding the configured languages, written first where it is missing
    or lacks one of them (atomically: a reader never sees half a file). Takes ~10 s once per
    machine; `index.py build` and `serve` call it, so that no search waits for it."""
    path = lexicon_path(settings)
    wanted = set(supported(settings.language_list))
    with _build_lock:
        have = _languages_in(path)
        if wanted <= have:
            return path
        _write(path, sorted(wanted | have))
    return path


def _languages_in(path: Path) -> set[str]:
    if not path.exists():
        return set()
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {row[0] for row in con.execute("SELECT lang FROM languages")}
    except sqlite3.DatabaseError:
        return set()  # unreadable: written again
    finally:
        con.close()


def _write(path: Path, languages: list[str]) -> None:
    from wordfreq import get_frequency_dict, zipf_frequency  # noqa: F401 - checks the data

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".lexicon-", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        con = sqlite3.connect(tmp)
        con.executescript(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
            "CREATE TABLE words (lang TEXT, word TEXT, zipf REAL, PRIMARY KEY (lang, word))"
            " WITHOUT ROWID;"
            "CREATE TABLE languages (lang TEXT PRIMARY KEY);")
        for lang in languages:
            rows: dict[str, float] = {}
            least = 10 ** (MIN_ZIPF - 9)
            for word, freq in get_frequency_dict(lang, wordlist="best").items():
                if freq < least:
                    continue
                zipf = _zipf(freq)
                key = _key(word)
                if key and zipf > rows.get(key, 0.0):
                    rows[key] = zipf  # `autorites` takes `autorités`' frequency
            con.executemany("INSERT INTO words VALUES (?, ?, ?)",
                            ((lang, w, round(z, 2)) for w, z in sorted(rows.items())))
            con.execute("INSERT INTO languages VALUES (?)", (lang,))
        con.commit()
        con.close()
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _zipf(freq: float) -> float:
    from math import log10

    return log10(freq) + 9 if freq > 0 else 0.0


def _key(word: str) -> str:
    return analysis.fold_accents(word.casefold())


class Lexicon:
    """Read access to the lexicon file (thread-safe; an absent file knows no words)."""

    def __init__(self, path: Path | None):
        self.path = path
        self._local = threading.local()
        self.languages: frozenset[str] = frozenset(
            _languages_in(path) if path is not None else ())

    def _con(self) -> sqlite3.Connection | None:
        if not self.languages or self.path is None:
            return None
        con = getattr(self._local, "con", None)
        if con is None:
            con = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True,
                                  check_same_thread=False)
            self._local.con = con
        return con

    def zipf(self, word: str, lang: str) -> float:
        """How common `word` (accents and case aside) is in `lang`: its Zipf frequency, 0.0
        when the lexicon does not list it."""
        con = self._con()
        if con is None or lang not in self.languages:
            return 0.0
        row = con.execute("SELECT zipf FROM words WHERE lang = ? AND word = ?",
                          (lang, _key(word))).fetchone()
        return row[0] if row else 0.0

    def best(self, word: str, languages: list[str]) -> float:
        """The highest Zipf frequency of `word` among `languages`."""
        return max((self.zipf(word, lang) for lang in languages), default=0.0)
