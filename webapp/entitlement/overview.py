"""The learner overview with deadlines and flags, for pages and for CSV export."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import Integer, Select, asc, bindparam, case, desc, func, or_, select
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
from webapp.pages.listing import RowPage

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
def _learner_row_statement(today: date, settings: FlagSettings, scope: _Scope) -> Select[Any]:
    # Built once per day, settings and scope, then executed with the learner id bound: building
    # this statement costs more than running it, and a reused statement keeps its cache key.
    learner = bindparam("learner_id")
    stmt = overview_query(
        scope,  # type: ignore[arg-type]
        today,
        settings,
        OverviewFilter(),
        learners=[learner],
    )
    return stmt.where(User.id == learner)


@dataclass(frozen=True)
class OverviewStatements:
    """One page of the overview in two statements, built once and reused.

    ``page_ids`` picks the page's learner ids in the filter's order, with the number of all
    matching learners beside each (``count(*) over ()``, so one pass answers both), reading the
    study-time log only when the filter needs it; ``rows`` loads those learners with every
    column, the study-time sums limited to them (the ids bound as ``ids`` and
    ``activity_ids``). ``count`` is for a page past the end, which has no row to carry it.
    """

    count: Select[Any]
    page_ids: Select[Any]
    rows: Select[Any]


@lru_cache(maxsize=1024)
def _overview_statements(
    today: date, settings: FlagSettings, scope: _Scope, wanted: OverviewFilter
) -> OverviewStatements:
    # Built once per day, settings, scope and filter (see _learner_row_statement).
    actor: Any = scope
    keys = overview_query(actor, today, settings, wanted, ids_only=True)
    page_ids = (
        keys.add_columns(func.count().over().label("total"))
        .limit(bindparam("page_limit", type_=Integer))
        .offset(bindparam("page_offset", type_=Integer))
    )
    rows = overview_query(
        actor, today, settings, wanted, learners=bindparam("activity_ids", expanding=True)
    ).where(User.id.in_(bindparam("ids", expanding=True)))
    count = select(func.count()).select_from(keys.order_by(None).subquery())
    return OverviewStatements(count=count, page_ids=page_ids, rows=rows)


def _page_of_ids(
    statements: OverviewStatements, page: int, per_page: int
) -> tuple[int, int, list[int]]:
    """(total, page number, learner ids on it); a page past the end shows the last page."""

    def run(number: int) -> list[Any]:
        values = {"page_limit": per_page, "page_offset": (number - 1) * per_page}
        return db.session.execute(statements.page_ids, values).all()

    rows = run(page)
    if not rows and page > 1:
        total = db.session.scalar(statements.count) or 0
        page = max(1, math.ceil(total / per_page))
        rows = run(page) if total else []
    total = rows[0].total if rows else 0
    return total, page, [row.id for row in rows]


def overview_page(
    actor: User,
    today: date,
    settings: FlagSettings,
    wanted: OverviewFilter,
    page: int,
    per_page: int,
) -> RowPage:
    """One page of the overview rows ``actor`` may see, filtered and sorted as ``wanted``."""
    statements = _overview_statements(
        today, settings, _Scope(actor.role, actor.organisation_id, actor.id), wanted
    )
    total, page, ids = _page_of_ids(statements, page, per_page)
    rows = (
        db.session.execute(statements.rows, {"ids": ids, "activity_ids": ids}).all() if ids else []
    )
    return RowPage(
        items=[to_row(row, today) for row in rows], page=page, per_page=per_page, total=total
    )


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
    page = overview_page(actor, today, settings, OverviewFilter(flagged_only=True), 1, limit)
    return page.total, list(page.items)
