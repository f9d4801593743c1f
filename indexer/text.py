"""Text normalisation shared by ingestion and queries: Unicode forms, case and accent
folding, and copied line-break hyphens, so that a query is read exactly as the texts are."""

from __future__ import annotations

import re
import unicodedata

# Compatibility characters that NFC keeps but that only get in the way of search. We do not
# apply NFKC wholesale because it also rewrites superscripts, fractions and full-width forms.
_COMPAT = {
    "\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl",
    "\ufb05": "st", "\ufb06": "st",
    "\u00a0": " ", "\u2007": " ", "\u202f": " ", "\u2009": " ", "\u200a": " ", "\u3000": " ",
    "\u00ad": "",  # soft hyphen
    "\u200b": "", "\u200c": "", "\u200d": "", "\ufeff": "", "\u2060": "",
    "\u2010": "-", "\u2011": "-",  # hyphen, non-breaking hyphen
    "\r": "",
}
_COMPAT_TABLE = str.maketrans(_COMPAT)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def normalize_text(text: str) -> str:
    """NFC, ligatures and odd spaces to plain forms, control characters dropped."""
    text = unicodedata.normalize("NFC", text)
    text = text.translate(_COMPAT_TABLE)
    return _CONTROL.sub("", text)


def fold(text: str) -> str:
    """Case- and accent-folded form, for comparisons that should ignore both."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# ---------------------------------------------------------------- hyphenation

# Prefixes that form real hyphenated compounds: keep the hyphen when a line breaks after them.
_COMPOUND_PREFIXES = {
    "multi", "self", "non", "cross", "well", "long", "short", "high", "low", "co", "post",
    "pre", "re", "anti", "inter", "intra", "socio", "sub", "semi", "counter", "ex", "half",
    "all", "state", "evidence", "gender", "child", "human", "rights", "whole", "people",
    "country", "region", "age", "context", "follow", "large", "small", "medium", "mid",
    "over", "under", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty",
    "ninety", "so", "peer", "policy", "community", "un", "member",
}


def join_broken_words(text: str) -> str:
    """A copied line-break hyphen (`develop- ment`, `develop-\nment`) joined as dehyphenate
    joins it in the texts: `development`, but `multi-stakeholder` (a compound prefix, or a
    second part that is not lower case, keeps its hyphen)."""
    def glue(m: re.Match) -> str:
        first, second = m.group(1), m.group(2)
        keep = first.lower() in _COMPOUND_PREFIXES or not second[0].islower()
        return f"{first}{'-' if keep else ''}{second}"
    return re.sub(r"(\w+)-[ \t]*(?:\r?\n\s*|[ \t]+)(\w+)", glue, text)
