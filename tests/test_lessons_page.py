"""The lesson player's pages: every learner sees their own answers, feedback, option order and
CSRF token, in their languages; a step runs two SQL statements and parses no Markdown."""

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

LESSON = "/lessons/fixture-first-day"
URL = f"{LESSON}/step/2"  # the first exercise
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
    for text in ("Вправа 1 з 7", "Виберіть правильну відповідь", "Перевірити"):
        assert text in uk_page
        assert text not in nb_page
    for text in ("Oppgave 1 av 7", "Velg riktig svar", "Sjekk"):
        assert text in nb_page
        assert text not in uk_page
    words = client.get(LESSON).get_data(as_text=True)
    assert "колега" in words  # the support language is the learner's, not the interface's


def test_staff_get_the_exercises_without_buttons(client, factory, synced_lesson):
    login_as(client, factory.learner(locale="uk"))  # reads Ukrainian, its first language
    assert ">Перевірити<" in client.get(URL).get_data(as_text=True)
    login_as(client, factory.user(Role.TEACHER, locale="uk"))  # reads Ukrainian, its locale
    page = client.get(URL).get_data(as_text=True)
    assert QUESTION in page
    assert "колега" in client.get(LESSON).get_data(as_text=True)
    assert ">Перевірити<" not in page
    assert 'data-heartbeat=""' in page


def test_answers_and_feedback_belong_to_their_learner(client, factory, synced_lesson):
    answering = factory.learner(locale="nb")
    other = factory.learner(locale="nb")
    login_as(client, answering)
    hostile = '"><script>alert(2)</script>'
    client.post(f"{LESSON}/exercises/e2", data={"answer": hostile})
    client.post(f"{LESSON}/exercises/e1", data={"answer": "Hei, jeg heter Olena."})
    client.post(f"{LESSON}/exercises/e3", data={"pair-0": "колега", "pair-1": "перерва"})
    fill = client.get(f"{LESSON}/step/3").get_data(as_text=True)
    assert 'role="status"' in fill  # the feedback stays on the exercise
    assert "&#34;&gt;&lt;script&gt;alert(2)&lt;/script&gt;" in fill
    assert "<script>alert(2)" not in fill
    assert "Ikke helt." in fill
    assert "Riktig!" in client.get(URL).get_data(as_text=True)
    match = client.get(f"{LESSON}/step/4").get_data(as_text=True)
    assert "en kollega = колега" in match  # the right pairs, after a wrong try

    login_as(client, other)
    for step in (2, 3, 4):
        theirs = client.get(f"{LESSON}/step/{step}").get_data(as_text=True)
        assert "alert(2)" not in theirs
        assert " checked" not in theirs
        assert not re.search(r'<option value="[^"]*" selected>', theirs)  # no meaning chosen
        assert 'class="feedback' not in theirs


def test_options_are_shuffled_per_learner_and_attempt_and_stable_on_reload(
    client, factory, synced_lesson
):
    def order(page: str) -> list[str]:
        return re.findall(r'type="radio" name="answer" value="([^"]*)"', page)

    orders = set()
    for _ in range(8):
        login_as(client, factory.learner(locale="nb"))
        first = order(client.get(URL).get_data(as_text=True))
        assert first == order(client.get(URL).get_data(as_text=True))  # stable on reload
        assert sorted(first) == ["Ha en fin dag.", "Hei, jeg heter Olena.", "Vi ses i morgen."]
        orders.add(tuple(first))
    assert len({first.index("Hei, jeg heter Olena.") for first in orders}) > 1  # not always first


def test_each_page_carries_its_sessions_csrf_token(app, client, factory, synced_lesson):
    app.config["WTF_CSRF_ENABLED"] = True
    tokens = []
    for learner in (factory.learner(locale="nb"), factory.learner(locale="nb")):
        browser = app.test_client()
        login_as(browser, learner)
        page = browser.get(f"{LESSON}/step/3").get_data(as_text=True)
        meta = re.search(r'<meta name="csrf-token" content="([^"]+)">', page).group(1)
        forms = re.findall(r'name="csrf_token" type="hidden" value="([^"]*)"', page)
        assert len(forms) == 3  # the exercise, the language switcher and log-out
        assert set(forms) == {meta}
        tokens.append(meta)
        assert browser.post(f"{LESSON}/exercises/e2", data={"answer": "jobber"}).status_code == 400
        answered = browser.post(
            f"{LESSON}/exercises/e2", data={"answer": "jobber", "csrf_token": meta}
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
    first = client.get(f"{LESSON}/step/1").get_data(as_text=True)
    assert "Привет, Олена!" not in first  # support language: Ukrainian (the first language)
    assert "Привіт, Олено!" in first
    monkeypatch.setattr(services, "render_template", refuse)  # the intro is not rendered again
    assert "Привіт, Олено!" in client.get(f"{LESSON}/step/1").get_data(as_text=True)


def test_a_page_request_runs_three_statements_whatever_the_answers_and_lessons(
    client, factory, synced_lesson
):
    learner = factory.learner(locale="en")
    login_as(client, learner)
    with statements() as first_visit:
        fresh_get(client)
    assert sum(s.startswith("INSERT INTO lesson_progress") for s in first_visit) == 1

    with statements() as seen:
        fresh_get(client)
    # The user with their profile; the lesson with progress and answers; the lesson's published
    # recordings (played instead of a voice, and counted for its listening practice).
    assert len(seen) == 3
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
        assert client.post(f"{LESSON}/exercises/{exercise}", data=data).status_code == 302
    source = (synced_lesson / "working-life" / "a1-01-a.md").read_text()
    for order in range(2, 30):
        (synced_lesson / "working-life" / f"a1-{order:02d}-more.md").write_text(
            source.replace("fixture-first-day", f"fixture-more-{order}").replace(
                "order: 1", f"order: {order}"
            )
        )
    sync_lessons_in(synced_lesson)
    for step in range(9):  # every step but the result
        with statements() as seen:
            page = fresh_get(client, f"{LESSON}/step/{step}")
        assert len(seen) == 3, step
        assert all(s.lstrip().upper().startswith("SELECT") for s in seen)
    assert "Sent to your teacher." in page  # the answers are on their steps (e7: writing)
    with statements() as seen:
        fresh_get(client, f"{LESSON}/step/9")
    assert len(seen) <= 8  # the result adds its words, assigned work, reviews and next lesson


def test_each_attempt_gets_its_own_order_and_word_tiles_give_nothing_away(
    client, factory, synced_lesson
):
    from webapp.lessons.arranging import arranged
    from webapp.lessons.models import Lesson

    lesson = db.session.get(Lesson, "fixture-first-day")
    exercises = {e["id"]: e for e in services.lesson_content(lesson)["exercises"]}
    tiles = [arranged(7, lesson, exercises["e4"], attempt, "uk") for attempt in range(1, 9)]
    assert len({tuple(t) for t in tiles}) > 1  # a new order on a new attempt
    assert all(sorted(t) == ["begynner", "i", "jeg", "klokka", "morgen", "sju"] for t in tiles)
    assert arranged(7, lesson, exercises["e4"], 3, "uk") == tiles[2]  # stable on reload
    learner = factory.learner(locale="nb")
    login_as(client, learner)
    client.post(f"{LESSON}/exercises/e4", data={"answer": "galt"})
    again = client.get(f"{LESSON}/step/5?again=1").get_data(as_text=True)
    shown = re.findall(r'class="chip" data-word="([^"]*)"', again)
    assert shown == arranged(learner.id, lesson, exercises["e4"], 2, "uk")  # the 2nd attempt
