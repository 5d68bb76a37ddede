"""The interface languages and how a request's language is chosen."""

from __future__ import annotations

from flask import Flask, current_app, request
from flask_babel import get_locale
from flask_login import current_user

from webapp.config import DEFAULT_LOCALE, LOCALES

# Endonyms: each language named in itself, never translated.
LANGUAGE_NAMES: dict[str, str] = {
    "nb": "Norsk bokmål",
    "uk": "Українська",
    "ru": "Русский",
    "en": "English",
}
LOCALE_COOKIE = "norskvei_locale"

# Browser tags that mean Norwegian; Bokmål is what we offer.
_ACCEPT_TAGS = ("nb", "no", "nn", "uk", "ru", "en")


def locale_choices() -> list[tuple[str, str]]:
    """(code, endonym) pairs for select fields."""
    return [(code, LANGUAGE_NAMES[code]) for code in LOCALES]


def select_locale() -> str:
    """The user's preference, then the switcher cookie, then Accept-Language, then the default."""
    if current_user and current_user.is_authenticated and current_user.locale in LOCALES:
        return current_user.locale
    cookie = request.cookies.get(LOCALE_COOKIE)
    if cookie in LOCALES:
        return cookie
    best = request.accept_languages.best_match(_ACCEPT_TAGS)
    if best in ("no", "nn"):
        return "nb"
    if best in LOCALES:
        return best
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def init_app(app: Flask) -> None:
    """Give templates the locale code and the language switcher's choices."""
    app.add_template_global(current_locale_code, "locale_code")
    app.add_template_global(locale_choices, "language_choices")


def current_locale_code() -> str:
    """The interface language of this request, for ``<html lang>``."""
    return str(get_locale() or DEFAULT_LOCALE)
