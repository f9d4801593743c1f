"""Bad files as they reach the service (issue 19): real files of each format made with the test
makers, then broken the way the issue measured. Each function writes the file and returns its
path."""

from __future__ import annotations

import zipfile
from pathlib import Path

import docxmaker
import pdfmaker

LINES = ["1. Local authorities coordinate the reception of migrants with national ministries.",
         "2. Municipal development plans mainstream migration and report on it each year."]


def docx_with_parts(path: Path, changes: dict) -> Path:
    """A real .docx (docxmaker.resolution: it has footnotes) whose parts named in `changes`
    are `change(bytes)` (b"" for a part it lacks, which is then added)."""
    good = docxmaker.resolution(path.with_name(path.stem + "-src.docx"))
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in zin.infolist():
            data = zin.read(item.filename)
            change = changes.get(item.filename)
            out.writestr(item, change(data) if change else data)
        for part in set(changes) - set(zin.namelist()):
            out.writestr(part, changes[part](b""))
    good.unlink()
    return path


_W = b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
_ENDNOTES = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/endnotes"
_ENDNOTES_TYPE = b"application/vnd.openxmlformats-officedocument.wordprocessingml.endnotes+xml"


def bad_notes_docx(path: Path, part: str = "word/footnotes.xml") -> Path:
    """Malformed footnotes.xml, or an endnotes.xml (which docxmaker does not write: it is
    added, with its relationship and content type), an element cut off before its end."""
    if part == "word/footnotes.xml":
        return docx_with_parts(path, {part: lambda data: data.replace(
            b"</w:footnotes>", b"<w:footnote")})
    return docx_with_parts(path, {
        "word/endnotes.xml": lambda _: (b'<?xml version="1.0"?><w:endnotes ' + _W + b'>'
                                        b'<w:endnote w:id="1"><w:p><w:r><w:t>See annex'
                                        b'</w:t></w:r></w:p></w:endnote><w:endnote'),
        "word/_rels/document.xml.rels": lambda data: data.replace(
            b"</Relationships>", b'<Relationship Id="rId99" Type="' + _ENDNOTES
            + b'" Target="endnotes.xml"/></Relationships>'),
        "[Content_Types].xml": lambda data: data.replace(
            b"</Types>", b'<Override PartName="/word/endnotes.xml" ContentType="'
            + _ENDNOTES_TYPE + b'"/></Types>'),
    })


def zip_bomb_docx(path: Path, unpacked: int = 1 << 30) -> Path:
    """A .docx whose document.xml unpacks to `unpacked` bytes (spaces inside the body: valid
    XML), about 1 MB on disk for 1 GB: the issue's zip bomb."""
    good = docxmaker.resolution(path.with_name(path.stem + "-src.docx"))
    chunk = b" " * (1 << 20)
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename != "word/document.xml":
                out.writestr(item, data)
                continue
            head, tail = data.split(b"<w:body>", 1)
            with out.open(item.filename, "w", force_zip64=True) as fh:
                fh.write(head + b"<w:body>")
                for _ in range(unpacked // len(chunk)):
                    fh.write(chunk)
                fh.write(tail)
    good.unlink()
    return path


def deep_html(path: Path, depth: int = 100_000) -> Path:
    """An HTML page whose text sits `depth` elements deep."""
    path.write_text("<html><body>" + "<div>" * depth + "<p>" + LINES[0] + "</p>"
                    + "</div>" * depth + "</body></html>", encoding="utf-8")
    return path


def unsupported_filter_pdf(path: Path) -> Path:
    """A PDF whose page content claims a compression filter pypdf does not implement (pypdf
    raises NotImplementedError: Unsupported filter)."""
    pdfmaker.make_pdf(path, [LINES])
    data = path.read_bytes()
    marked = data.replace(b" >>\nstream\nBT", b" /Filter /FooDecode >>\nstream\nBT", 1)
    assert marked != data
    path.write_bytes(marked)
    return path


def three_bad_files(folder: Path) -> dict[str, Path]:
    """The three kinds of bad file of the issue's 'Done when', by name."""
    folder.mkdir(parents=True, exist_ok=True)
    return {"bad-footnotes.docx": bad_notes_docx(folder / "bad-footnotes.docx"),
            "deep.html": deep_html(folder / "deep.html"),
            "unsupported-filter.pdf": unsupported_filter_pdf(folder / "unsupported-filter.pdf")}
