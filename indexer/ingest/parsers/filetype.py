"""What a file really is, from its first bytes: for refusals that say so ("not a PDF: it is
plain text") instead of blaming a reader for a file it was never meant to read."""

from __future__ import annotations

from indexer.ingest.parsers.text import looks_like_text

# (magic bytes at the start, what to call the file)
_MAGIC = (
    (b"PK\x03\x04", "a ZIP package (a Word, Excel or PowerPoint file, or a ZIP archive)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a legacy Office file (.doc, .xls or .ppt)"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"{\\rtf", "an RTF document"),
    (b"%!PS", "a PostScript file"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"AT&TFORM", "a DjVu document"),
    (b"\x00\x00\x00\x0cjP  ", "a JPEG 2000 image"),
)


def describe(head: bytes) -> str:
    """What the bytes at the start of a file are, in words; "" when unknown."""
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    start = head.lstrip()[:512].lower()
    if start.startswith((b"<!doctype html", b"<html")) or b"<html" in start:
        return "an HTML page"
    if start.startswith(b"<?xml"):
        return "an XML file"
    if head[4:12] in (b"ftypisom", b"ftypmp42") or head[4:8] == b"ftyp":
        return "a video or audio file (MP4)"
    if looks_like_text(head):
        return "plain text"
    return ""


def not_a(kind: str, head: bytes) -> str:
    """The refusal for a file named as `kind` whose bytes are not one."""
    real = describe(head)
    if real:
        return f"the file is not a {kind}: its content is {real}"
    return f"the file is not a {kind}: its content is of an unknown kind (no {kind} header)"
