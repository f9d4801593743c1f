"""Multilingual thesaurus of migration and development concepts (no Whoosh here).

Cross-language retrieval works without machine translation: a query term found in the
curated thesaurus (`data/thesaurus.json`) is expanded with the same concept's terms in the
other languages. Comparison is done on case- and accent-folded word sequences, so
"autorites locales", "Autorités locales" and "AUTORITÉS LOCALES" all match the same term.

Topic presets (`data/topics.json`) bundle a label, a ready-made query per language and the
concepts they cover.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from indexer import DATA_DIR
from indexer.text import fold  # case- and accent-folding shared with the parsers

THESAURUS_PATH = DATA_DIR / "thesaurus.json"
TOPICS_PATH = DATA_DIR / "topics.json"

#: Languages in preference order (the first three are required for every concept).
LANGUAGES = ("en", "fr", "es", "ru", "ar", "zh")
REQUIRED_LANGUAGES = ("en", "fr", "es")
#: Languages whose terms also match their inflected forms (plural, feminine) in a query.
STEMMERS = ("en", "fr", "es")

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# One token per CJK ideograph (Chinese has no spaces); otherwise runs of letters/digits.
_TOKEN_RE = re.compile(f"[{_CJK}]|[^\\W_{_CJK}]+")


def tokenize(text: str) -> tuple[str, ...]:
    """Folded word sequence of `text` (split on anything that is not a letter or digit)."""
    return tuple(_TOKEN_RE.findall(fold(text)))


@dataclass(frozen=True)
class Concept:
    id: str
    terms: dict[str, list[str]] = field(hash=False, compare=False)

    def label(self, lang: str = "en") -> str:
        """The preferred (official) term in `lang`, falling back to English."""
        for candidate in (lang, "en"):
            if self.terms.get(candidate):
                return self.terms[candidate][0]
        return self.id


@dataclass(frozen=True)
class Topic:
    name: str
    label: dict[str, str]
    query: dict[str, str]
    concepts: list[str]


class Thesaurus:
    def __init__(self, concepts: list[Concept], topics_path: Path | str | None = None):
        self.concepts = list(concepts)
        self._by_id = {c.id: c for c in self.concepts}
        if len(self._by_id) != len(self.concepts):
            counts = Counter(c.id for c in self.concepts)
            dupes = sorted(k for k, v in counts.items() if v > 1)
            raise ValueError(f"duplicate concept ids: {dupes}")
        self._topics_path = Path(topics_path) if topics_path else TOPICS_PATH
        self._topics: list[Topic] | None = None
        # first token -> [(tokens, concept, lang, term)], longest first
        self._index: dict[str, list[tuple[tuple[str, ...], Concept, str, str]]] = {}
        # the same by language, on the term's stems: (lang, first stem) -> entries
        self._stem_index: dict[tuple[str, str], list[
            tuple[tuple[str, ...], Concept, str, str]]] = {}
        for concept in self.concepts:
            for lang, terms in concept.terms.items():
                for term in terms:
                    tokens = tokenize(term)
                    if tokens:
                        self._index.setdefault(tokens[0], []).append((tokens, concept, lang, term))
                        if lang in STEMMERS:
                            stems = _stem(lang, tokens)
                            self._stem_index.setdefault((lang, stems[0]), []).append(
                                (stems, concept, lang, term))
        for entries in (*self._index.values(), *self._stem_index.values()):
            entries.sort(key=lambda e: -len(e[0]))

    def __len__(self) -> int:
        return len(self.concepts)

    def __contains__(self, concept_id: object) -> bool:
        return concept_id in self._by_id

    def get(self, concept_id: str) -> Concept:
        return self._by_id[concept_id]

    def _spans(self, text: str) -> list[list[tuple[Concept, str, str]]]:
        """Per matched span (longest first, non-overlapping), every (concept, lang, term)."""
        return [entries for _words, entries in self._word_spans(text)]

    def _word_spans(self, text: str
                    ) -> list[tuple[tuple[str, ...], list[tuple[Concept, str, str]]]]:
        """Per matched span: (the folded words of `text` it covers, every (concept, lang,
        term)), longest first, non-overlapping.

        A term matches its words as written (case and accents aside) or, in its language,
        their stems: `contrataciones equitativas y éticas` is the term `contratación
        equitativa y ética`. At a position the longest match wins; at equal length, the
        matches as written."""
        tokens = tokenize(text)
        stems = {lang: _stem(lang, tokens) for lang in STEMMERS} if tokens else {}
        spans: list[tuple[tuple[str, ...], list[tuple[Concept, str, str]]]] = []
        i = 0
        while i < len(tokens):
            exact, exact_len = _longest(self._index.get(tokens[i], ()), tokens, i)
            stemmed: list[tuple[Concept, str, str]] = []
            stemmed_len = 0
            for lang, lang_stems in stems.items():
                found, n = _longest(self._stem_index.get((lang, lang_stems[i]), ()),
                                    lang_stems, i)
                if n > stemmed_len:
                    stemmed, stemmed_len = found, n
                elif n and n == stemmed_len:
                    stemmed += found
            best, best_len = ((exact, exact_len) if exact_len >= stemmed_len
                              else (stemmed, stemmed_len))
            if best:
                spans.append((tokens[i:i + best_len], best))
                i += best_len
            else:
                i += 1
        return spans

    def match(self, text: str) -> list[tuple[Concept, str, str]]:
        """Concept terms occurring in `text`: (concept, lang of matched term, matched term).

        Longest match first, non-overlapping, in text order. When the same folded term
        belongs to several languages of a concept (e.g. "diaspora" in en and fr), the
        first language in `LANGUAGES` order is reported once.
        """
        found = []
        for span in self._spans(text):
            reported: set[str] = set()
            for concept, lang, term in sorted(span, key=lambda m: LANGUAGES.index(m[1])):
                if concept.id not in reported:
                    reported.add(concept.id)
                    found.append((concept, lang, term))
        return found

    def languages_of(self, text: str) -> dict[str, int]:
        """How many matched spans each language's terms account for (guesses a query's language).

        A span whose term exists in several languages counts once for each of them.
        """
        counts: dict[str, int] = {}
        typed = text.casefold()
        typed_accents = fold(text) != typed

        def as_typed(term: str) -> bool:
            """The term as written, accents and all (or, matched by its stems, with accents
            where the query has them): `attenuation` is English as typed, and French only
            as `atténuation`; `intégration` is French, not English."""
            written = term.casefold()
            return written in typed or (fold(term) != written) == typed_accents

        for span in self._spans(text):
            langs = {lang for _, lang, term in span if as_typed(term)}
            for lang in langs:
                counts[lang] = counts.get(lang, 0) + 1
        return counts

    def concept_expansions(self, text: str, exclude_lang: str | None = None
                           ) -> list[tuple[tuple[str, ...], dict[str, list[str]], int]]:
        """Per concept matched in `text` (in text order, each once): (the folded words of
        `text` it matched, lang -> its terms in the other languages, how many of them lead
        as the matched term's equivalents). The official wording comes first, then the term
        in the matched term's place: the term lists run parallel across languages, so
        `villes durables`, second in French, is `sustainable cities`, second in English
        (two equivalents; one when the matched term is the official one).

        With `exclude_lang` (the query's language) only that language is left out;
        otherwise each concept leaves out the language(s) its matched term came from.
        """
        out: list[tuple[tuple[str, ...], dict[str, list[str]], int]] = []
        seen: set[str] = set()
        for words, span in self._word_spans(text):
            matched_langs: dict[str, set[str]] = {}
            concepts: dict[str, Concept] = {}
            position: dict[str, int] = {}
            for concept, lang, term in span:
                matched_langs.setdefault(concept.id, set()).add(lang)
                concepts[concept.id] = concept
                position.setdefault(concept.id, concept.terms[lang].index(term))
            for cid, concept in concepts.items():
                if cid in seen:
                    continue
                seen.add(cid)
                skip = {exclude_lang} if exclude_lang else matched_langs[cid]
                terms = {lang: _aligned_first(concept.terms[lang], position[cid])
                         for lang in LANGUAGES if lang not in skip and concept.terms.get(lang)}
                if terms:
                    out.append((words, terms, 2 if position[cid] else 1))
        return out

    def expansions(self, text: str, exclude_lang: str | None = None) -> dict[str, list[str]]:
        """lang -> terms of the concepts matched in `text`, in the other languages (the
        concepts of `concept_expansions` one after the other)."""
        out: dict[str, list[str]] = {}
        for _matched, concept_terms, _n in self.concept_expansions(text, exclude_lang):
            for lang, terms in concept_terms.items():
                bucket = out.setdefault(lang, [])
                bucket.extend(t for t in terms if t not in bucket)
        return out

    def load_topics(self, path: Path | str | None = None) -> list[Topic]:
        """Topic presets; concepts they name must exist in this thesaurus."""
        if path is None and self._topics is not None:
            return self._topics
        topics = load_topics(path or self._topics_path)
        for t in topics:
            missing = [c for c in t.concepts if c not in self._by_id]
            if missing:
                raise ValueError(f"topic {t.name!r} names unknown concepts: {missing}")
        if path is None:
            self._topics = topics
        return topics

    def topic(self, name: str) -> Topic:
        topics = self.load_topics()
        for t in topics:
            if t.name == name:
                return t
        known = ", ".join(t.name for t in topics)
        raise KeyError(f"unknown topic {name!r}; known topics: {known}")


def _aligned_first(terms: list[str], position: int) -> list[str]:
    """`terms` with the one at `position` moved to second place (after the official one)."""
    if 0 < position < len(terms):
        return [terms[0], terms[position], *terms[1:position], *terms[position + 1:]]
    return list(terms)


def _longest(entries, tokens: tuple[str, ...], i: int
             ) -> tuple[list[tuple[Concept, str, str]], int]:
    """The entries (longest first) whose tokens stand at tokens[i:], all of the longest."""
    best: list[tuple[Concept, str, str]] = []
    best_len = 0
    for term_tokens, concept, lang, term in entries:
        n = len(term_tokens)
        if n < best_len:
            break
        if tuple(tokens[i : i + n]) == term_tokens:
            best_len = n
            best.append((concept, lang, term))
    return best, best_len


def _light_stem(lang: str, w: str) -> str:
    """Plural and feminine endings off a folded word: Harman's S-stemmer for English,
    Savoy's light stemmers for French and Spanish. Only inflection: Snowball's
    derivational rules matched `digital` to `digitalization` and `integral` to
    `integration`."""
    if len(w) <= 3 or not w.isalpha():
        return w
    if lang == "en":
        if w.endswith("ies") and not w.endswith(("eies", "aies")):
            return w[:-3] + "y"
        if w.endswith("es") and not w.endswith(("aes", "ees", "oes")):
            return w[:-1]
        if w.endswith("s") and not w.endswith(("us", "ss")):
            return w[:-1]
        return w
    if lang == "fr":
        if w.endswith("aux") and len(w) > 4:
            w = w[:-3] + "al"
        elif w.endswith(("s", "x")):
            w = w[:-1]
        return w[:-1] if w.endswith("e") and len(w) > 3 else w
    if lang == "es":
        if w.endswith("es") and len(w) > 4 and w[-3] not in "aeiou":
            w = w[:-2]
        elif w.endswith("s"):
            w = w[:-1]
        return w[:-1] if w.endswith(("a", "o")) and len(w) > 3 else w
    return w


def _stem(lang: str, tokens: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(_light_stem(lang, t) for t in tokens)


def _read_json(path: Path | str) -> dict:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def load_topics(path: Path | str | None = None) -> list[Topic]:
    """Topic presets from `path` (default: the package's data/topics.json)."""
    raw = _read_json(path or TOPICS_PATH)
    return [
        Topic(
            name=t["name"],
            label=dict(t["label"]),
            query=dict(t["query"]),
            concepts=list(t.get("concepts", [])),
        )
        for t in raw["topics"]
    ]


def _parse(raw: dict, path: Path | str) -> list[Concept]:
    concepts = []
    for entry in raw["concepts"]:
        terms = {
            lang: [unicodedata.normalize("NFC", t) for t in terms]
            for lang, terms in entry["terms"].items()
            if terms
        }
        missing = [lang for lang in REQUIRED_LANGUAGES if not terms.get(lang)]
        if missing:
            raise ValueError(f"{path}: concept {entry.get('id')!r} lacks terms in {missing}")
        concepts.append(Concept(id=entry["id"], terms=terms))
    return concepts


@lru_cache(maxsize=1)
def _default() -> Thesaurus:
    return Thesaurus(_parse(_read_json(THESAURUS_PATH), THESAURUS_PATH))


def load_thesaurus(path: Path | str | None = None) -> Thesaurus:
    """The thesaurus at `path`, or the package default (loaded once and cached)."""
    if path is None:
        return _default()
    return Thesaurus(_parse(_read_json(path), path))
