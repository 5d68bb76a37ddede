"""The learner overview with deadlines and flags, for pages, dashboards and CSV export.

Everything here reads the stored overview rows (``LearnerOverview``, kept current by the writes
and the daily sweep, see ``overview_rows.py``): a page is one statement that picks the page's
learners in the filter's order from an index, bounded by the page, and joins their profile,
entitlement and study hours; a second statement counts the matches. Days left and study hours
are worked out for the page's rows only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, func, select
from sqlalchemy.orm import contains_eager, joinedload

from webapp.access import policy
from webapp.accounts.models import User
from webapp.entitlement import rules
from webapp.entitlement.flags import ALL_FLAGS, FlagSettings, activity_subquery, bit, flags_in
from webapp.entitlement.models import Entitlement, LearnerOverview
from webapp.entitlement.standing import OVERVIEW_STATUSES
from webapp.extensions import db
from webapp.learners.models import LearnerProfile
from webapp.pages.listing import RowPage

SORTS = ("name", "last_day", "status")
STATUS_FILTERS = OVERVIEW_STATUSES


@dataclass(frozen=True)
class OverviewFilter:
    """What the user asked to see."""

    status: str = ""
    flag: str = ""
    search: str = ""
    sort: str = "last_day"
    descending: bool = False
    flagged_only: bool = False


def matching(actor: User, wanted: OverviewFilter) -> Select[Any]:
    """The overview rows ``actor`` may see that match ``wanted``'s filters (not yet ordered)."""
    row = LearnerOverview
    stmt = policy.overview_rows_visible_to(actor)
    if wanted.status in STATUS_FILTERS:
        stmt = stmt.where(row.status == wanted.status)
    if wanted.flag in ALL_FLAGS:
        stmt = stmt.where(row.flags.bitwise_and(bit(wanted.flag)) != 0)
    elif wanted.flagged_only:
        stmt = stmt.where(row.flags > 0)
    term = wanted.search.strip().lower()[:100]
    if term:
        escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(func.lower(row.name).like(f"%{escaped}%", escape="\\"))
    return stmt


def counted(matches: Select[Any]) -> Select[Any]:
    """How many rows ``matches`` selects."""
    return matches.with_only_columns(func.count(), maintain_column_froms=True)


def order_keys(columns: Any, wanted: OverviewFilter) -> list[ColumnElement[Any]]:
    """``wanted``'s order over overview-row ``columns``, the learner id last; each order is one
    index's (see ``models._scoped_indexes``), read forwards or backwards."""
    c = columns
    if wanted.sort == "name":
        keys = [c.name, c.learner_id]
    elif wanted.sort == "status":
        keys = [c.status, c.sort_rank, c.last_day, c.learner_id]
    elif wanted.descending:  # last day, latest first; running periods still come first
        return [c.sort_rank, c.last_day.desc(), c.learner_id]
    else:  # last day, soonest first: running periods first, then not started, then ended
        return [c.sort_rank, c.last_day, c.learner_id]
    return [key.desc() for key in keys] if wanted.descending else keys


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
    """Shape a result row of ``rows_statement``."""
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
        flags=flags_in(row.flags),
    )


def rows_statement(
    chosen: Select[Any], wanted: OverviewFilter, today: date, settings: FlagSettings
) -> Select[Any]:
    """The overview rows of the learners ``chosen`` picks (overview rows, already filtered,
    ordered and cut to a page), with learner, profile, entitlement and the study-time sums of
    those learners only, in ``wanted``'s order."""
    page = chosen.cte("page")
    activity = activity_subquery(today, settings, select(page.c.learner_id))
    return (
        select(
            User,
            LearnerProfile,
            Entitlement,
            page.c.status,
            page.c.flags,
            func.coalesce(activity.c.seconds, 0).label("study_seconds"),
            activity.c.last_study_day.label("last_study_day"),
            func.coalesce(activity.c.class_days, 0).label("class_days"),
        )
        .select_from(page)
        .join(User, User.id == page.c.learner_id)
        .join(LearnerProfile, LearnerProfile.user_id == page.c.learner_id)
        .outerjoin(Entitlement, Entitlement.learner_id == page.c.learner_id)
        .outerjoin(activity, activity.c.learner_id == page.c.learner_id)
        .options(
            contains_eager(User.learner_profile),  # the profile joined above, not once more
            joinedload(LearnerProfile.home_municipality),
        )
        .order_by(*order_keys(page.c, wanted))
    )


def overview_page(
    actor: User,
    today: date,
    settings: FlagSettings,
    wanted: OverviewFilter,
    page: int,
    per_page: int,
) -> RowPage:
    """One page of the overview rows ``actor`` may see, filtered and sorted as ``wanted``: a
    count and one statement bounded by the page. A page past the end shows the last page."""
    matches = matching(actor, wanted)
    total = db.session.scalar(counted(matches)) or 0
    page = min(page, max(1, math.ceil(total / per_page)))
    if not total:
        return RowPage(items=[], page=page, per_page=per_page, total=0)
    chosen = (
        matches.order_by(*order_keys(LearnerOverview, wanted))
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    rows = db.session.execute(rows_statement(chosen, wanted, today, settings)).all()
    return RowPage(
        items=[to_row(row, today) for row in rows], page=page, per_page=per_page, total=total
    )


def export_statement(
    actor: User, today: date, settings: FlagSettings, wanted: OverviewFilter
) -> Select[Any]:
    """Every overview row ``actor`` may see in ``wanted``'s filter and order, for CSV export."""
    return rows_statement(matching(actor, wanted), wanted, today, settings)


def visible_learner_count(actor: User) -> int:
    """How many learners ``actor`` may see: the unfiltered overview's total."""
    return db.session.scalar(counted(policy.overview_rows_visible_to(actor))) or 0


def status_counts(actor: User) -> list[tuple[str, int]]:
    """How many learners ``actor`` may see are in each entitlement status, most first."""
    statement = (
        policy.overview_rows_visible_to(actor)
        .with_only_columns(LearnerOverview.status, func.count(), maintain_column_froms=True)
        .group_by(LearnerOverview.status)
    )
    counted = ((name, int(n)) for name, n in db.session.execute(statement))
    return sorted(counted, key=lambda item: -item[1])


def learner_row(
    actor: User, learner_id: int, today: date, settings: FlagSettings
) -> OverviewRow | None:
    """The overview row of one learner ``actor`` may see (flags included), or None."""
    wanted = OverviewFilter()
    chosen = policy.overview_rows_visible_to(actor).where(LearnerOverview.learner_id == learner_id)
    row = db.session.execute(rows_statement(chosen, wanted, today, settings)).first()
    return to_row(row, today) if row else None


@dataclass(frozen=True)
class DeadlineCard:
    """A learner's own deadline, as their dashboard shows it: record, status, days left, flags."""

    entitlement: Entitlement | None
    status: str
    days_left: int | None
    flags: tuple[str, ...]


# Built once and run with the learner bound: the dashboard shows it on every visit, and this
# needs neither the visibility rule (a learner sees only themself) nor the study-time sums.
_OWN_DEADLINE = (
    select(LearnerOverview.status, LearnerOverview.flags, Entitlement)
    .outerjoin(Entitlement, Entitlement.learner_id == LearnerOverview.learner_id)
    .where(LearnerOverview.learner_id == bindparam("learner"))
)


def own_deadline(learner: User, today: date) -> DeadlineCard | None:
    """The learner's own deadline card from their stored overview row (one keyed statement)."""
    row = db.session.execute(_OWN_DEADLINE, {"learner": learner.id}).first()
    if row is None:
        return None
    entitlement = row.Entitlement
    left = None
    running = row.status in (rules.ACTIVE, rules.ON_LEAVE, rules.NOT_STARTED)
    if running and entitlement is not None and entitlement.start_date and entitlement.last_day:
        left = rules.days_left(entitlement.start_date, entitlement.last_day, today)
    return DeadlineCard(entitlement, row.status, left, flags_in(row.flags))


def flagged_learners(
    actor: User, today: date, settings: FlagSettings, limit: int = 10
) -> tuple[int, list[OverviewRow]]:
    """How many learners ``actor`` may see carry a flag, and the first ``limit`` of them."""
    page = overview_page(actor, today, settings, OverviewFilter(flagged_only=True), 1, limit)
    return page.total, list(page.items)
