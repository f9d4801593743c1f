"""Cross-references in the product (issue 23): found when a file is read, kept by the store,
resolved against the index as it is now (by symbol, by `adopted as`, through the catalog's
works; pinpoints to paragraphs in the reader's language), re-resolved when documents come and
go, searchable (`cites:`), and shown: the passage and document pages, the API, the command
line, the coherence map and its exports. Real indexes on disk, on both engines; the shared
corpus where it is there."""

from __future__ import annotations

import csv
import io
import json
import random
import re
import subprocess
import sys
import textwrap
from xml.etree import ElementTree as ET

import pytest
from conftest import PROJECT, SHARED

from indexer import config, engines, library
from indexer.labels import label_key
from indexer.models import DocMeta
from indexer.search.citing import find_paragraph, pinpoint_keys
from indexer.search.service import SearchRequest, SearchService
from indexer.storage import refs as stored
from indexer.symbols import normalize_symbol

ENGINES = list(engines.ENGINES)


def _sdg(lang: str, goal: str, targets: dict[str, str]) -> str:
    paras = "".join(f"<p>{k} {v}</p>\n" for k, v in targets.items())
    return (f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'><title>2030 "
            f"({lang})</title></head><body><h1>2030 ({lang})</h1><h2>{goal}</h2>\n{paras}"
            "</body></html>")


AGENDA = {
    "agenda.en.html": _sdg("en", "Goal 10. Reduce inequality within and among countries", {
        "10.7": "Facilitate orderly, safe, regular and responsible migration and mobility of "
                "people, including through well-managed migration policies",
        "10.c": "By 2030, reduce to less than 3 per cent the transaction costs of migrant "
                "remittances and eliminate remittance corridors with costs higher than 5 per "
                "cent"}),
    "agenda.fr.html": _sdg("fr", "Objectif 10. Réduire les inégalités dans les pays et d’un "
                           "pays à l’autre", {
        "10.7": "Faciliter la migration et la mobilité de façon ordonnée, sans danger, "
                "régulière et responsable, notamment par la mise en œuvre de politiques "
                "migratoires planifiées et bien gérées",
        "10.c": "D’ici à 2030, faire baisser au-dessous de 3 pour cent les coûts de "
                "transaction des envois de fonds effectués par les migrants"}),
}
def _text(*paragraphs: str) -> str:
    """A text file as UN texts are extracted: paragraphs wrapped, blank lines between."""
    return "\n\n".join(textwrap.fill(p, 80) for p in paragraphs) + "\n"


COMPACT = _text(
    "A/73/L.66", "Global Compact for Safe, Orderly and Regular Migration",
    "The General Assembly,",
    "Recalling its resolution 70/1 of 25 September 2015, entitled \"Transforming our world: "
    "the 2030 Agenda for Sustainable Development\", by which it adopted a set of goals,",
    "1. Endorses the Global Compact for Safe, Orderly and Regular Migration annexed to the "
    "present resolution, and decides to keep its implementation under review;",
    "36. We commit to promote faster, safer and cheaper remittances. To realize this "
    "commitment, we will develop a road map to reduce the transaction costs of migrant "
    "remittances to less than 3 per cent by 2030 in line with target 10.c of the 2030 Agenda "
    "for Sustainable Development;",
    "37. We commit to cooperate with cities, in line with the New Urban Agenda, to improve "
    "services for migrants and communities in urban areas.")
LATER = _text(
    "A/C.2/75/L.8", "International migration and development", "The General Assembly,",
    "Recalling its resolution 73/195 of 19 December 2018, in which it endorsed the Global "
    "Compact for Safe, Orderly and Regular Migration,",
    "1. Calls upon Member States to implement the Global Compact for Safe, Orderly and "
    "Regular Migration, and target 10.7 of the 2030 Agenda, in line with their national "
    "policies;",
    "2. Requests the Secretary-General to submit to the General Assembly at its seventy-sixth "
    "session a report on the implementation of the present resolution, including on the "
    "contributions of local authorities, the private sector and civil society.")
MANIFEST = ("file\ttitle\tseries\tsymbol\tlang\tdate\n"
            "agenda.en.html\tTransforming our world: the 2030 Agenda\tSDG\tA/RES/70/1\ten\t2015\n"
            "agenda.fr.html\tTransformer notre monde : le Programme 2030\tSDG\tA/RES/70/1\tfr"
            "\t2015\n"
            "compact.en.txt\tGlobal Compact for Migration (draft; adopted as A/RES/73/195)\tGCM"
            "\tA/73/L.66\ten\t2018\n"
            "later.en.txt\tInternational migration and development\tUNGA\tA/C.2/75/L.8\ten"
            "\t2020\n")
FILES = {**AGENDA, "compact.en.txt": COMPACT, "later.en.txt": LATER, "MANIFEST.tsv": MANIFEST}


def _build(root, files: dict[str, str], engine: str = "tantivy", **settings):
    corpus = root / "corpus"
    corpus.mkdir(exist_ok=True)
    for name, text in files.items():
        (corpus / name).write_text(text, encoding="utf-8")
    s = config.load(index_dir=str(root / "data"), engine=engine, result_cache=0,
                    corpus_dir=str(root / "no-catalog"), **settings)
    report = library.build(corpus, s, workers=1)
    assert not report.of("refused"), [(o.file, o.reason) for o in report.of("refused")]
    return s, corpus


@pytest.fixture(scope="module", params=ENGINES)
def built(request, tmp_path_factory):
    return _build(tmp_path_factory.mktemp(f"refs-{request.param}"), FILES, request.param)[0]


def _docs(service: SearchService) -> dict:
    return {d.file: d for d in service.documents()}


def _passage(service: SearchService, file: str, starts: str):
    with service.store() as st:
        doc = next(d for d in st.documents() if d.file == file)
        return next(p for p in st.passages(doc.doc_id) if p.text.startswith(starts)), doc


def _cites(service: SearchService, file: str, starts: str, langs: list[str]):
    p, d = _passage(service, file, starts)
    with service.store() as st:
        return service.resolver(st).cites(p, d, langs)


# ------------------------------------------------------------------ ingest and store


def test_references_are_found_at_ingest_and_kept_with_their_passages(built):
    service = SearchService(built)
    p, d = _passage(service, "compact.en.txt", "36.")
    [ref] = p.references
    assert (ref.symbol, ref.pinpoint, ref.kind) == ("A/RES/70/1", "target 10.c", "pinpoint")
    assert p.text[ref.start:ref.end] == ref.text == \
        "target 10.c of the 2030 Agenda for Sustainable Development"
    p, _ = _passage(service, "later.en.txt", "Recalling")
    assert [(r.symbol, r.verb, r.verb_text) for r in p.references] == [
        ("A/RES/73/195", "recall", "Recalling"), ("A/RES/73/195", "recall", "Recalling")]
    with service.store() as st:  # a document's own symbols are no references: the compact
        own = [c for c in stored.cited_by_document(st, d.doc_id)  # is A/RES/73/195 too
               if c.ref.symbol in ("A/73/L.66", "A/RES/73/195")]
        assert own == []
        assert stored.totals(st)[0] >= 6


def test_a_build_without_references_finds_none(tmp_path):
    """The `references` setting off (only to measure their cost) stores none."""
    s, _ = _build(tmp_path, FILES, references=0)
    with SearchService(s).store() as st:
        assert stored.totals(st) == (0, 0)


def test_check_finds_the_references_of_a_store_older_than_them(tmp_path):
    """A store whose documents were read before references were kept (here: built with them
    off) gets them from its stored passages on `index.py check`, which rebuilds the
    index's `cites`; no file is read again."""
    s, corpus = _build(tmp_path, FILES, references=0)
    for f in corpus.iterdir():  # the files are gone: only the store has the texts
        f.unlink()
    result = library.check(config.load(index_dir=s.index_dir, corpus_dir=s.corpus_dir))
    assert result.references >= 6 and result.repaired
    service = SearchService(s)
    p, _ = _passage(service, "compact.en.txt", "36.")
    assert [(r.symbol, r.pinpoint) for r in p.references] == [("A/RES/70/1", "target 10.c")]
    res = service.search(SearchRequest(q="", cites="A/RES/73/195"))
    assert {h.document.file for h in res.hits} == {"later.en.txt"}
    assert library.check(config.load(index_dir=s.index_dir)).references == 0  # once


# ------------------------------------------------------------------ resolution


def test_a_pinpoint_leads_to_its_paragraph_in_the_readers_language(built):
    service = SearchService(built)
    docs = _docs(service)
    target = "target 10.c"
    for lang, file in (("fr", "agenda.fr.html"), ("en", "agenda.en.html"),
                       ("es", "agenda.en.html")):  # no Spanish version: English
        links = [k for k in _cites(service, "compact.en.txt", "36.", [lang])
                 if k.ref.pinpoint == target]
        [link] = links
        assert link.target.doc_id == docs[file].doc_id, lang
        assert link.target_label == "10.c"
        assert link.cites_json()["passage_id"] == f"{docs[file].doc_id}-10.c"


def test_a_draft_answers_for_the_resolution_it_was_adopted_as(built):
    """`resolution 73/195` leads to the draft A/73/L.66, whose catalog title says it was
    adopted as A/RES/73/195."""
    service = SearchService(built)
    compact = _docs(service)["compact.en.txt"]
    links = _cites(service, "later.en.txt", "Recalling", ["en"])
    assert {k.target.doc_id for k in links} == {compact.doc_id}
    assert all(k.target_passage == "" for k in links)  # the whole text: no pinpoint


def test_a_text_not_in_the_index_keeps_its_symbol_and_official_link(built):
    service = SearchService(built)
    [link] = _cites(service, "compact.en.txt", "37.", ["en"])
    item = link.cites_json()
    assert item["symbol"] == "A/RES/71/256" and item["doc_id"] is None
    assert item["passage_id"] is None and item["url"] == "https://undocs.org/A/RES/71/256"
    assert item["title"] == "New Urban Agenda"


def test_the_catalogs_works_link_a_draft_and_its_resolution(tmp_path):
    """Without `adopted as` anywhere, the catalog (corpus_dir/catalog.toml) says that
    A/73/L.66 and A/RES/73/195 are one work: a reference to either leads to the draft."""
    manifest = MANIFEST.replace("Global Compact for Migration (draft; adopted as A/RES/73/195)",
                                "Global Compact for Migration (draft)")
    s, _ = _build(tmp_path, {**FILES, "MANIFEST.tsv": manifest})
    service = SearchService(s)
    assert {k.target for k in _cites(service, "later.en.txt", "Recalling", ["en"])} == {None}
    catalog = tmp_path / "catalog"
    catalog.mkdir()
    (catalog / "catalog.toml").write_text(
        '[[document]]\nid = "gcm-draft"\nsymbol = "A/73/L.66"\nwork = "gcm"\n\n'
        '[[document]]\nid = "gcm"\ntitle = "Global Compact for Migration"\n'
        'symbol = "A/RES/73/195"\nwork = "gcm"\n', encoding="utf-8")
    service = SearchService(config.load(index_dir=s.index_dir, corpus_dir=str(catalog)))
    compact = _docs(service)["compact.en.txt"]
    assert {k.target.doc_id for k in _cites(service, "later.en.txt", "Recalling", ["en"])} \
        == {compact.doc_id}
    (catalog / "catalog.toml").write_text("[[document]\nbroken", encoding="utf-8")
    with pytest.raises(ValueError, match="not valid TOML"):
        _cites(service, "later.en.txt", "Recalling", ["en"])


def test_cited_by_this_paragraph_first_then_its_document(built):
    service = SearchService(built)
    p, d = _passage(service, "agenda.en.html", "10.c")
    with service.store() as st:
        cited = service.resolver(st).cited_by(p, d, ["en"])
    docs = _docs(service)
    first = cited.items[0]
    assert first.document.doc_id == docs["compact.en.txt"].doc_id and not first.whole
    assert first.link.ref.pinpoint == "target 10.c"
    # the compact's `resolution 70/1` cites the whole document; the later text's `target
    # 10.7` names another paragraph and is not listed
    assert [c.whole for c in cited.items] == [False, True]
    assert cited.total == 2 and dict((x.file, n) for x, n in cited.documents) == {
        "compact.en.txt": 2}
    # the French version of the paragraph is cited by the same references
    p_fr, d_fr = _passage(service, "agenda.fr.html", "10.c")
    with service.store() as st:
        assert service.resolver(st).cited_by(p_fr, d_fr, ["fr"]).total == 2


def test_references_are_resolved_anew_when_documents_come_and_go(tmp_path):
    """The store keeps the references: adding, removing and restoring the cited text
    changes what they lead to, and the citing document is not read again."""
    files = {k: v for k, v in FILES.items() if not k.startswith("agenda")}
    s, _ = _build(tmp_path, files)
    service = SearchService(s)
    before = _docs(service)["compact.en.txt"]

    def target() -> tuple[str | None, str | None]:
        [link] = [k for k in _cites(service, "compact.en.txt", "36.", ["en"])
                  if k.ref.pinpoint]
        item = link.cites_json()
        return item["doc_id"], item["passage_id"]

    assert target() == (None, None)
    agenda = tmp_path / "agenda.en.html"
    agenda.write_text(AGENDA["agenda.en.html"], encoding="utf-8")
    library.add([agenda], s, sidecar=DocMeta(symbol="A/RES/70/1", lang="en"))
    doc_id = next(d.doc_id for d in service.documents() if d.meta.symbol == "A/RES/70/1")
    assert target() == (doc_id, f"{doc_id}-10.c")
    library.remove(doc_id, s)
    assert target() == (None, None)
    library.restore(doc_id, s)
    assert target() == (doc_id, f"{doc_id}-10.c")
    after = _docs(service)["compact.en.txt"]
    assert (after.doc_id, after.added) == (before.doc_id, before.added)  # not re-read


def test_pinpoints_and_labels_agree():
    assert pinpoint_keys("target 10.c", "pinpoint") == ["10.c"]
    assert pinpoint_keys("Goal 10", "pinpoint")[0] == label_key("Objectif 10")
    assert pinpoint_keys("Article 14", "pinpoint")[0] == label_key("Artículo 14")
    assert pinpoint_keys("para. 23", "resolution") == ["23", "annex/23"]
    assert pinpoint_keys("para. 23", "instrument") == ["annex/23", "23"]
    assert pinpoint_keys("annex V, para. 21", "symbol") == [label_key("annex V, 21")]
    assert pinpoint_keys("paras. 5-6", "resolution")[0] == "5"


# ------------------------------------------------------------------ search


@pytest.mark.parametrize("typed", ["A/73/L.66", "A/RES/73/195", "a/res/73/195"])
def test_the_cites_filter_finds_a_text_by_any_of_its_symbols(built, typed):
    service = SearchService(built)
    later = _docs(service)["later.en.txt"]
    res = service.search(SearchRequest(q="", cites=typed))
    assert res.total and {h.document.doc_id for h in res.hits} == {later.doc_id}
    inline = service.search(SearchRequest(q=f"migration cites:{typed}"))
    assert {h.document.doc_id for h in inline.hits} == {later.doc_id}
    assert res.facets["cites"]["A/RES/73/195"] == res.total


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("typed", ["A/73/L.66", "a/res/73/195"])
def test_a_saved_cites_search_catches_what_the_search_finds(tmp_path, engine, typed):
    """A saved search with `cites:` stands for the same symbols as its search: saved with
    the draft's symbol, it catches a new passage that cites the adopted resolution, and
    nothing search would not find."""
    from indexer.alerts import searches
    from indexer.alerts.store import open_store

    s, _ = _build(tmp_path, FILES, engine)
    alerts = open_store(s)
    try:
        saved, _token = searches.save(alerts, s, searches.request_from(
            {"q": f"cites:{typed}"}))
    finally:
        alerts.close()
    newer = tmp_path / "newer.en.txt"
    newer.write_text(_text(
        "A/C.3/76/L.9", "Protection of migrants", "The General Assembly,",
        "Reaffirming its resolution 73/195 of 19 December 2018 and the commitments it "
        "endorsed,",
        "1. Encourages local authorities to share their experience of welcoming migrants."),
        encoding="utf-8")
    assert library.add([newer], s).of("indexed")
    service = SearchService(s)
    searched = {h.passage.passage_id for h in service.search(SearchRequest(
        q=f"cites:{typed}")).hits if h.document.file == "newer.en.txt"}
    alerts = open_store(s)
    try:
        caught = {i.passage_id for i in alerts.items(saved.id, limit=100)}
    finally:
        alerts.close()
    assert searched and caught == searched


def test_the_cites_facet_counts_the_cited_texts(built):
    service = SearchService(built)
    res = service.search(SearchRequest(q="migration OR remittances OR migrants"))
    assert {"A/RES/70/1", "A/RES/73/195", "A/RES/71/256"} <= set(res.facets["cites"])


# ------------------------------------------------------------------ API, pages, CLI


@pytest.fixture(scope="module")
def client(built):
    from search_app import create_app

    return create_app({"SETTINGS": built, "TESTING": True, "JOB_WORKER": False}).test_client()


def test_the_api_passage_view_and_who_cites(client, built):
    from openapi_check import response_errors

    spec = client.get("/api/openapi.json").get_json()
    service = SearchService(built)
    p, _ = _passage(service, "compact.en.txt", "36.")
    view = client.get(f"/api/passages/{p.passage_id}", headers={"Accept-Language": "fr"})
    body = view.get_json()
    assert response_errors(spec, "/api/passages/{passage_id}", body) == []
    [item] = body["cites"]
    assert item["passage_id"].endswith("-10.c") and item["label"] == "target 10.c"
    assert item["doc_id"] == _docs(service)["agenda.fr.html"].doc_id
    who = client.get("/api/references?symbol=A/73/L.66").get_json()
    assert response_errors(spec, "/api/references", who) == []
    assert who["total"] == 3 and "A/RES/73/195" in who["also_cited_as"]
    assert {r["doc_id"] for r in who["references"]} == {_docs(service)["later.en.txt"].doc_id}
    pinned = client.get("/api/references?symbol=A/RES/70/1&pinpoint=target+10.7").get_json()
    assert pinned["total"] == 1 and pinned["references"][0]["pinpoint"] == "target 10.7"
    unknown = client.get("/api/references?symbol=A/RES/1/999").get_json()
    assert unknown["total"] == 0 and unknown["cited"] is None
    assert client.get("/api/references?symbol=").status_code == 400
    assert client.get("/api/references?symbol=A/RES/70/1&limit=0").status_code == 400
    doc = client.get(f"/api/documents/{_docs(service)['compact.en.txt'].doc_id}").get_json()
    assert response_errors(spec, "/api/documents/{doc_id}", doc) == []
    assert {c["symbol"] for c in doc["cites"]} == {"A/RES/70/1", "A/RES/71/256"}
    assert [c["doc_id"] for c in doc["cited_by"]] == [_docs(service)["later.en.txt"].doc_id]


def test_the_passage_page_marks_and_links_each_reference(client, built):
    service = SearchService(built)
    p, _ = _passage(service, "compact.en.txt", "36.")
    html = client.get(f"/p/{p.passage_id}?lang_ui=fr").get_data(as_text=True)
    agenda_fr = _docs(service)["agenda.fr.html"].doc_id
    assert (f'<a class="ref" href="/p/{agenda_fr}-10.c"' in html
            and '<mark class="ref" id="ref-1">target 10.c of the 2030 Agenda' in html)
    assert "Textes cités" in html and "cible 10.c" in html  # the French page
    target, _ = _passage(service, "agenda.en.html", "10.c")
    html = client.get(f"/p/{target.passage_id}?lang_ui=en").get_data(as_text=True)
    assert "Cited by" in html and "cites this paragraph" in html
    assert "cites the whole document" in html


def test_what_comes_from_a_document_is_escaped(tmp_path):
    """A reference's words, a cited name, a document's title: text in the page, never
    markup."""
    from search_app import create_app

    hostile = _text("<b>Hostile</b>",
                    "1. Recalling resolution 70/1 <script>alert(1)</script> and the New Urban "
                    "Agenda<img src=x onerror=alert(1)>, and A/RES/71/256\"><svg "
                    "onload=alert(1)>, migrants and remittances everywhere.",
                    "2. A second paragraph about migrants and their remittances, so that the "
                    "hostile one has a neighbour shown beside it on its page.")
    manifest = MANIFEST + "hostile.en.txt\t<script>alert(2)</script> title\tother\t" \
                          "A/C.2/75/L.9\ten\t2020\n"
    s, _ = _build(tmp_path, {**FILES, "hostile.en.txt": hostile, "MANIFEST.tsv": manifest})
    client = create_app({"SETTINGS": s, "TESTING": True, "JOB_WORKER": False}).test_client()
    service = SearchService(s)
    p, d = _passage(service, "hostile.en.txt", "<b>Hostile")
    assert p.references
    agenda = _docs(service)["agenda.en.html"]
    pages = [f"/p/{p.passage_id}", f"/d/{d.doc_id}", f"/d/{agenda.doc_id}",
             f"/p/{agenda.doc_id}-10.7", "/search?q=hostile&cites=A/RES/70/1"]
    for url in pages:
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html, url
        assert "<svg onload" not in html, url
    html = client.get(f"/p/{p.passage_id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and 'class="ref"' in html


def test_the_command_line_contract(built):
    service = SearchService(built)
    p, _ = _passage(service, "compact.en.txt", "36.")
    out = subprocess.run([sys.executable, str(PROJECT / "index.py"), "refs", p.passage_id,
                          "--json", "--index", built.index_dir], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    body = json.loads(out.stdout)
    assert set(body) == {"cites", "cited_by"}
    keys = {"symbol", "label", "verb", "text", "doc_id", "passage_id"}
    [cite] = body["cites"]
    assert keys <= set(cite) and cite["label"] == "target 10.c" and cite["verb"] is None
    later = _docs(service)["later.en.txt"].doc_id
    assert len(body["cited_by"]) == 3 and all(  # the later text cites the compact as a whole
        c["doc_id"] == later and c["whole_document"] and keys <= set(c)
        for c in body["cited_by"])
    target, _ = _passage(service, "agenda.en.html", "10.c")
    out = subprocess.run([sys.executable, str(PROJECT / "index.py"), "refs",
                          target.passage_id, "--json", "--index", built.index_dir],
                         capture_output=True, text=True, timeout=120)
    body = json.loads(out.stdout)
    assert body["cites"] == [] and all(keys <= set(c) for c in body["cited_by"])
    assert body["cited_by"][0]["passage_id"] == p.passage_id
    text = subprocess.run([sys.executable, str(PROJECT / "index.py"), "refs", "no-such",
                           "--index", built.index_dir], capture_output=True, text=True,
                          timeout=120)
    assert text.returncode == 2 and "no passage" in text.stderr


# ------------------------------------------------------------------ the coherence map


def test_the_map_its_cells_and_exports(client, built):
    from openapi_check import response_errors

    q = "a=A/RES/73/195&b=A/RES/70/1"
    html = client.get(f"/map?{q}&lang_ui=es").get_data(as_text=True)
    assert "Mapa de coherencia" in html and "meta 10.c" in html
    spec = client.get("/api/openapi.json").get_json()
    q += "&lang_ui=en"  # the parts are named in the reader's language
    body = client.get(f"/api/map?{q}").get_json()
    assert response_errors(spec, "/api/map", body) == []
    [m] = body["maps"]
    cited = [x for x in m["links"] if x["link"] == "cited"]
    assert {(x["unit_a"], x["unit_b"]) for x in cited} == {
        ("para. 36", "target 10.c"), ("preamble, para. 1", "the whole text")}
    assert all(x["link"] in ("cited", "suggested") for x in m["links"])
    cell = client.get(f"/map/cell?{q}&ua=36&ub=t-10.c").get_data(as_text=True)
    assert "target 10.c of the 2030 Agenda" in cell
    assert client.get(f"/map/cell?{q}&ua=36&ub=t-9.9").status_code == 404
    rows = list(csv.DictReader(io.StringIO(client.get(f"/api/map.csv?{q}").get_data(
        as_text=True).lstrip("\ufeff"))))
    assert {(r["unit_a"], r["unit_b"], r["link"]) for r in rows} >= {
        ("para. 36", "target 10.c", "cited")}
    graph = ET.fromstring(client.get(f"/api/map.graphml?{q}").get_data())
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    edges = graph.findall(".//g:edge", ns)
    assert len(edges) == len(rows) and graph.findall(".//g:node", ns)
    # a text not in the index is said so; two texts are needed
    html = client.get("/map?lang_ui=en").get_data(as_text=True)
    assert "A/RES/71/256" in html
    assert client.get("/map?a=A/RES/70/1").status_code == 400


# ------------------------------------------------------------------ the shared corpus


@pytest.fixture(scope="module", params=ENGINES)
def shared_service(request, tmp_path_factory):
    if not (SHARED / "corpus").exists():
        pytest.skip("shared corpus not available")
    s = config.load(index_dir=str(tmp_path_factory.mktemp(f"xref-{request.param}") / "d"),
                    engine=request.param, result_cache=0, corpus_dir=str(PROJECT / "corpus"))
    library.build(SHARED / "corpus", s, workers=2)
    return SearchService(s)


@pytest.mark.shared
def test_every_reference_of_the_shared_corpus_resolves_and_is_searchable(shared_service):
    """On every passage of ../shared/corpus: each reference's words stand at its offsets;
    each resolved pinpoint leads to a paragraph with the label it names; every cited symbol
    (a seeded sample) finds its citing passages through `cites:`; the GCM's `target 10.c`
    leads to the SDG target in the reader's language."""
    service = shared_service
    with service.store() as st:
        resolver = service.resolver(st)
        by_symbol: dict[str, set[str]] = {}
        found = 0
        for doc in st.documents():
            for p in st.passages(doc.doc_id):
                for r in p.references:
                    found += 1
                    assert p.text[r.start:r.end] == r.text, (p.passage_id, r)
                    assert r.symbol == normalize_symbol(r.symbol)
                    if r.symbol:
                        by_symbol.setdefault(r.symbol, set()).add(p.passage_id)
                for link in resolver.cites(p, doc, ["fr"]):
                    if link.target_passage:
                        keys = pinpoint_keys(link.ref.pinpoint, link.ref.kind)
                        place = find_paragraph(resolver.places(link.target.doc_id),
                                               link.ref.pinpoint, link.ref.kind)
                        assert place is not None and place.passage_id == link.target_passage
                        assert label_key(place.label) in keys or "Objective" in \
                            link.ref.pinpoint, (link.ref, place)
        assert found >= 300
    for symbol in random.Random(23).sample(sorted(by_symbol), 25):
        res = service.search(SearchRequest(q="", cites=symbol, per_page=100))
        hits = {h.passage.passage_id for h in res.hits}
        for copy in res.hits:
            hits |= {c["passage_id"] for c in copy.copies}
        assert res.total and hits & by_symbol[symbol], symbol
    gcm = next(d for d in service.documents() if d.meta.symbol == "A/73/L.66")
    links = [k for k in _cites(service, gcm.file, "(a) Develop a road map", ["es"])
             if k.ref.pinpoint == "target 10.c"]
    assert [k.target.meta.lang for k in links] == ["es"] and links[0].target_label == "10.c"
    assert re.fullmatch(r"d\w+-10\.c", links[0].target_passage)
