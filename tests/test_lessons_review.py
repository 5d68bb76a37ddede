"""The learner's support language and word review: one word, two directions, no double counting,
and reviews that follow the learner's working hours."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fsrs import Card, Rating, State
from sqlalchemy import event, select

from scheduling import availability as free_time
from tests.conftest import copy_fixture_lesson, login, login_as, sync_lessons_in
from webapp.accounts.models import Role
from webapp.classes.services import save_availability
from webapp.clock import oslo_day_of
from webapp.db_types import utcnow
from webapp.extensions import db
from webapp.learners.models import FirstLanguage
from webapp.lessons import services
from webapp.lessons.models import Lesson, VocabCard

EN = {"Accept-Language": "en"}
LESSON = "fixture-first-day"
ANSWERS = {
    "e1": {"answer": "Hei, jeg heter Olena."},
    "e2": {"answer": "jobber"},
    "e4": {"answer": "Jeg begynner klokka sju i morgen"},
    "e5": {"answer": "Klokka elleve"},
    "e6": {"answer": "Ja, takk. Jeg har fått alt."},
    "e7": {"answer": "Jeg heter Olena og jobber i Drammen."},
}
MATCH = {
    "uk": {"pair-0": "колега", "pair-1": "роздягальня", "pair-2": "перерва"},
    "ru": {"pair-0": "коллега", "pair-1": "раздевалка", "pair-2": "перерыв"},
    "en": {"pair-0": "colleague", "pair-1": "changing room", "pair-2": "break"},
}


@pytest.fixture
def lesson_root(tmp_path: Path) -> Path:
    """The fixture lesson (every paragraph with uk, ru and en lines, as lesson format v2 asks)."""
    copy_fixture_lesson(tmp_path)
    sync_lessons_in(tmp_path)
    return tmp_path


@pytest.fixture
def learner(factory):
    return factory.learner(locale="en")


def choose(client, language: str, next_page: str = "/profile"):
    return client.post("/support-language", data={"language": language, "next": next_page})


MATCH_STEP = 4  # the player's steps: 0 goals and words, 1 the text, 2 on e1, e2, e3 (match)...


def lesson_page(client) -> str:
    """The player's words, text and matching screens of the lesson, one after the other."""
    return "".join(
        client.get(f"/lessons/{LESSON}/step/{step}", headers=EN).get_data(as_text=True)
        for step in (0, 1, MATCH_STEP)
    )


def complete_lesson(client, language: str) -> None:
    for exercise, data in {**ANSWERS, "e3": MATCH[language]}.items():
        response = client.post(f"/lessons/{LESSON}/exercises/{exercise}", data=data)
        assert response.status_code == 302


def match_options(html: str) -> set[str]:
    block = html.split('id="pair-e3-0"')[1].split("</form>")[0]
    return set(re.findall(r'<option value="([^"]+)"', block))


# --- The support language ---------------------------------------------------------------------


def test_first_log_in_asks_once_and_skipping_keeps_the_default(client, learner):
    response = login(client, learner)
    assert response.headers["Location"] == "/support-language?next=/dashboard"
    html = client.get("/support-language?next=/dashboard", headers=EN).get_data(as_text=True)
    assert "Language for translations" in html
    assert 'checked id="language-0"' in html  # uk: the coordinator's recorded first language
    response = client.post("/support-language", data={"next": "/dashboard", "skip": "Skip for now"})
    assert response.headers["Location"] == "/dashboard"
    db.session.refresh(learner)
    assert learner.learner_profile.support_language == "uk"
    again = login(client.application.test_client(), learner)
    assert again.headers["Location"] == "/dashboard"  # asked only once


def test_the_choice_refuses_unknown_languages_and_foreign_addresses(client, learner, factory):
    login_as(client, learner)
    html = choose(client, "de").get_data(as_text=True)
    assert "Not a valid choice" in html or "Choose a language" in html
    db.session.refresh(learner)
    assert learner.learner_profile.support_language is None
    response = choose(client, "ru", "https://example.org/")
    assert response.headers["Location"] == "/dashboard"
    teacher = factory.user(Role.TEACHER)
    login_as(client, teacher)
    assert client.get("/support-language").status_code == 403


def test_russian_in_the_profile_shows_russian_translations_glosses_options_and_answers(
    client, lesson_root, learner
):
    login_as(client, learner)
    assert "колега" in lesson_page(client)  # Ukrainian by default (first language)
    profile = client.get("/profile", headers=EN).get_data(as_text=True)
    assert "Language for translations" in profile
    response = choose(client, "ru")
    assert response.headers["Location"] == "/profile"
    assert learner.locale == "en"  # the interface language is untouched
    html = lesson_page(client)
    assert "Привет, Олена!" in html  # the paragraph translation
    assert "Привіт, Олено!" not in html
    assert '<span lang="ru">раздевалка</span>' in html  # the gloss in the word list
    assert match_options(html) == {"коллега", "раздевалка", "перерыв"}
    complete_lesson(client, "ru")  # the match is graded in Russian
    review = client.get("/review?reveal=1", headers=EN).get_data(as_text=True)
    assert re.search(r'<p class="word" lang="ru">(коллега|раздевалка|начинать)</p>', review)
    assert not re.search(r"колега|роздягальня|починати", review)


def test_english_shows_english_translations_and_no_other_language(client, lesson_root, learner):
    login_as(client, learner)
    choose(client, "en")
    html = lesson_page(client)
    assert "Hi, Olena! Welcome to work." in html
    assert "Thanks! Where is the changing room?" in html
    assert "Где раздевалка?" not in html
    assert "Де роздягальня?" not in html
    assert html.count("<summary>Translation</summary>") == 2
    assert '<span lang="en">changing room</span>' in html
    assert match_options(html) == {"colleague", "changing room", "break"}
    complete_lesson(client, "en")
    review = client.get("/review?reveal=1", headers=EN).get_data(as_text=True)
    assert re.search(r'<p class="word" lang="en">(colleague|changing room|to begin)</p>', review)


def test_the_coordinators_first_language_sets_only_the_default(client, lesson_root, learner):
    profile = learner.learner_profile
    profile.first_language = FirstLanguage.RUSSIAN
    db.session.commit()
    assert services.support_language(learner) == "ru"  # the default follows it
    login_as(client, learner)
    choose(client, "en")
    profile.first_language = FirstLanguage.UKRAINIAN  # the coordinator corrects the record
    db.session.commit()
    db.session.refresh(learner)
    assert services.support_language(learner) == "en"  # the learner's choice stands
    assert match_options(lesson_page(client)) == {"colleague", "changing room", "break"}


# --- Review: words, not cards ---------------------------------------------------------------


def fifteen_word_lesson(root: Path) -> None:
    path = copy_fixture_lesson(root)
    text = path.read_text(encoding="utf-8")
    start, end = text.index("vocabulary:\n"), text.index("exercises:\n")
    words = "".join(
        f"  - {{nb: ord{n}, pos: noun, uk: слово{n}, ru: слово{n}, en: word{n}, "
        f"example: Ord{n} er nytt.}}\n"
        for n in range(15)  # the most an A1 lesson may teach
    )
    path.write_text(text[:start] + "vocabulary:\n" + words + text[end:], encoding="utf-8")
    sync_lessons_in(root)


def test_a_fifteen_word_lesson_adds_fifteen_words_to_review(client, tmp_path, learner):
    fifteen_word_lesson(tmp_path)
    login_as(client, learner)
    for exercise, data in {**ANSWERS, "e3": MATCH["uk"]}.items():
        response = client.post(f"/lessons/{LESSON}/exercises/{exercise}", data=data)
    flashed = client.get(response.headers["Location"], headers=EN).get_data(as_text=True)
    assert "15 words added to your vocabulary review" in flashed
    dashboard = client.get("/dashboard", headers=EN).get_data(as_text=True)
    assert "15 words to review today" in dashboard
    assert "30 words" not in dashboard
    assert "15 words due" in client.get("/review", headers=EN).get_data(as_text=True)


def test_the_reverse_comes_only_after_the_forward_was_recalled_and_never_the_same_day(
    client, lesson_root, learner
):
    lesson = db.session.get(Lesson, LESSON)
    assert services.create_cards(learner, lesson) == 8
    db.session.commit()
    login_as(client, learner)
    html = client.get("/review", headers=EN).get_data(as_text=True)
    assert "8 words due" in html
    assert "What does this mean?" in html  # forward first

    moment = utcnow()
    first = services.next_due_card(learner, moment)
    services.review_card(first, 1, moment)  # not recalled: no reverse yet
    assert not _reverse_cards(learner)
    reviewed: dict[date, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    first_recall: dict[str, date] = {}
    for _ in range(600):  # everything due, rated Good, for about ten days
        card = services.next_due_card(learner, moment)
        if card is None:
            moment += timedelta(hours=1)
            continue
        day = oslo_day_of(moment)
        reviewed[day][card.word_nb].add(card.direction)
        if card.direction == "from_nb":
            first_recall.setdefault(card.word_nb, day)
        else:
            assert day > first_recall[card.word_nb]  # after the forward, not on its day
        services.review_card(card, 3, moment)
        moment += timedelta(minutes=11)
    db.session.commit()
    assert len(_reverse_cards(learner)) == 8
    assert any("to_nb" in directions for day in reviewed.values() for directions in day.values())
    for day in reviewed.values():
        for word, directions in day.items():
            assert len(directions) == 1, (word, directions)  # siblings never on the same day


def _reverse_cards(learner) -> list[VocabCard]:
    return db.session.scalars(
        select(VocabCard).where(VocabCard.learner_id == learner.id, VocabCard.direction == "to_nb")
    ).all()


def test_the_due_count_is_words_even_when_both_directions_are_due(lesson_root, learner):
    lesson = db.session.get(Lesson, LESSON)
    services.create_cards(learner, lesson)
    moment = utcnow()
    card = services.next_due_card(learner, moment)
    services.review_card(card, 3, moment)
    later = moment + timedelta(days=60)  # long away: both directions of the word are due
    assert len({c.direction for c in db.session.scalars(select(VocabCard))}) == 2
    assert services.due_cards_count(learner, later) == 8


# --- Review days follow the learner's working hours -----------------------------------------

SUNDAY = datetime(2027, 1, 3, 18, tzinfo=UTC)  # an evening in Oslo


def _stability_due_on(day: date) -> float:
    """A stability whose next Good rating on SUNDAY FSRS puts due on ``day``."""
    scheduler = services.scheduler()
    for hundredths in range(300, 1500):
        stability = hundredths / 100
        card = _review_state(stability)
        updated, _log = scheduler.review_card(card, Rating.Good, SUNDAY)
        if oslo_day_of(updated.due) == day:
            return stability
    raise AssertionError(day)


def _review_state(stability: float) -> Card:
    return Card(
        state=State.Review,
        stability=stability,
        difficulty=5.0,
        last_review=SUNDAY - timedelta(days=stability),
        due=SUNDAY,
    )


def _review_cards(learner, lesson_id: str, due_days: list[date]) -> list[VocabCard]:
    """Words in review, one per day in ``due_days``, whose next Good rating falls due then."""
    stabilities = {day: _stability_due_on(day) for day in set(due_days)}
    cards = []
    for n, day in enumerate(due_days):
        card = VocabCard(
            learner_id=learner.id,
            lesson_id=lesson_id,
            word_nb=f"ord{n}",
            meaning=f"слово{n}",
            direction="from_nb",
            due=SUNDAY,
            state=json.dumps(_review_state(stabilities[day]).to_dict()),
        )
        db.session.add(card)
        cards.append(card)
    db.session.flush()
    return cards


def _shown_and_due_days(learner, lesson_id: str) -> tuple[Counter[date], Counter[date]]:
    shown, due = Counter(), Counter()
    days = [date(2027, 1, 26), date(2027, 1, 27), date(2027, 1, 28)] * 20  # Tue, Wed, Thu
    for card in _review_cards(learner, lesson_id, days):
        services.review_card(card, 3, SUNDAY)
        fsrs_due = datetime.fromisoformat(json.loads(card.state)["due"])
        assert card.due <= fsrs_due  # never shown after the scheduler's due time
        shown[oslo_day_of(card.due)] += 1
        due[oslo_day_of(fsrs_due)] += 1
    return shown, due


def test_a_twelve_hour_shift_on_tuesday_gets_fewer_reviews_than_a_free_wednesday(
    lesson_root, factory
):
    tuesday, wednesday = date(2027, 1, 26), date(2027, 1, 27)
    shift_worker = factory.learner()
    cells = [
        (0, weekday, hour)
        for weekday in range(7)
        for hour in free_time.GRID_HOURS
        if not (weekday == 1 and 8 <= hour < 20)  # Tuesdays 08-20 at work
    ]
    save_availability(shift_worker, free_time.from_cells(date(2027, 1, 4), 1, cells))
    shown, due = _shown_and_due_days(shift_worker, LESSON)
    assert due[tuesday] == due[wednesday] == 20  # FSRS alone would not spare Tuesday
    assert shown[tuesday] < shown[wednesday]
    assert sum(shown.values()) == 60

    free_learner = factory.learner()  # no registered hours: every day counts the same
    shown_free, _ = _shown_and_due_days(free_learner, LESSON)
    assert shown_free[tuesday] > shown[tuesday]


def test_the_next_card_and_the_count_are_one_statement_each_on_the_index(lesson_root, learner):
    services.create_cards(learner, db.session.get(Lesson, LESSON))
    db.session.commit()
    assert learner.id  # loaded again after the commit, before counting
    seen: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        card = services.next_due_card(learner)
        count = services.due_cards_count(learner)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert card is not None
    assert count == 8
    assert len(seen) == 2
    if db.engine.dialect.name == "sqlite":
        with db.engine.connect() as connection:
            for statement, parameters in seen:
                plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
                assert "ix_vocab_cards_learner_due" in str(plan.all())
