"""The learner-independent part of a lesson page is rendered once per lesson version and language,
and no request parses Markdown."""

from __future__ import annotations

import pytest
from flask import template_rendered

from lessons import loader
from tests.conftest import login_as, sync_lessons_in
from webapp.lessons import services

URL = "/lessons/fixture-first-day"
TEXT = "/lessons/fixture-first-day/step/1"  # the text step


@pytest.fixture
def intro_renders(app):
    """Count how often the intro template is rendered."""
    seen: list[str] = []

    def record(sender, template, context, **extra) -> None:
        if template.name == "lessons/_intro.html":
            seen.append(context["locale"])

    template_rendered.connect(record, app)
    services.INTRO_CACHE.clear()
    yield seen
    template_rendered.disconnect(record, app)


def test_the_intro_is_rendered_once_per_language_and_reused(
    client, factory, synced_lesson, intro_renders
):
    learner = factory.learner(locale="uk")
    login_as(client, learner)
    first = client.get(URL).get_data(as_text=True)
    second = client.get(URL).get_data(as_text=True)
    assert "Перший день" in first
    assert first == second
    assert intro_renders == ["uk"]
    client.post("/language", data={"locale": "en"})
    english = client.get(URL).get_data(as_text=True)
    assert "First day" in english
    assert "Перший день" not in english
    assert intro_renders == ["uk", "en"]


def test_a_new_lesson_version_is_rendered_again(client, factory, synced_lesson, intro_renders):
    learner = factory.learner(locale="uk")
    login_as(client, learner)
    assert "Velkommen på jobb." in client.get(TEXT).get_data(as_text=True)
    path = synced_lesson / "working-life" / "a1-01-a.md"
    path.write_text(
        path.read_text().replace("Velkommen på jobb.", "Velkommen til første arbeidsdag.")
    )
    sync_lessons_in(synced_lesson)
    page = client.get(TEXT).get_data(as_text=True)
    assert "Velkommen til første arbeidsdag." in page
    assert "Velkommen på jobb." not in page
    assert len(intro_renders) == 2


def test_no_request_parses_markdown(client, factory, synced_lesson, monkeypatch):
    learner = factory.learner(locale="ru")
    login_as(client, learner)

    def refuse(*_args, **_kwargs):
        raise AssertionError("Markdown parsed during a request")

    monkeypatch.setattr(loader.markdown, "markdown", refuse)
    services.INTRO_CACHE.clear()
    services.CONTENT_CACHE.clear()
    response = client.get(TEXT)
    assert response.status_code == 200
    assert "Привіт, Олено!" in response.get_data(as_text=True)  # support language: Ukrainian
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)
