"""The daily sweep: store today's flags with set-based statements and notify each crossing once."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date

from sqlalchemy import delete, exists, func, insert, literal, select, update

from webapp.accounts.models import Role, User
from webapp.db_types import utcnow
from webapp.entitlement.flags import (
    ALL_FLAGS,
    FLAG_AT_RISK,
    FLAG_TIME_RUNNING_UNUSED,
    FlagExpressions,
    activity_subquery,
)
from webapp.entitlement.models import Entitlement, LearnerFlag, SweepRun
from webapp.entitlement.rules import (
    FLAG_DEADLINE_30,
    FLAG_DEADLINE_90,
    FLAG_EXPIRED,
    FLAG_EXTENSION_POSSIBLE,
)
from webapp.entitlement.services import flag_settings
from webapp.extensions import db
from webapp.learners.models import LearnerProfile
from webapp.mail.services import queue_templated_mail

logger = logging.getLogger(__name__)

# Flags the learner hears about; the coordinator's digest lists every flag but on_leave.
LEARNER_NOTICES = (
    FLAG_DEADLINE_90,
    FLAG_DEADLINE_30,
    FLAG_EXPIRED,
    FLAG_EXTENSION_POSSIBLE,
    FLAG_TIME_RUNNING_UNUSED,
)
COORDINATOR_NOTICES = (*LEARNER_NOTICES, FLAG_AT_RISK)


def store_flags(today: date) -> tuple[int, int]:
    """Make ``learner_flags`` hold exactly the flags raised today; return (raised, cleared)."""
    settings = flag_settings()
    activity = activity_subquery(today, settings)
    exprs = FlagExpressions(today, settings, activity)
    base = (
        select(Entitlement.learner_id)
        .join(LearnerProfile, LearnerProfile.user_id == Entitlement.learner_id)
        .outerjoin(activity, activity.c.learner_id == Entitlement.learner_id)
    )
    raised = cleared = 0
    for flag in ALL_FLAGS:
        current = base.where(exprs.flag(flag))
        cleared += db.session.execute(
            delete(LearnerFlag)
            .where(LearnerFlag.flag == flag, LearnerFlag.learner_id.not_in(current))
            .execution_options(synchronize_session=False)
        ).rowcount
        new = current.add_columns(literal(flag), literal(today)).where(
            ~exists().where(
                LearnerFlag.learner_id == Entitlement.learner_id, LearnerFlag.flag == flag
            )
        )
        raised += db.session.execute(
            insert(LearnerFlag).from_select(["learner_id", "flag", "raised_on"], new)
        ).rowcount
    return raised, cleared


def notify_new_flags() -> int:
    """Queue one e-mail per new learner notice and one digest per coordinator; mark them sent."""
    pending = db.session.execute(
        select(LearnerFlag.learner_id, LearnerFlag.flag, User, LearnerProfile.home_municipality_id)
        .join(User, User.id == LearnerFlag.learner_id)
        .join(LearnerProfile, LearnerProfile.user_id == User.id)
        .where(LearnerFlag.notified_at.is_(None))
        .order_by(LearnerFlag.learner_id, LearnerFlag.flag)
    ).all()
    if not pending:
        return 0
    sent = 0
    by_learner: dict[int, list[str]] = defaultdict(list)
    learners: dict[int, User] = {}
    by_municipality: dict[int, list[tuple[User, str]]] = defaultdict(list)
    for learner_id, flag, learner, municipality_id in pending:
        learners[learner_id] = learner
        if flag in LEARNER_NOTICES:
            by_learner[learner_id].append(flag)
        if flag in COORDINATOR_NOTICES:
            by_municipality[municipality_id].append((learner, flag))
    for learner_id, flags in by_learner.items():
        learner = learners[learner_id]
        if learner.active:
            queue_templated_mail(
                learner.email, learner.locale, "flags_learner", user=learner, flags=flags
            )
            sent += 1
    if by_municipality:
        coordinators = db.session.scalars(
            select(User).where(
                User.role == Role.COORDINATOR,
                User.active.is_(True),
                User.organisation_id.in_(by_municipality),
            )
        )
        for coordinator in coordinators:
            items = by_municipality[coordinator.organisation_id]
            queue_templated_mail(
                coordinator.email, coordinator.locale, "flags_digest", user=coordinator, items=items
            )
            sent += 1
    db.session.execute(
        update(LearnerFlag)
        .where(LearnerFlag.notified_at.is_(None))
        .values(notified_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return sent


def run_daily_sweep(today: date) -> SweepRun:
    """Recompute and store every learner's flags for ``today``, notify crossings, record the run.

    Everything happens in the caller's transaction: a crash leaves no half-notified state.
    """
    run = SweepRun(run_for=today)
    db.session.add(run)
    run.flags_raised, run.flags_cleared = store_flags(today)
    run.notifications = notify_new_flags()
    run.learners = db.session.scalar(select(func.count(Entitlement.learner_id))) or 0
    run.finished_at = utcnow()
    db.session.flush()
    logger.info(
        "sweep %s: %s learners, %s flags raised, %s cleared, %s notifications",
        today,
        run.learners,
        run.flags_raised,
        run.flags_cleared,
        run.notifications,
    )
    return run
