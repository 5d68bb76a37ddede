"""A learner's results in the practice sets (the texts written go to ``WritingSubmission``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from webapp.db_types import UTCDateTime, utcnow
from webapp.extensions import db


class PracticeResult(db.Model):
    """One learner's attempts at one practice set.

    ``first_score`` is the score of the first scored attempt and stays; later attempts are
    practice and only raise ``best_score``. A listening attempt on a device without a Norwegian
    voice is not scored (the learner read the texts instead of hearing them).
    """

    __tablename__ = "practice_results"
    __table_args__ = (
        CheckConstraint("first_score >= 0 AND first_score <= 100", name="first_score_percent"),
        CheckConstraint("best_score >= 0 AND best_score <= 100", name="best_score_percent"),
    )

    learner_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    set_id: Mapped[str] = mapped_column(String(20), primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    first_score: Mapped[int | None] = mapped_column(Integer)
    best_score: Mapped[int | None] = mapped_column(Integer)
    last_correct: Mapped[int | None] = mapped_column(Integer)
    last_scored: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    last_answers: Mapped[str] = mapped_column(Text, default="{}")  # JSON: item id to option
    practised: Mapped[str] = mapped_column(Text, default="[]")  # JSON: oral prompt ids
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
