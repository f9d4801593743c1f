"""UN document symbols in what a person types: found, and written one canonical way.

A UN Digital Library user types the symbol first: `A/73/L.66`, `a/c.2/73/l.46`,
`A/C.2/67/L.15/Rev.1`, `A/RES/217 (III)`, `S/RES/1325 (2000)`, or a resolution by its number
(`resolution 70/1`, `70/1`, `217 (III)`). Symbols are matched as keywords (a document's
`symbol_key`), never as words: their parts (`a`, `73`, `l.66`) say nothing of the query's
language and match everywhere as words. Pure functions.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# The organs and bodies whose symbols the corpus holds (as cleanup.SYMBOL_RE), any case.
_ORGANS = r"(?:A|E|S|ST|TD|UNEP|HRC|CCPR|CEDAW|CRC|CERD|CMW|ECE|ESCAP|FCCC|ICCD)"
# One part after a slash: `73`, `C.2`, `L.66`, `RES`, `CONF.231`, `Rev.1`, `Add-1`, with an
# optional parenthesised session or part: `217 (III)`, `1325 (2000)`, `(Part II)`.
_PART = r"[A-Za-z0-9][A-Za-z0-9.\-]*(?:\s?\((?:[IVXLCivxlc]+|\d{4}|[Pp]art\s+[IVXivx\d]+)\))?"
_SYMBOL = re.compile(rf"(?<![\w/.]){_ORGANS}(?:\s*/\s*{_PART})+", re.I)
# A General Assembly resolution by its number: `resolution 70/1`, `res. 70/1`, `70/1`, and the
# older sessions' `217 (III)`, `2200 A (XXI)`.
_RESOLUTION_WORD = r"(?:resolutions?|r[ée]solutions?|resoluci[óo]n(?:es)?|res\.)"
_NUMBERED = re.compile(rf"(?<![\w/.])(?:{_RESOLUTION_WORD}\s+)?(\d{{1,3}})\s*/\s*(\d{{1,4}})"
                       rf"(?![\w/])", re.I)
_ROMAN = re.compile(rf"(?<![\w/.])(?:{_RESOLUTION_WORD}\s+)?(\d{{1,4}})(?:\s+[A-D])?"
                    rf"\s*\(([IVXL]+)\)(?![\w/])", re.I)
_REVISION = re.compile(r"/(REV|ADD|CORR|AMEND|SUPPL)[.\-\s]*(\d+)")


@dataclass(frozen=True)
class Found:
    """A symbol in a text: where it stands, and its canonical form."""
    start: int
    end: int
    key: str


def canonical(symbol: str) -> str:
    """The one way a symbol is compared: upper case, no spaces, `Rev.1`/`Add-1` as `REV.1`/
    `ADD.1` (`a/res/217 (iii)` -> `A/RES/217(III)`)."""
    key = re.sub(r"\s+", "", symbol).upper().rstrip(".,;:-")
    return _REVISION.sub(lambda m: f"/{m.group(1)}.{m.group(2)}", key)


def find(text: str) -> list[Found]:
    """The UN symbols and resolution numbers in `text`, left to right, not overlapping."""
    found: list[Found] = []
    for m in _SYMBOL.finditer(text):
        raw = m.group(0).rstrip(".,;:-")
        if not any(c.isdigit() for c in raw):  # `s/he`, `e/or`: words, not symbols
            continue
        found.append(Found(m.start(), m.start() + len(raw), canonical(raw)))
    taken = [(f.start, f.end) for f in found]

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e in taken)

    for m in _NUMBERED.finditer(text):
        session, number = int(m.group(1)), m.group(2)
        # GA resolutions are numbered by session since the 31st (1976): `6/35` is a page
        if session >= 31 and free(m.start(), m.end()):
            found.append(Found(m.start(), m.end(), f"A/RES/{session}/{number}"))
    for m in _ROMAN.finditer(text):
        if free(m.start(), m.end()):
            found.append(Found(m.start(), m.end(),
                               f"A/RES/{int(m.group(1))}({m.group(2).upper()})"))
    return sorted(found, key=lambda f: f.start)


def without(text: str, found: list[Found]) -> str:
    """`text` with the symbols taken out (what is left says the query's language)."""
    out, last = [], 0
    for f in found:
        out.append(text[last:f.start])
        last = f.end
    out.append(text[last:])
    return " ".join(" ".join(out).split())


def citations(key: str) -> list[str]:
    """Ways a passage writes a reference to the document `key`: the symbol itself, and for a
    GA resolution its number after `resolution` in en/fr/es (`resolution 70/1`)."""
    forms = [key]
    m = re.fullmatch(r"A/RES/(\d+/\d+|\d+\([IVXL]+\))", key)
    if m:
        number = m.group(1)
        number_spaced = re.sub(r"\(", " (", number)
        for word in ("resolution", "résolution", "resolución"):
            forms.append(f"{word} {number_spaced}")
    return forms


# ------------------------------------------------------------------ references' symbols

_OLD_PART = re.compile(r"^A/RES/(\d+)[A-D]\(((?:S-)?[IVXL]+)\)$")
_PLURAL_PART = re.compile(r"\((?:PARTS|VOLS?\.)[^)]*\)|\(PART(?:[IVX]+)AND(?:PART)?[IVX]+\)")
_RANGE = re.compile(r"/((?:SR|PV)\.\d+)-\d+$")


@lru_cache(maxsize=65536)
def normalize_symbol(symbol: str) -> str:
    """The one form a symbol is compared and stored in: the index's `symbol_key`
    (`indexer.symbols.canonical`: upper case, no spaces, `REV.1`), with three more rules:
    an old-style resolution's part letter is dropped, as the document holds all its parts
    (`A/RES/2200 A (XXI)` -> `A/RES/2200(XXI)`, as the corpus writes the UDHR's
    `A/RES/217(III)`), a range of meeting records is its first (`A/C.2/39/SR.28-33` ->
    `A/C.2/39/SR.28`), and a whole-set part (`(Parts I-V)`, `(vols. I-III)`) is dropped.
    `S/RES/1325 (2000)` -> `S/RES/1325(2000)`; `A/73/12 (Part II)` -> `A/73/12(PARTII)`."""
    key = canonical(unicodedata.normalize("NFKC", symbol).replace("\u2013", "-")).rstrip("*)")
    if key.count("(") > key.count(")"):
        key += ")"
    key = _PLURAL_PART.sub("", key)
    key = _OLD_PART.sub(r"A/RES/\1(\2)", key)
    return _RANGE.sub(r"/\1", key)


def official_link(symbol: str) -> str:
    """The Official Document System link of a symbol (undocs.org resolves every language)."""
    return f"https://undocs.org/{symbol}" if symbol else ""


# `adopted as A/RES/73/195`: a draft's catalog entry (or title) names the resolution it became
_ADOPTED = re.compile(rf"\b(?:adopted\s+as|adoptée?\s+en\s+tant\s+que|aprobad[oa]\s+como)\s+"
                      rf"({_ORGANS}(?:\s*/\s*{_PART})+)", re.I)


def adopted_as(text: str) -> list[str]:
    """The symbols a text says a draft was adopted as (`adopted as A/RES/73/195`), in
    normalize_symbol form."""
    return [normalize_symbol(m.group(1).rstrip(".,;:)")) for m in _ADOPTED.finditer(text or "")]


@lru_cache(maxsize=1)
def _instrument_names() -> dict[str, dict[str, str]]:
    import json

    from indexer import DATA_DIR

    data = json.loads((DATA_DIR / "instruments.json").read_text(encoding="utf-8"))
    out: dict[str, dict[str, str]] = {}
    for item in data["instruments"]:
        names = out.setdefault(normalize_symbol(item["symbol"]), {})
        for lang in ("en", "fr", "es"):
            if item.get(lang) and lang not in names:
                names[lang] = item[lang][0].lstrip("=")
    return out


def instrument_name(symbol: str, lang: str = "en") -> str:
    """The name of a named instrument (indexer/data/instruments.json) in `lang` (else in
    English), or "": how a cited text that is not in the index is named to people."""
    names = _instrument_names().get(symbol, {})
    return names.get(lang) or names.get("en", "")
