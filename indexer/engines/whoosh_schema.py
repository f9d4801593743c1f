"""The Whoosh engine's schema and analyzers: one analysed field per language, one neutral
field. The analyzers give the terms indexer/analysis.py gives (the same stop lists, accent
map and Snowball stemmers), as Whoosh filters.

Only the modules of indexer/engines/whoosh_*.py import whoosh.
"""

from __future__ import annotations

from whoosh.analysis import (
    CharsetFilter,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StopFilter,
    Tokenizer,
)
from whoosh.analysis.acore import Token
from whoosh.columns import VarBytesColumn
from whoosh.fields import COLUMN, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from indexer.analysis import (
    FOLDED,
    STEMMED,
    TEXT_LANGS,
    WORD_RE,
    accent_table,
    cjk_tokens,
    neutral_stopwords,
    stemmer,
    stopwords,
)
from indexer.query.fields import text_field

# Bump when the schema or an analyzer changes: an index built with another version must be
# rebuilt (the engine refuses to open it with a message saying so).
SCHEMA_VERSION = 9  # 7: the exact field and symbol_key; 8: cites; 9: analysis stored
__all__ = ["SCHEMA_VERSION", "STEMMED", "TEXT_LANGS", "build_schema", "text_field"]


class SnowballFilter(Filter):
    """Stems with PyStemmer's C Snowball stemmers (analysis.stemmer; Whoosh's are pure
    Python and ~20x slower). Picklable (it holds only the language) so multiprocess writers
    can use it."""

    def __init__(self, lang: str):
        self.lang = lang

    def __eq__(self, other):
        return isinstance(other, SnowballFilter) and other.lang == self.lang

    def __call__(self, tokens):
        stem = stemmer(self.lang).stemWord
        for t in tokens:
            if not t.stopped:
                t.text = stem(t.text)
            yield t


class CJKBigramTokenizer(Tokenizer):
    """analysis.cjk_tokens as a Whoosh tokenizer: CJK runs as overlapping character
    bigrams, other words whole."""

    def __eq__(self, other):
        return isinstance(other, CJKBigramTokenizer)

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, mode="", **kwargs):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for tok in cjk_tokens(value):
            t.text = tok.text
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = tok.text
            if positions:
                t.pos = start_pos + tok.pos
            if chars:
                t.startchar = start_char + tok.start
                t.endchar = start_char + tok.end
            yield t


def language_analyzer(lang: str):
    chain = RegexTokenizer(WORD_RE.pattern) | LowercaseFilter()
    stops = stopwords(lang)
    if stops:
        chain = chain | StopFilter(stoplist=stops, minsize=1)
    if lang in FOLDED:  # accent-free typing finds accented words (analysis.FOLDED)
        chain = chain | CharsetFilter(accent_table())
    return chain | SnowballFilter(lang)


def neutral_analyzer():
    """Language-neutral: lower-cased, accents folded, no stemming; function words dropped."""
    return (RegexTokenizer(WORD_RE.pattern) | LowercaseFilter() | CharsetFilter(accent_table())
            | StopFilter(stoplist=neutral_stopwords(), minsize=1, renumber=False))


def exact_analyzer():
    """Every word as written: lower-cased, accents folded, stop words kept (quoted phrases)."""
    return RegexTokenizer(WORD_RE.pattern) | LowercaseFilter() | CharsetFilter(accent_table())


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
        "ocr": STORED,  # recognised by OCR from a scanned page
        "lang": ID(stored=True, sortable=True),
        "content": STORED,  # the passage text as shown
        "analysis": STORED,  # its terms, ready for re-scoring and highlighting (analysed.py)
        "text_hash": ID(stored=True, sortable=True),  # collapses identical passages
        "text_neutral": TEXT(analyzer=neutral_analyzer(), phrase=False),
        "text_exact": TEXT(analyzer=exact_analyzer(), phrase=True),
        "text_other": TEXT(analyzer=neutral_analyzer(), phrase=True),
        # document metadata, denormalised so a hit needs no second look-up
        "title": TEXT(analyzer=neutral_analyzer(), stored=True, phrase=False),
        "series": ID(stored=True, sortable=True),
        "symbol": ID(stored=True, sortable=True),
        "symbol_key": ID(stored=True),
        "year": NUMERIC(stored=True, sortable=True),
        "date": STORED,
        "doc_lang": STORED,
        "work": ID(stored=True, sortable=True),
        "file": STORED,
        "url": STORED,
        "version": STORED,
        # the symbols a passage cites (space-separated; symbols have no spaces): the
        # `cites:` filter, and a column of them for the facet
        "cites": KEYWORD(lowercase=False, scorable=False),
        "cites_column": COLUMN(VarBytesColumn()),
    }
    for lang in STEMMED:
        fields[f"text_{lang}"] = TEXT(analyzer=language_analyzer(lang), phrase=True)
    fields["text_zh"] = TEXT(analyzer=cjk_analyzer(), phrase=True)
    return Schema(**fields)
