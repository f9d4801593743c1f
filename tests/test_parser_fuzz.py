"""Fuzzing the parsers: property-based (hypothesis) for the text and HTML parsers and any bytes
(a document or a refusal with a reason, never another exception), and hundreds of mutated
copies of real files through a real build (below)."""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path

from conftest import SHARED
from docxmaker import resolution
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pdfmaker import make_pdf

from indexer.errors import IngestRefused
from indexer.ingest.parsers import html, parse_file, text
from indexer.ingest.passages import split_passages
from indexer.storage import store

FUZZ = settings(max_examples=120, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])

_HTML_BITS = ["<p>", "</p>", "<h2>", "</h2>", "<li>", "<table><tr><td>", "<script>x()</script>",
              "<!--", "-->", "<br>", "<div lang='fr'>", "</div>", "&amp;", "&#0;", "<", ">",
              "Article 14", "16.", "(a)", "migration ", "é", "\u0301", "\x00", "\n", " "]
_TEXT_BITS = ["1. ", "(a) ", "Article 3", "18-21786 6/35", "A/73/L.66", "multi-", "\n", "\n\n",
              " \n", "\r\n", "migrants ", "ﬁ", "\u00ad", "________", "# ", "**", "é", "\x0c"]


def check(path, parser):
    try:
        doc = parser.parse(path)
    except IngestRefused as exc:
        assert exc.reason
        return
    split_passages(doc, "dfuzz")


@FUZZ
@given(st.lists(st.sampled_from(_HTML_BITS), max_size=60).map("".join))
def test_html_parser_never_crashes(tmp_path, markup):
    path = tmp_path / "f.html"
    path.write_text(markup, encoding="utf-8", errors="surrogatepass")
    check(path, html)


@FUZZ
@given(st.lists(st.sampled_from(_TEXT_BITS), max_size=80).map("".join))
def test_text_parser_never_crashes(tmp_path, body):
    path = tmp_path / "f.txt"
    path.write_text(body, encoding="utf-8")
    check(path, text)


@FUZZ
@given(st.binary(max_size=400))
def test_any_bytes_are_parsed_or_refused(tmp_path, data):
    for name in ("f.txt", "f.html", "f.pdf", "f.md"):
        path = tmp_path / name
        path.write_bytes(data)
        try:
            parse_file(path)
        except IngestRefused as exc:
            assert exc.reason


# ---------------------------------------------------------------- mutated real files (issue 19)
#
# Hundreds of mutated copies of real PDFs, Word files and HTML pages (byte flips, truncations,
# swapped chunks, objects and zip parts, broken or dropped parts, deep nesting; one fixed
# seed), built by `index.py build` as in production: each file is indexed or refused, the
# build ends with its report, and memory and time stay within the reader's limits. The seeds
# are files the test makers write, plus the shared sample and corpus PDFs and HTML pages when
# ../shared is there. Tesseract is kept off the PATH: OCR of a mutated scan takes seconds a
# page (the OCR path is tested in test_ocr.py).

PROJECT = Path(__file__).resolve().parents[1]
FUZZ_SEED = 19
# mutants per seed file, by how long the seed takes to read (the corpus PDFs about 1.5 s)
SLOW_SEEDS = {"GeoTopo-komprimiert.pdf": 1}
MUTANTS = {".pdf": 4, ".docx": 20, ".html": 9}
CORPUS_PDF_MUTANTS = 2
# the reasons of a reader that failed (a bug or a crash), not of a file it refused
CRASHES = ("the reader crashed", "the reader stopped with an error",
           "the file could not be read: the reader met an unexpected error")


def _flip_bytes(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 32)):
        i = rng.randrange(8, len(out)) if len(out) > 8 else 0
        out[i] ^= rng.randint(1, 255)
    return bytes(out)


def _flip_run(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    start = rng.randrange(8, max(9, len(out)))
    for i in range(start, min(len(out), start + rng.randint(16, 2048))):
        out[i] ^= rng.randint(1, 255)
    return bytes(out)


def _truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: max(1, int(len(data) * rng.uniform(0.05, 0.95)))]


def _swap_chunks(data: bytes, rng: random.Random) -> bytes:
    if len(data) < 64:
        return data[::-1]
    size = rng.randint(8, max(8, len(data) // 8))
    a, b = sorted(rng.sample(range(0, len(data) - size), 2))
    if b - a < size:
        return data[:a] + data[b:] + data[a:b]
    return data[:a] + data[b:b + size] + data[a + size:b] + data[a:a + size] + data[b + size:]


def _swap_pdf_objects(data: bytes, rng: random.Random) -> bytes:
    """Two indirect objects' bodies exchanged (the xref no longer matches either)."""
    spans = [m.span() for m in re.finditer(rb"\d+ 0 obj\b.*?endobj", data, re.S)]
    if len(spans) < 2:
        return _swap_chunks(data, rng)
    (a0, a1), (b0, b1) = sorted(rng.sample(spans, 2))
    return data[:a0] + data[b0:b1] + data[a1:b0] + data[a0:a1] + data[b1:]


def _html_soup(data: bytes, rng: random.Random) -> bytes:
    bits = [b"<p>", b"</p>", b"<div>", b"</div>", b"<table><tr><td>", b"</td>", b"<li>",
            b"<h2>", b"</h2>", b"<!--", b"-->", b"<script>", b"</script>", b"&#0;", b"<",
            b"<br>", b"<span lang='xx'>", b"\x00", b"\xff\xfe", b"<![CDATA[", b"]]>"]
    out = data
    for _ in range(rng.randint(1, 40)):
        i = rng.randrange(0, len(out) + 1)
        out = out[:i] + rng.choice(bits) + out[i:]
    return out


def _html_nesting(data: bytes, rng: random.Random) -> bytes:
    i = rng.randrange(0, len(data) + 1)
    depth = rng.choice([300, 600, 5000])
    return data[:i] + b"<div><span>" * depth + data[i:]


def _docx_parts(data: bytes, rng: random.Random) -> bytes:
    """A change inside the package: a part's XML flipped, cut or dropped, two parts swapped."""
    import io

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zin:
            parts = {i.filename: zin.read(i.filename) for i in zin.infolist()}
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError):  # broken by a mutation
        return _swap_chunks(data, rng)
    names = sorted(parts)
    xml = [n for n in names if n.endswith((".xml", ".rels"))]
    how = rng.choice(["flip", "cut", "drop", "swap", "swap"])
    target = rng.choice(xml)
    if how == "flip":
        parts[target] = _flip_bytes(parts[target], rng)
    elif how == "cut":
        parts[target] = _truncate(parts[target], rng)
    elif how == "drop":
        del parts[target]
    else:
        other = rng.choice([n for n in names if n != target])
        parts[target], parts[other] = parts[other], parts[target]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, body in parts.items():
            zout.writestr(name, body)
    return out.getvalue()


MUTATORS = {
    ".pdf": [_flip_bytes, _flip_run, _truncate, _swap_chunks, _swap_pdf_objects],
    ".docx": [_docx_parts, _docx_parts, _docx_parts, _flip_bytes, _flip_run, _truncate,
              _swap_chunks],
    ".html": [_flip_bytes, _flip_run, _truncate, _swap_chunks, _html_soup, _html_nesting],
}


def _seeds(folder: Path) -> list[Path]:
    folder.mkdir()
    lines = [f"{n}. Member States commit to cooperate on safe, orderly and regular migration, "
             f"paragraph {n}." for n in range(1, 30)]
    seeds = [make_pdf(folder / "made.pdf", [lines[:15], lines[15:]], title="Made",
                      page_labels=[(0, "D")], lang="en-GB"),
             *(resolution(folder / f"made.{lang}.docx", lang) for lang in ("en", "fr", "es"))]
    page = folder / "made.html"
    page.write_text("<html lang='en'><head><title>Made</title></head><body><nav>Home</nav>"
                    "<h1>Compact</h1>" + "".join(f"<p>{x}</p>" for x in lines[:10])
                    + "<ul><li>One</li><li><p>Two</p></li></ul><table><tr><td>Cell</td></tr>"
                    "</table></body></html>", encoding="utf-8")
    seeds.append(page)
    if SHARED.is_dir():
        for sub, pattern in (("pdf-samples", "*.pdf"), ("corpus-pdf", "*.pdf"),
                             ("corpus", "*.html"), ("pdf-samples", "*.html")):
            seeds += sorted((SHARED / sub).rglob(pattern))
    return seeds


def _mutants(seeds: list[Path], folder: Path) -> dict[str, int]:
    rng = random.Random(FUZZ_SEED)
    folder.mkdir()
    kinds: dict[str, int] = {}
    for n, seed in enumerate(seeds):
        suffix = seed.suffix.lower()
        data = seed.read_bytes()
        count = SLOW_SEEDS.get(seed.name, MUTANTS[suffix])
        if seed.parent.name == "corpus-pdf":
            count = CORPUS_PDF_MUTANTS
        for k in range(count):
            mutated = data
            for mutate in rng.sample(MUTATORS[suffix], rng.choice([1, 1, 2])):
                mutated = mutate(mutated, rng)
            (folder / f"m{n:03d}-{k:02d}-{seed.stem[:30]}{suffix}").write_bytes(mutated)
            kinds[suffix] = kinds.get(suffix, 0) + 1
    return kinds


def _cause(reason: str) -> str:
    if reason.startswith(CRASHES):
        return "crash"
    if reason.startswith("reading the file took longer"):
        return "time"
    if reason.startswith("reading the file needed more than"):
        return "memory"
    return "file"


def test_mutated_files_are_indexed_or_refused_and_the_build_goes_on(tmp_path):
    kinds = _mutants(_seeds(tmp_path / "seeds"), tmp_path / "corpus")
    files = sum(kinds.values())
    data = tmp_path / "data"
    env = {**os.environ, "PATH": str(tmp_path / "no-tesseract"),
           "DIALOGUE_SEARCH_READER_SECONDS": "30", "DIALOGUE_SEARCH_READER_MEMORY_MB": "1024"}
    out, err = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    start = time.monotonic()
    # The build is started by a small launcher, whose wait4 gives the peak resident memory of
    # the build and of every reader it started. (A child forked from this test process would
    # count the test process's own pages, ~1.3 GB late in the suite, as its peak: the
    # maximum survives the exec.)
    launcher = ("import json, os, subprocess, sys\n"
                "out, err = open(sys.argv[1], 'w'), open(sys.argv[2], 'w')\n"
                "proc = subprocess.Popen(sys.argv[3:], stdout=out, stderr=err)\n"
                "_, status, usage = os.wait4(proc.pid, 0)\n"
                "print(json.dumps({'rc': os.waitstatus_to_exitcode(status),"
                " 'peak_kb': usage.ru_maxrss}))\n")
    measured = subprocess.run(
        [sys.executable, "-c", launcher, str(out), str(err), sys.executable,
         str(PROJECT / "index.py"), "build", "--corpus", str(tmp_path / "corpus"), "--index",
         str(data), "--quiet", "--workers", "2"],
        env=env, capture_output=True, text=True, check=True)
    result = json.loads(measured.stdout)
    proc = subprocess.CompletedProcess([], result["rc"])
    seconds = time.monotonic() - start
    peak_mb = result["peak_kb"] / 1024
    report, errors = out.read_text(), err.read_text()
    assert proc.returncode in (0, 1), errors[-3000:]  # 1: files were refused
    m = re.match(r"indexed (\d+) file\(s\), \d+ passage\(s\); (\d+) duplicate\(s\); "
                 r"(\d+) refused", report)
    assert m, report[:500] + errors[-3000:]
    indexed, duplicates, refused = map(int, m.groups())
    with store.open(store.current_generation(data)) as st:
        refusals = st.refusals()
    causes: dict[str, int] = {}
    for _, reason in refusals:
        causes[_cause(reason)] = causes.get(_cause(reason), 0) + 1
    crashes = [(f, r) for f, r in refusals if _cause(r) == "crash"]
    of_kind = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
    print(f"\nfuzz (seed {FUZZ_SEED}): {files} files ({of_kind}), {indexed} indexed, "
          f"{refused} refused ({causes}), {duplicates} duplicates, {len(crashes)} crashes; "
          f"peak memory {peak_mb:.0f} MB (build and readers), {seconds:.0f} s")
    assert indexed + duplicates + refused == files
    assert len(refusals) == refused
    assert not crashes, crashes[:5]
    assert "Traceback" not in errors, errors[-3000:]
    assert indexed > files // 10 and refused > files // 10  # the mutants are of both kinds
    assert peak_mb < 1024  # the readers' cap; the build's own memory stays well below it
