"""Build, add, remove, duplicates, refusals, atomic publication, locking and repair, on a real
on-disk store and Whoosh index."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pdfmaker import make_image_only_pdf, make_pdf

from indexer import config, engines, library
from indexer.errors import IndexOutOfDate, NotFound, WriteBusy
from indexer.models import DocMeta, DocStatus
from indexer.search.service import SearchRequest, SearchService
from indexer.storage import store
from indexer.storage.locking import write_lock

PROJECT = Path(__file__).resolve().parents[1]

PARA_EN = ("1. Local authorities and municipalities play a key role in the governance of "
           "migration and in the integration of migrants in cities.\n\n"
           "2. Policy coherence between national and local levels of government is needed.\n")
PARA_FR = ("1. Les autorités locales jouent un rôle essentiel dans la gouvernance des "
           "migrations et dans l'intégration des migrants dans les villes.\n")


def corpus(tmp_path: Path) -> Path:
    c = tmp_path / "corpus"
    c.mkdir(parents=True)
    (c / "local.en.txt").write_text(PARA_EN, encoding="utf-8")
    (c / "local.fr.txt").write_text(PARA_FR, encoding="utf-8")
    (c / "MANIFEST.tsv").write_text(
        "file\ttitle\tUN symbol\tlanguage\tyear\tseries\n"
        "local.en.txt\tLocal governance note\tA/RES/99/1\ten\t2018\tGCM\n"
        "local.fr.txt\tNote sur la gouvernance locale\tA/RES/99/1\tfr\t2018\tGCM\n",
        encoding="utf-8")
    return c


def search(settings, q, **kw):
    return SearchService(settings).search(SearchRequest(q=q, **kw))


def test_build_indexes_every_file_with_catalog_metadata(tmp_path, settings):
    report = library.build(corpus(tmp_path), settings, workers=1)
    assert len(report.of("indexed")) == 2 and not report.of("refused")
    docs = {d.file: d for d in SearchService(settings).documents()}
    assert set(docs) == {"local.en.txt", "local.fr.txt"}  # the catalog is not a document
    en = docs["local.en.txt"]
    assert (en.meta.title, en.meta.symbol, en.meta.lang, en.year, en.meta.series) == (
        "Local governance note", "A/RES/99/1", "en", 2018, "GCM")
    res = search(settings, "local authorities")
    assert res.total >= 1
    top = res.hits[0]
    assert top.document.meta.symbol == "A/RES/99/1" and top.passage.label == "1"
    assert "<mark>" in top.snippet


def test_rebuild_gives_the_same_passage_ids(tmp_path, settings):
    c = corpus(tmp_path)
    library.build(c, settings, workers=1)
    ids1 = sorted(h.passage.passage_id for h in search(settings, "migration").hits)
    library.build(c, settings, workers=1)
    ids2 = sorted(h.passage.passage_id for h in search(settings, "migration").hits)
    assert ids1 == ids2 and ids1


def test_add_without_rebuild_then_duplicate_then_remove(tmp_path, settings):
    library.build(corpus(tmp_path), settings, workers=1)
    new = tmp_path / "remit.txt"
    new.write_text("1. Promote faster, safer and cheaper remittances and foster financial "
                   "inclusion of migrants.\n", encoding="utf-8")
    r = library.add([new], settings, sidecar=DocMeta(title="Remittances", series="GCM"))
    assert r.of("indexed")[0].passages == 1
    doc_id = r.of("indexed")[0].doc_id
    hit = search(settings, "cheaper remittances").hits[0]
    assert hit.document.doc_id == doc_id and hit.document.meta.title == "Remittances"

    copy = tmp_path / "copy-of-remit.txt"
    shutil.copy(new, copy)
    r2 = library.add([copy], settings)
    assert r2.of("duplicate") and not r2.of("indexed")
    assert search(settings, "cheaper remittances").total == 1

    library.remove(doc_id, settings)
    assert search(settings, "cheaper remittances").total == 0
    assert search(settings, "local authorities").total >= 1  # the rest is untouched
    with pytest.raises(NotFound):
        library.remove(doc_id, settings)


def test_bad_files_are_refused_with_reasons_and_nothing_is_lost(tmp_path, settings):
    library.build(corpus(tmp_path), settings, workers=1)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_bytes(b"")
    (bad / "sheet.docx").write_bytes(b"PK\x03\x04")
    make_pdf(bad / "locked.pdf", [["secret text"]], encrypt_password="pw")
    make_image_only_pdf(bad / "scan.pdf", 2)
    (bad / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj <<>> garbage")
    r = library.add(sorted(bad.iterdir()), settings)
    reasons = {o.file: o.reason for o in r.of("refused")}
    assert set(reasons) == {"empty.txt", "sheet.docx", "locked.pdf", "scan.pdf", "broken.pdf"}
    assert "empty" in reasons["empty.txt"]
    assert "Word file is damaged" in reasons["sheet.docx"]  # a .docx cut after 4 bytes
    assert "encrypted" in reasons["locked.pdf"]
    assert "OCR" in reasons["scan.pdf"]
    assert "damaged" in reasons["broken.pdf"]
    assert len(SearchService(settings).documents()) == 2
    assert library.check(settings, repair=False).missing == []


def test_pdf_passages_keep_their_page(tmp_path, settings):
    c = tmp_path / "pdfs"
    c.mkdir()
    make_pdf(c / "doc.pdf", [
        ["1. The first page speaks of national development planning and policies."],
        ["2. The second page speaks of mainstreaming migration into planning."],
    ], title="Planning note")
    library.build(c, settings, workers=1)
    hit = search(settings, "mainstreaming migration").hits[0]
    assert hit.passage.page == 2 and hit.passage.label == "2"
    assert hit.document.meta.title == "Planning note"


def _hold_lock(data_dir: str, ready, seconds: float):
    with write_lock(Path(data_dir), 5):
        ready.set()
        time.sleep(seconds)


def test_second_writer_waits_then_gets_a_clear_message(tmp_path, settings):
    library.build(corpus(tmp_path), settings, workers=1)
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Event()
    # held for 10 s: the add reads its file (in a reader process) before it waits 2 s
    holder = ctx.Process(target=_hold_lock, args=(settings.index_dir, ready, 10))
    holder.start()
    try:
        assert ready.wait(30)
        f = tmp_path / "x.txt"
        f.write_text("1. Another paragraph about diaspora engagement and development.\n")
        with pytest.raises(WriteBusy) as err:
            library.add([f], settings)  # settings fixture: 2 s lock timeout
        assert "try again" in str(err.value)
    finally:
        holder.join()
    assert search(settings, "local authorities").total >= 1  # readers were never blocked


def _wait_for(observe, proc: subprocess.Popen, timeout: float = 120.0):
    """Poll `observe()` until it returns something true (returned), while `proc` runs."""
    deadline = time.monotonic() + timeout
    while not (seen := observe()):
        assert proc.poll() is None, f"the process ended first (status {proc.returncode})"
        assert time.monotonic() < deadline, f"not seen within {timeout:.0f} s"
        time.sleep(0.01)
    return seen


def test_killed_build_leaves_the_previous_index_live(tmp_path, settings):
    """kill -9 in the middle of a build: the last published index stays live and whole."""
    library.build(corpus(tmp_path), settings, workers=1)
    before = store.current_generation(Path(settings.index_dir))
    big = tmp_path / "big"
    big.mkdir()
    for i in range(400):
        (big / f"doc{i}.txt").write_text(
            "".join(f"{n}. Paragraph {n} of document {i} on migration governance and local "
                    f"development planning in municipalities.\n\n" for n in range(1, 40)))
    # its own process group: the kill takes the build's indexing processes with it
    proc = subprocess.Popen(
        [sys.executable, str(PROJECT / "index.py"), "build", "--corpus", str(big),
         "--index", settings.index_dir, "--quiet", "--workers", "1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    data = Path(settings.index_dir)
    originals = len([p for p in (data / "originals").rglob("*") if p.is_file()])

    def mid_build() -> list[Path]:
        """The new generation, once the build has stored files of the big corpus (it is
        published only after all 400 are indexed)."""
        new = [g for g in data.glob("gen-*") if g != before]
        stored = [p for p in (data / "originals").rglob("*") if p.is_file()]
        return new if new and len(stored) > originals else []

    try:
        new_gen = _wait_for(mid_build, proc)
        os.killpg(proc.pid, signal.SIGSTOP)  # frozen mid-build, then killed
        assert proc.poll() is None, "the build finished before it could be interrupted"
        assert store.current_generation(data) == before
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert new_gen[0].is_dir()  # abandoned, not published
    assert store.current_generation(data) == before
    assert search(settings, "local authorities").total >= 1
    assert library.check(settings, repair=False).missing == []
    # and the next build succeeds and cleans up the abandoned generation
    library.build(corpus(tmp_path / "next"), settings, workers=1)
    assert len(list(Path(settings.index_dir).glob("gen-*"))) == 1


def test_schema_version_mismatch_asks_for_a_rebuild(tmp_path, settings):
    library.build(corpus(tmp_path), settings, workers=1)
    gen = store.current_generation(Path(settings.index_dir))
    eng = engines.get(settings.engine)
    (eng.index_dir(gen) / eng.VERSION_FILE).write_text("0")
    with pytest.raises(IndexOutOfDate) as err:
        search(settings, "migration")
    assert "rebuild" in str(err.value)


def test_check_repairs_an_index_that_lost_a_document(tmp_path, settings):
    library.build(corpus(tmp_path), settings, workers=1)
    gen = store.current_generation(Path(settings.index_dir))
    doc = SearchService(settings).documents()[0]
    engines.open_index(gen).delete_document(doc.doc_id)  # simulate a lost write
    res = library.check(settings, repair=True)
    assert doc.doc_id in res.missing and res.repaired
    assert library.check(settings, repair=False).missing == []


@pytest.mark.parametrize("engine", list(engines.ENGINES))
def test_check_finishes_a_document_left_pending_but_fully_indexed(tmp_path, engine):
    """An `add` killed after its index commit, before it marked the document active, leaves
    it pending though the index has all of it: `check` makes it live, as the next add would
    (the state test_crash_safety's kills reach now and then)."""
    settings = config.load(index_dir=str(tmp_path / "data"), engine=engine)
    library.build(corpus(tmp_path), settings, workers=1)
    gen = store.current_generation(Path(settings.index_dir))
    doc = SearchService(settings).documents()[0]
    with store.open(gen, write=True) as st, st.transaction():
        st.set_status([doc.doc_id], DocStatus.PENDING)
    assert doc.doc_id not in {d.doc_id for d in SearchService(settings).documents()}
    res = library.check(settings, repair=True)
    assert res.missing == [] and not res.repaired  # nothing was lost from the index
    assert doc.doc_id in {d.doc_id for d in SearchService(settings).documents()}


def test_check_rebuilds_a_destroyed_index_from_the_store(tmp_path, settings):
    library.build(corpus(tmp_path), settings, workers=1)
    gen = store.current_generation(Path(settings.index_dir))
    index_dir = engines.get(settings.engine).index_dir(gen)
    shutil.rmtree(index_dir)
    index_dir.mkdir()
    assert library.check(settings, repair=True).repaired
    assert search(settings, "local authorities").total >= 1


def test_trash_restore_edit_purge_with_audit_log(tmp_path, settings):
    library.build(corpus(tmp_path), settings, workers=1)
    hit = search(settings, "local authorities municipalities").hits[0]
    doc_id, pid = hit.document.doc_id, hit.passage.passage_id

    library.remove(doc_id, settings, actor="ana")
    assert all(h.document.doc_id != doc_id for h in search(settings, "municipalities").hits)
    assert doc_id not in {d.doc_id for d in SearchService(settings).documents()}
    again = library.add([tmp_path / "corpus" / hit.document.file], settings)
    assert "in the trash" in again.of("duplicate")[0].reason
    assert library.check(settings, repair=False).missing == []

    library.restore(doc_id, settings, actor="ana")
    back = search(settings, "local authorities municipalities").hits[0]
    assert back.passage.passage_id == pid  # permalinks survive the round trip

    library.edit(doc_id, DocMeta(title="Corrected title", version="rev.1"), settings,
                  actor="ben")
    edited = search(settings, "local authorities municipalities").hits[0]
    assert edited.document.meta.title == "Corrected title"
    assert edited.document.meta.symbol == "A/RES/99/1"  # untouched fields kept

    library.remove(doc_id, settings, actor="ben")
    gone = library.purge(doc_id, settings, actor="ben")
    assert not store.original_path(Path(settings.index_dir), gone.sha256).exists()
    with pytest.raises(NotFound):
        library.restore(doc_id, settings)

    log = library.audit_log(settings)
    assert [e["action"] for e in log[:5]] == ["purge", "remove", "edit", "restore", "remove"]
    edit_entry = log[2]
    assert edit_entry["actor"] == "ben"
    assert edit_entry["before"]["title"] == "Local governance note"
    assert edit_entry["after"]["title"] == "Corrected title"
    assert library.check(settings, repair=False).missing == []


def test_rebuild_keeps_what_staff_did(tmp_path, settings):
    """A rebuild re-reads the corpus folder; documents staff added, their edits, the trash,
    revisions and the audit log survive it."""
    c = corpus(tmp_path)
    library.build(c, settings, workers=1)
    docs = {d.file: d for d in SearchService(settings).documents()}
    en, fr = docs["local.en.txt"], docs["local.fr.txt"]
    extra = tmp_path / "staff.txt"
    extra.write_text("Diaspora note\n1. Diaspora bonds finance schools and clinics in the "
                     "countries where migrants were born.\n", encoding="utf-8")
    added = library.add([extra], settings, actor="web:amina").outcomes[0].doc_id
    library.edit(en.doc_id, DocMeta(title="Edited by staff"), settings, actor="web:amina")
    library.edit(fr.doc_id, DocMeta(title="Note éditée"), settings, actor="web:amina")
    library.remove(fr.doc_id, settings, actor="web:amina")  # the edit is no longer the last
    rev = tmp_path / "staff-rev.txt"
    rev.write_text("Diaspora note\n1. Diaspora bonds finance schools, clinics and roads in "
                   "the countries where migrants were born.\n", encoding="utf-8")
    new = library.replace(added, rev, settings, actor="web:amina").doc_id
    log_before = library.audit_log(settings)

    library.build(c, settings, workers=1)
    svc = SearchService(settings)
    live = {d.doc_id: d for d in svc.documents()}
    assert set(live) == {en.doc_id, new}
    assert live[en.doc_id].meta.title == "Edited by staff"
    assert svc.get_document(fr.doc_id)[0].status == "trash"
    assert svc.get_document(fr.doc_id)[0].meta.title == "Note éditée"
    assert svc.get_document(added)[0].status == "superseded"
    assert search(settings, "diaspora bonds roads").hits[0].document.doc_id == new
    assert not search(settings, "gouvernance des migrations", lang="fr").hits
    assert library.audit_log(settings) == log_before
    assert library.check(settings, repair=False).missing == []


def test_replace_from_the_cli(tmp_path, settings):
    library.build(corpus(tmp_path), settings, workers=1)
    doc = next(d for d in SearchService(settings).documents() if d.meta.lang == "en")
    rev = tmp_path / "local-rev.en.txt"
    rev.write_text(PARA_EN + "3. Cities report every year on the inclusion of migrants.\n",
                   encoding="utf-8")
    r = subprocess.run([sys.executable, str(PROJECT / "index.py"), "replace", doc.doc_id,
                        str(rev), "--version", "Rev.1", "--index", settings.index_dir],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "the old revision is kept" in r.stdout
    hit = search(settings, "cities report every year inclusion").hits[0]
    assert hit.document.meta.title == "Local governance note"  # metadata carried over
    assert hit.document.meta.version == "Rev.1"
    new = SearchService(settings).get_document(hit.document.doc_id)[0]
    assert new.replaces == doc.doc_id and new.origin == "staff"
    r = subprocess.run([sys.executable, str(PROJECT / "index.py"), "replace", doc.doc_id,
                        str(rev), "--index", settings.index_dir],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "not in the index" in r.stderr


def test_a_title_only_document_takes_the_default_language(tmp_path, settings):
    """Three ambiguous words are no evidence: the document is in `default_lang` (detection
    alone called it French) and its words are stemmed as such."""
    c = tmp_path / "titles"
    c.mkdir()
    (c / "maser.txt").write_text("atomic hydrogen maser\n", encoding="utf-8")
    (c / "villes.txt").write_text("Les villes accueillent les migrants.\n", encoding="utf-8")
    library.build(c, settings, workers=1)
    langs = {d.file: d.meta.lang for d in SearchService(settings).documents()}
    assert langs == {"maser.txt": "en", "villes.txt": "fr"}
    assert search(settings, "masers").total == 1  # English stemming: maser(s) -> maser


# ---------------------------------------------------------------- one bad file is one refusal


THREE = {"bad-footnotes.docx": "the Word file is damaged and cannot be read "
                               "(word/footnotes.xml: ",
         "deep.html": "the HTML page nests its elements more than 512 levels deep",
         "unsupported-filter.pdf": "the PDF is damaged and cannot be read: no page could be "
                                   "read (it uses a feature the PDF reader does not support: "
                                   "Unsupported filter /FooDecode)"}


def test_a_first_build_with_bad_files_indexes_the_rest_and_publishes(tmp_path, settings):
    """Each of the issue's three kinds of bad file had stopped a whole build (nothing indexed,
    no CURRENT in a new data directory): each is now one refusal with its reason."""
    from badfiles import three_bad_files

    c = corpus(tmp_path)
    three_bad_files(c)
    report = library.build(c, settings, workers=2)
    refused = {o.file: o.reason for o in report.of("refused")}
    assert set(refused) == set(THREE)
    assert all(refused[f].startswith(THREE[f]) for f in THREE), refused
    assert sorted(o.file for o in report.of("indexed")) == ["local.en.txt", "local.fr.txt"]
    gen = store.current_generation(Path(settings.index_dir))
    assert gen is not None and (Path(settings.index_dir) / "CURRENT").is_file()
    with store.open(gen) as st:
        assert {f for f, _ in st.refusals()} == set(THREE)
    assert search(settings, "local authorities").total >= 1


@pytest.mark.shared
@pytest.mark.parametrize("engine", list(engines.ENGINES))
def test_the_shared_corpus_and_three_bad_files_build_with_three_refusals(tmp_path, engine):
    """The issue's 'Done when': a build over ../shared/corpus plus a bad-footnotes .docx, an
    HTML page nested 100,000 deep and a PDF with a filter pypdf lacks indexes every good file
    (as a build of the corpus alone does) and lists three refusals."""
    from badfiles import three_bad_files
    from conftest import shared_path

    from indexer import config

    shared = shared_path("corpus")
    alone = library.build(shared, config.load(index_dir=str(tmp_path / "alone"),
                                               engine=engine))
    c = tmp_path / "corpus"
    c.mkdir()
    (c / "shared").symlink_to(shared, target_is_directory=True)
    three_bad_files(c)
    settings = config.load(index_dir=str(tmp_path / "data"), engine=engine)
    out = subprocess.run([sys.executable, str(PROJECT / "index.py"), "build", "--corpus",
                          str(c), "--index", settings.index_dir, "--quiet"],
                         capture_output=True, text=True, timeout=600,
                         env={**os.environ, "DIALOGUE_SEARCH_ENGINE": engine})
    assert out.returncode == 1, out.stderr  # 1: files were refused
    assert "Traceback" not in out.stderr, out.stderr
    indexed = len(alone.of("indexed"))
    assert indexed >= 16 and out.stdout.startswith(f"indexed {indexed} file(s), ")
    assert "; 3 refused" in out.stdout.splitlines()[0]
    refusals = [line.strip() for line in out.stdout.splitlines() if "refused  " in line]
    assert len(refusals) == 3
    for name, reason in THREE.items():
        assert any(line.startswith(f"refused    {name}: {reason}") for line in refusals), (
            name, refusals)
    docs = SearchService(settings).documents()
    assert len(docs) == len(SearchService(config.load(
        index_dir=str(tmp_path / "alone"))).documents())
    assert SearchService(settings).search(SearchRequest(q="migration")).total > 0


def test_add_goes_on_past_bad_files(tmp_path, settings):
    """`add good.txt bad.docx ...` had indexed neither: the good file is indexed, and each bad
    one is a refusal."""
    from badfiles import three_bad_files

    library.build(corpus(tmp_path), settings, workers=1)
    bad = three_bad_files(tmp_path / "bad")
    good = tmp_path / "cities.en.txt"
    good.write_text("1. Cities coordinate the reception of newly arrived migrants with "
                    "national ministries, so that services reach every resident.\n",
                    encoding="utf-8")
    report = library.add([*bad.values(), good], settings)
    assert [o.file for o in report.of("indexed")] == ["cities.en.txt"]
    assert {o.file for o in report.of("refused")} == set(THREE)
    assert search(settings, "newly arrived migrants").total >= 1
    assert library.check(settings, repair=False).stray == []


def test_check_finds_and_removes_the_files_no_document_refers_to(tmp_path, settings):
    """Originals of no document (an add killed between storing the file and recording it),
    temporary files of interrupted writes and a generation a killed build left: `check`
    lists them, and removes them when it repairs; nothing a document refers to is touched."""
    library.build(corpus(tmp_path), settings, workers=1)
    data = Path(settings.index_dir)
    kept = sorted(p for p in (data / "originals").rglob("*") if p.is_file())
    orphan = store.original_path(data, "ab" * 32)
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"an original of no document")
    partial = kept[0].parent / ".tmp-k9w2"
    partial.write_bytes(b"half a file")
    stale = data / "gen-0099"
    stale.mkdir()
    (stale / "store.sqlite3").write_bytes(b"")
    expected = sorted([f"originals/ab/{'ab' * 32}", str(partial.relative_to(data)),
                       "gen-0099"])
    assert sorted(library.check(settings, repair=False).stray) == expected
    assert orphan.exists() and partial.exists() and stale.exists()
    out = subprocess.run([sys.executable, str(PROJECT / "index.py"), "check", "--index",
                          settings.index_dir], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "3 file(s) no document refers to" in out.stdout, out
    assert not orphan.exists() and not partial.exists() and not stale.exists()
    assert all(p.exists() for p in kept)
    assert library.check(settings, repair=False).stray == []
    assert search(settings, "local authorities").total >= 1
