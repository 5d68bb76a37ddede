"""Registrations for the national introduction register: per learner and month, hours kept apart
by source, absence, leave, decisions and dropping out; CSV and JSON; months marked exported."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import func, select

from tests.conftest import login_as
from webapp.accounts.models import Role
from webapp.classes.models import (
    Attendance,
    AttendanceMark,
    ClassSeries,
    ClassSession,
    Modality,
)
from webapp.clock import OSLO
from webapp.entitlement import nir, services
from webapp.entitlement.models import NirExport
from webapp.extensions import db
from webapp.learners.levels import Education, Level
from webapp.lessons.models import Lesson, WritingSubmission
from webapp.organisations.models import OrganisationKind
from webapp.studytime.models import StudyDay, StudySource

D = date.fromisoformat
OCTOBER = D("2026-10-01")


def test_leave_days_count_each_day_of_the_month_once():
    leaves = [(D("2026-09-25"), D("2026-10-03")), (D("2026-10-02"), D("2026-10-05"))]
    assert nir.leave_days_in(leaves, OCTOBER, D("2026-10-31")) == 5
    assert nir.leave_days_in([(D("2026-11-01"), D("2026-11-30"))], OCTOBER, D("2026-10-31")) == 0


def test_build_rows_keeps_sources_apart_and_rounds_hours():
    fact = nir.LearnerMonth(
        7,
        "Olena",
        D("1985-05-17"),
        D("2026-10-05"),
        self_study_seconds=5400,
        present_seconds=7200,
        absent_seconds=3600,
        excused_seconds=1800,
        replies=2,
        decisions=[3],
        dropped_out_on=D("2026-10-30"),
    )
    [row] = nir.build_rows("3050", OCTOBER, [fact])
    assert (row.self_study_hours, row.class_hours, row.teacher_contact_hours) == (1.5, 2.0, 2.0)
    assert (row.absence_hours, row.excused_absence_hours, row.teacher_replies) == (1.0, 0.5, 2)
    assert (row.start_date, row.extension_decisions, row.extension_months) == ("2026-10-05", 1, 3)
    assert row.dropped_out_on == "2026-10-30"
    [later] = nir.build_rows("3050", D("2026-11-01"), [fact])
    assert later.start_date == ""


@pytest.fixture
def rollag(factory):
    return factory.organisation(OrganisationKind.MUNICIPALITY, "Rollag")


@pytest.fixture
def coordinator(factory, rollag):
    return factory.user(Role.COORDINATOR, rollag, locale="en")


def _at(day: str, hour: int) -> datetime:
    return datetime.combine(D(day), time(hour), OSLO).astimezone(UTC)


@pytest.fixture
def october(factory, rollag, coordinator):
    """Two Rollag learners and one from elsewhere, with a month of study, classes and records."""
    provider = factory.organisation(OrganisationKind.PROVIDER, "Nordlys")
    series = ClassSeries(
        provider_id=provider.id,
        title="Kveld",
        level=Level.A2,
        modality=Modality.ONLINE,
        capacity=10,
        weekdays="tue",
        start_local=time(18),
        end_local=time(20),
        first_date=D("2026-10-06"),
        last_date=D("2026-11-03"),
    )
    db.session.add(series)
    db.session.flush()
    sessions = []
    for day in ("2026-10-06", "2026-10-13", "2026-10-20", "2026-11-03"):
        session = ClassSession(
            series_id=series.id,
            local_date=D(day),
            start_local=time(18),
            end_local=time(20),
            starts_at=_at(day, 18),
            ends_at=_at(day, 20),
        )
        db.session.add(session)
        sessions.append(session)
    db.session.flush()
    db.session.add(
        Lesson(
            id="nir-test",
            track="general",
            level="A2",
            position=1,
            minutes=10,
            title_nb="Test",
            digest="0" * 64,
            content="{}",
        )
    )
    db.session.flush()  # the lesson before the rows that refer to it
    olena = factory.learner(home=rollag, settlement_date=D("2026-09-01"), name="Olena")
    taras = factory.learner(
        home=rollag, settlement_date=D("2026-01-01"), name="Taras", education=Education.PRIMARY
    )
    away = factory.learner(settlement_date=D("2026-09-01"), name="Elsewhere")
    services.set_start(coordinator, olena, None, D("2026-10-05"), "")
    services.add_leave(coordinator, olena, D("2026-10-25"), D("2026-11-04"), "Syk")
    services.set_start(coordinator, taras, None, D("2026-01-10"), "")
    services.add_extension(coordinator, taras, D("2026-10-15"), 6, "")
    services.register_dropout(coordinator, taras, D("2026-10-28"), "Flyttet")
    study = [
        (olena, "2026-10-07", StudySource.LESSON, 1800),
        (olena, "2026-10-08", StudySource.REVIEW, 900),
        (olena, "2026-10-06", StudySource.CLASS, 7200),  # the class, logged as study time
        (olena, "2026-11-02", StudySource.LESSON, 3600),  # another month
        (taras, "2026-10-31", StudySource.LESSON, 2700),
        (away, "2026-10-07", StudySource.LESSON, 3600),
    ]
    for learner, day, source, seconds in study:
        db.session.add(StudyDay(learner_id=learner.id, day=D(day), source=source, seconds=seconds))
    marks = [
        (olena, 0, AttendanceMark.PRESENT),
        (olena, 1, AttendanceMark.ABSENT),
        (olena, 2, AttendanceMark.EXCUSED),
        (olena, 3, AttendanceMark.PRESENT),  # November
        (taras, 0, AttendanceMark.PRESENT),
        (away, 0, AttendanceMark.PRESENT),
    ]
    for learner, index, mark in marks:
        db.session.add(Attendance(session_id=sessions[index].id, learner_id=learner.id, mark=mark))
    db.session.add(
        WritingSubmission(
            learner_id=olena.id,
            lesson_id="nir-test",
            exercise_id="w1",
            text="Jeg heter Olena.",
            submitted_at=_at("2026-10-09", 12),
            reply="Bra!",
            replied_at=_at("2026-10-10", 9),
        )
    )
    db.session.commit()
    return {"olena": olena, "taras": taras, "away": away}


def test_the_month_s_rows_sum_to_the_study_log_and_attendance(rollag, october):
    rows = nir.registrations(rollag, OCTOBER)
    by_id = {row.learner_id: row for row in rows}
    olena, taras = by_id[october["olena"].id], by_id[october["taras"].id]
    assert october["away"].id not in by_id  # another municipality's learner

    # Self-study: the study log without class time, October only.
    self_study = db.session.scalar(
        select(func.sum(StudyDay.seconds)).where(
            StudyDay.learner_id.in_([october["olena"].id, october["taras"].id]),
            StudyDay.day >= OCTOBER,
            StudyDay.day <= D("2026-10-31"),
            StudyDay.source != StudySource.CLASS,
        )
    )
    assert sum(row.self_study_hours for row in rows) == pytest.approx(self_study / 3600)
    # Class hours: sessions marked present in October (2 hours each).
    present = db.session.scalar(
        select(func.count())
        .select_from(Attendance)
        .join(ClassSession, ClassSession.id == Attendance.session_id)
        .where(
            Attendance.mark == AttendanceMark.PRESENT,
            Attendance.learner_id.in_([october["olena"].id, october["taras"].id]),
            ClassSession.local_date <= D("2026-10-31"),
        )
    )
    assert sum(row.class_hours for row in rows) == present * 2.0

    assert (olena.self_study_hours, olena.class_hours, olena.teacher_contact_hours) == (0.75, 2, 2)
    assert (olena.absence_hours, olena.excused_absence_hours) == (2, 2)
    assert (olena.teacher_replies, olena.leave_days) == (1, 7)  # 25-31 October
    assert olena.start_date == "2026-10-05"
    assert (taras.extension_decisions, taras.extension_months) == (1, 6)
    assert taras.dropped_out_on == "2026-10-28"
    assert taras.start_date == ""


def test_the_coordinator_downloads_csv_and_json_and_marks_the_month(
    client, rollag, coordinator, october
):
    login_as(client, coordinator)
    page = client.get("/entitlements/nir").get_data(as_text=True)
    assert "Registrations for NIR" in page
    assert "Not yet exported" in page

    response = client.get("/entitlements/nir/2026-10.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";")
    header, *lines = list(reader)
    assert tuple(header) == nir.COLUMNS
    assert len(lines) == 2
    assert {line[header.index("name")] for line in lines} == {"Olena", "Taras"}
    assert {line[0] for line in lines} == {rollag.municipality_number}

    data = json.loads(client.get("/entitlements/nir/2026-10.json").get_data(as_text=True))
    assert [set(item) for item in data] == [set(nir.COLUMNS)] * 2

    response = client.post("/entitlements/nir/2026-10/exported", follow_redirects=True)
    assert "The month is marked as exported to NIR." in response.get_data(as_text=True)
    export = db.session.scalar(select(NirExport))
    assert (export.municipality_id, export.month, export.rows) == (rollag.id, OCTOBER, 2)
    assert export.exported_by_id == coordinator.id

    assert client.get("/entitlements/nir/2026-13.csv").status_code == 404
    assert client.get("/entitlements/nir/2026-10.xlsx").status_code == 404
    assert client.get("/entitlements/nir/soon.csv").status_code == 404


def test_another_municipality_sees_only_its_own(client, factory, october):
    elsewhere = october["away"].learner_profile.home_municipality
    login_as(client, factory.user(Role.COORDINATOR, elsewhere))
    text = client.get("/entitlements/nir/2026-10.csv").get_data(as_text=True)
    assert "Elsewhere" in text
    assert "Olena" not in text
    assert "Taras" not in text
    learner = october["olena"]
    login_as(client, learner)
    assert client.get("/entitlements/nir").status_code == 403
