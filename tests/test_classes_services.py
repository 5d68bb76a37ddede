"""Class services: publishing, seats and waitlists, overlaps, cancelling, attendance, fitting."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from scheduling import availability as free_time
from tests.conftest import backdate_bookings
from webapp.accounts.models import Role
from webapp.classes import fit, services
from webapp.classes.models import (
    AttendanceMark,
    BookingStatus,
    ClassSession,
    Modality,
    SessionStatus,
    SkippedDate,
)
from webapp.clock import oslo_today
from webapp.db_types import utcnow
from webapp.extensions import db
from webapp.learners.levels import Level
from webapp.mail.models import OutboxMessage
from webapp.organisations.models import OrganisationKind
from webapp.studytime.models import StudyDay, StudySource


def series_input(**changes) -> services.SeriesInput:
    first = oslo_today() + timedelta(days=7)
    values = {
        "title": "Norsk på kveldstid",
        "description": "",
        "level": Level.A2,
        "track": None,
        "modality": Modality.ONLINE,
        "address": "",
        "meeting_link": "https://meet.example.org/a2",
        "capacity": 2,
        "teacher_id": None,
        "weekdays": frozenset({first.weekday()}),
        "start_local": time(18),
        "end_local": time(20),
        "first_date": first,
        "last_date": first + timedelta(days=27),
        "extra_dates": frozenset(),
        "cancelled_dates": frozenset(),
        "drop_in_allowed": True,
        "seat_price_nok": 0,
    }
    values.update(changes)
    return services.SeriesInput(**values)


@pytest.fixture
def provider(factory):
    return factory.organisation(OrganisationKind.PROVIDER, "Kveldsskolen")


@pytest.fixture
def teacher(factory, provider):
    return factory.user(Role.TEACHER, provider)


def publish(teacher, **changes):
    series = services.create_series(teacher, series_input(teacher_id=teacher.id, **changes))
    db.session.commit()
    return series


def statuses(*bookings):
    for booking in bookings:
        db.session.refresh(booking)
    return [booking.status for booking in bookings]


def mails_to(address: str) -> list[OutboxMessage]:
    return list(
        db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == address))
    )


def test_publishing_expands_sessions_in_oslo_time_and_records_skipped_holidays(teacher):
    series = publish(
        teacher,
        weekdays=frozenset({1, 3}),
        first_date=date(2030, 4, 16),
        last_date=date(2030, 4, 25),
    )
    # Easter 2030: Maundy Thursday is 18 April.
    dates = [s.local_date for s in series.sessions]
    assert dates == [date(2030, 4, 16), date(2030, 4, 23), date(2030, 4, 25)]
    assert all(s.starts_at.hour == 16 for s in series.sessions)  # 18:00 CEST is 16:00 UTC
    skipped = db.session.scalars(select(SkippedDate).where(SkippedDate.series_id == series.id))
    assert [(s.local_date, s.reason) for s in skipped] == [(date(2030, 4, 18), "Skjærtorsdag")]


def test_only_providers_publish_and_only_their_own_teachers(factory, teacher):
    coordinator = factory.user(Role.COORDINATOR)
    with pytest.raises(services.ClassError) as refused:
        services.create_series(coordinator, series_input())
    assert refused.value.code == "not_a_provider"
    stranger = factory.user(Role.TEACHER)  # another provider's teacher
    with pytest.raises(services.ClassError) as refused:
        services.create_series(teacher, series_input(teacher_id=stranger.id))
    assert refused.value.code == "unknown_teacher"


def test_capacity_is_kept_and_the_waitlist_is_promoted_in_order(factory, teacher):
    series = publish(teacher, capacity=2)
    first, second, third, fourth = (factory.learner() for _ in range(4))
    bookings = [services.book_series(learner, series) for learner in (first, second, third, fourth)]
    db.session.commit()
    assert statuses(*bookings) == [
        BookingStatus.CONFIRMED,
        BookingStatus.CONFIRMED,
        BookingStatus.WAITLISTED,
        BookingStatus.WAITLISTED,
    ]
    promoted = services.cancel_booking(first, bookings[0])
    db.session.commit()
    assert [b.id for b in promoted] == [bookings[2].id]
    assert statuses(*bookings) == [
        BookingStatus.CANCELLED,
        BookingStatus.CONFIRMED,
        BookingStatus.CONFIRMED,
        BookingStatus.WAITLISTED,
    ]
    [notice] = mails_to(third.email)
    assert series.title in notice.subject
    assert mails_to(fourth.email) == []
    assert services.seat_count(series.id).series == 2


def test_cancelling_a_waitlisted_booking_promotes_no_one(factory, teacher):
    series = publish(teacher, capacity=1)
    a, b, c = (factory.learner() for _ in range(3))
    held, waiting, last = (services.book_series(x, series) for x in (a, b, c))
    db.session.commit()
    assert services.cancel_booking(b, waiting) == []
    db.session.commit()
    assert statuses(held, waiting, last) == [
        BookingStatus.CONFIRMED,
        BookingStatus.CANCELLED,
        BookingStatus.WAITLISTED,
    ]


def test_more_places_promote_from_the_waitlist_and_fewer_than_booked_are_refused(factory, teacher):
    series = publish(teacher, capacity=1)
    a, b = factory.learner(), factory.learner()
    held, waiting = services.book_series(a, series), services.book_series(b, series)
    db.session.commit()
    promoted = services.update_series(teacher, series, series_input(capacity=2))
    db.session.commit()
    assert [p.id for p in promoted] == [waiting.id]
    with pytest.raises(services.ClassError) as refused:
        services.update_series(teacher, series, series_input(capacity=1))
    assert refused.value.code == "capacity_below_bookings"
    db.session.rollback()
    assert statuses(held, waiting) == [BookingStatus.CONFIRMED, BookingStatus.CONFIRMED]


def test_drop_ins_share_the_seats_with_the_series(factory, teacher):
    series = publish(teacher, capacity=2)
    session = series.sessions[0]
    a, b, c = (factory.learner() for _ in range(3))
    whole = services.book_series(a, series)
    drop = services.book_drop_in(b, session)
    another = services.book_drop_in(c, session)
    db.session.commit()
    assert statuses(whole, drop, another) == [
        BookingStatus.CONFIRMED,
        BookingStatus.CONFIRMED,
        BookingStatus.WAITLISTED,
    ]
    # The series has one place left on every other session, none on the first.
    d = factory.learner()
    assert services.book_series(d, series).status is BookingStatus.WAITLISTED
    count = services.seat_count(series.id)
    assert count.taken_at(session.id) == 2
    assert count.taken_at(series.sessions[1].id) == 1


def test_drop_ins_are_refused_where_not_allowed(factory, teacher):
    series = publish(teacher, drop_in_allowed=False)
    with pytest.raises(services.ClassError) as refused:
        services.book_drop_in(factory.learner(), series.sessions[0])
    assert refused.value.code == "no_drop_in"


def test_no_double_booking_of_the_same_series_or_overlapping_sessions(factory, teacher):
    evening = publish(teacher, start_local=time(18), end_local=time(20))
    overlapping = publish(teacher, start_local=time(19), end_local=time(21))
    later = publish(teacher, start_local=time(20), end_local=time(21))  # touches, no overlap
    learner = factory.learner()
    services.book_series(learner, evening)
    with pytest.raises(services.ClassError) as refused:
        services.book_series(learner, evening)
    assert refused.value.code == "already_booked"
    with pytest.raises(services.ClassError) as refused:
        services.book_series(learner, overlapping)
    assert refused.value.code == "overlaps_booking"
    with pytest.raises(services.ClassError) as refused:
        services.book_drop_in(learner, overlapping.sessions[0])
    assert refused.value.code == "overlaps_booking"
    assert services.book_series(learner, later).status is BookingStatus.CONFIRMED


def test_only_learners_book(factory, teacher):
    series = publish(teacher)
    with pytest.raises(services.ClassError) as refused:
        services.book_series(teacher, series)
    assert refused.value.code == "not_a_learner"


def test_self_cancel_closes_two_hours_before_the_session(factory, teacher):
    series = publish(teacher, capacity=5)
    session = series.sessions[0]
    learner = factory.learner()
    drop = services.book_drop_in(learner, session)
    db.session.commit()
    just_too_late = session.starts_at - timedelta(hours=2) + timedelta(seconds=1)
    with pytest.raises(services.ClassError) as refused:
        services.cancel_booking(learner, drop, now=just_too_late)
    assert refused.value.code == "too_late_to_cancel"
    db.session.rollback()
    in_time = session.starts_at - timedelta(hours=2)
    services.cancel_booking(learner, drop, now=in_time)
    assert statuses(drop) == [BookingStatus.CANCELLED]


def test_a_series_booking_cannot_be_cancelled_just_before_the_next_session(factory, teacher):
    series = publish(teacher, capacity=5)
    learner = factory.learner()
    booking = services.book_series(learner, series)
    db.session.commit()
    second = series.sessions[1]
    # Between the first and the second session, an hour before the second.
    assert not services.may_self_cancel(booking, second.starts_at - timedelta(hours=1))
    assert services.may_self_cancel(booking, second.starts_at - timedelta(hours=3))


def test_cancelling_a_session_notifies_every_booked_learner_once(factory, teacher):
    series = publish(teacher, capacity=5)
    session = series.sessions[0]
    whole, drop, elsewhere = factory.learner(), factory.learner(), factory.learner()
    services.book_series(whole, series)
    services.book_drop_in(drop, session)
    services.book_drop_in(elsewhere, series.sessions[1])
    db.session.commit()
    told = services.cancel_session(teacher, session)
    db.session.commit()
    assert told == 2
    assert session.status is SessionStatus.CANCELLED
    assert session.sequence == 1
    assert len(mails_to(whole.email)) == 1
    assert len(mails_to(drop.email)) == 1
    assert mails_to(elsewhere.email) == []
    with pytest.raises(services.ClassError) as refused:
        services.cancel_session(teacher, session)
    assert refused.value.code == "already_cancelled"


def test_another_providers_teacher_cannot_run_the_series(factory, teacher):
    series = publish(teacher)
    stranger = factory.user(Role.TEACHER)
    with pytest.raises(services.ClassError):
        services.cancel_session(stranger, series.sessions[0])
    with pytest.raises(services.ClassError):
        services.add_session(stranger, series, series.last_date, time(18), time(20))


def test_an_extra_session_is_added_and_may_not_overlap(teacher):
    series = publish(teacher)
    extra_day = series.last_date + timedelta(days=1)
    session = services.add_session(teacher, series, extra_day, time(18), time(20))
    db.session.commit()
    assert session.is_extra
    assert series.last_date == extra_day
    with pytest.raises(services.ClassError) as refused:
        services.add_session(teacher, series, extra_day, time(19), time(21))
    assert refused.value.code == "session_overlaps"
    with pytest.raises(services.ClassError) as refused:
        services.add_session(teacher, series, date(2020, 1, 7), time(18), time(20))
    assert refused.value.code == "in_the_past"


def test_attendance_counts_as_study_time_and_corrections_take_it_back(factory, teacher):
    today = oslo_today()
    series = publish(
        teacher,
        weekdays=frozenset(range(7)),
        first_date=today - timedelta(days=3),
        last_date=today + timedelta(days=3),
        capacity=5,
    )
    learner = factory.learner()
    booking = services.book_series(learner, series, now=utcnow() - timedelta(days=4))
    db.session.commit()
    backdate_bookings(series.id)
    assert booking.status is BookingStatus.CONFIRMED
    past = next(s for s in series.sessions if s.ends_at < utcnow())

    def class_seconds() -> int:
        row = db.session.get(StudyDay, (learner.id, past.local_date, StudySource.CLASS))
        return row.seconds if row else 0

    services.mark_attendance(teacher, past, {learner.id: AttendanceMark.PRESENT})
    db.session.commit()
    assert class_seconds() == 2 * 3600
    services.mark_attendance(teacher, past, {learner.id: AttendanceMark.PRESENT})  # no change
    assert class_seconds() == 2 * 3600
    services.mark_attendance(teacher, past, {learner.id: AttendanceMark.EXCUSED})
    db.session.commit()
    assert class_seconds() == 0
    assert services.attendance_marks(past) == {learner.id: AttendanceMark.EXCUSED}
    stranger = factory.learner()
    with pytest.raises(services.ClassError) as refused:
        services.mark_attendance(teacher, past, {stranger.id: AttendanceMark.PRESENT})
    assert refused.value.code == "not_on_roster"
    future = next(s for s in series.sessions if s.starts_at > utcnow())
    with pytest.raises(services.ClassError) as refused:
        services.mark_attendance(teacher, future, {learner.id: AttendanceMark.PRESENT})
    assert refused.value.code == "session_not_started"


def _free_weekday_evenings(learner, weekday: int, start_hour: int, end_hour: int) -> None:
    cells = [(0, weekday, hour) for hour in range(start_hour, end_hour)]
    services.save_availability(learner, free_time.from_cells(oslo_today(), 1, cells))
    db.session.commit()


def test_classes_that_fit_rank_by_share_of_sessions_in_free_time(factory, teacher):
    first = oslo_today() + timedelta(days=7)
    day = first.weekday()
    fits = publish(teacher, title="Passer", start_local=time(18), end_local=time(20))
    clashes = publish(teacher, title="Kolliderer", start_local=time(9), end_local=time(11))
    other_level = publish(teacher, title="B1", level=Level.B1)
    learner = factory.learner()
    _free_weekday_evenings(learner, day, 17, 22)
    ranked = fit.classes_for_learner(learner, "A2", "")
    assert [r.series.id for r in ranked] == [fits.id, clashes.id]
    best, worst = ranked
    assert best.fit is not None
    assert best.fit.fits_all
    assert worst.fit is not None
    assert worst.fit.fitting == 0
    assert worst.fit.clashing_weekdays == (day,)
    assert other_level.id in {r.series.id for r in fit.classes_for_learner(learner, "", "")}
    assert fit.classes_for_learner(learner, "A2", "in_person") == []


def test_a_rota_that_repeats_every_two_weeks_fits_half_the_sessions(factory, teacher):
    first = date(2030, 2, 5)  # four Tuesdays without a holiday
    series = publish(
        teacher, weekdays=frozenset({1}), first_date=first, last_date=first + timedelta(days=27)
    )
    learner = factory.learner()
    day = first.weekday()
    cells = [(0, day, 18), (0, day, 19)]  # free only in week 1 of the rota
    services.save_availability(learner, free_time.from_cells(first, 2, cells))
    db.session.commit()
    a_week_before = datetime(2030, 1, 29, 12, tzinfo=UTC)  # inside the window of start dates
    [result] = fit.classes_for_learner(learner, "", "", now=a_week_before)
    assert result.series.id == series.id
    assert (result.fit.fitting, result.fit.total) == (2, 4)
    assert result.fit.clashing_week_numbers == (2,)


def test_the_stored_free_time_round_trips_and_keeps_always_free_hours(factory):
    learner = factory.learner()
    value = free_time.from_cells(date(2030, 1, 9), 2, [(0, 1, 18), (0, 1, 19), (1, 1, 18)])
    row = services.save_availability(learner, value)
    db.session.commit()
    assert services.availability_of(learner) == value
    assert value.cycle_start == date(2030, 1, 7)  # the Monday
    assert row.free_tue == 1 << 18
    assert row.free_mon == 0


def test_demand_counts_learners_by_level_and_municipality_without_names(factory):
    home = factory.organisation(OrganisationKind.MUNICIPALITY, "Flesberg")
    learners = [factory.learner(home=home) for _ in range(4)]
    for learner in learners:
        learner.learner_profile.current_level = Level.A2
        cells = [(0, day, hour) for day in (1, 3) for hour in range(17, 22)]
        services.save_availability(learner, free_time.from_cells(oslo_today(), 1, cells))
    learners[3].learner_profile.current_level = Level.B1
    db.session.commit()
    cells = services.demand("A2")
    tue_thu_18 = [c for c in cells if c.window.code == "13-18"]
    assert [(c.level, c.municipality, c.learners) for c in tue_thu_18] == [("A2", "Flesberg", 3)]
    assert not [c for c in cells if c.window.code == "02-18"]  # Monday and Wednesday: no one
    assert {c.level for c in services.demand("")} == {"A2", "B1"}


def test_every_session_keeps_its_local_time_across_the_autumn_change(teacher):
    series = publish(
        teacher,
        weekdays=frozenset({1}),
        first_date=date(2030, 10, 15),
        last_date=date(2030, 11, 5),
    )
    starts = [s.starts_at for s in series.sessions]
    assert [s.hour for s in starts] == [16, 16, 17, 17]  # DST ends on 27 October 2030
    assert all(s.start_local == time(18) for s in series.sessions)
    stored = db.session.scalars(
        select(ClassSession.starts_at).where(ClassSession.series_id == series.id)
    ).all()
    assert all(isinstance(s, datetime) and s.utcoffset() == timedelta(0) for s in stored)


def _upcoming(learner, level: str = "A2") -> dict[str, int]:
    return {r.series.title: r.upcoming for r in fit.classes_for_learner(learner, level, "")}


def test_classes_that_fit_follow_every_change_to_the_catalogue(factory, teacher):
    series = publish(teacher, title="Første")
    learner = factory.learner()
    assert _upcoming(learner) == {"Første": 4}

    services.cancel_session(teacher, series.sessions[1])
    db.session.commit()
    assert _upcoming(learner) == {"Første": 3}
    services.add_session(teacher, series, series.last_date + timedelta(days=1), time(9), time(11))
    db.session.commit()
    assert _upcoming(learner) == {"Første": 4}
    publish(teacher, title="Andre", start_local=time(9), end_local=time(11))
    assert _upcoming(learner) == {"Første": 4, "Andre": 4}
    services.update_series(teacher, series, series_input(title="Første", level=Level.B1))
    db.session.commit()
    assert _upcoming(learner) == {"Andre": 4}
    assert _upcoming(learner, "B1") == {"Første": 4}


def test_a_session_that_has_begun_leaves_the_ranking_without_a_new_read(factory, teacher):
    series = publish(teacher, title="Første")
    learner = factory.learner()
    first, second = series.sessions[0].starts_at, series.sessions[1].starts_at
    ranked = fit.classes_for_learner(learner, "A2", "", now=first - timedelta(hours=1))
    assert [(r.upcoming, r.next_session.starts_at) for r in ranked] == [(4, first)]
    later = fit.classes_for_learner(learner, "A2", "", now=first + timedelta(minutes=1))
    assert [(r.upcoming, r.next_session.starts_at) for r in later] == [(3, second)]


def test_a_page_of_classes_shows_places_cancellations_and_begun_sessions_at_once(factory, teacher):
    series = publish(teacher, title="Første", capacity=1)
    learner, other = factory.learner(), factory.learner()
    first = series.sessions[0].starts_at
    before = first - timedelta(hours=2)
    page = fit.classes_for_learner_page(learner, None, "A2", "", 1, 10, now=before)
    assert [r.full for r in page.items] == [False]

    services.book_series(learner, series, now=before)
    db.session.commit()
    after_booking = fit.classes_for_learner_page(other, None, "A2", "", 1, 10, now=before)
    assert [r.full for r in after_booking.items] == [True]

    services.cancel_session(teacher, series.sessions[3])
    db.session.commit()
    cancelled = fit.classes_for_learner_page(other, None, "A2", "", 1, 10, now=before)
    assert [r.upcoming for r in cancelled.items] == [3]
    begun = fit.classes_for_learner_page(
        other, None, "A2", "", 1, 10, now=first + timedelta(minutes=1)
    )
    assert [r.upcoming for r in begun.items] == [2]


def test_demand_counts_follow_free_time_level_and_home(factory):
    home = factory.organisation(OrganisationKind.MUNICIPALITY, "Flesberg")
    learners = [factory.learner(home=home) for _ in range(3)]
    cells = [(0, day, hour) for day in (1, 3) for hour in range(17, 22)]
    for learner in learners:
        learner.learner_profile.current_level = Level.A2
        services.save_availability(learner, free_time.from_cells(oslo_today(), 1, cells))
    db.session.commit()

    def tue_thu_18() -> list[tuple[str | None, str, int]]:
        return [
            (c.level, c.municipality, c.learners)
            for c in services.demand("")
            if c.window.code == "13-18"
        ]

    assert tue_thu_18() == [("A2", "Flesberg", 3)]
    learners[0].learner_profile.current_level = Level.B1
    db.session.commit()
    assert sorted(tue_thu_18()) == [("A2", "Flesberg", 2), ("B1", "Flesberg", 1)]
    services.save_availability(learners[1], free_time.from_cells(oslo_today(), 1, []))
    db.session.commit()
    assert sorted(tue_thu_18()) == [("A2", "Flesberg", 1), ("B1", "Flesberg", 1)]
    home.name = "Rollag"
    db.session.commit()
    assert sorted(tue_thu_18()) == [("A2", "Rollag", 1), ("B1", "Rollag", 1)]
    learners[2].learner_profile.home_municipality = factory.organisation(
        OrganisationKind.MUNICIPALITY, "Nore og Uvdal"
    )
    db.session.commit()
    assert sorted(tue_thu_18()) == [("A2", "Nore og Uvdal", 1), ("B1", "Rollag", 1)]


def test_the_attendance_list_of_a_past_session_leaves_out_later_bookings(factory, teacher):
    today = oslo_today()
    series = publish(
        teacher,
        weekdays=frozenset(range(7)),
        first_date=today - timedelta(days=3),
        last_date=today + timedelta(days=3),
        capacity=5,
    )
    past = next(s for s in series.sessions if s.ends_at < utcnow())
    early = factory.learner(name="Booked before")
    services.book_series(early, series, now=past.starts_at - timedelta(days=1))
    late = factory.learner(name="Booked after")
    booking = services.book_series(late, series)  # now: after the past session ended
    db.session.commit()
    assert booking.created_at > past.ends_at
    assert [learner.id for learner in services.expected_learners(past)] == [early.id]
    with pytest.raises(services.ClassError) as refused:
        services.mark_attendance(teacher, past, {late.id: AttendanceMark.PRESENT})
    assert refused.value.code == "not_on_roster"
    later = next(s for s in series.sessions if s.starts_at > utcnow())
    assert {learner.id for learner in services.expected_learners(later)} == {early.id, late.id}
