"""Queries mean what they say (issue 11, item 4): NOT excludes and AND requires, in every field
and in the expansions; accent-free typing finds the same passages; did-you-mean offers real
words of the query's language, never for syntax, and only when it finds more; wildcard and
fuzzy results are ranked and marked; unknown filters and pages past the end are refused with
a reason. A real index of real files in a temporary folder."""

from __future__ import annotations

import re

import pytest

from indexer import config, library
from indexer.errors import QueryError
from indexer.search.service import SearchRequest, SearchService
from search_app import create_app

EN = """A/99/L.1
Migration and cities
1. Migration policy is planned with local authorities in every region of the country.
2. Migration and refugees are both addressed by the national plan for local authorities.
3. Refugees in camps receive protection and assistance from the international community.
4. Remittances sent by migrants support families; migrants send remittances every month.
5. Migrants contribute to development in countries of origin and destination alike.
6. Migration statistics, migratory routes and migrant workers are described in the annex.
7. The migratory pressure on one border crossing was measured once in the year.
"""

FR = """A/99/L.1
Migrations et villes
1. Les autorités locales planifient l’accueil des migrants avec les ministères nationaux.
2. Le développement des villes dépend des autorités locales et de la société civile.
3. La migration des réfugiés vers les villes est suivie par les autorités de la région.
4. L’autorité de chaque État sur ses frontières est respectée par la coopération.
"""

ES = """A/99/L.1
Migración y ciudades
1. La migración ordenada requiere la cooperación de las autoridades locales en cada región.
2. Las remesas de los migrantes apoyan a las familias en los países de origen.
"""


@pytest.fixture(scope="module")
def svc(tmp_path_factory) -> SearchService:
    root = tmp_path_factory.mktemp("semantics")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "cities.en.txt").write_text(EN, encoding="utf-8")
    (corpus / "villes.fr.txt").write_text(FR, encoding="utf-8")
    (corpus / "ciudades.es.txt").write_text(ES, encoding="utf-8")
    settings = config.load(index_dir=str(root / "data"))
    report = library.build(corpus, settings, workers=1)
    assert not report.of("refused")
    return SearchService(settings)


def ids(res) -> set[str]:
    return {h.passage.passage_id for h in res.hits}


def texts(res) -> list[str]:
    return [h.passage.text for h in res.hits]


def test_not_excludes_in_every_field_and_language(svc):
    plain = svc.search(SearchRequest(q="migration", per_page=100))
    without = svc.search(SearchRequest(q="migration NOT refugees", per_page=100))
    assert without.hits and without.total < plain.total
    for text in texts(without):
        # neither the English word nor its French form (reached through the expansion)
        assert not re.search(r"refugee|réfugié", text, re.I), text
    assert ids(svc.search(SearchRequest(q="migration -refugees", per_page=100))) == ids(without)


def test_and_requires_every_word(svc):
    res = svc.search(SearchRequest(q="migrants AND remittances", per_page=100))
    assert res.hits
    for text in texts(res):
        assert re.search(r"migrant", text, re.I) and re.search(r"remittance|remesa", text,
                                                               re.I), text


@pytest.mark.parametrize("typed,accented", [
    ("autorites", "autorités"),  # the singular `autorité` too, as the accented word finds
    ("autorites locales", "autorités locales"),
    ("developpement", "développement"),
    ("migracion ordenada", "migración ordenada"),
])
def test_accent_free_typing_finds_the_same_passages(svc, typed, accented):
    a = svc.search(SearchRequest(q=accented, per_page=100))
    b = svc.search(SearchRequest(q=typed, per_page=100))
    assert a.hits and ids(a) == ids(b) and a.total == b.total


def test_no_suggestion_for_words_the_index_has_or_for_syntax(svc):
    # `ministère`: only the plural is in the texts, but the stem is: not a misspelling
    for q in ("autorités locales", "autorites locales", "ministère", "migra*", "migr\x00ants",
              "refugee~", "lang:fr migration", '"local authorities"'):
        assert svc.search(SearchRequest(q=q)).suggestion == "", q


def test_suggestion_is_a_real_word_in_the_query_language(svc):
    assert svc.search(SearchRequest(q="remitances")).suggestion == "remittances"
    # a French misspelling gets the French word as written, accents and all (`Ministres`
    # is a word: no longer "corrected")
    assert svc.search(SearchRequest(q="Minisères")).suggestion == "Ministères"
    assert svc.search(SearchRequest(q="Ministres")).suggestion == ""
    assert svc.search(SearchRequest(q="les planifent")).suggestion == "les planifient"


def test_suggestion_only_when_it_finds_more(svc):
    doc = next(h.document.doc_id for h in svc.search(SearchRequest(q="villes")).hits
               if h.passage.lang == "fr")
    # within the French document the corrected word finds nothing either: no suggestion
    res = svc.search(SearchRequest(q="remitances", doc=doc))
    assert res.total == 0 and res.suggestion == ""


def test_wildcard_and_fuzzy_results_are_ranked_and_marked(svc):
    for q in ("migra*", "migrnts~"):
        res = svc.search(SearchRequest(q=q, per_page=20))
        assert len(res.hits) >= 3, q
        scores = [h.score for h in res.hits]
        assert scores == sorted(scores, reverse=True) and len(set(scores)) > 1, (q, scores)
        assert all("<mark>" in h.snippet for h in res.hits), q
    # the passage with several words of the pattern ranks above one with a single one
    res = svc.search(SearchRequest(q="migra*", lang="en", per_page=20))
    first = [h.passage.text for h in res.hits]
    assert first.index(EN.splitlines()[7]) < first.index(EN.splitlines()[8])


def test_unknown_filters_and_pages_past_the_end_are_refused(svc):
    with pytest.raises(QueryError, match="unknown language 'xx'"):
        svc.search(SearchRequest(q="migration lang:xx"))
    with pytest.raises(QueryError, match="unknown language 'xx'"):
        svc.search(SearchRequest(q="migration", lang="xx"))
    with pytest.raises(QueryError, match="unknown series 'ZZZ'"):
        svc.search(SearchRequest(q="migration series:ZZZ"))
    with pytest.raises(QueryError, match="page 999 is past the end"):
        svc.search(SearchRequest(q="migration", page=999))
    # deeper than the results a search ranks (max_result_depth): refused before the engine
    with pytest.raises(QueryError, match="page 999999 of 10 results goes deeper"):
        svc.search(SearchRequest(q="migration", page=999999))


def test_the_api_answers_those_with_a_400_and_the_reason(svc):
    app = create_app({"SETTINGS": svc.settings, "TESTING": True, "JOB_WORKER": False})
    client = app.test_client()
    for url, reason in (("/api/search?q=migration&lang=xx", "unknown language"),
                        ("/api/search?q=migration+series:ZZZ", "unknown series"),
                        ("/api/search?q=migration&page=999", "past the end")):
        r = client.get(url)
        assert r.status_code == 400 and reason in r.get_json()["error"]["message"], url
    r = client.get("/search?q=migration&page=999")
    assert r.status_code == 400 and "past the end" in r.get_data(as_text=True)
