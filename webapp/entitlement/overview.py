"""The learner overview with deadlines and flags, for pages and for CSV export."""

from __future__ import annotations

from array import array
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, asc, bindparam, case, desc, func, or_
from sqlalchemy.orm import joinedload

from webapp.access import policy
from webapp.accounts.models import Role, User
from webapp.entitlement import rules
from webapp.entitlement.flags import (
    ACTIVITY_FLAGS,
    ALL_FLAGS,
    NO_RECORD,
    FlagExpressions,
    FlagSettings,
    activity_subquery,
    flags_of,
)
from webapp.entitlement.models import Entitlement
from webapp.extensions import db
from webapp.learners.models import LearnerProfile
from webapp.pages.listing import RowPage, cut_page

NOT_STARTED = rules.NOT_STARTED
SORTS = ("name", "last_day", "status")
STATUS_FILTERS = (*rules.STATUSES, NO_RECORD)


@dataclass(frozen=True)
class OverviewFilter:
    """What the user asked to see."""

    status: str = ""
    flag: str = ""
    search: str = ""
    sort: str = "last_day"
    descending: bool = False
    flagged_only: bool = False


def needs_activity(wanted: OverviewFilter) -> bool:
    """True when the filter reads the study-time log (an activity flag, or any flag)."""
    return wanted.flagged_only or wanted.flag in ACTIVITY_FLAGS


def visible_learner_ids(actor: User) -> Select[Any]:
    """The ids of the learners ``actor`` may see, as a select for ``IN``."""
    return policy.learners_visible_to(actor).with_only_columns(User.id)


def overview_query(
    actor: User,
    today: date,
    settings: FlagSettings,
    wanted: OverviewFilter,
    *,
    learners: Any = None,
    ids_only: bool = False,
) -> Select[Any]:
    """Learners ``actor`` may see, with entitlement, activity, status and flag columns.

    ``learners`` limits the study-time sums to those learner ids (default: all the actor may
    see). ``ids_only`` selects just the learner ids in the same filter and order, and joins the
    study-time log only when the filter needs it: what one page of the overview is chosen by.
    """
    activity = activity_subquery(
        today, settings, visible_learner_ids(actor) if learners is None else learners
    )
    exprs = FlagExpressions(today, settings, activity)
    stmt = policy.learners_visible_to(actor).outerjoin(
        Entitlement, Entitlement.learner_id == User.id
    )
    if ids_only:
        stmt = stmt.with_only_columns(User.id)
        if needs_activity(wanted):
            stmt = stmt.outerjoin(activity, activity.c.learner_id == User.id)
    else:
        stmt = (
            stmt.add_columns(
                LearnerProfile,
                Entitlement,
                func.coalesce(activity.c.seconds, 0).label("study_seconds"),
                activity.c.last_study_day.label("last_study_day"),
                func.coalesce(activity.c.class_days, 0).label("class_days"),
                exprs.status.label("status"),
                *exprs.flag_columns(),
            )
            .outerjoin(activity, activity.c.learner_id == User.id)
            .options(joinedload(LearnerProfile.home_municipality))
        )
    if wanted.status in STATUS_FILTERS:
        stmt = stmt.where(exprs.status == wanted.status)
    if wanted.flag in ALL_FLAGS:
        stmt = stmt.where(exprs.flag(wanted.flag))
    elif wanted.flagged_only:
        stmt = stmt.where(or_(*(exprs.flag(name) for name in ALL_FLAGS)))
    term = wanted.search.strip().lower()[:100]
    if term:
        escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(func.lower(User.name).like(f"%{escaped}%", escape="\\"))
    order = desc if wanted.descending else asc
    if wanted.sort == "name":
        keys = [order(User.name)]
    elif wanted.sort == "status":
        keys = [order(exprs.status), asc(Entitlement.last_day)]
    else:  # last_day: running periods first, then not started, then the ended ones
        priority = case((exprs.running, 0), (exprs.status == NOT_STARTED, 1), else_=2)
        keys = [priority, Entitlement.last_day.is_(None), order(Entitlement.last_day)]
    return stmt.order_by(*keys, User.id)


@dataclass(frozen=True)
class OverviewRow:
    """One learner in the overview, ready for a template or a CSV line."""

    learner: User
    profile: LearnerProfile
    entitlement: Entitlement | None
    status: str
    days_left: int | None
    study_hours: float
    class_days: int
    last_study_day: date | None
    flags: tuple[str, ...]


def to_row(row: Any, today: date) -> OverviewRow:
    """Shape a result row of ``overview_query``."""
    entitlement = row.Entitlement
    left = None
    running = row.status in (rules.ACTIVE, rules.ON_LEAVE, rules.NOT_STARTED)
    if running and entitlement is not None and entitlement.start_date and entitlement.last_day:
        left = rules.days_left(entitlement.start_date, entitlement.last_day, today)
    return OverviewRow(
        learner=row.User,
        profile=row.LearnerProfile,
        entitlement=entitlement,
        status=row.status,
        days_left=left,
        study_hours=round((row.study_seconds or 0) / 3600, 1),
        class_days=row.class_days or 0,
        last_study_day=row.last_study_day,
        flags=flags_of(row),
    )


@dataclass(frozen=True)
class _Scope:
    """What the visibility rule reads of an actor: role, organisation and id."""

    role: Role
    organisation_id: int | None
    id: int


@lru_cache(maxsize=4096)
def _rows_statement(today: date, settings: FlagSettings, scope: _Scope) -> Select[Any]:
    """The overview rows of the learners bound as ``ids`` (also as ``activity_ids``: the
    study-time sums are limited to them), whatever the filter: the ids already carry it.

    Built once per day, settings and scope, then run with the ids bound: building this
    statement costs more than running it, and a reused statement keeps its cache key.
    """
    actor: Any = scope
    learners = bindparam("activity_ids", expanding=True)
    return (
        overview_query(actor, today, settings, OverviewFilter(), learners=learners)
        .where(User.id.in_(bindparam("ids", expanding=True)))
        .order_by(None)
    )


def _rows(scope: _Scope, today: date, settings: FlagSettings, ids: list[int]) -> list[Any]:
    """The overview rows of ``ids`` in that order (those ``scope`` may see)."""
    if not ids:
        return []
    values = {"ids": ids, "activity_ids": ids}
    rows = db.session.execute(_rows_statement(today, settings, scope), values).all()
    position = {learner_id: n for n, learner_id in enumerate(ids)}
    return sorted(rows, key=lambda row: position[row.User.id])


@lru_cache(maxsize=1024)
def _ordered_ids_statement(
    today: date, settings: FlagSettings, scope: _Scope, wanted: OverviewFilter
) -> Select[Any]:
    """Every matching learner id in the filter's order, reading the study-time log only when
    the filter needs it; built once per day, settings, scope and filter."""
    actor: Any = scope
    return overview_query(actor, today, settings, wanted, ids_only=True)


def ordered_learner_ids(
    actor: User, today: date, settings: FlagSettings, wanted: OverviewFilter
) -> array[int]:
    """Every learner id ``actor`` may see in ``wanted``'s filter and order."""
    scope = _Scope(actor.role, actor.organisation_id, actor.id)
    statement = _ordered_ids_statement(today, settings, scope, wanted)
    # On the connection, past the ORM's row handling: 40,000 plain ids, half the time.
    return array("q", db.session.connection().execute(statement).scalars())


def overview_page(
    actor: User,
    today: date,
    settings: FlagSettings,
    wanted: OverviewFilter,
    page: int,
    per_page: int,
) -> RowPage:
    """One page of the overview rows ``actor`` may see, filtered and sorted as ``wanted``.

    A page past the end shows the last page.
    """
    ids = ordered_learner_ids(actor, today, settings, wanted)
    page, chosen = cut_page(ids, page, per_page)
    rows = _rows(_Scope(actor.role, actor.organisation_id, actor.id), today, settings, chosen)
    return RowPage(
        items=[to_row(row, today) for row in rows], page=page, per_page=per_page, total=len(ids)
    )


def visible_learner_count(actor: User, today: date, settings: FlagSettings) -> int:
    """How many learners ``actor`` may see: the unfiltered overview's total."""
    return len(ordered_learner_ids(actor, today, settings, OverviewFilter()))


def status_counts(actor: User, today: date, settings: FlagSettings) -> list[tuple[str, int]]:
    """How many learners ``actor`` may see are in each entitlement status, most first."""
    exprs = FlagExpressions(today, settings, activity_subquery(today, settings, []))
    status = exprs.status.label("status")
    statement = (
        policy.learners_visible_to(actor)
        .outerjoin(Entitlement, Entitlement.learner_id == User.id)
        .with_only_columns(status, func.count())
        .group_by(status)
    )
    counted = ((name, int(n)) for name, n in db.session.execute(statement))
    return sorted(counted, key=lambda item: -item[1])


def learner_row(
    actor: User, learner_id: int, today: date, settings: FlagSettings
) -> OverviewRow | None:
    """The overview row of one learner ``actor`` may see (flags included), or None."""
    rows = _rows(_Scope(actor.role, actor.organisation_id, actor.id), today, settings, [learner_id])
    return to_row(rows[0], today) if rows else None


def flagged_learners(
    actor: User, today: date, settings: FlagSettings, limit: int = 10
) -> tuple[int, list[OverviewRow]]:
    """How many learners ``actor`` may see carry a flag, and the first ``limit`` of them."""
    page = overview_page(actor, today, settings, OverviewFilter(flagged_only=True), 1, limit)
    return page.total, list(page.items)
