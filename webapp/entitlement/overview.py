"""The learner overview with deadlines and flags, for pages and for CSV export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, asc, bindparam, case, desc, func, or_, select
from sqlalchemy.orm import joinedload

from webapp.access import policy
from webapp.accounts.models import Role, User
from webapp.entitlement import rules
from webapp.entitlement.flags import (
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
from webapp.pages.listing import PagedStatement, paged_statement

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


def overview_query(
    actor: User, today: date, settings: FlagSettings, wanted: OverviewFilter
) -> Select[Any]:
    """Learners ``actor`` may see, with entitlement, activity, status and flag columns."""
    activity = activity_subquery(today, settings)
    exprs = FlagExpressions(today, settings, activity)
    stmt = (
        policy.learners_visible_to(actor)
        .add_columns(
            LearnerProfile,
            Entitlement,
            func.coalesce(activity.c.seconds, 0).label("study_seconds"),
            activity.c.last_study_day.label("last_study_day"),
            func.coalesce(activity.c.class_days, 0).label("class_days"),
            exprs.status.label("status"),
            *exprs.flag_columns(),
        )
        .outerjoin(Entitlement, Entitlement.learner_id == User.id)
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
def _learner_row_statement(today: date, settings: FlagSettings, scope: _Scope) -> Select[Any]:
    # Built once per day, settings and scope, then executed with the learner id bound: building
    # this statement costs more than running it, and a reused statement keeps its cache key.
    stmt = overview_query(scope, today, settings, OverviewFilter())  # type: ignore[arg-type]
    return stmt.where(User.id == bindparam("learner_id"))


@lru_cache(maxsize=1024)
def _overview_page_statement(
    today: date, settings: FlagSettings, scope: _Scope, wanted: OverviewFilter
) -> PagedStatement:
    # Built once per day, settings, scope and filter (see _learner_row_statement).
    return paged_statement(overview_query(scope, today, settings, wanted))  # type: ignore[arg-type]


def overview_page_statement(
    actor: User, today: date, settings: FlagSettings, wanted: OverviewFilter
) -> PagedStatement:
    """``overview_query`` ready to paginate, reused while the day, settings, scope and filter
    stay the same."""
    scope = _Scope(actor.role, actor.organisation_id, actor.id)
    return _overview_page_statement(today, settings, scope, wanted)


def learner_row(
    actor: User, learner_id: int, today: date, settings: FlagSettings
) -> OverviewRow | None:
    """The overview row of one learner ``actor`` may see (flags included), or None."""
    scope = _Scope(actor.role, actor.organisation_id, actor.id)
    stmt = _learner_row_statement(today, settings, scope)
    result = db.session.execute(stmt, {"learner_id": learner_id}).first()
    return to_row(result, today) if result is not None else None


def flagged_learners(
    actor: User, today: date, settings: FlagSettings, limit: int = 10
) -> tuple[int, list[OverviewRow]]:
    """How many learners ``actor`` may see carry a flag, and the first ``limit`` of them."""
    stmt = overview_query(actor, today, settings, OverviewFilter(flagged_only=True))
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = [to_row(row, today) for row in db.session.execute(stmt.limit(limit))]
    return total or 0, rows
