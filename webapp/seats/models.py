"""Offerings providers publish, municipalities' seat orders, the seats and who holds them."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.db_types import UTCDateTime, enum_column, utcnow
from webapp.extensions import db

if TYPE_CHECKING:
    from webapp.accounts.models import User
    from webapp.classes.models import ClassSeries
    from webapp.organisations.models import Organisation


class OfferingKind(enum.StrEnum):
    """A place in a class series, or a self-study licence with a teacher's follow-up."""

    CLASS_SEAT = "class_seat"
    LICENCE = "licence"


class OrderStatus(enum.StrEnum):
    """Where a seat order stands; pending and accepted orders hold seats."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    CANCELLED = "cancelled"


HOLDING = (OrderStatus.PENDING, OrderStatus.ACCEPTED)


class Offering(db.Model):
    """What a provider sells to municipalities, at a price per seat."""

    __tablename__ = "offerings"
    __table_args__ = (
        CheckConstraint("price_nok >= 0", name="offering_price_not_negative"),
        CheckConstraint("seats_for_sale > 0", name="offering_has_seats"),
        CheckConstraint(
            "(kind = 'class_seat' AND series_id IS NOT NULL)"
            " OR (kind = 'licence' AND months BETWEEN 1 AND 24)",
            name="offering_kind_details",
        ),
        CheckConstraint("length(title) > 0", name="offering_title_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[OfferingKind] = mapped_column(enum_column(OfferingKind, "offering_kind"))
    series_id: Mapped[int | None] = mapped_column(
        ForeignKey("class_series.id", ondelete="RESTRICT"), index=True
    )
    months: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(160))
    description: Mapped[str] = mapped_column(Text, default="")
    price_nok: Mapped[int] = mapped_column(Integer)
    seats_for_sale: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped by every order change: the row lock that keeps seats from being oversold.
    order_version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    provider: Mapped[Organisation] = relationship()
    series: Mapped[ClassSeries | None] = relationship()


class SeatOrder(db.Model):
    """A municipality's order of seats of an offering for a period."""

    __tablename__ = "seat_orders"
    __table_args__ = (
        CheckConstraint("seats > 0 AND seats <= 10000", name="order_seats_sensible"),
        CheckConstraint("last_day >= first_day", name="order_period_forward"),
        Index("ix_seat_orders_offering_status", "offering_id", "status"),
        Index("ix_seat_orders_municipality_status", "municipality_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    offering_id: Mapped[int] = mapped_column(ForeignKey("offerings.id", ondelete="RESTRICT"))
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT")
    )
    ordered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    seats: Mapped[int] = mapped_column(Integer)
    unit_price_nok: Mapped[int] = mapped_column(Integer)
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    status: Mapped[OrderStatus] = mapped_column(enum_column(OrderStatus, "order_status"))
    note: Mapped[str] = mapped_column(String(500), default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    offering: Mapped[Offering] = relationship()
    municipality: Mapped[Organisation] = relationship()


class Seat(db.Model):
    """One seat of an accepted order, in the municipality's pool."""

    __tablename__ = "seats"
    __table_args__ = (UniqueConstraint("order_id", "number", name="one_seat_per_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(
        ForeignKey("seat_orders.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)

    order: Mapped[SeatOrder] = relationship()


class SeatAssignment(db.Model):
    """A learner holding a seat from one moment until it is released; the rows are the history."""

    __tablename__ = "seat_assignments"
    __table_args__ = (
        # One learner per seat at a time.
        Index(
            "uq_seat_assignments_active_seat",
            "seat_id",
            unique=True,
            sqlite_where=text("released_at IS NULL"),
            postgresql_where=text("released_at IS NULL"),
        ),
        Index("ix_seat_assignments_learner", "learner_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seat_id: Mapped[int] = mapped_column(ForeignKey("seats.id", ondelete="CASCADE"))
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    booking_id: Mapped[int | None] = mapped_column(
        ForeignKey("class_bookings.id", ondelete="SET NULL")
    )
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    seat: Mapped[Seat] = relationship()
    learner: Mapped[User] = relationship(foreign_keys=[learner_id])


class SeatRequest(db.Model):
    """A learner's request that their municipality pay for a place in a priced class: a line in
    the coordinator's queue until a coordinator handles it (gives a seat or declines)."""

    __tablename__ = "seat_requests"
    __table_args__ = (
        # One open request per learner and series.
        Index(
            "uq_seat_requests_open",
            "learner_id",
            "series_id",
            unique=True,
            sqlite_where=text("handled_at IS NULL"),
            postgresql_where=text("handled_at IS NULL"),
        ),
        Index("ix_seat_requests_municipality_open", "municipality_id", "handled_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    series_id: Mapped[int] = mapped_column(ForeignKey("class_series.id", ondelete="CASCADE"))
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    learner: Mapped[User] = relationship(foreign_keys=[learner_id])
    series: Mapped[ClassSeries] = relationship()
