"""The learner's profile: who they are, where they live, what they aim for."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.db_types import UTCDateTime, enum_column, utcnow
from webapp.extensions import db
from webapp.learners.levels import Education, Level
from webapp.organisations.models import Organisation

if TYPE_CHECKING:
    from webapp.accounts.models import User


class FirstLanguage(enum.StrEnum):
    """The learner's first language; lessons offer support in Ukrainian and Russian."""

    UKRAINIAN = "uk"
    RUSSIAN = "ru"
    OTHER = "other"


class Employment(enum.StrEnum):
    """The learner's work situation; the right keeps running while they work."""

    NOT_WORKING = "not_working"
    PART_TIME = "part_time"
    FULL_TIME = "full_time"
    SHIFT_WORK = "shift_work"


EMPLOYED = (Employment.PART_TIME, Employment.FULL_TIME, Employment.SHIFT_WORK)


class LearnerProfile(db.Model):
    """What the platform knows about a learner beyond their account."""

    __tablename__ = "learner_profiles"
    __table_args__ = (
        CheckConstraint("settlement_date >= birth_date", name="settled_after_birth"),
        CheckConstraint("birth_date >= '1900-01-01'", name="birth_date_plausible"),
    )

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    birth_date: Mapped[date] = mapped_column(Date)
    settlement_date: Mapped[date] = mapped_column(Date)
    home_municipality_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    first_language: Mapped[FirstLanguage] = mapped_column(
        enum_column(FirstLanguage, "first_language")
    )
    education: Mapped[Education] = mapped_column(enum_column(Education, "education"))
    current_level: Mapped[Level | None] = mapped_column(enum_column(Level, "current_level"))
    target_listening: Mapped[Level] = mapped_column(enum_column(Level, "target_listening"))
    target_reading: Mapped[Level] = mapped_column(enum_column(Level, "target_reading"))
    target_writing: Mapped[Level] = mapped_column(enum_column(Level, "target_writing"))
    target_oral: Mapped[Level] = mapped_column(enum_column(Level, "target_oral"))
    employment: Mapped[Employment] = mapped_column(enum_column(Employment, "employment"))
    working_hours: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str | None] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship(back_populates="learner_profile")
    home_municipality: Mapped[Organisation] = relationship()

    @property
    def is_employed(self) -> bool:
        return self.employment in EMPLOYED
