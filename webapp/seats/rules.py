"""Seat accounting as pure rules: what is left to sell, and how seats were used month by month."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date


def seats_left(for_sale: int, held: int) -> int:
    """Seats a provider can still sell: never negative, whatever was sold before."""
    return max(0, for_sale - held)


def may_hold(for_sale: int, held: int, wanted: int) -> bool:
    """True when ``wanted`` more seats fit beside those already held (pending or accepted)."""
    return wanted > 0 and held + wanted <= for_sale


def month_starts(first: date, last: date) -> list[date]:
    """The first day of every month from ``first``'s month to ``last``'s month."""
    months = []
    current = first.replace(day=1)
    while current <= last:
        months.append(current)
        current = date(current.year + (current.month == 12), current.month % 12 + 1, 1)
    return months


def month_end(month: date) -> date:
    """The last day of the month that starts on ``month``."""
    following = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


def overlaps_month(first: date, last: date | None, month: date) -> bool:
    """True when a period (open-ended when ``last`` is None) touches the month."""
    return first <= month_end(month) and (last is None or last >= month)


@dataclass(frozen=True)
class OrderPeriod:
    """An accepted order as the report needs it."""

    offering_id: int
    seats: int
    unit_price: int
    first_day: date
    last_day: date


@dataclass(frozen=True)
class UsePeriod:
    """A seat held by a learner from one day until another (None: still held)."""

    offering_id: int
    seat_id: int
    first_day: date
    last_day: date | None


@dataclass(frozen=True)
class MonthUse:
    """Seats bought, used and idle for one offering in one month, and what started costing."""

    offering_id: int
    month: date
    bought: int
    used: int
    cost_nok: int

    @property
    def idle(self) -> int:
        return max(0, self.bought - self.used)


def monthly_use(
    orders: Iterable[OrderPeriod], uses: Iterable[UsePeriod], months: list[date]
) -> list[MonthUse]:
    """Per offering and month: seats bought, seats used by at least one learner, and cost.

    A seat counts as used in a month when some learner held it on any day of it; the cost of an
    order falls in the month its period starts.
    """
    orders = list(orders)
    uses = list(uses)
    offering_ids = sorted({o.offering_id for o in orders})
    rows = []
    for offering_id in offering_ids:
        mine = [o for o in orders if o.offering_id == offering_id]
        held = [u for u in uses if u.offering_id == offering_id]
        for month in months:
            bought = sum(o.seats for o in mine if overlaps_month(o.first_day, o.last_day, month))
            used = len({u.seat_id for u in held if overlaps_month(u.first_day, u.last_day, month)})
            cost = sum(
                o.seats * o.unit_price
                for o in mine
                if o.first_day.year == month.year and o.first_day.month == month.month
            )
            rows.append(MonthUse(offering_id, month, bought, min(used, bought), cost))
    return rows


# Who pays for a learner's place in a class ----------------------------------------------------

PAYER_FREE = "free"  # the class costs nothing
PAYER_LEARNER = "learner"  # the series is marked self-paid: the learner pays the provider
PAYER_OWN_PROVIDER = "own_provider"  # the learner's own municipality teaches the class
PAYER_SEAT = "seat"  # a seat the learner's municipality bought covers the place
PAYERS = (PAYER_FREE, PAYER_LEARNER, PAYER_OWN_PROVIDER, PAYER_SEAT)
MUNICIPALITY_PAID = (PAYER_OWN_PROVIDER, PAYER_SEAT)

#: Entitlement statuses that cannot take a place the municipality pays for.
NO_PAID_PLACE_STATUSES = frozenset({"expired", "discontinued", "not_entitled"})


@dataclass(frozen=True)
class PlaceFacts:
    """What deciding who pays for a place needs to know."""

    price_nok: int
    self_paid: bool
    provider_id: int
    home_municipality_id: int | None
    seat_available: bool
    entitlement_status: str | None


def booking_payer(facts: PlaceFacts) -> tuple[str | None, str | None]:
    """Return ``(payer, None)`` for a place someone pays for, or ``(None, refusal code)``.

    A free class needs no payer, and a self-paid series is the learner's own; otherwise the
    learner's municipality pays, through its own provider or a seat it bought, and only for a
    learner whose right has not ended (expired, discontinued or not entitled: refused). Without
    either, the learner must ask their coordinator (``needs_seat``).
    """
    if facts.price_nok == 0:
        return PAYER_FREE, None
    if facts.self_paid:
        return PAYER_LEARNER, None
    if facts.entitlement_status in NO_PAID_PLACE_STATUSES:
        return None, "no_paid_place"
    if facts.home_municipality_id is not None and facts.provider_id == facts.home_municipality_id:
        return PAYER_OWN_PROVIDER, None
    if facts.seat_available:
        return PAYER_SEAT, None
    return None, "needs_seat"
