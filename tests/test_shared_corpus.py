"""The checks of the ingestion issue on the real documents in ../shared (skipped if absent)."""

from __future__ import annotations

import csv
import re
import unicodedata
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pypdf
import pytest
from conftest import SHARED, shared_path

from indexer import config, library
from indexer.errors import IngestRefused
from indexer.search.service import SearchRequest, SearchService
from indexer.text import normalize_text


def manifest(folder: Path) -> dict[str, dict]:
    with open(folder / "MANIFEST.tsv", encoding="utf-8") as fh:
        return {row["file"]: row for row in csv.DictReader(fh, delimiter="\t")}


def test_shared_corpus_every_document_with_manifest_metadata(shared_corpus_index):
    rows = manifest(SHARED / "corpus")
    present = {name for name in rows if (SHARED / "corpus" / name).exists()}
    docs = {d.file: d for d in SearchService(shared_corpus_index).documents()}
    assert set(docs) == present
    for name in present:
        if name.endswith((".es.html", ".fr.html")):
            # the manifest gives the English title; each language version keeps its own
            own = re.search(r"<title>([^<]*)", (SHARED / "corpus" / name).read_text("utf-8"))
            assert docs[name].meta.title == unicodedata.normalize(
                "NFC", " ".join(own.group(1).split())), name
        else:
            assert docs[name].meta.title == rows[name]["document"]
        assert docs[name].meta.symbol == rows[name]["UN symbol"]
        assert docs[name].meta.lang == rows[name]["language"]


def _gcm(settings):
    service = SearchService(settings)
    doc = next(d for d in service.documents() if d.meta.symbol == "A/73/L.66")
    return service.get_document(doc.doc_id)[1]


def test_gcm_paragraph_labels_and_pages(shared_corpus_index):
    passages = _gcm(shared_corpus_index)
    by_label = {}
    for p in passages:
        by_label.setdefault(p.label, p)
    # the resolution's own paragraphs 1-2, then the annex (the Compact) numbered from 1
    assert {"1", "2", "annex, 1", "annex, 16", "annex, 17(a)", "annex, 23(j)", "annex, 39",
            "annex, 54", "annex, 43(a)(i)", "annex, 43(b)(i)", "annex, 43(c)(i)"} <= set(by_label)
    assert by_label["annex, 16"].text.startswith("16. With the New York Declaration")
    assert by_label["1"].text.startswith("1. Expresses its profound gratitude")
    # the 23 objectives listed in paragraph 16 are items of paragraph 16, not paragraphs 1-23
    assert by_label["annex, 16(21)"].text.startswith("21. Cooperate in facilitating safe")
    assert by_label["annex, 21"].text.startswith("21. We commit to adapt options")
    assert by_label["annex, 21"].page == 12
    # Objective 23 starts on page 31 of 35 (its furniture `31/35 18-21786` precedes it)
    obj23 = [p for p in passages if "Objective 23" in p.section]
    assert obj23 and obj23[0].page == 31 and obj23[0].label == "annex, Objective 23"
    assert obj23[1].label == "annex, 39"
    # an action's section is its objective, not the lead-in sentence of the list
    assert by_label["annex, 18(a)"].section.endswith("Objective 2: Minimize the adverse "
                                                     "drivers and structural factors that "
                                                     "compel people to leave their country "
                                                     "of origin")
    assert not any("following actions" in p.section for p in passages)
    # each objective heading opens its own section in the outline
    obj2 = by_label["annex, Objective 2"]
    assert obj2.section == by_label["annex, 18"].section
    assert max(p.page for p in passages) == 35
    # page furniture is gone from the text
    assert not any("18-21786" in p.text or "/35" in p.text for p in passages)


def test_gcm_search_finds_local_authorities_paragraph(shared_corpus_index):
    res = SearchService(shared_corpus_index).search(SearchRequest(
        q="local authorities identification referral", per_page=5))
    assert any("involve local authorities and relevant stakeholders in the identification"
               in " ".join(h.passage.text.lower().split()) for h in res.hits[:3])


def test_corpus_pdf_pages_match_the_pdf(tmp_path):
    folder = shared_path("corpus-pdf")
    settings = config.load(index_dir=str(tmp_path / "data"))
    report = library.build(folder, settings, workers=1)
    assert not report.of("refused")
    rows = manifest(folder)
    service = SearchService(settings)
    docs = service.documents()
    assert {d.file for d in docs} == set(rows)
    for d in docs:
        reader = pypdf.PdfReader(folder / d.file)
        # the manifest's title is English; a French or Spanish PDF keeps its own
        title = rows[d.file]["document"] if d.meta.lang == "en" else reader.metadata.title
        assert (d.meta.title, d.meta.symbol) == (title, rows[d.file]["UN symbol"])
        # compared as the parser normalises text (U+2010 hyphen in `10‐Year` is `-`)
        page_texts = [" ".join(normalize_text(pg.extract_text() or "").split())
                      for pg in reader.pages]
        passages = service.get_document(d.doc_id)[1]
        assert max(p.page for p in passages) == len(reader.pages)
        for p in passages[::7]:
            probe = " ".join(p.text.split()[:6])
            assert probe in page_texts[p.page - 1], (d.file, p.label, p.page, probe)


def test_udhr_article_14_in_each_pdf(tmp_path):
    folder = shared_path("corpus-pdf")
    settings = config.load(index_dir=str(tmp_path / "data"))
    library.build(folder, settings, workers=1)
    service = SearchService(settings)
    for d in service.documents():
        if d.file.startswith("udhr"):
            labels = {p.label for p in service.get_document(d.doc_id)[1]}
            assert "Article 14" in labels or "Artículo 14" in labels, d.file


def _pdf_samples() -> list[Path]:
    folder = SHARED / "pdf-samples"
    return sorted(folder.rglob("*.pdf")) if folder.exists() else []


@pytest.mark.skipif(not _pdf_samples(), reason="shared pdf-samples not available")
def test_every_pdf_sample_is_indexed_or_refused_with_a_reason(tmp_path):
    settings = config.load(index_dir=str(tmp_path / "data"))
    report = library.add(_pdf_samples(), settings)
    assert len(report.outcomes) == len(_pdf_samples())
    for o in report.of("refused"):
        assert o.reason and "Traceback" not in o.reason
    refused = {o.file: o.reason for o in report.of("refused")}
    assert "encrypted" in next(r for f, r in refused.items() if "password" in f or "encrypt"
                               in r)
    assert len(report.of("indexed")) >= 20
    assert library.check(settings, repair=False).missing == []


@pytest.mark.skipif(not _pdf_samples(), reason="shared pdf-samples not available")
def test_every_pdf_sample_through_the_upload_worker(tmp_path):
    """The staff path: each sample staged as an upload and analysed by the worker's child
    process; none stops the worker, each ends for review (with its passages) or refused with
    a reason a person can read."""
    import io

    from indexer.library import jobs

    settings = config.load(index_dir=str(tmp_path / "data"))
    with library.current_for_writing(settings, create=True):
        pass  # an empty index
    staged = [jobs.stage(settings, "web:test", p.name, io.BytesIO(p.read_bytes()), "b")
              for p in _pdf_samples()]
    worker = jobs.Worker(settings)
    while worker.run_once():
        pass
    ends = [jobs.get(settings, j.job_id) for j in staged]
    assert {j.state for j in ends} <= {"review", "refused", "duplicate"}, [
        (j.name, j.state, j.message) for j in ends if j.state == "failed"]
    for j in ends:
        if j.state == "review":
            assert j.passages > 0 and j.detected.title
        else:
            assert j.message and "Traceback" not in j.message
    assert sum(j.state == "review" for j in ends) >= 20


def _prepare(path: Path) -> tuple[str, str, int]:
    settings = config.load()
    try:
        return path.name, "", len(library.prepare(path, settings).passages)
    except IngestRefused as exc:
        return path.name, exc.reason, 0


def test_every_unga_text_is_prepared_or_refused_as_empty():
    """All 3,771 cp1252 files go through parsing and splitting (indexing them all is the
    benchmark's job); only the zero-byte ones are refused."""
    folder = shared_path("unga", "texts")
    files = sorted(folder.glob("*.txt"))
    with ProcessPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(_prepare, files, chunksize=32))
    refused = [(name, why) for name, why, _ in results if why]
    assert all(why == "the file is empty" for _, why in refused), refused[:5]
    assert all((folder / name).stat().st_size == 0 for name, _ in refused)
    assert sum(n for _, _, n in results) > 100_000


def test_udhr_article_14_versions_across_languages(shared_corpus_index):
    service = SearchService(shared_corpus_index)
    en = next(d for d in service.documents() if d.file == "udhr.en.html")
    art14 = next(p for p in service.get_document(en.doc_id)[1] if p.label == "Article 14")
    versions = {d.meta.lang: p for d, p in service.passage_versions(art14.passage_id)}
    assert set(versions) == {"fr", "es"}
    assert versions["es"].label == "Artículo 14" and "asilo" in versions["es"].text
    assert "asile" in versions["fr"].text
    hit = service.search(SearchRequest(q="asylum from persecution", lang="en")).hits[0]
    assert hit.versions == {"fr": versions["fr"].passage_id, "es": versions["es"].passage_id}
