"""The teacher's working day: today's and tomorrow's sessions with their registers, the texts
waiting for a reply and the work overdue in their groups.

Each list is one statement whatever the number of sessions, texts or groups, so the dashboard
costs the same for a teacher with one class and for one with ten.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import contains_eager

from webapp.accounts.models import Role, User
from webapp.classes.models import (
    Attendance,
    AttendanceMark,
    Booking,
    BookingStatus,
    ClassSeries,
    ClassSession,
    SessionStatus,
)
from webapp.classes.services import ClassError, expected_learners, mark_attendance
from webapp.extensions import db
from webapp.lessons.models import WritingSubmission
from webapp.teaching.models import Assignment, TeachingGroup
from webapp.teaching.services import TEACHING_ROLES, writing_visible_to

# Overdue work older than this has been dealt with or given up: the dashboard leaves it out.
OVERDUE_DAYS = 28
QUEUE_SHOWN = 5


@dataclass(frozen=True)
class SessionToday:
    """A session on the teacher's day, with how many are booked and how many are marked."""

    session: ClassSession
    booked: int
    marked: int

    def started(self, now: datetime) -> bool:
        """The register can be taken once the session has started."""
        return self.session.starts_at <= now


def _teaches(actor: User):
    """The series the actor teaches: their own, or every series of their provider for its
    administrator."""
    condition = ClassSeries.provider_id == actor.organisation_id
    if actor.role is Role.TEACHER:
        condition = condition & (ClassSeries.teacher_id == actor.id)
    return condition


def sessions_today(actor: User, today: date) -> list[SessionToday]:
    """Today's and tomorrow's sessions (Norwegian days) of the series the actor teaches, with the
    learners booked before each started and the marks already given (one statement)."""
    if actor.role not in TEACHING_ROLES or actor.organisation_id is None:
        return []
    booked = (
        select(func.count(func.distinct(Booking.learner_id)))
        .where(
            Booking.series_id == ClassSession.series_id,
            Booking.status == BookingStatus.CONFIRMED,
            or_(Booking.session_id.is_(None), Booking.session_id == ClassSession.id),
            func.coalesce(Booking.confirmed_at, Booking.created_at) < ClassSession.starts_at,
        )
        .scalar_subquery()
    )
    marked = (
        select(func.count())
        .select_from(Attendance)
        .where(Attendance.session_id == ClassSession.id)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(ClassSession, booked, marked)
        .join(ClassSeries, ClassSeries.id == ClassSession.series_id)
        .options(contains_eager(ClassSession.series))
        .where(
            _teaches(actor),
            ClassSession.status == SessionStatus.SCHEDULED,
            ClassSession.local_date.in_([today, today + timedelta(days=1)]),
        )
        .order_by(ClassSession.starts_at, ClassSession.id)
    )
    return [SessionToday(session, count or 0, done or 0) for session, count, done in rows]


def session_taught_by(actor: User, session_id: int) -> ClassSession | None:
    """A session of a series the actor teaches, or None."""
    if actor.role not in TEACHING_ROLES or actor.organisation_id is None:
        return None
    return db.session.scalar(
        select(ClassSession)
        .join(ClassSeries, ClassSeries.id == ClassSession.series_id)
        .options(contains_eager(ClassSession.series))
        .where(_teaches(actor), ClassSession.id == session_id)
    )


def register_all_present(actor: User, session: ClassSession) -> int:
    """The one-tap register: every learner expected at the session and not yet marked is marked
    present (those who said they cannot come stay excused); returns how many were marked."""
    if session.status is not SessionStatus.SCHEDULED:
        raise ClassError("session_cancelled")
    already = set(
        db.session.scalars(select(Attendance.learner_id).where(Attendance.session_id == session.id))
    )
    marks = {
        learner.id: AttendanceMark.PRESENT
        for learner in expected_learners(session)
        if learner.id not in already
    }
    mark_attendance(actor, session, marks)
    return len(marks)


def writing_waiting(actor: User, limit: int = QUEUE_SHOWN) -> list[tuple[WritingSubmission, str]]:
    """The oldest texts still waiting for a reply, with their writers' names (one statement)."""
    stmt = (
        writing_visible_to(actor)
        .where(WritingSubmission.replied_at.is_(None))
        .order_by(None)
        .order_by(WritingSubmission.submitted_at, WritingSubmission.id)
        .join(User, User.id == WritingSubmission.learner_id)
        .add_columns(User.name)
        .limit(limit)
    )
    return [(submission, name) for submission, name in db.session.execute(stmt)]


def writing_waiting_count(actor: User) -> int:
    """How many texts wait for a reply from the actor's provider (for the menu)."""
    waiting = writing_visible_to(actor).where(WritingSubmission.replied_at.is_(None))
    stmt = waiting.order_by(None).with_only_columns(func.count(WritingSubmission.id))
    return db.session.scalar(stmt) or 0


@dataclass(frozen=True)
class OverdueGroup:
    """A group with work whose day has passed."""

    group_id: int
    name: str
    assignments: list[Assignment]


def overdue_by_group(actor: User, today: date) -> list[OverdueGroup]:
    """Group assignments due in the last four weeks and not yet due today, by group: the
    teacher's own groups (every group of the provider for its administrator), one statement."""
    if actor.role not in TEACHING_ROLES or actor.organisation_id is None:
        return []
    condition = TeachingGroup.provider_id == actor.organisation_id
    if actor.role is Role.TEACHER:
        condition = condition & (TeachingGroup.teacher_id == actor.id)
    rows = db.session.execute(
        select(Assignment, TeachingGroup.name)
        .join(TeachingGroup, TeachingGroup.id == Assignment.group_id)
        .where(
            condition,
            Assignment.due_date < today,
            Assignment.due_date >= today - timedelta(days=OVERDUE_DAYS),
        )
        .order_by(TeachingGroup.name, TeachingGroup.id, Assignment.due_date, Assignment.id)
    )
    groups: dict[int, OverdueGroup] = {}
    for assignment, name in rows:
        group = groups.setdefault(assignment.group_id, OverdueGroup(assignment.group_id, name, []))
        group.assignments.append(assignment)
    return list(groups.values())
