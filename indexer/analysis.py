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
NEUTRAL = "neutral"

# Words, keeping dotted numbers and abbreviations (`10.7`, `A.73`) whole. Apostrophes split,
# so French elisions (`l’État`) index as `l` + `etat`.
WORD_RE = re.compile(r"\w+(?:\.\w+)*")
_CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]+|\w+")
# Elided articles and pronouns that the language stop lists do not carry.
_ELISIONS = {"fr": {"l", "d", "qu", "j", "n", "s", "c", "m", "t", "les", "aux"},
             "es": set(), "pt": set(), "it": {"l", "d", "un", "all", "dell", "nell"}}


class Tok(NamedTuple):
    text: str  # the term as indexed
    pos: int  # position (stop words do not count)
    start: int  # character offsets in the analysed text
    end: int
    stopped: bool = False


def lang_kind(lang: str) -> str:
    """The analysis a passage in `lang` gets for its own-language field ("" = none: passages
    in other languages have only the neutral analysis)."""
    return lang if lang in TEXT_LANGS else ""


@cache
def stopwords(lang: str) -> frozenset[str]:
    """The language's stop words (Snowball/NLTK lists as Whoosh ships them, in data/)."""
    table = json.loads((_DATA / "stopwords.json").read_text(encoding="utf-8"))
    return frozenset(table.get(lang, ())) | _ELISIONS.get(lang, set())


@cache
def _accent_table() -> dict[int, str]:
    table = json.loads((_DATA / "accent_map.json").read_text(encoding="utf-8"))
    return {ord(k): v for k, v in table.items()}


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


def _stemmer(lang: str):
    st = _stemmers.get(lang)
    if st is None:
        st = Stemmer.Stemmer(STEMMED[lang])
        st.maxCacheSize = 50000
        _stemmers[lang] = st
    return st


def tokens(kind: str, text: str, keep_stops: bool = False) -> list[Tok]:
    """The analysed tokens of `text`, with positions and character offsets. Stop words are
    left out, or kept marked `stopped` (for highlighting) with `keep_stops`."""
    if kind == "zh":
        return _cjk_tokens(text)
    if kind == NEUTRAL:
        stops, table, stem = neutral_stopwords(), _accent_table(), None
    else:
        stops, table, stem = stopwords(kind), None, _stemmer(kind).stemWord
    out: list[Tok] = []
    pos = 0
    for m in WORD_RE.finditer(text):
        word = m.group(0).lower()
        if table is not None:
            word = word.translate(table)
        if word in stops:
            if keep_stops:
                out.append(Tok(word, pos, m.start(), m.end(), True))
            continue
        out.append(Tok(stem(word) if stem else word, pos, m.start(), m.end()))
        pos += 1
    return out


def terms(kind: str, text: str) -> list[str]:
    """The analysed terms of `text` in order (the fast path: no offsets)."""
    if kind == "zh":
        return [t.text for t in _cjk_tokens(text)]
    words = WORD_RE.findall(text.lower())
    if kind == NEUTRAL:
        table, stops = _accent_table(), neutral_stopwords()
        words = [w.translate(table) for w in words]
        return [w for w in words if w not in stops]
    stops = stopwords(kind)
    return _stemmer(kind).stemWords([w for w in words if w not in stops])


def _cjk_tokens(text: str) -> list[Tok]:
    """Chinese/Japanese/Korean runs as overlapping character bigrams; other words whole."""
    out: list[Tok] = []
    pos = 0
    for m in _CJK_RUN.finditer(text):
        run = m.group(0)
        if "\u3040" <= run[0] <= "\ud7af" or "\uf900" <= run[0] <= "\ufaff":
            grams = [run] if len(run) == 1 else [run[i:i + 2] for i in range(len(run) - 1)]
        else:
            grams = [run]
        for off, gram in enumerate(grams):
            start = m.start() + (off if len(grams) > 1 or len(run) == 1 else 0)
            out.append(Tok(gram.lower(), pos, start, start + len(gram)))
            pos += 1
    return out
