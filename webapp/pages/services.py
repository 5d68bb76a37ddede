"""Figures for the dashboards, each scoped to what the user may see."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from webapp.access import policy
from webapp.accounts.models import Invitation, User
from webapp.db_types import utcnow
from webapp.entitlement.overview import visible_learner_count
from webapp.extensions import db
from webapp.organisations.models import Organisation

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StaffSummary:
    """Counts shown on a staff dashboard."""

    learners: int
    open_invitations: int
    organisations: int


def staff_summary(actor: User) -> StaffSummary:
    """Count the learners, open invitation codes and organisations ``actor`` may see."""
    learners = visible_learner_count(actor)
    open_invitations = db.session.scalar(
        select(func.count()).select_from(
            policy.invitations_visible_to(actor)
            .where(
                Invitation.revoked_at.is_(None),
                Invitation.expires_at > utcnow(),
                Invitation.used_count < Invitation.max_uses,
            )
            .subquery()
        )
    )
    organisations = db.session.scalar(select(func.count(Organisation.id)))
    return StaffSummary(learners or 0, open_invitations or 0, organisations or 0)


def database_problem() -> str:
    """Why the database cannot answer (a short, log-safe reason), or "" when it can."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        db.session.rollback()
        logger.warning("health check: the database does not answer: %s", error)
        return "unavailable"
    return ""
