"""Upload jobs: staged under our own names, analysed and indexed in a child process by the
worker, with metadata review, refusals, duplicates, revisions, language versions, timeouts
and a restart in the middle."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from indexer import config, library
from indexer.library import jobs
from indexer.models import DocMeta
from indexer.search.service import SearchRequest, SearchService

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pdfmaker import make_image_only_pdf, make_pdf  # noqa: E402

TEXT = ("A/99/L.7\nCities and migration\n"
        "1. Local authorities coordinate the reception of newly arrived migrants with national "
        "ministries, so that services reach every resident.\n\n"
        "2. Municipal development plans mainstream migration and report on it each year.\n")


@pytest.fixture
def live(tmp_path) -> config.Settings:
    s = config.load(index_dir=str(tmp_path / "data"), write_lock_timeout=2.0)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "base.en.txt").write_text(
        "Base\n1. Remittances support households in countries of origin every month.\n",
        encoding="utf-8")
    library.build(corpus, s, workers=1)
    return s


def run_all(settings: config.Settings) -> None:
    worker = jobs.Worker(settings)
    while worker.run_once():
        pass


def stage(settings, name: str, data: bytes, batch: str = "b1", **kw) -> jobs.Job:
    return jobs.stage(settings, "web:amina", name, io.BytesIO(data), batch, **kw)


def test_upload_review_confirm_index(live):
    job = stage(live, "../../cities.en.txt", TEXT.encode())
    # the staged file has our name, under uploads/, whatever the upload called itself
    staged = jobs.staged_path(live, job.job_id)
    assert staged.parent == Path(live.index_dir) / "uploads" and staged.is_file()
    assert job.name == "cities.en.txt" and job.state == "analysing"
    assert not list(Path(live.index_dir).parent.glob("cities*"))

    run_all(live)
    job = jobs.get(live, job.job_id)
    assert job.state == "review", job.message
    assert job.detected.lang == "en" and job.detected.title
    assert job.passages == 2

    jobs.confirm(live, job.job_id, DocMeta(title="Cities and migration", series="GFMD",
                                           symbol="A/99/L.7", lang="en", date="2026"))
    run_all(live)
    job = jobs.get(live, job.job_id)
    assert job.state == "done" and job.passages == 2 and job.doc_id
    assert not staged.exists()
    res = SearchService(live).search(SearchRequest(q="municipal development plans"))
    top = res.hits[0]
    assert top.document.doc_id == job.doc_id and top.document.meta.series == "GFMD"
    assert top.document.file == "cities.en.txt"
    assert library.audit_log(live)[0]["actor"] == "web:amina"


def test_refusals_duplicates_and_warnings(live, tmp_path):
    enc = make_pdf(tmp_path / "enc.pdf", [["1. Secret text about migrants and cities."]],
                   encrypt_password="pw")
    scanned = make_image_only_pdf(tmp_path / "scan.pdf", 3)
    mixed = make_pdf(tmp_path / "mixed.pdf", [["1. Migrants and local authorities work "
                                               "together on reception and services."]])
    a = stage(live, "report.pdf", enc.read_bytes())
    b = stage(live, "scan.pdf", scanned.read_bytes())
    c = stage(live, "notes.txt", b"\x00\x01\x02binary" * 100)
    d = stage(live, "again.txt", TEXT.encode())
    e = stage(live, "empty.txt", b"")
    f = stage(live, "text.pdf", TEXT.encode())  # text bytes under a .pdf name
    run_all(live)
    assert jobs.get(live, a.job_id).state == "refused"
    assert "password" in jobs.get(live, a.job_id).message
    assert jobs.get(live, b.job_id).state == "refused"
    assert "text layer" in jobs.get(live, b.job_id).message or "scan" in \
        jobs.get(live, b.job_id).message
    assert jobs.get(live, c.job_id).state == "refused"
    assert jobs.get(live, e.job_id).state == "refused"
    assert jobs.get(live, e.job_id).message == "the file is empty"
    assert jobs.get(live, f.job_id).state == "refused"  # the name does not make it a PDF
    del mixed
    # the same content twice: the second upload is a duplicate once the first is in
    jobs.confirm(live, d.job_id, DocMeta(title="Cities"))
    run_all(live)
    assert jobs.get(live, d.job_id).state == "done"
    again = stage(live, "copy.txt", TEXT.encode())
    run_all(live)
    again = jobs.get(live, again.job_id)
    assert again.state == "duplicate" and again.doc_id == jobs.get(live, d.job_id).doc_id
    assert not list((Path(live.index_dir) / "uploads").iterdir())  # nothing left staged


def test_oversized_upload_is_refused_while_staging(tmp_path):
    s = config.load(index_dir=str(tmp_path / "data"), max_file_bytes=1000)

    class Endless(io.RawIOBase):
        """A stream that would never end: staging must stop at the limit."""
        read_bytes = 0

        def read(self, n=-1):
            self.read_bytes += n
            return b"x" * n

    stream = Endless()
    job = jobs.stage(s, "web:a", "big.txt", stream, "b")
    assert job.state == "refused" and "limit" in job.message
    assert stream.read_bytes <= 2 * jobs.CHUNK
    assert not jobs.staged_path(s, job.job_id).exists()


def test_replace_with_a_revision_keeps_the_old_one(live):
    job = stage(live, "cities.txt", TEXT.encode())
    run_all(live)
    jobs.confirm(live, job.job_id, DocMeta(title="Cities and migration", series="GFMD"))
    run_all(live)
    old_id = jobs.get(live, job.job_id).doc_id
    old_passage = SearchService(live).get_document(old_id)[1][0].passage_id

    rev = stage(live, "cities-rev1.txt", (TEXT + "3. A third paragraph on city networks "
                                          "and their role in migration governance.\n").encode(),
                replaces=old_id)
    run_all(live)
    rev = jobs.get(live, rev.job_id)
    assert rev.state == "review" and rev.detected.title == "Cities and migration"
    jobs.confirm(live, rev.job_id, DocMeta(title="Cities and migration", series="GFMD",
                                           version="Rev.1"))
    run_all(live)
    rev = jobs.get(live, rev.job_id)
    assert rev.state == "done", rev.message
    svc = SearchService(live)
    new_doc, _ = svc.get_document(rev.doc_id)
    assert new_doc.replaces == old_id and new_doc.meta.version == "Rev.1"
    old_doc, _ = svc.get_document(old_id)
    assert old_doc.status == "superseded"
    # the old passage link still works; search shows the new revision only
    assert svc.get_passage(old_passage)[0].text
    hits = svc.search(SearchRequest(q="city networks migration governance")).hits
    assert {h.document.doc_id for h in hits} == {rev.doc_id}
    assert {d.doc_id for d in svc.documents()} >= {rev.doc_id}
    assert old_id not in {d.doc_id for d in svc.documents()}
    assert library.audit_log(live)[0]["action"] == "replace"
    assert library.check(live, repair=False).missing == []


def test_language_version_of_links_the_two(live):
    en = stage(live, "cities.txt", TEXT.encode())
    run_all(live)
    jobs.confirm(live, en.job_id, DocMeta(title="Cities", lang="en"))
    run_all(live)
    en_id = jobs.get(live, en.job_id).doc_id
    fr_text = ("Villes et migrations\n1. Les autorités locales coordonnent l'accueil des "
               "migrants nouvellement arrivés avec les ministères nationaux.\n")
    fr = stage(live, "villes.txt", fr_text.encode())
    run_all(live)
    jobs.confirm(live, fr.job_id, DocMeta(title="Villes", lang="fr"), version_of=en_id)
    run_all(live)
    fr_id = jobs.get(live, fr.job_id).doc_id
    svc = SearchService(live)
    p = svc.get_document(fr_id)[1][0]
    versions = svc.passage_versions(p.passage_id)
    assert [(d.doc_id, q.label if q else None) for d, q in versions] == [(en_id, "1")]


def test_timeout_stops_a_job_and_the_next_one_runs(live):
    slow = config.load(index_dir=live.index_dir, job_timeout=0.01)
    job = stage(live, "cities.txt", TEXT.encode())
    jobs.Worker(slow).run_once()
    job = jobs.get(live, job.job_id)
    assert job.state == "failed" and "was stopped" in job.message
    ok = stage(live, "cities2.txt", TEXT.encode() + b"\n3. Another paragraph.\n")
    run_all(live)
    assert jobs.get(live, ok.job_id).state == "review"


def test_a_restarted_worker_resumes_an_interrupted_job(live):
    job = stage(live, "cities.txt", TEXT.encode())
    run_all(live)
    jobs.confirm(live, job.job_id, DocMeta(title="Cities"))
    # the server died after claiming the job: it is left 'indexing'
    jobs._update(live, job.job_id, state="indexing")
    run_all(live)  # a new worker (the restarted server) finishes it
    assert jobs.get(live, job.job_id).state == "done"


def test_discard(live):
    job = stage(live, "cities.txt", TEXT.encode())
    run_all(live)
    jobs.discard(live, job.job_id)
    assert jobs.get(live, job.job_id).state == "discarded"
    assert not jobs.staged_path(live, job.job_id).exists()
    with pytest.raises(Exception, match="cannot be discarded"):
        jobs.discard(live, job.job_id)


def test_a_busy_index_requeues_the_job_with_a_message(live):
    from indexer.storage.locking import write_lock

    quick = config.load(index_dir=live.index_dir, write_lock_timeout=0.5)
    job = stage(live, "cities.txt", TEXT.encode())
    run_all(live)
    jobs.confirm(live, job.job_id, DocMeta(title="Cities"))
    with write_lock(Path(live.index_dir), 5):  # a CLI build, say, holds the index
        jobs.Worker(quick, poll=0.01).run_once()
        job = jobs.get(live, job.job_id)
        assert job.state == "queued" and "in progress" in job.message
    run_all(live)
    assert jobs.get(live, job.job_id).state == "done"


def test_a_zip_bomb_upload_is_refused_at_analysis(live, tmp_path):
    from badfiles import zip_bomb_docx

    bomb = zip_bomb_docx(tmp_path / "bomb.docx", 256 << 20)
    job = stage(live, "report.docx", bomb.read_bytes())
    run_all(live)
    job = jobs.get(live, job.job_id)
    assert job.state == "refused" and "zip bomb" in job.message, job.message


def test_a_killed_job_process_says_what_happened(live):
    """Its process killed from outside (as by the system's out-of-memory killer): the job
    says so and what to do (it used to read "the reader stopped with an error")."""
    import signal
    import threading
    import time

    job = stage(live, "cities.txt", TEXT.encode())
    worker = jobs.Worker(live)
    thread = threading.Thread(target=worker.run_once)
    thread.start()
    deadline = time.monotonic() + 30
    while (child := worker._child) is None:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    child.send_signal(signal.SIGKILL)
    thread.join(timeout=60)
    job = jobs.get(live, job.job_id)
    assert job.state == "failed"
    assert job.message.startswith("processing the file was stopped by the system (signal "
                                  "SIGKILL), which does this when the server runs out of "
                                  "memory: try again"), job.message
