"""The interface's words in a given language, read from the compiled catalogues, so a journey
can check its pages in every interface language without writing Bokmål into the test."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from babel.support import Translations

TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"


@cache
def catalogue(locale: str) -> Translations:
    found = Translations.load(str(TRANSLATIONS), [locale])
    assert isinstance(found, Translations), f"no compiled catalogue for {locale}"
    return found


def text(locale: str, message: str, context: str | None = None, **values) -> str:
    """``_()`` in ``locale``, with its values filled in."""
    if context is None:
        shown = catalogue(locale).gettext(message)
    else:
        shown = catalogue(locale).pgettext(context, message)
    return shown % values if values else shown


def plural(locale: str, singular: str, many: str, num: int, **values) -> str:
    """``ngettext()`` in ``locale``, with ``num`` and the other values filled in."""
    return catalogue(locale).ngettext(singular, many, num) % {"num": num, **values}
