"""Did-you-mean: a query's misspelt words replaced by the words meant, in the query's
language.

A word is left as typed when it is a word: the index holds it (accents aside, in any
language, or its stem in the query's language), or the lexicon of the query's language
lists it as common (indexer/search/lexicon.py; every language's lexicon when the query's language
is only a guess). So `approche pangouvernementale`, `enfoque pangubernamental` and
`cohérence horizontale et verticale` keep their words, though the index lacks some of them.

A word the lexicon lists is still a slip when a word of the index one edit away is far more
common (`goverment` 2.7 against `government` 5.6): wordfreq counts what people write,
misspellings included.

A misspelt word is replaced by the index's word fewest edits away (Damerau's: `garanteis` is
one swap from `garanties`), sharing its first two letters (people seldom mistype those, and
it keeps the scan short); among as close words, one in the query's language, then one with
the same letters (a swap), then one ending as the typed word ends (the inflection:
`autoritées` is `autorités`), then the commonest. When the query's language is sure, only its
words are offered. Only plain words are corrected: wildcards, fuzzy words, fields,
operators, quoted phrases, numbers, acronyms and capitalised names inside a query stay as
typed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from rapidfuzz.distance import OSA

from indexer import analysis
from indexer.search.lexicon import KNOWN_ZIPF, Lexicon

# A word as typed with any punctuation around it, but no query syntax (wildcards, fuzzy,
# fields, quotes, groups, boosts, -/+).
PLAIN_TOKEN = re.compile(r"([^\w*?~:\"()^+\-]*)(\w+)([.,;!?]*)")
MAX_EDITS = 2
CANDIDATES = 40  # close index words weighed per misspelt word
# A listed word one edit from an index word this much more common (Zipf: x100) is a slip.
MISSPELLING_MARGIN = 2.0
# A word this common in a language's lexicon is one of its words when ranking corrections.
LANGUAGE_ZIPF = 3.0
MIN_LETTERS = 4  # shorter words are not corrected (too many neighbours)


@dataclass(frozen=True)
class Context:
    """What the corrector consults: the index (through the reader's calls), the analysis
    and the lexicon."""

    doc_frequency: Callable[[str, str], int]  # (field, term) -> passages
    fuzzy_terms: Callable[[str, str, int, int, int], list[str]]
    analyze: Callable[[str, str], list[str]]  # (kind, text) -> terms
    as_written: Callable[[str], str]  # an accent-folded index term as the texts write it
    lexicon: Lexicon
    languages: list[str]  # the configured languages (lexicons consulted when unsure)


def corrected(text: str, qlang: str, sure: bool, ctx: Context) -> str:
    """`text` with its misspelt words replaced, or "" when none is. Words inside quotes are
    a quotation: kept as typed."""
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        return ""  # control characters: not something a person typed
    parts = re.split(r'("[^"]*")', text)
    out = "".join(part if i % 2 else _words_corrected(part, qlang, sure, ctx)
                  for i, part in enumerate(parts))
    return out if out != text else ""


def _words_corrected(text: str, qlang: str, sure: bool, ctx: Context) -> str:
    """`text` (no quotation) with its misspelt plain words replaced, spacing kept."""
    pieces = re.split(r"(\s+)", text)
    first = True
    for i, token in enumerate(pieces):
        if i % 2 or not token:
            continue
        m = PLAIN_TOKEN.fullmatch(token)
        is_first, first = first, False
        if not m or token in ("AND", "OR", "NOT"):
            continue
        word = m.group(2)
        if not _correctable(word, first=is_first):
            continue
        option = _correction(word, qlang, sure, ctx)
        if not option:
            continue
        if word[:1].isupper():
            option = option[:1].upper() + option[1:]
        pieces[i] = m.group(1) + option + m.group(3)
    return "".join(pieces)


def _correctable(word: str, first: bool) -> bool:
    if any(c.isdigit() for c in word) or "_" in word:
        return False
    if len(word) > 1 and word.isupper():
        return False  # an acronym
    if not first and word[:1].isupper():
        return False  # a name inside the query (`Consejo de Atafu`)
    return True


def _correction(word: str, qlang: str, sure: bool, ctx: Context) -> str:
    """The word meant, as the texts write it, or "" when `word` is a word (or nothing close
    is)."""
    folded = ctx.analyze(analysis.NEUTRAL, word)
    if len(folded) != 1 or len(folded[0]) < MIN_LETTERS:
        return ""  # a stop word, or too short to correct
    term = folded[0]
    if ctx.doc_frequency("text_neutral", term) > 0:
        return ""
    if qlang in analysis.STEMMED and qlang not in ctx.lexicon.languages:
        # no word list for the language: a word whose stem the index holds is an inflection
        stems = ctx.analyze(qlang, word)
        if stems and ctx.doc_frequency(f"text_{qlang}", stems[0]) > 0:
            return ""
    own = [qlang] if sure and qlang else []
    consulted = own or [lang for lang in ctx.languages if lang in ctx.lexicon.languages]
    typed_zipf = ctx.lexicon.best(word, consulted)
    options = []
    for cand in ctx.fuzzy_terms("text_neutral", term, MAX_EDITS, 2, CANDIDATES):
        edits = OSA.distance(term, cand)
        if edits > MAX_EDITS or cand == term:
            continue
        options.append((edits, cand))
    if not options:
        return ""
    options.sort()
    nearest = options[0][0]
    weighed = []
    for edits, cand in options:
        if edits > nearest + (1 if typed_zipf >= KNOWN_ZIPF else 0):
            break
        written = ctx.as_written(cand)
        other_lang = not _of_language(written, qlang, ctx) if qlang else True
        swap = sorted(cand) != sorted(term)  # False: the same letters (a swap)
        zipf = ctx.lexicon.best(written, consulted)
        # a sure language ranks first; a guessed one after the letters
        order = (other_lang, swap) if own else (swap, other_lang)
        weighed.append((edits, *order, -_common_suffix(cand, term), -zipf,
                        -ctx.doc_frequency("text_neutral", cand), other_lang, written))
    if typed_zipf >= KNOWN_ZIPF:
        # a listed word: a slip only beside a far commoner word one edit away
        weighed = [w for w in weighed
                   if w[0] == 1 and -w[4] >= typed_zipf + MISSPELLING_MARGIN]
    if own:
        weighed = [w for w in weighed if not w[-2]]  # towards the query's language only
    if not weighed:
        return ""
    return min(weighed)[-1]


def _common_suffix(a: str, b: str) -> int:
    """Letters `a` and `b` end with alike: the typed ending carries the inflection
    (`autoritées` is `autorités`, not `autorité`; `océas` is `océans`)."""
    n = 0
    for x, y in zip(reversed(a), reversed(b), strict=False):
        if x != y:
            break
        n += 1
    return n


def _of_language(written: str, lang: str, ctx: Context) -> bool:
    """Whether a word is one of `lang`'s: a common word of its lexicon (wordfreq's French
    lists `enterprises` at 2.6: borrowings and quotations sit below LANGUAGE_ZIPF), or a
    stem its passages hold."""
    if ctx.lexicon.zipf(written, lang) >= LANGUAGE_ZIPF:
        return True
    if lang in analysis.STEMMED:
        stems = ctx.analyze(lang, written)
        return bool(stems) and ctx.doc_frequency(f"text_{lang}", stems[0]) > 0
    return False
