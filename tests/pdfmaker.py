"""A tiny dependency-free PDF writer for tests: real multi-page PDFs with Helvetica text.

The PDF is written by hand (objects, uncompressed content streams, a correct xref table);
pypdf's PdfWriter is only used to encrypt a finished file.
"""

from __future__ import annotations

import random
from pathlib import Path

# Byte used in content strings for the "fi" ligature glyph (mapped via /Differences).
_FI_CODE = 0x01
_LEADING = 14  # points between text lines
_TOP = 800
_BOTTOM = 40


def _pdf_string(text: str) -> bytes:
    """A PDF literal string in WinAnsi encoding, the `fi` ligature mapped to its glyph."""
    out = bytearray(b"(")
    for ch in text:
        if ch == "\ufb01":
            out.append(_FI_CODE)
            continue
        b = ch.encode("cp1252", errors="replace")
        for byte in b:
            if byte in (0x28, 0x29, 0x5C):  # ( ) backslash
                out.append(0x5C)
            out.append(byte)
    out.append(0x29)
    return bytes(out)


def _text_stream(lines: list[str]) -> bytes:
    if not lines:
        return b""
    parts = [b"BT", b"/F1 11 Tf", f"{_LEADING} TL".encode(), f"56 {_TOP} Td".encode()]
    for line in lines:
        parts.append(_pdf_string(line) + b" Tj T*")
    parts.append(b"ET")
    return b"\n".join(parts) + b"\n"


def _info_string(text: str) -> bytes:
    """A text string for the /Info dictionary (UTF-16BE with BOM when not plain ASCII)."""
    if text.isascii():
        return _pdf_string(text)
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode() + b">"


class _Writer:
    """Collects numbered objects and serialises them with a correct cross-reference table."""

    def __init__(self) -> None:
        self.objects: list[bytes | None] = []

    def reserve(self) -> int:
        self.objects.append(None)
        return len(self.objects)

    def set(self, num: int, body: bytes) -> None:
        self.objects[num - 1] = body

    def add(self, body: bytes) -> int:
        num = self.reserve()
        self.set(num, body)
        return num

    def stream(self, data: bytes, extra: bytes = b"") -> int:
        head = b"<< /Length " + str(len(data)).encode() + extra + b" >>\nstream\n"
        return self.add(head + data + b"\nendstream")

    def serialise(self, root: int, info: int | None) -> bytes:
        out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for i, body in enumerate(self.objects, start=1):
            assert body is not None, f"object {i} was reserved but never written"
            offsets.append(len(out))
            out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
        xref = len(out)
        out += f"xref\n0 {len(self.objects) + 1}\n".encode()
        out += b"0000000000 65535 f \n"
        for off in offsets:
            out += f"{off:010d} 00000 n \n".encode()
        trailer = f"<< /Size {len(self.objects) + 1} /Root {root} 0 R".encode()
        if info is not None:
            trailer += f" /Info {info} 0 R".encode()
        out += b"trailer\n" + trailer + b" >>\nstartxref\n" + str(xref).encode() + b"\n%%EOF\n"
        return bytes(out)


def _page_labels(spec: list[tuple[int, str]]) -> bytes:
    """`[(0, "r"), (2, "D")]` -> /PageLabels number tree: i, ii, then 1, 2 ..."""
    nums = b" ".join(str(start).encode() + b" << /S /" + style.encode() + b" >>"
                     for start, style in spec)
    return b"<< /Nums [" + nums + b"] >>"


def _build(
    contents: list[bytes],
    *,
    title: str | None = None,
    page_labels: list[tuple[int, str]] | None = None,
    lang: str | None = None,
    image: bool = False,
) -> bytes:
    w = _Writer()
    catalog = w.reserve()
    pages_obj = w.reserve()
    font = w.add(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding << /Type /Encoding "
        b"/BaseEncoding /WinAnsiEncoding /Differences [" + str(_FI_CODE).encode() + b" /fi] >> >>"
    )
    resources = b"<< /Font << /F1 " + str(font).encode() + b" 0 R >>"
    if image:
        # A 2x2 RGB image, as a scanner would produce (only much smaller).
        pixels = bytes([200, 30, 30, 30, 200, 30, 30, 30, 200, 240, 240, 240])
        img = w.stream(pixels, b" /Type /XObject /Subtype /Image /Width 2 /Height 2"
                                b" /ColorSpace /DeviceRGB /BitsPerComponent 8")
        resources += b" /XObject << /Im1 " + str(img).encode() + b" 0 R >>"
    resources += b" >>"
    kids = []
    for data in contents:
        stream = w.stream(data)
        kids.append(w.add(
            b"<< /Type /Page /Parent " + str(pages_obj).encode() + b" 0 R /MediaBox [0 0 595 842]"
            b" /Resources " + resources + b" /Contents " + str(stream).encode() + b" 0 R >>"
        ))
    kid_refs = b" ".join(str(k).encode() + b" 0 R" for k in kids)
    w.set(pages_obj, b"<< /Type /Pages /Kids [" + kid_refs + b"] /Count "
          + str(len(kids)).encode() + b" >>")
    cat = b"<< /Type /Catalog /Pages " + str(pages_obj).encode() + b" 0 R"
    if page_labels:
        cat += b" /PageLabels " + _page_labels(page_labels)
    if lang:
        cat += b" /Lang " + _pdf_string(lang)
    w.set(catalog, cat + b" >>")
    info = None
    if title is not None:
        info = w.add(b"<< /Title " + _info_string(title) + b" /Producer (pdfmaker) >>")
    return w.serialise(catalog, info)


def make_pdf(
    path: Path,
    pages: list[list[str]],
    *,
    title: str | None = None,
    page_labels: list[tuple[int, str]] | None = None,
    lang: str | None = None,
    encrypt_password: str | None = None,
) -> Path:
    """Write a PDF with one page per entry of `pages`, each a list of text lines.

    An empty list makes a page without any text. `page_labels` is a list of
    (first page index, style) with PDF styles "D", "r", "R", "a", "A".
    """
    path = Path(path)
    for lines in pages:
        if len(lines) * _LEADING > _TOP - _BOTTOM:
            raise ValueError("too many lines for one page")
    data = _build([_text_stream(lines) for lines in pages], title=title,
                  page_labels=page_labels, lang=lang)
    path.write_bytes(data)
    if encrypt_password is not None:
        from pypdf import PdfReader, PdfWriter

        writer = PdfWriter(clone_from=PdfReader(path))
        # RC4 works without the optional `cryptography` dependency; AES would need it.
        writer.encrypt(user_password=encrypt_password, owner_password=encrypt_password + "-o",
                       algorithm="RC4-128")
        with open(path, "wb") as fh:
            writer.write(fh)
    return path


def make_image_only_pdf(path: Path, n_pages: int, *, with_image: bool = True) -> Path:
    """Pages that draw a filled rectangle (and a tiny image) but carry no text at all."""
    body = b"0.2 0.2 0.8 rg 100 100 395 642 re f\n"
    if with_image:
        body += b"q 395 642 0 0 100 100 cm /Im1 Do Q\n"
    path = Path(path)
    path.write_bytes(_build([body] * n_pages, image=with_image))
    return path


def make_mixed_pdf(path: Path, pages: list[list[str] | None]) -> Path:
    """Like make_pdf, but a `None` page is a scanned-looking page (an image, no text)."""
    contents = []
    for lines in pages:
        if lines is None:
            contents.append(b"q 495 0 0 742 50 50 cm /Im1 Do Q\n")
        else:
            contents.append(_text_stream(lines))
    path = Path(path)
    path.write_bytes(_build(contents, image=True))
    return path


def truncated_copy(src: Path, dst: Path, keep: float = 0.5) -> Path:
    """The first `keep` share of the bytes of `src` (an interrupted download)."""
    data = Path(src).read_bytes()
    Path(dst).write_bytes(data[: max(1, int(len(data) * keep))])
    return Path(dst)


def byte_flipped_copy(src: Path, dst: Path, start: float = 0.0, length: int | None = None,
                      seed: int = 0) -> Path:
    """A copy of `src` with bytes inverted from `start` (share of the file) for `length` bytes
    (to the end when None) - disk or transfer corruption. The %PDF- header is always kept."""
    data = bytearray(Path(src).read_bytes())
    begin = max(8, int(len(data) * start))
    end = len(data) if length is None else min(len(data), begin + length)
    rnd = random.Random(seed)
    for i in range(begin, end):
        data[i] ^= rnd.randint(1, 255)
    Path(dst).write_bytes(bytes(data))
    return Path(dst)


def garbage_pdf(dst: Path, size: int = 4096, *, with_header: bool = True, seed: int = 0) -> Path:
    """Random bytes with a .pdf name, optionally starting with a `%PDF-1.7` header."""
    rnd = random.Random(seed)
    body = bytes(rnd.randrange(256) for _ in range(size))
    Path(dst).write_bytes((b"%PDF-1.7\n" if with_header else b"") + body)
    return Path(dst)
