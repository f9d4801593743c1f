"""Text recognition (OCR) of scanned PDF pages with Tesseract.

Tesseract is called directly (`tesseract IMAGE stdout -l LANGS tsv`), one page at a time with
a time limit, rather than through OCRmyPDF: we need the words, their lines and paragraphs
and their confidence to make passages, not a new PDF, and OCRmyPDF would add Ghostscript
and qpdf to what the machine must have. Pages are rendered with pypdfium2 (PDFium, in the
wheel: nothing to install) at OCR_DPI and handed to Tesseract as PPM images.

Tesseract is a Debian package (`tesseract-ocr` and one `tesseract-ocr-LANG` per language),
not a Python one: the service starts without it, and `missing()` says what to install when a
scanned PDF arrives.

The language: a document's stated language when it has one Tesseract knows; otherwise
Tesseract's script detection (OSD) on the first scanned page picks Arabic, Cyrillic or Han
models, and Latin-script pages are first read with English+French+Spanish and then again in
the language detected in that text.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

OCR_DPI = 300  # Tesseract's best resolution for body text
# Our language codes -> Tesseract's models (Debian: tesseract-ocr-eng, -fra, -spa, -ara, ...)
MODELS = {"en": "eng", "fr": "fra", "es": "spa", "ar": "ara", "ru": "rus", "zh": "chi_sim",
          "pt": "por", "de": "deu"}
SCRIPT_LANG = {"Arabic": "ar", "Cyrillic": "ru", "Han": "zh", "HanS": "zh"}
LATIN_FIRST_PASS = ("en", "fr", "es")
INSTALL = ("Tesseract OCR is not installed: on Debian or Ubuntu, `apt-get install "
           "tesseract-ocr tesseract-ocr-eng tesseract-ocr-fra tesseract-ocr-spa "
           "tesseract-ocr-ara tesseract-ocr-rus tesseract-ocr-chi-sim`")

# Set by the upload worker's child process to show progress on the staff page:
# progress(pages done, pages to do).
progress: Callable[[int, int], None] | None = None


@dataclass
class PageText:
    text: str  # lines, with a blank line between paragraphs
    confidence: float  # mean word confidence, 0-100
    timed_out: bool = False


# Tesseract's OpenMP threads fight each other on a small machine: one page took 7.2 s with
# them and 1.3 s with one thread (2 cores). Pages are read one at a time, each by one thread.
_ENV = {**os.environ, "OMP_THREAD_LIMIT": "1"}


def command() -> str | None:
    return shutil.which("tesseract")


def missing() -> str | None:
    """Why OCR cannot run here, or None when it can."""
    if command() is None:
        return INSTALL
    if not languages():
        return INSTALL
    return None


@cache
def languages() -> frozenset[str]:
    """Our codes of the languages whose Tesseract models are installed."""
    exe = command()
    if exe is None:
        return frozenset()
    out = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=30)
    models = {line.strip() for line in out.stdout.splitlines()[1:]}
    return frozenset(code for code, model in MODELS.items() if model in models)


def render(pdf_path: Path, index: int, dest: Path, dpi: int = OCR_DPI) -> Path:
    """Page `index` (0-based) of the PDF as a grey PPM/PGM image file in `dest`."""
    import pypdfium2

    pdf = pypdfium2.PdfDocument(str(pdf_path))
    try:
        bitmap = pdf[index].render(scale=dpi / 72, grayscale=True)
        width, height = bitmap.width, bitmap.height
        stride = bitmap.stride
        raw = bytes(bitmap.buffer)
    finally:
        pdf.close()
    rows = b"".join(raw[y * stride:y * stride + width] for y in range(height))
    out = dest / f"page-{index + 1}.pgm"
    out.write_bytes(b"P5\n%d %d\n255\n" % (width, height) + rows)
    return out


def script_of(image: Path, seconds: float) -> str:
    """Tesseract's script detection (OSD) for a page image: 'Latin', 'Cyrillic', ... or ''."""
    try:
        out = subprocess.run([command(), str(image), "stdout", "--psm", "0"],
                             capture_output=True, text=True, timeout=seconds, env=_ENV)
    except subprocess.TimeoutExpired:
        return ""
    for line in out.stdout.splitlines():
        if line.startswith("Script:"):
            return line.split(":", 1)[1].strip()
    return ""


def recognise(image: Path, langs: list[str], seconds: float) -> PageText:
    """The page's text and mean confidence, read with the models of `langs`."""
    models = "+".join(MODELS[x] for x in langs if x in languages()) or "eng"
    try:
        out = subprocess.run([command(), str(image), "stdout", "-l", models, "--psm", "3",
                              "tsv"], capture_output=True, text=True, timeout=seconds,
                             env=_ENV)
    except subprocess.TimeoutExpired:
        return PageText("", 0.0, timed_out=True)
    if out.returncode != 0:
        raise RuntimeError(f"tesseract failed on {image.name}: {out.stderr.strip()[:300]}")
    lines: dict[tuple[int, int, int], list[str]] = {}
    confidences = []
    for row in out.stdout.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5":  # level 5: a word
            continue
        word = cols[11].strip()
        if not word:
            continue
        key = (int(cols[2]), int(cols[3]), int(cols[4]))  # block, paragraph, line
        lines.setdefault(key, []).append(word)
        conf = float(cols[10])
        if conf >= 0:
            confidences.append(conf)
    text_lines: list[str] = []
    last_par = None
    for key in sorted(lines):
        par = key[:2]
        if last_par is not None and par != last_par:
            text_lines.append("")  # a paragraph break: the blocks are cut here
        text_lines.append(" ".join(lines[key]))
        last_par = par
    mean = sum(confidences) / len(confidences) if confidences else 0.0
    return PageText("\n".join(text_lines), mean)


def read_pages(pdf_path: Path, pages: list[int], lang: str, seconds: float
               ) -> dict[int, PageText]:
    """OCR of the given pages (0-based) of a PDF: {index: PageText}. `lang` is the document's
    stated language ('' when unknown); `seconds` the time limit of each page."""
    from indexer.language import detect

    out: dict[int, PageText] = {}
    if progress is not None and pages:  # (the reader's time limit then makes room for OCR)
        progress(0, len(pages))
    with tempfile.TemporaryDirectory(prefix="ocr-") as tmp:
        work = Path(tmp)
        langs = [lang] if lang in languages() else []
        for done, index in enumerate(pages):
            image = render(pdf_path, index, work)
            if not langs:
                script = script_of(image, seconds)
                if script in SCRIPT_LANG and SCRIPT_LANG[script] in languages():
                    langs = [SCRIPT_LANG[script]]
                else:
                    first = recognise(image, list(LATIN_FIRST_PASS), seconds)
                    latin = tuple(sorted(x for x in languages() if x not in ("ar", "ru", "zh")))
                    guess = detect(first.text, latin, default="en") if first.text.strip() \
                        else "en"
                    langs = [guess]
            out[index] = recognise(image, langs, seconds)
            image.unlink()
            if progress is not None:
                progress(done + 1, len(pages))
    return out
