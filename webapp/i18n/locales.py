"""The interface languages and how a request's language is chosen."""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, request
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
    """Give templates the language names, the switcher and the locale code."""
    app.add_template_global(current_locale_code, "locale_code")

    @app.context_processor
    def language_context() -> dict[str, object]:
        return {"language_names": LANGUAGE_NAMES, "language_switcher": language_switcher}


def language_switcher() -> object:
    """The switcher form for the current page, built only by templates that show it."""
    from webapp.i18n.forms import LanguageForm

    here = request.full_path.rstrip("?") if has_request_context() else "/"
    form = LanguageForm(formdata=None, next=here, locale=select_locale())
    form.next.id = "switch-next"  # the log-in form on the same page has its own "next"
    return form


def current_locale_code() -> str:
    """The interface language of this request, for ``<html lang>``."""
    return str(get_locale() or DEFAULT_LOCALE)
