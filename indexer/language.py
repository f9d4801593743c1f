"""Language identification: deterministic, limited to a candidate set; metadata wins.

Two stages, because langdetect costs a few milliseconds a call and the corpus has hundreds of
thousands of passages: the script (Arabic, Cyrillic, CJK ...) and stop-word counts settle most
texts outright; langdetect, seeded and loaded with the candidate profiles only, decides the rest.
"""

from __future__ import annotations

import re
import threading
from functools import cache, lru_cache
from pathlib import Path

import langdetect
from langdetect.detector_factory import DetectorFactory
from langdetect.lang_detect_exception import LangDetectException

# langdetect's profile names for our codes
_PROFILE = {"zh": "zh-cn"}
_SCRIPT_LANGS = {"ARABIC": "ar", "CYRILLIC": "ru", "CJK": "zh", "HIRAGANA": "ja", "HANGUL": "ko",
                 "GREEK": "el", "HEBREW": "he", "DEVANAGARI": "hi", "THAI": "th"}

# Frequent function words; enough to tell the Latin-script candidates apart on a sentence.
STOPWORDS = {
    "en": "the of and to in is that for on with as are be by this it from at a an which or have "
          "has its their all not we will shall should been were".split(),
    "fr": "le la les des du de et à en un une est que qui dans pour sur par au aux avec ce ces "
          "sont il elle leur leurs pas ne se sa son ou être été nous".split(),
    "es": "el la los las de del y en que un una es por para con se su sus al lo como más o "
          "ser son está han ha no nos sobre entre".split(),
    "pt": "o a os as de do da dos das e em um uma é que para com não por se na no nas nos ao "
          "mais como foi são seu sua ou".split(),
    "de": "der die das und in den von zu mit ist des sich dem nicht ein eine auf für im als "
          "auch es an werden aus er hat dass sie nach wird bei".split(),
    "it": "il lo la i gli le di e che un una per in con non del della dei si è sono al alla "
          "da come più anche".split(),
}
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_lock = threading.Lock()


_SCRIPTS = {
    "ar": re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]"),
    "ru": re.compile(r"[\u0400-\u04ff]"),
    "zh": re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"),
    "ja": re.compile(r"[\u3040-\u30ff]"),
    "ko": re.compile(r"[\uac00-\ud7af]"),
    "el": re.compile(r"[\u0370-\u03ff]"),
    "he": re.compile(r"[\u0590-\u05ff]"),
    "hi": re.compile(r"[\u0900-\u097f]"),
    "th": re.compile(r"[\u0e00-\u0e7f]"),
}
_LETTER = re.compile(r"[^\W\d_]")
# any character of the scripts above: most passages have none, and one search says so
_ANY_SCRIPT = re.compile("|".join(rx.pattern for rx in _SCRIPTS.values()))


def script_language(text: str, candidates: tuple[str, ...]) -> str | None:
    """The language implied by a non-Latin script that dominates the text, if a candidate.

    Counted with regular expressions (C speed): this runs for every passage."""
    sample = text[:2000]
    if sample.isascii() or not _ANY_SCRIPT.search(sample):
        return None
    letters = len(_LETTER.findall(sample))
    if not letters:
        return None
    for lang, rx in _SCRIPTS.items():
        n = len(rx.findall(sample))
        if n >= 0.5 * letters:
            if lang == "ja" or lang == "zh":
                # Japanese mixes kana with Han characters; Han alone is Chinese.
                kana = len(_SCRIPTS["ja"].findall(sample))
                lang = "ja" if kana >= 0.1 * letters else "zh"
            return lang if lang in candidates else None
    han = len(_SCRIPTS["zh"].findall(sample))
    if han >= 0.5 * letters:
        return "zh" if "zh" in candidates else None
    return None


def stopword_scores(text: str, candidates: tuple[str, ...]) -> dict[str, int]:
    words = [w.lower() for w in _WORD.findall(text[:3000])]
    sets = {lang: _stopset(lang) for lang in candidates if lang in STOPWORDS}
    return {lang: sum(1 for w in words if w in s) for lang, s in sets.items()}


@cache
def _stopset(lang: str) -> frozenset[str]:
    return frozenset(STOPWORDS[lang])


@lru_cache(maxsize=8)
def _factory(candidates: tuple[str, ...], seed: int = 0) -> DetectorFactory:
    """A langdetect factory that knows only the candidate languages (deterministic seed)."""
    factory = DetectorFactory()
    profiles_dir = Path(langdetect.__file__).parent / "profiles"
    profiles = []
    for lang in candidates:
        path = profiles_dir / _PROFILE.get(lang, lang)
        if path.exists():
            profiles.append(path.read_text(encoding="utf-8"))
    factory.load_json_profile(profiles)
    factory.set_seed(seed)
    return factory


SHORT_TEXT_WORDS = 6  # up to this many words, lingua decides (queries, titles, word pairs)


_DETECTORS: dict[tuple[str, ...], object] = {}


def _lingua(candidates: tuple[str, ...], preload: bool = False):
    """A lingua detector for the candidates it knows. Its models ship inside the wheel (no
    download); about 200 MB, loaded lazily as texts need them (only processes that meet
    short texts pay for them), or all at once with `preload` (a server, before it forks:
    its processes then share the pages; loaded lazily, the first queries of each process
    waited 0.1-1 s each for a model)."""
    held = _DETECTORS.get(candidates)
    if held is not None and not (preload and candidates not in _PRELOADED):
        return held
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    langs = []
    for code in candidates:
        iso = getattr(IsoCode639_1, code.upper(), None)
        if iso is not None:
            langs.append(Language.from_iso_code_639_1(iso))
    if len(langs) < 2:
        return None
    builder = LanguageDetectorBuilder.from_languages(*langs)
    if preload:
        builder = builder.with_preloaded_language_models()
        _PRELOADED.add(candidates)
    detector = _DETECTORS[candidates] = builder.build()
    return detector


_PRELOADED: set[tuple[str, ...]] = set()


def preload_short_text_models(candidates: tuple[str, ...]) -> None:
    """Load lingua's models for the candidates now (see _lingua)."""
    _lingua(candidates, preload=True)


def short_text_language(text: str, candidates: tuple[str, ...]) -> str | None:
    """langdetect's character statistics need a sentence; on two or three words it is right
    only 70-90 % of the time. lingua combines word and n-gram models built for short text."""
    detector = _lingua(candidates)
    if detector is None:
        return None
    found = detector.detect_language_of(text)
    return found.iso_code_639_1.name.lower() if found is not None else None


def langdetect_language(text: str, candidates: tuple[str, ...]) -> str | None:
    with _lock:  # langdetect factories are not thread-safe
        try:
            detector = _factory(candidates).create()
            detector.append(text[:2000])
            code = detector.detect()
        except LangDetectException:
            return None  # no features (digits, punctuation): caller falls back
    return {"zh-cn": "zh", "zh-tw": "zh"}.get(code, code)


def detect(text: str, candidates: tuple[str, ...], default: str = "en") -> str:
    """The language of a text among the candidates; `default` when there is nothing to go on."""
    if not _WORD.search(text):
        return default
    by_script = script_language(text, candidates)
    if by_script:
        return by_script
    if len(text.split()) <= SHORT_TEXT_WORDS:
        short = short_text_language(text, candidates)
        if short:
            return short
    scores = stopword_scores(text, candidates)
    if scores:
        ranked = sorted(scores.items(), key=lambda kv: -kv[1])
        best, n1 = ranked[0]
        n2 = ranked[1][1] if len(ranked) > 1 else 0
        # Clear winner: several function words and at least three times the runner-up.
        if n1 >= 4 and n1 >= 3 * n2:
            return best
    return langdetect_language(text, candidates) or default


DOCUMENT_FEW_WORDS = 12  # a document of fewer words (a title-only record) is "short"
SURE_SHORT = 0.9  # lingua's confidence that settles a short document's language


def document_language(text: str, candidates: tuple[str, ...], default: str) -> str:
    """The language of a whole document's text. A document of a few words (a record with a
    title only) names its language only when the evidence is clear: its script, two or more
    function words of one language only and at least twice another's (words several
    languages share, `a`, `as`, `in`, `la`, say nothing: "a study of a second order sampling
    servo" has more Portuguese function words than English ones), or lingua at SURE_SHORT.
    Otherwise the deployment's `default_lang` is the better guess: "atomic hydrogen maser",
    "diode amplifier" and "a radio telescope" are English to a reader but French, German or
    Spanish to n-gram models (39 of the 11,429 Vaswani abstracts were indexed and stemmed as
    such). Staff see the language before confirming an upload; a catalog can state it."""
    words = _WORD.findall(text)
    if len(words) >= DOCUMENT_FEW_WORDS:
        return detect(text, candidates, default=default)
    if not words:
        return default
    by_script = script_language(text, candidates)
    if by_script:
        return by_script
    scores = sorted(_exclusive_scores(words, candidates).items(), key=lambda kv: -kv[1])
    if scores and scores[0][1] >= 2 and (len(scores) == 1 or scores[0][1] >= 2 * scores[1][1]):
        return scores[0][0]
    detector = _lingua(candidates)
    if detector is not None:
        best = detector.compute_language_confidence_values(text)
        if best and best[0].value >= SURE_SHORT:
            return best[0].language.iso_code_639_1.name.lower()
    return default


def _exclusive_scores(words: list[str], candidates: tuple[str, ...]) -> dict[str, int]:
    """Function words of each candidate language that no other listed language has, counted."""
    lowered = [w.lower() for w in words]
    return {lang: sum(1 for w in lowered if w in _exclusive(lang))
            for lang in candidates if lang in STOPWORDS}


@cache
def _exclusive(lang: str) -> frozenset[str]:
    """The language's function words that no other list has (not only the candidates': `a`
    is Italian and English as well as Portuguese)."""
    return _stopset(lang).difference(*(_stopset(k) for k in STOPWORDS if k != lang))


def passage_language(text: str, doc_lang: str, candidates: tuple[str, ...],
                     min_chars: int = 120) -> str:
    """A passage's language: short passages inherit the document's; others are checked,
    and the document's language is kept unless the text clearly says otherwise."""
    if len(text) < min_chars:
        return doc_lang
    by_script = script_language(text, candidates)
    if by_script:
        return by_script
    scores = stopword_scores(text, candidates)
    if doc_lang in scores and scores:
        mine = scores[doc_lang]
        other = max((n for k, n in scores.items() if k != doc_lang), default=0)
        # Keep the document's language unless another one's function words clearly win
        # (tables and lists have few function words of any language).
        if mine >= other or other < 3:
            return doc_lang
    return detect(text, candidates, default=doc_lang)
