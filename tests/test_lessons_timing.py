"""Time estimates: the median of measured completions once 5 learners completed a lesson."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from lessons.timing import LONGEST_SECONDS, measured_minutes, spent_minutes
from tests.conftest import login_as
from webapp.extensions import db
from webapp.lessons import services
from webapp.lessons.models import Lesson, LessonProgress

EN = {"Accept-Language": "en"}


def test_the_estimate_needs_five_completions_and_leaves_out_lessons_left_open():
    assert measured_minutes([600, 700, 800, 900]) is None
    assert measured_minutes([600, 700, 800, 900, 1000]) == 14  # 800 s, rounded up
    assert measured_minutes([600, 700, 800, 900, 2 * 86400]) is None  # one was left open
    assert measured_minutes([60, 60, 60, 60, 60, 86400, 86400]) == 1
    assert spent_minutes(1500) == 25
    assert spent_minutes(20) == 1
    assert spent_minutes(LONGEST_SECONDS + 1) is None


@given(st.lists(st.floats(1, LONGEST_SECONDS), min_size=5, max_size=40))
def test_the_estimate_lies_between_the_fastest_and_the_slowest(seconds):
    minutes = measured_minutes(seconds)
    assert min(seconds) / 60 - 1 <= minutes <= max(seconds) / 60 + 1


def test_the_catalogue_and_first_step_show_the_measured_time(client, factory, synced_lesson):
    lesson = db.session.get(Lesson, "fixture-first-day")
    start = datetime(2026, 11, 2, 17, tzinfo=UTC)
    learners = [factory.learner(locale="en") for _ in range(5)]
    for n, learner in enumerate(learners[:4]):
        db.session.add(
            LessonProgress(
                learner_id=learner.id,
                lesson_id=lesson.id,
                started_at=start,
                updated_at=start,
                completed_at=start + timedelta(minutes=20 + n),
                best_score=100,
            )
        )
    db.session.commit()
    services.refresh_measured_minutes(lesson)
    assert lesson.measured_minutes is None  # four are not enough
    login_as(client, learners[4])
    catalogue = client.get("/lessons", headers=EN).get_data(as_text=True)
    assert "about 16 minutes" in catalogue  # the lesson's own estimate
    db.session.add(
        LessonProgress(
            learner_id=learners[4].id,
            lesson_id=lesson.id,
            started_at=start,
            updated_at=start,
            completed_at=start + timedelta(minutes=30),
            best_score=100,
        )
    )
    services.refresh_measured_minutes(lesson)
    db.session.commit()
    assert lesson.measured_minutes == 22
    assert "about 22 minutes" in client.get("/lessons", headers=EN).get_data(as_text=True)
    first = client.get("/lessons/fixture-first-day", headers=EN).get_data(as_text=True)
    assert "about 22 minutes" in first


def test_completing_a_lesson_keeps_its_measured_time_current(client, factory, synced_lesson):
    from tests.test_lessons_player import RIGHT

    learner = factory.learner(locale="en")
    login_as(client, learner)
    for exercise, data in RIGHT.items():
        client.post(f"/lessons/fixture-first-day/exercises/{exercise}", data=data)
    lesson = db.session.get(Lesson, "fixture-first-day")
    assert db.session.get(LessonProgress, (learner.id, lesson.id)).completed_at is not None
    assert lesson.measured_minutes is None  # one completion only
