"""Compare versions on real pairs of ../shared/corpus (skipped when it is absent): the UNHCR
omnibus drafts A/C.3/73/L.59 (2018) and A/C.3/74/L.59 (2019), and the international migration
and development resolutions A/C.2/67/L.15/Rev.1 (2012), A/C.2/73/L.46 (2018) and
A/C.2/75/L.8/Rev.1 (2020), through the real index, the API and the real browser."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from indexer.search.service import SearchService
from indexer.storage import store
from indexer.versions import compare
from indexer.versions import works as versions

pytest_plugins = ["compare_fixtures", "web_fixtures"]
pytestmark = pytest.mark.shared

UNHCR_2018, UNHCR_2019 = "A/C.3/73/L.59", "A/C.3/74/L.59"
IMD_2012, IMD_2018, IMD_2020 = "A/C.2/67/L.15/Rev.1", "A/C.2/73/L.46", "A/C.2/75/L.8/Rev.1"


@pytest.fixture(scope="module")
def by_symbol(shared_corpus_index) -> dict[str, str]:
    return {d.meta.symbol: d.doc_id for d in SearchService(shared_corpus_index).documents()}


def _compare(settings, by_symbol, a: str, b: str) -> compare.Comparison:
    with store.open(store.current_generation(Path(settings.index_dir))) as st:
        return versions.compare(st, by_symbol[a], by_symbol[b])[2]


def _row(c: compare.Comparison, a: str | None = None, b: str | None = None) -> compare.Pair:
    """The row with A's label `a` (or B's label `b`)."""
    found = [p for p in c.pairs if (a is None or (p.a and p.a.label == a))
             and (b is None or (p.b and p.b.label == b))]
    assert len(found) == 1, (a, b, [(p.status, p.a and p.a.label, p.b and p.b.label)
                                    for p in found])
    return found[0]


def _keys(text: str) -> list[str]:
    return [t.strip() for t in compare.tokens(compare.body(text))]


def _common_checks(c: compare.Comparison, a_len: int, b_len: int) -> None:
    """Every passage of both texts is shown; identical paragraphs are unchanged and
    unchanged ones identical; nothing is both removed and added (a moved paragraph is one
    row); B's passages come in reading order."""
    seen_a = {p.a.passage_id for p in c.pairs if p.a}
    seen_b = {p.b.passage_id for p in c.pairs if p.b}
    assert (len(seen_a), len(seen_b)) == (a_len, b_len)
    for p in c.pairs:
        if p.a and p.b and not p.part:
            same = _keys(p.a.text) == _keys(p.b.text)
            assert same == (p.status == "unchanged"), (p.a.label, p.b.label, p.status)
    removed = [p.a for p in c.pairs if p.status == "removed"]
    added = [p.b for p in c.pairs if p.status == "added"]
    for x in removed:
        for y in added:
            assert _keys(x.text) != _keys(y.text), (x.label, y.label)
    order = [p.b.ordinal for p in c.pairs if p.b and p.part != "split"]
    assert order == sorted(order)


def test_unhcr_omnibus_2018_to_2019(shared_corpus_index, by_symbol):
    c = _compare(shared_corpus_index, by_symbol, UNHCR_2018, UNHCR_2019)
    _common_checks(c, 81, 80)
    # identical paragraphs, renumbered after two were dropped before them, pair unchanged
    for a, b in (("3", "3"), ("7", "5"), ("25", "23"), ("35", "34"), ("63", "62")):
        row = _row(c, a, b)
        assert row.status == "unchanged" and not row.moved
        assert [op["op"] for op in row.diff] == ["equal"]
    # moved and renumbered: 2018's paragraphs 4 and 5 stand as 17 and 16 in 2019
    for a, b in (("4", "17"), ("5", "16")):
        row = _row(c, a, b)
        assert row.moved and row.status in ("unchanged", "changed")
    # new in 2019: the transformation process and a geographically diverse workforce
    for b in ("25", "26"):
        row = _row(c, b=b)
        assert row.status == "added" and row.a is None
        assert "transformation process" in row.b.text or "geographically diverse" in row.b.text
    # a changed paragraph's word diff: the session number
    row = _row(c, "2", "2")
    assert {"op": "delete", "text": " sixty-ninth"} in row.diff
    assert {"op": "insert", "text": " seventieth"} in row.diff
    # 2018's paragraph 17 was split: its tail is 2019's paragraph 19
    assert [(p.b.label, p.part) for p in c.pairs if p.a and p.a.label == "17"] == [
        ("15", "split"), ("19", "split")]
    assert c.summary() == {"unchanged": 36, "changed": 38, "added": 6, "removed": 8,
                           "moved": 4, "split": 2, "merged": 0}


def test_migration_and_development_2018_to_2020(shared_corpus_index, by_symbol):
    c = _compare(shared_corpus_index, by_symbol, IMD_2018, IMD_2020)
    _common_checks(c, 31, 34)
    assert _row(c, "1", "1").status == "unchanged"
    assert _row(c, "3", "4").status == "unchanged"  # renumbered: a new paragraph 3 before it
    assert _row(c, b="3").status == "added"
    assert "Calls upon Member States" in _row(c, b="3").b.text
    row = _row(c, "8", "9")  # "Decides to convene, in the first half of 2019" was updated
    assert row.status == "changed" and any(op["op"] != "equal" for op in row.diff)
    assert c.summary()["unchanged"] == 11


def test_migration_and_development_2012_to_2018(shared_corpus_index, by_symbol):
    c = _compare(shared_corpus_index, by_symbol, IMD_2012, IMD_2018)
    _common_checks(c, 49, 31)
    # the closing paragraphs, reordered: "Requests the Secretary-General to submit" (19 in
    # 2012) comes before "Decides to include in the provisional agenda" (18) in 2018
    moved = _row(c, "19", "10")
    assert moved.moved and moved.status == "changed"
    assert _row(c, "18", "11").status == "changed"
    # the 2012 high-level dialogue arrangements (3(a) ... 3(d)) are gone
    assert all(p.status == "removed" for p in c.pairs if p.a and p.a.label.startswith("3("))


def test_real_comparison_json_matches_the_openapi_schema(shared_corpus_index, by_symbol,
                                                         schema_errors):
    from search_app import create_app

    client = create_app({"SETTINGS": shared_corpus_index, "TESTING": True,
                         "JOB_WORKER": False}).test_client()
    spec = client.get("/api/openapi.json").get_json()
    for a, b in ((UNHCR_2018, UNHCR_2019), (IMD_2012, IMD_2018), (IMD_2018, IMD_2020)):
        body = client.get(f"/api/compare?a={by_symbol[a]}&b={by_symbol[b]}").get_json()
        assert schema_errors(spec, "/api/compare", body) == []
        assert [p["status"] for p in body["pairs"]].count("added") == body["summary"]["added"]


def test_browser_real_pair_filtered_to_global_compact(shared_corpus_index, by_symbol, browser,
                                                      artifacts):
    from search_app.serve import make_server, run_server, stop_server

    server = make_server(shared_corpus_index, "127.0.0.1", 0, threads=2)
    thread = threading.Thread(target=run_server, args=(server,), daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.effective_port}"
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{base}/compare?a={by_symbol[UNHCR_2018]}&b={by_symbol[UNHCR_2019]}")
        page.wait_for_selector("ol.pairs")
        assert page.locator("ol.pairs > li").count() == 88
        page.get_by_label("Only paragraphs mentioning").fill("global compact on refugees")
        page.get_by_role("button", name="Filter").click()
        page.wait_for_selector("#filter-note")
        labels = page.locator("ol.pairs .labels").all_inner_texts()
        assert labels == ["17 → 15", "17 → 19", "24 → 18", "19 → 20", "20 → 21", "22 → –",
                          "23 → –", "42 → 41"]
        page.screenshot(path=str(artifacts / "compare-unhcr.png"), full_page=True)
        page.get_by_role("link", name="B · 18").click()
        page.wait_for_selector("blockquote.passage")
        assert "Recalls the global compact on refugees" in page.locator(
            "blockquote.passage").inner_text()
    finally:
        stop_server(server)
        thread.join(timeout=10)


def test_real_drafts_are_suggested_as_versions_not_linked(shared_corpus_index, by_symbol):
    def suggested(symbol: str) -> dict[str, list[str]]:
        with store.open(store.current_generation(Path(shared_corpus_index.index_dir))) as st:
            return {s.document.meta.symbol: s.reasons
                    for s in versions.suggestions(st, by_symbol[symbol])}

    unhcr = suggested(UNHCR_2018)
    assert list(unhcr) == [UNHCR_2019]
    assert unhcr[UNHCR_2019][:2] == ["same title", "similar symbol"]
    imd = suggested(IMD_2018)
    assert set(imd) == {IMD_2012, IMD_2020}
    assert "same title" in imd[IMD_2020]
    # nothing is linked by suggesting
    with store.open(store.current_generation(Path(shared_corpus_index.index_dir))) as st:
        linked = versions.versions(st, by_symbol[UNHCR_2018])
    assert [d.meta.symbol for d in linked] == [UNHCR_2018]
