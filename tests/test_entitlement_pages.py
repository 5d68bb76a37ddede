"""Entitlement pages through the test client: registering decisions, the overview, CSV, own pages.

The clock is frozen at 10 January 2026 (Oslo), so days left and flags are fixed.
"""

from __future__ import annotations

import csv
import html
import re
from datetime import UTC, date, datetime

import pytest
from babel.dates import format_date
from sqlalchemy import func, select

from tests.conftest import login_as
from webapp.accounts.models import Role
from webapp.entitlement import services
from webapp.entitlement.models import Entitlement, EntitlementAudit, ExtensionDecision
from webapp.extensions import db
from webapp.learners.levels import Education
from webapp.organisations.models import OrganisationKind
from webapp.studytime.models import StudyDay, StudySource

D = date.fromisoformat
TODAY = D("2026-01-10")
EN = {"Accept-Language": "en"}
TOO_MANY_DECISIONS = (
    "No more extension decisions are possible. Learners with completed upper "
    "secondary education or more can have one decision; others can have up to four."
)


class FrozenClock(datetime):
    """Noon UTC on 10 January 2026."""

    @classmethod
    def now(cls, tz=None):
        return datetime(2026, 1, 10, 12, 0, tzinfo=UTC).astimezone(tz)


@pytest.fixture(autouse=True)
def frozen_today(monkeypatch):
    monkeypatch.setattr("webapp.clock.datetime", FrozenClock)


@pytest.fixture
def municipality(factory):
    return factory.organisation(OrganisationKind.MUNICIPALITY, "Fjordby kommune")


@pytest.fixture
def coordinator(factory, municipality):
    # The interface language is the user's own choice first; English for exact texts.
    return factory.user(Role.COORDINATOR, municipality, locale="en", name="Kari Koordinator")


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def full_en(day: date) -> str:
    return format_date(day, "full", locale="en")


def make_learner(factory, home, name: str, **kwargs):
    kwargs.setdefault("settlement_date", D("2025-01-01"))
    return factory.learner(home=home, name=name, **kwargs)


def register(
    actor,
    learner,
    start: str,
    leaves: tuple[tuple[str, str], ...] = (),
    extensions: tuple[int, ...] = (),
    dropout: str | None = None,
) -> None:
    services.set_start(actor, learner, None, D(start), "")
    for first, last in leaves:
        services.add_leave(actor, learner, D(first), D(last), "permisjon")
    for months in extensions:
        services.add_extension(actor, learner, D("2025-12-01"), months, "")
    if dropout:
        services.register_dropout(actor, learner, D(dropout), "sluttet")
    db.session.commit()


def stored(learner) -> Entitlement:
    db.session.expire_all()
    return db.session.get(Entitlement, learner.id)


# --- Registering decisions ------------------------------------------------------------------


def test_a_coordinator_registers_start_leave_extension_and_dropout(
    client, factory, municipality, coordinator
):
    learner = make_learner(factory, municipality, "Olena Kovalenko")
    login_as(client, coordinator)
    page_url = f"/learners/{learner.id}/entitlement"

    response = client.get(page_url, headers=EN)
    assert response.status_code == 200
    assert "No right to Norwegian training is registered yet." in text(response)

    response = client.post(
        f"{page_url}/start",
        data={"decision_date": "2025-03-05", "start_date": "2025-03-10", "reason": "Vedtak"},
        headers=EN,
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(page_url)
    assert stored(learner).last_day == D("2026-03-09")
    page = text(client.get(page_url, headers=EN))
    assert "The start is saved." in page
    assert full_en(D("2026-03-09")) == "Monday, March 9, 2026"
    assert full_en(D("2026-03-09")) in page
    assert "59 days left" in page  # 10 January to 9 March, both included

    response = client.post(
        f"{page_url}/leave",
        data={"first_day": "2025-06-01", "last_day": "2025-06-10", "reason": "Sykdom"},
        headers=EN,
    )
    assert response.status_code == 302
    assert stored(learner).last_day == D("2026-03-19")
    page = text(client.get(page_url, headers=EN))
    assert full_en(D("2026-03-19")) in page
    assert full_en(D("2026-03-09")) not in page
    assert "69 days left" in page

    response = client.post(
        f"{page_url}/extension",
        data={"decided_on": "2026-01-05", "months": "3", "note": "Trenger mer tid"},
        headers=EN,
    )
    assert response.status_code == 302
    assert stored(learner).last_day == D("2026-06-19")
    page = text(client.get(page_url, headers=EN))
    assert full_en(D("2026-06-19")) in page
    assert "3 months" in page

    response = client.post(
        f"{page_url}/dropout", data={"on": "2026-01-08", "reason": "Flyttet"}, headers=EN
    )
    assert response.status_code == 302
    record = stored(learner)
    assert record.discontinued_on == D("2026-01-08")
    assert record.last_day == D("2026-06-19")
    page = text(client.get(page_url, headers=EN))
    assert "Dropped out" in page
    assert "January 8, 2026" in page
    assert "Withdraw the registration" in page

    actions = db.session.scalars(
        select(EntitlementAudit.action).order_by(EntitlementAudit.id)
    ).all()
    assert actions == ["opened", "start", "leave_added", "extension_added", "discontinued"]
    assert set(db.session.scalars(select(EntitlementAudit.actor_id))) == {coordinator.id}


def test_a_refused_extension_re_renders_with_the_message_and_writes_nothing(
    client, factory, municipality, coordinator
):
    learner = make_learner(factory, municipality, "Iryna Shevchenko", education=Education.HIGHER)
    register(coordinator, learner, "2025-03-10", extensions=(6,))
    login_as(client, coordinator)
    decisions, audits = count(ExtensionDecision), count(EntitlementAudit)

    response = client.post(
        f"/learners/{learner.id}/entitlement/extension",
        data={"decided_on": "2026-01-05", "months": "2", "note": "nr. 2"},
        headers=EN,
    )
    assert response.status_code == 400
    page = text(response)
    assert TOO_MANY_DECISIONS in page
    assert (count(ExtensionDecision), count(EntitlementAudit)) == (decisions, audits)
    assert stored(learner).last_day == D("2026-09-09")


def test_seven_months_are_refused_by_the_form(client, factory, municipality, coordinator):
    learner = make_learner(factory, municipality, "Taras Bondarenko")
    register(coordinator, learner, "2025-03-10")
    login_as(client, coordinator)
    audits = count(EntitlementAudit)

    response = client.post(
        f"/learners/{learner.id}/entitlement/extension",
        data={"decided_on": "2026-01-05", "months": "7"},
        headers=EN,
    )
    assert response.status_code == 400
    assert "A decision is for 1 to 6 months." in text(response)
    assert count(ExtensionDecision) == 0
    assert count(EntitlementAudit) == audits
    assert stored(learner).last_day == D("2026-03-09")


def test_a_start_before_settlement_is_refused_on_the_page(
    client, factory, municipality, coordinator
):
    learner = make_learner(factory, municipality, "Petro", settlement_date=D("2025-03-01"))
    login_as(client, coordinator)
    response = client.post(
        f"/learners/{learner.id}/entitlement/start",
        data={"start_date": "2025-02-01"},
        headers=EN,
    )
    assert response.status_code == 400
    assert "Training cannot start before the date the learner was settled." in text(response)
    assert count(Entitlement) == 0
    assert count(EntitlementAudit) == 0


def test_a_coordinator_of_another_municipality_gets_404(client, factory, municipality, coordinator):
    learner = make_learner(factory, municipality, "Mykola")
    register(coordinator, learner, "2025-03-10")
    elsewhere = factory.user(Role.COORDINATOR, factory.organisation(), locale="en")
    login_as(client, elsewhere)
    audits = count(EntitlementAudit)

    assert client.get(f"/learners/{learner.id}/entitlement").status_code == 404
    response = client.post(
        f"/learners/{learner.id}/entitlement/start", data={"start_date": "2025-04-01"}
    )
    assert response.status_code == 404
    response = client.post(
        f"/learners/{learner.id}/entitlement/extension",
        data={"decided_on": "2026-01-05", "months": "3"},
    )
    assert response.status_code == 404
    assert stored(learner).start_date == D("2025-03-10")
    assert count(EntitlementAudit) == audits
    assert "Mykola" not in text(client.get("/entitlements"))


def test_a_teacher_sees_the_record_read_only(client, factory, municipality, coordinator):
    provider = factory.organisation(OrganisationKind.PROVIDER, "Språkskolen")
    teacher = factory.user(Role.TEACHER, provider, locale="en")
    learner = make_learner(factory, municipality, "Sofia", organisation=provider)
    register(coordinator, learner, "2025-03-10", leaves=(("2025-06-01", "2025-06-10"),))
    page_url = f"/learners/{learner.id}/entitlement"

    login_as(client, teacher)
    response = client.get(page_url, headers=EN)
    assert response.status_code == 200
    page = text(response)
    assert full_en(D("2026-03-19")) in page
    assert "Approved leave" in page
    assert "Register a decision" not in page
    assert "Change history" not in page
    assert f'action="{page_url}/' not in page  # no form posts to the record
    assert client.post(f"{page_url}/start", data={"start_date": "2025-04-01"}).status_code == 403
    assert stored(learner).start_date == D("2025-03-10")

    login_as(client, coordinator)
    page = text(client.get(page_url, headers=EN))
    assert "Register a decision" in page
    assert f'action="{page_url}/start"' in page
    assert "Change history" in page
    assert "Leave registered" in page
    assert "2026-03-09 → 2026-03-19" in page
    assert "Kari Koordinator" in page


# --- The overview ---------------------------------------------------------------------------


def overview_names(response) -> list[str]:
    assert response.status_code == 200
    return re.findall(r'<a href="/learners/\d+/entitlement">([^<]*)</a>', text(response))


@pytest.fixture
def cohort(factory, municipality, coordinator):
    """One learner of each status on 10 January 2026, and one elsewhere."""
    names = {}

    def add(name, **kwargs):
        names[name] = make_learner(factory, municipality, name, **kwargs)
        return names[name]

    register(coordinator, add("Anna Aktiv"), "2025-09-01")  # last day 2026-08-31
    register(coordinator, add("Berit Frist"), "2025-02-24")  # 2026-02-23, 45 days left
    register(
        coordinator,
        add("Cato Permisjon"),
        "2025-09-01",
        leaves=(("2026-01-05", "2026-01-20"),),
    )  # 2026-09-16, on leave today
    register(coordinator, add("Dina Utløpt"), "2025-01-05")  # 2026-01-04, over
    register(coordinator, add("Erik Venter"), "2026-02-01")  # not started
    add("Frida Uregistrert")  # no record
    register(coordinator, add("Geir Sluttet"), "2025-09-01", dropout="2025-12-01")
    make_learner(factory, factory.organisation(), "Ola Annensted")
    return names


def test_overview_sorts_running_periods_first_soonest_last_day_first(client, coordinator, cohort):
    login_as(client, coordinator)
    assert overview_names(client.get("/entitlements", headers=EN)) == [
        "Berit Frist",
        "Anna Aktiv",
        "Cato Permisjon",
        "Erik Venter",
        "Dina Utløpt",
        "Geir Sluttet",
        "Frida Uregistrert",
    ]
    assert overview_names(client.get("/entitlements?sort=-last_day", headers=EN)) == [
        "Cato Permisjon",
        "Anna Aktiv",
        "Berit Frist",
        "Erik Venter",
        "Geir Sluttet",
        "Dina Utløpt",
        "Frida Uregistrert",
    ]
    assert overview_names(client.get("/entitlements?sort=name", headers=EN)) == sorted(
        name for name in cohort if name != "Ola Annensted"
    )


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("status=active", ["Berit Frist", "Anna Aktiv"]),
        ("status=on_leave", ["Cato Permisjon"]),
        ("status=expired", ["Dina Utløpt"]),
        ("status=not_started", ["Erik Venter"]),
        ("status=discontinued", ["Geir Sluttet"]),
        ("status=no_record", ["Frida Uregistrert"]),
        ("flag=deadline_90", ["Berit Frist"]),
        ("flag=extension_possible", ["Berit Frist"]),
        ("flag=on_leave", ["Cato Permisjon"]),
        ("flag=expired", ["Dina Utløpt"]),
        ("q=berit", ["Berit Frist"]),
        ("q=FRI", ["Berit Frist", "Frida Uregistrert"]),
        ("q=%25", []),  # a literal "%" is not a wildcard
        ("q=ola", []),  # another municipality's learner
        ("status=active&q=anna", ["Anna Aktiv"]),
    ],
)
def test_overview_filters(client, coordinator, cohort, query, names):
    login_as(client, coordinator)
    response = client.get(f"/entitlements?{query}", headers=EN)
    assert overview_names(response) == names
    if not names:
        assert "No learners match these filters." in text(response)


def test_overview_paginates_25_rows(client, factory, municipality, coordinator):
    for n in range(30):
        make_learner(factory, municipality, f"Deltaker {n:02d}")
    login_as(client, coordinator)

    first = overview_names(client.get("/entitlements?sort=name", headers=EN))
    second = overview_names(client.get("/entitlements?sort=name&page=2", headers=EN))
    assert len(first) == 25
    assert len(second) == 5
    assert first + second == [f"Deltaker {n:02d}" for n in range(30)]

    past_the_end = client.get("/entitlements?sort=name&page=999", headers=EN)
    assert overview_names(past_the_end) == second
    assert "Page 2 of 2" in text(past_the_end)
    assert "30 learners" in text(past_the_end)


def test_overview_csv(client, factory, municipality, coordinator, cohort):
    make_learner(factory, municipality, "=HYPERLINK(1)")
    login_as(client, coordinator)

    response = client.get("/entitlements.csv", headers=EN)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    body = raw.decode("utf-8-sig")
    assert body.endswith("\r\n")
    assert "\n" not in body.replace("\r\n", "")
    lines = body.split("\r\n")[:-1]
    assert len(lines) == 1 + 8  # header, seven of the cohort and the formula name
    rows = list(csv.reader(lines, delimiter=";"))
    assert rows[0] == [
        "Name",
        "E-mail address",
        "Home municipality",
        "Status",
        "Start date",
        "Last day",
        "Days left",
        "Level now",
        "Goal",
        "Work",
        "Study hours, last 4 weeks",
        "Days in class, last 4 weeks",
        "Flags",
    ]
    by_name = {row[0]: row for row in rows[1:]}
    assert "'=HYPERLINK(1)" in by_name
    assert "=HYPERLINK(1)" not in by_name
    assert "Ola Annensted" not in by_name
    berit = cohort["Berit Frist"]
    assert by_name["Berit Frist"] == [
        "Berit Frist",
        berit.email,
        "Fjordby kommune",
        "Active",
        "2025-02-24",
        "2026-02-23",
        "45",
        "",
        "B1/B1/B1/B2",
        "Not working",
        "0.0",
        "0",
        "90 days or fewer left, At risk, Extension possible",
    ]
    assert by_name["Frida Uregistrert"][3:7] == ["Not registered", "", "", ""]
    assert by_name["Dina Utløpt"][3:7] == ["Period over", "2025-01-05", "2026-01-04", ""]

    filtered = client.get("/entitlements.csv?status=on_leave", headers=EN)
    lines = filtered.get_data().decode("utf-8-sig").split("\r\n")[:-1]
    assert [line.split(";")[0] for line in lines] == ["Name", "Cato Permisjon"]


# --- The learner's own pages ----------------------------------------------------------------


@pytest.mark.parametrize("locale", ["en", "nb"])
def test_my_entitlement_shows_the_last_day_in_full(
    client, factory, municipality, coordinator, locale
):
    learner = make_learner(factory, municipality, "Oksana", locale=locale)
    register(coordinator, learner, "2025-09-01", leaves=(("2025-10-01", "2025-10-10"),))
    last = D("2026-09-10")  # 2026-08-31 + 10 days of leave
    login_as(client, learner)

    response = client.get("/my/entitlement", headers=EN)
    assert response.status_code == 200
    page = text(response)
    assert format_date(last, "full", locale=locale) in page
    if locale == "en":
        assert format_date(last, "full", locale="en") == "Thursday, September 10, 2026"
        assert "244 days left" in page
        assert (
            "Free Norwegian training for one year from the start, if you were 18 to 67 years "
            "old when you were settled." in page
        )
        assert "Approved leave moves your last day on by the number of days of leave." in page
        assert "With completed upper secondary education or more, you can get one extension" in page
        assert "Without completed upper secondary education" not in page
    else:
        assert "torsdag 10. september 2026" in page


def test_my_entitlement_without_a_start_and_with_little_schooling(client, factory, municipality):
    learner = make_learner(
        factory, municipality, "Halyna", locale="en", education=Education.PRIMARY
    )
    login_as(client, learner)
    page = text(client.get("/my/entitlement"))
    assert "No right to Norwegian training is registered yet." in page
    assert "Without completed upper secondary education, you can get up to four extension" in page
    assert "With completed upper secondary education or more" not in page


def test_a_learner_sees_only_their_own_pages(client, factory, municipality, coordinator):
    learner = make_learner(factory, municipality, "Vira", locale="en")
    register(coordinator, learner, "2025-09-01")
    login_as(client, learner)
    assert client.get(f"/learners/{learner.id}/entitlement").status_code == 403
    assert client.get("/entitlements").status_code == 403


def study_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    body = text(response)
    tbody = body.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        [cell.strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", tbody, re.S)
    ]


@pytest.mark.parametrize(
    ("locale", "expected", "total"),
    [
        (
            "nb",
            [
                ["november 2025", "1,5", "0,5", "0,0", "2,0"],
                ["desember 2025", "0,0", "0,0", "2,0", "2,0"],
            ],
            "4,0",
        ),
        (
            "en",
            [
                ["November 2025", "1.5", "0.5", "0.0", "2.0"],
                ["December 2025", "0.0", "0.0", "2.0", "2.0"],
            ],
            "4.0",
        ),
    ],
)
def test_my_study_hours_per_month(
    client, factory, municipality, coordinator, locale, expected, total
):
    learner = make_learner(factory, municipality, "Maksym", locale=locale)
    register(coordinator, learner, "2025-09-01")
    other = make_learner(factory, municipality, "Noen Andre")
    rows = [
        (learner, "2025-08-20", StudySource.LESSON, 3600),  # before the start: not counted
        (learner, "2025-11-03", StudySource.LESSON, 3600),
        (learner, "2025-11-20", StudySource.LESSON, 1800),
        (learner, "2025-11-20", StudySource.REVIEW, 1800),
        (learner, "2025-12-02", StudySource.CLASS, 7200),
        (learner, "2026-01-11", StudySource.LESSON, 3600),  # after today: not counted
        (other, "2025-11-03", StudySource.LESSON, 7200),  # someone else
    ]
    for who, day, source, seconds in rows:
        db.session.add(StudyDay(learner_id=who.id, day=D(day), source=source, seconds=seconds))
    db.session.commit()
    login_as(client, learner)

    response = client.get("/my/study-hours")
    assert study_rows(response) == expected
    assert f"<strong>{total}</strong>" in text(response)
