"""indexer/versions/compare.py: paragraph alignment and word diff on synthetic versions (pure; the
real pairs of ../shared/corpus are in test_compare_shared.py)."""

from __future__ import annotations

from indexer.models import Passage
from indexer.versions.compare import align, body, word_diff

P1 = ("Recognizes the important contribution of migrants and diasporas to sustainable "
      "development in countries of origin, transit and destination")
P2 = ("Calls upon States to reduce the transaction costs of migrant remittances to less than "
      "three per cent by 2030")
P3 = ("Encourages local authorities to provide basic services to all migrants regardless of "
      "their status, in cooperation with civil society")
P4 = ("Requests the Secretary-General to submit to the General Assembly at its seventy-fifth "
      "session a report on the implementation of the present resolution")
P5 = ("Underlines the need for international cooperation to strengthen the capacities of "
      "countries hosting large numbers of refugees and migrants")
NEW = ("Welcomes the first International Migration Review Forum and invites Member States "
       "to report on their progress with voluntary national reviews")


def doc(doc_id: str, texts: list[tuple[str, str]]) -> list[Passage]:
    return [Passage(f"{doc_id}-{n}", doc_id, n, f"{label}. {text}" if label else text, label,
                    "The General Assembly,") for n, (label, text) in enumerate(texts)]


def rows(comparison):
    return [(p.status, p.a.label if p.a else None, p.b.label if p.b else None, p.moved, p.part)
            for p in comparison.pairs]


def test_identical_paragraphs_pair_unchanged_even_when_renumbered():
    a = doc("A", [("1", P1), ("2", P2), ("3", P3)])
    b = doc("B", [("4", P1), ("5", P2), ("6", P3)])
    c = align(a, b, "A", "B")
    assert rows(c) == [("unchanged", "1", "4", False, ""), ("unchanged", "2", "5", False, ""),
                       ("unchanged", "3", "6", False, "")]
    assert c.pairs[0].diff == [{"op": "equal", "text": P1}]
    assert c.summary()["unchanged"] == 3


def test_moved_and_renumbered_paragraph_pairs_with_its_counterpart_not_removed_plus_added():
    a = doc("A", [("1", P1), ("2", P2), ("3", P3), ("4", P4), ("5", P5)])
    b = doc("B", [("1", P1), ("2", P3), ("3", P4), ("4", P5), ("5", P2 + " and beyond")])
    c = align(a, b)
    moved = [p for p in c.pairs if p.moved]
    assert [(p.status, p.a.label, p.b.label) for p in moved] == [("changed", "2", "5")]
    assert c.summary() == {"unchanged": 4, "changed": 1, "added": 0, "removed": 0,
                           "moved": 1, "split": 0, "merged": 0}
    assert moved[0].diff[-1] == {"op": "insert", "text": " and beyond"}


def test_added_and_removed_paragraphs_in_reading_order():
    a = doc("A", [("1", P1), ("2", P2), ("3", P3)])
    b = doc("B", [("1", P1), ("2", NEW), ("3", P3)])
    assert rows(align(a, b)) == [("unchanged", "1", "1", False, ""),
                                 ("removed", "2", None, False, ""),
                                 ("added", None, "2", False, ""),
                                 ("unchanged", "3", "3", False, "")]


def test_split_paragraph_pairs_with_both_parts():
    a = doc("A", [("1", P1), ("2", P2 + ", and " + P3[0].lower() + P3[1:]), ("3", P4)])
    b = doc("B", [("1", P1), ("2", P2), ("3", P3), ("4", P4)])
    c = align(a, b)
    assert rows(c) == [("unchanged", "1", "1", False, ""), ("changed", "2", "2", False, "split"),
                       ("changed", "2", "3", False, "split"),
                       ("unchanged", "3", "4", False, "")]
    # each part's diff carries that part's words: what was cut out of the first part is the
    # second part's text
    first, second = c.pairs[1].diff, c.pairs[2].diff
    assert "".join(o["text"] for o in first if o["op"] != "delete") == P2
    assert "".join(o["text"] for o in second if o["op"] != "delete") == P3
    assert c.summary()["split"] == 2


def test_merged_paragraphs_pair_with_the_one_they_became():
    a = doc("A", [("1", P1), ("2", P2), ("3", P3), ("4", P4)])
    b = doc("B", [("1", P1), ("2", P2 + "; and " + P3[0].lower() + P3[1:]), ("3", P4)])
    c = align(a, b)
    assert rows(c) == [("unchanged", "1", "1", False, ""), ("changed", "2", "2", False, "merged"),
                       ("changed", "3", "2", False, "merged"),
                       ("unchanged", "4", "3", False, "")]
    assert not [p for p in c.pairs if p.status in ("added", "removed")]


def test_word_diff_marks_insertions_and_deletions_and_ignores_spacing():
    assert word_diff("States should reduce costs", "States shall reduce the costs") == [
        {"op": "equal", "text": "States"}, {"op": "delete", "text": " should"},
        {"op": "insert", "text": " shall"}, {"op": "equal", "text": " reduce"},
        {"op": "insert", "text": " the"}, {"op": "equal", "text": " costs"}]
    assert word_diff("life - saving measures", "life-saving measures") == [
        {"op": "equal", "text": "life-saving measures"}]
    assert body("16. Calls upon States") == "Calls upon States"
    assert body("(c) Calls upon States") == "Calls upon States"


def test_deterministic_and_json_contract():
    a = doc("A", [("1", P1), ("2", P2), ("3", P3), ("4", P4)])
    b = doc("B", [("1", P3), ("2", P1 + " also"), ("3", NEW), ("4", P4)])
    first = align(a, b, "A", "B").to_json()
    for _ in range(3):
        assert align(a, b, "A", "B").to_json() == first
    assert list(first)[:4] == ["a", "b", "summary", "pairs"]
    for pair in first["pairs"]:
        assert pair["status"] in ("unchanged", "changed", "added", "removed")
        for side in ("a", "b"):
            assert pair[side] is None or set(pair[side]) >= {"passage_id", "label", "text"}
        assert isinstance(pair["diff"], list)


def test_only_filter_is_accent_and_case_insensitive_on_either_side():
    a = doc("A", [("1", P1), ("2", P3.replace("local authorities", "Autorités locales"))])
    b = doc("B", [("1", P1), ("2", P3)])
    c = align(a, b)
    assert [p.a.label for p in c.only("local authorities")] == ["2"]
    assert [p.a.label for p in c.only("autorites LOCALES")] == ["2"]
    assert c.to_json(only="local authorities")["summary"]["changed"] == 1
    assert c.only("") == c.pairs
