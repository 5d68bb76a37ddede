"""Which reminders went out (so none goes twice) and which kinds a learner switched off."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from webapp.db_types import UTCDateTime, enum_column, utcnow
from webapp.extensions import db


class ReminderKind(enum.StrEnum):
    """What a reminder is about."""

    SESSION = "session"  # a booked class session a few hours ahead
    NUDGE = "nudge"  # reviews are due and the learner has not studied for days


class SentReminder(db.Model):
    """One reminder queued in the outbox, under a key unique per kind, learner and session (or
    ISO week): written in the same transaction as the message, so a restarted scheduler that
    finds the key sends nothing."""

    __tablename__ = "sent_reminders"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)  # "session:12:345"
    kind: Mapped[ReminderKind] = mapped_column(enum_column(ReminderKind, "reminder_kind"))
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ReminderSettings(db.Model):
    """The kinds of reminder a learner wants; no row means every kind is on."""

    __tablename__ = "reminder_settings"

    learner_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    sessions: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    nudges: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


def reminder_key(kind: ReminderKind, learner_id: int, about: str | int) -> str:
    """The unique key of one reminder: kind, learner and session id (or ISO week)."""
    return f"{kind.value}:{learner_id}:{about}"
