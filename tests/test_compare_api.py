"""/api/compare (JSON contract, OpenAPI), its Markdown/CSV exports and `index.py compare`,
over a real index of two drafts (tests/compare_fixtures.py)."""

from __future__ import annotations

import csv
import io
import json

pytest_plugins = ["compare_fixtures"]

HOSTILE = "<script>alert(1)</script>"  # in the fixture's paragraph 6


def _labels(body) -> list[tuple]:
    return [(p["status"], p["a"] and p["a"]["label"], p["b"] and p["b"]["label"])
            for p in body["pairs"]]


def test_compare_json_contract_and_alignment(vclient, doc_ids):
    resp = vclient.get(f"/api/compare?a={doc_ids['zero']}&b={doc_ids['final']}")
    assert resp.status_code == 200
    body = resp.get_json()
    assert list(body)[:4] == ["a", "b", "summary", "pairs"]
    assert (body["a"], body["b"]) == (doc_ids["zero"], doc_ids["final"])
    # numbered paragraphs (the paragraph model labels unnumbered ones `¶ n`)
    numbered = [x for x in _labels(body) if (x[1] or x[2] or "¶")[0] != "¶"]
    assert numbered == [
        ("unchanged", "1", "1"),
        ("unchanged", "3", "2"),  # renumbered
        ("changed", "2", "3"),  # moved down: paired, not removed + added
        ("changed", "4", "4"),
        ("removed", "5", None),
        ("added", None, "5"),
        ("changed", "6", "6"),
    ]
    s = body["summary"]
    assert s["added"] == 1 and s["removed"] == 1 and s["moved"] == 1
    moved = next(p for p in body["pairs"] if p["moved"])
    assert (moved["a"]["label"], moved["b"]["label"]) == ("2", "3")
    assert {"op": "insert", "text": " autorités locales and cities"} in moved["diff"]
    renumbered = next(p for p in body["pairs"] if p["a"] and p["a"]["label"] == "3")
    assert renumbered["diff"] == [{"op": "equal", "text": renumbered["b"]["text"][3:]}]
    four = next(p for p in body["pairs"] if p["a"] and p["a"]["label"] == "4")
    assert four["diff"][:3] == [{"op": "equal", "text": "We will establish"},
                                {"op": "delete", "text": " a"},
                                {"op": "insert", "text": " an international migration"}]
    hostile = next(p for p in body["pairs"] if p["a"] and p["a"]["label"] == "6")
    assert HOSTILE in hostile["a"]["text"]  # JSON carries the text as it is; pages escape it


def test_compare_json_matches_the_openapi_schema(vclient, doc_ids, schema_errors):
    spec = vclient.get("/api/openapi.json").get_json()
    for query in ("", "&only=local+authorities"):
        body = vclient.get(f"/api/compare?a={doc_ids['zero']}&b={doc_ids['final']}{query}"
                           ).get_json()
        assert schema_errors(spec, "/api/compare", body) == []


def test_compare_only_filter_either_side_accents_and_case(vclient, doc_ids):
    body = vclient.get(f"/api/compare?a={doc_ids['zero']}&b={doc_ids['final']}"
                       "&only=Local Authorities").get_json()
    # "local authorities" in the zero draft, "autorités locales" (no match) in the final
    assert _labels(body) == [("changed", "2", "3")]
    assert body["only"] == "Local Authorities" and body["summary"]["changed"] == 1
    assert body["summary_all"]["unchanged"] >= 2
    body = vclient.get(f"/api/compare?a={doc_ids['zero']}&b={doc_ids['final']}"
                       "&only=AUTORITES locales").get_json()
    assert _labels(body) == [("changed", "2", "3")]


def test_compare_bad_input_is_a_400_with_a_message(vclient, doc_ids):
    for query, status in ((f"a={doc_ids['zero']}", 400), ("", 400),
                          (f"a={doc_ids['zero']}&b={doc_ids['zero']}", 400),
                          (f"a={doc_ids['zero']}&b=dnope", 404)):
        resp = vclient.get("/api/compare?" + query)
        assert resp.status_code == status, query
        assert resp.get_json()["error"]["message"]


def test_compare_exports_markdown_and_csv(vclient, doc_ids):
    q = f"a={doc_ids['zero']}&b={doc_ids['final']}"
    md = vclient.get(f"/api/compare.md?{q}")
    assert md.status_code == 200 and md.mimetype == "text/markdown"
    assert "attachment" in md.headers["Content-Disposition"]
    text = md.get_data(as_text=True)
    assert "# Changes from A/99/ZD to A/99/FINAL" in text
    assert "## 4 → 4 (changed)" in text and "~~a~~ **an international migration**" in text
    assert "## 5 → – (removed)" in text and "## – → 5 (added)" in text
    assert "## 2 → 3 (changed, moved)" in text and "## 3 → 2" not in text
    assert "<script>" not in text  # escaped for Markdown renderers that allow HTML
    rows = list(csv.DictReader(io.StringIO(
        vclient.get(f"/api/compare.csv?{q}").get_data(as_text=True).lstrip("\ufeff"))))
    four = next(r for r in rows if r["label_a"] == "4")
    assert four["status"] == "changed" and "[-a-] {+an international migration+}" in four["changes"]
    assert {r["status"] for r in rows} == {"unchanged", "changed", "added", "removed"}


def test_cli_compare_json_text_and_only(versions_index, doc_ids, capsys):
    from indexer.cli import main

    args = ["compare", doc_ids["zero"], doc_ids["final"], "--index", str(versions_index)]
    assert main(args + ["--json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["summary"]["moved"] == 1 and body["a"] == doc_ids["zero"]
    assert main(args + ["--only", "local", "authorities"]) == 0
    out = capsys.readouterr().out
    assert "2 → 3  [changed moved]" in out and "5 → –" not in out
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "5 → –  [removed]" in out and "– → 5  [added]" in out
    assert main(args + ["--markdown"]) == 0
    assert capsys.readouterr().out.startswith("# Changes from A/99/ZD to A/99/FINAL")
    assert main(["compare", doc_ids["zero"], "dnope", "--index", str(versions_index)]) == 2
    assert "no document" in capsys.readouterr().err
