"""Figures for classes, teaching and seats: query counts at two sizes and simultaneous bookings,
each on a fresh database of its own."""

from __future__ import annotations

import http.cookiejar
import re
import threading
import urllib.parse
import urllib.request
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, insert, select

from bench.server import served
from bench.statements import statement_log
from webapp.accounts.login import SESSION_TOKEN_KEY
from webapp.accounts.models import Role, User
from webapp.accounts.passwords import hash_password
from webapp.accounts.services import open_login_session
from webapp.classes import services as class_services
from webapp.classes.models import Booking, BookingStatus, Modality
from webapp.clock import oslo_today
from webapp.extensions import db, login_manager
from webapp.learners.levels import Education, Level, default_targets
from webapp.learners.models import Employment, FirstLanguage, LearnerProfile
from webapp.lessons.models import Lesson, LessonProgress
from webapp.organisations.models import Organisation, OrganisationKind
from webapp.seats.models import Offering, OfferingKind, OrderStatus, Seat, SeatAssignment, SeatOrder
from webapp.teaching.models import Assignment, GroupMember, TeachingGroup

PASSWORD = "bench-password-0123"


def _organisations() -> tuple[Organisation, Organisation]:
    municipality = Organisation(
        name="Benchkommune", kind=OrganisationKind.MUNICIPALITY, municipality_number="9999"
    )
    provider = Organisation(name="Benchskolen", kind=OrganisationKind.PROVIDER)
    db.session.add_all([municipality, provider])
    db.session.flush()
    return municipality, provider


def _staff(role: Role, organisation: Organisation, email: str, password_hash: str) -> User:
    user = User(
        email=email,
        name=email.split("@")[0].title(),
        password_hash=password_hash,
        locale="nb",
        role=role,
        organisation_id=organisation.id,
    )
    db.session.add(user)
    db.session.flush()
    return user


def _learners(count: int, home: Organisation, school: Organisation, prefix: str, password_hash):
    """Insert ``count`` learners in bulk and return their ids."""
    targets = default_targets(Education.HIGHER)
    db.session.execute(
        insert(User),
        [
            {
                "email": f"{prefix}{n}@bench.example.org",
                "name": f"Deltaker {prefix} {n:05d}",
                "password_hash": password_hash,
                "locale": "uk",
                "role": Role.LEARNER,
                "organisation_id": school.id,
            }
            for n in range(count)
        ],
    )
    ids = list(
        db.session.scalars(
            select(User.id).where(User.email.like(f"{prefix}%@bench.example.org")).order_by(User.id)
        )
    )
    db.session.execute(
        insert(LearnerProfile),
        [
            {
                "user_id": user_id,
                "birth_date": date(1985, 1, 1),
                "settlement_date": date(2025, 6, 1),
                "home_municipality_id": home.id,
                "first_language": FirstLanguage.UKRAINIAN,
                "education": Education.HIGHER,
                "current_level": Level.A2,
                "target_listening": targets.listening,
                "target_reading": targets.reading,
                "target_writing": targets.writing,
                "target_oral": targets.oral,
                "employment": Employment.FULL_TIME,
                "working_hours": "",
            }
            for user_id in ids
        ],
    )
    return ids


def _lessons(count: int, track: str) -> list[str]:
    ids = [f"bench-{track}-{n:02d}" for n in range(count)]
    db.session.execute(
        insert(Lesson),
        [
            {
                "id": lesson_id,
                "track": track,
                "level": "A2",
                "position": n,
                "minutes": 15,
                "title_nb": f"Leksjon {n}",
                "digest": "x" * 64,
                "version": 1,
                "content": '{"exercises": []}',
            }
            for n, lesson_id in enumerate(ids)
        ],
    )
    return ids


def _count_statements(app, identity: str, path: str) -> int:
    """How many SQL statements one page runs for the user with session ``identity``."""
    client = logged_in_client(app, identity)
    with statement_log(app) as statements:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return len(statements)


def matrix_queries(app) -> tuple[int, int]:
    """Statements of the teacher's group page for 4 learners × 3 lessons and 40 × 30."""
    password_hash = hash_password(PASSWORD)
    with app.app_context():
        db.create_all()
        municipality, provider = _organisations()
        teacher = _staff(Role.TEACHER, provider, "teacher@bench.example.org", password_hash)
        groups = {}
        for size, lessons, track in ((4, 3, "retail"), (40, 30, "office")):
            learner_ids = _learners(size, municipality, provider, f"g{size}-", password_hash)
            lesson_ids = _lessons(lessons, track)
            group = TeachingGroup(provider_id=provider.id, teacher_id=teacher.id, name=f"G{size}")
            db.session.add(group)
            db.session.flush()
            db.session.execute(
                insert(GroupMember),
                [{"group_id": group.id, "learner_id": lid} for lid in learner_ids],
            )
            db.session.add(
                Assignment(
                    provider_id=provider.id,
                    group_id=group.id,
                    track=track,
                    due_date=oslo_today(),
                )
            )
            db.session.execute(
                insert(LessonProgress),
                [
                    {
                        "learner_id": lid,
                        "lesson_id": lesson_ids[n % len(lesson_ids)],
                        "best_score": 90,
                        "completed_at": datetime.now(UTC),
                    }
                    for n, lid in enumerate(learner_ids)
                ],
            )
            groups[size] = group.id
        db.session.commit()
        identity = teacher.get_id()
        db.session.remove()
    small = _count_statements(app, identity, f"/groups/{groups[4]}")
    big = _count_statements(app, identity, f"/groups/{groups[40]}")
    return small, big


def seat_report_queries(app) -> tuple[int, int]:
    """Statements of the coordinator's seat report with 20 and with 2,000 seats in use."""
    password_hash = hash_password(PASSWORD)
    with app.app_context():
        db.create_all()
        municipality, provider = _organisations()
        other = Organisation(
            name="Storkommune", kind=OrganisationKind.MUNICIPALITY, municipality_number="9998"
        )
        db.session.add(other)
        db.session.flush()
        coordinators = {
            20: _staff(Role.COORDINATOR, municipality, "small@bench.example.org", password_hash),
            2000: _staff(Role.COORDINATOR, other, "big@bench.example.org", password_hash),
        }
        year = oslo_today().year
        for size, home in ((20, municipality), (2000, other)):
            learner_ids = _learners(size, home, home, f"s{size}-", password_hash)
            offering = Offering(
                provider_id=provider.id,
                kind=OfferingKind.LICENCE,
                months=12,
                title=f"Lisens {size}",
                price_nok=3000,
                seats_for_sale=size,
            )
            db.session.add(offering)
            db.session.flush()
            order = SeatOrder(
                offering_id=offering.id,
                municipality_id=home.id,
                seats=size,
                unit_price_nok=3000,
                first_day=date(year, 1, 1),
                last_day=date(year, 12, 31),
                status=OrderStatus.ACCEPTED,
            )
            db.session.add(order)
            db.session.flush()
            db.session.execute(
                insert(Seat), [{"order_id": order.id, "number": n + 1} for n in range(size)]
            )
            seat_ids = list(db.session.scalars(select(Seat.id).where(Seat.order_id == order.id)))
            db.session.execute(
                insert(SeatAssignment),
                [
                    {
                        "seat_id": seat_id,
                        "learner_id": learner_id,
                        "assigned_at": datetime(year, 3, 1, 8, tzinfo=UTC),
                    }
                    for seat_id, learner_id in zip(seat_ids, learner_ids, strict=True)
                ],
            )
        db.session.commit()
        identities = {size: user.get_id() for size, user in coordinators.items()}
        db.session.remove()
    return (
        _count_statements(app, identities[20], "/seats/report"),
        _count_statements(app, identities[2000], "/seats/report"),
    )


def simultaneous_bookings(url: str, app, learners: int = 200, places: int = 20) -> dict:
    """``learners`` logged-in learners book a ``places``-place class at once over HTTP."""
    password_hash = hash_password(PASSWORD)
    with app.app_context():
        db.create_all()
        municipality, provider = _organisations()
        teacher = _staff(Role.TEACHER, provider, "teacher@bench.example.org", password_hash)
        _learners(learners, municipality, provider, "b-", password_hash)
        first = oslo_today() + timedelta(days=7)
        series = class_services.create_series(
            teacher,
            class_services.SeriesInput(
                title="Populært kveldskurs",
                description="",
                level=Level.A2,
                track=None,
                modality=Modality.ONLINE,
                address="",
                meeting_link="https://meet.example.org/bench",
                capacity=places,
                teacher_id=teacher.id,
                weekdays=frozenset({first.weekday()}),
                start_local=time(18),
                end_local=time(20),
                first_date=first,
                last_date=first + timedelta(days=28),
                extra_dates=frozenset(),
                cancelled_dates=frozenset(),
                drop_in_allowed=False,
                seat_price_nok=0,
            ),
        )
        db.session.commit()
        series_id = series.id
        db.session.remove()
    with served(url) as server:
        base = server.base
        sessions = []
        for n in range(learners):
            jar = http.cookiejar.CookieJar()
            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
            session_cookie_via(opener, base, f"b-{n}@bench.example.org")
            page = opener.open(f"{base}/classes/{series_id}").read().decode()
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
            sessions.append((opener, token))
        barrier = threading.Barrier(learners)
        statuses: list[int] = []
        lock = threading.Lock()

        def book(opener, token) -> None:
            barrier.wait()
            data = urllib.parse.urlencode({"csrf_token": token}).encode()
            try:
                response = opener.open(f"{base}/classes/{series_id}/book", data=data, timeout=60)
                status = response.status
            except urllib.error.HTTPError as error:
                status = error.code
            except OSError:
                status = 0
            with lock:
                statuses.append(status)

        threads = [threading.Thread(target=book, args=pair) for pair in sessions]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
    with app.app_context():
        counted = Counter(
            dict(
                db.session.execute(
                    select(Booking.status, func.count())
                    .where(Booking.series_id == series_id)
                    .group_by(Booking.status)
                ).all()
            )
        )
        db.session.remove()
        db.engine.dispose()
    answered = Counter(statuses)
    return {
        "confirmed": counted.get(BookingStatus.CONFIRMED, 0),
        "waitlisted": counted.get(BookingStatus.WAITLISTED, 0),
        "errors": sum(n for status, n in answered.items() if status not in (200, 302)),
    }


def session_cookie_via(opener, base: str, email: str) -> None:
    """Log in through the real form with ``opener``'s cookie jar."""
    page = opener.open(base + "/login").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"email": email, "password": PASSWORD, "csrf_token": token})
    opener.open(base + "/login", data=data.encode()).read()


def logged_in_client(app, identity: str):
    """A test client whose session is the one a log-in as ``identity`` leaves: the browser
    identifier Flask-Login keeps, the server-side login session and a CSRF token."""
    client = app.test_client()
    with app.test_request_context(environ_base=client.environ_base):
        identifier = login_manager._session_identifier_generator()
        user = db.session.get(User, int(identity.partition(":")[0]))
        token = open_login_session(user)
        db.session.commit()
    with client.session_transaction() as session:
        session[SESSION_TOKEN_KEY] = token
        session["_user_id"] = identity
        session["_fresh"] = True
        session["_id"] = identifier
        session["csrf_token"] = "bench-csrf-token"
    return client


def feature_figures(kind: str, database, bench_app) -> dict:
    """Query counts and simultaneous bookings for one database kind, each on a fresh database."""
    figures: dict = {}
    with database(kind) as url:
        figures["matrix"] = matrix_queries(bench_app(url))
    with database(kind) as url:
        figures["seat_report"] = seat_report_queries(bench_app(url))
    with database(kind) as url:
        figures["bookings"] = simultaneous_bookings(url, bench_app(url))
    return figures


def feature_lines(kinds: list[str], figures: dict) -> list[str]:
    """Markdown table rows for the figures of every database kind."""

    def row(label: str, cell, goal: str = "") -> str:
        return f"| {label} | " + " | ".join(cell(figures[k]) for k in kinds) + f" | {goal} |"

    lines = [
        row(
            "SQL statements, teacher's progress matrix at 4×3 / 40×30",
            lambda f: f"{f['matrix'][0]} / {f['matrix'][1]}",
            "equal",
        ),
        row(
            "SQL statements, seat report at 20 / 2,000 seats",
            lambda f: f"{f['seat_report'][0]} / {f['seat_report'][1]}",
            "equal",
        ),
        row(
            "200 simultaneous bookings for 20 places: confirmed / waitlisted / errors",
            lambda f: (
                f"{f['bookings']['confirmed']} / {f['bookings']['waitlisted']}"
                f" / {f['bookings']['errors']}"
            ),
            "20 / 180 / 0",
        ),
    ]
    return lines
