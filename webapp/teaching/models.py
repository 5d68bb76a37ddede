"""Teaching groups, their members and the lessons assigned to groups or single learners."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.db_types import UTCDateTime, utcnow
from webapp.extensions import db

if TYPE_CHECKING:
    from webapp.accounts.models import User
    from webapp.classes.models import ClassSeries


class TeachingGroup(db.Model):
    """A class series' roster or a free group of learners a teacher follows up."""

    __tablename__ = "teaching_groups"
    __table_args__ = (CheckConstraint("length(name) > 0", name="group_name_not_empty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    teacher_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    series_id: Mapped[int | None] = mapped_column(
        ForeignKey("class_series.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    teacher: Mapped[User | None] = relationship()
    series: Mapped[ClassSeries | None] = relationship()


class GroupMember(db.Model):
    """A learner added to a group by hand (a series group also holds its booked learners)."""

    __tablename__ = "teaching_group_members"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("teaching_groups.id", ondelete="CASCADE"), primary_key=True
    )
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Assignment(db.Model):
    """Work a teacher asks a group or one learner to finish by a day: a lesson, track or level."""

    __tablename__ = "assignments"
    __table_args__ = (
        CheckConstraint(
            "(group_id IS NULL) <> (learner_id IS NULL)", name="assigned_to_group_or_learner"
        ),
        CheckConstraint(
            "(CASE WHEN lesson_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN track IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN level IS NULL THEN 0 ELSE 1 END) = 1",
            name="assigns_one_thing",
        ),
        Index("ix_assignments_learner_due", "learner_id", "due_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("teaching_groups.id", ondelete="CASCADE"), index=True
    )
    learner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    lesson_id: Mapped[str | None] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"))
    track: Mapped[str | None] = mapped_column(String(40))
    level: Mapped[str | None] = mapped_column(String(2))
    due_date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    group: Mapped[TeachingGroup | None] = relationship()
    learner: Mapped[User | None] = relationship(foreign_keys=[learner_id])


class TeacherMessage(db.Model):
    """A teacher's message to a class series, one session's booked learners or a group."""

    __tablename__ = "teacher_messages"
    __table_args__ = (
        CheckConstraint("length(body) > 0", name="message_not_empty"),
        CheckConstraint(
            "(CASE WHEN series_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN session_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN group_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="message_to_one_audience",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    series_id: Mapped[int | None] = mapped_column(ForeignKey("class_series.id", ondelete="CASCADE"))
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("class_sessions.id", ondelete="CASCADE")
    )
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("teaching_groups.id", ondelete="CASCADE")
    )
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    author: Mapped[User | None] = relationship()


class MessageRecipient(db.Model):
    """A learner a message went to, and when they opened it."""

    __tablename__ = "teacher_message_recipients"
    __table_args__ = (Index("ix_teacher_message_recipients_learner", "learner_id", "message_id"),)

    message_id: Mapped[int] = mapped_column(
        ForeignKey("teacher_messages.id", ondelete="CASCADE"), primary_key=True
    )
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    message: Mapped[TeacherMessage] = relationship()
