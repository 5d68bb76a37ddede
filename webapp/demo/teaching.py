"""Demo teaching: a group following the Drammen evening class, assigned work, a text to answer."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from webapp.accounts.models import User
from webapp.classes.models import ClassSeries
from webapp.extensions import db
from webapp.lessons.models import Lesson, WritingSubmission
from webapp.teaching import services
from webapp.teaching.models import TeachingGroup

GROUP_NAME = "A2 kveld, Drammen"
SERIES_TITLE = "Norsk A2 på kveldstid, tirsdag og torsdag"


def seed_teaching(today: date) -> int:
    """Create the demo group once, with two assignments and one text waiting for a reply."""
    if db.session.scalar(select(TeachingGroup.id).where(TeachingGroup.name == GROUP_NAME)):
        return 0
    teacher = db.session.scalar(select(User).where(User.email == "teacher@example.org"))
    series = db.session.scalar(select(ClassSeries).where(ClassSeries.title == SERIES_TITLE))
    if teacher is None or series is None:
        return 0
    group = services.create_group(teacher, GROUP_NAME, series.id, teacher.id)
    services.assign(teacher, group, due=today + timedelta(days=14), track="working-life")
    lesson = db.session.scalar(
        select(Lesson).where(Lesson.track == "health-care", Lesson.level == "A2").limit(1)
    )
    if lesson is not None:
        services.assign(teacher, group, due=today - timedelta(days=2), lesson_id=lesson.id)
    learners = services.group_learners(group)
    if learners and lesson is not None:
        db.session.add(
            WritingSubmission(
                learner_id=learners[0].id,
                lesson_id=lesson.id,
                exercise_id="writing",
                text="Jeg heter Iryna. Jeg jobber på et sykehjem i Drammen. Jeg liker jobben min.",
            )
        )
    db.session.flush()
    return 1
