"""Teachers' recordings of lesson texts, learners' spoken answers, and who may record."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, event, false, text
from sqlalchemy.orm import Mapped, mapped_column

from webapp.accounts.models import organisation_of
from webapp.db_types import UTCDateTime, enum_column, utcnow
from webapp.extensions import db


class RecordingStatus(enum.StrEnum):
    """A teacher's recording: heard only by staff until published; withdrawn ones stay silent."""

    DRAFT = "draft"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


class VoiceRecording(db.Model):
    """A teacher reading one sentence, dialogue line, word or model answer of a lesson."""

    __tablename__ = "voice_recordings"
    __table_args__ = (Index("ix_voice_recordings_lookup", "lesson_id", "text_key", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[str] = mapped_column(ForeignKey("lessons.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(12))  # sentence, line, word, model
    text: Mapped[str] = mapped_column(String(1000))
    text_key: Mapped[str] = mapped_column(String(40))  # see texts.text_key
    storage_key: Mapped[str] = mapped_column(String(200), unique=True)
    mime_type: Mapped[str] = mapped_column(String(20))
    seconds: Mapped[float] = mapped_column(Float)
    size: Mapped[int] = mapped_column(Integer)
    status: Mapped[RecordingStatus] = mapped_column(
        enum_column(RecordingStatus, "recording_status"),
        default=RecordingStatus.DRAFT,
    )
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Made by a speech synthesizer for the demo, and labelled so wherever it plays.
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class SpeakingAnswer(db.Model):
    """A learner's spoken answer to a lesson's speaking task, and their teacher's reply.

    Personal data: only the learner, their teachers and administrators may hear it, and the
    retention job deletes it (file and row) after ``RECORDINGS_RETENTION_DAYS``.
    """

    __tablename__ = "speaking_answers"
    __table_args__ = (
        Index("ix_speaking_answers_queue", "replied_at", "submitted_at"),
        # The teachers' queue and its count: only the answers still waiting, per provider.
        Index(
            "ix_speaking_answers_waiting",
            "provider_id",
            "submitted_at",
            "id",
            postgresql_where=text("replied_at IS NULL"),
            sqlite_where=text("replied_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # The learner's provider when they recorded it: whose teachers answer it (set on insert).
    provider_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL")
    )
    lesson_id: Mapped[str] = mapped_column(ForeignKey("lessons.id", ondelete="RESTRICT"))
    storage_key: Mapped[str] = mapped_column(String(200), unique=True)
    mime_type: Mapped[str] = mapped_column(String(20))
    seconds: Mapped[float] = mapped_column(Float)
    size: Mapped[int] = mapped_column(Integer)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    reply_text: Mapped[str | None] = mapped_column(Text)
    reply_key: Mapped[str | None] = mapped_column(String(200))
    reply_mime_type: Mapped[str | None] = mapped_column(String(20))
    replied_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class VoicePermission(db.Model):
    """A staff member who is not a teacher but may record lesson texts (teachers always may)."""

    __tablename__ = "voice_permissions"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


@event.listens_for(SpeakingAnswer, "before_insert")
def _provider_of_the_speaker(_mapper, connection, target: SpeakingAnswer) -> None:
    """An answer goes to the teachers of the provider its speaker learns with."""
    if target.provider_id is None:
        target.provider_id = organisation_of(connection, target.learner_id)
