"""Study-time sums as the learner's dashboard shows them."""

from __future__ import annotations

from datetime import date, timedelta

from webapp.extensions import db
from webapp.studytime.models import StudyDay, StudySource
from webapp.studytime.services import hours_between, hours_since_and_in_total

THURSDAY = date(2026, 11, 26)
MONDAY = THURSDAY - timedelta(days=3)


def test_the_recent_sum_starts_on_its_day_and_the_total_stops_today(factory):
    learner = factory.learner()
    rows = [
        (MONDAY - timedelta(days=1), StudySource.LESSON, 3600),  # last Sunday: total only
        (MONDAY, StudySource.LESSON, 1800),
        (MONDAY, StudySource.CLASS, 5400),
        (THURSDAY, StudySource.REVIEW, 1080),
        (THURSDAY + timedelta(days=1), StudySource.LESSON, 7200),  # tomorrow: not yet counted
    ]
    for day, source, seconds in rows:
        db.session.add(StudyDay(learner_id=learner.id, day=day, source=source, seconds=seconds))
    other = factory.learner()
    db.session.add(
        StudyDay(learner_id=other.id, day=THURSDAY, source=StudySource.LESSON, seconds=9000)
    )
    db.session.commit()
    assert hours_since_and_in_total(learner.id, MONDAY, THURSDAY) == (2.3, 3.3)
    assert hours_since_and_in_total(learner.id, MONDAY, THURSDAY)[1] == hours_between(
        learner.id, date(2000, 1, 1), THURSDAY
    )
    assert hours_since_and_in_total(factory.learner().id, MONDAY, THURSDAY) == (0.0, 0.0)


def test_recording_study_time_is_one_statement_whether_the_day_has_a_row_or_not(factory):
    from sqlalchemy import event

    from webapp.studytime.models import StudyDay, StudySource
    from webapp.studytime.services import record_study_time

    learner_id = factory.learner().id
    day = date(2026, 12, 7)
    counts = []
    for seconds in (600, 90_000):
        seen: list[str] = []
        record = lambda _c, _cur, statement, *_args, seen=seen: seen.append(statement)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", record)
        try:
            record_study_time(learner_id, day, StudySource.LESSON, seconds)
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        counts.append(len(seen))
    db.session.commit()
    assert counts == [1, 1], seen
    assert db.session.get(StudyDay, (learner_id, day, StudySource.LESSON)).seconds == 86_400
