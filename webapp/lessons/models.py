"""Lessons as loaded from the curriculum, and each learner's progress, answers and review cards.

Progress is keyed by the lesson's stable id, so editing a lesson keeps it; a removed lesson is
archived, never deleted.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    event,
    false,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from webapp.accounts.models import organisation_of
from webapp.db_types import UTCDateTime, utcnow
from webapp.extensions import db


class Lesson(db.Model):
    """One lesson, with its content rendered once per version (no Markdown per request)."""

    __tablename__ = "lessons"
    __table_args__ = (Index("ix_lessons_track_level_order", "track", "level", "position"),)

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    track: Mapped[str] = mapped_column(String(40))
    level: Mapped[str] = mapped_column(String(2))
    position: Mapped[int] = mapped_column(Integer)
    minutes: Mapped[int] = mapped_column(Integer)
    # The median time learners took, once at least 5 completed it; kept current on completion.
    measured_minutes: Mapped[int | None] = mapped_column(Integer)
    title_nb: Mapped[str] = mapped_column(String(200))
    digest: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The rendered lesson as JSON (sanitized HTML inside); loaded only where read: lists of
    # lessons need their titles, not some 20 KB of content each.
    content: Mapped[str] = mapped_column(Text, deferred=True)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LessonProgress(db.Model):
    """How far a learner has come in one lesson; ``best_score`` is the first-try score."""

    __tablename__ = "lesson_progress"
    __table_args__ = (
        CheckConstraint("best_score >= 0 AND best_score <= 100", name="score_percent"),
    )

    learner_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    lesson_id: Mapped[str] = mapped_column(
        ForeignKey("lessons.id", ondelete="RESTRICT"), primary_key=True
    )
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    best_score: Mapped[int] = mapped_column(Integer, default=0)
    last_exercise_id: Mapped[str | None] = mapped_column(String(40))


class ExerciseAnswer(db.Model):
    """A learner's latest answer to one exercise, graded on the server."""

    __tablename__ = "exercise_answers"

    learner_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    lesson_id: Mapped[str] = mapped_column(
        ForeignKey("lessons.id", ondelete="RESTRICT"), primary_key=True
    )
    exercise_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    answer: Mapped[str] = mapped_column(Text)  # JSON
    correct: Mapped[bool | None] = mapped_column(Boolean)  # None: free writing, for the teacher
    # The score counts the first try only; later tries are practice.
    first_try_correct: Mapped[bool | None] = mapped_column(Boolean)
    # Answered right once every gradable exercise of the lesson had its first try (a second pass).
    right_again: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # A listening exercise heard (True) or read because the device had no Norwegian voice and
    # no teacher's recording (False); None for the other types.
    by_ear: Mapped[bool | None] = mapped_column(Boolean)


class WritingSubmission(db.Model):
    """Free writing sent to the learner's teacher for feedback: a lesson's writing exercise, or
    a task of a practice set (``practice_set``, ``exercise_id`` naming the task)."""

    __tablename__ = "writing_submissions"
    __table_args__ = (
        Index("ix_writing_submissions_learner", "learner_id", "submitted_at"),
        # The teachers' list in its order (waiting first, newest first), read backwards: a page
        # is the next rows of the index instead of a sort of every text of the provider.
        Index("ix_writing_submissions_queue", "provider_id", "waiting", "submitted_at", "id"),
        # The teachers' queue and its count in the menu: only the texts still waiting.
        Index(
            "ix_writing_submissions_waiting",
            "provider_id",
            "submitted_at",
            "id",
            postgresql_where=text("replied_at IS NULL"),
            sqlite_where=text("replied_at IS NULL"),
        ),
        CheckConstraint("(lesson_id IS NULL) <> (practice_set IS NULL)", name="lesson_or_practice"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # The learner's provider when they wrote it: whose teachers answer it (set on insert).
    provider_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL")
    )
    lesson_id: Mapped[str | None] = mapped_column(ForeignKey("lessons.id", ondelete="RESTRICT"))
    practice_set: Mapped[str | None] = mapped_column(String(20))
    exercise_id: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reply: Mapped[str | None] = mapped_column(Text)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    replied_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # No reply yet: ``replied_at IS NULL`` kept as a column on every write, because the teachers'
    # list sorts on it and an index on the expression is not portable.
    waiting: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


@event.listens_for(WritingSubmission, "before_insert")
def _provider_of_the_writer(_mapper, connection, target: WritingSubmission) -> None:
    """A text goes to the teachers of the provider its writer learns with."""
    if target.provider_id is None:
        target.provider_id = organisation_of(connection, target.learner_id)


@event.listens_for(WritingSubmission, "before_insert")
@event.listens_for(WritingSubmission, "before_update")
def _waiting_until_replied(_mapper, _connection, target: WritingSubmission) -> None:
    """A text waits for a reply until it has one, whatever wrote it."""
    target.waiting = target.replied_at is None


class VocabCard(db.Model):
    """One review card (a word in one direction) with its FSRS scheduling state.

    A word is one item with two directions: the ``to_nb`` card is made only once the
    ``from_nb`` card has been recalled. ``due`` is when the card is *shown*: on or before the
    day FSRS has it due (kept in ``state``), earlier where the learner's working hours call for
    it, or the next day when its sibling was reviewed today.
    """

    __tablename__ = "vocab_cards"
    __table_args__ = (
        Index("ix_vocab_cards_learner_due", "learner_id", "due"),
        Index(
            "uq_vocab_cards_word",
            "learner_id",
            "word_nb",
            "direction",
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    lesson_id: Mapped[str] = mapped_column(ForeignKey("lessons.id", ondelete="RESTRICT"))
    word_nb: Mapped[str] = mapped_column(String(120))
    # In the support language when the card was made; pages show the lesson's current meaning
    # in the learner's current support language, and this only if the lesson lost the word.
    meaning: Mapped[str] = mapped_column(String(200))
    example: Mapped[str] = mapped_column(String(300), default="")
    direction: Mapped[str] = mapped_column(String(8))  # "from_nb" or "to_nb"
    due: Mapped[datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(Text)  # fsrs Card.to_dict() as JSON
    reviews: Mapped[int] = mapped_column(Integer, default=0)


class VocabReview(db.Model):
    """One review of a card: the rating and when."""

    __tablename__ = "vocab_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(
        ForeignKey("vocab_cards.id", ondelete="CASCADE"), index=True
    )
    rating: Mapped[int] = mapped_column(Integer)
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PlacementResult(db.Model):
    """A finished placement test."""

    __tablename__ = "placement_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    level: Mapped[str] = mapped_column(String(2))
    correct: Mapped[int] = mapped_column(Integer)
    answered: Mapped[int] = mapped_column(Integer)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The estimate per skill where the items allowed one (None: too few items of that skill).
    reading_level: Mapped[str | None] = mapped_column(String(2))
    listening_level: Mapped[str | None] = mapped_column(String(2))
    grammar_level: Mapped[str | None] = mapped_column(String(2))
    # The short writing task, kept for the learner's teachers to mark.
    writing_text: Mapped[str | None] = mapped_column(Text)
    writing_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class StudyPresence(db.Model):
    """When a learner's page last reported activity; study time is credited between beats."""

    __tablename__ = "study_presence"

    learner_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    last_beat_at: Mapped[datetime] = mapped_column(UTCDateTime())
