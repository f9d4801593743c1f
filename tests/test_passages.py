"""Passage splitting: labels, sections, pages, stable ids, long and short paragraphs."""

from __future__ import annotations

from indexer.ingest.passages import split_passages
from indexer.labels import label_key
from indexer.models import Block, Page, ParsedDocument


def doc(*pages: list[Block]) -> ParsedDocument:
    return ParsedDocument(pages=[Page(i + 1, list(b)) for i, b in enumerate(pages)])


def test_numbered_and_lettered_paragraphs_under_objective():
    d = doc([
        Block("Annex", "heading", 1),
        Block("Objective 7: Address and reduce vulnerabilities in migration", "heading", 3),
        Block("23. We commit to respond to the needs of migrants who face situations."),
        Block("(a) Review relevant policies and practices to ensure they do not create risks;"),
        Block("(b) Establish comprehensive policies and develop partnerships for migrants;"),
    ])
    ps = split_passages(d, "dX")
    assert [p.label for p in ps] == ["annex, Objective 7", "annex, 23", "annex, 23(a)",
                                     "annex, 23(b)"]
    assert ps[2].section == "Annex > Objective 7: Address and reduce vulnerabilities in migration"
    assert [p.passage_id for p in ps] == ["dX-annex-objective-7", "dX-annex-23",
                                          "dX-annex-23-a", "dX-annex-23-b"]


def test_ids_are_stable_and_unique():
    d = doc([Block("1. First paragraph of the resolution text here."),
             Block("1. The annex numbering starts again from one here."),
             Block("An unlabelled paragraph that is long enough to stand alone.")])
    first = [p.passage_id for p in split_passages(d, "dA")]
    again = [p.passage_id for p in split_passages(d, "dA")]
    assert first == again
    assert len(set(first)) == len(first)
    # numbering that starts again with a whole paragraph opens a new part, cited apart
    assert first[:2] == ["dA-1", "dA-part-2-1"]


def test_article_heading_labels_its_paragraphs_and_merges_them():
    d = doc([Block("Article 14", "heading", 2),
             Block("Everyone has the right to seek and to enjoy in other countries asylum."),
             Block("This right may not be invoked in the case of prosecutions genuinely arising."),
             Block("Article 15", "heading", 2),
             Block("Everyone has the right to a nationality.")])
    ps = split_passages(d, "dU")
    assert [p.label for p in ps] == ["Article 14", "Article 15"]
    assert "This right may not" in ps[0].text
    assert ps[0].passage_id == "dU-article-14"


def test_sdg_target_labels():
    d = doc([Block("Goal 10. Reduce inequality within and among countries", "heading", 2),
             Block("10.7 Facilitate orderly, safe, regular and responsible migration"),
             Block("10.a Implement the principle of special and differential treatment")])
    assert [p.label for p in split_passages(d, "d")] == ["Goal 10", "10.7", "10.a"]


def test_paragraph_running_over_a_page_keeps_its_start_page():
    d = doc([Block("5. We commit to cooperate internationally on all the aspects of")],
            [Block("migration, including its development dimensions and causes."),
             Block("6. The next paragraph starts here on the second page.")])
    ps = split_passages(d, "d")
    assert [p.label for p in ps] == ["5", "6"]
    assert ps[0].text.endswith("development dimensions and causes.")
    assert ps[0].page == 1 and ps[1].page == 2


def test_long_paragraph_split_at_sentences():
    sentence = "Local authorities play a key role in the integration of migrants. "
    d = doc([Block("12. " + sentence * 60)])
    ps = split_passages(d, "d", max_words=100)
    assert len(ps) > 1
    assert all(len(p.text.split()) <= 100 for p in ps)
    # each piece is cited apart: para. 12, para. 12 (part 2) ...
    assert [p.label for p in ps][:2] == ["12", "12 (part 2)"]
    assert all(p.text.rstrip().endswith(".") for p in ps)
    assert len({p.passage_id for p in ps}) == len(ps)


def test_short_fragments_merge_with_a_neighbour():
    d = doc([Block("Preamble", "heading", 1),
             Block("The General Assembly,"),
             Block("Recalling its resolution 71/1 of 19 September 2016 on refugees and migrants,")])
    ps = split_passages(d, "d", min_words=8)
    assert len(ps) == 1
    assert ps[0].text.startswith("The General Assembly,\nRecalling")


def test_footnotes_are_their_own_passages():
    d = doc([Block("2. It rests on the core human rights treaties; 1 and more."),
             Block("1 International Convention on the Elimination of Racial Discrimination.",
                   "footnote")])
    ps = split_passages(d, "d")
    assert ps[1].label == "footnote 1" and ps[1].section == "Footnotes"


def test_label_key_links_language_versions():
    assert label_key("Article 14") == label_key("Artículo 14") == "art-14"
    assert label_key("16(a)") == "16(a)"
    assert label_key("") == ""


def test_objective_and_goal_headings_are_citable_passages():
    d = doc([Block("Objective 13: Use immigration detention only as a measure of last resort",
                   "heading", 3),
             Block("29. We commit to ensure that any detention is lawful.")])
    ps = split_passages(d, "d")
    assert [p.label for p in ps] == ["Objective 13", "29"]
    assert ps[1].section.startswith("Objective 13")
    assert label_key("Goal 11") == label_key("Objectif 11") == label_key("Objetivo 11")
