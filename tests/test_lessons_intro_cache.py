"""The learner-independent part of a lesson page is rendered once per lesson version and language,
and no request parses Markdown."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from flask import template_rendered

from lessons import loader
from lessons.loader import lesson_files
from tests.conftest import login_as
from webapp.extensions import db
from webapp.lessons import services

FIXTURES = Path(__file__).parent / "fixtures" / "lessons"
URL = "/lessons/fixture-first-day"


@pytest.fixture
def content(tmp_path) -> Path:
    folder = tmp_path / "working-life"
    folder.mkdir()
    shutil.copy(FIXTURES / "valid" / "working-life" / "a1-01-fixture.md", folder / "a1-01-a.md")
    services.sync_lessons(lesson_files(tmp_path), tmp_path)
    db.session.commit()
    return tmp_path


@pytest.fixture
def intro_renders(app):
    """Count how often the intro template is rendered."""
    seen: list[str] = []

    def record(sender, template, context, **extra) -> None:
        if template.name == "lessons/_intro.html":
            seen.append(context["locale"])

    template_rendered.connect(record, app)
    services._INTROS.clear()
    yield seen
    template_rendered.disconnect(record, app)


def test_the_intro_is_rendered_once_per_language_and_reused(
    client, factory, content, intro_renders
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


def test_a_new_lesson_version_is_rendered_again(client, factory, content, intro_renders):
    learner = factory.learner(locale="uk")
    login_as(client, learner)
    assert "Velkommen på jobb." in client.get(URL).get_data(as_text=True)
    path = content / "working-life" / "a1-01-a.md"
    path.write_text(
        path.read_text().replace("Velkommen på jobb.", "Velkommen til første arbeidsdag.")
    )
    services.sync_lessons(lesson_files(content), content)
    db.session.commit()
    page = client.get(URL).get_data(as_text=True)
    assert "Velkommen til første arbeidsdag." in page
    assert "Velkommen på jobb." not in page
    assert len(intro_renders) == 2


def test_no_request_parses_markdown(client, factory, content, monkeypatch):
    learner = factory.learner(locale="ru")
    login_as(client, learner)

    def refuse(*_args, **_kwargs):
        raise AssertionError("Markdown parsed during a request")

    monkeypatch.setattr(loader.markdown, "markdown", refuse)
    services._INTROS.clear()
    services._DECODED.clear()
    response = client.get(URL)
    assert response.status_code == 200
    assert "Привіт, Олено!" in response.get_data(as_text=True)  # support language: Ukrainian
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)
