"""A learner's entitlement record, its leave, extension decisions, audit trail, stored flags and
overview row.

The deadline fields (``last_day`` and the extension counts) are derived: the services recompute
them with the pure rules in ``rules.py`` after every change. Each learner's overview row
(``LearnerOverview``) holds the status, flags and sort keys the overview filters and sorts on,
indexed; ``overview_rows.py`` keeps it current.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.db_types import UTCDateTime, utcnow
from webapp.entitlement.standing import OVERVIEW_STATUSES
from webapp.extensions import db

if TYPE_CHECKING:
    from webapp.accounts.models import User


class Entitlement(db.Model):
    """The right to Norwegian training of one learner."""

    __tablename__ = "entitlements"
    __table_args__ = (
        CheckConstraint(
            "start_date IS NULL OR start_date >= settlement_date", name="start_after_settlement"
        ),
        CheckConstraint(
            "extensions_used >= 0 AND extension_months >= 0", name="extensions_positive"
        ),
        Index("ix_entitlements_last_day", "last_day"),
    )

    learner_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    rule_set: Mapped[str] = mapped_column(String(40))
    settlement_date: Mapped[date] = mapped_column(Date)
    decision_date: Mapped[date | None] = mapped_column(Date)
    start_date: Mapped[date | None] = mapped_column(Date)
    discontinued_on: Mapped[date | None] = mapped_column(Date)
    discontinued_reason: Mapped[str | None] = mapped_column(String(500))
    # Derived by the services from the rules; never edited by hand.
    entitled: Mapped[bool] = mapped_column(Boolean, default=True)
    last_day: Mapped[date | None] = mapped_column(Date)
    extensions_used: Mapped[int] = mapped_column(Integer, default=0)
    extension_months: Mapped[int] = mapped_column(Integer, default=0)
    # Moved on by every change; the editor's page carries it, so two coordinators editing at
    # once cannot lose an update (``services.claim``).
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    learner: Mapped[User] = relationship()
    leaves: Mapped[list[LeavePeriod]] = relationship(
        order_by="LeavePeriod.first_day", cascade="all, delete-orphan"
    )
    extensions: Mapped[list[ExtensionDecision]] = relationship(
        order_by="ExtensionDecision.decided_on", cascade="all, delete-orphan"
    )


class LeavePeriod(db.Model):
    """Approved leave; both days are included, and it moves the last day on."""

    __tablename__ = "leave_periods"
    __table_args__ = (
        CheckConstraint("last_day >= first_day", name="ends_after_start"),
        Index("ix_leave_periods_learner_days", "learner_id", "first_day", "last_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("entitlements.learner_id", ondelete="CASCADE")
    )
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ExtensionDecision(db.Model):
    """A decision on extended training of 1–6 months, made by a municipality."""

    __tablename__ = "extension_decisions"
    __table_args__ = (
        CheckConstraint("months >= 1 AND months <= 6", name="months_in_range"),
        Index("ix_extension_decisions_learner", "learner_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("entitlements.learner_id", ondelete="CASCADE")
    )
    decided_on: Mapped[date] = mapped_column(Date)
    months: Mapped[int] = mapped_column(Integer)
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT")
    )
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    decided_by: Mapped[User | None] = relationship()


class EntitlementAudit(db.Model):
    """One change to a learner's entitlement: who, when, what before and after, and why."""

    __tablename__ = "entitlement_audit"
    __table_args__ = (Index("ix_entitlement_audit_learner_at", "learner_id", "changed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    action: Mapped[str] = mapped_column(String(40))
    before: Mapped[str] = mapped_column(Text, default="{}")
    after: Mapped[str] = mapped_column(Text, default="{}")
    reason: Mapped[str] = mapped_column(String(500), default="")

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])


class LearnerFlagState(db.Model):
    """The flags the last sweep found raised for a learner, as a bit set (see ``flags.bit``).

    ``pending`` holds the flags raised since the last notification; the sweep clears it once
    the notices are queued, in the same transaction, so each crossing is told once.
    """

    __tablename__ = "learner_flag_states"
    __table_args__ = (Index("ix_learner_flag_states_pending", "pending"),)

    learner_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    flags: Mapped[int] = mapped_column(Integer, default=0)
    pending: Mapped[int] = mapped_column(Integer, default=0)
    changed_on: Mapped[date] = mapped_column(Date)


class SweepRun(db.Model):
    """One run of the daily entitlement sweep."""

    __tablename__ = "sweep_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_for: Mapped[date] = mapped_column(Date, index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    learners: Mapped[int] = mapped_column(Integer, default=0)
    learners_changed: Mapped[int] = mapped_column(Integer, default=0)
    notifications: Mapped[int] = mapped_column(Integer, default=0)


_STATUS_LIST = ", ".join(f"'{status}'" for status in OVERVIEW_STATUSES)


class LearnerOverview(db.Model):
    """One learner's row in the overview: what it filters, sorts and scopes by, stored.

    Derived, never edited by hand: the write that changes a learner's entitlement, profile or
    name recomputes the row in its transaction (``standing.standing``), and the daily sweep
    recomputes every row in one statement (the same in SQL), so dates that pass move a learner
    from active to expired. Copies of the name and of the two organisations that scope a
    learner (home municipality; the organisation they joined through) let one index serve a
    coordinator's or a provider's page in its order without joins.
    """

    __tablename__ = "learner_overview"
    __table_args__ = (
        CheckConstraint(f"status IN ({_STATUS_LIST})", name="known_status"),
        CheckConstraint("sort_rank >= 0 AND sort_rank <= 4", name="sort_rank_in_range"),
        CheckConstraint("flags >= 0", name="flags_positive"),
    )

    learner_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT")
    )
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT")
    )
    name: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(20))
    sort_rank: Mapped[int] = mapped_column(SmallInteger)
    last_day: Mapped[date | None] = mapped_column(Date)
    flags: Mapped[int] = mapped_column(Integer, default=0)


def _scoped_indexes(scope: str | None) -> None:
    """Index the overview rows of one scope column (or of none, for administrators) in each of
    the page's orders.

    They serve, within the scope: the default order (running periods first, then by last day;
    the flag set carried along, so a flag filter and its count need no table row), the last
    day latest first, by name, and by status (also a status filter in the default order, and
    the counts per status).
    """
    table = LearnerOverview.__table__
    c = table.c
    prefix = [c[scope]] if scope else []
    label = f"{scope.removesuffix('_id')}_" if scope else ""
    name = f"ix_{table.name}_{label}"
    Index(f"{name}last_day", *prefix, c.sort_rank, c.last_day, c.learner_id, c.flags)
    Index(f"{name}last_day_desc", *prefix, c.sort_rank, c.last_day.desc(), c.learner_id)
    Index(f"{name}name", *prefix, c.name, c.learner_id)
    Index(f"{name}status", *prefix, c.status, c.sort_rank, c.last_day, c.learner_id)


for _scope in ("municipality_id", "organisation_id", None):
    _scoped_indexes(_scope)


class NirExport(db.Model):
    """A municipality marked a month's registrations as exported to the national introduction
    register (NIR): when, by whom, and how many learner rows the export held."""

    __tablename__ = "nir_exports"
    __table_args__ = (UniqueConstraint("municipality_id", "month", name="one_export_per_month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT")
    )
    month: Mapped[date] = mapped_column(Date)  # the month's first day
    rows: Mapped[int] = mapped_column(Integer, default=0)
    exported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    exported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class GrantRateEntry(db.Model):
    """A year's grant rates registered by an administrator, beside those the code knows from the
    report (``rules.TCP_37D_GRANT_RATES``); a registered year overrides the code's."""

    __tablename__ = "grant_rates"
    __table_args__ = (
        CheckConstraint("year >= 2000 AND year <= 2100", name="year_sensible"),
        CheckConstraint(
            "per_person_nok >= 0 AND per_extension_nok >= 0", name="rates_not_negative"
        ),
    )

    rule_set: Mapped[str] = mapped_column(String(40), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    per_person_nok: Mapped[int] = mapped_column(Integer)
    per_extension_nok: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
