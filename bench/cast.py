"""Who takes part in the evening: real accounts from the generated data set and what each will
open, chosen by a seed (the load); and one visitor per role chosen by the same rule at every
size (the statement counts)."""

from __future__ import annotations

import json
import random
from collections import defaultdict
from datetime import timedelta

from sqlalchemy import func, select

from bench.actions import curriculum_answers
from webapp.accounts.models import Role, User
from webapp.classes.models import Booking, BookingStatus, ClassSeries, ClassSession, SessionStatus
from webapp.clock import oslo_today
from webapp.db_types import utcnow
from webapp.entitlement.models import Entitlement
from webapp.extensions import db
from webapp.learners.models import LearnerProfile
from webapp.lessons.models import ExerciseAnswer, Lesson, LessonProgress
from webapp.lessons.services import support_language
from webapp.teaching.models import GroupMember, TeachingGroup

LEARNER_SHARE = 0.8
TEACHER_SHARE = 0.12
LESSONS_AHEAD = 12  # lessons a learner's plan goes through (round again after the last)
SESSIONS_PER_TEACHER = 3  # classes that have met, for the attendance pages
LEARNERS_PER_COORDINATOR = 40  # records a coordinator opens and registers leave on


def curriculum() -> dict[str, list[dict]]:
    """The active lessons' exercises with right and wrong answers (see bench.actions)."""
    rows = db.session.execute(
        select(Lesson.id, Lesson.content).where(Lesson.archived_at.is_(None))
    ).all()
    return curriculum_answers({lesson_id: json.loads(content) for lesson_id, content in rows})


def _curriculum_order() -> list[str]:
    return list(
        db.session.scalars(
            select(Lesson.id)
            .where(Lesson.archived_at.is_(None))
            .order_by(Lesson.level, Lesson.track, Lesson.position)
        )
    )


def learner_plans(learner_ids: list[int]) -> list[dict]:
    """For each learner: the e-mail, the support language and the lessons to study, starting
    with the one last worked on and not completed, then the ones not completed yet."""
    order = _curriculum_order()
    progress: dict[int, list[tuple[str, bool, object]]] = defaultdict(list)
    for learner_id, lesson_id, completed, updated in db.session.execute(
        select(
            LessonProgress.learner_id,
            LessonProgress.lesson_id,
            LessonProgress.completed_at.is_not(None),
            LessonProgress.updated_at,
        ).where(LessonProgress.learner_id.in_(learner_ids))
    ):
        progress[learner_id].append((lesson_id, completed, updated))
    users = {
        user.id: user for user in db.session.scalars(select(User).where(User.id.in_(learner_ids)))
    }
    plans = []
    for learner_id in learner_ids:
        rows = progress[learner_id]
        done = {lesson for lesson, completed, _updated in rows if completed}
        started = sorted(
            ((updated, lesson) for lesson, completed, updated in rows if not completed),
            reverse=True,
        )
        first = [lesson for _updated, lesson in started[:1] if lesson in order]
        ahead = [lesson for lesson in order if lesson not in done and lesson not in first]
        lessons = (first + ahead)[:LESSONS_AHEAD] or order[:LESSONS_AHEAD]
        user = users[learner_id]
        plans.append({"email": user.email, "language": support_language(user), "lessons": lessons})
    return plans


def teacher_plan(teacher: User, now=None) -> dict:
    """A teacher's e-mail, groups, and the latest session that has met of each of their classes
    (a few of them)."""
    now = now or utcnow()
    groups = list(
        db.session.scalars(
            select(TeachingGroup.id)
            .where(TeachingGroup.teacher_id == teacher.id)
            .order_by(TeachingGroup.id)
        )
    )
    latest = (
        select(ClassSession.series_id, func.max(ClassSession.starts_at).label("starts_at"))
        .join(ClassSeries, ClassSeries.id == ClassSession.series_id)
        .where(
            ClassSeries.teacher_id == teacher.id,
            ClassSession.status == SessionStatus.SCHEDULED,
            ClassSession.starts_at <= now,
        )
        .group_by(ClassSession.series_id)
        .subquery()
    )
    sessions = db.session.execute(
        select(ClassSession.series_id, ClassSession.id)
        .join(
            latest,
            (latest.c.series_id == ClassSession.series_id)
            & (latest.c.starts_at == ClassSession.starts_at),
        )
        .order_by(ClassSession.series_id)
        .limit(SESSIONS_PER_TEACHER)
    ).all()
    return {
        "email": teacher.email,
        "groups": groups,
        "sessions": [[series_id, session_id] for series_id, session_id in sessions],
    }


def coordinator_plan(coordinator: User) -> dict:
    """A coordinator's e-mail and learners of the municipality whose period has started and runs
    at least 200 days more (rule 2 takes leave only beginning inside the period, and the bench
    registers leave up to 200 days ahead)."""
    learners = list(
        db.session.scalars(
            select(LearnerProfile.user_id)
            .join(Entitlement, Entitlement.learner_id == LearnerProfile.user_id)
            .where(
                LearnerProfile.home_municipality_id == coordinator.organisation_id,
                Entitlement.start_date <= oslo_today(),
                Entitlement.last_day >= oslo_today() + timedelta(days=200),
            )
            .order_by(LearnerProfile.user_id)
            .limit(LEARNERS_PER_COORDINATOR)
        )
    )
    return {"email": coordinator.email, "learners": learners}


def choose_cast(users: int, seed: int = 15) -> dict[str, list[dict]]:
    """``users`` distinct accounts, about 80 % learners (a seeded sample of all learners), the
    rest teachers (those with a group, those with classes that have met first) and coordinators
    (of the municipalities with most learners whose period has started)."""
    rng = random.Random(seed)
    learner_count = round(users * LEARNER_SHARE)
    learner_ids = list(db.session.scalars(select(LearnerProfile.user_id).order_by("user_id")))
    chosen = sorted(rng.sample(learner_ids, min(learner_count, len(learner_ids))))

    teacher_count = round(users * TEACHER_SHARE)
    with_group = set(db.session.scalars(select(TeachingGroup.teacher_id)))
    with_classes = set(
        db.session.scalars(
            select(ClassSeries.teacher_id)
            .join(ClassSession, ClassSession.series_id == ClassSeries.id)
            .where(ClassSession.starts_at <= utcnow())
        )
    )
    teachers = sorted(with_group, key=lambda t: (t not in with_classes, rng.random()))
    teacher_plans = [
        teacher_plan(db.session.get(User, teacher_id)) for teacher_id in teachers[:teacher_count]
    ]

    coordinator_count = users - len(chosen) - len(teacher_plans)
    busiest = db.session.execute(
        select(LearnerProfile.home_municipality_id, func.count())
        .join(Entitlement, Entitlement.learner_id == LearnerProfile.user_id)
        .where(Entitlement.start_date.is_not(None))
        .group_by(LearnerProfile.home_municipality_id)
        .order_by(func.count().desc(), LearnerProfile.home_municipality_id)
        .limit(coordinator_count)
    ).all()
    coordinators = [
        db.session.scalar(
            select(User)
            .where(User.organisation_id == municipality_id, User.role == Role.COORDINATOR)
            .order_by(User.id)
            .limit(1)
        )
        for municipality_id, _count in busiest
    ]
    return {
        "learner": learner_plans(chosen),
        "teacher": teacher_plans,
        "coordinator": [coordinator_plan(c) for c in coordinators if c is not None],
    }


def visitors() -> dict[str, dict]:
    """One user per role, chosen the same way at every size, with the plan the scripts follow:
    the learner with most lesson answers among those with a booking, a group, free time and an
    unfinished lesson; the teacher of the biggest group, with the class that has met with most
    confirmed places (whoever teaches it); the coordinator of the municipality where most
    learners live. Their e-mails are under "email" (the attendance teacher's under
    "attendance_email")."""
    from webapp.classes.models import LearnerAvailability

    booked = set(
        db.session.scalars(
            select(Booking.learner_id).where(Booking.status == BookingStatus.CONFIRMED)
        )
    )
    grouped = set(db.session.scalars(select(GroupMember.learner_id)))
    free = set(db.session.scalars(select(LearnerAvailability.learner_id)))
    unfinished = set(
        db.session.scalars(
            select(LessonProgress.learner_id).where(LessonProgress.completed_at.is_(None))
        )
    )
    answers = db.session.execute(
        select(ExerciseAnswer.learner_id, func.count()).group_by(ExerciseAnswer.learner_id)
    ).all()
    learner_id = max(
        answers,
        key=lambda row: (
            row[0] in booked,
            row[0] in grouped,
            row[0] in free,
            row[0] in unfinished,
            row[1],
            -row[0],
        ),
    )[0]
    group_id = db.session.scalar(
        select(GroupMember.group_id)
        .group_by(GroupMember.group_id)
        .order_by(func.count().desc(), GroupMember.group_id)
        .limit(1)
    )
    teacher = db.session.get(TeachingGroup, group_id).teacher
    now = utcnow()
    series_id, session_id = db.session.execute(
        select(ClassSession.series_id, ClassSession.id)
        .join(Booking, Booking.series_id == ClassSession.series_id)
        .where(
            ClassSession.status == SessionStatus.SCHEDULED,
            ClassSession.starts_at <= now,
            Booking.status == BookingStatus.CONFIRMED,
            Booking.session_id.is_(None),
        )
        .group_by(ClassSession.series_id, ClassSession.id)
        .order_by(func.count().desc(), ClassSession.starts_at.desc(), ClassSession.id)
        .limit(1)
    ).one()
    attendance_teacher = db.session.get(ClassSeries, series_id).teacher
    municipality_id = db.session.scalar(
        select(LearnerProfile.home_municipality_id)
        .group_by(LearnerProfile.home_municipality_id)
        .order_by(func.count().desc(), LearnerProfile.home_municipality_id)
        .limit(1)
    )
    coordinator = db.session.scalar(
        select(User)
        .where(User.organisation_id == municipality_id, User.role == Role.COORDINATOR)
        .order_by(User.id)
        .limit(1)
    )
    coordinator_plan_ = coordinator_plan(coordinator)
    coordinator_plan_["learners"] = coordinator_plan_["learners"][:1]
    return {
        "learner": learner_plans([learner_id])[0],
        "teacher": {
            "email": teacher.email,
            "groups": [group_id],
            "sessions": [[series_id, session_id]],
            "attendance_email": attendance_teacher.email,
        },
        "coordinator": coordinator_plan_,
    }
