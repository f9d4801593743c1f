"""The Whoosh engine's schema and analyzers: one analysed field per language, one neutral
field. The analyzers give the terms indexer/analysis.py gives (the same stop lists, accent
map and Snowball stemmers), as Whoosh filters.

Only the modules of indexer/engines/whoosh_*.py import whoosh.
"""

from __future__ import annotations

import re

import Stemmer
from whoosh.analysis import (
    CharsetFilter,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StopFilter,
    Tokenizer,
)
from whoosh.analysis.acore import Token
from whoosh.fields import ID, NUMERIC, STORED, TEXT, Schema
from whoosh.support.charset import accent_map

from ..analysis import STEMMED, TEXT_LANGS, neutral_stopwords, stopwords
from ..planner import text_field

# Bump when the schema or an analyzer changes: an index built with another version must be
# rebuilt (the engine refuses to open it with a message saying so).
SCHEMA_VERSION = 4
__all__ = ["SCHEMA_VERSION", "STEMMED", "TEXT_LANGS", "build_schema", "text_field"]


class SnowballFilter(Filter):
    """Stems with PyStemmer's C Snowball stemmers (Whoosh's are pure Python and ~20x slower).

    Picklable (the stemmer is rebuilt on demand) so multiprocess writers can use it.
    """

    def __init__(self, lang: str):
        self.lang = lang
        self._stemmer = None

    def __getstate__(self):
        return {"lang": self.lang, "_stemmer": None}

    def __eq__(self, other):
        return isinstance(other, SnowballFilter) and other.lang == self.lang

    def __call__(self, tokens):
        if self._stemmer is None:
            self._stemmer = Stemmer.Stemmer(STEMMED[self.lang])
            self._stemmer.maxCacheSize = 50000
        stem = self._stemmer.stemWord
        for t in tokens:
            if not t.stopped:
                t.text = stem(t.text)
            yield t


_CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]+|\w+")


class CJKBigramTokenizer(Tokenizer):
    """Chinese/Japanese/Korean runs as overlapping character bigrams; other words whole."""

    def __eq__(self, other):
        return isinstance(other, CJKBigramTokenizer)

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, mode="", **kwargs):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        pos = start_pos
        for m in _CJK_RUN.finditer(value):
            run = m.group(0)
            if "\u3040" <= run[0] <= "\ud7af" or "\uf900" <= run[0] <= "\ufaff":
                grams = [run] if len(run) == 1 else [run[i:i + 2] for i in range(len(run) - 1)]
                offsets = range(len(grams))
            else:
                grams, offsets = [run], [0]
            for gram, off in zip(grams, offsets, strict=True):
                t.text = gram
                t.boost = 1.0
                t.stopped = False
                if keeporiginal:
                    t.original = gram
                if positions:
                    t.pos = pos
                    pos += 1
                if chars:
                    t.startchar = start_char + m.start() + off
                    t.endchar = t.startchar + len(gram)
                yield t


_WORDS = r"\w+(?:\.\w+)*"  # as analysis.WORD_RE


def language_analyzer(lang: str):
    chain = RegexTokenizer(_WORDS) | LowercaseFilter()
    stops = stopwords(lang)
    if stops:
        chain = chain | StopFilter(stoplist=stops, minsize=1)
    return chain | SnowballFilter(lang)


def neutral_analyzer():
    """Language-neutral: lower-cased, accents folded, no stemming; function words dropped."""
    return (RegexTokenizer(_WORDS) | LowercaseFilter() | CharsetFilter(accent_map)
            | StopFilter(stoplist=neutral_stopwords(), minsize=1, renumber=False))


def cjk_analyzer():
    return CJKBigramTokenizer() | LowercaseFilter()


def build_schema() -> Schema:
    fields = {
        "passage_id": ID(stored=True, unique=True),
        "doc_id": ID(stored=True, sortable=True),
        "ordinal": STORED,
        "label": ID(stored=True),
        # language-independent label: links (and folds) the language versions of a paragraph
        "label_key": ID(stored=True, sortable=True),
        # Positions only where phrases are searched (the language fields): Whoosh's pure-Python
        # posting writer is the build's bottleneck, and positions cost a third of it.
        "section": TEXT(analyzer=neutral_analyzer(), stored=True, phrase=False),
        "page": STORED,
        "page_label": STORED,
        "lang": ID(stored=True, sortable=True),
        "content": STORED,  # the passage text as shown
        "text_hash": ID(stored=True, sortable=True),  # collapses identical passages
        "text_neutral": TEXT(analyzer=neutral_analyzer(), phrase=False),
        "text_other": TEXT(analyzer=neutral_analyzer(), phrase=True),
        # document metadata, denormalised so a hit needs no second look-up
        "title": TEXT(analyzer=neutral_analyzer(), stored=True, phrase=False),
        "series": ID(stored=True, sortable=True),
        "symbol": ID(stored=True, sortable=True),
        "year": NUMERIC(stored=True, sortable=True),
        "date": STORED,
        "doc_lang": STORED,
        "work": ID(stored=True, sortable=True),
        "file": STORED,
        "url": STORED,
        "version": STORED,
    }
    for lang in STEMMED:
        fields[f"text_{lang}"] = TEXT(analyzer=language_analyzer(lang), phrase=True)
    fields["text_zh"] = TEXT(analyzer=cjk_analyzer(), phrase=True)
    return Schema(**fields)
