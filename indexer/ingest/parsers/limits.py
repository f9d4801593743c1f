"""Limits a parser checks before it does the work a file asks for: how far a .docx may unpack
(every part of the zip, from its directory, before python-docx or lxml inflates anything) and
how deeply an HTML page may nest. Each is a setting (indexer/config.py); past one the file is
refused with the reason. Memory and time are bounded by the process that parses
(indexer/ingest/reader.py), not here.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

from indexer.errors import IngestRefused

MB = 1024 * 1024
# Parts smaller than this unpacked are never refused for their ratio: a tiny part of
# repeated markup compresses well and costs nothing.
RATIO_FLOOR_BYTES = 1 * MB


@dataclass(frozen=True)
class ParseLimits:
    unpacked_bytes: int  # all the parts of a zip together, unpacked
    part_bytes: int  # any one part, unpacked
    ratio: int  # unpacked / packed size of a part of RATIO_FLOOR_BYTES or more
    markup_depth: int  # nested elements of an HTML page

    @classmethod
    def of(cls, settings=None) -> ParseLimits:
        """The limits of `settings` (indexer/config.py), else of the environment's."""
        if settings is None:
            from indexer.config import load

            settings = load()
        return cls(unpacked_bytes=settings.zip_max_unpacked_mb * MB,
                   part_bytes=settings.zip_max_part_mb * MB, ratio=settings.zip_max_ratio,
                   markup_depth=settings.max_markup_depth)


def _mb(n: int) -> str:
    return f"{n / MB:,.0f} MB" if n >= MB else f"{n / 1024:,.0f} KB"


def check_zip(path: Path, limits: ParseLimits, shown: str) -> None:
    """Refuse a zip package (a .docx) whose parts would unpack past the limits, reading only
    its directory. The sizes it declares are what gets inflated at most: Python's zipfile
    stops each part at its declared size (and a part that holds more fails its CRC check),
    and python-docx reads the parts through it."""
    try:
        with zipfile.ZipFile(path) as zf:
            parts = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise IngestRefused("the Word file is damaged and cannot be read (not a complete .docx "
                            "package); open it in Word, save it again and upload the new "
                            "copy", shown) from None
    advice = ("it may be a \"zip bomb\" (a small file made to fill the server's memory); if "
              "it is a real document, save it again from Word or as PDF and add that")
    total = 0
    length = path.stat().st_size
    for part in parts:
        size, packed = part.file_size, max(part.compress_size, 1)
        if not 0 <= part.header_offset < length or packed > length:
            raise IngestRefused("the Word file is damaged and cannot be read (not a complete "
                                ".docx package); open it in Word, save it again and upload "
                                "the new copy", shown)
        if size > limits.part_bytes:
            raise IngestRefused(
                f"the Word file unpacks to more than it may: its part {part.filename[:80]!r} is "
                f"{_mb(size)}, over the {_mb(limits.part_bytes)} limit; {advice}", shown)
        if size >= RATIO_FLOOR_BYTES and size / packed > limits.ratio:
            raise IngestRefused(
                f"the Word file unpacks to more than it may: its part {part.filename[:80]!r} "
                f"grows {size / packed:,.0f} times when unpacked ({_mb(packed)} to "
                f"{_mb(size)}), over the limit of {limits.ratio} times; {advice}", shown)
        total += size
        if total > limits.unpacked_bytes:
            raise IngestRefused(
                f"the Word file unpacks to more than it may: its parts come to over "
                f"{_mb(limits.unpacked_bytes)} together, the limit; {advice}", shown)
