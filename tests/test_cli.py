"""The command line as users and other tools call it: a real subprocess, real files."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]


def run(*args: str, ok: tuple[int, ...] = (0,)) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, str(PROJECT / "index.py"), *args],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode in ok, proc.stderr + proc.stdout
    assert "Traceback" not in proc.stderr
    return proc


def test_build_list_search_add_remove(tmp_path):
    index = str(tmp_path / "data")
    out = run("build", "--corpus", str(PROJECT / "corpus" / "samples"), "--index", index)
    assert "refused" in out.stdout and "indexed" in out.stdout

    docs = json.loads(run("list", "--index", index, "--json").stdout)["documents"]
    assert docs and set(docs[0]) == {"doc_id", "title", "series", "symbol", "lang", "year",
                                     "file", "passages"}

    res = json.loads(run("search", "--index", index, "--json", "--limit", "3", "--",
                         "local authorities").stdout)
    assert set(res) >= {"query", "total", "hits"} and res["query"] == "local authorities"
    assert 0 < len(res["hits"]) <= 3
    hit = res["hits"][0]
    assert set(hit) >= {"passage_id", "doc_id", "title", "series", "symbol", "lang", "page",
                        "paragraph", "section", "text", "snippet", "score", "file", "citation"}
    assert hit["symbol"] in hit["citation"] and hit["title"] in hit["citation"]

    fr = json.loads(run("search", "--index", index, "--json", "--lang", "fr", "--",
                        "autorités locales").stdout)
    assert fr["hits"] and all(h["lang"] == "fr" for h in fr["hits"])

    new = tmp_path / "note.txt"
    new.write_text("1. Diaspora bonds can finance municipal infrastructure in towns of origin.\n")
    out = run("add", str(new), "--index", index, "--title", "Diaspora bonds note",
              "--series", "GFMD", "--symbol", "GFMD/2026/1", "--lang", "en", "--date", "2026")
    assert "indexed 1 file" in out.stdout
    res = json.loads(run("search", "--index", index, "--json", "--", "diaspora bonds").stdout)
    top = res["hits"][0]
    assert (top["title"], top["series"], top["symbol"]) == (
        "Diaspora bonds note", "GFMD", "GFMD/2026/1")

    again = run("add", str(new), "--index", index)
    assert "1 duplicate" in again.stdout

    run("remove", top["doc_id"], "--index", index)
    res = json.loads(run("search", "--index", index, "--json", "--", "diaspora bonds").stdout)
    assert all(h["doc_id"] != top["doc_id"] for h in res["hits"])
    assert "agree" in run("check", "--index", index).stdout


def test_refused_file_sets_exit_status_1(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "good.txt").write_text("1. A good paragraph on labour migration and decent work.")
    (corpus / "empty.txt").write_text("")
    out = run("build", "--corpus", str(corpus), "--index", str(tmp_path / "d"), ok=(1,))
    assert "refused    empty.txt: the file is empty" in out.stdout


def test_user_errors_are_messages_not_tracebacks(tmp_path):
    index = str(tmp_path / "none")
    out = run("search", "--index", index, "--", "migration", ok=(2,))
    assert "build" in out.stderr
    out = run("remove", "dnope", "--index", index, ok=(2,))
    assert out.stderr.startswith("error:")
    out = run("add", str(tmp_path / "missing.pdf"), "--index", index, ok=(2,))
    assert "no such file" in out.stderr


def test_overlong_query_is_refused_politely(tmp_path):
    index = str(tmp_path / "data")
    run("build", "--corpus", str(PROJECT / "corpus" / "samples"), "--index", index)
    out = run("search", "--index", index, "--", "migration " * 150, ok=(2,))
    assert "limit is 1000" in out.stderr


def test_topic_and_same_language_switches(tmp_path):
    index = str(tmp_path / "data")
    run("build", "--corpus", str(PROJECT / "corpus" / "samples"), "--index", index)
    res = json.loads(run("search", "--index", index, "--json", "--topic",
                         "local-authorities").stdout)
    assert res["total"] > 0
    res = json.loads(run("search", "--index", index, "--json", "--same-language", "--",
                         "autoridades locales").stdout)
    assert res["query_lang"] == "es" and {h["lang"] for h in res["hits"]} == {"es"}
    out = run("search", "--index", index, "--topic", "no-such-topic", ok=(2,))
    assert "no-such-topic" in out.stderr


def test_restore_edit_and_log(tmp_path):
    index = str(tmp_path / "data")
    run("build", "--corpus", str(PROJECT / "corpus" / "samples"), "--index", index)
    doc = json.loads(run("list", "--index", index, "--json").stdout)["documents"][0]
    run("remove", doc["doc_id"], "--index", index)
    assert doc["doc_id"] not in run("list", "--index", index).stdout
    run("restore", doc["doc_id"], "--index", index)
    run("edit", doc["doc_id"], "--index", index, "--title", "Renamed sample")
    docs = json.loads(run("list", "--index", index, "--json").stdout)["documents"]
    assert {d["title"] for d in docs if d["doc_id"] == doc["doc_id"]} == {"Renamed sample"}
    log = json.loads(run("log", "--index", index, "--json").stdout)["audit"]
    assert [e["action"] for e in log[:3]] == ["edit", "restore", "remove"]
    assert run("edit", doc["doc_id"], "--index", index, ok=(2,)).stderr.startswith("error:")


# Words for the deep-export corpus: paragraph n says `corridor` (the query) 1-3 times among
# 8-57 other words, so every paragraph has its own score (no ties to order arbitrarily) and
# no two share enough wording to be folded as copies.
_WORDS = ("policy workers families labour markets skills training housing health schools "
          "language courses employers wages contracts visas permits borders consulates "
          "returns diaspora savings banks fees transfers mobile payments villages towns "
          "regions ministries parliament courts lawyers unions farms factories ports "
          "ships roads trains seasons harvests droughts floods climate water energy debt "
          "budgets taxes pensions insurance clinics nurses doctors teachers students").split()
_PARAGRAPHS = 150


@pytest.fixture(scope="module")
def deep_index(tmp_path_factory) -> str:
    """An index (built by the CLI) with _PARAGRAPHS passages matching `corridor`."""
    root = tmp_path_factory.mktemp("deep")
    corpus = root / "corpus"
    corpus.mkdir()
    rng = random.Random(7)
    paras = []
    for n in range(1, _PARAGRAPHS + 1):
        words = rng.sample(_WORDS, 8 + n % 50)
        for _ in range(1 + n // 50):  # 1, 2 or 3 times
            words.insert(rng.randrange(len(words) + 1), "corridor")
        paras.append(f"{n}. The " + " ".join(words) + ".\n\n")
    (corpus / "deep.en.txt").write_text("".join(paras), encoding="utf-8")
    index = str(root / "data")
    run("build", "--corpus", str(corpus), "--index", index, "--quiet")
    return index


def _search(index: str, *args: str) -> dict:
    return json.loads(run("search", "--index", index, "--json", "--no-expand", *args,
                          "--", "corridor").stdout)


def _ids(res: dict) -> list[str]:
    return [h["passage_id"] for h in res["hits"]]


def test_search_limit_1000_exports_every_result_in_order(deep_index):
    top10 = _search(deep_index, "--limit", "10")
    deep = _search(deep_index, "--limit", "1000")
    assert (deep["page"], deep["per_page"]) == (1, 1000)
    assert deep["total"] == top10["total"] == _PARAGRAPHS
    assert len(deep["hits"]) == _PARAGRAPHS  # more than the web API's 100 a page
    assert len(set(_ids(deep))) == _PARAGRAPHS
    assert _ids(deep)[:10] == _ids(top10)
    scores = [h["score"] for h in deep["hits"]]
    assert scores == sorted(scores, reverse=True)


def test_search_page_selects_the_following_results(deep_index):
    top10 = _search(deep_index, "--limit", "10")
    page1 = _search(deep_index, "--limit", "5")
    page2 = _search(deep_index, "--limit", "5", "--page", "2")
    assert (page2["page"], page2["per_page"], page2["total"]) == (2, 5, _PARAGRAPHS)
    assert len(_ids(top10)) == 10
    assert _ids(page1) == _ids(top10)[:5]
    assert _ids(page2) == _ids(top10)[5:]
    assert not set(_ids(page1)) & set(_ids(page2))
    last = _search(deep_index, "--limit", "100", "--page", "2")
    assert len(last["hits"]) == _PARAGRAPHS - 100
    past = run("search", "--index", deep_index, "--json", "--no-expand", "--limit", "100",
               "--page", "3", "--", "corridor", ok=(2,))
    assert "page 3 is past the end of the results: they fill 2 pages of 100" in past.stderr
    text = run("search", "--index", deep_index, "--no-expand", "--limit", "5", "--page", "2",
               "--", "corridor").stdout
    assert "\n6. [en]" in text and "\n10. [en]" in text and "\n1. [en]" not in text


@pytest.mark.parametrize("args,message", [
    (("--limit", "0"), "argument --limit: limit must be a whole number from 1 to 1000, not '0'"),
    (("--limit", "1001"),
     "argument --limit: limit must be a whole number from 1 to 1000, not '1001'"),
    (("--limit", "ten"),
     "argument --limit: limit must be a whole number from 1 to 1000, not 'ten'"),
    (("--page", "0"), "argument --page: must be 1 or more, not 0"),
    (("--page", "-3"), "argument --page: must be 1 or more, not -3"),
])
def test_search_limit_and_page_out_of_range_are_refused(tmp_path, args, message):
    out = run("search", "--index", str(tmp_path / "none"), *args, "--", "migration", ok=(2,))
    assert message in out.stderr and "usage:" in out.stderr
