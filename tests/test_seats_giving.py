"""Seats given by name: search within the municipality, suggestions that fit, several at once."""

from __future__ import annotations

import re
from datetime import date, time, timedelta

import pytest
from sqlalchemy import func, select

from scheduling import availability as free_time
from tests.conftest import login_as
from webapp.accounts.models import Role
from webapp.classes import services as class_services
from webapp.classes.models import Booking, BookingStatus, Modality
from webapp.clock import oslo_today
from webapp.entitlement.services import ensure_entitlement, set_start
from webapp.extensions import db
from webapp.learners.levels import Level
from webapp.organisations.models import OrganisationKind
from webapp.seats import giving, services
from webapp.seats.models import OfferingKind, SeatAssignment

# Pure rules ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("1987-03-14", date(1987, 3, 14)),
        ("14.03.1987", date(1987, 3, 14)),
        ("4.3.1987", date(1987, 3, 4)),
        (" 14.03.1987 ", date(1987, 3, 14)),
        ("31.02.1987", None),
        ("1987-02-31", None),
        ("Olena", None),
        ("14.03.87", None),
        ("", None),
    ],
)
def test_a_search_names_a_birth_date_in_either_way_of_writing_it(query, expected):
    assert giving.birth_date_in(query) == expected


def test_a_search_for_percent_or_underscore_finds_them_literally():
    assert giving.like_pattern(" 50%_Off ") == "%50\\%\\_off%"


def test_urgency_puts_the_nearest_deadline_first_and_none_last():
    people = [
        (None, "Anna", 1),
        (date(2027, 1, 1), "Bo", 2),
        (date(2026, 6, 1), "Cato", 3),
    ]
    assert [p[1] for p in sorted(people, key=lambda p: giving.urgency(*p))] == [
        "Cato",
        "Bo",
        "Anna",
    ]


def test_the_deadline_fits_while_the_right_runs():
    today = date(2026, 12, 7)
    assert giving.deadline_fits(None, None, today)
    assert giving.deadline_fits(today, True, today)
    assert not giving.deadline_fits(today - timedelta(days=1), True, today)
    assert not giving.deadline_fits(None, False, today)


TODAY = oslo_today()

# Pages --------------------------------------------------------------------------------------------


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
def neighbour(factory):
    return factory.organisation(OrganisationKind.MUNICIPALITY, "Rollag")


@pytest.fixture
def coordinator(factory, municipality):
    return factory.user(Role.COORDINATOR, municipality)


def evening_class(factory, provider):
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
            capacity=10,
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


def accepted_order(seller, coordinator, seats: int, series=None):
    offering = services.create_offering(
        seller,
        services.OfferingInput(
            kind=OfferingKind.CLASS_SEAT if series else OfferingKind.LICENCE,
            title="Plasser på kveldskurs" if series else "Selvstudium",
            description="",
            series_id=series.id if series else None,
            months=None if series else 6,
            price_nok=2500,
            seats_for_sale=seats,
        ),
    )
    order = services.place_order(
        coordinator, offering, seats, oslo_today(), oslo_today() + timedelta(days=90)
    )
    services.decide_order(seller, order, accept=True)
    db.session.commit()
    return order


def learner(factory, home, name, *, level=Level.A2, settled=None, free=None, **kw):
    """A learner of ``home`` at ``level`` whose right to training runs from ``settled``, free
    on ``free`` = (weekday, first hour, last hour) every week."""
    settled = settled or oslo_today() - timedelta(days=200)  # a one-year right, half used
    user = factory.learner(home=home, name=name, settlement_date=settled, **kw)
    user.learner_profile.current_level = level
    ensure_entitlement(user)
    set_start(None, user, settled, settled, "")  # the right to training runs from settling
    if free is not None:
        weekday, first, last = free
        cells = [(0, weekday, hour) for hour in range(first, last)]
        monday = oslo_today() - timedelta(days=oslo_today().weekday())
        class_services.save_availability(user, free_time.from_cells(monday, 1, cells))
    db.session.commit()
    return user


def test_the_search_finds_by_name_birth_date_or_email_only_in_the_municipality(
    client, factory, seller, coordinator, municipality, neighbour
):
    order = accepted_order(seller, coordinator, 2)
    aleksei = learner(
        factory,
        municipality,
        "Aleksei Melnyk",
        email="aleksei.melnyk.58@example.org",
        birth_date=date(1958, 4, 2),
    )
    learner(factory, municipality, "Iryna Bondar", birth_date=date(1990, 1, 1))
    elsewhere = learner(
        factory,
        neighbour,
        "Aleksei Melnyk",
        email="aleksei.m@example.org",
        birth_date=date(1958, 4, 2),
    )
    login_as(client, coordinator)
    url = f"/seats/orders/{order.id}"
    for query in ("melnyk", "ALEKSEI", "02.04.1958", "1958-04-02", "melnyk.58@example"):
        page = client.get(url, query_string={"q": query}).get_data(as_text=True)
        assert f'value="{aleksei.id}"' in page, query
        assert f'value="{elsewhere.id}"' not in page, query
        assert "aleksei.m@example.org" not in page, query
        assert "Iryna Bondar" not in page.split("<h2>")[1], query  # not among the results


def test_the_search_is_paginated(client, factory, seller, coordinator, municipality):
    order = accepted_order(seller, coordinator, 1)
    olenas = [factory.learner(home=municipality, name=f"Olena Test {n:02d}") for n in range(23)]
    login_as(client, coordinator)

    def found(page: int) -> list[int]:
        html = client.get(f"/seats/orders/{order.id}?q=olena&page={page}").get_data(as_text=True)
        return [int(n) for n in re.findall(r'id="found-(\d+)"', html)]

    assert found(1) == [learner.id for learner in olenas[:20]]
    assert found(2) == [learner.id for learner in olenas[20:]]


def test_suggestions_fit_level_free_time_and_deadline_most_urgent_first(
    factory, seller, coordinator, municipality, neighbour, provider
):
    series = evening_class(factory, provider)
    order = accepted_order(seller, coordinator, 3, series)
    weekday = series.first_date.weekday()
    evenings = (weekday, 17, 21)
    later = learner(
        factory, municipality, "Later frist", settled=TODAY - timedelta(days=100), free=evenings
    )
    urgent = learner(
        factory, municipality, "Snart frist", settled=TODAY - timedelta(days=300), free=evenings
    )
    learner(factory, municipality, "Feil nivå", level=Level.B1, free=evenings)
    learner(factory, municipality, "Uten fritid")
    learner(factory, municipality, "Jobber kveld", free=(weekday, 8, 16))
    learner(factory, municipality, "Utløpt", settled=TODAY - timedelta(days=800), free=evenings)
    learner(factory, neighbour, "Nabokommune", free=evenings)
    booked = learner(factory, municipality, "Allerede påmeldt", free=evenings)
    class_services.book_series(booked, series)
    db.session.commit()
    suggested = giving.suggested_learners(coordinator, order)
    assert [c.learner.id for c in suggested] == [urgent.id, later.id]
    assert suggested[0].last_day < suggested[1].last_day


def test_several_seats_are_given_at_once_and_all_or_none(
    client, factory, seller, coordinator, municipality, neighbour, provider
):
    series = evening_class(factory, provider)
    order = accepted_order(seller, coordinator, 2, series)
    ada, bo, cato = (learner(factory, municipality, name) for name in ("Ada", "Bo", "Cato"))
    stranger = learner(factory, neighbour, "Dina")
    login_as(client, coordinator)
    client.post("/language", data={"locale": "en"})
    url = f"/seats/orders/{order.id}/give"

    def given() -> int:
        return db.session.scalar(select(func.count(SeatAssignment.id)))

    too_many = client.post(url, data={"learner": [ada.id, bo.id, cato.id]})
    assert too_many.status_code == 400
    assert "more learners than there are free seats" in too_many.get_data(as_text=True)
    outsider = client.post(url, data={"learner": [ada.id, stranger.id]})
    assert outsider.status_code == 400
    assert "does not live in your municipality" in outsider.get_data(as_text=True)
    assert client.post(url, data={}).status_code == 400
    assert given() == 0
    both = client.post(url, data={"learner": [ada.id, bo.id]})
    assert both.status_code == 302
    assert given() == 2
    bookings = db.session.scalars(select(Booking).where(Booking.series_id == series.id)).all()
    assert {b.learner_id for b in bookings} == {ada.id, bo.id}
    assert all(b.status is BookingStatus.CONFIRMED for b in bookings)
    assert "Ada" in client.get("/seats").get_data(as_text=True)


def test_another_municipalitys_order_page_is_not_found(
    client, factory, seller, coordinator, municipality
):
    order = accepted_order(seller, coordinator, 1)
    other = factory.user(Role.COORDINATOR)
    ada = learner(factory, municipality, "Ada")
    login_as(client, other)
    assert client.get(f"/seats/orders/{order.id}?q=ada").status_code == 404
    assert (
        client.post(f"/seats/orders/{order.id}/give", data={"learner": ada.id}).status_code == 404
    )
    assert db.session.scalar(select(func.count(SeatAssignment.id))) == 0


def test_learners_ticked_before_a_search_stay_ticked(
    client, factory, seller, coordinator, municipality, neighbour
):
    order = accepted_order(seller, coordinator, 2)
    ada = learner(factory, municipality, "Ada Lovelace")
    learner(factory, municipality, "Bo Berg")
    stranger = learner(factory, neighbour, "Cato Nabo")
    login_as(client, coordinator)
    searched = client.post(
        f"/seats/orders/{order.id}/give",
        data={"q": "berg", "learner": [ada.id, stranger.id], "search": "1"},
    )
    assert searched.status_code == 302
    assert "csrf" not in searched.headers["Location"]
    page = client.get(searched.headers["Location"]).get_data(as_text=True)
    assert f'id="chosen-{ada.id}" checked' in page
    assert "Cato Nabo" not in page  # ticked by a forged form, but not the coordinator's to see
    assert re.search(r'<label for="found-\d+">Bo Berg</label>', page)
    assert db.session.scalar(select(func.count(SeatAssignment.id))) == 0
