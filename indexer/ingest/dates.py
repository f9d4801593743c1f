"""A document's date: from its properties only when plausible, else from its date line.

Word and PDF properties often carry the date of a template or of a converter's placeholder,
not of the text: python-docx's own template says 2013-12-23, zip tools 1980-01-01, a zeroed
clock 1970-01-01. A property date is kept only when it is not one of those, not after the
file was received, and not before the United Nations existed (its Charter was signed on
26 June 1945). A UN document prints its date on a line of its own in the masthead
(`12 March 2023`, `12 mars 2023`, `12 de marzo de 2023`): that is the text's own date.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

# Dates that belong to templates and tools, not to documents.
TEMPLATE_DATES = frozenset({
    "2013-12-23",  # python-docx's default template (docProps/core.xml)
    "1980-01-01",  # the ZIP epoch: a package written without real times
    "1970-01-01",  # a zeroed Unix clock
    "1904-01-01",  # a zeroed Mac clock
    "1601-01-01",  # a zeroed Windows clock
})
EARLIEST = date(1945, 6, 26)  # the Charter of the United Nations is signed

_MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6,
    "juillet": 7, "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11,
    "décembre": 12, "decembre": 12,
    "enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7,
    "agosto": 8, "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11,
    "diciembre": 12,
}
DATE_LINE = re.compile(
    r"^(\d{1,2})(?:er|º|°)?\s+(?:de\s+)?(" + "|".join(_MONTHS) + r")\s+(?:de\s+)?(\d{4})$",
    re.I)


def plausible(when: date | datetime | None, received: datetime | None = None) -> str:
    """The ISO date of a property date that can be the document's; "" otherwise."""
    if when is None:
        return ""
    day = when.date() if isinstance(when, datetime) else when
    received = received or datetime.now(UTC)
    if day.isoformat() in TEMPLATE_DATES or day < EARLIEST or day > received.date():
        return ""
    return day.isoformat()


def from_date_line(line: str) -> str:
    """`12 March 2023` (en/fr/es, alone on its line) as `2023-03-12`; "" otherwise."""
    m = DATE_LINE.match(" ".join(line.split()))
    if not m:
        return ""
    try:
        day = date(int(m.group(3)), _MONTHS[m.group(2).lower()], int(m.group(1)))
    except ValueError:
        return ""  # 31 February
    return plausible(day)


def from_text(lines: list[str], limit: int = 40) -> str:
    """The first date line among the first `limit` lines of a text (a UN masthead)."""
    for line in lines[:limit]:
        found = from_date_line(line)
        if found:
            return found
    return ""
