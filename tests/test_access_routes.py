"""Every route declares who may call it, and each role sees only its own organisation's rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from tests.conftest import TEST_SECRET, login_as
from webapp import create_app
from webapp.access.rules import undeclared_endpoints
from webapp.accounts.models import Invitation, Role, User
from webapp.db_types import utcnow
from webapp.extensions import db
from webapp.organisations.models import Organisation, OrganisationKind


def test_every_route_declares_an_access_rule(app):
    assert undeclared_endpoints(app) == []


def test_a_new_route_without_a_rule_is_caught_and_refused(tmp_path):
    fresh = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": TEST_SECRET,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}",
        }
    )

    @fresh.route("/forgotten-admin-tool")
    def forgotten_admin_tool() -> str:
        return "secret data"

    assert undeclared_endpoints(fresh) == ["forgotten_admin_tool"]
    response = fresh.test_client().get("/forgotten-admin-tool")
    assert response.status_code == 403
    assert b"secret data" not in response.data


@dataclass
class World:
    """Two of everything, so each role has an own and an other organisation."""

    mun_a: Organisation
    mun_b: Organisation
    prov_a: Organisation
    prov_b: Organisation
    users: dict[str, User]
    learner_a: User
    learner_b: User
    colleague: dict[str, User]
    other_staff: dict[str, User]
    invitation: dict[str, Invitation]
    other_invitation: Invitation


def _invitation(org: Organisation, home: Organisation, code: str) -> Invitation:
    invitation = Invitation(
        code=code,
        organisation=org,
        home_municipality=home,
        expires_at=utcnow() + timedelta(days=5),
        max_uses=3,
    )
    db.session.add(invitation)
    db.session.commit()
    return invitation


LESSON_CONTENT = {
    "id": "access-lesson",
    "track": "working-life",
    "level": "A1",
    "minutes": 10,
    "title": {"nb": "Tilgang", "uk": "Доступ", "ru": "Доступ", "en": "Access"},
    "goals": {"nb": ["Mål"], "uk": ["Мета"], "ru": ["Цель"], "en": ["Goal"]},
    "vocabulary": [],
    "blocks": [
        {
            "nb": "<p>Hei. Jeg heter Per.</p>",
            "uk": "<p>Привіт. Мене звати Пер.</p>",
            "ru": "<p>Привет. Меня зовут Пер.</p>",
        }
    ],
    "exercises": [
        {"id": "e1", "type": "choice", "question": "?", "options": ["a", "b"], "answer": "a"}
    ],
    "speaking": {
        "prompt": {
            "nb": "Si hei.",
            "uk": "Привітайтеся.",
            "ru": "Поздоровайтесь.",
            "en": "Say hi.",
        },
        "model": "Hei!",
    },
}


def _lesson_with_cards(*learners: User) -> None:
    import json

    from webapp.lessons.models import Lesson, VocabCard

    db.session.add(
        Lesson(
            id="access-lesson",
            track="working-life",
            level="A1",
            position=1,
            minutes=10,
            title_nb="Tilgang",
            digest="x" * 64,
            content=json.dumps(LESSON_CONTENT),
        )
    )
    db.session.flush()
    for learner in learners:
        db.session.add(
            VocabCard(
                learner_id=learner.id,
                lesson_id="access-lesson",
                word_nb="hei",
                meaning="привіт",
                direction="from_nb",
                due=utcnow(),
                state="{}",
            )
        )
    db.session.commit()


@pytest.fixture
def world(factory) -> World:
    mun_a = factory.organisation(OrganisationKind.MUNICIPALITY, "Kommune A")
    mun_b = factory.organisation(OrganisationKind.MUNICIPALITY, "Kommune B")
    prov_a = factory.organisation(OrganisationKind.PROVIDER, "Tilbyder A")
    prov_b = factory.organisation(OrganisationKind.PROVIDER, "Tilbyder B")
    learner_a = factory.learner(organisation=prov_a, home=mun_a)
    learner_b = factory.learner(organisation=prov_b, home=mun_b)
    users = {
        "learner": learner_a,
        "teacher": factory.user(Role.TEACHER, prov_a),
        "coordinator": factory.user(Role.COORDINATOR, mun_a),
        "provider_admin": factory.user(Role.PROVIDER_ADMIN, prov_a),
        "admin": factory.user(Role.ADMIN),
    }
    colleague = {
        "coordinator": factory.user(Role.COORDINATOR, mun_a),
        "provider_admin": factory.user(Role.TEACHER, prov_a),
        "admin": factory.user(Role.TEACHER, prov_a),
    }
    other_staff = {
        "coordinator": factory.user(Role.COORDINATOR, mun_b),
        "provider_admin": factory.user(Role.TEACHER, prov_b),
        "admin": factory.user(Role.TEACHER, prov_b),
    }
    invitation = {
        "teacher": _invitation(prov_a, mun_a, "TEACHERAAA"),
        "coordinator": _invitation(mun_a, mun_a, "COORDAAAAA"),
        "provider_admin": _invitation(prov_a, mun_b, "PROVAAAAAA"),
    }
    other_invitation = _invitation(prov_b, mun_b, "OTHERBBBBB")
    _lesson_with_cards(learner_a, learner_b)
    return World(
        mun_a,
        mun_b,
        prov_a,
        prov_b,
        users,
        learner_a,
        learner_b,
        colleague,
        other_staff,
        invitation,
        other_invitation,
    )


ROLES = ("anonymous", "learner", "teacher", "coordinator", "provider_admin", "admin")


# endpoint -> (method, url for "own", url for "other") built from the world and the role.
def _own_org(w: World, role: str) -> Organisation:
    return {"coordinator": w.mun_a, "provider_admin": w.prov_a}.get(role, w.mun_a)


def _other_org(w: World, role: str) -> Organisation:
    return {"coordinator": w.mun_b, "provider_admin": w.prov_b}.get(role, w.mun_b)


def _colleague_id(w: World, role: str, own: bool) -> int:
    table = w.colleague if own else w.other_staff
    return table.get(role, table["admin"]).id


def _card_id(w: World, own: bool) -> int:
    from webapp.lessons.models import VocabCard

    learner = w.learner_a if own else w.learner_b
    return db.session.scalar(select(VocabCard.id).where(VocabCard.learner_id == learner.id))


def _learner_url(w: World, own: bool) -> str:
    return f"/learners/{(w.learner_a if own else w.learner_b).id}"


def _invitation_id(w: World, role: str, own: bool) -> int:
    if not own:
        return w.other_invitation.id
    return w.invitation.get(role, w.other_invitation).id


def _series_world(w: World) -> dict[str, int]:
    """A class series per provider, each with a booking by that provider's learner (made once)."""
    cached = getattr(w, "classes", None)
    if cached:
        return cached
    from datetime import time

    from webapp.classes import attending, calendar, services
    from webapp.classes.models import Modality
    from webapp.clock import oslo_today
    from webapp.learners.levels import Level

    ids: dict[str, int] = {}
    for key, provider, learner, hour in (
        ("a", w.prov_a, w.learner_a, 18),
        ("b", w.prov_b, w.learner_b, 10),
    ):
        runner = db.session.scalar(
            select(User).where(User.organisation_id == provider.id, User.role == Role.TEACHER)
        )
        first = oslo_today() + timedelta(days=7)
        series = services.create_series(
            runner,
            services.SeriesInput(
                title=f"Kveldskurs {key}",
                description="",
                level=Level.A2,
                track=None,
                modality=Modality.ONLINE,
                address="",
                meeting_link="https://meet.example.org/x",
                capacity=10,
                teacher_id=runner.id,
                weekdays=frozenset({first.weekday()}),
                start_local=time(hour),
                end_local=time(hour + 2),
                first_date=first,
                last_date=first + timedelta(days=28),
                extra_dates=frozenset(),
                cancelled_dates=frozenset(),
                drop_in_allowed=True,
                seat_price_nok=0,
            ),
        )
        booking = services.book_series(learner, series)
        ids[f"series_{key}"] = series.id
        ids[f"session_{key}"] = series.sessions[0].id
        ids[f"booking_{key}"] = booking.id
        ids[f"token_{key}"] = calendar.feed_for(learner).token  # type: ignore[union-attr]
        ids[f"cant_come_{key}"] = attending.cant_come_token(learner.id, series.sessions[0].id)
    db.session.commit()
    w.classes = ids  # type: ignore[attr-defined]
    return ids


def _series_url(w: World, own: bool, suffix: str = "") -> str:
    ids = _series_world(w)
    key = "a" if own else "b"
    return f"/classes/{ids['series_' + key]}{suffix}"


def _session_url(w: World, own: bool, suffix: str) -> str:
    ids = _series_world(w)
    key = "a" if own else "b"
    return f"/classes/{ids['series_' + key]}/sessions/{ids['session_' + key]}{suffix}"


def _teaching_world(w: World) -> dict[str, int]:
    """A teaching group and a free-writing text per provider (made once)."""
    cached = getattr(w, "teaching", None)
    if cached:
        return cached
    from webapp.lessons.models import WritingSubmission
    from webapp.teaching.models import GroupMember, TeachingGroup

    ids: dict[str, int] = {}
    for key, provider, learner in (("a", w.prov_a, w.learner_a), ("b", w.prov_b, w.learner_b)):
        group = TeachingGroup(provider_id=provider.id, name=f"Gruppe {key}")
        db.session.add(group)
        db.session.flush()
        db.session.add(GroupMember(group_id=group.id, learner_id=learner.id))
        text = WritingSubmission(
            learner_id=learner.id, lesson_id="access-lesson", exercise_id="e1", text="Hei"
        )
        db.session.add(text)
        db.session.flush()
        ids[f"group_{key}"] = group.id
        ids[f"learner_{key}"] = learner.id
        ids[f"text_{key}"] = text.id
    db.session.commit()
    w.teaching = ids  # type: ignore[attr-defined]
    return ids


def _fresh_assignment(w: World, own: bool) -> int:
    """A new assignment each time, so every role has one of its own to withdraw."""
    from webapp.teaching.models import Assignment

    ids = _teaching_world(w)
    key = "a" if own else "b"
    assignment = Assignment(
        provider_id=(w.prov_a if own else w.prov_b).id,
        group_id=ids[f"group_{key}"],
        level="A1",
        due_date=utcnow().date(),
    )
    db.session.add(assignment)
    db.session.commit()
    return assignment.id


def _message_url(w: World, own: bool) -> str:
    """A message per provider to its group, received by that provider's learner (made once)."""
    from webapp.teaching.models import MessageRecipient, TeacherMessage

    ids = _teaching_world(w)
    if "message_a" not in ids:
        for key, provider in (("a", w.prov_a), ("b", w.prov_b)):
            message = TeacherMessage(
                provider_id=provider.id, group_id=ids[f"group_{key}"], body="Hei"
            )
            db.session.add(message)
            db.session.flush()
            db.session.add(
                MessageRecipient(message_id=message.id, learner_id=ids[f"learner_{key}"])
            )
            ids[f"message_{key}"] = message.id
        db.session.commit()
    return f"/messages/{ids['message_a' if own else 'message_b']}"


def _group_url(w: World, own: bool, suffix: str = "") -> str:
    return f"/groups/{_teaching_world(w)['group_a' if own else 'group_b']}{suffix}"


TEACHING_ROUTES = {
    "teaching.group_list": lambda w, r, own: ("GET", "/groups"),
    "teaching.group_page": lambda w, r, own: ("GET", _group_url(w, own)),
    "teaching.gradebook_csv": lambda w, r, own: ("GET", _group_url(w, own, "/gradebook.csv")),
    "teaching.learner_work": lambda w, r, own: (
        "GET",
        _group_url(w, own, f"/learners/{_teaching_world(w)['learner_a' if own else 'learner_b']}"),
    ),
    "teaching.add_member": lambda w, r, own: ("POST", _group_url(w, own, "/members")),
    "teaching.remove_member": lambda w, r, own: (
        "POST",
        _group_url(
            w, own, f"/members/{_teaching_world(w)['learner_a' if own else 'learner_b']}/remove"
        ),
    ),
    "teaching.add_assignment": lambda w, r, own: ("POST", _group_url(w, own, "/assignments")),
    "teaching.delete_assignment": lambda w, r, own: (
        "POST",
        f"/assignments/{_fresh_assignment(w, own)}/delete",
    ),
    "teaching.writing_list": lambda w, r, own: ("GET", "/writing"),
    "teaching.reply": lambda w, r, own: (
        "POST",
        f"/writing/{_teaching_world(w)['text_a' if own else 'text_b']}/reply",
    ),
    "teaching.message_form": lambda w, r, own: ("GET", "/messages/new"),
    "teaching.message_page": lambda w, r, own: ("GET", _message_url(w, own)),
    "teaching.all_present": lambda w, r, own: (
        "POST",
        f"/sessions/{_series_world(w)['session_a' if own else 'session_b']}/all-present",
    ),
}


def _seats_world(w: World) -> dict[str, int]:
    """Per provider: an offering, a pending order, an accepted order with a held seat."""
    cached = getattr(w, "seats", None)
    if cached:
        return cached
    from datetime import date

    from webapp.seats.models import (
        Offering,
        OfferingKind,
        OrderStatus,
        Seat,
        SeatAssignment,
        SeatOrder,
        SeatRequest,
    )

    ids: dict[str, int] = {}
    for key, provider, home, learner in (
        ("a", w.prov_a, w.mun_a, w.learner_a),
        ("b", w.prov_b, w.mun_b, w.learner_b),
    ):
        offering = Offering(
            provider_id=provider.id,
            kind=OfferingKind.LICENCE,
            months=6,
            title=f"Lisens {key}",
            price_nok=1000,
            seats_for_sale=50,
        )
        db.session.add(offering)
        db.session.flush()
        orders = {}
        for status in (OrderStatus.PENDING, OrderStatus.ACCEPTED):
            orders[status] = SeatOrder(
                offering_id=offering.id,
                municipality_id=home.id,
                seats=2,
                unit_price_nok=1000,
                first_day=date(2026, 1, 1),
                last_day=date(2099, 12, 31),
                status=status,
            )
            db.session.add(orders[status])
        db.session.flush()
        seats = [Seat(order_id=orders[OrderStatus.ACCEPTED].id, number=n) for n in (1, 2)]
        db.session.add_all(seats)
        db.session.flush()
        held = SeatAssignment(seat_id=seats[0].id, learner_id=learner.id)
        db.session.add(held)
        request = SeatRequest(
            learner_id=learner.id,
            series_id=_series_world(w)[f"series_{key}"],
            municipality_id=home.id,
        )
        db.session.add(request)
        db.session.flush()
        ids[f"request_{key}"] = request.id
        ids[f"offering_{key}"] = offering.id
        ids[f"pending_{key}"] = orders[OrderStatus.PENDING].id
        ids[f"accepted_{key}"] = orders[OrderStatus.ACCEPTED].id
        ids[f"free_seat_{key}"] = seats[1].id
        ids[f"held_{key}"] = held.id
    db.session.commit()
    w.seats = ids  # type: ignore[attr-defined]
    return ids


def _seat_id(w: World, own: bool, name: str) -> int:
    return _seats_world(w)[f"{name}_{'a' if own else 'b'}"]


def _import_job_id(w: World, own: bool) -> int:
    """An import job per municipality, started by its coordinator."""
    jobs = getattr(w, "import_jobs", None)
    if not jobs:
        from webapp.learners.models import ImportJob

        jobs = {}
        for key, municipality in (("a", w.mun_a), ("b", w.mun_b)):
            job = ImportJob(organisation_id=municipality.id, file_data=b"name,email\n")
            db.session.add(job)
            db.session.flush()
            jobs[key] = job.id
        db.session.commit()
        w.import_jobs = jobs  # type: ignore[attr-defined]
    return jobs["a" if own else "b"]


SEAT_ROUTES = {
    "learners.import_learners": lambda w, r, own: ("GET", "/learners/import"),
    "learners.import_job": lambda w, r, own: (
        "GET",
        f"/learners/import/jobs/{_import_job_id(w, own)}",
    ),
    "learners.import_job_status": lambda w, r, own: (
        "GET",
        f"/learners/import/jobs/{_import_job_id(w, own)}/status",
    ),
    "seats.offering_list": lambda w, r, own: ("GET", "/offerings"),
    "seats.offering_page": lambda w, r, own: (
        "GET",
        f"/offerings/{_seat_id(w, own, 'offering')}",
    ),
    "seats.set_offering_active": lambda w, r, own: (
        "POST",
        f"/offerings/{_seat_id(w, own, 'offering')}/active",
    ),
    "seats.place_order": lambda w, r, own: (
        "POST",
        f"/offerings/{_seat_id(w, own, 'offering')}/orders",
    ),
    "seats.order_list": lambda w, r, own: ("GET", "/orders"),
    **{
        f"seats.{action}_order": (
            lambda action: lambda w, r, own: (
                "POST",
                f"/orders/{_seat_id(w, own, 'pending')}/{action}",
            )
        )(action)
        for action in ("accept", "decline", "withdraw")
    },
    "seats.seat_pool": lambda w, r, own: ("GET", "/seats"),
    "seats.seat_page": lambda w, r, own: ("GET", f"/seats/{_seat_id(w, own, 'free_seat')}"),
    "seats.assign_seat": lambda w, r, own: (
        "POST",
        f"/seats/{_seat_id(w, own, 'free_seat')}/assign",
    ),
    "seats.release_seat": lambda w, r, own: (
        "POST",
        f"/seat-assignments/{_seat_id(w, own, 'held')}/release",
    ),
    "seats.give_page": lambda w, r, own: (
        "GET",
        f"/seats/orders/{_seat_id(w, own, 'accepted')}?q=a",
    ),
    "seats.give_seats": lambda w, r, own: (
        "POST",
        f"/seats/orders/{_seat_id(w, own, 'accepted')}/give",
    ),
    "seats.request_place": lambda w, r, own: ("POST", _series_url(w, own, "/request-place")),
    "seats.handle_request": lambda w, r, own: (
        "POST",
        f"/seat-requests/{_seat_id(w, own, 'request')}/handled",
    ),
    "seats.report": lambda w, r, own: ("GET", "/seats/report"),
    "seats.report_csv": lambda w, r, own: ("GET", "/seats/report.csv"),
    "seats.grants_csv": lambda w, r, own: ("GET", "/seats/grants.csv"),
}

CLASS_ROUTES = {
    "classes.class_list": lambda w, r, own: ("GET", "/classes"),
    "classes.new_series": lambda w, r, own: ("GET", "/classes/new"),
    "classes.edit_series": lambda w, r, own: ("GET", _series_url(w, own, "/edit")),
    "classes.series_page": lambda w, r, own: ("GET", _series_url(w, own)),
    "classes.add_session": lambda w, r, own: ("POST", _series_url(w, own, "/sessions")),
    "classes.cancel_session": lambda w, r, own: ("POST", _session_url(w, own, "/cancel")),
    "classes.attendance": lambda w, r, own: ("GET", _session_url(w, own, "/attendance")),
    "classes.book_series": lambda w, r, own: ("POST", _series_url(w, own, "/book")),
    "classes.book_drop_in": lambda w, r, own: ("POST", _session_url(w, own, "/book")),
    "classes.cancel_booking": lambda w, r, own: (
        "POST",
        f"/bookings/{_series_world(w)['booking_a' if own else 'booking_b']}/cancel",
    ),
    "classes.series_calendar": lambda w, r, own: ("GET", _series_url(w, own, "/calendar.ics")),
    "classes.calendar_page": lambda w, r, own: ("GET", "/calendar"),
    "classes.renew_calendar": lambda w, r, own: ("POST", "/calendar/renew"),
    "classes.calendar_feed": lambda w, r, own: (
        "GET",
        f"/calendar/{_series_world(w)['token_a'] if own else 'not-a-token'}.ics",
    ),
    "classes.free_time_page": lambda w, r, own: ("GET", "/my/free-time"),
    "classes.demand": lambda w, r, own: ("GET", "/classes/demand"),
    "classes.cant_come": lambda w, r, own: (
        "GET",
        f"/classes/cant-come/{_series_world(w)['cant_come_a'] if own else 'not-a-token'}",
    ),
    "reminders.save": lambda w, r, own: ("POST", "/profile/reminders"),
}


def _recordings_world(w: World) -> dict[str, int]:
    """A published and a draft recording of the lesson, and per provider a learner's spoken
    answer with a teacher's recorded reply (made once, files in a folder of their own)."""
    cached = getattr(w, "recordings", None)
    if cached:
        return cached
    import tempfile

    from flask import current_app

    from tests.audio_samples import webm_opus
    from webapp.recordings.models import RecordingStatus, SpeakingAnswer, VoiceRecording
    from webapp.recordings.storage import storage
    from webapp.recordings.texts import text_key

    current_app.config["RECORDINGS_FOLDER"] = tempfile.mkdtemp(prefix="access-recordings-")
    store = storage()
    ids: dict[str, int] = {}
    for key, status in (("a", RecordingStatus.PUBLISHED), ("b", RecordingStatus.DRAFT)):
        store.save(f"lessons/access-lesson/{key}.webm", webm_opus(1))
        recording = VoiceRecording(
            lesson_id="access-lesson",
            kind="sentence",
            text="Hei",
            text_key=text_key("Hei"),
            storage_key=f"lessons/access-lesson/{key}.webm",
            mime_type="audio/webm",
            seconds=1,
            size=1,
            status=status,
            published_at=utcnow() if status is RecordingStatus.PUBLISHED else None,
        )
        db.session.add(recording)
        db.session.flush()
        ids[f"recording_{key}"] = recording.id
    # A recorded sentence of three words gives the lesson a dictation (listening practice).
    store.save("lessons/access-lesson/c.webm", webm_opus(1))
    db.session.add(
        VoiceRecording(
            lesson_id="access-lesson",
            kind="sentence",
            text="Jeg heter Per.",
            text_key=text_key("Jeg heter Per."),
            storage_key="lessons/access-lesson/c.webm",
            mime_type="audio/webm",
            seconds=1,
            size=1,
            status=RecordingStatus.PUBLISHED,
            published_at=utcnow(),
        )
    )
    for key, learner in (("a", w.learner_a), ("b", w.learner_b)):
        store.save(f"answers/{key}.webm", webm_opus(2))
        store.save(f"replies/{key}.webm", webm_opus(1))
        answer = SpeakingAnswer(
            learner_id=learner.id,
            lesson_id="access-lesson",
            storage_key=f"answers/{key}.webm",
            mime_type="audio/webm",
            seconds=2,
            size=1,
            reply_key=f"replies/{key}.webm",
            reply_mime_type="audio/webm",
        )
        db.session.add(answer)
        db.session.flush()
        ids[f"answer_{key}"] = answer.id
    db.session.commit()
    w.recordings = ids  # type: ignore[attr-defined]
    return ids


def _recording_url(w: World, own: bool, suffix: str) -> str:
    return f"/recordings/{_recordings_world(w)['recording_a' if own else 'recording_b']}{suffix}"


def _listening_url(w: World, suffix: str = "") -> str:
    """The access lesson's listening practice (lessons are shared: no other organisation's)."""
    _recordings_world(w)
    return f"/lessons/access-lesson/listening{suffix}"


def _dictation_key() -> str:
    from webapp.listening.rules import item_key_of_text

    return item_key_of_text("Jeg heter Per.")


def _answer_url(w: World, own: bool, suffix: str) -> str:
    return f"/speaking/{_recordings_world(w)['answer_a' if own else 'answer_b']}{suffix}"


RECORDING_ROUTES = {
    "recordings.lesson_recordings": lambda w, r, own: ("GET", "/lessons/access-lesson/recordings"),
    "recordings.save_take": lambda w, r, own: ("POST", "/lessons/access-lesson/recordings"),
    "recordings.publish": lambda w, r, own: ("POST", _recording_url(w, own, "/publish")),
    "recordings.approve": lambda w, r, own: ("POST", _recording_url(w, own, "/approve")),
    "recordings.withdraw": lambda w, r, own: ("POST", _recording_url(w, own, "/withdraw")),
    "recordings.recording_audio": lambda w, r, own: ("GET", _recording_url(w, own, "/audio")),
    "recordings.coverage": lambda w, r, own: ("GET", "/recordings/coverage"),
    "recordings.speaking_page": lambda w, r, own: ("GET", "/lessons/access-lesson/speaking"),
    "recordings.answer_audio": lambda w, r, own: ("GET", _answer_url(w, own, "/audio")),
    "recordings.reply_audio": lambda w, r, own: ("GET", _answer_url(w, own, "/reply-audio")),
    "recordings.delete_answer": lambda w, r, own: ("POST", _answer_url(w, own, "/delete")),
    "recordings.queue": lambda w, r, own: ("GET", "/speaking/queue"),
    "recordings.reply": lambda w, r, own: ("POST", _answer_url(w, own, "/reply")),
    "listening.practice": lambda w, r, own: ("GET", _listening_url(w)),
    "listening.answer": lambda w, r, own: ("POST", _listening_url(w, "/" + _dictation_key())),
}

ROUTES = {
    **RECORDING_ROUTES,
    **SEAT_ROUTES,
    **CLASS_ROUTES,
    **TEACHING_ROUTES,
    "static": lambda w, r, own: ("GET", "/static/css/main.css"),
    "pages.home": lambda w, r, own: ("GET", "/"),
    "pages.dashboard": lambda w, r, own: ("GET", "/dashboard"),
    "pages.healthz": lambda w, r, own: ("GET", "/healthz"),
    "pages.livez": lambda w, r, own: ("GET", "/livez"),
    "accounts.login": lambda w, r, own: ("GET", "/login"),
    "accounts.logout": lambda w, r, own: ("POST", "/logout"),
    "accounts.logout_everywhere": lambda w, r, own: ("POST", "/logout/everywhere"),
    "accounts.forgot_password": lambda w, r, own: ("GET", "/password/forgot"),
    "accounts.reset_password": lambda w, r, own: ("GET", "/password/reset/not-a-token"),
    "accounts.join": lambda w, r, own: ("GET", "/join"),
    "accounts.join_details": lambda w, r, own: ("GET", "/join/NOSUCHCODE"),
    "accounts.profile": lambda w, r, own: ("GET", "/profile"),
    # No identity provider is configured here: the sign-in routes answer 404.
    "oidc.start": lambda w, r, own: ("GET", "/login/oidc/none"),
    "oidc.callback": lambda w, r, own: ("GET", "/login/oidc/none/callback"),
    "oidc.link_start": lambda w, r, own: ("GET", "/profile/oidc/none"),
    "i18n.switch_language": lambda w, r, own: ("POST", "/language"),
    "learners.learner_list": lambda w, r, own: ("GET", "/learners"),
    "learners.learner_detail": lambda w, r, own: (
        "GET",
        f"/learners/{(w.learner_a if own else w.learner_b).id}",
    ),
    "organisations.organisation_list": lambda w, r, own: ("GET", "/organisations"),
    "organisations.staff": lambda w, r, own: (
        "GET",
        f"/organisations/{(_own_org(w, r) if own else _other_org(w, r)).id}/staff",
    ),
    "organisations.set_staff_active": lambda w, r, own: (
        "POST",
        f"/organisations/staff/{_colleague_id(w, r, own)}/active",
    ),
    "organisations.invitations": lambda w, r, own: ("GET", "/invitations"),
    "organisations.revoke_invitation": lambda w, r, own: (
        "POST",
        f"/invitations/{_invitation_id(w, r, own)}/revoke",
    ),
    "entitlement.overview": lambda w, r, own: ("GET", "/entitlements"),
    "lessons.catalogue": lambda w, r, own: ("GET", "/lessons"),
    "lessons.lesson_page": lambda w, r, own: ("GET", "/lessons/access-lesson"),
    "lessons.answer": lambda w, r, own: ("POST", "/lessons/access-lesson/exercises/e1"),
    "lessons.review": lambda w, r, own: ("GET", "/review"),
    "lessons.rate_card": lambda w, r, own: ("POST", f"/review/{_card_id(w, own)}"),
    "lessons.placement": lambda w, r, own: ("GET", "/placement"),
    "lessons.support_language": lambda w, r, own: ("GET", "/support-language"),
    "lessons.placement_writing": lambda w, r, own: ("POST", "/placement/writing"),
    "lessons.heartbeat": lambda w, r, own: ("POST", "/study/heartbeat"),
    "practice.index": lambda w, r, own: ("GET", "/practice"),
    "practice.practice_set": lambda w, r, own: ("GET", "/practice/b1-reading"),
    "practice.answer": lambda w, r, own: ("POST", "/practice/b1-listening"),
    "practice.result_page": lambda w, r, own: ("GET", "/practice/a2-reading/result"),
    "practice.send_text": lambda w, r, own: ("POST", "/practice/b2-writing/writing/b2w1"),
    "practice.mark_practised": lambda w, r, own: ("POST", "/practice/a2-oral/practised/a2o1"),
    "learners.set_level": lambda w, r, own: ("POST", f"{_learner_url(w, own)}/level"),
    "entitlement.overview_csv": lambda w, r, own: ("GET", "/entitlements.csv"),
    "entitlement.grant_rates": lambda w, r, own: ("GET", "/admin/grant-rates"),
    "privacy.my_data": lambda w, r, own: ("GET", "/my/data"),
    "privacy.my_data_file": lambda w, r, own: ("GET", "/my/data.json"),
    "privacy.request_erasure": lambda w, r, own: ("POST", "/my/data/erasure"),
    "privacy.erasures": lambda w, r, own: ("GET", "/admin/erasures"),
    "privacy.erase": lambda w, r, own: ("POST", f"{_learner_url(w, own)}/erase"),
    "entitlement.nir_page": lambda w, r, own: ("GET", "/entitlements/nir"),
    "entitlement.nir_file": lambda w, r, own: ("GET", "/entitlements/nir/2026-10.csv"),
    "entitlement.nir_exported": lambda w, r, own: ("POST", "/entitlements/nir/2026-10/exported"),
    "entitlement.my_entitlement": lambda w, r, own: ("GET", "/my/entitlement"),
    "entitlement.my_study_hours": lambda w, r, own: ("GET", "/my/study-hours"),
    "entitlement.record": lambda w, r, own: ("GET", f"{_learner_url(w, own)}/entitlement"),
    **{
        f"entitlement.{name}": (
            lambda suffix: lambda w, r, own: (
                "POST",
                f"{_learner_url(w, own)}/entitlement/{suffix}",
            )
        )(suffix)
        for name, suffix in (
            ("set_start", "start"),
            ("add_leave", "leave"),
            ("remove_leave", "leave/1/remove"),
            ("add_extension", "extension"),
            ("remove_extension", "extension/1/remove"),
            ("register_dropout", "dropout"),
            ("withdraw_dropout", "dropout/withdraw"),
        )
    },
}

LOGIN = -302  # a redirect to the log-in page (a plain 302 may go anywhere)
# endpoint -> {role: (status for own, status for other)}.
RUNNERS = ("teacher", "provider_admin")
EVERY_LOGGED_IN = {"anonymous": (LOGIN, LOGIN), **dict.fromkeys(ROLES[1:], (200, 200))}
CLASS_EXPECTED: dict[str, dict[str, tuple[int, int]]] = {
    **dict.fromkeys(
        (
            "classes.class_list",
            "classes.series_page",
            "classes.series_calendar",
            "classes.calendar_page",
        ),
        EVERY_LOGGED_IN,
    ),
    "classes.new_series": {
        "anonymous": (LOGIN, LOGIN),
        **dict.fromkeys(("learner", "coordinator", "admin"), (403, 403)),
        **dict.fromkeys(RUNNERS, (200, 200)),
    },
    # GET the edit form and the attendance list; an empty POST gives the form back (400);
    # cancelling a session works for its own provider (302) and is a 404 for another's.
    **{
        endpoint: {
            "anonymous": (LOGIN, LOGIN),
            **dict.fromkeys(("learner", "coordinator"), (403, 403)),
            **dict.fromkeys(RUNNERS, (own, 404)),
            "admin": (own, own),
        }
        for endpoint, own in (
            ("classes.edit_series", 200),
            ("classes.attendance", 200),
            ("classes.add_session", 400),
            ("classes.cancel_session", 302),
        )
    },
    **dict.fromkeys(
        ("classes.book_series", "classes.book_drop_in"),
        {
            "anonymous": (LOGIN, LOGIN),
            "learner": (302, 302),
            **dict.fromkeys(("teacher", "coordinator", "provider_admin", "admin"), (403, 403)),
        },
    ),
    "classes.cancel_booking": {
        "anonymous": (LOGIN, LOGIN),
        "learner": (302, 404),
        **dict.fromkeys(("teacher", "coordinator", "provider_admin", "admin"), (403, 403)),
    },
    "classes.renew_calendar": {"anonymous": (LOGIN, LOGIN), **dict.fromkeys(ROLES[1:], (302, 302))},
    "classes.calendar_feed": dict.fromkeys(ROLES, (200, 404)),
    # The signed link of a session reminder: anyone holding it sees the question, no one else.
    "classes.cant_come": dict.fromkeys(ROLES, (200, 404)),
    "reminders.save": {
        "anonymous": (LOGIN, LOGIN),
        "learner": (302, 302),
        **dict.fromkeys(("teacher", "coordinator", "provider_admin", "admin"), (403, 403)),
    },
    "classes.free_time_page": {
        "anonymous": (LOGIN, LOGIN),
        "learner": (200, 200),
        **dict.fromkeys(("teacher", "coordinator", "provider_admin", "admin"), (403, 403)),
    },
    "classes.demand": {
        "anonymous": (LOGIN, LOGIN),
        "learner": (403, 403),
        **dict.fromkeys(("teacher", "coordinator", "provider_admin", "admin"), (200, 200)),
    },
}

TEACHING_EXPECTED: dict[str, dict[str, tuple[int, int]]] = {
    **dict.fromkeys(
        ("teaching.group_list", "teaching.writing_list"),
        {
            "anonymous": (LOGIN, LOGIN),
            **dict.fromkeys(("learner", "coordinator"), (403, 403)),
            **dict.fromkeys((*RUNNERS, "admin"), (200, 200)),
        },
    ),
    **dict.fromkeys(
        ("teaching.group_page", "teaching.gradebook_csv", "teaching.learner_work"),
        {
            "anonymous": (LOGIN, LOGIN),
            **dict.fromkeys(("learner", "coordinator"), (403, 403)),
            **dict.fromkeys(RUNNERS, (200, 404)),
            "admin": (200, 200),
        },
    ),
    "teaching.message_form": {
        "anonymous": (LOGIN, LOGIN),
        **dict.fromkeys(("learner", "coordinator", "admin"), (403, 403)),
        **dict.fromkeys(RUNNERS, (200, 200)),
    },
    # a learner opens only a message sent to them
    "teaching.message_page": {
        "anonymous": (LOGIN, LOGIN),
        "learner": (200, 404),
        **dict.fromkeys(("teacher", "coordinator", "provider_admin", "admin"), (403, 403)),
    },
    # Empty forms come back with errors (400); removing and withdrawing work (302).
    **{
        endpoint: {
            "anonymous": (LOGIN, LOGIN),
            **dict.fromkeys(("learner", "coordinator", "admin"), (403, 403)),
            **dict.fromkeys(RUNNERS, (own, 404)),
        }
        for endpoint, own in (
            ("teaching.add_member", 400),
            ("teaching.remove_member", 302),
            ("teaching.add_assignment", 400),
            ("teaching.delete_assignment", 302),
            ("teaching.reply", 400),
            # the session has not started: back to the dashboard with the reason
            ("teaching.all_present", 302),
        )
    },
}

NOT_MARKET = ("learner", "teacher")
SEAT_EXPECTED: dict[str, dict[str, tuple[int, int]]] = {
    "learners.import_learners": {
        "anonymous": (LOGIN, LOGIN),
        **dict.fromkeys(("learner", "teacher", "provider_admin", "admin"), (403, 403)),
        "coordinator": (200, 200),
    },
    # a municipality's import jobs: its coordinators and the administrators follow them
    **dict.fromkeys(
        ("learners.import_job", "learners.import_job_status"),
        {
            "anonymous": (LOGIN, LOGIN),
            **dict.fromkeys(("learner", "teacher", "provider_admin"), (403, 403)),
            "coordinator": (200, 404),
            "admin": (200, 200),
        },
    ),
    **dict.fromkeys(
        ("seats.offering_list", "seats.order_list"),
        {
            "anonymous": (LOGIN, LOGIN),
            **dict.fromkeys(NOT_MARKET, (403, 403)),
            **dict.fromkeys(("coordinator", "provider_admin", "admin"), (200, 200)),
        },
    ),
    "seats.offering_page": {
        "anonymous": (LOGIN, LOGIN),
        **dict.fromkeys(NOT_MARKET, (403, 403)),
        "coordinator": (200, 200),  # open offerings are a market for every municipality
        "provider_admin": (200, 404),
        "admin": (200, 200),
    },
    **dict.fromkeys(
        ("seats.set_offering_active", "seats.accept_order", "seats.decline_order"),
        {
            "anonymous": (LOGIN, LOGIN),
            **dict.fromkeys((*NOT_MARKET, "coordinator"), (403, 403)),
            "provider_admin": (302, 404),
            "admin": (302, 302),
        },
    ),
    # an empty order form comes back with errors, for any open offering
    "seats.place_order": {
        "anonymous": (LOGIN, LOGIN),
        **dict.fromkeys((*NOT_MARKET, "provider_admin", "admin"), (403, 403)),
        "coordinator": (400, 400),
    },
    **{
        endpoint: {
            "anonymous": (LOGIN, LOGIN),
            **dict.fromkeys((*NOT_MARKET, "provider_admin", "admin"), (403, 403)),
            "coordinator": (own, 404),
        }
        for endpoint, own in (
            ("seats.withdraw_order", 302),
            ("seats.assign_seat", 400),
            ("seats.release_seat", 302),
            ("seats.give_seats", 400),  # nobody ticked
            ("seats.give_page", 200),
            ("seats.handle_request", 302),
        )
    },
    # a learner asks for a place in any class (a free one is answered "book it")
    "seats.request_place": {
        "anonymous": (LOGIN, LOGIN),
        "learner": (302, 302),
        **dict.fromkeys(("teacher", "coordinator", "provider_admin", "admin"), (403, 403)),
    },
    **dict.fromkeys(
        ("seats.seat_pool", "seats.report", "seats.report_csv", "seats.grants_csv"),
        {
            "anonymous": (LOGIN, LOGIN),
            **dict.fromkeys((*NOT_MARKET, "provider_admin"), (403, 403)),
            **dict.fromkeys(("coordinator", "admin"), (200, 200)),
        },
    ),
    "seats.seat_page": {
        "anonymous": (LOGIN, LOGIN),
        **dict.fromkeys((*NOT_MARKET, "provider_admin"), (403, 403)),
        "coordinator": (200, 404),
        "admin": (200, 200),
    },
}

NOT_VOICE = ("learner", "coordinator", "provider_admin", "admin")
# Teachers record lesson texts (other staff only when given the voice permission); published
# recordings are for everyone logged in, drafts for those who record. A learner's spoken answer
# is for the learner, the teachers of their provider and the administrators.
RECORDING_EXPECTED: dict[str, dict[str, tuple[int, int]]] = {
    **{
        endpoint: {
            "anonymous": (LOGIN, LOGIN),
            **dict.fromkeys(NOT_VOICE, (403, 403)),
            "teacher": (status, status),
        }
        for endpoint, status in (
            ("recordings.lesson_recordings", 200),
            ("recordings.save_take", 400),
            ("recordings.publish", 302),
            ("recordings.approve", 302),
            ("recordings.withdraw", 302),
            ("recordings.coverage", 200),
        )
    },
    "recordings.recording_audio": {
        "anonymous": (LOGIN, LOGIN),
        **dict.fromkeys(NOT_VOICE, (200, 404)),
        "teacher": (200, 200),
    },
    "listening.practice": {"anonymous": (LOGIN, LOGIN), **dict.fromkeys(ROLES[1:], (200, 200))},
    "listening.answer": {
        "anonymous": (LOGIN, LOGIN),
        "learner": (302, 302),
        **dict.fromkeys(("teacher", "coordinator", "provider_admin", "admin"), (403, 403)),
    },
    "recordings.speaking_page": {
        "anonymous": (LOGIN, LOGIN),
        "learner": (200, 200),
        **dict.fromkeys(("teacher", "coordinator", "provider_admin", "admin"), (403, 403)),
    },
    **dict.fromkeys(
        ("recordings.answer_audio", "recordings.reply_audio"),
        {
            "anonymous": (LOGIN, LOGIN),
            **dict.fromkeys(("learner", "teacher"), (200, 404)),
            **dict.fromkeys(("coordinator", "provider_admin"), (403, 403)),
            "admin": (200, 200),
        },
    ),
    "recordings.delete_answer": {
        "anonymous": (LOGIN, LOGIN),
        "learner": (302, 404),
        **dict.fromkeys(("teacher", "coordinator", "provider_admin", "admin"), (403, 403)),
    },
    "recordings.queue": {
        "anonymous": (LOGIN, LOGIN),
        **dict.fromkeys(("learner", "coordinator", "provider_admin"), (403, 403)),
        **dict.fromkeys(("teacher", "admin"), (200, 200)),
    },
    "recordings.reply": {
        "anonymous": (LOGIN, LOGIN),
        **dict.fromkeys(("learner", "coordinator", "provider_admin", "admin"), (403, 403)),
        "teacher": (400, 404),
    },
}

EXPECTED: dict[str, dict[str, tuple[int, int]]] = {
    **RECORDING_EXPECTED,
    **SEAT_EXPECTED,
    **CLASS_EXPECTED,
    **TEACHING_EXPECTED,
    "static": dict.fromkeys(ROLES, (200, 200)),
    "pages.home": {"anonymous": (200, 200), **dict.fromkeys(ROLES[1:], (302, 302))},
    "pages.dashboard": {"anonymous": (LOGIN, LOGIN), **dict.fromkeys(ROLES[1:], (200, 200))},
    "pages.healthz": dict.fromkeys(ROLES, (200, 200)),
    "pages.livez": dict.fromkeys(ROLES, (200, 200)),
    "accounts.login": {"anonymous": (200, 200), **dict.fromkeys(ROLES[1:], (302, 302))},
    "accounts.logout": {"anonymous": (LOGIN, LOGIN), **dict.fromkeys(ROLES[1:], (302, 302))},
    "accounts.logout_everywhere": {
        "anonymous": (LOGIN, LOGIN),
        **dict.fromkeys(ROLES[1:], (302, 302)),
    },
    "accounts.forgot_password": dict.fromkeys(ROLES, (200, 200)),
    "accounts.reset_password": dict.fromkeys(ROLES, (400, 400)),
    "accounts.join": {"anonymous": (200, 200), **dict.fromkeys(ROLES[1:], (302, 302))},
    "accounts.join_details": {"anonymous": (404, 404), **dict.fromkeys(ROLES[1:], (302, 302))},
    "accounts.profile": {"anonymous": (LOGIN, LOGIN), **dict.fromkeys(ROLES[1:], (200, 200))},
    "oidc.start": dict.fromkeys(ROLES, (404, 404)),
    "oidc.callback": dict.fromkeys(ROLES, (404, 404)),
    "oidc.link_start": {
        "anonymous": (LOGIN, LOGIN),
        **dict.fromkeys(ROLES[1:], (404, 404)),
    },
    "i18n.switch_language": dict.fromkeys(ROLES, (302, 302)),
    "learners.learner_list": {
        "anonymous": (LOGIN, LOGIN),
        "learner": (403, 403),
        **dict.fromkeys(("teacher", "coordinator", "provider_admin", "admin"), (200, 200)),
    },
    "learners.learner_detail": {
        "anonymous": (LOGIN, LOGIN),
        "learner": (403, 403),
        "teacher": (200, 404),
        "coordinator": (200, 404),
        "provider_admin": (200, 404),
        "admin": (200, 200),
    },
    "organisations.organisation_list": {
        "anonymous": (LOGIN, LOGIN),
        **dict.fromkeys(("learner", "teacher", "coordinator", "provider_admin"), (403, 403)),
        "admin": (200, 200),
    },
    "organisations.staff": {
        "anonymous": (LOGIN, LOGIN),
        "learner": (403, 403),
        "teacher": (403, 403),
        "coordinator": (200, 404),
        "provider_admin": (200, 404),
        "admin": (200, 200),
    },
    "organisations.set_staff_active": {
        "anonymous": (LOGIN, LOGIN),
        "learner": (403, 403),
        "teacher": (403, 403),
        "coordinator": (302, 404),
        "provider_admin": (302, 404),
        "admin": (302, 302),
    },
    "organisations.invitations": {
        "anonymous": (LOGIN, LOGIN),
        "learner": (403, 403),
        **dict.fromkeys(("teacher", "coordinator", "provider_admin"), (200, 200)),
        "admin": (403, 403),
    },
    "organisations.revoke_invitation": {
        "anonymous": (LOGIN, LOGIN),
        "learner": (403, 403),
        **dict.fromkeys(("teacher", "coordinator", "provider_admin"), (302, 404)),
        "admin": (403, 403),
    },
    **dict.fromkeys(
        ("entitlement.overview", "entitlement.overview_csv"),
        {
            "anonymous": (LOGIN, LOGIN),
            "learner": (403, 403),
            **dict.fromkeys(("teacher", "coordinator", "provider_admin", "admin"), (200, 200)),
        },
    ),
    # a learner asks for erasure; only administrators see the requests and erase (a post
    # without the learner's own confirmation value is sent back)
    "privacy.request_erasure": {
        "anonymous": (LOGIN, LOGIN),
        "learner": (302, 302),
        **dict.fromkeys(("teacher", "coordinator", "provider_admin", "admin"), (403, 403)),
    },
    "entitlement.grant_rates": {
        "anonymous": (LOGIN, LOGIN),
        **dict.fromkeys(("learner", "teacher", "coordinator", "provider_admin"), (403, 403)),
        "admin": (200, 200),
    },
    "privacy.erasures": {
        "anonymous": (LOGIN, LOGIN),
        **dict.fromkeys(("learner", "teacher", "coordinator", "provider_admin"), (403, 403)),
        "admin": (200, 200),
    },
    "privacy.erase": {
        "anonymous": (LOGIN, LOGIN),
        **dict.fromkeys(("learner", "teacher", "coordinator", "provider_admin"), (403, 403)),
        "admin": (302, 302),
    },
    # a coordinator's own municipality's NIR registrations (no other is addressable)
    **{
        endpoint: {
            "anonymous": (LOGIN, LOGIN),
            **dict.fromkeys(("learner", "teacher", "provider_admin", "admin"), (403, 403)),
            "coordinator": (status, status),
        }
        for endpoint, status in (
            ("entitlement.nir_page", 200),
            ("entitlement.nir_file", 200),
            ("entitlement.nir_exported", 302),
        )
    },
    **dict.fromkeys(
        (
            "entitlement.my_entitlement",
            "entitlement.my_study_hours",
            "privacy.my_data",
            "privacy.my_data_file",
        ),
        {
            "anonymous": (LOGIN, LOGIN),
            "learner": (200, 200),
            **dict.fromkeys(("teacher", "coordinator", "provider_admin", "admin"), (403, 403)),
        },
    ),
    **dict.fromkeys(
        ("lessons.catalogue", "lessons.lesson_page"),
        {"anonymous": (LOGIN, LOGIN), **dict.fromkeys(ROLES[1:], (200, 200))},
    ),
    # with no placement result yet, the learner is sent to the test
    "lessons.placement_writing": {
        "anonymous": (LOGIN, LOGIN),
        "learner": (302, 302),
        **dict.fromkeys(("teacher", "coordinator", "provider_admin", "admin"), (403, 403)),
    },
    "lessons.answer": {
        "anonymous": (LOGIN, LOGIN),
        "learner": (302, 302),
        **dict.fromkeys(("teacher", "coordinator", "provider_admin", "admin"), (403, 403)),
    },
    **dict.fromkeys(
        ("lessons.review", "lessons.placement", "lessons.heartbeat", "lessons.support_language"),
        {
            "anonymous": (LOGIN, LOGIN),
            "learner": (200, 200),
            **dict.fromkeys(("teacher", "coordinator", "provider_admin", "admin"), (403, 403)),
        },
    ),
    # practice sets are the same for every learner and for learners only; staff see none of
    # them (an empty answer is graded and shown as a result: 302; an empty text: 422; a result
    # page before any answer sends back to the set: 302)
    **dict.fromkeys(
        ("practice.index", "practice.practice_set"),
        {
            "anonymous": (LOGIN, LOGIN),
            "learner": (200, 200),
            **dict.fromkeys(("teacher", "coordinator", "provider_admin", "admin"), (403, 403)),
        },
    ),
    **dict.fromkeys(
        ("practice.answer", "practice.mark_practised", "practice.result_page"),
        {
            "anonymous": (LOGIN, LOGIN),
            "learner": (302, 302),
            **dict.fromkeys(("teacher", "coordinator", "provider_admin", "admin"), (403, 403)),
        },
    ),
    "practice.send_text": {
        "anonymous": (LOGIN, LOGIN),
        "learner": (422, 422),
        **dict.fromkeys(("teacher", "coordinator", "provider_admin", "admin"), (403, 403)),
    },
    # the learner's own card with no rating: 400; someone else's card: 404
    "lessons.rate_card": {
        "anonymous": (LOGIN, LOGIN),
        "learner": (400, 404),
        **dict.fromkeys(("teacher", "coordinator", "provider_admin", "admin"), (403, 403)),
    },
    # "active=0" is not a level: the form is refused and the page redirects back (302)
    "learners.set_level": {
        "anonymous": (LOGIN, LOGIN),
        "learner": (403, 403),
        "teacher": (302, 404),
        "coordinator": (302, 404),
        "provider_admin": (302, 404),
        "admin": (302, 302),
    },
    "entitlement.record": {
        "anonymous": (LOGIN, LOGIN),
        "learner": (403, 403),
        "teacher": (200, 404),
        "coordinator": (200, 404),
        "provider_admin": (200, 404),
        "admin": (200, 200),
    },
    # Posting an empty form: the deciders get the form back with errors (400) for their own
    # learners and 404 for others; everyone else is refused before the form is read.
    **dict.fromkeys(
        (
            "entitlement.set_start",
            "entitlement.add_leave",
            "entitlement.remove_leave",
            "entitlement.add_extension",
            "entitlement.remove_extension",
            "entitlement.register_dropout",
            "entitlement.withdraw_dropout",
        ),
        {
            "anonymous": (LOGIN, LOGIN),
            "learner": (403, 403),
            "teacher": (403, 403),
            "coordinator": (400, 404),
            "provider_admin": (403, 403),
            "admin": (400, 400),
        },
    ),
}


def test_the_table_describes_every_route(app: Flask):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert set(ROUTES) == endpoints, "describe new routes in ROUTES and EXPECTED"
    assert set(EXPECTED) == endpoints
    for endpoint, by_role in EXPECTED.items():
        assert set(by_role) == set(ROLES), endpoint


@pytest.mark.parametrize("endpoint", sorted(EXPECTED))
def test_each_role_sees_own_but_not_other_organisation(app: Flask, world: World, endpoint: str):
    failures = []
    for role in ROLES:
        for own, expected in zip((True, False), EXPECTED[endpoint][role], strict=True):
            client = app.test_client()
            if role != "anonymous":
                login_as(client, world.users[role])
            method, url = ROUTES[endpoint](world, role, own)
            response = client.open(url, method=method, data={"active": "0"})
            status = response.status_code
            if status == 302 and response.headers["Location"].startswith("/login"):
                status = LOGIN
            if status != expected:
                failures.append(
                    f"{role} {method} {url} ({'own' if own else 'other'}): {status}, "
                    f"expected {expected}"
                )
            response.close()
    assert failures == []


def test_learner_list_shows_only_visible_learners(app: Flask, world: World):
    for role, sees_b in (("teacher", False), ("coordinator", False), ("admin", True)):
        client = app.test_client()
        login_as(client, world.users[role])
        page = client.get("/learners").get_data(as_text=True)
        assert f'/learners/{world.learner_a.id}"' in page, role
        assert (f'/learners/{world.learner_b.id}"' in page) is sees_b, role


# CSRF: every state-changing route refuses a request without a token, for every role.


def _post_endpoints(app: Flask) -> list[str]:
    return sorted(
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "POST" in (rule.methods or set()) and rule.endpoint != "static"
    )


def test_every_post_route_is_in_the_access_table(app):
    assert set(_post_endpoints(app)) <= set(ROUTES)


def test_posts_without_a_token_are_refused(app: Flask, world: World):
    app.config["WTF_CSRF_ENABLED"] = True
    refused, checked = [], 0
    for endpoint in _post_endpoints(app):
        for role in ROLES:
            client = app.test_client()
            if role != "anonymous":
                login_as(client, world.users[role])
            _method, url = ROUTES[endpoint](world, role, True)
            response = client.post(url, data={"active": "0", "locale": "en"})
            checked += 1
            if response.status_code != 400:
                refused.append(f"{role} POST {url}: {response.status_code}")
    assert refused == []
    assert checked >= 6 * 15


@pytest.mark.parametrize("header", [{}, {"X-CSRFToken": "forged"}])
def test_heartbeat_needs_the_token_too(app: Flask, world: World, header):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    login_as(client, world.users["learner"])
    assert client.post("/study/heartbeat", headers=header).status_code == 400
