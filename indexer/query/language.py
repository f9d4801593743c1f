"""The language of a query: from the thesaurus's terms (short queries), then the script and
the function words; a guess from letter statistics alone on a few words is not sure.
Typed filters are taken out of the query text first (`split_filters`), and the query
language's stop words outside quotes are dropped (`drop_stopwords`).
"""

from __future__ import annotations

import re

from indexer import analysis
from indexer.language import detect, script_language, stopword_scores
from indexer.query.thesaurus import load_thesaurus

_FILTER_RE = re.compile(r'(?<!\S)(lang|series|year|symbol|doc|cites):("[^"]*"|\S+)', re.I)


def split_filters(q: str) -> tuple[str, dict[str, str]]:
    """Pull `lang:fr series:GCM year:2018 symbol:A/73/L.66 doc:ID cites:A/RES/70/1` out of
    the query text."""
    found: dict[str, str] = {}

    def take(m: re.Match) -> str:
        found[m.group(1).lower()] = m.group(2).strip('"')
        return " "

    rest = _FILTER_RE.sub(take, q)
    return " ".join(rest.split()), found


def drop_stopwords(text: str, lang: str) -> str:
    """Remove the query language's stop words outside quotes: fields without stop lists (the
    neutral one, other languages') would otherwise match `de`, `la`, `the` everywhere."""
    stops = analysis.stopwords(lang) if lang else frozenset()
    if not stops:
        return text
    parts = re.split(r'("[^"]*")', text)
    kept = []
    for i, part in enumerate(parts):
        if i % 2:  # a quoted phrase
            kept.append(part)
            continue
        words = [w for w in part.split() if w.lower() not in stops or w in ("AND", "OR", "NOT")]
        kept.append(" ".join(words))
    result = " ".join(p for p in kept if p.strip())
    return result if re.search(r"\w", result) else text


def query_language(text: str, candidates: tuple[str, ...], default: str) -> tuple[str, bool]:
    """(language, sure). Thesaurus terms first (short queries), then the script and
    function words; a guess from letter statistics alone on a few words is not sure."""
    counts = load_thesaurus().languages_of(text)
    if counts:
        ranked = sorted(counts.items(), key=lambda kv: -kv[1])
        if len(ranked) == 1 or ranked[0][1] > ranked[1][1]:
            return ranked[0][0], True
    by_script = script_language(text, candidates)
    if by_script:
        return by_script, True
    scores = stopword_scores(text, candidates)
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    second = ranked[1][1] if len(ranked) > 1 else 0
    # one language's function words alone, or at least twice another's (`of … of … in`:
    # English, though German has `in` too)
    if ranked and ranked[0][1] >= 1 and (second == 0 or ranked[0][1] >= 2 * second + 1):
        return ranked[0][0], True
    return detect(text, candidates, default=default), False

