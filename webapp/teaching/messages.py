"""Messages from a teacher to a class series, one session's booked learners or a group: kept for
the learners' dashboards and e-mailed to each in their own interface language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import format_date
from sqlalchemy import Integer, bindparam, insert, select, update
from sqlalchemy.orm import joinedload

from webapp.accounts.models import User
from webapp.classes.models import (
    Booking,
    BookingStatus,
    ClassSeries,
    ClassSession,
    SessionStatus,
)
from webapp.classes.services import expected_learners
from webapp.db_types import utcnow
from webapp.extensions import db
from webapp.mail.services import queue_templated_mail
from webapp.teaching.models import MessageRecipient, TeacherMessage, TeachingGroup
from webapp.teaching.services import TEACHING_ROLES, TeachingError, group_learners

MAX_MESSAGE = 2000
# A session a teacher may still write to: from a day ago to a month ahead.
SESSION_WINDOW = (timedelta(days=1), timedelta(days=31))


@dataclass(frozen=True)
class Audience:
    """Who a message goes to: ``kind`` is "series", "session" or "group"."""

    kind: str
    id: int
    label: str


def audiences(actor: User, now: datetime) -> list[Audience]:
    """The series (running or ahead), the sessions near now and the groups of the actor's
    provider: what a message may be addressed to (three statements)."""
    if actor.role not in TEACHING_ROLES or actor.organisation_id is None:
        return []
    provider = actor.organisation_id
    series = db.session.scalars(
        select(ClassSeries)
        .where(ClassSeries.provider_id == provider, ClassSeries.last_date >= now.date())
        .order_by(ClassSeries.title, ClassSeries.id)
    ).all()
    sessions = db.session.scalars(
        select(ClassSession)
        .join(ClassSeries, ClassSeries.id == ClassSession.series_id)
        .options(joinedload(ClassSession.series))
        .where(
            ClassSeries.provider_id == provider,
            ClassSession.status == SessionStatus.SCHEDULED,
            ClassSession.starts_at >= now - SESSION_WINDOW[0],
            ClassSession.starts_at <= now + SESSION_WINDOW[1],
        )
        .order_by(ClassSession.starts_at, ClassSession.id)
    ).all()
    groups = db.session.scalars(
        select(TeachingGroup)
        .where(TeachingGroup.provider_id == provider)
        .order_by(TeachingGroup.name, TeachingGroup.id)
    ).all()
    return (
        [Audience("series", s.id, s.title) for s in series]
        + [
            Audience(
                "session",
                s.id,
                f"{s.series.title}, {format_date(s.local_date, 'medium')}"
                f" {s.start_local.strftime('%H:%M')}",
            )
            for s in sessions
        ]
        + [Audience("group", g.id, g.name) for g in groups]
    )


def _recipients(actor: User, kind: str, target_id: int) -> tuple[dict, list[User]]:
    """The message's target columns and its learners, if the target is the actor's provider's."""
    provider = actor.organisation_id
    if kind == "series":
        series = db.session.get(ClassSeries, target_id)
        if series is None or series.provider_id != provider:
            raise TeachingError("unknown_audience")
        learners = db.session.scalars(
            select(User)
            .where(
                User.id.in_(
                    select(Booking.learner_id).where(
                        Booking.series_id == series.id,
                        Booking.status == BookingStatus.CONFIRMED,
                    )
                )
            )
            .order_by(User.id)
        ).all()
        return {"series_id": series.id}, list(learners)
    if kind == "session":
        session = db.session.get(ClassSession, target_id)
        if session is None or session.series.provider_id != provider:
            raise TeachingError("unknown_audience")
        return {"session_id": session.id}, expected_learners(session)
    if kind == "group":
        group = db.session.get(TeachingGroup, target_id)
        if group is None or group.provider_id != provider:
            raise TeachingError("unknown_audience")
        return {"group_id": group.id}, group_learners(group)
    raise TeachingError("unknown_audience")


def send_message(actor: User, kind: str, target_id: int, body: str) -> int:
    """Keep the message for each learner of the audience and queue their e-mail (sent after the
    commit by the outbox); returns how many learners it went to."""
    if actor.role not in TEACHING_ROLES or actor.organisation_id is None:
        raise TeachingError("not_a_teacher")
    body = body.strip()[:MAX_MESSAGE]
    if not body:
        raise TeachingError("empty_message")
    target, found = _recipients(actor, kind, target_id)
    learners = list({learner.id: learner for learner in found}.values())  # booked twice, told once
    if not learners:
        raise TeachingError("no_recipients")
    message = TeacherMessage(
        provider_id=actor.organisation_id, author_id=actor.id, body=body, **target
    )
    db.session.add(message)
    db.session.flush()
    db.session.execute(
        insert(MessageRecipient),
        [{"message_id": message.id, "learner_id": learner.id} for learner in learners],
    )
    for learner in learners:
        queue_templated_mail(
            learner.email,
            learner.locale,
            "teacher_message",
            user=learner,
            message=message,
            sender=actor,
        )
    return len(learners)


# The learner's side ------------------------------------------------------------------------------

_INBOX = (
    select(TeacherMessage, MessageRecipient.read_at, User.name)
    .join(MessageRecipient, MessageRecipient.message_id == TeacherMessage.id)
    .outerjoin(User, User.id == TeacherMessage.author_id)
    .where(MessageRecipient.learner_id == bindparam("learner"))
    .order_by(TeacherMessage.created_at.desc(), TeacherMessage.id.desc())
    .limit(bindparam("limit", type_=Integer))
)


@dataclass(frozen=True)
class InboxItem:
    """A message as the learner sees it."""

    message: TeacherMessage
    read_at: datetime | None
    author: str | None


def inbox(learner: User, limit: int = 5) -> list[InboxItem]:
    """The learner's latest messages, newest first (one statement)."""
    rows = db.session.execute(_INBOX, {"learner": learner.id, "limit": limit})
    return [InboxItem(message, read_at, author) for message, read_at, author in rows]


def open_message(learner: User, message_id: int) -> InboxItem | None:
    """One of the learner's own messages, marked read; None for anyone else's."""
    row = db.session.execute(
        select(TeacherMessage, MessageRecipient.read_at, User.name)
        .join(MessageRecipient, MessageRecipient.message_id == TeacherMessage.id)
        .outerjoin(User, User.id == TeacherMessage.author_id)
        .where(MessageRecipient.learner_id == learner.id, TeacherMessage.id == message_id)
    ).first()
    if row is None:
        return None
    message, read_at, author = row
    if read_at is None:
        read_at = utcnow()
        db.session.execute(
            update(MessageRecipient)
            .where(
                MessageRecipient.message_id == message_id,
                MessageRecipient.learner_id == learner.id,
            )
            .values(read_at=read_at)
        )
    return InboxItem(message, read_at, author)
