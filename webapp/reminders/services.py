"""Reminders that respect shifts, queued in the outbox by the scheduler, each at most once.

Every sweep reads the candidates in a few statements, decides with the pure rules of
``scheduling.reminders`` and writes each reminder's key (``SentReminder``) in the same
transaction as its message: a scheduler that stops and starts again finds the key and sends
nothing twice.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, func, or_, select

from scheduling import reminders as rules
from scheduling.availability import Availability
from webapp.accounts.models import Role, User
from webapp.classes.attending import cant_come_token, excused
from webapp.classes.models import (
    Booking,
    BookingStatus,
    ClassSeries,
    ClassSession,
    LearnerAvailability,
    SessionStatus,
)
from webapp.classes.services import to_availability
from webapp.extensions import db
from webapp.lessons.models import VocabCard
from webapp.lessons.services import due_cards_count
from webapp.mail.services import queue_templated_mail
from webapp.reminders.models import ReminderKind, ReminderSettings, SentReminder, reminder_key
from webapp.studytime.models import StudyDay

logger = logging.getLogger(__name__)


def settings_of(learner: User) -> ReminderSettings:
    """The learner's reminder switches (every kind on until they change it)."""
    row = db.session.get(ReminderSettings, learner.id)
    return row or ReminderSettings(learner_id=learner.id, sessions=True, nudges=True)


def save_settings(learner: User, sessions: bool, nudges: bool) -> ReminderSettings:
    """Store which kinds of reminder the learner wants."""
    row = db.session.get(ReminderSettings, learner.id)
    if row is None:
        row = ReminderSettings(learner_id=learner.id)
        db.session.add(row)
    row.sessions = sessions
    row.nudges = nudges
    db.session.flush()
    return row


def _free_time(learner_ids: set[int]) -> dict[int, Availability]:
    """The registered free time of these learners, in one statement."""
    if not learner_ids:
        return {}
    rows = db.session.scalars(
        select(LearnerAvailability).where(LearnerAvailability.learner_id.in_(learner_ids))
    )
    return {row.learner_id: to_availability(row) for row in rows}


def _already_sent(keys: list[str]) -> set[str]:
    if not keys:
        return set()
    return set(db.session.scalars(select(SentReminder.key).where(SentReminder.key.in_(keys))))


def _wants(kind_column) -> object:
    """The learner has not switched this kind off (no settings row: on)."""
    return or_(ReminderSettings.learner_id.is_(None), kind_column.is_(True))


def lead_time() -> timedelta:
    """How long before a session its reminder is due (config, 3 hours by default)."""
    return timedelta(minutes=current_app.config["NORSKVEI_REMINDER_LEAD_MINUTES"])


def send_session_reminders(now: datetime) -> int:
    """Queue a reminder for every booked session starting within the lead time whose moment has
    come (past the learner's shift and the night), once per learner and session."""
    lead = lead_time()
    pairs = list(
        db.session.execute(
            select(ClassSession, User)
            .join(ClassSeries, ClassSeries.id == ClassSession.series_id)
            .join(
                Booking,
                and_(
                    Booking.series_id == ClassSession.series_id,
                    Booking.status == BookingStatus.CONFIRMED,
                    or_(Booking.session_id.is_(None), Booking.session_id == ClassSession.id),
                ),
            )
            .join(User, User.id == Booking.learner_id)
            .outerjoin(ReminderSettings, ReminderSettings.learner_id == User.id)
            .where(
                ClassSession.status == SessionStatus.SCHEDULED,
                ClassSession.starts_at > now,
                ClassSession.starts_at <= now + lead,
                User.role == Role.LEARNER,
                User.active.is_(True),
                _wants(ReminderSettings.sessions),
                ~excused(User.id),
            )
            .order_by(ClassSession.starts_at, User.id)
        ).all()
    )
    keys = {
        (session.id, user.id): reminder_key(ReminderKind.SESSION, user.id, session.id)
        for session, user in pairs
    }
    sent = _already_sent(list(keys.values()))
    free = _free_time({user.id for _session, user in pairs})
    queued = 0
    for session, user in pairs:
        key = keys[(session.id, user.id)]
        if key in sent or not rules.session_reminder_due(
            now, session.starts_at, lead, free.get(user.id)
        ):
            continue
        sent.add(key)  # a learner booked twice for one session (series and drop-in): one mail
        db.session.add(SentReminder(key=key, kind=ReminderKind.SESSION, learner_id=user.id))
        queue_templated_mail(
            user.email,
            user.locale,
            "session_reminder",
            user=user,
            session=session,
            series=session.series,
            token=cant_come_token(user.id, session.id),
        )
        queued += 1
    db.session.flush()
    return queued


def send_study_nudges(now: datetime) -> int:
    """Queue a weekly nudge to each learner with reviews due who has not studied for three
    days, at a moment that is neither night nor their shift; at most one per ISO week."""
    if rules.is_night(now):  # no one is nudged at night: skip the counting
        return 0
    week = rules.iso_week(now.astimezone(rules.OSLO).date())
    last_day = (
        select(StudyDay.learner_id, func.max(StudyDay.day).label("last_day"))
        .where(StudyDay.seconds > 0)
        .group_by(StudyDay.learner_id)
        .subquery()
    )
    due = (
        select(VocabCard.learner_id, func.count().label("due"))
        .where(VocabCard.due <= now)
        .group_by(VocabCard.learner_id)
        .subquery()
    )
    rows = list(
        db.session.execute(
            select(User, due.c.due, last_day.c.last_day)
            .join(due, due.c.learner_id == User.id)
            .outerjoin(last_day, last_day.c.learner_id == User.id)
            .outerjoin(ReminderSettings, ReminderSettings.learner_id == User.id)
            .where(
                User.role == Role.LEARNER,
                User.active.is_(True),
                _wants(ReminderSettings.nudges),
            )
            .order_by(User.id)
        ).all()
    )
    keys = {user.id: reminder_key(ReminderKind.NUDGE, user.id, week) for user, _d, _l in rows}
    sent = _already_sent(list(keys.values()))
    free = _free_time({user.id for user, _d, _l in rows})
    queued = 0
    for user, due_count, last in rows:
        if keys[user.id] in sent or not rules.nudge_due(now, due_count, last, free.get(user.id)):
            continue
        db.session.add(SentReminder(key=keys[user.id], kind=ReminderKind.NUDGE, learner_id=user.id))
        queue_templated_mail(
            user.email,
            user.locale,
            "study_nudge",
            user=user,
            due_cards=due_cards_count(user, now),
        )
        queued += 1
    db.session.flush()
    return queued
