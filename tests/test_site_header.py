"""The site header is rendered once per language, role, organisation and page and filled in per
request: each visitor still gets their own CSRF token and return address, escaped, and the
menu of their own role and organisation."""

from __future__ import annotations

import html
import re

import pytest
from flask import template_rendered

from tests.conftest import login_as
from webapp.accounts.models import Role
from webapp.pages import chrome


@pytest.fixture
def header_renders(app):
    """The header template's renders, by the language and role they were for."""
    seen: list[tuple[str, str | None]] = []

    def record(sender, template, context, **extra) -> None:
        if template.name == chrome.TEMPLATE:
            seen.append((context["locale"], context["role"]))

    chrome._HEADERS.clear()
    template_rendered.connect(record, app)
    yield seen
    template_rendered.disconnect(record, app)


def header(page: str) -> str:
    match = re.search(r'<header class="site-header">.*?</header>', page, re.S)
    assert match, "every page has the site header"
    return match.group(0)


def tokens(page: str) -> set[str]:
    return set(re.findall(r'name="csrf_token" type="hidden" value="([^"]*)"', header(page)))


def test_one_render_serves_many_requests_each_with_its_own_token(app, factory, header_renders):
    provider = factory.organisation()
    first, second = factory.learner(provider, locale="nb"), factory.learner(provider, locale="nb")
    pages = []
    for learner in (first, second):
        client = app.test_client()
        login_as(client, learner)
        for _ in range(2):
            pages.append(client.get("/lessons").get_data(as_text=True))
    assert header_renders == [("nb", "learner")]
    first_tokens, second_tokens = tokens(pages[0]), tokens(pages[2])
    assert len(first_tokens) == 1, "one token per session"
    assert len(second_tokens) == 1
    assert first_tokens != second_tokens
    assert first_tokens.pop() in pages[0].split("</header>")[0].split("<header")[0], (
        "the head's csrf-token meta carries the same token"
    )
    assert "\x00" not in "".join(pages), "no marker is left in a page"


def test_the_return_address_is_the_page_escaped(client, factory):
    login_as(client, factory.learner(locale="nb"))
    page = client.get('/lessons?level=A1&x="><script>alert(1)</script>').get_data(as_text=True)
    value = re.search(r'id="switch-next" name="next" type="hidden" value="([^"]*)"', page)
    assert value, "the language switcher returns to the page"
    assert "<script>" not in header(page)
    assert html.unescape(value.group(1)) == '/lessons?level=A1&x="><script>alert(1)</script>'


def test_each_role_language_and_page_gets_its_own_menu(app, factory, header_renders):
    coordinator = factory.user(Role.COORDINATOR, locale="nb")
    other = factory.user(Role.COORDINATOR, locale="nb")
    learner = factory.learner(locale="uk")
    seen = {}
    for user, path in ((coordinator, "/dashboard"), (other, "/dashboard"), (learner, "/lessons")):
        client = app.test_client()
        login_as(client, user)
        seen[user.id] = header(client.get(path).get_data(as_text=True))
    for user in (coordinator, other):  # the staff link names the coordinator's own organisation
        assert f"/organisations/{user.organisation_id}/staff" in seen[user.id]
    assert f"/organisations/{coordinator.organisation_id}/" not in seen[other.id]
    learner_menu = seen[learner.id]
    assert "/review" in learner_menu
    assert "/entitlements" not in learner_menu
    assert '<option value="uk" lang="uk" selected>' in learner_menu
    current = re.search(r'<a href="([^"]+)" aria-current="page">', learner_menu)
    assert current
    assert current.group(1) == "/lessons"
    assert sorted(header_renders) == [
        ("nb", "coordinator"),
        ("nb", "coordinator"),
        ("uk", "learner"),
    ]


def test_a_visitor_gets_the_menu_without_an_account(client):
    menu = header(client.get("/login").get_data(as_text=True))
    assert "/login" in menu
    assert "/logout" not in menu
    assert "/dashboard" not in menu
