"""Search basics as properties of the real corpus (issue 18), on both engines.

One index per engine of ../shared/corpus, ../shared/corpus-pdf and a fixed slice of
../shared/unga, built once per session. With a fixed seed:
- quoted phrases sampled from the passages of every language are found, and every hit of a
  quoted search holds the phrase (case, accents, punctuation and spacing aside);
- every symbol of the corpus MANIFEST, as written and in lower case (and `resolution 70/1`,
  `70/1`), brings its document first, without changing the query's language;
- the first k results of `per_page=k` are the first k of `per_page=2k`, with the same
  language versions, for k from 1 to 20;
- a result shown in another language than the query's has no version in the query's
  language that matches the query too.
Skipped when ../shared is absent.
"""

from __future__ import annotations

import csv
import json
import random
import re
import unicodedata
from collections import Counter

import pytest
from alert_queries import saved_queries
from conftest import SHARED

from indexer import config, library
from indexer.search.service import SearchRequest, SearchService

pytestmark = [pytest.mark.shared, pytest.mark.slow]

SEED = 18
UNGA_SLICE = 120  # UNGA texts beside the corpus: scale, and English from other decades
PHRASES = {"en": 500, "fr": 300, "es": 300}  # >= 1,000 phrases in all, each language's own
PHRASE_PAGE = 100  # hits of each quoted search checked for the phrase


def _folded_words(text: str) -> list[str]:
    """The oracle's words: letters and digits, case and accents folded (independent of the
    engines' analysis)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.findall(r"[^\W_]+", plain)


def holds(text: str, phrase: str) -> bool:
    """Whether `text` holds the words of `phrase` in a row."""
    words = " ".join(_folded_words(phrase))
    return bool(words) and f" {words} " in f" {' '.join(_folded_words(text))} "


@pytest.fixture(scope="session", params=["tantivy", "whoosh"])
def corpus_service(request, tmp_path_factory) -> SearchService:
    """A SearchService over one engine's index of the shared material (built once)."""
    for part in ("corpus", "corpus-pdf", "unga/texts"):
        if not (SHARED / part).exists():
            pytest.skip(f"shared data not available: {SHARED / part}")
    root = tmp_path_factory.mktemp(f"props-{request.param}")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "corpus").symlink_to(SHARED / "corpus")
    (corpus / "corpus-pdf").symlink_to(SHARED / "corpus-pdf")
    unga = corpus / "unga"
    unga.mkdir()
    names = sorted(p.name for p in (SHARED / "unga" / "texts").iterdir())
    for name in random.Random(SEED).sample(names, UNGA_SLICE):
        (unga / name).symlink_to(SHARED / "unga" / "texts" / name)
    settings = config.load(index_dir=str(root / "data"), engine=request.param,
                           result_cache=0)
    report = library.build(corpus, settings, workers=2)
    assert report.of("indexed"), "nothing was indexed"
    return SearchService(settings)


def _passages(service: SearchService) -> list:
    out = []
    for doc in service.documents():
        _doc, passages = service.get_document(doc.doc_id)
        out.extend(passages)
    return out


def sample_phrases(service: SearchService) -> list[tuple[str, str, str]]:
    """(language, phrase, passage id): word spans of 3 to 8 words, as a person copies them
    from a passage (whole words, punctuation inside kept), per language."""
    rng = random.Random(SEED)
    by_lang: dict[str, list] = {}
    for p in sorted(_passages(service), key=lambda p: p.passage_id):
        if len(p.text.split()) >= 8 and len(_folded_words(p.text)) >= 8:
            by_lang.setdefault(p.lang, []).append(p)
    out = []
    for lang, n in PHRASES.items():
        pool = by_lang.get(lang, [])
        assert len(pool) >= 50, f"too few {lang} passages to sample"
        # a small pool (the French and Spanish texts) gives several spans of a passage
        picks: list = []
        while len(picks) < n:
            picks += rng.sample(pool, min(n - len(picks), len(pool)))
        for p in picks:
            pieces = p.text.split()
            size = rng.randint(3, 8)
            start = rng.randrange(0, len(pieces) - size + 1)
            phrase = " ".join(pieces[start:start + size]).strip(".,;:()[]\"'“”«»")
            phrase = phrase.replace('"', " ")
            if len(_folded_words(phrase)) >= 2 and (lang, phrase, p.passage_id) not in out:
                out.append((lang, phrase, p.passage_id))
    return out


def test_quoted_phrases_are_found_and_every_hit_holds_them(corpus_service):
    phrases = sample_phrases(corpus_service)
    assert len(phrases) >= 1000
    missed, wrong, checked_hits = [], [], 0
    for lang, phrase, _pid in phrases:
        result = corpus_service.search(SearchRequest(q=f'"{phrase}"', per_page=PHRASE_PAGE))
        expansions = [t for terms in result.expansions.values() for t in terms]
        if not any(holds(h.passage.text, phrase) for h in result.hits):
            missed.append((lang, phrase))
        for h in result.hits:
            checked_hits += 1
            if not holds(h.passage.text, phrase) and not any(
                    holds(h.passage.text, t) for t in expansions):
                wrong.append((phrase, h.passage.passage_id))
    print(f"\n{corpus_service.settings.engine}: {len(phrases)} phrases, "
          f"{len(phrases) - len(missed)} found, {checked_hits} hits checked, "
          f"{len(wrong)} without the phrase")
    assert not missed, f"{len(missed)} of {len(phrases)} phrases not found: {missed[:10]}"
    assert not wrong, f"{len(wrong)} hits without their phrase: {wrong[:10]}"


def test_phrases_in_the_same_language_only(corpus_service):
    """--same-language keeps the phrase's own passages (it found nothing on tantivy)."""
    phrases = sample_phrases(corpus_service)[::5]
    told = 0
    for lang, phrase, _pid in phrases:
        result = corpus_service.search(SearchRequest(q=f'"{phrase}"', same_language=True))
        assert all(h.passage.lang == result.query_lang for h in result.hits)
        if result.query_lang == lang:  # "Final Document, Part I" may be told apart wrongly
            told += 1
            assert any(holds(h.passage.text, phrase) for h in result.hits), (lang, phrase)
    assert told >= 0.9 * len(phrases)


@pytest.mark.parametrize("phrase", [
    "Everyone has the right to education",
    "equal before the law",
    "Involve and support local authorities in the identification of needs",
    "and in this",
    "à ce que sa",
])
def test_known_phrases(corpus_service, phrase):
    for same in (False, True):
        result = corpus_service.search(SearchRequest(q=f'"{phrase}"', same_language=same))
        assert result.hits, (phrase, same)
        assert all(holds(h.passage.text, phrase) for h in result.hits), phrase


def test_phrase_across_a_copied_line_break_hyphen(corpus_service):
    """A phrase copied from a printed page with a line-break hyphen (`develop- ment`)
    finds the passage, whose text is de-hyphenated."""
    result = corpus_service.search(SearchRequest(q='"sustainable develop- ment"'))
    assert result.hits
    assert all(holds(h.passage.text, "sustainable development") for h in result.hits)


def manifest_symbols() -> list[str]:
    path = SHARED / "corpus" / "MANIFEST.tsv"
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    return sorted({r["UN symbol"].strip() for r in rows if r.get("UN symbol", "").strip()})


def test_every_manifest_symbol_brings_its_document_first(corpus_service):
    symbols = manifest_symbols()
    assert len(symbols) >= 10
    typed = [(s, s) for s in symbols] + [(s.lower(), s) for s in symbols] + [
        ("resolution 70/1", "A/RES/70/1"), ("70/1", "A/RES/70/1"),
        ("A/RES/217 (III)", "A/RES/217(III)"), ("résolution 217 (III)", "A/RES/217(III)")]
    failed = []
    for query, symbol in typed:
        result = corpus_service.search(SearchRequest(q=query))
        first = result.hits[0].document.meta.symbol if result.hits else ""
        if first.replace(" ", "").upper() != symbol.replace(" ", "").upper():
            failed.append((query, first))
        # the symbol says nothing of the query's language
        assert result.query_lang in ("", corpus_service.settings.default_lang), (
            query, result.query_lang)
    print(f"\n{corpus_service.settings.engine}: {len(typed) - len(failed)} of {len(typed)} "
          f"typed symbols bring their document first")
    assert not failed, failed


def test_a_symbol_with_words_keeps_their_language(corpus_service):
    result = corpus_service.search(SearchRequest(q="A/73/L.66 autorités locales"))
    assert result.query_lang == "fr"
    assert result.hits[0].document.meta.symbol == "A/73/L.66"


def test_passages_citing_a_symbol_follow_its_document(corpus_service):
    """After the document's own passages (all of them) come passages that cite it, as
    `A/RES/70/1` or `resolution 70/1`."""
    symbols_seen = []
    for page in range(1, 11):
        result = corpus_service.search(SearchRequest(q="A/RES/70/1", per_page=100, page=page))
        symbols_seen += [(h.document.meta.symbol, h.passage.text) for h in result.hits]
        if len(result.hits) < 100 or symbols_seen[-1][0] != "A/RES/70/1":
            break
    own = [s == "A/RES/70/1" for s, _t in symbols_seen]
    first_other = own.index(False)
    assert not any(own[first_other:]), "the document's passages are not all first"
    assert all(re.search(r"70/1\b", t) for _s, t in symbols_seen[first_other:])


PAGE_QUERIES = ["Article 14 asylum", "local authorities", "autorités locales",
                "migrantes derechos", "policy coherence", '"sustainable development"',
                "remittances", "mainstreaming migration into development planning"]


@pytest.mark.parametrize("q", PAGE_QUERIES)
def test_page_size_changes_only_the_count(corpus_service, q):
    full = corpus_service.search(SearchRequest(q=q, per_page=40))

    def shown(hits):
        return [(h.passage.passage_id, tuple(sorted(h.versions.items()))) for h in hits]

    for k in range(1, 21):
        small = corpus_service.search(SearchRequest(q=q, per_page=k))
        double = corpus_service.search(SearchRequest(q=q, per_page=2 * k))
        assert shown(small.hits) == shown(double.hits)[:k] == shown(full.hits)[:k], (q, k)
        assert small.total == double.total


def _matches(service: SearchService, q: str, passage_id: str) -> bool:
    """Whether the passage is among the results of `q` within its own document (shown, or
    folded into a shown passage as a copy)."""
    doc_id = service.get_passage(passage_id)[1].doc_id
    page, total = 1, 1
    while (page - 1) * 100 < total:
        res = service.search(SearchRequest(q=q, doc=doc_id, per_page=100, page=page))
        for h in res.hits:
            if passage_id in (h.passage.passage_id, *(c["passage_id"] for c in h.copies)):
                return True
        page, total = page + 1, res.total
    return False


def test_paragraphs_are_shown_in_the_query_language_where_it_matches(corpus_service):
    """A result shown in another language than the query's has no version in the query's
    language that matches the query too: the dev queries, the page-size queries and 150
    saved-search queries (thesaurus terms in en/fr/es, phrases, AND, NOT, wildcards; fixed
    seed), first 50 results each."""
    dev = [json.loads(line)["q"] for line in
           (SHARED / "dev-queries" / "queries.jsonl").read_text("utf-8").splitlines() if line]
    checked = 0
    for q in [*dev, *PAGE_QUERIES, *saved_queries(150, seed=SEED)]:
        res = corpus_service.search(SearchRequest(q=q, per_page=50))
        for h in res.hits:
            other = h.versions.get(res.query_lang)
            if h.passage.lang != res.query_lang and other:
                checked += 1
                assert not _matches(corpus_service, q, other), (q, h.passage.passage_id, other)
    assert checked >= 100  # cross-language hits with a version in the query's language


def test_one_text_in_two_formats_is_one_document(corpus_service):
    """The UDHR and the SDG list come as HTML and as PDF in each language: each language's
    text is one document in search, offering both files, its language versions once."""
    docs = corpus_service.documents()
    shown = [(d.meta.symbol, d.meta.lang) for d in docs
             if d.meta.symbol in ("A/RES/217(III)", "A/RES/70/1")]
    assert sorted(shown) == sorted(set(shown)) and len(shown) == 6, shown
    for d in docs:
        if d.meta.symbol in ("A/RES/217(III)", "A/RES/70/1"):
            formats = {d.format, *(a.format for a in corpus_service.alternates(d.doc_id))}
            assert formats == {"html", "pdf"}, (d.file, formats)
    result = corpus_service.search(SearchRequest(q="Article 14 asylum", per_page=20))
    udhr = [h for h in result.hits if h.document.meta.symbol == "A/RES/217(III)"]
    assert len({h.passage.label for h in udhr}) == len(udhr), "a UDHR article shown twice"
    top = udhr[0]
    assert top.passage.label == "Article 14"
    assert sorted(top.versions) == ["es", "fr"], top.versions


# -- did-you-mean in the query's language ---------------------------------------------------

SPELL_WORDS = 60  # misspelt words per language (each alone and among its neighbours)
SPELL_CORRECT = 80  # correct words and phrases per language and source
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _fold(word: str) -> str:
    return " ".join(_folded_words(word))


def _vocabulary(lines: list[str]) -> Counter:
    return Counter(w for line in lines for w in re.findall(r"[^\W\d_]+", line.casefold()))


def _parallel(lang: str) -> list[str]:
    path = SHARED / "parallel" / f"unpc-v1.0-devset.{lang}.txt"
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def _misspell(word: str, rng: random.Random) -> str:
    """One edit (a letter left out, added, changed, or two swapped), after the first two
    letters: the typing slips people make (the first letters are rarely wrong)."""
    i = rng.randrange(2, len(word))
    kind = rng.choice(("delete", "insert", "replace", "swap"))
    if kind == "delete":
        return word[:i] + word[i + 1:]
    if kind == "insert":
        return word[:i] + rng.choice(_LETTERS) + word[i:]
    if kind == "replace":
        return word[:i] + rng.choice(_LETTERS.replace(word[i], "")) + word[i + 1:]
    if i == len(word) - 1:
        i -= 1
    return word[:i] + word[i + 1] + word[i] + word[i + 2:]


def _is_a_word(word: str, languages: list[str]) -> bool:
    """Whether wordfreq lists `word` among the words people write in one of `languages`
    (`froze`, `concerne`, `metre` are words, not slips)."""
    from wordfreq import zipf_frequency

    return any(zipf_frequency(word, lang) >= 2.0 for lang in languages if lang != "zh")


def _spelling_cases(service: SearchService, lang: str):
    """(typed query, intended query, index of the misspelt word) with a fixed seed: words of
    six letters or more from the language's passages, misspelt so that the result is no word:
    none of the index (any language), of the UN sentences in en/fr/es, or of the word lists
    of the configured languages; alone and with the words around it in the passage."""
    rng = random.Random(f"{SEED}-spell-{lang}")
    everything = sorted(_passages(service), key=lambda p: p.passage_id)
    passages = [p for p in everything if p.lang == lang]
    known = _vocabulary([p.text for p in everything])
    for other in ("en", "fr", "es"):
        known += _vocabulary(_parallel(other))
    known_folded = {_fold(w) for w in known}
    languages = service.settings.language_list
    cases = []
    while len(cases) < SPELL_WORDS:
        p = rng.choice(passages)
        words = p.text.split()
        i = rng.randrange(len(words))
        word = words[i].strip(".,;:()[]\"'“”«»")
        if not (len(word) >= 6 and word.isalpha() and word.islower()):
            continue
        typo = _misspell(word, rng)
        if _fold(typo) in known_folded or _is_a_word(typo, languages):
            continue
        context = [w.strip(".,;:()[]\"'“”«»") for w in words[max(0, i - 1):i + 2]]
        if not all(c.isalpha() for c in context):
            continue
        at = context.index(word)
        typed = context[:at] + [typo] + context[at + 1:]
        cases.append(([typo], [word], 0))
        if len(context) > 1:
            cases.append((typed, context, at))
    return cases


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_did_you_mean_restores_one_edit_misspellings(corpus_service, lang):
    """A one-edit slip is corrected back to the word meant, in its language (>= 90 %), and the
    other words of the query stay as typed."""
    cases = _spelling_cases(corpus_service, lang)
    restored, changed_others = 0, []
    for typed, meant, at in cases:
        suggestion = corpus_service.search(SearchRequest(q=" ".join(typed))).suggestion
        got = suggestion.split() if suggestion else typed
        if len(got) == len(meant) and _fold(got[at]) == _fold(meant[at]):
            restored += 1
        others = [(g, t) for k, (g, t) in enumerate(zip(got, typed, strict=False)) if k != at]
        if len(got) != len(typed) or any(g != t for g, t in others):
            changed_others.append((typed, suggestion))
    share = restored / len(cases)
    print(f"\n{corpus_service.settings.engine} {lang}: {restored} of {len(cases)} misspellings "
          f"restored ({share:.0%})")
    assert not changed_others, changed_others[:10]
    assert share >= 0.9, share


def _correct_queries(service: SearchService, lang: str) -> list[tuple[str, set[str]]]:
    """(query, its real words) with a fixed seed: single words and 2-6 word spans, from the
    language's passages in the index and from UN sentences in that language (words the index
    may not hold). A word is real when the index or the UN sentences have it twice."""
    rng = random.Random(f"{SEED}-correct-{lang}")
    passages = [p.text for p in sorted(_passages(service), key=lambda p: p.passage_id)
                if p.lang == lang]
    sentences = _parallel(lang)
    known = _vocabulary(passages) + _vocabulary(sentences)
    real = {w for w, n in known.items() if n >= 2}
    out = []
    for source in (passages, sentences):
        for _ in range(SPELL_CORRECT):
            words = [w.strip(".,;:()[]\"'“”«»?!") for w in rng.choice(source).split()]
            words = [w for w in words if w.isalpha()]
            if not words:
                continue
            size = rng.choice((1, 1, 2, 3, 4, 6))
            start = rng.randrange(max(1, len(words) - size + 1))
            span = words[start:start + size]
            out.append((" ".join(span), {w for w in span if w.casefold() in real}))
    return out


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_did_you_mean_leaves_real_words_alone(corpus_service, lang):
    """No suggestion changes a word of the language: `approche pangouvernementale`,
    `enfoque pangubernamental`, `cohérence horizontale et verticale` keep their words."""
    queries = _correct_queries(corpus_service, lang)
    queries += {"fr": [("approche pangouvernementale", {"approche"}),
                       ("cohérence horizontale et verticale des politiques",
                        {"cohérence", "horizontale", "et", "verticale", "des", "politiques"})],
                "es": [("enfoque pangubernamental", {"enfoque"})],
                "en": [("whole-of-government approach", {"whole", "of", "government",
                                                         "approach"})]}[lang]
    false = []
    for q, real in queries:
        suggestion = corpus_service.search(SearchRequest(q=q)).suggestion
        if not suggestion:
            continue
        kept = {w.casefold() for w in suggestion.split()}
        lost = {w for w in real if w.casefold() not in kept}
        if lost:
            false.append((q, suggestion))
    print(f"\n{corpus_service.settings.engine} {lang}: {len(false)} false suggestions in "
          f"{len(queries)} correct queries")
    assert not false, false
