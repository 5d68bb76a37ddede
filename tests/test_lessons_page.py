"""The lesson page: every learner sees their own answers, feedback, shuffled words and CSRF
token, in their languages; a request runs two SQL statements and parses no Markdown."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from lessons import loader
from tests.conftest import login_as, sync_lessons_in
from webapp.accounts.models import Role
from webapp.extensions import db
from webapp.lessons import services

URL = "/lessons/fixture-first-day"
QUESTION = "Hva sier du til en ny kollega?"


@contextmanager
def statements() -> Iterator[list[str]]:
    """The SQL statements run inside the block."""
    seen: list[str] = []

    def record(_connection, _cursor, statement, *_args) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def fresh_get(client, url: str = URL) -> str:
    """A page as a new request sees it: nothing loaded yet (tests share one session)."""
    db.session.remove()
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_learners_with_the_same_languages_see_the_same_exercises(client, factory, synced_lesson):
    first_learner = factory.learner(locale="uk")
    second_learner = factory.learner(locale="uk")
    login_as(client, first_learner)
    first = client.get(URL).get_data(as_text=True)
    login_as(client, second_learner)
    second = client.get(URL).get_data(as_text=True)
    assert QUESTION in first
    assert QUESTION in second
    assert "Перевірити" in first  # the submit buttons, in the interface language


def test_a_new_lesson_version_changes_the_exercises(client, factory, synced_lesson):
    login_as(client, factory.learner(locale="uk"))
    assert QUESTION in client.get(URL).get_data(as_text=True)
    path = synced_lesson / "working-life" / "a1-01-a.md"
    path.write_text(path.read_text().replace(QUESTION, "Hva sier du til en ny sjef?"))
    sync_lessons_in(synced_lesson)
    page = client.get(URL).get_data(as_text=True)
    assert "Hva sier du til en ny sjef?" in page
    assert QUESTION not in page


def test_each_interface_language_gets_its_own_exercises(client, factory, synced_lesson):
    ukrainian = factory.learner(locale="uk")  # both read translations in Ukrainian
    norwegian = factory.learner(locale="nb")
    login_as(client, ukrainian)
    uk_page = client.get(URL).get_data(as_text=True)
    login_as(client, norwegian)
    nb_page = client.get(URL).get_data(as_text=True)
    for text in ("Вправи", "Виберіть правильну відповідь", "Перевірити"):
        assert text in uk_page
        assert text not in nb_page
    for text in ("Oppgaver", "Velg riktig svar", "Sjekk"):
        assert text in nb_page
        assert text not in uk_page
    assert "колега" in nb_page  # the support language is the learner's, not the interface's


def test_staff_get_the_exercises_without_buttons(client, factory, synced_lesson):
    login_as(client, factory.learner(locale="uk"))  # reads Ukrainian, its first language
    assert ">Перевірити<" in client.get(URL).get_data(as_text=True)
    login_as(client, factory.user(Role.TEACHER, locale="uk"))  # reads Ukrainian, its locale
    page = client.get(URL).get_data(as_text=True)
    assert QUESTION in page
    assert "колега" in page
    assert ">Перевірити<" not in page
    assert 'data-heartbeat=""' in page


def test_answers_and_feedback_belong_to_their_learner(client, factory, synced_lesson):
    answering = factory.learner(locale="nb")
    other = factory.learner(locale="nb")
    login_as(client, answering)
    hostile = '"><script>alert(2)</script>'
    client.post(f"{URL}/exercises/e2", data={"answer": hostile})
    client.post(f"{URL}/exercises/e1", data={"answer": "Hei, jeg heter Olena."})
    client.post(f"{URL}/exercises/e3", data={"pair-0": "колега", "pair-1": "перерва"})
    page = client.get(URL).get_data(as_text=True)
    assert 'role="status"' in page  # the feedback for the last answer, once
    assert 'value="&#34;&gt;&lt;script&gt;alert(2)&lt;/script&gt;"' in page
    assert "<script>alert(2)" not in page
    assert re.search(r'value="Hei, jeg heter Olena\." required checked>', page)
    assert re.search(r'<option value="колега" selected>колега</option>', page)
    assert re.search(r'<option value="перерва" selected>перерва</option>', page)
    again = client.get(URL).get_data(as_text=True)
    assert 'role="status"' not in again
    assert again.count("Du svarte riktig.") == 1
    assert again.count("Det siste svaret ditt var ikke riktig. Prøv igjen.") == 2

    login_as(client, other)
    theirs = client.get(URL).get_data(as_text=True)
    assert "alert(2)" not in theirs
    assert " checked>" not in theirs
    assert not re.search(r'<option value="[^"]*" selected>', theirs)  # no meaning chosen
    assert 'class="feedback' not in theirs


def test_each_page_carries_its_sessions_csrf_token(app, client, factory, synced_lesson):
    app.config["WTF_CSRF_ENABLED"] = True
    tokens = []
    for learner in (factory.learner(locale="nb"), factory.learner(locale="nb")):
        browser = app.test_client()
        login_as(browser, learner)
        page = browser.get(URL).get_data(as_text=True)
        meta = re.search(r'<meta name="csrf-token" content="([^"]+)">', page).group(1)
        forms = re.findall(r'name="csrf_token" type="hidden" value="([^"]*)"', page)
        assert len(forms) == 9  # seven exercises, the language switcher and log-out
        assert set(forms) == {meta}
        tokens.append(meta)
        assert browser.post(f"{URL}/exercises/e2", data={"answer": "jobber"}).status_code == 400
        answered = browser.post(
            f"{URL}/exercises/e2", data={"answer": "jobber", "csrf_token": meta}
        )
        assert answered.status_code == 302
    assert tokens[0] != tokens[1]


def test_a_request_parses_no_markdown_and_renders_the_intro_once(
    client, factory, synced_lesson, monkeypatch
):
    def refuse(*_args, **_kwargs):
        raise AssertionError("rendered during a request")

    monkeypatch.setattr(loader.markdown, "markdown", refuse)
    services.CONTENT_CACHE.clear()
    services.INTRO_CACHE.clear()
    login_as(client, factory.learner(locale="ru"))
    first = client.get(URL).get_data(as_text=True)
    assert "Привет, Олена!" not in first  # support language: Ukrainian (the first language)
    assert "Привіт, Олено!" in first
    monkeypatch.setattr(services, "render_template", refuse)  # the intro is not rendered again
    assert "Привіт, Олено!" in client.get(URL).get_data(as_text=True)


def test_a_page_request_runs_two_statements_whatever_the_answers_and_lessons(
    client, factory, synced_lesson
):
    learner = factory.learner(locale="en")
    login_as(client, learner)
    with statements() as first_visit:
        fresh_get(client)
    assert sum(s.startswith("INSERT INTO lesson_progress") for s in first_visit) == 1

    with statements() as seen:
        fresh_get(client)
    assert len(seen) == 2  # the user with their profile; the lesson with progress and answers
    assert all(s.lstrip().upper().startswith("SELECT") for s in seen)

    answers = {
        "e1": {"answer": "Hei, jeg heter Olena."},
        "e2": {"answer": "jobber"},
        "e3": {"pair-0": "колега", "pair-1": "роздягальня", "pair-2": "перерва"},
        "e4": {"answer": "I morgen begynner jeg klokka sju"},
        "e5": {"answer": "Klokka elleve"},
        "e6": {"answer": "Ha en fin helg!"},
        "e7": {"answer": "Jeg heter Olena og jobber i Drammen."},
    }
    for exercise, data in answers.items():
        assert client.post(f"{URL}/exercises/{exercise}", data=data).status_code == 302
    source = (synced_lesson / "working-life" / "a1-01-a.md").read_text()
    for order in range(2, 30):
        (synced_lesson / "working-life" / f"a1-{order:02d}-more.md").write_text(
            source.replace("fixture-first-day", f"fixture-more-{order}").replace(
                "order: 1", f"order: {order}"
            )
        )
    sync_lessons_in(synced_lesson)
    with statements() as seen:
        page = fresh_get(client)
    assert page.count("You answered this correctly.") == 5  # e6 wrong; e7 shows its feedback
    assert len(seen) == 2
    assert all(s.lstrip().upper().startswith("SELECT") for s in seen)
