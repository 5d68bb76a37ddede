"""Simultaneous bookings never exceed a class's places (threads, on SQLite and on PostgreSQL)."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import time, timedelta

from flask import Flask
from sqlalchemy import func, select

from webapp.accounts.models import Role, User
from webapp.classes import services
from webapp.classes.models import Booking, BookingStatus, ClassSeries, ClassSession, Modality
from webapp.clock import oslo_today
from webapp.extensions import db
from webapp.learners.levels import Level
from webapp.organisations.models import OrganisationKind


def _series(factory, capacity: int, drop_in: bool = False) -> ClassSeries:
    provider = factory.organisation(OrganisationKind.PROVIDER)
    teacher = factory.user(Role.TEACHER, provider)
    first = oslo_today() + timedelta(days=3)
    series = services.create_series(
        teacher,
        services.SeriesInput(
            title="Fullt kurs",
            description="",
            level=Level.A1,
            track=None,
            modality=Modality.ONLINE,
            address="",
            meeting_link="https://meet.example.org/full",
            capacity=capacity,
            teacher_id=teacher.id,
            weekdays=frozenset({first.weekday()}),
            start_local=time(18),
            end_local=time(20),
            first_date=first,
            last_date=first + timedelta(days=14),
            extra_dates=frozenset(),
            cancelled_dates=frozenset(),
            drop_in_allowed=drop_in,
            seat_price_nok=0,
        ),
    )
    db.session.commit()
    return series


def _all_at_once(app: Flask, jobs: list) -> list[BaseException]:
    """Run each job in its own thread and app context, released together by a barrier."""
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(job) -> None:
        with app.app_context():
            try:
                barrier.wait()
                job()
                db.session.commit()
            except BaseException as error:  # noqa: BLE001  (collected and asserted below)
                errors.append(error)
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def _statuses(series_id: int) -> Counter:
    rows = db.session.execute(
        select(Booking.status, func.count())
        .where(Booking.series_id == series_id)
        .group_by(Booking.status)
    )
    return Counter({status: count for status, count in rows})


def test_simultaneous_series_bookings_fill_exactly_the_places(app: Flask, factory):
    series = _series(factory, capacity=5)
    learner_ids = [factory.learner().id for _ in range(16)]
    series_id = series.id
    db.session.remove()

    def book(learner_id: int):
        def job() -> None:
            learner = db.session.get(User, learner_id)
            services.book_series(learner, db.session.get(ClassSeries, series_id))

        return job

    errors = _all_at_once(app, [book(learner_id) for learner_id in learner_ids])
    assert errors == []
    assert _statuses(series_id) == {BookingStatus.CONFIRMED: 5, BookingStatus.WAITLISTED: 11}


def test_simultaneous_drop_ins_and_series_bookings_share_the_places(app: Flask, factory):
    series = _series(factory, capacity=4, drop_in=True)
    series_id = series.id
    session_id = series.sessions[0].id
    learner_ids = [factory.learner().id for _ in range(12)]
    db.session.remove()

    def book(learner_id: int, whole: bool):
        def job() -> None:
            learner = db.session.get(User, learner_id)
            if whole:
                services.book_series(learner, db.session.get(ClassSeries, series_id))
            else:
                services.book_drop_in(learner, db.session.get(ClassSession, session_id))

        return job

    jobs = [book(learner_id, index % 2 == 0) for index, learner_id in enumerate(learner_ids)]
    errors = _all_at_once(app, jobs)
    assert errors == []
    count = services.seat_count(series_id)
    assert count.taken_at(session_id) == 4  # full, never more
    assert _statuses(series_id)[BookingStatus.CONFIRMED] == 4
    assert _statuses(series_id)[BookingStatus.WAITLISTED] == 8


def test_simultaneous_cancellations_promote_each_waiting_learner_once(app: Flask, factory):
    series = _series(factory, capacity=3)
    learners = [factory.learner() for _ in range(6)]
    bookings = [services.book_series(learner, series) for learner in learners]
    db.session.commit()
    holders = [(b.id, b.learner_id) for b in bookings[:3]]
    series_id = series.id
    db.session.remove()

    def cancel(booking_id: int, learner_id: int):
        def job() -> None:
            learner = db.session.get(User, learner_id)
            services.cancel_booking(learner, db.session.get(Booking, booking_id))

        return job

    errors = _all_at_once(app, [cancel(*holder) for holder in holders])
    assert errors == []
    assert _statuses(series_id) == {
        BookingStatus.CANCELLED: 3,
        BookingStatus.CONFIRMED: 3,
    }
