"""Messages of the e-mails and feeds in the saved search's language, outside a web request
(`alert run` sends digests from the command line): the web app's catalogs, read with Babel."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from babel.support import NullTranslations, Translations

CATALOGS = Path(__file__).resolve().parents[2] / "search_app" / "translations"
LANGUAGES = ("en", "fr", "es")


@lru_cache(maxsize=8)
def translations(lang: str) -> NullTranslations:
    if lang not in LANGUAGES or lang == "en":
        return NullTranslations()
    return Translations.load(str(CATALOGS), [lang])


def gettext(lang: str):
    """A gettext of `lang` whose `%(name)s` parameters are filled as Flask-Babel's are."""
    tr = translations(lang)

    def _(message: str, **params) -> str:
        text = tr.gettext(message)
        return text % params if params else text
    return _
