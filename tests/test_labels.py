"""One function words a label (indexer/labels.py `locator`): the citations call it in English,
the pages (the `para` filter) in the reader's language. Over the real corpus, every passage's
label is worded the same way by its page and by its citation."""

from __future__ import annotations

import html
import random
import re

import pytest

from indexer.labels import locator
from indexer.storage import store
from search_app import create_app
from search_app.views import para_filter

# (label, section) -> (citation, page in English, page in French, page in Spanish)
EXAMPLES = {
    ("16(a)", ""): ("para. 16(a)", "para. 16(a)", "par. 16(a)", "párr. 16(a)"),
    ("annex, 16(a)", ""): ("annex, para. 16(a)",) * 2 + ("annexe, par. 16(a)",
                                                          "anexo, párr. 16(a)"),
    ("annex I, 3", ""): ("annex I, para. 3",) * 2 + ("annexe I, par. 3", "anexo I, párr. 3"),
    ("preamble 3", ""): ("preamble, para. 3",) * 2 + ("préambule, par. 3",
                                                       "preámbulo, párr. 3"),
    ("10.7", ""): ("target 10.7",) * 2 + ("cible 10.7", "meta 10.7"),
    ("Article 14", ""): ("Article 14",) * 4,
    ("annex, footnote 1", ""): ("annex, footnote 1",) * 2 + ("annexe, footnote 1",
                                                              "anexo, footnote 1"),
    # the page shows the section of an unnumbered paragraph beside its label
    ("¶ 2", "Module 4 > Introduction"): ("Module 4 > Introduction, ¶ 2", "¶ 2", "¶ 2", "¶ 2"),
}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return create_app({"INDEX_DIR": str(tmp_path_factory.mktemp("labels") / "data"),
                       "TESTING": True, "JOB_WORKER": False})


def _page_words(app, label: str, lang: str = "en") -> str:
    with app.test_request_context(headers={"Accept-Language": lang}):
        return para_filter(label)


@pytest.mark.parametrize(("label", "section"), list(EXAMPLES))
def test_a_label_is_worded_once_for_citations_and_pages(app, label, section):
    cited, en, fr, es = EXAMPLES[label, section]
    assert locator(label, section) == cited
    assert [_page_words(app, label, lang) for lang in ("en", "fr", "es")] == [en, fr, es]


@pytest.mark.shared
def test_every_label_of_the_real_corpus_is_worded_alike_by_page_and_citation(
        shared_corpus_index):
    """Every passage of ../shared/corpus: the page's English wording of its label is the
    citation's (the section of a `¶` paragraph, shown beside it on the page, aside); in
    French and Spanish the same label keeps its number. Then a sample of passage pages and
    their API records, fetched from the app (seed 20)."""
    from pathlib import Path

    app = create_app({"SETTINGS": shared_corpus_index, "TESTING": True, "JOB_WORKER": False})
    with store.open(store.current_generation(Path(shared_corpus_index.index_dir))) as st:
        passages = [p for d in st.documents() for p in st.passages(d.doc_id)]
    assert len(passages) > 1000
    shapes = set()
    for lang in ("en", "fr", "es"):
        with app.test_request_context(headers={"Accept-Language": lang}):
            for p in passages:
                page = para_filter(p.label)
                cited = locator(p.label, p.section)
                if lang == "en":
                    beside = p.section and "¶" in p.label
                    shown = cited.replace(f"{p.section}, ", "", 1) if beside else cited
                    assert page == shown == locator(p.label), p
                    shapes.add(re.sub(r"\d+", "N", cited.split(", ")[-1].split(" ")[0]))
                else:  # worded in the language, the label's own numbers kept
                    assert re.findall(r"\d+", page) == re.findall(r"\d+", p.label), (lang, p)
    assert {"para.", "Article", "¶"} <= shapes  # the corpus has each kind

    client = app.test_client()
    for p in random.Random(20).sample(passages, 40):
        record = client.get(f"/api/passages/{p.passage_id}").get_json()
        assert record["passage"]["locator"] == locator(p.label, p.section)
        if p.label:
            title = re.search(r"<title>(.*?)</title>",
                              client.get(f"/p/{p.passage_id}").get_data(as_text=True), re.S)
            assert f", {locator(p.label)} ·" in html.unescape(title.group(1)), p
