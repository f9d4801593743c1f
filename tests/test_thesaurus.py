"""The multilingual thesaurus and topic presets (indexer/query/thesaurus.py,
indexer/data/*.json)."""

from __future__ import annotations

import json
import unicodedata
from collections import Counter

import pytest

from indexer.query import thesaurus as th


@pytest.fixture(scope="module")
def thes() -> th.Thesaurus:
    return th.load_thesaurus()


@pytest.fixture(scope="module")
def raw() -> dict:
    with open(th.THESAURUS_PATH, encoding="utf-8") as f:
        return json.load(f)


def ids(matches):
    return [c.id for c, _, _ in matches]


# --- data file -----------------------------------------------------------------------------


def test_default_is_cached(thes):
    assert th.load_thesaurus() is thes
    assert th.load_thesaurus(th.THESAURUS_PATH) is not thes


def test_at_least_300_concepts(thes, raw):
    assert len(thes) >= 300
    assert len(raw["concepts"]) == len(thes.concepts)


def test_no_duplicate_ids(raw):
    counts = Counter(c["id"] for c in raw["concepts"])
    assert [k for k, v in counts.items() if v > 1] == []


def test_required_languages_non_empty(raw):
    for c in raw["concepts"]:
        for lang in ("en", "fr", "es"):
            terms = c["terms"].get(lang)
            assert terms and all(t.strip() for t in terms), (c["id"], lang)
        assert set(c["terms"]) <= set(th.LANGUAGES), c["id"]


def test_terms_are_nfc_stripped_and_unique_within_a_list(raw):
    for c in raw["concepts"]:
        for lang, terms in c["terms"].items():
            for t in terms:
                assert t == unicodedata.normalize("NFC", t), (c["id"], t)
                assert t == " ".join(t.split()), (c["id"], t)
            assert len(set(terms)) == len(terms), (c["id"], lang)


def test_no_folded_term_belongs_to_two_concepts(raw):
    owners: dict[tuple[str, ...], set[str]] = {}
    for c in raw["concepts"]:
        for terms in c["terms"].values():
            for t in terms:
                owners.setdefault(th.tokenize(t), set()).add(c["id"])
    assert {k: v for k, v in owners.items() if len(v) > 1} == {}


def test_all_23_gcm_objectives(thes):
    for n in range(1, 24):
        assert f"gcm-objective-{n}" in thes, n
    obj1 = thes.get("gcm-objective-1")
    assert obj1.terms["en"][0] == (
        "Collect and utilize accurate and disaggregated data as a basis for evidence-based policies"
    )
    assert obj1.terms["es"][0] == (
        "Recopilar y utilizar datos exactos y desglosados para formular políticas con base empírica"
    )
    assert obj1.terms["fr"][0].startswith("Collecter et utiliser des données précises et ventilées")


def test_seventeen_sdgs_and_target_10_7(thes):
    for n in range(1, 18):
        assert f"sdg-{n}" in thes, n
    assert (
        "orderly, safe, regular and responsible migration and mobility of people"
        in (thes.get("sdg-target-10-7").terms["en"])
    )
    assert [c.id for c, _, _ in thes.match("Reduce inequality within and among countries")] == [
        "sdg-10"
    ]


def test_core_concepts_present(thes):
    for cid in (
        "local-authorities",
        "policy-coherence",
        "horizontal-policy-coherence",
        "vertical-policy-coherence",
        "whole-of-government-approach",
        "whole-of-society-approach",
        "mainstreaming-migration",
        "remittances",
        "diaspora",
        "return",
        "readmission",
        "reintegration",
        "trafficking-in-persons",
        "smuggling-of-migrants",
        "non-refoulement",
        "statelessness",
        "durable-solutions",
        "resettlement",
        "complementary-pathways",
        "internally-displaced-persons",
        "alternatives-to-detention",
        "new-urban-agenda",
    ):
        assert cid in thes, cid


# --- folding and matching ------------------------------------------------------------------


def test_fold_and_tokenize():
    assert th.fold("Autorités LOCALES") == "autorites locales"
    assert th.tokenize("Whole-of-government approach") == ("whole", "of", "government", "approach")
    assert th.tokenize("pays d’origine") == ("pays", "d", "origine")
    assert th.tokenize("汇款") == ("汇", "款")


def test_match_without_accents(thes):
    matches = thes.match("autorites locales")
    assert ids(matches) == ["local-authorities"]
    concept, lang, term = matches[0]
    assert lang == "fr" and term == "autorités locales"


def test_match_hyphenated_english(thes):
    matches = thes.match("Whole-of-government approach")
    assert ids(matches) == ["whole-of-government-approach"]
    assert matches[0][1] == "en"


def test_longest_match_wins_and_spans_do_not_overlap(thes):
    # "vertical policy coherence" must not also report the shorter "policy coherence".
    assert ids(thes.match("vertical policy coherence")) == ["vertical-policy-coherence"]
    assert ids(thes.match("remittances and diaspora in local authorities")) == [
        "remittances",
        "diaspora",
        "local-authorities",
    ]


def test_full_objective_title_matches_objective_not_parts(thes):
    title = thes.get("gcm-objective-20").terms["en"][0]
    assert ids(thes.match(title.upper())) == ["gcm-objective-20"]


def test_inflected_forms_match_in_the_terms_language(thes):
    assert ids(thes.match("contrataciones equitativas y éticas")) == [
        "fair-and-ethical-recruitment"]
    assert ids(thes.match("local authority")) == ["local-authorities"]
    assert ids(thes.match("autorité locale")) == ["local-authorities"]
    # the form as written wins at equal length, so the language reported stays the typed one
    assert thes.match("autorités locales")[0][1] == "fr"


def test_only_inflection_not_derivation(thes):
    # Snowball stems digital/digitalization and integral/integration alike; the light
    # stemmers do not
    assert thes.match("digital computers") == []
    assert thes.match("integral spectrum") == []


def test_concept_expansions_name_the_query_words_they_stand_for(thes):
    found = thes.concept_expansions("COVID-19 impact on remittances", exclude_lang="en")
    assert [words for words, _, _ in found] == [("covid", "19"), ("remittances",)]
    assert "envois de fonds" in found[1][1]["fr"] and "en" not in found[1][1]
    assert [n for _, _, n in found] == [1, 1]  # official terms matched


def test_concept_expansions_put_the_matched_terms_equivalent_second(thes):
    concept = thes.get("human-settlements")
    assert concept.terms["fr"][2] == "villes inclusives"
    [(words, terms, n)] = thes.concept_expansions("villes inclusives", exclude_lang="fr")
    assert words == ("villes", "inclusives") and n == 2
    assert terms["en"][:2] == [concept.terms["en"][0], concept.terms["en"][2]]
    assert sorted(terms["en"]) == sorted(concept.terms["en"])


def test_no_match(thes):
    assert thes.match("") == []
    assert thes.match("zzzz qqqq") == []


def test_spanish_remesas_expands_to_english(thes):
    assert ids(thes.match("remesas")) == ["remittances"]
    assert thes.match("remesas")[0][1] == "es"
    exp = thes.expansions("remesas")
    assert "remittances" in exp["en"]
    assert "envois de fonds" in exp["fr"]
    assert "es" not in exp


def test_expansions_exclude_lang(thes):
    exp = thes.expansions("remesas", exclude_lang="en")
    assert "en" not in exp
    assert "remesas" in exp["es"]
    assert thes.expansions("nothing relevant here") == {}


def test_languages_of(thes):
    assert thes.languages_of("autorités locales et envois de fonds") == {"fr": 2}
    assert thes.languages_of("remesas") == {"es": 1}
    counts = thes.languages_of("local authorities")
    assert counts.get("en") == 1 and "fr" not in counts


def test_chinese_term_matches_inside_text(thes):
    assert "remittances" in ids(thes.match("关于汇款的报告"))


# --- topics --------------------------------------------------------------------------------


def test_topics_load_and_reference_known_concepts(thes):
    topics = thes.load_topics()
    names = [t.name for t in topics]
    for required in (
        "local-authorities",
        "policy-coherence",
        "whole-of-government",
        "mainstreaming-migration",
        "remittances-diaspora",
    ):
        assert required in names
    assert len(set(names)) == len(names)
    for t in topics:
        assert t.concepts, t.name
        for cid in t.concepts:
            assert cid in thes, (t.name, cid)


def test_topics_have_trilingual_labels_and_queries(thes):
    for t in thes.load_topics():
        for lang in ("en", "fr", "es"):
            assert t.label.get(lang, "").strip(), (t.name, lang)
            assert t.query.get(lang, "").strip(), (t.name, lang)
            assert t.query[lang].count('"') % 2 == 0, (t.name, lang)


def test_topic_queries_hit_their_own_concepts(thes):
    # Each language's preset query should mention at least one of the topic's concepts.
    for t in thes.load_topics():
        for lang in ("en", "fr", "es"):
            assert set(ids(thes.match(t.query[lang]))) & set(t.concepts), (t.name, lang)


def test_topic_lookup(thes):
    assert thes.topic("remittances-diaspora").label["es"] == "Remesas y diáspora"
    with pytest.raises(KeyError, match="local-authorities"):
        thes.topic("no-such-topic")


def test_topics_with_unknown_concept_are_rejected(thes, tmp_path):
    bad = tmp_path / "topics.json"
    bad.write_text(
        json.dumps({"topics": [{"name": "x", "label": {}, "query": {}, "concepts": ["nope"]}]}),
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="nope"):
        thes.load_topics(bad)


def test_concept_missing_required_language_is_rejected(tmp_path):
    bad = tmp_path / "thesaurus.json"
    bad.write_text(
        json.dumps({"concepts": [{"id": "x", "terms": {"en": ["a"], "fr": ["b"], "es": []}}]}),
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="es"):
        th.load_thesaurus(bad)


def test_a_term_matched_only_without_its_accents_does_not_name_the_language():
    from indexer.query.thesaurus import load_thesaurus

    t = load_thesaurus()
    assert t.languages_of("atténuation") == {"fr": 1}
    # typed without accents, `attenuation` is as English as French: no guess from the
    # thesaurus (the Vaswani query "attenuation characteristics" was taken as French)
    assert "fr" not in t.languages_of("attenuation characteristics")
    assert t.languages_of("integration") == {"en": 1}
    assert t.languages_of("intégration") == {"fr": 1}
