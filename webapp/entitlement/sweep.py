"""The daily sweep: set-based statements store today's overview rows and flags; each crossing is
notified once.

The first statement recomputes every learner's overview row (status, flags, sort rank) in a
single pass and writes the rows that changed (``overview_rows.refresh_all``), so passing days
move learners on. The second compares each learner's flags with those last told about
(``learner_flag_states``) and writes only the learners whose flags changed (an upsert), adding
newly raised flags to ``pending``. Notices for pending flags are queued and ``pending`` cleared
in the same transaction, so a crash repeats nothing and loses nothing. The first sweep ever
only stores the baseline: nobody hears about flags that were already raised before it.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date

from flask import current_app
from sqlalchemy import Date, func, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite

from webapp.accounts.models import Role, User
from webapp.db_types import utcnow
from webapp.entitlement.flags import FLAG_AT_RISK, FLAG_TIME_RUNNING_UNUSED, bit, flags_in
from webapp.entitlement.models import Entitlement, LearnerFlagState, LearnerOverview, SweepRun
from webapp.entitlement.overview_rows import refresh_all
from webapp.entitlement.rules import (
    FLAG_DEADLINE_30,
    FLAG_DEADLINE_90,
    FLAG_EXPIRED,
    FLAG_EXTENSION_POSSIBLE,
)
from webapp.extensions import db
from webapp.learners.models import LearnerProfile
from webapp.mail.services import queue_templated_mail

logger = logging.getLogger(__name__)

# Flags the learner hears about; the coordinator's digest adds at_risk.
LEARNER_NOTICES = (
    FLAG_DEADLINE_90,
    FLAG_DEADLINE_30,
    FLAG_EXPIRED,
    FLAG_EXTENSION_POSSIBLE,
    FLAG_TIME_RUNNING_UNUSED,
)
COORDINATOR_NOTICES = (*LEARNER_NOTICES, FLAG_AT_RISK)
LEARNER_MASK = sum(bit(flag) for flag in LEARNER_NOTICES)
COORDINATOR_MASK = sum(bit(flag) for flag in COORDINATOR_NOTICES)


def store_flags(today: date) -> int:
    """Store every learner's overview row and flag set for ``today``; return how many learners'
    flags changed."""
    refreshed = refresh_all(today)
    logger.info("sweep %s: %s overview rows changed", today, refreshed)
    state = LearnerFlagState.__table__
    computed = select(
        LearnerOverview.learner_id.label("learner_id"), LearnerOverview.flags.label("mask")
    ).subquery("computed")
    old = func.coalesce(state.c.flags, 0)
    newly_raised = computed.c.mask - computed.c.mask.op("&")(old)
    rows = (
        select(computed.c.learner_id, computed.c.mask, newly_raised, literal(today, Date))
        .select_from(computed.outerjoin(state, state.c.learner_id == computed.c.learner_id))
        .where(computed.c.mask != old)
    )
    insert = postgresql.insert if _dialect() == "postgresql" else sqlite.insert
    statement = insert(state).from_select(["learner_id", "flags", "pending", "changed_on"], rows)
    statement = statement.on_conflict_do_update(
        index_elements=[state.c.learner_id],
        set_={
            "flags": statement.excluded.flags,
            "pending": state.c.pending.op("|")(statement.excluded.pending),
            "changed_on": statement.excluded.changed_on,
        },
    )
    return len(db.session.execute(statement.returning(state.c.learner_id)).all())


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def notify_pending_flags() -> int:
    """Queue one e-mail per learner with new notices and one digest per coordinator."""
    pending = db.session.execute(
        select(
            LearnerFlagState.pending,
            LearnerFlagState.flags,
            User,
            LearnerProfile.home_municipality_id,
        )
        .join(User, User.id == LearnerFlagState.learner_id)
        .join(LearnerProfile, LearnerProfile.user_id == User.id)
        .where(LearnerFlagState.pending != 0)
        .order_by(User.id)
    ).all()
    if not pending:
        return 0
    sent = 0
    by_municipality: dict[int, list[tuple[User, str]]] = defaultdict(list)
    for pending_mask, current, learner, municipality_id in pending:
        due = pending_mask & current  # a flag cleared before it was told is not told
        learner_flags = flags_in(due & LEARNER_MASK)
        if learner_flags and learner.active:
            queue_templated_mail(
                learner.email, learner.locale, "flags_learner", user=learner, flags=learner_flags
            )
            sent += 1
        for flag in flags_in(due & COORDINATOR_MASK):
            by_municipality[municipality_id].append((learner, flag))
    if by_municipality:
        coordinators = db.session.scalars(
            select(User).where(
                User.role == Role.COORDINATOR,
                User.active.is_(True),
                User.organisation_id.in_(by_municipality),
            )
        )
        for coordinator in coordinators:
            queue_templated_mail(
                coordinator.email,
                coordinator.locale,
                "flags_digest",
                user=coordinator,
                items=by_municipality[coordinator.organisation_id],
            )
            sent += 1
    db.session.execute(
        update(LearnerFlagState)
        .where(LearnerFlagState.pending != 0)
        .values(pending=0)
        .execution_options(synchronize_session=False)
    )
    return sent


def never_swept() -> bool:
    """Whether no sweep was ever recorded (a crashed one was rolled back: it does not count)."""
    return db.session.scalar(select(SweepRun.id).limit(1)) is None


def run_daily_sweep(today: date, silent: bool | None = None) -> SweepRun:
    """Recompute and store every learner's flags for ``today``, notify crossings, record the run.

    The first sweep ever (no recorded run: a new deployment, an imported population) is silent:
    it stores the flags as they stand as the baseline and tells nobody, instead of sending every
    learner and coordinator a notice at once; later sweeps send only what changes after it.
    ``silent`` True or False overrides that choice. Everything happens in the caller's
    transaction: a crash leaves no half-notified state and no recorded run.
    """
    if silent is None:
        silent = never_swept()
    run = SweepRun(run_for=today)
    db.session.add(run)
    run.learners_changed = store_flags(today)
    if silent:
        db.session.execute(
            update(LearnerFlagState)
            .where(LearnerFlagState.pending != 0)
            .values(pending=0)
            .execution_options(synchronize_session=False)
        )
        run.notifications = 0
    else:
        base_url = current_app.config["NORSKVEI_BASE_URL"]
        with current_app.test_request_context("/", base_url=base_url):  # one context for mail
            run.notifications = notify_pending_flags()
    run.learners = db.session.scalar(select(func.count(Entitlement.learner_id))) or 0
    run.finished_at = utcnow()
    db.session.flush()
    logger.info(
        "sweep %s: %s learners, %s changed, %s notifications",
        today,
        run.learners,
        run.learners_changed,
        run.notifications,
    )
    return run
