"""The paragraph model (issue 11, item 1): parts, numbered paragraphs, sub-items with their
full path, lists inside a paragraph, headings as sections, and one citation per passage, checked
on small documents and on the real texts of ../shared (skipped when absent)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
from conftest import SHARED

from indexer.errors import IngestRefused
from indexer.ingest.parsers import parse_file
from indexer.ingest.passages import split_passages
from indexer.labels import label_key
from indexer.models import Block, DocMeta, Document, Page, ParsedDocument, citation, locator


def doc(*blocks: Block) -> ParsedDocument:
    return ParsedDocument(pages=[Page(1, list(blocks))])


def labels(d: ParsedDocument) -> list[str]:
    return [p.label for p in split_passages(d, "d")]


def test_a_list_inside_a_paragraph_is_items_of_that_paragraph():
    d = doc(Block("15. We agree that this Global Compact is based on principles set out here."),
            Block("16. With the New York Declaration we adopted a political declaration and "
                  "a set of commitments, laying out the following cooperative framework."),
            Block("Objectives for safe, orderly and regular migration", "heading", 2),
            Block("1. Collect and utilize accurate and disaggregated data"),
            Block("2. Minimize the adverse drivers and structural factors"),
            Block("3. Provide accurate and timely information at all stages of migration"),
            Block("Objective 1: Collect and utilize accurate and disaggregated data", "heading", 3),
            Block("17. We commit to strengthen the global evidence base on migration."))
    assert labels(d) == ["15", "16", "16(1)", "16(2)", "16(3)", "Objective 1", "17"]


def test_sub_items_keep_their_full_path():
    d = doc(Block("43. We decide to establish a capacity-building mechanism, consisting of:"),
            Block("(a) A connection hub that facilitates solutions, by:"),
            Block("(i) Advising on, assessing and processing country requests;"),
            Block("(ii) Identifying main implementing partners;"),
            Block("(b) A start-up fund for initial financing, by:"),
            Block("(i) Providing seed funding, where needed;"),
            Block("(c) A global knowledge platform, by:"),
            Block("(i) Serving as a repository of existing evidence;"))
    assert labels(d) == ["43", "43(a)", "43(a)(i)", "43(a)(ii)", "43(b)", "43(b)(i)", "43(c)",
                         "43(c)(i)"]


def test_letter_i_after_h_is_a_letter_and_v_after_iv_is_roman():
    items = [f"({x}) Item {x} of the list of principles here;" for x in "abcdefghij"]
    d = doc(Block("15. We agree on these cross-cutting and interdependent principles:"),
            *[Block(t) for t in items])
    assert labels(d)[-3:] == ["15(h)", "15(i)", "15(j)"]
    d = doc(Block("43. We decide as follows, with the items listed here:"),
            Block("(a) A connection hub, by:"),
            *[Block(f"({r}) Doing thing number {r} for the hub;")
              for r in ("i", "ii", "iii", "iv", "v")])
    assert labels(d)[-2:] == ["43(a)(iv)", "43(a)(v)"]


def test_resolution_and_annex_paragraphs_are_cited_apart():
    d = doc(Block("The General Assembly,", "heading", 2),
            Block("Recalling its resolution 71/1 of 19 September 2016 on refugees and migrants,"),
            Block("1. Expresses its profound gratitude to the Government of Morocco;"),
            Block("2. Endorses the Global Compact for Safe, Orderly and Regular Migration;"),
            Block("Annex", "heading", 1),
            Block("1. This Global Compact rests on the purposes and principles of the Charter."),
            Block("2. It also rests on the Universal Declaration of Human Rights."))
    ps = split_passages(d, "g")
    assert [p.label for p in ps] == ["preamble 1", "1", "2", "annex, 1", "annex, 2"]
    assert ps[3].passage_id == "g-annex-1"
    meta = DocMeta(title="Global Compact", symbol="A/73/L.66", date="2018-12-12")
    document = Document("g", "", "gcm.txt", "text", meta)
    assert "A/73/L.66, 2018-12-12, annex, para. 1" in citation(document, ps[3])
    assert "A/73/L.66, 2018-12-12, para. 1" in citation(document, ps[1])
    assert "preamble, para. 1" in citation(document, ps[0])
    # the annex of every language version links: `annex, 1` is `annex/1`, not `1`
    assert label_key("annex, 1") == "annex/1" != label_key("1")


def test_actions_have_their_objective_as_section():
    d = doc(Block("Annex", "heading", 1),
            Block("Objective 2: Minimize the adverse drivers and structural factors", "heading", 3),
            Block("18. We commit to create conducive political, economic and social conditions."),
            Block("To realize this commitment, we will draw from the following actions:",
                  "heading", 2),
            Block("(a) Promote the implementation of the 2030 Agenda for Sustainable Development;"),
            Block("Objective 3: Provide accurate and timely information", "heading", 3),
            Block("19. We commit to strengthen our efforts to provide information."))
    ps = split_passages(d, "d")
    assert [p.label for p in ps] == ["annex, Objective 2", "annex, 18", "annex, 18(a)",
                                     "annex, Objective 3", "annex, 19"]
    objective = "Annex > Objective 2: Minimize the adverse drivers and structural factors"
    assert ps[0].section == ps[1].section == ps[2].section == objective
    assert ps[1].text.endswith("we will draw from the following actions:")
    assert ps[3].section == ps[4].section != objective


def test_markdown_heading_followed_directly_by_text(tmp_path):
    md = tmp_path / "handbook.en.md"
    md.write_text("# Introduction\nIn recent years, there has been an increase in human mobility "
                  "worldwide, and return migration has become a priority.\n\n"
                  "## Scope\nThis Handbook provides practical guidance for designing, "
                  "implementing and monitoring reintegration assistance.\n", encoding="utf-8")
    ps = split_passages(parse_file(md), "h")
    assert [p.section for p in ps] == ["Introduction", "Introduction > Scope"]
    assert ps[0].text.startswith("In recent years")
    assert locator(ps[1].label, ps[1].section) == "Introduction > Scope, ¶ 1"


def test_unnumbered_paragraphs_are_cited_by_heading_and_place():
    d = doc(Block("Key Messages", "heading", 2),
            Block("Reintegration assistance at the structural level works with institutions."),
            Block("Structural factors that affect reintegration are rarely addressed alone."),
            Block("Target Audience", "heading", 2),
            Block("This module is for programme managers in countries of origin and others."))
    ps = split_passages(d, "m")
    assert [locator(p.label, p.section) for p in ps] == [
        "Key Messages, ¶ 1", "Key Messages, ¶ 2", "Target Audience, ¶ 1"]
    assert label_key(ps[0].label) == ""  # a count under a heading links no language version


# ------------------------------------------------------------- the real texts of ../shared

def _real_files() -> list[Path]:
    files: list[Path] = []
    for folder in ("corpus", "corpus-pdf"):
        path = SHARED / folder
        if path.is_dir():
            files += sorted(p for p in path.iterdir()
                            if p.suffix in (".txt", ".md", ".html", ".pdf"))
    unga = SHARED / "unga" / "texts"
    if unga.is_dir():
        files += sorted(unga.glob("*.txt"))[::25]  # a sample of about 150 resolutions/reports
    return files


@pytest.mark.shared
@pytest.mark.skipif(not _real_files(), reason="../shared not available")
def test_no_two_passages_of_a_document_share_a_citation():
    checked = 0
    for path in _real_files():
        try:
            parsed = parse_file(path)
        except IngestRefused:
            continue
        meta = DocMeta(title="T", symbol=parsed.meta.symbol, date="2018")
        document = Document("d", "", path.name, parsed.format, meta)
        by_citation: dict[str, list[str]] = defaultdict(list)
        for p in split_passages(parsed, "d"):
            by_citation[citation(document, p)].append(p.passage_id)
        shared = {c: ids for c, ids in by_citation.items() if len(ids) > 1}
        assert not shared, (path.name, list(shared.items())[:3])
        checked += 1
    assert checked >= 20


def test_sdg_targets_are_cited_as_targets():
    d = doc(Block("Goal 10. Reduce inequality within and among countries", "heading", 2),
            Block("10.7 Facilitate orderly, safe, regular and responsible migration"),
            Block("10.a Implement the principle of special and differential treatment"))
    ps = split_passages(d, "s")
    assert [locator(p.label, p.section) for p in ps] == ["Goal 10", "target 10.7",
                                                         "target 10.a"]
