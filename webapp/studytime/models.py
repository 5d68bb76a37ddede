"""The study-time log, summed per learner, day and source."""

from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer
from sqlalchemy.orm import Mapped, mapped_column

from webapp.db_types import enum_column
from webapp.extensions import db


class StudySource(enum.StrEnum):
    """Where study time comes from."""

    LESSON = "lesson"
    REVIEW = "review"
    CLASS = "class"


class StudyDay(db.Model):
    """Seconds a learner studied on one local (Europe/Oslo) day, from one source."""

    __tablename__ = "study_days"
    __table_args__ = (
        CheckConstraint("seconds >= 0 AND seconds <= 86400", name="seconds_in_a_day"),
        Index("ix_study_days_day", "day"),
    )

    learner_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    source: Mapped[StudySource] = mapped_column(
        enum_column(StudySource, "source"), primary_key=True
    )
    seconds: Mapped[int] = mapped_column(Integer, default=0)
