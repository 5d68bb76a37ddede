"""iCalendar (RFC 5545) files for class sessions: a per-user feed and a download per series."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime

from flask import url_for
from icalendar import Calendar, Event, Timezone
from sqlalchemy import or_, select

from scheduling.recurrence import OSLO
from webapp.accounts.models import Role, User
from webapp.classes.models import (
    Booking,
    BookingStatus,
    CalendarFeed,
    ClassSeries,
    ClassSession,
    Modality,
    SessionStatus,
)
from webapp.db_types import utcnow
from webapp.extensions import db

PRODID = "-//Norskvei//Classes//NB"


def feed_for(user: User, create: bool = True) -> CalendarFeed | None:
    """The user's calendar feed, created with a fresh secret on first use."""
    feed = db.session.get(CalendarFeed, user.id)
    if feed is None and create:
        feed = CalendarFeed(user_id=user.id, token=secrets.token_urlsafe(32), created_at=utcnow())
        db.session.add(feed)
        db.session.flush()
    return feed


def renew_feed(user: User) -> CalendarFeed:
    """Give the feed a new secret address; the old address stops working at once."""
    feed = feed_for(user)
    assert feed is not None
    feed.token = secrets.token_urlsafe(32)
    feed.created_at = utcnow()
    db.session.flush()
    return feed


def webcal_address(token: str, host: str) -> str:
    """The feed's ``webcal://`` address on ``host``: phones open it in their calendar app,
    which then subscribes to the feed (and fetches it over HTTPS)."""
    path = url_for("classes.calendar_feed", token=token)
    return f"webcal://{host}{path}"


def user_for_token(token: str) -> User | None:
    """The active user a feed token belongs to, or None."""
    if not token or len(token) > 64:
        return None
    user = db.session.scalar(
        select(User)
        .join(CalendarFeed, CalendarFeed.user_id == User.id)
        .where(CalendarFeed.token == token)
    )
    return user if user is not None and user.is_active else None


def sessions_for_user(user: User) -> tuple[list[ClassSession], set[int]]:
    """The sessions in a user's feed and the series whose meeting link they may see.

    Learners get the sessions they hold a confirmed place at; teachers and provider
    administrators get the sessions of the series they teach.
    """
    if user.role is Role.LEARNER:
        bookings = list(
            db.session.execute(
                select(Booking.series_id, Booking.session_id).where(
                    Booking.learner_id == user.id, Booking.status == BookingStatus.CONFIRMED
                )
            )
        )
        whole = [series_id for series_id, session_id in bookings if session_id is None]
        single = [session_id for _s, session_id in bookings if session_id is not None]
        if not bookings:
            return [], set()
        condition = or_(ClassSession.series_id.in_(whole), ClassSession.id.in_(single))
        linked = {series_id for series_id, _session in bookings}
    elif user.role in (Role.TEACHER, Role.PROVIDER_ADMIN):
        condition = ClassSession.series_id.in_(
            select(ClassSeries.id).where(ClassSeries.teacher_id == user.id)
        )
        linked = set(
            db.session.scalars(select(ClassSeries.id).where(ClassSeries.teacher_id == user.id))
        )
    else:
        return [], set()
    sessions = list(
        db.session.scalars(select(ClassSession).where(condition).order_by(ClassSession.starts_at))
    )
    return sessions, linked


def _local(moment: datetime) -> datetime:
    return moment.astimezone(OSLO)


def build_calendar(
    name: str, sessions: Iterable[ClassSession], series_with_link: set[int], host: str
) -> bytes:
    """An RFC 5545 calendar of sessions in Europe/Oslo time with stable UIDs.

    Cancelled sessions stay in the file with ``STATUS:CANCELLED`` so calendar apps remove them;
    the meeting link goes only into the series in ``series_with_link``.
    """
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Europe/Oslo")
    calendar.add_component(Timezone.from_tzid("Europe/Oslo"))
    stamp = utcnow()
    for session in sessions:
        series = session.series
        event = Event()
        event.add("uid", f"class-session-{session.id}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", _local(session.starts_at))
        event.add("dtend", _local(session.ends_at))
        event.add("summary", f"{series.title} ({series.level.value})")
        event.add("sequence", session.sequence)
        cancelled = session.status is SessionStatus.CANCELLED
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        if series.address and series.modality is not Modality.ONLINE:
            event.add("location", series.address)
        description = series.description or ""
        if series.id in series_with_link and series.meeting_link:
            event.add("url", series.meeting_link)
            description = f"{description}\n\n{series.meeting_link}".strip()
        if description:
            event.add("description", description)
        calendar.add_component(event)
    return calendar.to_ical()
