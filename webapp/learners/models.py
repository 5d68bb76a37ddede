"""The learner's profile (who they are, where they live, what they aim for) and CSV import jobs."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.db_types import UTCDateTime, enum_column, utcnow
from webapp.extensions import db
from webapp.learners.levels import Education, Level
from webapp.organisations.models import Organisation

if TYPE_CHECKING:
    from webapp.accounts.models import User


class FirstLanguage(enum.StrEnum):
    """The learner's first language, as recorded at sign-up or import; it sets the default
    support language (see ``LearnerProfile.support_language``)."""

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
        CheckConstraint(
            "support_language IS NULL OR support_language IN ('uk', 'ru', 'en')",
            name="known_support_language",
        ),
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
    # The language lessons translate into (uk, ru or en), chosen by the learner at first
    # log-in or in the profile; None until they have chosen (the first language decides).
    support_language: Mapped[str | None] = mapped_column(String(2))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship(back_populates="learner_profile")
    home_municipality: Mapped[Organisation] = relationship()

    @property
    def is_employed(self) -> bool:
        return self.employment in EMPLOYED


class ImportStatus(enum.StrEnum):
    """Where a background import stands; the last three are final."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    REJECTED = "rejected"  # checked and refused: the file has problems, nothing was imported
    FAILED = "failed"  # crashed or interrupted too often; nothing was imported


FINISHED = (ImportStatus.SUCCEEDED, ImportStatus.REJECTED, ImportStatus.FAILED)


class ImportJob(db.Model):
    """A CSV import too large for one request, run by the scheduler process (see import_jobs).

    The file is kept in the row until the job finishes, then dropped: the report keeps only
    line numbers and problem codes. Progress columns are written on their own connection, so
    the page can read them while the import's transaction is still open.
    """

    __tablename__ = "import_jobs"
    __table_args__ = (
        Index("ix_import_jobs_status_id", "status", "id"),
        Index("ix_import_jobs_organisation_created", "organisation_id", "created_at"),
        CheckConstraint(
            "total_rows >= 0 AND rows_checked >= 0 AND attempts >= 0", name="counts_positive"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[ImportStatus] = mapped_column(
        enum_column(ImportStatus, "import_status"), default=ImportStatus.QUEUED
    )
    only_valid: Mapped[bool] = mapped_column(Boolean, default=False)
    # The uploaded bytes, decoded by the job as the small import does; None once finished.
    file_data: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    total_rows: Mapped[int] = mapped_column(Integer, default=0)
    rows_checked: Mapped[int] = mapped_column(Integer, default=0)
    # None until the check is done; then the number of rows the import will write.
    rows_to_import: Mapped[int | None] = mapped_column(Integer)
    # None while writing where another connection cannot see the count (SQLite).
    rows_imported: Mapped[int | None] = mapped_column(Integer, default=0)
    report: Mapped[str | None] = mapped_column(Text)  # importing.ImportReport as JSON
    error: Mapped[str | None] = mapped_column(String(200))  # a code; the page translates it
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    runner: Mapped[str | None] = mapped_column(String(64))  # the claim of the running attempt
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def phase(self) -> str:
        """``waiting``, ``checking``, ``importing`` or ``finished``."""
        if self.finished:
            return "finished"
        if self.status is ImportStatus.QUEUED:
            return "waiting"
        return "checking" if self.rows_to_import is None else "importing"
