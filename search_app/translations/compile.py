"""Compile the .po catalogs next to this file into the .mo files Flask-Babel reads.

    .venv/bin/python search_app/translations/compile.py

To refresh after changing UI strings (then translate the new entries in each .po). The
indexer's error messages are extracted too, from the calls in indexer.errors.EXTRACT_KEYWORDS
(`QueryError("... %(name)s ...", name=...)`, `Plural(singular, plural, n)`):
    cd search_app && ../.venv/bin/pybabel extract -F translations/babel.cfg \
        -k QueryError -k Plural:1,2 -o translations/messages.pot --no-location \
        --sort-output . ../indexer
    ../.venv/bin/pybabel update -i translations/messages.pot -d translations \
        --no-fuzzy-matching -w 100

The .mo files are committed (the app reads them as they are; nothing is built at install);
tests/test_web.py checks that they match the .po files.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

HERE = Path(__file__).resolve().parent


def compile_all(root: Path = HERE) -> list[Path]:
    written = []
    for po in sorted(root.glob("*/LC_MESSAGES/messages.po")):
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=po.parent.parent.name)
        untranslated = [m.id for m in catalog if m.id and not m.string]
        fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
        if untranslated or fuzzy:
            print(f"{po}: {len(untranslated)} untranslated, {len(fuzzy)} fuzzy", file=sys.stderr)
        mo = po.with_suffix(".mo")
        with mo.open("wb") as fh:
            write_mo(fh, catalog, use_fuzzy=False)
        written.append(mo)
    return written


if __name__ == "__main__":
    for path in compile_all():
        print(f"wrote {path}")
