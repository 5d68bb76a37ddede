"""Hostile values, one field at a time, in otherwise valid requests: every form and every
filtered page, as every role that may use it.

Random forms (tests/test_fuzz_forms.py) fail validation at their first bad field, so they never
reach code that runs only when the rest of the form is right. Here each case starts from a
request the endpoint accepts, and changes one field (see tests/fuzzing.py for the values and
the checks). The run is derandomised: the same requests every time.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time, timedelta
from pathlib import Path

import pytest
from flask import Flask, redirect
from flask import request as flask_request
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from tests import fuzzing
from tests.conftest import (
    FUZZ_REQUESTS,
    PASSWORD,
    TEST_SECRET,
    Factory,
    backdate_bookings,
    copy_fixture_lesson,
    sync_lessons_in,
)
from tests.fuzzing import Case, Request
from tests.test_access_routes import (  # noqa: F401  (world is a fixture)
    World,
    _recordings_world,
    _seats_world,
    _series_world,
    _teaching_world,
    world,
)
from webapp import create_app
from webapp.access.rules import public
from webapp.accounts import passwords
from webapp.accounts import services as account_services
from webapp.accounts.models import Invitation, Role, User
from webapp.classes import services as class_services
from webapp.classes.models import ClassSession, Modality, SessionStatus
from webapp.clock import oslo_today
from webapp.db_types import utcnow
from webapp.entitlement import services as entitlement_services
from webapp.entitlement.flags import ALL_FLAGS
from webapp.entitlement.overview import STATUS_FILTERS
from webapp.extensions import db
from webapp.learners.levels import Level
from webapp.lessons import services as lesson_services
from webapp.lessons.models import Lesson, PlacementResult, VocabCard
from webapp.organisations.models import Organisation, OrganisationKind
from webapp.seats.models import (
    Offering,
    OfferingKind,
    OrderStatus,
    Seat,
    SeatAssignment,
    SeatOrder,
)
from webapp.teaching.models import Assignment, GroupMember, TeachingGroup

CHEAP_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1")
LESSON = "fixture-first-day"
NEW_PASSWORD = "Tretten-hvite-svaner-91"


@dataclass
class Env:
    """The world of tests/test_access_routes.py, with helpers that make fresh state."""

    w: World
    factory: Factory
    today: date

    def user(self, role: str) -> User:
        return self.w.users[role]

    def learner(self, n: int = 0) -> User:
        """A new learner of provider A living in municipality A."""
        learner = self.factory.learner(organisation=self.w.prov_a, home=self.w.mun_a)
        learner.password_hash = CHEAP_HASH
        db.session.commit()
        return learner

    def staff(self, role: Role, organisation) -> User:
        user = self.factory.user(role, organisation)
        user.password_hash = CHEAP_HASH
        db.session.commit()
        return user

    def started(self, learner: User) -> User:
        entitlement_services.set_start(
            self.user("admin"), learner, None, date(2025, 9, 10), "start"
        )
        db.session.commit()
        return learner

    def series(self, key: str = "a") -> int:
        return _series_world(self.w)[f"series_{key}"]

    def session(self, key: str = "a") -> int:
        return _series_world(self.w)[f"session_{key}"]

    def new_series(self) -> int:
        """A series of provider A that nobody has booked."""
        first = self.today + timedelta(days=30)
        teacher = self.user("teacher")
        series = class_services.create_series(
            teacher,
            class_services.SeriesInput(
                title="Tom klasse",
                description="",
                level=Level.A1,
                track=None,
                modality=Modality.ONLINE,
                address="",
                meeting_link="https://meet.example.org/tom",
                capacity=5,
                teacher_id=teacher.id,
                weekdays=frozenset({first.weekday()}),
                start_local=time(12),
                end_local=time(13),
                first_date=first,
                last_date=first + timedelta(days=14),
                extra_dates=frozenset(),
                cancelled_dates=frozenset(),
                drop_in_allowed=False,
                seat_price_nok=0,
            ),
        )
        db.session.commit()
        return series.id

    def past_session(self) -> int:
        """A session of series A that has begun (attendance can be marked)."""
        series_id = self.series()
        starts = utcnow() - timedelta(hours=1)
        session = ClassSession(
            series_id=series_id,
            local_date=self.today,
            start_local=time(8),
            end_local=time(9),
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            status=SessionStatus.SCHEDULED,
            is_extra=True,
            sequence=0,
        )
        db.session.add(session)
        db.session.commit()
        backdate_bookings(series_id)
        return session.id

    def offering(self, **kwargs) -> Offering:
        values = {
            "provider_id": self.w.prov_a.id,
            "kind": OfferingKind.LICENCE,
            "months": 6,
            "title": "Lisens",
            "price_nok": 1000,
            "seats_for_sale": 50,
            **kwargs,
        }
        offering = Offering(**values)
        db.session.add(offering)
        db.session.commit()
        return offering

    def order(self, status: OrderStatus) -> SeatOrder:
        order = SeatOrder(
            offering_id=self.offering().id,
            municipality_id=self.w.mun_a.id,
            seats=2,
            unit_price_nok=1000,
            first_day=date(2026, 1, 1),
            last_day=date(2099, 12, 31),
            status=status,
        )
        db.session.add(order)
        db.session.commit()
        return order

    def free_seat(self) -> Seat:
        seat = Seat(order_id=self.order(OrderStatus.ACCEPTED).id, number=1)
        db.session.add(seat)
        db.session.commit()
        return seat

    def group(self, *learners: User) -> TeachingGroup:
        group = TeachingGroup(provider_id=self.w.prov_a.id, name="Gruppe")
        db.session.add(group)
        db.session.flush()
        for learner in learners:
            db.session.add(GroupMember(group_id=group.id, learner_id=learner.id))
        db.session.commit()
        return group

    def invitation(self, uses: int = 1) -> Invitation:
        invitation = account_services.create_invitation(
            self.user("coordinator"), self.w.mun_a, max_uses=uses, valid_days=30
        )
        db.session.commit()
        return invitation


@pytest.fixture
def env(app: Flask, world: World, factory: Factory, monkeypatch, tmp_path: Path) -> Env:  # noqa: F811
    """The world, cheap password hashes (thousands of log-ins), the fixture lesson."""
    monkeypatch.setattr(
        passwords,
        "generate_password_hash",
        lambda password, method=None: generate_password_hash(password, "pbkdf2:sha256:1"),
    )
    monkeypatch.setattr(account_services, "DUMMY_HASH", CHEAP_HASH)
    for user in db.session.scalars(select(User)):
        user.password_hash = CHEAP_HASH
    db.session.commit()
    copy_fixture_lesson(tmp_path)
    sync_lessons_in(tmp_path)
    _series_world(world)
    _seats_world(world)
    _teaching_world(world)
    return Env(world, factory, oslo_today())


# The cases ------------------------------------------------------------------------------------

LOGGED_IN = ("learner", "teacher", "coordinator", "provider_admin", "admin")
STAFF = ("teacher", "coordinator", "provider_admin", "admin")
RUNNERS = ("teacher", "provider_admin")
MANAGERS = ("teacher", "provider_admin", "admin")
DECIDERS = ("coordinator", "admin")


def _post(url: str, fields: dict, login: User | None, **kw) -> Request:
    return Request("POST", url, _pairs(fields), login=login, **kw)


def _get(url: str, fields: dict, login: User | None) -> Request:
    return Request("GET", url, _pairs(fields), login=login)


def _pairs(fields: dict) -> list[tuple[str, str]]:
    pairs = []
    for key, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            pairs.append((key, str(item)))
    return pairs


def account_cases(e: Env) -> list[Case]:
    def login(n: int) -> Request:
        user = e.learner()
        return _post(
            "/login", {"email": user.email, "password": PASSWORD, "next": "/classes"}, None
        )

    def join_details(n: int) -> Request:
        return _post(
            f"/join/{joining.code}",
            {
                "name": "Olena Kovalenko",
                "email": f"olena{n}@example.org",
                "password": NEW_PASSWORD,
                "confirm": NEW_PASSWORD,
                "locale": "en",
                "birth_date": "1988-03-14",
                "settlement_date": "2025-02-01",
                "first_language": "uk",
                "education": "higher",
                "employment": "shift_work",
                "working_hours": "Skift 07-15",
                "phone": "+47 400 00 000",
                "code": joining.code,
            },
            None,
        )

    joining = e.invitation(uses=500)

    def reset(role: str):
        def build(n: int) -> Request:
            user = e.learner()
            token = account_services.issue_reset_token(user)
            db.session.commit()
            return _post(
                f"/password/reset/{token}",
                {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
                None if role == "anonymous" else e.user(role),
            )

        return build

    def profile_details(role: str):
        return lambda n: _post(
            "/profile",
            {"details-name": f"Navn {n}", "details-locale": "en", "details-submit": "1"},
            e.user(role),
        )

    def profile_password(n: int) -> Request:
        return _post(
            "/profile",
            {
                "password-current": PASSWORD,
                "password-password": NEW_PASSWORD,
                "password-confirm": NEW_PASSWORD,
                "password-submit": "1",
            },
            e.learner(),
        )

    cases = [
        Case("accounts.login", "anonymous", login),
        Case(
            "accounts.join",
            "anonymous",
            lambda n: _post("/join", {"code": joining.code}, None),
            writes=False,
        ),
        Case(
            "accounts.join_details",
            "anonymous",
            join_details,
            keeps=("name", "email", "working_hours", "phone", "birth_date"),
            extra={"first_language": ("de",), "education": ("phd",), "locale": ("fr",)},
            path=("code", lambda code: f"/join/{code}"),
        ),
        Case("accounts.profile_password", "learner", profile_password),
    ]
    for role in ("anonymous", *LOGGED_IN):
        login_user = None if role == "anonymous" else e.user(role)
        cases.append(
            Case(
                "accounts.forgot_password",
                role,
                lambda n, u=login_user: _post(
                    "/password/forgot", {"email": e.user("learner").email}, u
                ),
                ok=(200,),
                writes=False,  # at most a few links an hour per account
            )
        )
        cases.append(
            Case(
                "accounts.reset_password",
                role,
                reset(role),
                path=("token", lambda token: f"/password/reset/{token}"),
            )
        )
        cases.append(
            Case(
                "i18n.switch_language",
                role,
                lambda n, u=login_user: _post("/language", {"locale": "ru", "next": "/lessons"}, u),
                writes=role != "anonymous",
            )
        )
    for role in LOGGED_IN:
        cases.append(Case("accounts.profile_details", role, profile_details(role)))
        cases.append(
            Case(
                "accounts.logout",
                role,
                lambda n, r=role: _post("/logout", {"submit": "1"}, e.user(r)),
            )
        )
        cases.append(
            Case(
                "accounts.logout_everywhere",
                role,
                lambda n: _post("/logout/everywhere", {"submit": "1"}, e.learner()),
            )
        )
    return cases


def class_cases(e: Env) -> list[Case]:
    first = e.today + timedelta(days=14)
    other_teacher = e.w.other_staff["provider_admin"].id

    def new_series(role: str):
        def build(n: int) -> Request:
            user = e.user(role)
            return _post(
                "/classes/new",
                {
                    "title": f"Kveldskurs {n}",
                    "description": "Norsk for helsearbeidere.\nTo kvelder i uka.",
                    "level": "A2",
                    "track": "working-life",
                    "modality": "hybrid",
                    "address": "Storgata 1, Drammen",
                    "meeting_link": "https://meet.example.org/kurs",
                    "capacity": "12",
                    "teacher": str(user.id),
                    "drop_in_allowed": "y",
                    "seat_price_nok": "2500",
                    "weekdays": [str(first.weekday()), str((first.weekday() + 2) % 7)],
                    "start_local": "18:00",
                    "end_local": "20:00",
                    "first_date": first.isoformat(),
                    "last_date": (first + timedelta(days=60)).isoformat(),
                    "extra_dates": (first + timedelta(days=61)).isoformat(),
                    "cancelled_dates": (first + timedelta(days=7)).isoformat(),
                    "save": "1",
                },
                user,
            )

        return build

    def edit_series(role: str):
        series_id = e.new_series()  # nobody books it: any capacity fits
        return lambda n: _post(
            f"/classes/{series_id}/edit",
            {
                "title": f"Kveldskurs {n}",
                "description": "Endret",
                "level": "B1",
                "track": "",
                "modality": "online",
                "address": "",
                "meeting_link": "https://meet.example.org/y",
                "capacity": "11",
                "teacher": "",
                "drop_in_allowed": "y",
                "seat_price_nok": "0",
                "save": "1",
            },
            e.user(role),
        )

    def add_session(role: str):
        def build(n: int) -> Request:
            day = e.today + timedelta(days=60 + 3 * n + MANAGERS.index(role))
            return _post(
                f"/classes/{e.series()}/sessions",
                {"day": day.isoformat(), "start_local": "08:00", "end_local": "09:30"},
                e.user(role),
            )

        return build

    def cancel_session(role: str):
        def build(n: int) -> Request:
            series = db.session.get(class_services.ClassSeries, e.series())
            day = e.today + timedelta(days=400 + 3 * n + MANAGERS.index(role))
            session = class_services.add_session(e.user("admin"), series, day, time(7), time(7, 30))
            db.session.commit()
            return _post(
                f"/classes/{series.id}/sessions/{session.id}/cancel", {"submit": "1"}, e.user(role)
            )

        return build

    def attendance(role: str):
        def build(n: int) -> Request:
            session_id = e.past_session()
            return _post(
                f"/classes/{e.series()}/sessions/{session_id}/attendance",
                {f"mark-{e.w.learner_a.id}": "present", "submit": "1"},
                e.user(role),
            )

        return build

    def book(n: int) -> Request:
        return _post(f"/classes/{e.series('b')}/book", {"submit": "1"}, e.learner())

    def drop_in(n: int) -> Request:
        return _post(
            f"/classes/{e.series('a')}/sessions/{e.session('a')}/book", {"submit": "1"}, e.learner()
        )

    def cancel_booking(n: int) -> Request:
        learner = e.learner()
        series = db.session.get(class_services.ClassSeries, e.series("b"))
        booking = class_services.book_series(learner, series)
        db.session.commit()
        return _post(f"/bookings/{booking.id}/cancel", {"back": "list"}, learner)

    def free_time(n: int) -> Request:
        monday = e.today - timedelta(days=e.today.weekday())
        return _post(
            "/my/free-time",
            {
                "cycle_weeks": "2",
                "cycle_start": monday.isoformat(),
                "free": ["0-1-18", "1-3-19", "0-5-10"],
                "save": "1",
            },
            e.learner(),
        )

    cases = [
        Case("classes.book_series", "learner", book),
        Case("classes.book_drop_in", "learner", drop_in),
        Case("classes.cancel_booking", "learner", cancel_booking),
        Case("classes.free_time_page", "learner", free_time),
    ]
    for role in RUNNERS:
        cases.append(
            Case(
                "classes.new_series",
                role,
                new_series(role),
                keeps=("title", "description", "address", "meeting_link", "capacity"),
                extra={
                    "teacher": (str(other_teacher),),
                    "weekdays": ("7", "tue"),
                    "extra_dates": ("0001-01-01", "9999-12-31 2026-01-01", "2026-02-30"),
                    "cancelled_dates": ("0001-01-01", "9999-12-31"),
                    "start_local": ("24:00", "23:59:59", "07:60"),
                },
            )
        )
    for role in MANAGERS:
        cases += [
            Case(
                "classes.edit_series",
                role,
                edit_series(role),
                keeps=("title", "description", "meeting_link"),
                extra={"teacher": (str(other_teacher),), "capacity": ("0", "501")},
            ),
            Case("classes.add_session", role, add_session(role)),
            Case("classes.cancel_session", role, cancel_session(role)),
            Case(
                "classes.attendance",
                role,
                attendance(role),
                extra={f"mark-{e.w.learner_a.id}": ("late", "absent", "excused")},
            ),
        ]
    for role in LOGGED_IN:
        cases.append(
            Case(
                "classes.renew_calendar",
                role,
                lambda n, r=role: _post("/calendar/renew", {"submit": "1"}, e.user(r)),
            )
        )
    return cases


def entitlement_cases(e: Env) -> list[Case]:
    def at(suffix: str, fields: dict, prepare=None):
        def case(role: str) -> Callable:
            def build(n: int) -> Request:
                learner = e.started(e.learner()) if prepare is not False else e.learner()
                path = suffix
                if callable(prepare):
                    path = suffix.format(prepare(learner))
                return _post(f"/learners/{learner.id}/entitlement/{path}", fields, e.user(role))

            return build

        return case

    def leave(learner: User) -> int:
        entitlement_services.add_leave(
            e.user("admin"), learner, date(2026, 1, 5), date(2026, 1, 20), "permisjon"
        )
        db.session.commit()
        return entitlement_services.get_entitlement(learner).leaves[0].id

    def extension(learner: User) -> int:
        entitlement_services.add_extension(e.user("admin"), learner, date(2026, 1, 5), 3, "")
        db.session.commit()
        return entitlement_services.get_entitlement(learner).extensions[0].id

    def dropout(learner: User) -> int:
        entitlement_services.register_dropout(e.user("admin"), learner, date(2026, 2, 1), "flyttet")
        db.session.commit()
        return 0

    reason = {"reason": "Vedtak fra NAV"}
    builders = {
        "set_start": at(
            "start",
            {"decision_date": "2025-09-05", "start_date": "2025-09-10", **reason},
            prepare=False,
        ),
        "add_leave": at("leave", {"first_day": "2026-03-02", "last_day": "2026-03-20", **reason}),
        "remove_leave": at("leave/{}/remove", reason, prepare=leave),
        "add_extension": at(
            "extension", {"decided_on": "2026-04-01", "months": "2", "note": "Vedtak"}
        ),
        "remove_extension": at("extension/{}/remove", reason, prepare=extension),
        "register_dropout": at("dropout", {"on": "2026-05-01", **reason}),
        "withdraw_dropout": at("dropout/withdraw", reason, prepare=dropout),
    }
    return [
        Case(
            f"entitlement.{name}",
            role,
            make(role),
            keeps=("reason",) if name == "add_leave" else (),
        )
        for name, make in builders.items()
        for role in DECIDERS
    ]


def learner_cases(e: Env) -> list[Case]:
    columns = (
        "name",
        "email",
        "birth_date",
        "settlement_date",
        "first_language",
        "education",
        "employment",
        "phone",
        "level",
    )

    def upload(n: int) -> Request:
        row = {
            "name": "Olena Kovalenko",
            "email": f"import{n}@example.org",
            "birth_date": "1987-03-14",
            "settlement_date": "01.02.2025",
            "first_language": "uk",
            "education": "higher",
            "employment": "shift_work",
            "phone": "+47 912 34 567",
            "level": "A2",
            "only_valid": "y",
        }
        return _post("/learners/import", row, e.user("coordinator"), csv_columns=columns)

    cases = [Case("learners.import_learners", "coordinator", upload)]
    for role in STAFF:
        cases.append(
            Case(
                "learners.set_level",
                role,
                lambda n, r=role: _post(
                    f"/learners/{e.learner().id}/level", {"level": "B1"}, e.user(r)
                ),
                extra={"level": ("a1", "C2")},
            )
        )
    return cases


def lesson_cases(e: Env) -> list[Case]:
    def exercise(exercise_id: str, fields: dict):
        def build(n: int) -> Request:
            return _post(f"/lessons/{LESSON}/exercises/{exercise_id}", fields, e.learner())

        return build

    def rate(n: int) -> Request:
        learner = e.learner()
        lesson_services.create_cards(learner, db.session.get(Lesson, LESSON))
        db.session.commit()
        card = db.session.scalar(select(VocabCard).where(VocabCard.learner_id == learner.id))
        return _post(f"/review/{card.id}", {"rating": "3"}, learner)

    def placement_writing(n: int) -> Request:
        learner = e.learner()
        db.session.add(PlacementResult(learner_id=learner.id, level="A1", correct=0, answered=6))
        db.session.commit()
        text = f"Jeg heter Olena og har jobbet som kokk i Odesa i {n} år."
        return _post("/placement/writing", {"text": text}, learner)

    from lessons.placement import load_bank

    item = load_bank()[0]
    return [
        Case(
            "lessons.answer",
            "learner",
            exercise("e1", {"answer": "Hei, jeg heter Olena.", "submit": "1"}),
            path=("exercise", lambda value: f"/lessons/{LESSON}/exercises/{value}"),
        ),
        Case(
            "lessons.answer_match",
            "learner",
            exercise("e3", {"pair-0": "колега", "pair-1": "роздягальня", "pair-2": "перерва"}),
        ),
        Case(
            "lessons.answer_writing",
            "learner",
            exercise("e7", {"answer": "Jeg heter Olena og jobber på et sykehjem i Drammen."}),
        ),
        Case(
            "lessons.answer_other_lesson",
            "learner",
            exercise("e1", {"answer": "a"}),
            vary=(),
            path=("lesson", lambda value: f"/lessons/{value}/exercises/e1"),
        ),
        Case("lessons.rate_card", "learner", rate),
        Case(
            "lessons.placement",
            "learner",
            lambda n: _post(
                "/placement", {"item": item["id"], "answer": item["answer"]}, e.learner()
            ),
            writes=False,  # the answers are kept in the session until the level is clear
        ),
        Case("lessons.placement_writing", "learner", placement_writing, keeps=("text",)),
        Case(
            "lessons.placement_restart",
            "learner",
            lambda n: _post("/placement", {"restart": "1"}, e.learner()),
            writes=False,
        ),
        Case(
            "lessons.support_language",
            "learner",
            lambda n: _post(
                "/support-language", {"language": "ru", "next": "/profile"}, e.learner()
            ),
            extra={"language": ("de", "RU", "ru ")},
        ),
        Case(
            "lessons.heartbeat",
            "learner",
            lambda n: _post("/study/heartbeat", {"source": "review"}, e.learner()),
            ok=(200,),
            writes=False,  # credited from the second beat on
        ),
    ]


def practice_cases(e: Env) -> list[Case]:
    from lessons import practice

    reading = practice.load_sets()["a2-reading"]
    answers = {f"answer-{item['id']}": item["answer"] for item in practice.questions(reading)}
    text = " ".join(["Hei Anne, jeg er dessverre syk i dag og kan ikke komme på jobb."] * 3)
    return [
        Case(
            "practice.answer",
            "learner",
            lambda n: _post("/practice/a2-reading", answers, e.learner()),
            path=("set", lambda value: f"/practice/{value}"),
        ),
        Case(
            "practice.answer_listening",
            "learner",
            lambda n: _post(
                "/practice/b1-listening", {"answer-b1l1": "Hei", "no_voice": "1"}, e.learner()
            ),
        ),
        Case(
            "practice.send_text",
            "learner",
            lambda n: _post("/practice/a2-writing/writing/a2w1", {"text": text}, e.learner()),
            keeps=("text",),
            path=("task", lambda value: f"/practice/a2-writing/writing/{value}"),
        ),
        Case(
            "practice.mark_practised",
            "learner",
            lambda n: _post("/practice/b2-oral/practised/b2o1", {}, e.learner()),
            path=("prompt", lambda value: f"/practice/b2-oral/practised/{value}"),
        ),
    ]


def organisation_cases(e: Env) -> list[Case]:
    def organisation(n: int) -> Request:
        return _post(
            "/organisations",
            {
                "name": f"Fuzz kommune {n}",
                "kind": "municipality",
                "municipality_number": f"{5000 + n}",
            },
            e.user("admin"),
        )

    own = {"coordinator": e.w.mun_a, "provider_admin": e.w.prov_a, "admin": e.w.prov_a}
    new_role = {"coordinator": "coordinator", "provider_admin": "teacher", "admin": "teacher"}

    def staff(role: str):
        return lambda n: _post(
            f"/organisations/{own[role].id}/staff",
            {
                "name": "Kari Nordmann",
                "email": f"kari{n}.{role}@example.org",
                "role": new_role[role],
                "locale": "nb",
            },
            e.user(role),
        )

    def deactivate(role: str):
        def build(n: int) -> Request:
            colleague = (
                e.staff(Role.COORDINATOR, e.w.mun_a)
                if role == "coordinator"
                else e.staff(Role.TEACHER, e.w.prov_a)
            )
            return _post(
                f"/organisations/staff/{colleague.id}/active", {"active": "0"}, e.user(role)
            )

        return build

    def revoke(role: str):
        def build(n: int) -> Request:
            issuer = e.user(role)
            invitation = account_services.create_invitation(issuer, e.w.mun_a, 1, 30)
            db.session.commit()
            return _post(f"/invitations/{invitation.id}/revoke", {"submit": "1"}, issuer)

        return build

    cases = [
        Case(
            "organisations.organisation_list",
            "admin",
            organisation,
            keeps=("name", "municipality_number"),
            extra={"kind": ("both", "provider")},
        )
    ]
    for role in ("coordinator", "provider_admin", "admin"):
        cases += [
            Case(
                "organisations.staff",
                role,
                staff(role),
                keeps=("name", "email"),
                extra={"role": ("admin", "learner", "provider_admin")},
            ),
            Case(
                "organisations.set_staff_active", role, deactivate(role), extra={"active": ("1",)}
            ),
        ]
    for role in ("coordinator", "teacher", "provider_admin"):
        cases += [
            Case(
                "organisations.invitations",
                role,
                lambda n, r=role: _post(
                    "/invitations",
                    {"home_municipality": str(e.w.mun_a.id), "max_uses": "5", "valid_days": "30"},
                    e.user(r),
                ),
                extra={"home_municipality": (str(e.w.mun_b.id), str(e.w.prov_a.id))},
            ),
            Case("organisations.revoke_invitation", role, revoke(role)),
        ]
    return cases


def seat_cases(e: Env) -> list[Case]:
    def offering(kind: str):
        def build(n: int) -> Request:
            return _post(
                "/offerings",
                {
                    "kind": kind,
                    "title": f"Plasser {n}",
                    "description": "Kveldskurs",
                    "series": str(e.series()) if kind == "class_seat" else "",
                    "months": "6" if kind == "licence" else "",
                    "price_nok": "1500",
                    "seats_for_sale": "5",
                },
                e.user("provider_admin"),
            )

        return build

    def order(n: int) -> Request:
        offering = e.offering()
        return _post(
            f"/offerings/{offering.id}/orders",
            {
                "seats": "2",
                "first_day": e.today.isoformat(),
                "last_day": (e.today + timedelta(days=180)).isoformat(),
                "note": "Til høstens kull",
                "price_seen": str(offering.price_nok),
                "confirm": "1",
            },
            e.user("coordinator"),
        )

    def decide(action: str, role: str):
        def build(n: int) -> Request:
            pending = e.order(OrderStatus.PENDING)
            return _post(f"/orders/{pending.id}/{action}", {"submit": "1"}, e.user(role))

        return build

    def toggle(role: str):
        return lambda n: _post(
            f"/offerings/{e.offering().id}/active", {"submit": "1"}, e.user(role)
        )

    def assign(n: int) -> Request:
        learner = e.learner()
        return _post(
            f"/seats/{e.free_seat().id}/assign", {"email": learner.email}, e.user("coordinator")
        )

    def release(n: int) -> Request:
        held = SeatAssignment(seat_id=e.free_seat().id, learner_id=e.learner().id)
        db.session.add(held)
        db.session.commit()
        return _post(f"/seat-assignments/{held.id}/release", {"submit": "1"}, e.user("coordinator"))

    cases = [
        Case(
            "seats.offering_list",
            "provider_admin",
            offering("licence"),
            keeps=("title", "description", "price_nok"),
            extra={"series": (str(e.series("b")),)},
        ),
        Case(
            "seats.offering_list_class_seat",
            "provider_admin",
            offering("class_seat"),
            extra={"series": (str(e.series("b")),), "seats_for_sale": ("11",)},
        ),
        Case(
            "seats.place_order",
            "coordinator",
            order,
            keeps=("note", "seats", "first_day", "last_day"),
        ),
        Case("seats.withdraw_order", "coordinator", decide("withdraw", "coordinator")),
        Case(
            "seats.assign_seat",
            "coordinator",
            assign,
            extra={"email": (e.w.learner_b.email, e.user("teacher").email)},
        ),
        Case("seats.release_seat", "coordinator", release),
    ]
    for role in ("provider_admin", "admin"):
        cases += [
            Case("seats.accept_order", role, decide("accept", role)),
            Case("seats.decline_order", role, decide("decline", role)),
            Case("seats.set_offering_active", role, toggle(role)),
        ]
    return cases


def teaching_cases(e: Env) -> list[Case]:
    other_teacher = str(e.w.other_staff["provider_admin"].id)

    def group_list(role: str):
        return lambda n: _post(
            "/groups",
            {"name": f"Gruppe {n}", "series": str(e.series()), "teacher": str(e.user(role).id)},
            e.user(role),
        )

    def add_member(role: str):
        def build(n: int) -> Request:
            group = e.group()
            return _post(
                f"/groups/{group.id}/members", {"email": e.w.learner_a.email}, e.user(role)
            )

        return build

    def remove_member(role: str):
        def build(n: int) -> Request:
            group = e.group(e.w.learner_a)
            return _post(
                f"/groups/{group.id}/members/{e.w.learner_a.id}/remove",
                {"submit": "1"},
                e.user(role),
            )

        return build

    def add_assignment(role: str, content: str, learner: bool):
        def build(n: int) -> Request:
            group = e.group(e.w.learner_a)
            return _post(
                f"/groups/{group.id}/assignments",
                {
                    "content": content,
                    "learner": str(e.w.learner_a.id) if learner else "",
                    "due_date": (e.today + timedelta(days=7)).isoformat(),
                },
                e.user(role),
            )

        return build

    def delete_assignment(role: str):
        def build(n: int) -> Request:
            group = e.group()
            assignment = Assignment(
                provider_id=e.w.prov_a.id, group_id=group.id, level="A1", due_date=e.today
            )
            db.session.add(assignment)
            db.session.commit()
            return _post(
                f"/assignments/{assignment.id}/delete", {"group": str(group.id)}, e.user(role)
            )

        return build

    def reply(role: str):
        def build(n: int) -> Request:
            text = _teaching_world(e.w)["text_a"]
            return _post(
                f"/writing/{text}/reply",
                {"reply": f"Bra skrevet! Husk inversjon.\nHilsen {n}"},
                e.user(role),
            )

        return build

    def message(role: str):
        def build(n: int) -> Request:
            group = e.group(e.w.learner_a)
            return _post(
                "/messages/new",
                {"audience": f"group:{group.id}", "body": f"I kveld er vi i rom 3.\nHilsen {n}"},
                e.user(role),
            )

        return build

    cases = []
    for role in RUNNERS:
        cases += [
            Case(
                "teaching.message_form",
                role,
                message(role),
                extra={"audience": ("group:0", "series:x", "session:", "nothing")},
            ),
            Case(
                "teaching.group_list",
                role,
                group_list(role),
                keeps=("name",),
                extra={"series": (str(e.series("b")),), "teacher": (other_teacher,)},
            ),
            Case(
                "teaching.add_member",
                role,
                add_member(role),
                extra={"email": (e.w.learner_b.email, e.user("coordinator").email)},
            ),
            Case("teaching.remove_member", role, remove_member(role)),
            Case(
                "teaching.add_assignment",
                role,
                add_assignment(role, "level:A1", learner=False),
                extra={"content": ("level:Z9", "track:nowhere", "lesson:none", "level:")},
            ),
            Case(
                "teaching.add_assignment_lesson",
                role,
                add_assignment(role, f"lesson:{LESSON}", learner=True),
                extra={"learner": (str(e.w.learner_b.id),)},
            ),
            Case("teaching.delete_assignment", role, delete_assignment(role)),
            Case("teaching.reply", role, reply(role)),
        ]
    return cases


def page_cases(e: Env) -> list[Case]:
    """Pages with query parameters (lists, filters, years, weeks) and public paths."""
    cases = []

    def page(name: str, url: str, roles, fields: dict, extra=None, path=None):
        for role in roles:
            user = None if role == "anonymous" else e.user(role)
            cases.append(
                Case(
                    name,
                    role,
                    lambda n, u=user: _get(url, fields, u),
                    ok=(200,),
                    writes=False,
                    extra=extra or {},
                    path=path,
                )
            )

    overview = {
        "q": "Learner",
        "status": STATUS_FILTERS[0],
        "flag": ALL_FLAGS[0],
        "sort": "-last_day",
        "page": "1",
    }
    page("learners.learner_list", "/learners", STAFF, {"q": "Learner", "page": "1"})
    page("entitlement.overview", "/entitlements", STAFF, overview)
    page("entitlement.overview_csv", "/entitlements.csv", STAFF, overview)
    page(
        "classes.class_list_fit",
        "/classes",
        ("learner",),
        {"level": "A2", "modality": "online", "page": "1"},
    )
    page("classes.class_list", "/classes", STAFF, {"past": "1", "page": "1"})
    page(
        "classes.demand",
        "/classes/demand",
        STAFF,
        {"level": "A2", "municipality": str(e.w.mun_a.id)},
        extra={"municipality": (str(e.w.mun_b.id), str(e.w.prov_a.id))},
    )
    page("classes.free_time_page", "/my/free-time", ("learner",), {"weeks": "2"})
    page("lessons.catalogue", "/lessons", LOGGED_IN, {"track": "working-life", "level": "A1"})
    page("lessons.review", "/review", ("learner",), {"reveal": "1"})
    page("seats.seat_pool", "/seats", DECIDERS, {"ended": "1"})
    page("seats.report", "/seats/report", DECIDERS, {"year": str(e.today.year)})
    page("seats.report_csv", "/seats/report.csv", DECIDERS, {"year": str(e.today.year)})
    page(
        "seats.offering_list",
        "/offerings",
        ("coordinator", "provider_admin", "admin"),
        {"page": "1"},
    )
    page("seats.order_list", "/orders", ("coordinator", "provider_admin", "admin"), {"page": "1"})
    page("organisations.organisation_list", "/organisations", ("admin",), {"page": "1"})
    page(
        "organisations.staff",
        f"/organisations/{e.w.mun_a.id}/staff",
        ("coordinator", "admin"),
        {"page": "1"},
    )
    page(
        "organisations.invitations",
        "/invitations",
        ("coordinator", "teacher", "provider_admin"),
        {"page": "1"},
    )
    page("teaching.group_list", "/groups", MANAGERS, {"page": "1"})
    page("teaching.writing_list", "/writing", MANAGERS, {"page": "1"})
    page(
        "teaching.group_page",
        f"/groups/{_teaching_world(e.w)['group_a']}",
        MANAGERS,
        {"page": "1"},
    )
    page("accounts.login", "/login", ("anonymous",), {"next": "/classes"})
    page("accounts.join", "/join", ("anonymous",), {"code": "TEACHERAAA"})
    token = _series_world(e.w)["token_a"]
    page(
        "classes.calendar_feed",
        f"/calendar/{token}.ics",
        ("anonymous",),
        {},
        path=("token", lambda value: f"/calendar/{value}.ics"),
    )
    page(
        "lessons.lesson_page",
        f"/lessons/{LESSON}",
        ("learner", "teacher"),
        {},
        path=("lesson", lambda value: f"/lessons/{value}"),
    )
    page(
        "static",
        "/static/css/main.css",
        ("anonymous",),
        {"v": "1"},
        path=("file", lambda value: f"/static/{value}"),
    )
    return cases


def recording_cases(e: Env) -> list[Case]:
    """A teacher's written reply to a spoken answer, and the pages that take a lesson id."""

    def reply(n: int) -> Request:
        answer = _recordings_world(e.w)["answer_a"]
        return _post(f"/speaking/{answer}/reply", {"reply": f"Fin uttale! {n}"}, e.user("teacher"))

    cases = [Case("recordings.reply", "teacher", reply)]
    for name, role, suffix in (
        ("recordings.speaking_page", "learner", "speaking"),
        ("recordings.lesson_recordings", "teacher", "recordings"),
    ):
        user = e.user(role)
        cases.append(
            Case(
                name,
                role,
                lambda n, u=user, s=suffix: _get(f"/lessons/{LESSON}/{s}", {}, u),
                ok=(200,),
                writes=False,
                path=("lesson", lambda value, s=suffix: f"/lessons/{value}/{s}"),
            )
        )
    return cases


GROUPS = {
    "recordings": recording_cases,
    "accounts": account_cases,
    "classes": class_cases,
    "entitlement": entitlement_cases,
    "learners": learner_cases,
    "lessons": lesson_cases,
    "organisations": organisation_cases,
    "practice": practice_cases,
    "seats": seat_cases,
    "teaching": teaching_cases,
    "pages": page_cases,
}


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_hostile_values_one_field_at_a_time(app: Flask, env: Env, group: str, request):
    only = os.environ.get("FUZZ_ONLY", "")  # e.g. FUZZ_ONLY=new_series[teacher] to look closer
    cases = [case for case in GROUPS[group](env) if only in case.id]
    seen: set[str] = set()
    with fuzzing.Fuzzer(app) as fuzzer:
        for case in cases:
            fuzzer.run(case, fuzzing.table_for(case.name not in seen))
            seen.add(case.name)
    counts = request.config.stash.setdefault(FUZZ_REQUESTS, {})
    dialect = db.engine.dialect.name
    counts[dialect] = counts.get(dialect, 0) + fuzzer.sent
    print(f"{group}: {fuzzer.sent} requests on {dialect}")
    assert not fuzzer.failures, "\n".join(fuzzer.failures)
    assert fuzzer.sent >= len(cases) * len(fuzzing.FEW)


def test_the_fuzzer_reports_a_crash_a_refusal_that_wrote_and_hidden_stored_text(tmp_path):
    fresh = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": TEST_SECRET,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'careless.sqlite3'}",
            "WTF_CSRF_ENABLED": False,
        }
    )

    @fresh.route("/careless", methods=["POST"])
    @public
    def careless():
        name = flask_request.form.get("name", "")
        if name == "boom":
            raise RuntimeError("boom")
        db.session.add(Organisation(name=name, kind=OrganisationKind.PROVIDER))
        db.session.commit()
        return ("refused", 400) if flask_request.form.get("refuse") else redirect("/")

    with fresh.app_context():
        db.create_all()
        with fuzzing.Fuzzer(fresh) as fuzzer:
            careless_request = Request("POST", "/careless")

            def problem(**fields: str) -> str | None:
                return fuzzer.send(careless_request, list(fields.items())).problem

            assert problem(name="Ålesund") is None
            assert problem(name="boom") == "500: RuntimeError: boom at []"
            assert problem(name="Bø", refuse="1") == "400 but wrote to ['organisations']"
            assert problem(name="Bø\u202e") == "302 and stored 'Bø\\u202e' in organisations"
            decomposed = "Zoe\u0308"
            assert problem(name=decomposed) == f"302 and stored {decomposed!r} in organisations"
            assert fuzzer.sent == 5
        db.drop_all()
