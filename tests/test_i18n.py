"""Four languages: complete catalogues, the locale order, the switcher, Babel formatting."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from tests.conftest import login
from webapp.accounts.models import Role
from webapp.config import LOCALES
from webapp.extensions import db
from webapp.i18n.locales import LANGUAGE_NAMES, LOCALE_COOKIE

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "_l": None,
    "lazy_gettext": None,
    "pgettext": ((1, "c"), 2),
    "lazy_pgettext": ((1, "c"), 2),
}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _messages_in_code() -> set[str | tuple[str, str]]:
    with open(ROOT / "translations" / "babel.cfg", encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found: set[str | tuple[str, str]] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        ROOT, method_map, options_map, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


@pytest.fixture(scope="module")
def code_messages():
    messages = _messages_in_code()
    assert len(messages) > 100  # the extraction itself works
    return messages


def _catalog(locale: str):
    with open(ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=locale)


@pytest.mark.parametrize("locale", LOCALES)
def test_catalogue_is_complete(locale, code_messages):
    catalog = _catalog(locale)
    problems = []
    ids = set()
    for message in catalog:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        ids.add(key)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if "fuzzy" in message.flags:
            problems.append(f"fuzzy: {key!r}")
        if not all(strings):
            problems.append(f"untranslated: {key!r}")
            continue
        wanted = set(PLACEHOLDER.findall(key))
        for text in strings:
            if set(PLACEHOLDER.findall(text)) != wanted:
                problems.append(f"placeholders differ: {key!r} -> {text!r}")
    for missing in sorted(code_messages - ids):
        problems.append(f"missing: {missing!r}")
    assert problems == []


def test_a_missing_translation_would_be_caught(code_messages):
    catalog = _catalog("uk")
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}
    assert code_messages <= ids
    assert (code_messages | {"A string nobody translated"}) - ids == {"A string nobody translated"}


def test_default_language_is_norwegian(client):
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="nb">' in page


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("uk-UA,uk;q=0.9", "uk"),
        ("ru", "ru"),
        ("en-GB,en;q=0.8", "en"),
        ("no", "nb"),
        ("nn-NO", "nb"),
        ("de-DE", "nb"),
    ],
)
def test_accept_language_is_used_when_nothing_else_says(client, header, expected):
    page = client.get("/", headers={"Accept-Language": header}).get_data(as_text=True)
    assert f'<html lang="{expected}">' in page


def test_cookie_beats_accept_language(client):
    client.set_cookie(LOCALE_COOKIE, "ru")
    page = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="ru">' in page


def test_user_preference_beats_cookie(client, factory):
    teacher = factory.user(Role.TEACHER, locale="uk")
    login(client, teacher)
    client.set_cookie(LOCALE_COOKIE, "en")
    page = client.get("/dashboard", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert '<html lang="uk">' in page


def test_switcher_sets_cookie_and_returns_to_page(client):
    response = client.post("/language", data={"locale": "uk", "next": "/login"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert client.get_cookie(LOCALE_COOKIE).value == "uk"
    assert '<html lang="uk">' in client.get("/login").get_data(as_text=True)


def test_switcher_refuses_unknown_language_and_foreign_redirect(client):
    response = client.post("/language", data={"locale": "de", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"
    assert client.get_cookie(LOCALE_COOKIE) is None


def test_switcher_stores_a_logged_in_users_choice(client, factory):
    teacher = factory.user(Role.TEACHER, locale="nb")
    login(client, teacher)
    client.post("/language", data={"locale": "ru", "next": "/dashboard"})
    db.session.refresh(teacher)
    assert teacher.locale == "ru"


def test_switcher_shows_endonyms(client):
    page = client.get("/").get_data(as_text=True)
    for name in LANGUAGE_NAMES.values():
        assert name in page
    assert LANGUAGE_NAMES == {
        "nb": "Norsk bokmål",
        "uk": "Українська",
        "ru": "Русский",
        "en": "English",
    }


def test_pages_are_translated_when_catalogues_are_compiled(client):
    """The same page differs per language (needs compiled .mo files, as make test builds)."""
    texts = {}
    for locale in LOCALES:
        response = client.get("/login", headers={"Accept-Language": locale})
        texts[locale] = re.search(r"<h1>(.*?)</h1>", response.get_data(as_text=True)).group(1)
    assert texts["en"] == "Log in"
    assert len(set(texts.values())) == 4, texts


def test_dates_are_formatted_for_the_locale(client, factory):
    from datetime import date

    learner = factory.learner(locale="nb", settlement_date=date(2026, 2, 2))
    login(client, learner)
    page = client.get("/dashboard").get_data(as_text=True)
    assert "2. februar 2026" in page


@pytest.mark.parametrize(
    ("locale", "number", "expected"),
    [
        ("uk", 1, "менше ніж 1 слухач."),
        ("uk", 3, "менше ніж 3 слухачі."),
        ("uk", 5, "менше ніж 5 слухачів."),
        ("uk", 21, "менше ніж 21 слухач."),
        ("ru", 5, "меньше 5 слушателей."),
        ("ru", 21, "меньше 21 слушателя."),
        ("nb", 1, "færre enn 1 deltaker."),
        ("nb", 5, "færre enn 5 deltakere."),
    ],
)
def test_counted_nouns_agree_with_the_number(app, locale, number, expected):
    from flask_babel import force_locale, ngettext

    with app.test_request_context(), force_locale(locale):
        text = ngettext(
            "%(days)s, %(hours)s: fewer than %(num)s learner.",
            "%(days)s, %(hours)s: fewer than %(num)s learners.",
            number,
            days="Mon",
            hours="18-20",
        )
    assert text == f"Mon, 18-20: {expected}"


def test_templates_follow_a_forced_language_and_return_to_the_page_language(app):
    """E-mails are written in the recipient's language inside another user's request."""
    from flask import render_template_string
    from flask_babel import force_locale, refresh

    def lessons() -> str:
        return render_template_string('{{ _("Log out") }}')

    with app.test_request_context(headers={"Accept-Language": "uk"}):
        assert lessons() == "Вийти"
        with force_locale("nb"):
            assert lessons() == "Logg ut"
            with force_locale("ru"):
                assert lessons() == "Выйти"
            assert lessons() == "Logg ut"
        assert lessons() == "Вийти"
        refresh()
        assert lessons() == "Вийти"
