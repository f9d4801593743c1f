"""The engine contract (indexer/engines/__init__.py), run on every engine: the same index
written and read through each, the same answers. Real indexes on disk, no mocks."""

from __future__ import annotations

import pytest

from indexer import analysis, engines
from indexer.errors import IndexOutOfDate
from indexer.models import DocMeta, Document, Passage
from indexer.query.plan import (
    And,
    AndMaybe,
    AndNot,
    DisMax,
    Filter,
    Fuzzy,
    MatchAll,
    MatchNone,
    Or,
    Phrase,
    Prefix,
    Range,
    Term,
)

ENGINES = list(engines.ENGINES)


def doc(doc_id: str, texts: list[str], lang: str = "en", series: str = "GCM",
        year: str = "2018", work: str = "", title: str = "") -> tuple[Document, list[Passage]]:
    d = Document(doc_id=doc_id, sha256=doc_id, file=f"{doc_id}.txt", format="text",
                 meta=DocMeta(title=title or f"Title {doc_id}", series=series, date=year,
                              lang=lang, symbol=f"A/{doc_id}", work=work))
    ps = [Passage(passage_id=f"{doc_id}-{i}", doc_id=doc_id, ordinal=i, text=t,
                  label=str(i + 1), lang=lang) for i, t in enumerate(texts)]
    return d, ps


@pytest.fixture(params=ENGINES)
def index(request, tmp_path):
    """(engine module, Index) of an empty index of each engine."""
    ix = engines.create(tmp_path, request.param)
    return ix.engine, ix


def terms(eng, kind, text):
    return eng.analyze(kind, text)


def ids(results) -> list[str]:
    return [f["passage_id"] for f, _ in results]


def en_term(eng, word: str) -> Term:
    return Term("text_en", terms(eng, "en", word)[0])


CORPUS = [
    doc("a", ["Local authorities coordinate the reception of migrants in cities.",
              "Remittances sent by migrant workers support families at home.",
              "The faster, safer and cheaper remittances objective of the compact."],
        year="2018"),
    doc("b", ["Refugees and migrants are received by local authorities and municipalities.",
              "Faster, safer and cheaper transfer of remittances is promoted."],
        series="UNGA", year="2020"),
    doc("c", ["Les autorités locales coordonnent l'accueil des migrants.",
              "Les transferts de fonds des travailleurs migrants soutiennent les familles."],
        lang="fr", year="2016", work="w1"),
]


def filled(index):
    eng, ix = index
    assert ix.add_documents(CORPUS) == 7
    return eng, ix


def test_add_count_and_replace_a_document(index):
    eng, ix = filled(index)
    assert ix.indexed_doc_ids() == {"a": 3, "b": 2, "c": 2}
    # adding a document again replaces its passages (one atomic batch)
    ix.add_documents([doc("a", ["Only one passage now about local authorities."])])
    assert ix.indexed_doc_ids() == {"a": 1, "b": 2, "c": 2}
    assert ix.delete_document("b") == 2
    assert ix.indexed_doc_ids() == {"a": 1, "c": 2}
    # clear=True replaces the whole index
    ix.add_documents([doc("z", ["A single new passage."])], clear=True)
    assert ix.indexed_doc_ids() == {"z": 1}


def test_reopened_index_answers_the_same(index, tmp_path):
    eng, ix = filled(index)
    again = engines.open_index(tmp_path)
    assert again.engine is eng and again.indexed_doc_ids() == ix.indexed_doc_ids()
    rd = eng.reader(again.handle)
    assert ids(rd.search(en_term(eng, "remittances"), 10))


def test_schema_version_is_checked(index, tmp_path):
    eng, _ix = filled(index)
    (eng.index_dir(tmp_path) / eng.VERSION_FILE).write_text("0")
    with pytest.raises(IndexOutOfDate, match="rebuild"):
        eng.open_index(tmp_path)


def test_terms_phrases_booleans(index):
    eng, ix = filled(index)
    rd = eng.reader(ix.handle)
    local = en_term(eng, "local")
    refugees = en_term(eng, "refugees")
    assert set(ids(rd.search(local, 10))) == {"a-0", "b-0"}
    assert ids(rd.search(And((local, refugees)), 10)) == ["b-0"]
    assert ids(rd.search(AndNot(local, refugees), 10)) == ["a-0"]
    assert set(ids(rd.search(Or((refugees, en_term(eng, "families"))), 10))) == {"b-0", "a-1"}
    assert ids(rd.search(MatchNone(), 10)) == []
    assert len(rd.search(MatchAll(), 10)) == 7
    # a stemmed word finds its other forms: `migrant` and `migrants`
    assert {"a-0", "a-1", "b-0"} <= set(ids(rd.search(en_term(eng, "migrant"), 10)))
    # the phrase exactly as typed (stop words aside) against the words merely near
    words = tuple(terms(eng, "en", "faster safer cheaper remittances"))
    assert ids(rd.search(Phrase("text_en", words, 0), 10)) == ["a-2"]
    assert set(ids(rd.search(Phrase("text_en", words, 3), 10))) == {"a-2", "b-1"}
    # DisMax and AndMaybe match what their children match
    neutral = Term("text_neutral", "autorites")
    assert set(ids(rd.search(DisMax((local, neutral), 0.2), 10))) == {"a-0", "b-0", "c-0"}
    assert set(ids(rd.search(AndMaybe(local, Term("title", "title")), 10))) == {"a-0", "b-0"}


def test_accent_folded_neutral_field_and_other_languages(index):
    eng, ix = filled(index)
    rd = eng.reader(ix.handle)
    fr = terms(eng, "fr", "autorités")
    assert ids(rd.search(Term("text_fr", fr[0]), 10)) == ["c-0"]
    # typed without accents, found through the neutral field
    assert terms(eng, analysis.NEUTRAL, "autorites") == terms(eng, analysis.NEUTRAL,
                                                              "autorités")
    assert ids(rd.search(Term("text_neutral", "autorites"), 10)) == ["c-0"]
    # an English field term never matches a French passage
    assert ids(rd.search(Term("text_en", fr[0]), 10)) == []


def test_prefix_fuzzy_filters_ranges(index):
    eng, ix = filled(index)
    rd = eng.reader(ix.handle)
    assert set(ids(rd.search(Prefix("text_neutral", "remit"), 10))) == {"a-1", "b-1", "a-2"}
    assert "a-1" in ids(rd.search(Fuzzy("text_neutral", "remitances", 1), 10))
    assert set(ids(rd.search(Filter(en_term(eng, "local"), Term("series", "UNGA")), 10))) == {
        "b-0"}
    in_range = rd.search(Filter(MatchAll(), Range("year", 2017, 2019)), 10)
    assert {f["doc_id"] for f, _ in in_range} == {"a"}
    # a filter selects without scoring: the same order as the query alone
    q = en_term(eng, "remittances")
    alone = ids(rd.search(q, 10))
    assert ids(rd.search(Filter(q, Term("lang", "en")), 10)) == alone
    by_date = rd.search(Filter(MatchAll(), Term("lang", "en")), 10, by_date=True)
    years = [f["year"] for f, _ in by_date]
    assert years == sorted(years, reverse=True)


def test_stored_fields_are_the_passage_record(index):
    eng, ix = filled(index)
    rd = eng.reader(ix.handle)
    (f, score), = rd.search(Term("passage_id", "c-0"), 1)
    assert f["content"].startswith("Les autorités") and f["lang"] == "fr"
    assert f["doc_id"] == "c" and f["label"] == "1" and f["label_key"] == "1"
    assert f["work"] == "w1" and f["series"] == "GCM" and f["year"] == 2016
    assert f["title"] == "Title c" and f["symbol"] == "A/c" and f["text_hash"]


def test_facets_count_matches_and_the_total_what_the_list_shows(index):
    eng, ix = filled(index)
    ix.add_documents([doc("d", ["Remittances sent by migrant workers support families at "
                                "home."], series="UNGA")])  # a copy of a-1's wording
    rd = eng.reader(ix.handle)
    q = Term("text_neutral", "remittances")
    facets, total = rd.facets(q)
    hits = rd.search(q, 10)
    assert len(hits) == 4  # a-1, a-2, b-1 and the copy
    assert total == 3  # the list shows the copy once
    assert facets["series"] == {"GCM": 2, "UNGA": 2}
    assert facets["lang"] == {"en": 4}
    assert facets["doc"] == {"a": 2, "b": 1, "d": 1}
    assert facets["year"] == {"2018": 3, "2020": 1}


def test_doc_frequency_and_close_words(index):
    eng, ix = filled(index)
    rd = eng.reader(ix.handle)
    assert rd.doc_frequency("text_neutral", "remittances") == 3
    assert rd.doc_frequency("text_neutral", "nowhere") == 0
    assert rd.fuzzy_terms("text_neutral", "remitances", 2, 2, 5) == ["remittances"]
    assert rd.fuzzy_terms("text_neutral", "zzzzzzzz", 2, 2, 5) == []


def test_reader_sees_a_commit_only_when_renewed(index):
    eng, ix = filled(index)
    rd = eng.reader(ix.handle)
    assert rd.up_to_date()
    ix.add_documents([doc("e", ["Diaspora engagement in development planning."])])
    assert not rd.up_to_date()
    fresh = eng.reader(ix.handle)
    assert fresh.up_to_date()
    assert ids(fresh.search(Term("text_neutral", "diaspora"), 5)) == ["e-0"]


def test_each_language_field_has_its_own_statistics(index, tmp_path):
    """The statistics trap: a language field filled only by the passages in that language
    must be averaged over those passages. A French passage scores the same alone and among
    many English ones (tantivy: one index per language; Whoosh: FieldBM25F)."""
    eng, ix = index
    french = [doc("fr", ["Les collectivités accueillent les nouveaux arrivants et "
                         "coordonnent les services publics avec les ministères.",
                         "Les communes publient un rapport."], lang="fr")]
    english = [doc(f"en{i}", [f"The committee reviewed item {i} of its agenda on budget, "
                              f"staffing and the calendar of meetings of the Assembly."] * 3)
               for i in range(40)]
    ix.add_documents(french)
    q = Term("text_fr", terms(eng, "fr", "services")[0])
    alone = eng.reader(ix.handle).search(q, 5)
    ix.add_documents(english)
    mixed = eng.reader(ix.handle).search(q, 5)
    assert ids(alone) == ids(mixed) == ["fr-0"]
    assert mixed[0][1] == pytest.approx(alone[0][1], rel=1e-4)


def test_analysis_is_the_languages(index):
    eng, _ix = index
    assert terms(eng, "en", "The migrants' remittances") == ["migrant", "remitt"]
    # Latin-script languages fold accents before stemming: typed without them, a word has
    # the accented word's stem
    assert terms(eng, "fr", "l’État et les collectivités") == ["etat", "collectivit"]
    assert terms(eng, "fr", "l'Etat et les collectivites") == ["etat", "collectivit"]
    assert terms(eng, "fr", "autorités") == terms(eng, "fr", "autorites") == ["autorit"]
    assert terms(eng, "es", "migración") == terms(eng, "es", "migracion")
    assert terms(eng, "ru", "миграции") == ["миграц"]  # other scripts keep their letters
    assert terms(eng, "es", "las autoridades locales") == ["autor", "local"]
    assert terms(eng, analysis.NEUTRAL, "Autorités de la Région") == ["autorites", "region"]
    assert terms(eng, "zh", "移民契约") == ["移民", "民契", "契约"]
    assert terms(eng, "en", "SDG 10.7 and COVID-19") == ["sdg", "10.7", "covid", "19"]


def test_the_cited_symbols_filter_and_count(index):
    """`cites`: the symbols a passage cites, any number of them, a filter and a facet (the
    symbols most cited by the matches), on every engine."""
    from indexer.models import Reference

    eng, ix = index
    d, ps = doc("r", ["Recalling resolution 70/1 on the 2030 Agenda and remittances.",
                      "Recalling resolution 71/1 and resolution 70/1 on remittances.",
                      "Remittances without any reference."])
    ps[0].references = [Reference("resolution 70/1", 10, 25, "A/RES/70/1")]
    ps[1].references = [Reference("resolution 71/1", 10, 25, "A/RES/71/1"),
                        Reference("resolution 70/1", 30, 45, "A/RES/70/1"),
                        Reference("an unknown body's resolution", 0, 5, "")]
    ix.add_documents([(d, ps)])
    rd = eng.reader(ix.handle)
    ids = sorted(f["passage_id"] for f, _ in rd.search(Term("cites", "A/RES/70/1"), 10))
    assert ids == ["r-0", "r-1"]
    assert [f["passage_id"] for f, _ in rd.search(Term("cites", "A/RES/71/1"), 10)] == ["r-1"]
    assert rd.search(Term("cites", "A/RES/99/9"), 10) == []
    facets, _ = rd.facets(Term("text_neutral", "remittances"))
    assert facets["cites"] == {"A/RES/70/1": 2, "A/RES/71/1": 1}
    facets, _ = rd.facets(Filter(Term("text_neutral", "remittances"),
                                 Term("cites", "A/RES/71/1")))
    assert facets["cites"] == {"A/RES/70/1": 1, "A/RES/71/1": 1}
