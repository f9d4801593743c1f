"""Text analysis, engine-neutral: the words a passage is indexed under and a query looks for.

Every engine indexes the terms these functions produce (Whoosh through a tokenizer wrapping
them, tantivy as pre-tokenized text), and queries, highlights and the matched-terms report
use the same functions: a term the index holds is always a term a query can name.

Kinds of analysis (`kind`):
- a language code with a Snowball stemmer (STEMMED): words, lower-cased, the language's stop
  words and elisions dropped (positions renumbered, so a phrase skips them), stemmed;
- "zh": Chinese/Japanese/Korean runs as overlapping character bigrams, other words whole;
- "neutral": lower-cased, accents folded (Whoosh's accent map), no stemming, the function
  words of the Latin-script languages dropped. Every passage has it, whatever its language.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import NamedTuple

import Stemmer

_DATA = Path(__file__).parent / "data"

# Languages with their own stemmed field (PyStemmer's C Snowball stemmers).
STEMMED = {
    "en": "english", "fr": "french", "es": "spanish", "ru": "russian", "ar": "arabic",
    "pt": "portuguese", "de": "german", "it": "italian", "nl": "dutch",
}
TEXT_LANGS = tuple(STEMMED) + ("zh",)
# Latin-script languages: their stemmed fields fold accents before stemming, so that a word
# typed without its accents (`autorites`, `developpement`, `migracion`) has the stem of the
# accented word (Snowball stems `autorités` to `autor` but `autorites` to `autorit`). The
# stop lists are matched before folding (they are spelt with accents).
FOLDED = frozenset({"en", "fr", "es", "pt", "de", "it", "nl"})
NEUTRAL = "neutral"
# Every word as written, lower-cased and accents folded, stop words kept, with positions: the
# field quoted phrases are matched on ("authorities in the identification of needs" must
# hold its `in the` and `of`, which the stemmed fields drop).
EXACT = "exact"

# Words, keeping dotted numbers and abbreviations (`10.7`, `A.73`) whole. Apostrophes split,
# so French elisions (`l’État`) index as `l` + `etat`.
WORD_RE = re.compile(r"\w+(?:\.\w+)*")
_CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]+|\w+")
# Elided articles and pronouns that the language stop lists do not carry.
_ELISIONS = {"fr": {"l", "d", "qu", "j", "n", "s", "c", "m", "t", "les", "aux"},
             "es": set(), "pt": set(), "it": {"l", "d", "un", "all", "dell", "nell"}}


class Tok(NamedTuple):
    text: str  # the term as indexed
    pos: int
    start: int  # character offsets in the analysed text
    end: int


@cache
def stopwords(lang: str) -> frozenset[str]:
    """The language's stop words (Snowball/NLTK lists as Whoosh ships them, in data/)."""
    table = json.loads((_DATA / "stopwords.json").read_text(encoding="utf-8"))
    return frozenset(table.get(lang, ())) | _ELISIONS.get(lang, set())


@cache
def _accent_table() -> dict[int, str]:
    table = json.loads((_DATA / "accent_map.json").read_text(encoding="utf-8"))
    return {ord(k): v for k, v in table.items()}


def accent_table() -> dict[int, str]:
    """Whoosh's accent map (data/accent_map.json) as a str.translate table."""
    return _accent_table()


def fold_accents(text: str) -> str:
    return text.translate(_accent_table())


@cache
def neutral_stopwords() -> frozenset[str]:
    """Function words of the Latin-script languages, accents folded: in a field that every
    passage shares, `of`, `de`, `la` would match nearly everything (and make broad queries
    score the whole index)."""
    words: set[str] = set()
    for lang in ("en", "fr", "es", "pt", "de", "it"):
        words |= stopwords(lang)
    return frozenset(fold_accents(w.lower()) for w in words)


_stemmers: dict[str, object] = {}


def stemmer(lang: str):
    """PyStemmer's Snowball stemmer for `lang`, one per process."""
    st = _stemmers.get(lang)
    if st is None:
        st = Stemmer.Stemmer(STEMMED[lang])
        st.maxCacheSize = 50000
        _stemmers[lang] = st
    return st


def terms(kind: str, text: str) -> list[str]:
    """The analysed terms of `text` in order (the fast path: no offsets)."""
    if kind == "zh":
        return [t.text for t in cjk_tokens(text)]
    words = WORD_RE.findall(text.lower())
    if kind == EXACT:
        table = _accent_table()
        return [w.translate(table) for w in words]
    if kind == NEUTRAL:
        table, stops = _accent_table(), neutral_stopwords()
        words = [w.translate(table) for w in words]
        return [w for w in words if w not in stops]
    stops = stopwords(kind)
    words = [w for w in words if w not in stops]
    if kind in FOLDED:
        table = _accent_table()
        words = [w.translate(table) for w in words]
    return stemmer(kind).stemWords(words)


def cjk_tokens(text: str) -> list[Tok]:
    """Chinese/Japanese/Korean runs as overlapping character bigrams; other words whole
    (with positions and character offsets: the Whoosh tokenizer and the highlighter use
    them)."""
    out: list[Tok] = []
    pos = 0
    for m in _CJK_RUN.finditer(text):
        run = m.group(0)
        if "\u3040" <= run[0] <= "\ud7af" or "\uf900" <= run[0] <= "\ufaff":
            grams = [run] if len(run) == 1 else [run[i:i + 2] for i in range(len(run) - 1)]
        else:
            grams = [run]
        for off, gram in enumerate(grams):
            start = m.start() + off
            out.append(Tok(gram.lower(), pos, start, start + len(gram)))
            pos += 1
    return out
