"""Class pages through the test client: publishing, booking, calendars, attendance, free time."""

from __future__ import annotations

import re
from datetime import date, time, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from scheduling import availability as free_time
from tests.conftest import backdate_bookings, login_as
from webapp.accounts.models import Role, User
from webapp.classes import services
from webapp.classes.models import (
    Attendance,
    AttendanceMark,
    Booking,
    BookingStatus,
    ClassSeries,
    Modality,
)
from webapp.clock import oslo_today
from webapp.db_types import utcnow
from webapp.extensions import db
from webapp.learners.levels import Level
from webapp.organisations.models import Organisation, OrganisationKind

LINK = "https://meet.example.org/secret-room"


@pytest.fixture
def provider(factory):
    return factory.organisation(OrganisationKind.PROVIDER, "Kveldsskolen")


@pytest.fixture
def teacher(factory, provider):
    return factory.user(Role.TEACHER, provider, name="Kari Lærer")


def publish(teacher, **changes) -> ClassSeries:
    first = oslo_today() + timedelta(days=7)
    values = {
        "title": "Norsk A2 kveld",
        "description": "Vi snakker om jobben.",
        "level": Level.A2,
        "track": None,
        "modality": Modality.ONLINE,
        "address": "",
        "meeting_link": LINK,
        "capacity": 10,
        "teacher_id": teacher.id,
        "weekdays": frozenset({first.weekday()}),
        "start_local": time(18),
        "end_local": time(20),
        "first_date": first,
        "last_date": first + timedelta(days=21),
        "extra_dates": frozenset(),
        "cancelled_dates": frozenset(),
        "drop_in_allowed": True,
        "seat_price_nok": 0,  # free: these journeys need no payer (see test_payers.py)
    }
    values.update(changes)
    series = services.create_series(teacher, services.SeriesInput(**values))
    db.session.commit()
    return series


def form_data(**changes) -> dict:
    data = {
        "title": "Tirsdag og torsdag",
        "description": "",
        "level": "A2",
        "track": "",
        "modality": "online",
        "address": "",
        "meeting_link": LINK,
        "capacity": "12",
        "teacher": "",
        "seat_price_nok": "0",
        "weekdays": ["1", "3"],
        "start_local": "18:00",
        "end_local": "20:00",
        "first_date": "2030-04-09",
        "last_date": "2030-04-25",
        "extra_dates": "",
        "cancelled_dates": "",
    }
    data.update(changes)
    return data


def test_the_series_form_previews_sessions_with_the_holiday_skipped(client, teacher):
    login_as(client, teacher)
    response = client.post("/classes/new", data={**form_data(), "preview": "1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Skjærtorsdag" in page  # 18 April 2030
    assert page.count("18:00–20:00") == 5  # 9, 11, 16, 23 and 25 April; not 18 April
    assert db.session.scalar(select(ClassSeries.id)) is None  # a preview saves nothing


def test_publishing_a_series_and_seeing_it_listed(client, teacher):
    login_as(client, teacher)
    response = client.post("/classes/new", data={**form_data(), "save": "1"})
    assert response.status_code == 302
    series = db.session.scalar(select(ClassSeries))
    assert series.provider_id == teacher.organisation_id
    assert [s.local_date for s in series.sessions] == [
        date(2030, 4, 9),
        date(2030, 4, 11),
        date(2030, 4, 16),
        date(2030, 4, 23),
        date(2030, 4, 25),
    ]
    listing = client.get("/classes?past=1").get_data(as_text=True)
    assert "Tirsdag og torsdag" in listing


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"end_local": "17:00"}, "The class must end after it starts."),
        ({"meeting_link": ""}, "Give the link learners use to join."),
        ({"meeting_link": "http://insecure.example"}, "The link must start with https://."),
        ({"modality": "in_person", "meeting_link": ""}, "Give the address where the class meets."),
        ({"weekdays": []}, "Choose at least one weekday."),
        ({"last_date": "2030-04-01"}, "The last date cannot be before the first."),
        ({"capacity": "0"}, "A class has 1 to 500 places."),
        (
            {"extra_dates": "30.04.2030"},
            "One of the dates is not a date. Choose it in the calendar.",
        ),
        ({"last_date": "2033-04-01"}, "A series can last at most two years."),
    ],
)
def test_bad_series_input_is_refused_and_nothing_is_lost(client, teacher, changes, message):
    login_as(client, teacher)
    client.post("/language", data={"locale": "en"})
    response = client.post("/classes/new", data={**form_data(**changes), "save": "1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page
    assert 'value="Tirsdag og torsdag"' in page  # what was typed is kept
    assert db.session.scalar(select(ClassSeries.id)) is None


def test_a_learner_books_sees_the_link_and_cancels(client, factory, teacher):
    series = publish(teacher)
    learner = factory.learner()
    login_as(client, learner)
    before = client.get(f"/classes/{series.id}").get_data(as_text=True)
    assert LINK not in before
    assert client.post(f"/classes/{series.id}/book").status_code == 302
    booking = db.session.scalar(select(Booking))
    assert booking.status is BookingStatus.CONFIRMED
    after = client.get(f"/classes/{series.id}").get_data(as_text=True)
    assert LINK in after
    assert "Norsk A2 kveld" in client.get("/classes").get_data(as_text=True)
    assert client.post(f"/bookings/{booking.id}/cancel").status_code == 302
    db.session.refresh(booking)
    assert booking.status is BookingStatus.CANCELLED


def test_a_learner_cannot_cancel_someone_elses_booking(client, factory, teacher):
    series = publish(teacher)
    owner, other = factory.learner(), factory.learner()
    booking = services.book_series(owner, series)
    db.session.commit()
    login_as(client, other)
    assert client.post(f"/bookings/{booking.id}/cancel").status_code == 404
    db.session.refresh(booking)
    assert booking.status is BookingStatus.CONFIRMED


def test_a_refused_booking_explains_why(client, factory, teacher):
    series = publish(teacher)
    clash = publish(teacher, title="Samme tid", start_local=time(19), end_local=time(21))
    learner = factory.learner(locale="en")
    services.book_series(learner, series)
    db.session.commit()
    login_as(client, learner)
    response = client.post(f"/classes/{clash.id}/book", follow_redirects=True)
    assert "You have booked another class at the same time." in response.get_data(as_text=True)


def _parse(body: bytes) -> Calendar:
    return Calendar.from_ical(body)


def test_the_calendar_feed_is_valid_stable_and_secret(client, factory, teacher):
    series = publish(teacher)
    learner = factory.learner()
    services.book_series(learner, series)
    db.session.commit()
    login_as(client, learner)
    assert client.post("/calendar/renew").status_code == 302
    page = client.get("/calendar").get_data(as_text=True)
    token = page.split("/calendar/")[1].split(".ics")[0]
    anonymous = client.application.test_client()
    first = anonymous.get(f"/calendar/{token}.ics")
    assert first.status_code == 200
    assert first.mimetype == "text/calendar"
    calendar = _parse(first.data)
    [zone] = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Europe/Oslo"
    events = calendar.walk("VEVENT")
    assert len(events) == len(series.sessions)
    assert all(LINK in str(event["DESCRIPTION"]) for event in events)
    assert all(event["DTSTART"].dt.tzinfo is not None for event in events)
    assert {event["DTSTART"].dt.hour for event in events} == {18}  # local Oslo time
    uids = [str(event["UID"]) for event in events]
    assert len(set(uids)) == len(uids)
    # A cancelled session stays with STATUS:CANCELLED and the same UID.
    services.cancel_session(teacher, series.sessions[0])
    db.session.commit()
    again = _parse(anonymous.get(f"/calendar/{token}.ics").data).walk("VEVENT")
    assert [str(event["UID"]) for event in again] == uids
    assert str(again[0]["STATUS"]) == "CANCELLED"
    assert int(again[0]["SEQUENCE"]) == 1
    # Renewing the address revokes the old one.
    client.post("/calendar/renew")
    assert anonymous.get(f"/calendar/{token}.ics").status_code == 404


def test_the_series_download_has_the_link_only_for_booked_learners(client, factory, teacher):
    series = publish(teacher)
    booked, curious = factory.learner(), factory.learner()
    services.book_series(booked, series)
    db.session.commit()
    login_as(client, curious)
    body = client.get(f"/classes/{series.id}/calendar.ics").data
    assert LINK.encode() not in body
    assert len(_parse(body).walk("VEVENT")) == len(series.sessions)
    login_as(client, booked)
    assert LINK.encode() in client.get(f"/classes/{series.id}/calendar.ics").data


def test_the_teacher_takes_attendance_and_it_counts_as_study_time(client, factory, teacher):
    today = oslo_today()
    series = publish(
        teacher,
        weekdays=frozenset(range(7)),
        first_date=today - timedelta(days=2),
        last_date=today + timedelta(days=2),
    )
    learner = factory.learner(email="ola@example.org")
    services.book_series(learner, series, now=utcnow() - timedelta(days=3))
    db.session.commit()
    backdate_bookings(series.id)
    session = series.sessions[0]
    login_as(client, teacher)
    url = f"/classes/{series.id}/sessions/{session.id}/attendance"
    page = client.get(url).get_data(as_text=True)
    assert learner.name in page
    assert client.post(url, data={f"mark-{learner.id}": "present"}).status_code == 302
    row = db.session.get(Attendance, (session.id, learner.id))
    assert row.mark is AttendanceMark.PRESENT
    from webapp.studytime.services import hours_between

    assert hours_between(learner.id, session.local_date, session.local_date) == 2.0


def test_free_time_is_saved_and_classes_are_ranked_by_it(client, factory, teacher):
    first = oslo_today() + timedelta(days=7)
    publish(teacher, title="Morgen", start_local=time(9), end_local=time(11))
    publish(teacher, title="Kveld", start_local=time(18), end_local=time(20))
    learner = factory.learner(locale="en")
    login_as(client, learner)
    assert "Tell us when you are free" in client.get("/classes").get_data(as_text=True)
    ticked = [f"0-{first.weekday()}-{hour}" for hour in (18, 19)]
    response = client.post(
        "/my/free-time",
        data={"cycle_weeks": "1", "cycle_start": first.isoformat(), "free": ticked},
    )
    assert response.status_code == 302
    page = client.get("/classes?level=A2").get_data(as_text=True)
    assert page.index("Kveld") < page.index("Morgen")
    assert "Fits your free time" in page
    stored = services.availability_of(learner)
    assert free_time.cells_of(stored) == {(0, first.weekday(), 18), (0, first.weekday(), 19)}
    grid = client.get("/my/free-time").get_data(as_text=True)
    assert grid.count("checked") == 2


@pytest.mark.parametrize("weeks", ["2147483648", "5000", "-3", "0"])
def test_an_invalid_rota_length_is_refused_without_drawing_a_huge_grid(client, factory, weeks):
    """A learner once posted cycle_weeks=2147483648; the grid was drawn for that many weeks."""
    learner = factory.learner(locale="en")
    login_as(client, learner)
    response = client.post(
        "/my/free-time",
        data={"cycle_weeks": weeks, "cycle_start": oslo_today().isoformat(), "free": ["0-1-18"]},
    )
    assert response.status_code == 400
    assert len(response.data) < 120_000  # at most a four-week grid
    assert services.availability_of(learner) is None
    assert client.get(f"/my/free-time?weeks={weeks}").status_code == 200


def test_saving_attendance_costs_the_same_statements_for_4_and_40_learners(
    client, factory, teacher
):
    """Marks and study time are written set-based: no statements per learner on the roster."""
    from sqlalchemy import event

    from webapp.studytime.services import hours_between

    today = oslo_today()

    def roster_of(count: int):
        series = publish(
            teacher,
            capacity=50,
            weekdays=frozenset(range(7)),
            first_date=today - timedelta(days=2),
            last_date=today + timedelta(days=2),
        )
        learners = [factory.learner() for _ in range(count)]
        for learner in learners:
            services.book_series(learner, series, now=utcnow() - timedelta(days=3))
        db.session.commit()
        backdate_bookings(series.id)
        session = series.sessions[0]
        url = f"/classes/{series.id}/sessions/{session.id}/attendance"
        return url, [learner.id for learner in learners], session.local_date

    def save(url: str, learner_ids: list[int], _day, mark: str) -> int:
        seen: list[str] = []
        db.session.remove()
        record = lambda *_args: seen.append("")  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", record)
        try:
            response = client.post(url, data={f"mark-{n}": mark for n in learner_ids})
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        assert response.status_code == 302
        return len(seen)

    login_as(client, teacher)
    small = roster_of(4)
    large = roster_of(40)
    assert save(*small, "present") == save(*large, "present")  # first marks: inserts
    assert save(*small, "absent") == save(*large, "absent")  # corrections: updates
    url, learner_ids, day = large
    assert hours_between(learner_ids[0], day, day) == 0.0
    save(url, learner_ids, day, "present")
    assert hours_between(learner_ids[-1], day, day) == 2.0


def _free_learner(factory, home, level: Level, cells):
    """A learner living in ``home`` at ``level``, free in the (week, weekday, hour) ``cells``."""
    learner = factory.learner(home=home)
    learner.learner_profile.current_level = level
    services.save_availability(learner, free_time.from_cells(oslo_today(), 1, cells))
    return learner


# Tuesday and Thursday, 18:00-20:00, in a one-week rota.
TUE_THU_EVENINGS = [(0, day, hour) for day in (1, 3) for hour in range(18, 20)]


def _demand_page(client, locale: str) -> str:
    client.post("/language", data={"locale": locale})
    return client.get("/classes/demand?level=A2").get_data(as_text=True)


def test_the_demand_view_shows_counts_and_never_names(client, factory, teacher):
    home = factory.organisation(OrganisationKind.MUNICIPALITY, "Rollag")
    for number in range(5):
        learner = _free_learner(factory, home, Level.A2, TUE_THU_EVENINGS)
        learner.name = f"Hemmelig Navn {number}"
    db.session.commit()
    login_as(client, teacher)
    page = _demand_page(client, "en")
    assert "A group at level A2 on Tuesday and Thursday, 18:00–20:00, would fill 5 places." in page
    assert "Rollag: 5" in page
    assert "Hemmelig" not in page


def test_a_demand_card_names_the_ten_biggest_municipalities_and_sums_the_rest(
    client, factory, teacher
):
    for number in range(13):  # municipality 0 has 13 learners free, 1 has 12, ..., 12 has 1
        home = factory.organisation(OrganisationKind.MUNICIPALITY, f"Kommune {number:02d}")
        for _ in range(13 - number):
            _free_learner(factory, home, Level.A2, TUE_THU_EVENINGS)
    db.session.commit()
    login_as(client, teacher)
    page = _demand_page(client, "en")
    assert "Kommune 00: 13" in page
    assert "Kommune 09: 4" in page
    assert "Kommune 10:" not in page
    assert "1 more municipality: 3" in page  # Kommune 10; 11 and 12 have fewer than 3
    assert "2 municipalities with fewer than 3 learners each, not counted above" in page
    assert "would fill 88 places" in page  # 13 + 12 + ... + 3, never the 2 and the 1
    assert "ещё 1 коммуна: 3" in _demand_page(client, "ru")


def test_no_subtraction_recovers_a_count_below_three(client, factory, teacher):
    big = factory.organisation(OrganisationKind.MUNICIPALITY, "Drammen")
    tiny = factory.organisation(OrganisationKind.MUNICIPALITY, "Rollag")
    for home in (big, big, big, big, big, tiny, tiny):
        _free_learner(factory, home, Level.A2, TUE_THU_EVENINGS)
    db.session.commit()
    login_as(client, teacher)
    page = _demand_page(client, "en")
    numbers = {int(n) for n in re.findall(r"(?<![\d:])(\d+)(?= places| learners?\b|</li>)", page)}
    assert "would fill 5 places" in page  # Drammen's five; Rollag's two are not added
    assert "Drammen: 5" in page
    assert "1 municipality with fewer than 3 learners, not counted above" in page
    assert "Rollag:" not in page
    assert 7 not in numbers
    alone = client.get(f"/classes/demand?level=A2&municipality={tiny.id}").get_data(as_text=True)
    assert "fewer than 3 learners" in alone
    assert "would fill" not in alone


def test_a_cancelled_session_is_shown_and_the_learner_told(client, factory, teacher):
    series = publish(teacher)
    learner = factory.learner()
    services.book_series(learner, series)
    db.session.commit()
    login_as(client, teacher)
    session = series.sessions[1]
    response = client.post(f"/classes/{series.id}/sessions/{session.id}/cancel")
    assert response.status_code == 302
    from webapp.mail.models import OutboxMessage

    [message] = db.session.scalars(select(OutboxMessage)).all()
    assert message.to_address == learner.email
    assert "Norsk A2 kveld" in message.body_text


def test_a_coordinator_sees_the_demand_of_their_own_municipality_only(client, factory):
    own = factory.organisation(OrganisationKind.MUNICIPALITY, "Flesberg")
    other = factory.organisation(OrganisationKind.MUNICIPALITY, "Nore og Uvdal")
    for home in (own, other, other, other):
        _free_learner(factory, home, Level.A1, [(0, 5, hour) for hour in range(10, 14)])
    db.session.commit()
    coordinator = factory.user(Role.COORDINATOR, own)
    login_as(client, coordinator)
    client.post("/language", data={"locale": "en"})
    page = client.get(f"/classes/demand?municipality={other.id}").get_data(as_text=True)
    assert "Nore og Uvdal" not in page
    assert "fewer than 3 learners" in page  # only the one Flesberg learner is counted


@pytest.mark.parametrize("municipality", ["99999999999", "9223372036854775808", "1" + "0" * 30])
def test_a_municipality_number_too_large_for_the_database_means_all(
    client, factory, teacher, municipality
):
    home = factory.organisation(OrganisationKind.MUNICIPALITY, "Rollag")
    for _number in range(5):
        _free_learner(factory, home, Level.A2, TUE_THU_EVENINGS)
    db.session.commit()
    login_as(client, teacher)
    client.post("/language", data={"locale": "en"})
    response = client.get(f"/classes/demand?level=A2&municipality={municipality}")
    assert response.status_code == 200
    assert "Rollag: 5" in response.get_data(as_text=True)


def _statements_for(client, url: str) -> tuple[int, str]:
    from sqlalchemy import event

    seen: list[str] = []

    def record(*_args) -> None:
        seen.append("")

    db.session.remove()  # a fresh request: nothing loaded yet
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code == 200
    return len(seen), response.get_data(as_text=True)


def test_classes_that_fit_are_paginated_with_a_constant_number_of_statements(client, factory):
    teacher_ids = []
    for n in range(22):  # each series from its own provider
        provider = factory.organisation(OrganisationKind.PROVIDER, name=f"Skole {n:02d}")
        teacher_ids.append(factory.user(Role.TEACHER, provider).id)
    learner_id = factory.learner(locale="nb").id
    login_as(client, db.session.get(User, learner_id))

    def publish_and_book(n: int, book: bool) -> None:
        start = 8 + 2 * (n % 6)  # the booked ones do not overlap
        series = publish(
            db.session.get(User, teacher_ids[n]),
            title=f"Kurs {n:02d}",
            start_local=time(start),
            end_local=time(start + 2),
        )
        if book:
            services.book_series(db.session.get(User, learner_id), series)
            db.session.commit()

    for n in range(2):
        publish_and_book(n, book=n == 0)
    few, page = _statements_for(client, "/classes?level=")
    assert "Kurs 00" in page
    for n in range(2, 22):
        publish_and_book(n, book=n < 5)  # three more bookings: no statement per booking
    many, first = _statements_for(client, "/classes?level=")
    assert many == few, "no statement per series or provider"
    _more, second = _statements_for(client, "/classes?level=&page=2")
    listed = re.compile(r'<h2><a href="[^"]+">Kurs (\d\d)</a></h2>')  # not "My classes"
    shown = {int(n) for n in listed.findall(first)}
    rest = {int(n) for n in listed.findall(second)}
    assert len(shown) == 20
    assert shown | rest == set(range(22))
    assert not shown & rest
    assert "Skole 21" in first + second


def test_a_series_page_lists_its_bookings_with_a_constant_number_of_statements(
    client, factory, teacher
):
    series_id = publish(teacher, capacity=40).id
    teacher_id = teacher.id
    home_id = factory.organisation(OrganisationKind.MUNICIPALITY, "Flesberg").id
    coordinator_id = factory.user(Role.COORDINATOR, db.session.get(Organisation, home_id)).id

    def book(count: int, at_home: bool) -> None:
        series = db.session.get(ClassSeries, series_id)
        for _ in range(count):
            home = db.session.get(Organisation, home_id) if at_home else None
            services.book_series(factory.learner(home=home), series)
        db.session.commit()

    def visit(user_id: int) -> tuple[int, int]:
        login_as(client, db.session.get(User, user_id))
        statements, page = _statements_for(client, f"/classes/{series_id}")
        return statements, page.count("<td>Learner ")

    book(2, at_home=True)
    book(1, at_home=False)  # another municipality's learner
    few, listed = visit(teacher_id)
    assert listed == 3
    few_coordinator, listed = visit(coordinator_id)
    assert listed == 2, "a coordinator sees only their own municipality's learners"
    book(20, at_home=True)
    book(10, at_home=False)
    assert visit(teacher_id) == (few, 33)
    assert visit(coordinator_id) == (few_coordinator, 22)


def test_the_staff_class_list_costs_the_same_statements_for_2_and_12_teachers(
    client, factory, teacher, provider
):
    def publish_for_new_teachers(count: int) -> None:
        for _ in range(count):
            publish(factory.user(Role.TEACHER, provider))

    def visit() -> tuple[int, str]:
        login_as(client, db.session.get(User, teacher_id))
        return _statements_for(client, "/classes")

    teacher_id = teacher.id
    publish_for_new_teachers(2)
    few, page = visit()
    assert page.count("Norsk A2 kveld") == 2
    publish_for_new_teachers(10)
    many, page = visit()
    assert page.count("Norsk A2 kveld") == 12
    assert many == few


def test_extra_dates_are_chosen_with_date_pickers_and_checked_on_the_server(client, teacher):
    login_as(client, teacher)
    form = client.get("/classes/new").get_data(as_text=True)
    assert form.count('name="extra_dates" type="date"') >= 3
    assert "YYYY" not in form
    assert "ÅÅÅÅ" not in form
    # One picker left blank, two filled: both dates are read.
    picked = ["", "2030-05-02", "2030-05-07"]
    response = client.post("/classes/new", data={**form_data(extra_dates=picked), "preview": "1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.count("18:00–20:00") == 7
    assert 'value="2030-05-02"' in page
    assert 'value="2030-05-07"' in page
    # A bad value in any picker, not only the first, is refused.
    for bad in (["", "2030-02-30"], ["", "0001-01-01"]):
        response = client.post("/classes/new", data={**form_data(extra_dates=bad), "save": "1"})
        assert response.status_code == 400
    assert db.session.scalar(select(ClassSeries.id)) is None


def test_errors_are_summarised_at_the_top_with_links_to_the_fields(client, teacher):
    login_as(client, teacher)
    data = form_data(title="", capacity="0")
    page = client.post("/classes/new", data={**data, "save": "1"}).get_data(as_text=True)
    summary = page.index('class="error-summary"')
    assert summary < page.index('id="title"')  # above the first field
    assert 'tabindex="-1" autofocus' in page[summary : summary + 200]
    assert page.index('href="#title"') > summary
    assert page.index('href="#capacity"') > summary


def test_the_attendance_page_of_a_past_session_leaves_out_a_later_booking(client, factory, teacher):
    today = oslo_today()
    series = publish(
        teacher,
        weekdays=frozenset(range(7)),
        first_date=today - timedelta(days=2),
        last_date=today + timedelta(days=2),
    )
    session = series.sessions[0]
    early = factory.learner(name="Booket i tide")
    services.book_series(early, series, now=session.starts_at - timedelta(hours=1))
    late = factory.learner(name="Booket etterpå")
    services.book_series(late, series)  # after the first session ended
    db.session.commit()
    login_as(client, teacher)
    page = client.get(f"/classes/{series.id}/sessions/{session.id}/attendance").text
    assert "Booket i tide" in page
    assert "Booket etterpå" not in page
    refused = client.post(
        f"/classes/{series.id}/sessions/{session.id}/attendance",
        data={f"mark-{late.id}": "present"},
    )
    assert refused.status_code == 302  # marks are read only for the learners on the list
    assert db.session.get(Attendance, (session.id, late.id)) is None
