"""The command line as users and other tools call it: a real subprocess, real files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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
