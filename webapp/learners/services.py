"""Listing learners for staff."""

from __future__ import annotations

from sqlalchemy import Select, func, or_
from sqlalchemy.orm import contains_eager

from webapp.access import policy
from webapp.accounts.models import User
from webapp.extensions import db
from webapp.learners.levels import Level
from webapp.learners.models import LearnerProfile


def learner_list_query(actor: User, search: str = "") -> Select[tuple[User]]:
    """The learners ``actor`` may see, optionally filtered by name or e-mail, ordered by name."""
    stmt = policy.learners_visible_to(actor).options(
        contains_eager(User.learner_profile).joinedload(LearnerProfile.home_municipality)
    )
    term = search.strip().lower()[:100]
    if term:
        escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        stmt = stmt.where(
            or_(
                func.lower(User.name).like(pattern, escape="\\"),
                User.email.like(pattern, escape="\\"),
            )
        )
    return stmt.order_by(User.name, User.id)


def set_current_level(learner: User, level: Level) -> None:
    """A teacher overrides the learner's current level (after placement or in class)."""
    profile = learner.learner_profile
    assert profile is not None
    profile.current_level = level
    db.session.flush()
