"""Scanned copies of real PDFs for the OCR tests and benchmark: each page rendered (PDFium, via
pypdfium2) to a grey image at a scanner's resolution and written to a new PDF holding only
that image, so the copy has no text layer, as a scanned document has none."""

from __future__ import annotations

from pathlib import Path

import pypdfium2


def scan_pdf(src: Path, dest: Path, dpi: int = 200, pages: list[int] | None = None,
             keep_text: set[int] | None = None) -> Path:
    """`dest`: the pages of `src` (all, or the 0-based `pages`) as images at `dpi`; pages in
    `keep_text` are copied as they are (text layer kept), for mixed documents."""
    source = pypdfium2.PdfDocument(str(src))
    out = pypdfium2.PdfDocument.new()
    try:
        for i in pages if pages is not None else range(len(source)):
            if keep_text and i in keep_text:
                out.import_pages(source, [i])
                continue
            page = source[i]
            width, height = page.get_size()
            bitmap = page.render(scale=dpi / 72, grayscale=True)
            new = out.new_page(width, height)
            image = pypdfium2.PdfImage.new(out)
            image.set_bitmap(bitmap)
            image.set_matrix(pypdfium2.PdfMatrix().scale(width, height))
            new.insert_obj(image)
            new.gen_content()
        out.save(str(dest))
    finally:
        out.close()
        source.close()
    return dest
