"""A learner's answers in a lesson's listening practice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from webapp.db_types import UTCDateTime, utcnow
from webapp.extensions import db


class ListeningAnswer(db.Model):
    """A learner's latest answer to one dictation or recorded-dialogue item of a lesson."""

    __tablename__ = "listening_answers"

    learner_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    lesson_id: Mapped[str] = mapped_column(
        ForeignKey("lessons.id", ondelete="RESTRICT"), primary_key=True
    )
    item_key: Mapped[str] = mapped_column(String(40), primary_key=True)  # see rules.ListeningItem
    answer: Mapped[str] = mapped_column(Text)
    correct: Mapped[bool] = mapped_column(Boolean)
    first_try_correct: Mapped[bool] = mapped_column(Boolean)  # the score counts the first try
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
