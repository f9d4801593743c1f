"""The index's fields, named in one place: what a query plan asks for (indexer/query/plan.py),
what each engine indexes (indexer/engines/) and what a passage's stored record holds
(indexer/engines/records.py).

Here, not in engines/, because the planner names fields and query/ imports no engine.

Text fields (analysed; indexer/analysis.py says how):
- `text_<lang>`: a passage's own-language text, stemmed, for the languages with a stemmer
  (and `text_zh`, CJK bigrams); a passage has exactly one of these or `text_other`;
- `text_other`: passages in languages without a stemmer (analysed as `text_neutral`);
- `text_neutral`: every passage, lower-cased, accents folded, function words dropped;
- `text_exact`: every passage, every word as written (quoted phrases, stop words kept);
- `title`: the document's title, analysed as `text_neutral` (context: it adds to a score).

Keyword fields (one value, matched whole) and `year` (a number) select and fold.
"""

from __future__ import annotations

from indexer.analysis import EXACT, NEUTRAL, TEXT_LANGS

NEUTRAL_FIELD = "text_neutral"
OTHER_FIELD = "text_other"
EXACT_FIELD = "text_exact"
TITLE_FIELD = "title"
YEAR_FIELD = "year"

# The text fields that hold one language's passages only (a passage has one of them).
LANGUAGE_FIELDS: tuple[str, ...] = (*(f"text_{lang}" for lang in TEXT_LANGS), OTHER_FIELD)
# Every analysed field a query plan may name.
TEXTUAL = frozenset([*LANGUAGE_FIELDS, NEUTRAL_FIELD, EXACT_FIELD, TITLE_FIELD])
# Keyword fields: a passage's record holds each as one string.
KEYWORD_FIELDS: tuple[str, ...] = ("passage_id", "doc_id", "lang", "series", "symbol",
                                   "symbol_key", "work", "label_key", "text_hash")


def text_field(lang: str) -> str:
    """The analysed field for a passage in `lang` (unknown languages share `text_other`)."""
    return f"text_{lang}" if lang in TEXT_LANGS else OTHER_FIELD


def field_kind(fieldname: str) -> str:
    """The analysis (indexer/analysis.py) a text field's terms come from: a language code,
    "zh", EXACT or NEUTRAL (text_other, text_neutral and title)."""
    if fieldname.startswith("text_") and fieldname[5:] in TEXT_LANGS:
        return fieldname[5:]
    return EXACT if fieldname == EXACT_FIELD else NEUTRAL


def positional(fieldname: str) -> bool:
    """Whether the planner looks for phrases in the field: the language fields (a quoted
    phrase is also matched in EXACT_FIELD, planner.exact); the neutral and title fields keep
    no positions."""
    return fieldname in LANGUAGE_FIELDS
