"""Classes that fit me: which series a learner is offered, the counting done by the database,
the statements per page at two sizes, and changes that show at once."""

from __future__ import annotations

import random
import re
from datetime import date, time, timedelta

import pytest
from sqlalchemy import event, select

from scheduling import availability as free_time
from tests.conftest import login_as
from webapp.accounts.models import Role, User
from webapp.classes import fit, services
from webapp.classes.models import ClassSeries, Modality, SessionStatus
from webapp.clock import oslo_today
from webapp.db_types import utcnow
from webapp.extensions import db
from webapp.learners.levels import Level
from webapp.organisations.models import Organisation, OrganisationKind
from webapp.pages.listing import cut_page
from webapp.seats.models import Offering, OfferingKind, OrderStatus, SeatOrder

EN = {"Accept-Language": "en"}
EVENINGS = [(0, day, hour) for day in range(7) for hour in range(17, 22)]


def organisation(name: str, kind: OrganisationKind, number: str | None = None) -> Organisation:
    org = Organisation(name=name, kind=kind, municipality_number=number)
    db.session.add(org)
    db.session.commit()
    return org


def publish(teacher: User, title: str, modality=Modality.IN_PERSON, **changes):
    first = changes.pop("first", oslo_today() + timedelta(days=7))
    values = {
        "title": title,
        "description": "",
        "level": Level.A2,
        "track": None,
        "modality": modality,
        "address": "" if modality is Modality.ONLINE else "Storgata 1",
        "meeting_link": "" if modality is Modality.IN_PERSON else "https://meet.example.org/x",
        "capacity": 10,
        "teacher_id": teacher.id,
        "weekdays": frozenset({first.weekday()}),
        "start_local": time(18),
        "end_local": time(20),
        "first_date": first,
        "last_date": first + timedelta(days=21),
        "extra_dates": frozenset(),
        "cancelled_dates": frozenset(),
        "drop_in_allowed": False,
        "seat_price_nok": 0,
    }
    values.update(changes)
    series = services.create_series(teacher, services.SeriesInput(**values))
    db.session.commit()
    return series


def offered(learner: User, level: str = "", modality: str = "") -> list[str]:
    return sorted(r.series.title for r in fit.classes_for_learner(learner, level, modality))


def sell(provider: Organisation, series, buyer: Organisation, status, last_day: date) -> None:
    offering = Offering(
        provider_id=provider.id,
        kind=OfferingKind.CLASS_SEAT,
        series_id=series.id,
        title=f"Plass: {series.title}",
        price_nok=1000,
        seats_for_sale=5,
    )
    db.session.add(offering)
    db.session.flush()
    db.session.add(
        SeatOrder(
            offering_id=offering.id,
            municipality_id=buyer.id,
            seats=1,
            unit_price_nok=1000,
            first_day=oslo_today() - timedelta(days=30),
            last_day=last_day,
            status=status,
        )
    )
    db.session.commit()


def test_in_person_classes_come_from_providers_within_reach_and_online_from_anywhere(factory):
    # Buskerud (33) is the learner's county; Agder (46) is not.
    home = organisation("Drammen kommune", OrganisationKind.BOTH, "3301")
    neighbour = organisation("Flesberg kommune", OrganisationKind.MUNICIPALITY, "3334")
    centre = organisation("Kongsberg voksenopplæring", OrganisationKind.BOTH, "3303")
    far_centre = organisation("Kristiansand kommune", OrganisationKind.BOTH, "4204")
    far_town = organisation("Arendal kommune", OrganisationKind.MUNICIPALITY, "4203")
    school = factory.organisation(OrganisationKind.PROVIDER, "Min skole")
    seller = factory.organisation(OrganisationKind.PROVIDER, "Selger i fylket")
    asking = factory.organisation(OrganisationKind.PROVIDER, "Tilbud venter på svar")
    far_seller = factory.organisation(OrganisationKind.PROVIDER, "Selger langt unna")
    ended = factory.organisation(OrganisationKind.PROVIDER, "Avsluttet salg")
    declined = factory.organisation(OrganisationKind.PROVIDER, "Avslått salg")
    stranger = factory.organisation(OrganisationKind.PROVIDER, "Ukjent skole")
    teachers = {
        org.name: factory.user(Role.TEACHER, org)
        for org in (home, centre, far_centre, school, seller, asking, far_seller)
        + (ended, declined, stranger)
    }
    for name in teachers:
        publish(teachers[name], f"{name}: oppmøte")
    publish(teachers["Kristiansand kommune"], "Kristiansand kommune: hybrid", Modality.HYBRID)
    publish(teachers["Ukjent skole"], "Ukjent skole: hybrid", Modality.HYBRID)
    publish(teachers["Kristiansand kommune"], "Kristiansand kommune: nett", Modality.ONLINE)
    publish(teachers["Ukjent skole"], "Ukjent skole: nett", Modality.ONLINE)
    later = oslo_today() + timedelta(days=60)
    sold = {
        "Selger i fylket": (neighbour, OrderStatus.ACCEPTED, later),
        "Tilbud venter på svar": (neighbour, OrderStatus.PENDING, later),
        "Selger langt unna": (far_town, OrderStatus.ACCEPTED, later),
        "Avsluttet salg": (neighbour, OrderStatus.ACCEPTED, oslo_today() - timedelta(days=1)),
        "Avslått salg": (neighbour, OrderStatus.DECLINED, later),
    }
    for name, (buyer, status, last_day) in sold.items():
        provider = db.session.get(Organisation, teachers[name].organisation_id)
        series = publish(teachers[name], f"{name}: solgt kurs", Modality.ONLINE)
        sell(provider, series, buyer, status, last_day)

    learner = factory.learner(organisation=school, home=home)
    in_person = [title for title in offered(learner) if title.endswith((": oppmøte", ": hybrid"))]
    assert in_person == [
        "Drammen kommune: oppmøte",  # the home municipality's own centre
        "Kongsberg voksenopplæring: oppmøte",  # a centre in the same county
        "Min skole: oppmøte",  # the learner's own school
        "Selger i fylket: oppmøte",  # sells seats to a municipality of the county
        "Tilbud venter på svar: oppmøte",  # a pending order holds seats too
    ]
    online = [title for title in offered(learner) if title.endswith(": nett")]
    assert online == ["Kristiansand kommune: nett", "Ukjent skole: nett"]
    assert offered(learner, modality="hybrid") == []
    far_learner = factory.learner(organisation=stranger, home=far_town)
    assert [t for t in offered(far_learner) if not t.endswith(("nett", "solgt kurs"))] == [
        "Kristiansand kommune: hybrid",
        "Kristiansand kommune: oppmøte",
        "Selger langt unna: oppmøte",
        "Ukjent skole: hybrid",
        "Ukjent skole: oppmøte",
    ]


def test_only_series_meeting_in_the_next_eight_weeks_are_offered(factory):
    school = factory.organisation(OrganisationKind.PROVIDER, "Skolen")
    teacher = factory.user(Role.TEACHER, school)
    learner = factory.learner(organisation=school)
    today = oslo_today()
    limit = fit.START_WITHIN_DAYS
    publish(teacher, "Innenfor", first=today + timedelta(days=limit))
    publish(teacher, "Utenfor", first=today + timedelta(days=limit + 1))
    # The pattern starts late, but an extra first session falls inside the window.
    late = today + timedelta(days=limit + 20)
    publish(
        teacher, "Oppstartsmøte", first=late, extra_dates=frozenset({today + timedelta(days=3)})
    )
    # Every session inside the window is cancelled: the next one is too far ahead.
    cancelled = publish(
        teacher, "Avlyst først", first=today + timedelta(days=limit - 7), last_date=late
    )
    for session in cancelled.sessions:
        if session.local_date <= today + timedelta(days=limit):
            services.cancel_session(teacher, session)
    db.session.commit()
    publish(
        teacher, "Ferdig", first=today - timedelta(days=30), last_date=today - timedelta(days=1)
    )
    assert offered(learner) == ["Innenfor", "Oppstartsmøte"]
    [early] = [r for r in fit.classes_for_learner(learner, "", "") if r.upcoming == 5]
    assert early.next_session.local_date == today + timedelta(days=3)


@pytest.mark.parametrize("seed", range(6))
def test_the_database_counts_sessions_by_kind_as_the_pure_rule_does(factory, seed):
    """The weekday and rota week worked out in SQL agree with scheduling.availability for rotas
    of one to four weeks starting before, during and after the classes."""
    rng = random.Random(seed)
    school = factory.organisation(OrganisationKind.PROVIDER, "Skolen")
    teacher = factory.user(Role.TEACHER, school)
    learner = factory.learner(organisation=school)
    today = oslo_today()
    series = publish(
        teacher,
        "Flere dager",
        modality=Modality.ONLINE,
        first=today + timedelta(days=1),
        last_date=today + timedelta(days=150),  # across a daylight-saving change
        weekdays=frozenset(rng.sample(range(7), k=3)),
        start_local=time(rng.choice((8, 17, 18))),
        end_local=time(20),
    )
    morning = today + timedelta(days=rng.randint(2, 40))
    services.add_session(teacher, series, morning, time(6), time(7, 30))
    db.session.commit()
    weeks = 1 + seed % 4
    cycle_start = today + timedelta(days=rng.randint(-400, 400))
    # Whole days free, a different few in each week of the rota: a session fits exactly when
    # its weekday and rota week are right.
    cells = [
        (week, day, hour)
        for week in range(weeks)
        for day in rng.sample(range(7), k=3)
        for hour in range(24)
    ]
    free = free_time.from_cells(cycle_start, weeks, cells)
    services.save_availability(learner, free)
    db.session.commit()
    now = utcnow()
    ahead = [
        free_time.SessionTime(s.local_date, s.start_local, s.end_local)
        for s in sorted(series.sessions, key=lambda s: s.starts_at)
        if s.status is SessionStatus.SCHEDULED and s.starts_at > now
    ]
    [result] = fit.classes_for_learner(learner, "", "", now=now)
    assert result.fit == free_time.fit(free, ahead)
    assert 0 < result.fit.fitting < result.fit.total
    assert result.upcoming == len(ahead)
    assert (result.next_session.local_date, result.next_session.start_local) == (
        ahead[0].date,
        ahead[0].start_local,
    )


def _statements(client, url: str) -> tuple[int, str]:
    seen: list[str] = []

    def record(*_args) -> None:
        seen.append("")

    db.session.remove()  # a fresh request: nothing loaded yet
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.get(url, headers=EN)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code == 200
    return len(seen), response.get_data(as_text=True)


@pytest.mark.parametrize("weeks", [1, 2])  # ranked by the database; a rota, ranked in Python
def test_the_page_costs_the_same_statements_for_a_few_series_and_for_many(client, factory, weeks):
    home = organisation("Drammen kommune", OrganisationKind.BOTH, "3301")
    home_id = home.id
    school = factory.organisation(OrganisationKind.PROVIDER, "Skolen")
    learner_id = factory.learner(organisation=school, home=home, locale="en").id
    learner = db.session.get(User, learner_id)
    free = free_time.from_cells(
        oslo_today(), weeks, [(0, d, h) for d in range(7) for h in (18, 19)]
    )
    services.save_availability(learner, free)
    db.session.commit()
    login_as(client, learner)
    teacher_ids = []

    def add(count: int) -> None:
        for _ in range(count):
            n = len(teacher_ids)
            provider = factory.organisation(OrganisationKind.PROVIDER, f"Tilbyder {n:02d}")
            teacher = factory.user(Role.TEACHER, provider)
            teacher_ids.append(teacher.id)
            series = publish(
                teacher,
                f"Kurs {n:02d}",
                modality=(Modality.ONLINE, Modality.HYBRID)[n % 2],
                last_date=oslo_today() + timedelta(days=7 + 7 * n),  # 1 to 25 sessions
                start_local=time(8 + n % 12),
                end_local=time(9 + n % 12),
            )
            if n % 2:  # in person: sold to the learner's county
                home = db.session.get(Organisation, home_id)
                sell(provider, series, home, OrderStatus.ACCEPTED, oslo_today() + timedelta(60))
            if n % 3 == 0 and n < 12:  # at different hours: no overlap
                services.book_series(db.session.get(User, learner_id), series)
                db.session.commit()

    add(2)
    few, page = _statements(client, "/classes?level=")
    assert page.count('<li class="card">') == 2
    add(23)
    many, page = _statements(client, "/classes?level=")
    assert page.count('<li class="card">') == 20
    assert "25 classes have sessions ahead" in page
    assert many == few, "no statement per series, session, provider or booking"
    assert _statements(client, "/classes?level=&page=2")[0] == few


def test_a_booking_a_cancelled_session_and_a_full_class_show_at_once(client, factory):
    school = factory.organisation(OrganisationKind.PROVIDER, "Skolen")
    teacher = factory.user(Role.TEACHER, school)
    series = publish(teacher, "Kveldskurs", capacity=2)
    series_id = series.id
    learner = factory.learner(organisation=school, locale="en")
    services.save_availability(learner, free_time.from_cells(oslo_today(), 1, EVENINGS))
    db.session.commit()
    login_as(client, learner)

    def card() -> str:
        page = client.get("/classes", headers=EN).get_data(as_text=True)
        match = re.search(r'<li class="card">.*?Kveldskurs.*?</li>', page, re.S)
        assert match, page
        return match.group(0)

    assert "Fits your free time: all 4 sessions." in card()
    assert "Booked" not in card()
    assert client.post(f"/classes/{series_id}/book").status_code == 302
    assert "Booked" in card()

    services.cancel_session(teacher, db.session.get(ClassSeries, series_id).sessions[2])
    db.session.commit()
    assert "Fits your free time: all 3 sessions." in card()

    other = factory.learner(organisation=school, locale="en")
    login_as(client, other)
    assert "Full" not in card()
    third = factory.learner(organisation=school)
    services.book_series(third, db.session.get(ClassSeries, series_id))
    db.session.commit()
    assert "Full: you can join the waiting list." in card()


def test_the_demo_learner_finds_sensible_classes(app, runner):
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    client = app.test_client()
    login_as(client, db.session.scalar(select(User).where(User.email == "learner@example.org")))
    page = client.get("/classes", headers=EN).get_data(as_text=True)
    shown = re.findall(r'<h2><a href="[^"]+">([^<]+)</a></h2>', page)
    # Her level, A2: Drammen's evening class near home and Nordlys' online class.
    assert sorted(shown) == [
        "Norsk A2 for helse og omsorg, søndag",
        "Norsk A2 på kveldstid, tirsdag og torsdag",
    ]
    everything = client.get("/classes?level=").get_data(as_text=True)
    assert everything.count('<li class="card">') == 5  # every demo class


@pytest.mark.parametrize("seed", range(8))
def test_the_database_ranks_weekly_free_time_as_the_python_ranking_does(factory, seed):
    """For a learner whose free hours are the same every week (or not given), the ranking the
    database does (share of sessions inside free hours, soonest, id; clashing weekdays; pages)
    is the one the Python ranking of rotas does, series for series."""
    rng = random.Random(seed)
    school = factory.organisation(OrganisationKind.PROVIDER, "Skolen")
    teacher = factory.user(Role.TEACHER, school)
    learner = factory.learner(organisation=school)
    today = oslo_today()
    for n in range(24):
        first = today + timedelta(days=rng.randint(-20, 70))
        start = time(rng.randint(6, 21), rng.choice((0, 0, 30)))
        end = time(min(23, start.hour + rng.randint(1, 3)), rng.choice((0, 15)))
        series = publish(
            teacher,
            f"Kurs {n:02d}",
            modality=Modality.ONLINE,
            first=first,
            last_date=first + timedelta(days=rng.randint(14, 60)),
            weekdays=frozenset({first.weekday(), *rng.sample(range(7), k=rng.randint(0, 2))}),
            start_local=start,
            end_local=end,
        )
        if rng.random() < 0.3:  # sessions of another kind too
            extra = max(first, today) + timedelta(days=rng.randint(1, 20))
            services.add_session(teacher, series, extra, time(5), time(5, 45))
            db.session.commit()
    cells = [(0, day, hour) for day in range(7) for hour in range(24) if rng.random() < 0.4]
    free = None if seed % 4 == 0 else free_time.from_cells(today, 1, cells)
    now = utcnow()
    expected = fit._rank(learner.id, free, "", "", now)
    _page, everything, total = fit._rank_in_sql(learner.id, free, "", "", now, 1, None)
    assert len(expected) > 5
    assert everything == expected
    assert total == len(expected)
    for page in (1, 2, 3, 9):
        number, chosen = cut_page(expected, page, 7)
        assert fit._rank_in_sql(learner.id, free, "", "", now, page, 7) == (
            number,
            chosen,
            len(expected),
        )
