"""Offerings, seat orders, the municipality's seat pool and its reports.

Seats are held from the moment a coordinator orders them until the provider declines or the
coordinator withdraws the order, so a provider can never accept more than it offered. Every
order change first bumps the offering's ``order_version`` (and, for a class seat, the series'
``booking_version``): on PostgreSQL those UPDATEs take row locks, on SQLite the write lock, so
simultaneous orders are counted one after the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import abort
from sqlalchemy import Select, false, func, select, update
from sqlalchemy.orm import joinedload

from webapp.access import policy
from webapp.accounts.models import Role, User
from webapp.classes import services as class_services
from webapp.classes.models import Booking, BookingStatus, ClassSeries
from webapp.clock import oslo_day_of
from webapp.db_types import utcnow
from webapp.extensions import db
from webapp.learners.models import LearnerProfile
from webapp.seats import rules
from webapp.seats.models import (
    HOLDING,
    Offering,
    OfferingKind,
    OrderStatus,
    Seat,
    SeatAssignment,
    SeatOrder,
    SeatRequest,
)


class SeatError(Exception):
    """A refused change; ``code`` names the reason for a translated message."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


# Offerings ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OfferingInput:
    """What the offering form collects."""

    kind: OfferingKind
    title: str
    description: str
    series_id: int | None
    months: int | None
    price_nok: int
    seats_for_sale: int


def may_sell(actor: User) -> bool:
    """Provider administrators publish offerings and decide on orders."""
    return (
        actor.role is Role.PROVIDER_ADMIN
        and actor.organisation is not None
        and actor.organisation.is_provider
    )


def create_offering(actor: User, data: OfferingInput) -> Offering:
    """Publish an offering for the actor's provider."""
    if not may_sell(actor):
        raise SeatError("not_a_provider")
    series_id = data.series_id if data.kind is OfferingKind.CLASS_SEAT else None
    if data.kind is OfferingKind.CLASS_SEAT:
        series = db.session.get(ClassSeries, series_id) if series_id else None
        if series is None or series.provider_id != actor.organisation_id:
            raise SeatError("unknown_series")
        if data.seats_for_sale > series.capacity:
            raise SeatError("more_than_capacity")
    elif not data.months:
        raise SeatError("months_missing")
    offering = Offering(
        provider_id=actor.organisation_id,
        kind=data.kind,
        series_id=series_id,
        months=data.months if data.kind is OfferingKind.LICENCE else None,
        title=data.title.strip(),
        description=data.description.strip(),
        price_nok=data.price_nok,
        seats_for_sale=data.seats_for_sale,
        active=True,
        order_version=0,
    )
    db.session.add(offering)
    db.session.flush()
    return offering


def set_offering_active(actor: User, offering: Offering, active: bool) -> None:
    """Open or close an offering for new orders (orders already placed stay)."""
    if actor.role is not Role.ADMIN and offering.provider_id != actor.organisation_id:
        raise SeatError("not_yours")
    offering.active = active
    db.session.flush()


def offerings_visible_to(actor: User) -> Select[tuple[Offering]]:
    """Providers see their own offerings; coordinators the open ones; admins all."""
    stmt = select(Offering)
    if actor.role is Role.ADMIN:
        return stmt
    if actor.role is Role.PROVIDER_ADMIN:
        return stmt.where(Offering.provider_id == actor.organisation_id)
    if actor.role is Role.COORDINATOR:
        return stmt.where(Offering.active.is_(True))
    return stmt.where(false())


def get_offering_or_404(actor: User, offering_id: int) -> Offering:
    """An offering the actor may see."""
    offering = db.session.scalar(offerings_visible_to(actor).where(Offering.id == offering_id))
    if offering is None:
        abort(404)
    return offering


def held_seats(offering_ids: list[int]) -> dict[int, int]:
    """Seats held by pending and accepted orders, per offering (one query)."""
    if not offering_ids:
        return {}
    rows = db.session.execute(
        select(SeatOrder.offering_id, func.sum(SeatOrder.seats))
        .where(SeatOrder.offering_id.in_(offering_ids), SeatOrder.status.in_(HOLDING))
        .group_by(SeatOrder.offering_id)
    )
    return {offering_id: int(total or 0) for offering_id, total in rows}


def seats_left(offering: Offering) -> int:
    """Seats of an offering still for sale, also within the class's free places."""
    left = rules.seats_left(offering.seats_for_sale, held_seats([offering.id]).get(offering.id, 0))
    if offering.series_id is not None:
        series = db.session.get(ClassSeries, offering.series_id)
        assert series is not None
        sessions = class_services.future_sessions(series.id, utcnow())
        count = class_services.seat_count(series.id)
        peak = max((count.taken_at(s.id) for s in sessions), default=count.series)
        left = min(left, max(0, series.capacity - peak))
    return left


def _lock(offering: Offering) -> None:
    if offering.series_id is not None:
        series = db.session.get(ClassSeries, offering.series_id)
        assert series is not None
        class_services.lock_series(series)
    db.session.execute(
        update(Offering)
        .where(Offering.id == offering.id)
        .values(order_version=Offering.order_version + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(offering, ["order_version", "seats_for_sale", "active"])


# Orders -------------------------------------------------------------------------------------------


def place_order(
    actor: User, offering: Offering, seats: int, first_day: date, last_day: date, note: str = ""
) -> SeatOrder:
    """Order seats for the coordinator's municipality; they are held until the provider decides."""
    if actor.role is not Role.COORDINATOR or actor.organisation is None:
        raise SeatError("not_a_coordinator")
    if last_day < first_day:
        raise SeatError("period_backwards")
    _lock(offering)
    if not offering.active:
        raise SeatError("offering_closed")
    if seats < 1 or seats > seats_left(offering):
        raise SeatError("not_enough_seats")
    order = SeatOrder(
        offering_id=offering.id,
        municipality_id=actor.organisation_id,
        ordered_by_id=actor.id,
        seats=seats,
        unit_price_nok=offering.price_nok,
        first_day=first_day,
        last_day=last_day,
        status=OrderStatus.PENDING,
        note=note.strip()[:500],
        created_at=utcnow(),
    )
    db.session.add(order)
    db.session.flush()
    return order


def orders_visible_to(actor: User) -> Select[tuple[SeatOrder]]:
    """A coordinator's municipality's orders; a provider's incoming orders; all for admins."""
    stmt = select(SeatOrder).join(Offering, Offering.id == SeatOrder.offering_id)
    if actor.role is Role.ADMIN:
        return stmt
    if actor.role is Role.COORDINATOR:
        return stmt.where(SeatOrder.municipality_id == actor.organisation_id)
    if actor.role is Role.PROVIDER_ADMIN:
        return stmt.where(Offering.provider_id == actor.organisation_id)
    return stmt.where(false())


def get_order_or_404(actor: User, order_id: int) -> SeatOrder:
    """An order the actor may see."""
    order = db.session.scalar(orders_visible_to(actor).where(SeatOrder.id == order_id))
    if order is None:
        abort(404)
    return order


def decide_order(actor: User, order: SeatOrder, accept: bool) -> None:
    """The provider accepts (the seats join the municipality's pool) or declines an order."""
    if actor.role is not Role.ADMIN and order.offering.provider_id != actor.organisation_id:
        raise SeatError("not_yours")
    _lock(order.offering)
    db.session.refresh(order, ["status"])
    if order.status is not OrderStatus.PENDING:
        raise SeatError("already_decided")
    order.status = OrderStatus.ACCEPTED if accept else OrderStatus.DECLINED
    order.decided_by_id = actor.id
    order.decided_at = utcnow()
    if accept:
        for number in range(1, order.seats + 1):
            db.session.add(Seat(order_id=order.id, number=number))
    db.session.flush()


def withdraw_order(actor: User, order: SeatOrder) -> None:
    """The coordinator withdraws an order the provider has not decided on yet."""
    if order.municipality_id != actor.organisation_id:
        raise SeatError("not_yours")
    _lock(order.offering)
    db.session.refresh(order, ["status"])
    if order.status is not OrderStatus.PENDING:
        raise SeatError("already_decided")
    order.status = OrderStatus.CANCELLED
    order.decided_at = utcnow()
    db.session.flush()


# The seat pool ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PoolSeat:
    """A seat of the pool and who holds it now."""

    seat: Seat
    order: SeatOrder
    holder: SeatAssignment | None


def seat_pool(actor: User, include_ended: bool = False) -> list[PoolSeat]:
    """The municipality's seats from accepted orders, with their current holders (two queries)."""
    stmt = (
        select(Seat, SeatOrder)
        .join(SeatOrder, SeatOrder.id == Seat.order_id)
        .where(SeatOrder.status == OrderStatus.ACCEPTED)
        .order_by(SeatOrder.first_day, SeatOrder.id, Seat.number)
    )
    if actor.role is not Role.ADMIN:
        stmt = stmt.where(SeatOrder.municipality_id == actor.organisation_id)
    if not include_ended:
        stmt = stmt.where(SeatOrder.last_day >= oslo_day_of(utcnow()))
    rows = list(db.session.execute(stmt))
    seat_ids = [seat.id for seat, _order in rows]
    holders = (
        {
            a.seat_id: a
            for a in db.session.scalars(
                select(SeatAssignment).where(
                    SeatAssignment.seat_id.in_(seat_ids), SeatAssignment.released_at.is_(None)
                )
            )
        }
        if seat_ids
        else {}
    )
    return [PoolSeat(seat, order, holders.get(seat.id)) for seat, order in rows]


def get_seat_or_404(actor: User, seat_id: int) -> Seat:
    """A seat of the actor's municipality."""
    seat = db.session.get(Seat, seat_id)
    if seat is None or (
        actor.role is not Role.ADMIN and seat.order.municipality_id != actor.organisation_id
    ):
        abort(404)
    return seat


def entitlement_status(learner_id: int) -> str | None:
    """The learner's stored overview status (None without a row)."""
    from webapp.entitlement.models import LearnerOverview

    return db.session.scalar(
        select(LearnerOverview.status).where(LearnerOverview.learner_id == learner_id)
    )


def _free_seats(municipality_id: int, series_id: int, today: date) -> Select[tuple[Seat, Offering]]:
    return (
        select(Seat, Offering)
        .join(SeatOrder, SeatOrder.id == Seat.order_id)
        .join(Offering, Offering.id == SeatOrder.offering_id)
        .where(
            Offering.series_id == series_id,
            SeatOrder.municipality_id == municipality_id,
            SeatOrder.status == OrderStatus.ACCEPTED,
            SeatOrder.first_day <= today,
            SeatOrder.last_day >= today,
            ~select(SeatAssignment.id)
            .where(SeatAssignment.seat_id == Seat.id, SeatAssignment.released_at.is_(None))
            .exists(),
        )
        .order_by(SeatOrder.first_day, SeatOrder.id, Seat.number)
    )


def has_free_seat(municipality_id: int, series_id: int, today: date) -> bool:
    """Whether the municipality has a seat of this class nobody holds today (no lock: for pages)."""
    return (
        db.session.execute(_free_seats(municipality_id, series_id, today).limit(1)).first()
        is not None
    )


def free_seat_for(municipality_id: int, series_id: int, today: date) -> Seat | None:
    """A seat nobody holds, from the municipality's accepted order of this class running today,
    with the offering locked so two learners cannot take the same one."""
    rows = db.session.execute(_free_seats(municipality_id, series_id, today)).all()
    locked: set[int] = set()
    for seat, offering in rows:
        if offering.id not in locked:
            _lock(offering)
            locked.add(offering.id)
        # Re-read under the lock: another booking may have taken it meanwhile.
        taken = db.session.scalar(
            select(SeatAssignment.id).where(
                SeatAssignment.seat_id == seat.id, SeatAssignment.released_at.is_(None)
            )
        )
        if taken is None:
            return seat
    return None


def assign_seat(actor: User, seat: Seat, learner_id: int) -> SeatAssignment:
    """Give a free seat to one of the municipality's learners (booking them into the class)."""
    order = seat.order
    if order.status is not OrderStatus.ACCEPTED:
        raise SeatError("order_not_accepted")
    if order.last_day < oslo_day_of(utcnow()):
        raise SeatError("order_ended")
    learner = db.session.scalar(policy.learners_visible_to(actor).where(User.id == learner_id))
    if learner is None:
        raise SeatError("unknown_learner")
    if entitlement_status(learner.id) in rules.NO_PAID_PLACE_STATUSES:
        raise SeatError("no_paid_place")
    _lock(order.offering)
    current = db.session.scalar(
        select(SeatAssignment.id).where(
            SeatAssignment.seat_id == seat.id, SeatAssignment.released_at.is_(None)
        )
    )
    if current is not None:
        raise SeatError("seat_taken")
    same_order = db.session.scalar(
        select(SeatAssignment.id)
        .join(Seat, Seat.id == SeatAssignment.seat_id)
        .where(
            Seat.order_id == order.id,
            SeatAssignment.learner_id == learner.id,
            SeatAssignment.released_at.is_(None),
        )
    )
    if same_order is not None:
        raise SeatError("already_has_seat")
    booking = None
    offering = order.offering
    if offering.kind is OfferingKind.CLASS_SEAT and offering.series_id is not None:
        booking = _book_on_seat(learner, offering.series_id)
    assignment = SeatAssignment(
        seat_id=seat.id,
        learner_id=learner.id,
        booking_id=booking.id if booking else None,
        assigned_by_id=actor.id,
        assigned_at=utcnow(),
    )
    db.session.add(assignment)
    db.session.flush()
    return assignment


def _book_on_seat(learner: User, series_id: int) -> Booking:
    """Book the learner into the series on the municipality's seat (no waitlist: it is theirs)."""
    series = db.session.get(ClassSeries, series_id)
    assert series is not None
    now = utcnow()
    sessions = class_services.future_sessions(series.id, now)
    if not sessions:
        raise SeatError("series_over")
    existing = db.session.scalar(
        select(Booking).where(
            Booking.learner_id == learner.id,
            Booking.series_id == series.id,
            Booking.status.in_(class_services.ACTIVE),
            Booking.session_id.is_(None),
        )
    )
    if existing is not None:
        raise SeatError("already_booked")
    try:
        class_services._check_no_overlap(learner, sessions, now)
    except class_services.ClassError:
        raise SeatError("overlaps_booking") from None
    booking = Booking(
        learner_id=learner.id,
        series_id=series.id,
        session_id=None,
        status=BookingStatus.CONFIRMED,
        created_at=now,
        confirmed_at=now,
        seat_held=True,
        payer=rules.PAYER_SEAT,
    )
    db.session.add(booking)
    db.session.flush()
    return booking


def release_seat(actor: User, assignment: SeatAssignment) -> None:
    """Free a seat (the learner's class booking ends); the history keeps who held it and when."""
    if (
        actor.role is not Role.ADMIN
        and assignment.seat.order.municipality_id != actor.organisation_id
    ):
        raise SeatError("not_yours")
    if assignment.released_at is not None:
        raise SeatError("already_released")
    now = utcnow()
    assignment.released_at = now
    assignment.released_by_id = actor.id
    if assignment.booking_id is not None:
        booking = db.session.get(Booking, assignment.booking_id)
        if booking is not None and booking.status in class_services.ACTIVE:
            booking.status = BookingStatus.CANCELLED
            booking.cancelled_at = now
    db.session.flush()


def seat_history(seat: Seat) -> list[SeatAssignment]:
    """Everyone who has held a seat, newest first."""
    return list(
        db.session.scalars(
            select(SeatAssignment)
            .where(SeatAssignment.seat_id == seat.id)
            .order_by(SeatAssignment.assigned_at.desc(), SeatAssignment.id.desc())
        )
    )


def learner_seats(learner: User) -> list[SeatAssignment]:
    """The seats a learner holds now."""
    return list(
        db.session.scalars(
            select(SeatAssignment).where(
                SeatAssignment.learner_id == learner.id, SeatAssignment.released_at.is_(None)
            )
        )
    )


# Requests for a place the municipality pays for --------------------------------------------------


@dataclass(frozen=True)
class PlaceOffer:
    """How a learner can get a place in a priced class their municipality pays for by seat."""

    seat_free: bool
    request: SeatRequest | None


def place_offer(learner: User, series: ClassSeries, today: date) -> PlaceOffer | None:
    """None when no seat is needed (free, self-paid, or the learner's own municipality teaches
    it); else whether a bought seat is free for them and their open request, if any."""
    profile = learner.learner_profile
    home = profile.home_municipality_id if profile is not None else None
    if series.seat_price_nok == 0 or series.self_paid or home is None or series.provider_id == home:
        return None
    return PlaceOffer(has_free_seat(home, series.id, today), open_request(learner, series.id))


def open_request(learner: User, series_id: int) -> SeatRequest | None:
    """The learner's request for a place in this class that no coordinator has handled yet."""
    return db.session.scalar(
        select(SeatRequest).where(
            SeatRequest.learner_id == learner.id,
            SeatRequest.series_id == series_id,
            SeatRequest.handled_at.is_(None),
        )
    )


def request_place(learner: User, series: ClassSeries) -> SeatRequest:
    """Ask the learner's municipality to pay for a place in a priced class (once per class)."""
    profile = learner.learner_profile
    if learner.role is not Role.LEARNER or profile is None:
        raise SeatError("not_a_learner")
    if (
        series.seat_price_nok == 0
        or series.self_paid
        or series.provider_id == (profile.home_municipality_id)
    ):
        raise SeatError("no_request_needed")
    existing = open_request(learner, series.id)
    if existing is not None:
        return existing
    created = SeatRequest(
        learner_id=learner.id,
        series_id=series.id,
        municipality_id=profile.home_municipality_id,
        created_at=utcnow(),
    )
    db.session.add(created)
    db.session.flush()
    return created


def requests_for(actor: User) -> list[SeatRequest]:
    """The open requests in the coordinator's queue (their municipality's learners), oldest
    first; an administrator sees all."""
    stmt = (
        select(SeatRequest)
        .where(SeatRequest.handled_at.is_(None))
        .order_by(SeatRequest.created_at, SeatRequest.id)
        .options(joinedload(SeatRequest.learner), joinedload(SeatRequest.series))
    )
    if actor.role is not Role.ADMIN:
        stmt = stmt.where(SeatRequest.municipality_id == actor.organisation_id)
    return list(db.session.scalars(stmt))


def handle_request(actor: User, seat_request: SeatRequest) -> None:
    """Take a request off the queue (a seat was given, or the municipality declines)."""
    if actor.role is not Role.ADMIN and seat_request.municipality_id != actor.organisation_id:
        raise SeatError("not_yours")
    if seat_request.handled_at is not None:
        raise SeatError("already_handled")
    seat_request.handled_at = utcnow()
    seat_request.handled_by_id = actor.id
    db.session.flush()


# Reports ------------------------------------------------------------------------------------------


@dataclass
class SeatReport:
    """Seat use per offering and month, with costs, for a municipality and a year."""

    year: int
    months: list[date]
    offerings: dict[int, Offering]
    rows: list[rules.MonthUse]

    def for_offering(self, offering_id: int) -> list[rules.MonthUse]:
        return [row for row in self.rows if row.offering_id == offering_id]

    def totals_by_month(self) -> list[tuple[date, int, int, int]]:
        """Bought, used and cost per month over all offerings."""
        result = []
        for month in self.months:
            rows = [row for row in self.rows if row.month == month]
            result.append(
                (
                    month,
                    sum(r.bought for r in rows),
                    sum(r.used for r in rows),
                    sum(r.cost_nok for r in rows),
                )
            )
        return result

    @property
    def total_cost(self) -> int:
        return sum(row.cost_nok for row in self.rows)


def seat_report(municipality_id: int | None, year: int) -> SeatReport:
    """Seats bought, used and idle per offering and month of a year, in three queries."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    months = rules.month_starts(first, last)
    order_stmt = select(SeatOrder).where(
        SeatOrder.status == OrderStatus.ACCEPTED,
        SeatOrder.first_day <= last,
        SeatOrder.last_day >= first,
    )
    if municipality_id is not None:
        order_stmt = order_stmt.where(SeatOrder.municipality_id == municipality_id)
    orders = list(db.session.scalars(order_stmt))
    order_ids = [o.id for o in orders]
    uses_rows = (
        db.session.execute(
            select(
                Seat.order_id,
                SeatAssignment.seat_id,
                SeatAssignment.assigned_at,
                SeatAssignment.released_at,
            )
            .join(Seat, Seat.id == SeatAssignment.seat_id)
            .where(Seat.order_id.in_(order_ids))
        ).all()
        if order_ids
        else []
    )
    offering_of = {o.id: o.offering_id for o in orders}
    offerings = {
        o.id: o
        for o in db.session.scalars(
            select(Offering).where(Offering.id.in_(set(offering_of.values()) or {0}))
        )
    }
    periods = [
        rules.OrderPeriod(o.offering_id, o.seats, o.unit_price_nok, o.first_day, o.last_day)
        for o in orders
    ]
    uses = [
        rules.UsePeriod(
            offering_of[order_id],
            seat_id,
            oslo_day_of(assigned),
            oslo_day_of(released) if released else None,
        )
        for order_id, seat_id, assigned, released in uses_rows
    ]
    return SeatReport(year, months, offerings, rules.monthly_use(periods, uses, months))


def own_places_by_month(municipality_id: int | None, months: list[date]) -> list[tuple[date, int]]:
    """Per month, the places the municipality pays for in its own classes (bookings whose payer is
    its own provider, held on some day of the month): paid places outside any seat order."""
    stmt = (
        select(Booking.created_at, Booking.cancelled_at)
        .join(LearnerProfile, LearnerProfile.user_id == Booking.learner_id)
        .where(
            Booking.payer == rules.PAYER_OWN_PROVIDER,
            Booking.status != BookingStatus.WAITLISTED,
        )
    )
    if municipality_id is not None:
        stmt = stmt.where(LearnerProfile.home_municipality_id == municipality_id)
    spans = [
        (oslo_day_of(created), oslo_day_of(cancelled) if cancelled else None)
        for created, cancelled in db.session.execute(stmt)
    ]
    return [
        (month, sum(1 for first, last in spans if rules.overlaps_month(first, last, month)))
        for month in months
    ]


def report_years(municipality_id: int | None, this_year: int) -> list[int]:
    """The years a municipality has orders in, newest first (at least this year)."""
    stmt = select(func.min(SeatOrder.first_day), func.max(SeatOrder.last_day))
    if municipality_id is not None:
        stmt = stmt.where(SeatOrder.municipality_id == municipality_id)
    low, high = db.session.execute(stmt).one()
    first = min(low.year if low else this_year, this_year)
    last = max(high.year if high else this_year, this_year)
    return list(range(last, first - 1, -1))


def default_period(offering: Offering, today: date) -> tuple[date, date]:
    """A sensible period for a new order: the class's dates, or the licence's months from today."""
    if offering.series is not None:
        return max(today, offering.series.first_date), offering.series.last_date
    months = offering.months or 12
    return today, today + timedelta(days=round(months * 30.44))


def extension_decisions_by_year(municipality_id: int | None) -> list[tuple[int, int, int]]:
    """Per year: the number of extension decisions and the months they granted (one query)."""
    from sqlalchemy import extract

    from webapp.entitlement.models import ExtensionDecision

    year = extract("year", ExtensionDecision.decided_on)
    stmt = select(year, func.count(), func.sum(ExtensionDecision.months)).group_by(year)
    if municipality_id is not None:
        stmt = stmt.where(ExtensionDecision.municipality_id == municipality_id)
    return sorted(
        ((int(y), int(n), int(months or 0)) for y, n, months in db.session.execute(stmt)),
        reverse=True,
    )
