"""A payer behind every booking: a priced class is booked on a seat the learner's municipality
bought, through the municipality's own provider, or when free or self-paid; otherwise refused,
with a request to the coordinator offered. The seat report counts the places learners take."""

from __future__ import annotations

import html
from datetime import time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.conftest import login_as
from webapp.accounts.models import Role
from webapp.classes import services as class_services
from webapp.classes.models import Booking, BookingStatus, Modality
from webapp.clock import oslo_today
from webapp.entitlement import services as entitlement_services
from webapp.extensions import db
from webapp.learners.levels import Level
from webapp.organisations.models import OrganisationKind
from webapp.seats import rules
from webapp.seats import services as seat_services
from webapp.seats.models import OfferingKind, SeatAssignment, SeatRequest

EN = {"Accept-Language": "en"}


# The pure rule -------------------------------------------------------------------------------


def facts(**changes) -> rules.PlaceFacts:
    values = {
        "price_nok": 2500,
        "self_paid": False,
        "provider_id": 1,
        "home_municipality_id": 2,
        "seat_available": False,
        "entitlement_status": "active",
    }
    values.update(changes)
    return rules.PlaceFacts(**values)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"price_nok": 0}, ("free", None)),
        ({"price_nok": 0, "entitlement_status": "expired"}, ("free", None)),
        ({"self_paid": True}, ("learner", None)),
        ({"self_paid": True, "entitlement_status": "discontinued"}, ("learner", None)),
        ({"home_municipality_id": 1}, ("own_provider", None)),
        ({"seat_available": True}, ("seat", None)),
        ({}, (None, "needs_seat")),
        ({"home_municipality_id": None}, (None, "needs_seat")),
        ({"seat_available": True, "entitlement_status": "expired"}, (None, "no_paid_place")),
        (
            {"home_municipality_id": 1, "entitlement_status": "not_entitled"},
            (None, "no_paid_place"),
        ),
        ({"seat_available": True, "entitlement_status": "discontinued"}, (None, "no_paid_place")),
        ({"seat_available": True, "entitlement_status": "not_started"}, ("seat", None)),
        ({"seat_available": True, "entitlement_status": None}, ("seat", None)),
    ],
)
def test_who_pays(changes, expected):
    assert rules.booking_payer(facts(**changes)) == expected


@given(
    st.integers(0, 5000),
    st.booleans(),
    st.integers(1, 3),
    st.none() | st.integers(1, 3),
    st.booleans(),
    st.none() | st.sampled_from(["active", "on_leave", "not_started", "expired", "discontinued"]),
)
def test_every_place_has_a_payer_or_a_refusal(price, self_paid, provider, home, seat, status):
    payer, refusal = rules.booking_payer(
        rules.PlaceFacts(price, self_paid, provider, home, seat, status)
    )
    assert (payer is None) != (refusal is None)
    if payer in rules.MUNICIPALITY_PAID:
        assert price > 0
        assert not self_paid
        assert status not in rules.NO_PAID_PLACE_STATUSES
    if payer == rules.PAYER_SEAT:
        assert seat
    if price > 0 and not self_paid and payer is None:
        assert refusal in {"needs_seat", "no_paid_place"}


# Through the services and pages ---------------------------------------------------------------


@pytest.fixture
def nordlys(factory):
    return factory.organisation(OrganisationKind.PROVIDER, "Nordlys")


@pytest.fixture
def rollag(factory):
    return factory.organisation(OrganisationKind.MUNICIPALITY, "Rollag")


@pytest.fixture
def coordinator(factory, rollag):
    return factory.user(Role.COORDINATOR, rollag, locale="en", name="Rita Rollag")


@pytest.fixture
def seller(factory, nordlys):
    return factory.user(Role.PROVIDER_ADMIN, nordlys)


def publish(factory, provider, price: int = 2500, self_paid: bool = False):
    teacher = factory.user(Role.TEACHER, provider)
    first = oslo_today() + timedelta(days=7)
    series = class_services.create_series(
        teacher,
        class_services.SeriesInput(
            title="Kveldskurs B1",
            description="",
            level=Level.B1,
            track=None,
            modality=Modality.ONLINE,
            address="",
            meeting_link="https://meet.example.org/b1",
            capacity=8,
            teacher_id=teacher.id,
            weekdays=frozenset({first.weekday()}),
            start_local=time(18),
            end_local=time(20),
            first_date=first,
            last_date=first + timedelta(days=21),
            extra_dates=frozenset(),
            cancelled_dates=frozenset(),
            drop_in_allowed=True,
            seat_price_nok=price,
            self_paid=self_paid,
        ),
    )
    db.session.commit()
    return series


def buy_seats(seller, coordinator, series, seats: int = 1):
    offering = seat_services.create_offering(
        seller,
        seat_services.OfferingInput(
            kind=OfferingKind.CLASS_SEAT,
            title="Plass i Kveldskurs B1",
            description="",
            series_id=series.id,
            months=None,
            price_nok=series.seat_price_nok,
            seats_for_sale=seats,
        ),
    )
    order = seat_services.place_order(
        coordinator, offering, seats, oslo_today(), oslo_today() + timedelta(days=90)
    )
    seat_services.decide_order(seller, order, accept=True)
    db.session.commit()
    return offering


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_rollag_learner_without_a_seat_is_refused_then_books_on_a_bought_seat(
    client, factory, nordlys, rollag, coordinator, seller
):
    series = publish(factory, nordlys)
    learner = factory.learner(home=rollag, locale="en", name="Oksana Rollag")
    login_as(client, learner)

    page = text(client.get(f"/classes/{series.id}"))
    assert "Your municipality pays for places in this class, and it has no free place" in page
    assert "Ask my coordinator for a place" in page
    assert "Book the whole class" not in page

    response = client.post(f"/classes/{series.id}/book", follow_redirects=True)
    assert "Ask your coordinator: you can send a request below." in text(response)
    assert count(Booking) == 0

    response = client.post(f"/classes/{series.id}/request-place", follow_redirects=True)
    assert "Your coordinator has your request" in text(response)
    assert "Your request is with your coordinator" in text(response)
    client.post(f"/classes/{series.id}/request-place")  # asking twice keeps one request
    assert count(SeatRequest) == 1

    login_as(client, coordinator)
    queue = text(client.get("/seats"))
    assert "Learners asking for a place" in queue
    assert "Oksana Rollag" in queue

    buy_seats(seller, coordinator, series)
    login_as(client, learner)
    page = text(client.get(f"/classes/{series.id}"))
    assert "Your municipality has bought a place in this class that you can take." in page
    response = client.post(f"/classes/{series.id}/book", follow_redirects=True)
    assert "You are booked." in text(response)

    booking = db.session.scalar(select(Booking).where(Booking.learner_id == learner.id))
    assert booking.status is BookingStatus.CONFIRMED
    assert booking.payer == rules.PAYER_SEAT
    assert booking.seat_held
    held = db.session.scalar(select(SeatAssignment).where(SeatAssignment.booking_id == booking.id))
    assert held is not None
    assert held.released_at is None
    report = seat_services.seat_report(rollag.id, oslo_today().year)
    this_month = oslo_today().replace(day=1)
    assert [
        (m, bought, used) for m, bought, used, _ in report.totals_by_month() if m == this_month
    ] == [(this_month, 1, 1)]

    # The seat is taken: the next Rollag learner is refused again.
    other = factory.learner(home=rollag)
    with pytest.raises(class_services.ClassError) as refused:
        class_services.book_series(other, series)
    assert refused.value.code == "needs_seat"
    db.session.rollback()

    # The coordinator releases the seat (a seat's place is not cancelled by the learner), and
    # the other learner can take it.
    assert not class_services.may_self_cancel(booking, booking.created_at)
    seat_services.release_seat(coordinator, held)
    db.session.commit()
    assert class_services.book_series(other, series).payer == rules.PAYER_SEAT
    db.session.commit()


def test_another_municipality_s_seat_does_not_pay_for_a_rollag_learner(
    factory, nordlys, rollag, seller
):
    series = publish(factory, nordlys)
    flesberg = factory.organisation(OrganisationKind.MUNICIPALITY, "Flesberg")
    buy_seats(seller, factory.user(Role.COORDINATOR, flesberg), series, seats=3)
    with pytest.raises(class_services.ClassError) as refused:
        class_services.book_series(factory.learner(home=rollag), series)
    assert refused.value.code == "needs_seat"
    flesberg_learner = factory.learner(home=flesberg)
    assert class_services.book_series(flesberg_learner, series).payer == rules.PAYER_SEAT


def test_free_self_paid_and_own_provider_classes_need_no_seat(factory, nordlys, rollag):
    learner = factory.learner(home=rollag)
    free = class_services.book_series(learner, publish(factory, nordlys, price=0))
    assert free.payer == rules.PAYER_FREE
    own = factory.organisation(OrganisationKind.BOTH, "Rollag voksenopplæring")
    own_learner = factory.learner(home=own)
    assert class_services.book_series(own_learner, publish(factory, own)).payer == (
        rules.PAYER_OWN_PROVIDER
    )
    self_paid = publish(factory, nordlys, self_paid=True)
    assert class_services.book_series(factory.learner(home=rollag), self_paid).payer == (
        rules.PAYER_LEARNER
    )


def test_a_drop_in_to_a_priced_class_needs_a_payer(factory, nordlys, rollag, coordinator, seller):
    series = publish(factory, nordlys)
    buy_seats(seller, coordinator, series)  # a seat covers the whole series, not one evening
    session = series.sessions[0]
    with pytest.raises(class_services.ClassError) as refused:
        class_services.book_drop_in(factory.learner(home=rollag), session)
    assert refused.value.code == "needs_seat"


def test_an_expired_learner_cannot_take_a_municipality_paid_place(
    client, factory, nordlys, rollag, coordinator, seller
):
    series = publish(factory, nordlys)
    buy_seats(seller, coordinator, series)
    learner = factory.learner(
        home=rollag, locale="en", settlement_date=oslo_today() - timedelta(days=600)
    )
    entitlement_services.set_start(
        coordinator, learner, None, oslo_today() - timedelta(days=500), ""
    )
    db.session.commit()
    with pytest.raises(class_services.ClassError) as refused:
        class_services.book_series(learner, series)
    assert refused.value.code == "no_paid_place"
    db.session.rollback()
    [seat] = seat_services.seat_pool(coordinator)
    with pytest.raises(seat_services.SeatError) as refused_seat:
        seat_services.assign_seat(coordinator, seat.seat, learner.id)
    assert refused_seat.value.code == "no_paid_place"
    db.session.rollback()
    login_as(client, learner)
    response = client.post(f"/classes/{series.id}/book", follow_redirects=True)
    assert "Your right to Norwegian training has ended" in text(response)
    assert count(Booking) == 0
    # A free class is still open to them.
    assert class_services.book_series(learner, publish(factory, nordlys, price=0)).payer == "free"


def test_the_coordinator_marks_a_request_handled_and_only_sees_their_own(
    client, factory, nordlys, rollag, coordinator
):
    series = publish(factory, nordlys)
    mine = seat_services.request_place(factory.learner(home=rollag, name="Mine Learner"), series)
    elsewhere = factory.organisation(OrganisationKind.MUNICIPALITY, "Sigdal")
    theirs = seat_services.request_place(
        factory.learner(home=elsewhere, name="Their Learner"), series
    )
    db.session.commit()
    login_as(client, coordinator)
    page = text(client.get("/seats"))
    assert "Mine Learner" in page
    assert "Their Learner" not in page
    assert client.post(f"/seat-requests/{theirs.id}/handled").status_code == 404
    response = client.post(f"/seat-requests/{mine.id}/handled", follow_redirects=True)
    assert "The request is marked as handled." in text(response)
    db.session.refresh(mine)
    assert mine.handled_by_id == coordinator.id
    assert "Mine Learner" not in text(client.get("/seats"))


def test_the_fit_list_tells_the_learner_to_ask(client, factory, nordlys, rollag):
    publish(factory, nordlys)
    learner = factory.learner(home=rollag, locale="en")
    login_as(client, learner)
    page = text(client.get("/classes?level="))
    assert "Kveldskurs B1" in page
    assert "Your municipality pays for a place here." in page


def test_the_seat_report_counts_places_in_the_municipality_s_own_classes(client, factory):
    own = factory.organisation(OrganisationKind.BOTH, "Kongsberg voksenopplæring")
    coordinator = factory.user(Role.COORDINATOR, own, locale="en")
    series = publish(factory, own)
    for _ in range(3):
        class_services.book_series(factory.learner(home=own), series)
    elsewhere = factory.learner(home=factory.organisation(OrganisationKind.MUNICIPALITY))
    with pytest.raises(class_services.ClassError):
        class_services.book_series(elsewhere, series)
    db.session.rollback()
    db.session.commit()
    this_month = oslo_today().replace(day=1)
    assert seat_services.own_places_by_month(own.id, [this_month]) == [(this_month, 3)]
    login_as(client, coordinator)
    page = text(client.get("/seats/report"))
    assert "Places in your own classes" in page
