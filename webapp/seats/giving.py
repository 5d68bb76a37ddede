"""Giving a municipality's seats by name: finding its learners, suggesting who a seat fits, and
giving several seats at once.

Every query starts from ``policy.learners_visible_to``, so a coordinator only ever finds the
learners whose home municipality is theirs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, exists, func, or_, select

from scheduling import availability as free_time
from webapp.access import policy
from webapp.accounts.models import User
from webapp.classes import services as class_services
from webapp.classes.models import Booking, ClassSeries, LearnerAvailability
from webapp.clock import oslo_day_of
from webapp.db_types import utcnow
from webapp.entitlement.models import Entitlement
from webapp.extensions import db
from webapp.learners.models import LearnerProfile
from webapp.seats import services
from webapp.seats.models import Seat, SeatAssignment, SeatOrder
from webapp.seats.services import SeatError

SUGGESTIONS = 10
MAX_CHOSEN = 100
# How many learners, most urgent deadline first, the free-time check looks at.
SUGGESTION_POOL = 300

_NORWEGIAN_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


# Pure rules ---------------------------------------------------------------------------------------


def birth_date_in(query: str) -> date | None:
    """The date a search is for, written 1987-03-14 or 14.03.1987, else None."""
    text = query.strip()
    try:
        if _ISO_DATE.fullmatch(text):
            return date.fromisoformat(text)
        found = _NORWEGIAN_DATE.fullmatch(text)
        if found:
            day, month, year = (int(part) for part in found.groups())
            return date(year, month, day)
    except ValueError:
        return None
    return None


def like_pattern(query: str) -> str:
    """A LIKE pattern finding ``query`` anywhere, its own % and _ taken literally."""
    escaped = query.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def deadline_fits(last_day: date | None, entitled: bool | None, today: date) -> bool:
    """A learner whose right to training has not run out (or has no deadline yet)."""
    return entitled is not False and (last_day is None or last_day >= today)


def urgency(last_day: date | None, name: str, learner_id: int) -> tuple:
    """Most urgent deadline first; learners without a deadline after them, by name."""
    return (last_day is None, last_day or date.max, name.casefold(), learner_id)


def fits_free_time(
    availability: free_time.Availability | None, sessions: Sequence[free_time.SessionTime]
) -> bool:
    """True when the learner has said when they are free and every session falls inside it."""
    if availability is None or not sessions:
        return False
    return free_time.fit(availability, sessions).fits_all


# Queries ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A learner the coordinator may give a seat, with what the choice rests on."""

    learner: User
    birth_date: date
    level: str | None
    last_day: date | None
    has_seat: bool  # already holds a seat of this order


def _holds_seat_of(order: SeatOrder):
    return exists(
        select(SeatAssignment.id)
        .join(Seat, Seat.id == SeatAssignment.seat_id)
        .where(
            Seat.order_id == order.id,
            SeatAssignment.learner_id == User.id,
            SeatAssignment.released_at.is_(None),
        )
    )


def _candidates_statement(actor: User, order: SeatOrder) -> Select:
    return (
        policy.learners_visible_to(actor)
        .outerjoin(Entitlement, Entitlement.learner_id == User.id)
        .add_columns(
            LearnerProfile.birth_date,
            LearnerProfile.current_level,
            Entitlement.last_day,
            Entitlement.entitled,
            _holds_seat_of(order).label("has_seat"),
        )
    )


def _candidate(row) -> Candidate:
    learner, birth_date, level, last_day, _entitled, has_seat = row
    return Candidate(learner, birth_date, level.value if level else None, last_day, bool(has_seat))


@dataclass(frozen=True)
class Page:
    """One page of search results, shaped as the pagination macro reads it."""

    items: list[Candidate]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def search_learners(
    actor: User, order: SeatOrder, query: str, page: int, per_page: int = 20
) -> Page:
    """A page of the learners ``actor`` may see whose name or e-mail address holds ``query``,
    or who were born on the day it names, by name (two queries)."""
    stmt = _candidates_statement(actor, order)
    born = birth_date_in(query)
    if born is not None:
        stmt = stmt.where(LearnerProfile.birth_date == born)
    else:
        pattern = like_pattern(query)
        stmt = stmt.where(
            or_(
                func.lower(User.name).like(pattern, escape="\\"),
                func.lower(User.email).like(pattern, escape="\\"),
            )
        )
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    page = min(max(page, 1), max(1, -(-total // per_page)))
    rows = db.session.execute(
        stmt.order_by(User.name, User.id).limit(per_page).offset((page - 1) * per_page)
    )
    return Page([_candidate(row) for row in rows], page, per_page, total)


def chosen_learners(actor: User, order: SeatOrder, learner_ids: Sequence[int]) -> list[Candidate]:
    """The ticked learners ``actor`` may see, by name (one query)."""
    if not learner_ids:
        return []
    stmt = _candidates_statement(actor, order).where(User.id.in_(list(learner_ids)[:MAX_CHOSEN]))
    return [_candidate(row) for row in db.session.execute(stmt.order_by(User.name, User.id))]


def suggested_learners(
    actor: User, order: SeatOrder, now: datetime | None = None
) -> list[Candidate]:
    """Learners a seat of ``order`` fits, most urgent deadline first: their right to training
    still runs and they hold no seat of the order; for a class, their level is the class's, they
    have not booked it, and every remaining session falls in the free time they gave."""
    now = now or utcnow()
    today = oslo_day_of(now)
    stmt = _candidates_statement(actor, order).where(
        ~_holds_seat_of(order),
        or_(Entitlement.entitled.is_(None), Entitlement.entitled.is_(True)),
        or_(Entitlement.last_day.is_(None), Entitlement.last_day >= today),
    )
    series: ClassSeries | None = order.offering.series
    sessions: list[free_time.SessionTime] = []
    if series is not None:
        stmt = stmt.where(
            LearnerProfile.current_level == series.level,
            ~exists(
                select(Booking.id).where(
                    Booking.learner_id == User.id,
                    Booking.series_id == series.id,
                    Booking.status.in_(class_services.ACTIVE),
                )
            ),
        ).join(LearnerAvailability, LearnerAvailability.learner_id == User.id)
        sessions = [
            free_time.SessionTime(s.local_date, s.start_local, s.end_local)
            for s in class_services.future_sessions(series.id, now)
        ]
        if not sessions:
            return []
    stmt = stmt.order_by(Entitlement.last_day.is_(None), Entitlement.last_day, User.name, User.id)
    rows = list(db.session.execute(stmt.limit(SUGGESTION_POOL)))
    availability = {}
    if series is not None and rows:
        learner_ids = [row[0].id for row in rows]
        availability = {
            row.learner_id: class_services.to_availability(row)
            for row in db.session.scalars(
                select(LearnerAvailability).where(LearnerAvailability.learner_id.in_(learner_ids))
            )
        }
    chosen = []
    for row in rows:
        learner, _born, _level, last_day, entitled, _has = row
        if not deadline_fits(last_day, entitled, today):
            continue
        if series is not None and not fits_free_time(availability.get(learner.id), sessions):
            continue
        chosen.append(_candidate(row))
    chosen.sort(key=lambda c: urgency(c.last_day, c.learner.name, c.learner.id))
    return chosen[:SUGGESTIONS]


def free_seats(order: SeatOrder) -> list[Seat]:
    """The order's seats nobody holds, by number."""
    return list(
        db.session.scalars(
            select(Seat)
            .where(
                Seat.order_id == order.id,
                ~exists(
                    select(SeatAssignment.id).where(
                        SeatAssignment.seat_id == Seat.id, SeatAssignment.released_at.is_(None)
                    )
                ),
            )
            .order_by(Seat.number)
        )
    )


class GivingRefused(Exception):
    """One of the chosen learners could not be given a seat; nothing was given."""

    def __init__(self, code: str, learner_id: int | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.learner_id = learner_id


def give_seats(actor: User, order: SeatOrder, learner_ids: Sequence[int]) -> list[SeatAssignment]:
    """Give free seats of ``order`` to several learners at once, in seat order; all or none
    (the caller rolls back on a refusal)."""
    chosen = list(dict.fromkeys(learner_ids))
    if not chosen:
        raise GivingRefused("nobody_chosen")
    seats = free_seats(order)
    if len(chosen) > len(seats):
        raise GivingRefused("too_few_free_seats")
    given = []
    for seat, learner_id in zip(seats, chosen, strict=False):
        try:
            given.append(services.assign_seat(actor, seat, learner_id))
        except SeatError as refusal:
            raise GivingRefused(refusal.code, learner_id) from refusal
    return given
