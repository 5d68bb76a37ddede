"""Groups, assignments, the progress matrix and the review of free writing.

Every function reads a fixed number of statements whatever the group's size, so the progress
matrix costs the same for 4 learners and for 40.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask import abort
from sqlalchemy import Integer, Select, and_, bindparam, case, false, func, or_, select, union
from sqlalchemy.orm import joinedload

from webapp.access import policy
from webapp.accounts.models import Role, User
from webapp.classes.models import (
    Attendance,
    AttendanceMark,
    Booking,
    BookingStatus,
    ClassSeries,
    ClassSession,
)
from webapp.db_types import utcnow
from webapp.extensions import db
from webapp.lessons.models import ExerciseAnswer, Lesson, LessonProgress, WritingSubmission
from webapp.pages.listing import RowPage, cut_page
from webapp.studytime.models import StudyDay
from webapp.teaching.matrix import (
    Cell,
    Progress,
    build_matrix,
    by_due_date,
    due_by_learner,
    earliest_due,
)
from webapp.teaching.models import Assignment, GroupMember, TeachingGroup

TEACHING_ROLES = (Role.TEACHER, Role.PROVIDER_ADMIN)
MAX_REPLY = 4000


class TeachingError(Exception):
    """A refused change; ``code`` names the reason for a translated message."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


# Groups ------------------------------------------------------------------------------------------


def groups_visible_to(actor: User) -> Select[tuple[TeachingGroup]]:
    """The groups of the actor's provider (all groups for administrators)."""
    stmt = select(TeachingGroup)
    if actor.role is Role.ADMIN:
        return stmt
    if actor.role in TEACHING_ROLES:
        return stmt.where(TeachingGroup.provider_id == actor.organisation_id)
    return stmt.where(false())


def get_group_or_404(actor: User, group_id: int) -> TeachingGroup:
    """A group the actor may see, with its class series; anything else looks missing."""
    group = db.session.scalar(
        groups_visible_to(actor)
        .where(TeachingGroup.id == group_id)
        .options(joinedload(TeachingGroup.series))
    )
    if group is None:
        abort(404)
    return group


def create_group(
    actor: User, name: str, series_id: int | None, teacher_id: int | None
) -> TeachingGroup:
    """Start a group for the actor's provider, optionally following a class series' roster."""
    if actor.role not in TEACHING_ROLES or actor.organisation_id is None:
        raise TeachingError("not_a_teacher")
    if series_id is not None:
        series = db.session.get(ClassSeries, series_id)
        if series is None or series.provider_id != actor.organisation_id:
            raise TeachingError("unknown_series")
    if teacher_id is not None:
        teacher = db.session.get(User, teacher_id)
        if teacher is None or teacher.organisation_id != actor.organisation_id:
            raise TeachingError("unknown_teacher")
    group = TeachingGroup(
        provider_id=actor.organisation_id,
        name=name.strip(),
        series_id=series_id,
        teacher_id=teacher_id,
    )
    db.session.add(group)
    db.session.flush()
    return group


def _group_learners_condition(with_series: bool) -> Any:
    members = select(GroupMember.learner_id).where(GroupMember.group_id == bindparam("group"))
    condition = User.id.in_(members)
    if with_series:
        booked = select(Booking.learner_id).where(
            Booking.series_id == bindparam("series"),
            Booking.status == BookingStatus.CONFIRMED,
            Booking.session_id.is_(None),
        )
        condition = or_(condition, User.id.in_(booked))
    return and_(condition, User.role == Role.LEARNER)


def _group_roster_statement(with_series: bool) -> Select[tuple[int, str, bool]]:
    added = select(GroupMember.learner_id).where(GroupMember.group_id == bindparam("group"))
    return (
        select(User.id, User.name, User.id.in_(added))
        .where(_group_learners_condition(with_series))
        .order_by(User.name, User.id)
    )


# The teacher's group page runs these on every visit: built once, run with bound values
# (building a statement costs more than running it).
_GROUP_LEARNERS = {
    series: select(User).where(_group_learners_condition(series)).order_by(User.name, User.id)
    for series in (False, True)
}
_GROUP_ROSTER = {series: _group_roster_statement(series) for series in (False, True)}


def group_learners(group: TeachingGroup) -> list[User]:
    """The group's learners: those added by hand and those booked for its whole series."""
    statement = _GROUP_LEARNERS[group.series_id is not None]
    values = {"group": group.id, "series": group.series_id}
    return list(db.session.scalars(statement, values))


@dataclass(frozen=True, slots=True)
class GroupLearner:
    """A learner of a group as the teacher's page lists them."""

    id: int
    name: str
    added_by_hand: bool  # else booked for the group's class series


def group_roster(group: TeachingGroup) -> list[GroupLearner]:
    """The group's learners by name, and whether each was added by hand (one query)."""
    statement = _GROUP_ROSTER[group.series_id is not None]
    values = {"group": group.id, "series": group.series_id}
    return [
        GroupLearner(learner_id, name, bool(by_hand))
        for learner_id, name, by_hand in db.session.execute(statement, values)
    ]


def add_member(actor: User, group: TeachingGroup, learner_id: int) -> None:
    """Add a learner the actor may see to a group (adding twice changes nothing)."""
    learner = db.session.scalar(policy.learners_visible_to(actor).where(User.id == learner_id))
    if learner is None:
        raise TeachingError("unknown_learner")
    if db.session.get(GroupMember, (group.id, learner.id)) is None:
        db.session.add(GroupMember(group_id=group.id, learner_id=learner.id))
    db.session.flush()


def remove_member(group: TeachingGroup, learner_id: int) -> None:
    """Take a learner added by hand out of a group; their progress stays."""
    member = db.session.get(GroupMember, (group.id, learner_id))
    if member is not None:
        db.session.delete(member)
    db.session.flush()


# Assignments -------------------------------------------------------------------------------------


def assign(
    actor: User,
    group: TeachingGroup,
    *,
    due: date,
    learner_id: int | None = None,
    lesson_id: str | None = None,
    track: str | None = None,
    level: str | None = None,
) -> Assignment:
    """Assign one lesson, a track or a level to the group or to one of its learners."""
    if sum(value is not None for value in (lesson_id, track, level)) != 1:
        raise TeachingError("choose_one")
    if lesson_id is not None:
        lesson = db.session.get(Lesson, lesson_id)
        if lesson is None or lesson.archived_at is not None:
            raise TeachingError("unknown_lesson")
    if learner_id is not None and learner_id not in {u.id for u in group_learners(group)}:
        raise TeachingError("not_in_group")
    assignment = Assignment(
        provider_id=group.provider_id,
        created_by_id=actor.id,
        group_id=None if learner_id is not None else group.id,
        learner_id=learner_id,
        lesson_id=lesson_id,
        track=track,
        level=level,
        due_date=due,
    )
    db.session.add(assignment)
    db.session.flush()
    return assignment


def delete_assignment(actor: User, assignment: Assignment) -> None:
    """Withdraw an assignment (the learners' progress stays)."""
    if actor.role is not Role.ADMIN and assignment.provider_id != actor.organisation_id:
        raise TeachingError("not_yours")
    db.session.delete(assignment)
    db.session.flush()


# Built once: the teacher's group page runs it on every visit. Without the learners: their
# names are in the group's roster already (joining users, their profiles and organisations
# cost more to plan than to run).
_GROUP_ASSIGNMENTS = (
    select(Assignment)
    .where(
        or_(
            Assignment.group_id == bindparam("group"),
            (Assignment.learner_id.in_(bindparam("learners", expanding=True)))
            & (Assignment.provider_id == bindparam("provider")),
        )
    )
    .order_by(Assignment.due_date, Assignment.id)
)


def group_assignments(group: TeachingGroup, learner_ids: list[int]) -> list[Assignment]:
    """The group's assignments and those made to its learners one by one by its provider
    (one query)."""
    values = {"group": group.id, "learners": learner_ids, "provider": group.provider_id}
    return list(db.session.scalars(_GROUP_ASSIGNMENTS, values))


_ASSIGNED_LESSONS = (
    select(Lesson)
    .where(
        Lesson.archived_at.is_(None),
        or_(
            Lesson.id.in_(bindparam("lessons", expanding=True)),
            Lesson.track.in_(bindparam("tracks", expanding=True)),
            Lesson.level.in_(bindparam("levels", expanding=True)),
        ),
    )
    .order_by(Lesson.level, Lesson.track, Lesson.position)
)


def covered_lessons(
    assignments: list[Assignment], lessons: list[Lesson]
) -> dict[int, list[Lesson]]:
    """Which of ``lessons`` (in their order) each assignment covers: its lesson, track or level."""
    # Each attribute read once: the catalogue has over a hundred lessons.
    keys = [(lesson, lesson.id, lesson.track, lesson.level) for lesson in lessons]
    return {
        a.id: [
            lesson
            for lesson, lesson_id, track, level in keys
            if lesson_id == wanted_id or track == wanted_track or level == wanted_level
        ]
        for a, (wanted_id, wanted_track, wanted_level) in (
            (a, (a.lesson_id, a.track, a.level)) for a in assignments
        )
    }


def assigned_lessons(assignments: list[Assignment]) -> dict[int, list[Lesson]]:
    """The active lessons each assignment covers, in catalogue order (one query)."""
    if not assignments:
        return {}
    values = {
        "lessons": sorted({a.lesson_id for a in assignments if a.lesson_id}),
        "tracks": sorted({a.track for a in assignments if a.track}),
        "levels": sorted({a.level for a in assignments if a.level}),
    }
    return covered_lessons(assignments, list(db.session.scalars(_ASSIGNED_LESSONS, values)))


_ACTIVE_LESSONS = (
    select(Lesson)
    .where(Lesson.archived_at.is_(None))
    .order_by(Lesson.level, Lesson.track, Lesson.position)
)


def active_lessons() -> list[Lesson]:
    """Every lesson in the catalogue, by level, track and position (one query)."""
    return list(db.session.scalars(_ACTIVE_LESSONS))


def _progress_statement() -> Select[Any]:
    learners = bindparam("learners", expanding=True)
    lessons = bindparam("lessons", expanding=True)
    tries = (
        select(
            ExerciseAnswer.learner_id,
            ExerciseAnswer.lesson_id,
            func.sum(ExerciseAnswer.attempts).label("attempts"),
        )
        .where(ExerciseAnswer.learner_id.in_(learners), ExerciseAnswer.lesson_id.in_(lessons))
        .group_by(ExerciseAnswer.learner_id, ExerciseAnswer.lesson_id)
        .subquery()
    )
    return (
        select(
            LessonProgress.learner_id,
            LessonProgress.lesson_id,
            LessonProgress.completed_at,
            LessonProgress.best_score,
            tries.c.attempts,
        )
        .outerjoin(
            tries,
            and_(
                tries.c.learner_id == LessonProgress.learner_id,
                tries.c.lesson_id == LessonProgress.lesson_id,
            ),
        )
        .where(LessonProgress.learner_id.in_(learners), LessonProgress.lesson_id.in_(lessons))
    )


_PROGRESS = _progress_statement()


def _progress(learner_ids: list[int], lesson_ids: list[str]) -> dict[tuple[int, str], Progress]:
    """Each learner's progress on each lesson: completion, first-try score and answers given."""
    if not learner_ids or not lesson_ids:
        return {}
    rows = db.session.execute(_PROGRESS, {"learners": learner_ids, "lessons": lesson_ids})
    return {
        (learner_id, lesson_id): Progress(completed is not None, score or 0, int(tries or 0))
        for learner_id, lesson_id, completed, score, tries in rows
    }


# The matrix shows this many learners a page: a class's whole roster can be hundreds.
LEARNERS_PER_PAGE = 50
# The spreadsheet export holds every learner of a group up to this many.
CSV_LEARNERS = 2000
# The hours column counts the last four weeks, today included.
HOURS_DAYS = 28


@dataclass
class Matrix:
    """One page of a group's learners × the lessons assigned in the group, for the teacher."""

    page: RowPage  # of GroupLearner: the learners this page shows
    everyone: list[GroupLearner]  # every learner of the group, for the assignment form
    lessons: list[Lesson]
    cells: dict[tuple[int, str], Cell]
    assignments: list[Assignment]
    lessons_by_assignment: dict[int, list[Lesson]]
    catalogue: list[Lesson]  # every active lesson, for the assignment form
    hours: dict[int, float] = field(default_factory=dict)
    attendance: dict[int, dict[str, int]] = field(default_factory=dict)

    @property
    def learners(self) -> list[GroupLearner]:
        """The learners this page shows."""
        return list(self.page.items)

    @property
    def names(self) -> dict[int, str]:
        """Every learner's name by id (work assigned to one learner names them)."""
        return {learner.id: learner.name for learner in self.everyone}


def progress_matrix(
    group: TeachingGroup, today: date, page: int = 1, per_page: int = LEARNERS_PER_PAGE
) -> Matrix:
    """One page of the group's progress on everything assigned to it: five statements whatever
    the group's size; the cells, hours and attendance only of the page's learners."""
    everyone = group_roster(group)
    number, shown = cut_page(everyone, page, per_page)
    shown_ids = [learner.id for learner in shown]
    assignments = group_assignments(group, [learner.id for learner in everyone])
    catalogue = active_lessons()
    covered = covered_lessons(assignments, catalogue)
    work = [
        (a.learner_id, a.due_date, [lesson.id for lesson in covered[a.id]]) for a in assignments
    ]
    everyones = earliest_due((i, day) for learner, day, ids in work if learner is None for i in ids)
    own = earliest_due(
        ((learner, i), day) for learner, day, ids in work if learner is not None for i in ids
    )
    due = due_by_learner(shown_ids, everyones, own)
    # By due date over every learner, not only this page's: the same columns on every page.
    group_due = earliest_due(((0, i), day) for _learner, day, ids in work for i in ids)
    in_catalogue = {lesson.id: lesson for lesson in catalogue if (0, lesson.id) in group_due}
    lessons = [in_catalogue[lesson_id] for lesson_id in by_due_date(list(in_catalogue), group_due)]
    progress = _progress(shown_ids, [lesson.id for lesson in lessons])
    hours, attendance = hours_and_attendance(
        shown_ids, today - timedelta(days=HOURS_DAYS - 1), group.series_id
    )
    return Matrix(
        page=RowPage(items=shown, page=number, per_page=per_page, total=len(everyone)),
        everyone=everyone,
        lessons=lessons,
        cells=build_matrix(shown_ids, due, progress, today),
        assignments=assignments,
        lessons_by_assignment=covered,
        catalogue=catalogue,
        hours=hours,
        attendance=attendance,
    )


def _hours_and_attendance_statement() -> Select[Any]:
    learners = bindparam("learners", expanding=True)
    hours = (
        select(StudyDay.learner_id, func.sum(StudyDay.seconds).label("seconds"))
        .where(StudyDay.learner_id.in_(learners), StudyDay.day >= bindparam("first"))
        .group_by(StudyDay.learner_id)
        .subquery()
    )
    marks = (
        select(
            Attendance.learner_id,
            *(
                func.sum(case((Attendance.mark == mark, 1), else_=0)).label(mark.value)
                for mark in AttendanceMark
            ),
        )
        .join(ClassSession, ClassSession.id == Attendance.session_id)
        .where(ClassSession.series_id == bindparam("series"), Attendance.learner_id.in_(learners))
        .group_by(Attendance.learner_id)
        .subquery()
    )
    return (
        select(User.id, hours.c.seconds, *(marks.c[mark.value] for mark in AttendanceMark))
        .outerjoin(hours, hours.c.learner_id == User.id)
        .outerjoin(marks, marks.c.learner_id == User.id)
        .where(User.id.in_(learners))
    )


# Built once: the teacher's group page runs it on every visit.
_HOURS_AND_ATTENDANCE = _hours_and_attendance_statement()


def hours_and_attendance(
    learner_ids: list[int], first: date, series_id: int | None
) -> tuple[dict[int, float], dict[int, dict[str, int]]]:
    """Hours each learner studied since a day (all sources together) and their present,
    absent and excused marks at a series' sessions (none without a series): one query."""
    if not learner_ids:
        return {}, {}
    values = {"learners": learner_ids, "first": first, "series": series_id}
    hours: dict[int, float] = {}
    attendance: dict[int, dict[str, int]] = {}
    for learner_id, seconds, *marks in db.session.execute(_HOURS_AND_ATTENDANCE, values):
        hours[learner_id] = round((seconds or 0) / 3600, 1)
        if series_id is not None:
            attendance[learner_id] = {
                mark.value: int(count or 0)
                for mark, count in zip(AttendanceMark, marks, strict=True)
            }
    return hours, attendance


# The learner's side ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LearnerAssignment:
    """An assignment as the learner sees it on their dashboard."""

    assignment: Assignment
    lessons: list[Lesson]
    completed: int
    overdue: bool

    @property
    def total(self) -> int:
        return len(self.lessons)

    @property
    def done(self) -> bool:
        return self.completed == self.total


def _learner_assignments_statement() -> Select[tuple[Assignment]]:
    learner = bindparam("learner")
    member_of = select(GroupMember.group_id).where(GroupMember.learner_id == learner)
    booked_series = select(Booking.series_id).where(
        Booking.learner_id == learner,
        Booking.status == BookingStatus.CONFIRMED,
        Booking.session_id.is_(None),
    )
    series_groups = select(TeachingGroup.id).where(TeachingGroup.series_id.in_(booked_series))
    # Three index lookups joined by UNION: an OR of them made PostgreSQL scan every assignment.
    mine = union(
        select(Assignment.id).where(Assignment.learner_id == learner),
        select(Assignment.id).where(Assignment.group_id.in_(member_of)),
        select(Assignment.id).where(Assignment.group_id.in_(series_groups)),
    )
    return (
        select(Assignment)
        .where(Assignment.id.in_(mine.scalar_subquery()))
        .order_by(Assignment.due_date, Assignment.id)
    )


# Built once: the learner's dashboard runs it on every visit.
_LEARNER_ASSIGNMENTS = _learner_assignments_statement()


def learner_assignments(learner: User, today: date) -> list[LearnerAssignment]:
    """What the learner's teachers have asked them to do, soonest due first."""
    assignments = list(db.session.scalars(_LEARNER_ASSIGNMENTS, {"learner": learner.id}))
    covered = assigned_lessons(assignments)
    lesson_ids = sorted({lesson.id for lessons in covered.values() for lesson in lessons})
    progress = _progress([learner.id], lesson_ids)
    result = []
    for a in assignments:
        lessons = covered.get(a.id, [])
        done = sum(
            1
            for lesson in lessons
            if (p := progress.get((learner.id, lesson.id))) is not None and p.completed
        )
        result.append(
            LearnerAssignment(a, lessons, done, overdue=done < len(lessons) and today > a.due_date)
        )
    return result


# Free writing -----------------------------------------------------------------------------------


def writing_visible_to(actor: User) -> Select[tuple[WritingSubmission]]:
    """Free-writing answers of the learners the actor follows (written while learning with the
    actor's provider), unanswered first."""
    stmt = select(WritingSubmission)
    if actor.role is Role.ADMIN:
        pass
    elif actor.role in TEACHING_ROLES:
        stmt = stmt.where(WritingSubmission.provider_id == actor.organisation_id)
    else:
        stmt = stmt.where(false())
    # The order of ix_writing_submissions_queue read backwards.
    return stmt.order_by(
        WritingSubmission.waiting.desc(),
        WritingSubmission.submitted_at.desc(),
        WritingSubmission.id.desc(),
    )


def reply_to_writing(actor: User, submission: WritingSubmission, text: str) -> None:
    """Store the teacher's reply to a learner's text (a later reply replaces it)."""
    text = text.strip()
    if not text:
        raise TeachingError("empty_reply")
    submission.reply = text[:MAX_REPLY]
    submission.replied_at = utcnow()
    submission.replied_by_id = actor.id
    db.session.flush()


# Built once: the learner's dashboard runs it on every visit.
_FEEDBACK = (
    select(WritingSubmission)
    .where(
        WritingSubmission.learner_id == bindparam("learner"),
        WritingSubmission.replied_at.is_not(None),
    )
    .order_by(WritingSubmission.replied_at.desc())
    .limit(bindparam("limit", type_=Integer))
)


def learner_feedback(learner: User, limit: int = 5) -> list[WritingSubmission]:
    """The latest replies the learner's teachers wrote to their texts."""
    return list(db.session.scalars(_FEEDBACK, {"learner": learner.id, "limit": limit}))


def lessons_by_id(ids: set[str]) -> dict[str, Lesson]:
    """Lessons by id (one query)."""
    if not ids:
        return {}
    return {
        lesson.id: lesson for lesson in db.session.scalars(select(Lesson).where(Lesson.id.in_(ids)))
    }


@dataclass(frozen=True)
class LearnerWork:
    """One learner's work in a group: each assigned lesson's cell, soonest due first."""

    learner: GroupLearner
    lessons: list[Lesson]
    cells: dict[tuple[int, str], Cell]


def learner_work(group: TeachingGroup, learner_id: int, today: date) -> LearnerWork | None:
    """The work assigned in the group to one of its learners, with their progress; None when
    the learner is not in the group."""
    learner = next((item for item in group_roster(group) if item.id == learner_id), None)
    if learner is None:
        return None
    assignments = [
        a
        for a in group_assignments(group, [learner_id])
        if a.learner_id is None or a.learner_id == learner_id
    ]
    covered = assigned_lessons(assignments)
    due = earliest_due(
        ((learner_id, lesson.id), a.due_date) for a in assignments for lesson in covered[a.id]
    )
    by_id = {lesson.id: lesson for lessons in covered.values() for lesson in lessons}
    order = by_due_date(list(by_id), due)
    progress = _progress([learner_id], order)
    return LearnerWork(
        learner, [by_id[i] for i in order], build_matrix([learner_id], due, progress, today)
    )
