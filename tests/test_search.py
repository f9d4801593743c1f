"""Search on a real index of the shipped samples: ranking, syntax, filters, cross-language,
versions, suggestions, escaping, bad queries."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from indexer import config, library
from indexer.errors import QueryError
from indexer.search.service import SearchRequest, SearchService


@pytest.fixture(scope="module")
def svc(samples_index):
    return SearchService(samples_index)


def texts(res):
    return [" ".join(h.passage.text.split()) for h in res.hits]


def test_natural_language_query_with_a_missing_word_still_ranks(svc):
    res = svc.search(SearchRequest(q="local authorities integration zzzunknownword"))
    assert res.total > 0


def test_all_words_rank_above_some(svc):
    res = svc.search(SearchRequest(q="local authorities migration governance", per_page=20))
    top = res.hits[0].passage.text.lower()
    assert "local" in top and "migra" in top


def test_exact_phrase(svc):
    res = svc.search(SearchRequest(q='"relationship between policy areas"', expand=False))
    assert res.total > 0
    assert all("relationship between policy areas" in t.lower() for t in texts(res))


def test_accent_free_query_finds_accented_text(svc):
    res = svc.search(SearchRequest(q="autorites locales", lang="fr"))
    assert res.total > 0 and "autorités locales" in " ".join(texts(res)).lower()


def test_french_query_finds_english_passages_through_the_thesaurus(svc):
    res = svc.search(SearchRequest(q="transferts de fonds", per_page=20))
    assert res.query_lang == "fr"
    assert "en" in res.expansions
    assert any(h.passage.lang == "en" and "remittance" in h.passage.text.lower()
               for h in res.hits)


def test_same_language_switch(svc):
    res = svc.search(SearchRequest(q="autoridades locales", same_language=True))
    assert res.total > 0 and all(h.passage.lang == "es" for h in res.hits)
    assert res.expansions == {}


def test_filters_in_query_and_parameters(svc):
    res = svc.search(SearchRequest(q="migration lang:en"))
    assert res.total > 0 and all(h.passage.lang == "en" for h in res.hits)
    res = svc.search(SearchRequest(q="migration", year="2020-2030", series="other"))
    assert res.total > 0
    assert svc.search(SearchRequest(q="migration", year="1990")).total == 0
    with pytest.raises(QueryError):
        svc.search(SearchRequest(q="migration", year="last year"))


def test_facets_count_series_lang_year_doc(svc):
    res = svc.search(SearchRequest(q="migration"))
    assert set(res.facets) == {"series", "lang", "year", "doc", "cites"}
    # facets count passages; the total counts results, one per paragraph across languages
    assert sum(res.facets["lang"].values()) >= res.total > 0


def test_language_versions_link_the_same_paragraph(svc):
    res = svc.search(SearchRequest(q="local authorities", lang="en", per_page=20))
    linked = [h for h in res.hits if h.versions]
    assert linked, "the en/fr/es samples share paragraph numbers"
    h = linked[0]
    for lang, pid in h.versions.items():
        other, _ = svc.get_passage(pid)
        assert other.lang == lang and other.label == h.passage.label


def test_did_you_mean(svc):
    res = svc.search(SearchRequest(q="remittanses"))
    assert res.suggestion == "remittances"


def test_topic_preset(svc):
    res = svc.search(SearchRequest(q="", topic="local-authorities"))
    assert res.total > 0
    with pytest.raises(QueryError):
        svc.search(SearchRequest(q="", topic="no-such-topic"))


def test_more_like_this(svc):
    first = svc.search(SearchRequest(q="diaspora remittances")).hits[0]
    similar = svc.more_like_this(first.passage.passage_id)
    assert similar and all(h.passage.passage_id != first.passage.passage_id for h in similar)


def test_duplicate_copies_do_not_crowd_results(tmp_path, settings):
    c = tmp_path / "c"
    c.mkdir()
    body = "1. Mayors coordinate the reception of newcomers with national ministries.\n"
    (c / "a.txt").write_text(body)
    (c / "b.txt").write_text(body + "\n2. A second paragraph makes this file different.\n")
    library.build(c, settings, workers=1)
    res = SearchService(settings).search(SearchRequest(q="mayors reception newcomers"))
    assert res.total == 1


def test_snippets_escape_document_html(tmp_path, settings):
    c = tmp_path / "c"
    c.mkdir()
    (c / "x.txt").write_text("1. Migrants <script>alert(1)</script> and <img src=x "
                             "onerror=alert(1)> in cities.\n")
    library.build(c, settings, workers=1)
    hit = SearchService(settings).search(SearchRequest(q="migrants script")).hits[0]
    assert "<script" not in hit.snippet and "&lt;<mark>script</mark>&gt;" in hit.snippet
    assert "<img" not in hit.snippet and "&lt;img src=x onerror" in hit.snippet


def test_overlong_and_empty_queries_are_refused(svc):
    with pytest.raises(QueryError, match="limit"):
        svc.search(SearchRequest(q="a" * 1001))
    with pytest.raises(QueryError):
        svc.search(SearchRequest(q="   "))


@hsettings(max_examples=150, deadline=None,
           suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(list('ab "()*~:-^+[]{}\\/?!éß') + [
    "AND ", "OR ", "NOT ", "lang:", "series:", "year:", "TO ", "title:", "text_en:", "x~2",
    "a^3", "migra", "local "]), min_size=1, max_size=25).map("".join))
def test_any_query_text_gives_results_or_a_clear_error(svc, q):
    try:
        res = svc.search(SearchRequest(q=q))
    except QueryError as exc:
        assert str(exc)
    else:
        # a result, whatever the text: the first page of the results it counts, best first,
        # each passage once; none exactly when it counts none
        assert (res.query, res.page, res.per_page) == (q, 1, 10)
        assert (res.total == 0) == (res.hits == [])
        assert len(res.hits) <= min(res.total, res.per_page)
        ids = [h.passage.passage_id for h in res.hits]
        assert len(set(ids)) == len(ids)
        scores = [h.score for h in res.hits]
        assert scores == sorted(scores, reverse=True)
        # facets count passages, the total one result per paragraph across languages
        assert sum(res.facets["lang"].values()) >= res.total


def test_a_page_past_the_end_is_refused_with_the_number_of_pages(svc):
    res = svc.search(SearchRequest(q="migration", per_page=5))
    last = -(-res.total // 5)
    assert svc.search(SearchRequest(q="migration", per_page=5, page=last)).hits
    with pytest.raises(QueryError, match=f"page {last + 1} is past the end.*{last} pages"):
        svc.search(SearchRequest(q="migration", per_page=5, page=last + 1))
    with pytest.raises(QueryError, match="page 999 is past the end"):
        svc.search(SearchRequest(q="migration", page=999))
    # an empty first page is an answer (nothing found), not an error
    assert svc.search(SearchRequest(q="zzyzx")).hits == []


def test_facets_when_no_document_has_a_year_and_several_segments(tmp_path, settings):
    c = tmp_path / "c"
    c.mkdir()
    for i in range(6):
        (c / f"n{i}.txt").write_text(f"1. Note {i} on circular migration and skills.\n")
    library.build(c, settings, workers=1, index_procs=2)
    svc = SearchService(settings)
    res = svc.search(SearchRequest(q="circular migration"))
    assert res.total == 6 and res.facets["year"] == {}
    extra = tmp_path / "later.txt"
    extra.write_text("1. A later note on circular migration, added without a rebuild.\n")
    library.add([extra], settings, sidecar=None)
    assert svc.search(SearchRequest(q="circular migration")).total == 7


def test_repeated_requests_are_answered_from_the_cache_until_the_index_changes(tmp_path,
                                                                             settings):
    c = tmp_path / "c"
    c.mkdir()
    (c / "a.txt").write_text("1. Mayors coordinate the reception of newcomers in cities.\n")
    library.build(c, settings, workers=1)
    service = SearchService(settings)
    first = service.search(SearchRequest(q="newcomers"))
    again = service.search(SearchRequest(q="newcomers"))
    assert first.total == again.total == 1
    assert again.hits[0] is first.hits[0]  # the same result object: not searched again
    other_page = service.search(SearchRequest(q="newcomers", per_page=5))
    assert other_page.hits[0] is not first.hits[0]  # another request, its own entry
    b = tmp_path / "b.txt"
    b.write_text("1. Newcomers are welcomed by local authorities and civil society.\n")
    library.add([b], settings)
    after = service.search(SearchRequest(q="newcomers"))
    assert after.total == 2  # the change is seen at once: the cache was dropped


def test_no_result_cache_when_its_size_is_zero(tmp_path):
    c = tmp_path / "c"
    c.mkdir()
    (c / "a.txt").write_text("1. Mayors coordinate the reception of newcomers in cities.\n")
    settings = config.load(index_dir=str(tmp_path / "data"), result_cache=0)
    library.build(c, settings, workers=1)
    service = SearchService(settings)
    first = service.search(SearchRequest(q="newcomers"))
    assert service.search(SearchRequest(q="newcomers")).hits[0] is not first.hits[0]


def test_function_words_name_the_query_language_even_when_another_shares_one(svc):
    # `in` is German too, `of` only English: twice another language's count is enough
    assert svc.query_language_confidence(
        "USE OF PROGRAMS IN ENGINEERING TESTING OF COMPUTERS") == ("en", True)
    assert svc.query_language_confidence("derechos humanos de los migrantes") == ("es", True)
