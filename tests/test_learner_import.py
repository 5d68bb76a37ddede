"""Importing learners from CSV: encodings, separators, bad rows, duplicates, all-or-nothing."""

from __future__ import annotations

import io
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.conftest import login_as
from webapp.accounts.models import Role, User
from webapp.entitlement.models import Entitlement
from webapp.extensions import db
from webapp.learners import importing
from webapp.learners.models import LearnerProfile
from webapp.mail.models import OutboxMessage
from webapp.organisations.models import OrganisationKind

TODAY = date(2026, 11, 28)
HEADER = "name,email,birth_date,settlement_date,first_language,education,employment,phone,level"


def csv_bytes(rows: list[str], header: str = HEADER, sep: str = ",", encoding="utf-8") -> bytes:
    text = "\r\n".join([header.replace(",", sep), *(row.replace(",", sep) for row in rows)])
    return text.encode(encoding)


GOOD = [
    "Olena Kovalenko,olena@example.org,1987-03-14,2025-02-02,uk,higher,shift_work,,A2",
    "Dmytro Bondarenko,dmytro@example.org,14.05.1990,01.09.2025,ru,upper_secondary,full_time,"
    "+47 912 34 567,",
]


def test_a_valid_utf8_file_with_commas_is_read():
    parsed = importing.parse(csv_bytes(GOOD), TODAY)
    assert parsed.problems == []
    assert [row.email for row in parsed.rows] == ["olena@example.org", "dmytro@example.org"]
    assert parsed.rows[1].birth_date == date(1990, 5, 14)
    assert parsed.rows[1].phone == "+47 912 34 567"
    assert parsed.rows[0].level == "A2"
    assert (parsed.encoding, parsed.separator) == ("utf-8", ",")


def test_windows_1252_with_semicolons_and_a_bom_are_read():
    rows = ["Åse Ødegård,ase@example.org,1980-01-02,2024-05-06,other,primary,part_time,,"]
    cp1252 = importing.parse(csv_bytes(rows, sep=";", encoding="cp1252"), TODAY)
    assert cp1252.problems == []
    assert cp1252.rows[0].name == "Åse Ødegård"
    assert (cp1252.encoding, cp1252.separator) == ("windows-1252", ";")
    bom = importing.parse(b"\xef\xbb\xbf" + csv_bytes(rows, sep=";"), TODAY)
    assert bom.problems == []
    assert bom.rows[0].name == "Åse Ødegård"
    assert bom.encoding == "utf-8-sig"


def test_columns_may_come_in_any_order_and_case():
    header = "EMAIL;Name;Employment;Education;First_Language;Settlement_Date;Birth_Date"
    row = "x@example.org;Iryna Shevchenko;not_working;none;uk;2025-01-01;1970-07-07"
    parsed = importing.parse((header + "\n" + row).encode(), TODAY)
    assert parsed.problems == []
    assert parsed.rows[0].name == "Iryna Shevchenko"


@pytest.mark.parametrize(
    ("row", "code", "column"),
    [
        (",a@example.org,1987-03-14,2025-02-02,uk,higher,shift_work,,", "required", "name"),
        ("A,not-an-email,1987-03-14,2025-02-02,uk,higher,shift_work,,", "bad_email", "email"),
        ("A,a@example.org,14/03/1987,2025-02-02,uk,higher,shift_work,,", "bad_date", "birth_date"),
        (
            "A,a@example.org,1899-12-31,2025-02-02,uk,higher,shift_work,,",
            "implausible_date",
            "birth_date",
        ),
        (
            "A,a@example.org,1987-03-14,2027-01-01,uk,higher,shift_work,,",
            "implausible_date",
            "settlement_date",
        ),
        (
            "A,a@example.org,1987-03-14,2025-02-02,de,higher,shift_work,,",
            "not_allowed",
            "first_language",
        ),
        ("A,a@example.org,1987-03-14,2025-02-02,uk,phd,shift_work,,", "not_allowed", "education"),
        ("A,a@example.org,1987-03-14,2025-02-02,uk,higher,nights,,", "not_allowed", "employment"),
        (
            "A,a@example.org,1987-03-14,2025-02-02,uk,higher,shift_work,call me,",
            "bad_phone",
            "phone",
        ),
        ("A,a@example.org,1987-03-14,2025-02-02,uk,higher,shift_work,,A9", "not_allowed", "level"),
    ],
)
def test_each_bad_value_is_reported_with_its_line(row, code, column):
    parsed = importing.parse(csv_bytes([GOOD[0], row]), TODAY)
    assert parsed.problems == [importing.Problem(3, code, column)]
    assert [r.line for r in parsed.rows] == [2]


def test_duplicates_inside_the_file_are_found():
    again_email = "Someone Else,olena@example.org,1990-01-01,2025-02-02,uk,higher,full_time,,"
    again_person = "olena kovalenko,other@example.org,1987-03-14,2025-02-02,uk,higher,full_time,,"
    parsed = importing.parse(csv_bytes([GOOD[0], again_email, again_person]), TODAY)
    assert [(p.line, p.code) for p in parsed.problems] == [
        (3, "duplicate_in_file"),
        (4, "duplicate_person_in_file"),
    ]


def test_whole_file_problems():
    assert importing.parse(b"", TODAY).problems == [importing.Problem(1, "empty")]
    assert importing.parse(HEADER.encode(), TODAY).problems == [importing.Problem(1, "no_rows")]
    missing = importing.parse(b"name,email\nA,a@example.org", TODAY)
    assert {p.column for p in missing.problems} == {
        "birth_date",
        "settlement_date",
        "first_language",
        "education",
        "employment",
    }
    assert missing.file_problem


@settings(max_examples=150, deadline=None)
@given(data=st.binary(max_size=600))
def test_random_bytes_never_crash_the_reader(data):
    parsed = importing.parse(data, TODAY)
    assert parsed.rows or parsed.problems


@settings(max_examples=100, deadline=None)
@given(
    cells=st.lists(st.text(max_size=30), min_size=0, max_size=12),
    sep=st.sampled_from([",", ";"]),
)
def test_hostile_cells_are_refused_or_read_never_crash(cells, sep):
    line = sep.join(cell.replace("\n", " ") for cell in cells)
    parsed = importing.parse((HEADER.replace(",", sep) + "\n" + line).encode(), TODAY)
    for row in parsed.rows:
        assert importing.EMAIL.match(row.email)


# Through the page ------------------------------------------------------------------------------


@pytest.fixture
def coordinator(factory):
    home = factory.organisation(OrganisationKind.MUNICIPALITY, "Flesberg")
    return factory.user(Role.COORDINATOR, home, locale="en")


def upload(client, data: bytes, only_valid: bool = False):
    form = {"file": (io.BytesIO(data), "learners.csv")}
    if only_valid:
        form["only_valid"] = "y"
    return client.post("/learners/import", data=form, content_type="multipart/form-data")


def learner_count() -> int:
    return db.session.scalar(select(func.count()).select_from(LearnerProfile))


def test_a_good_file_imports_everyone_with_an_entitlement_and_an_invitation(client, coordinator):
    login_as(client, coordinator)
    response = upload(client, csv_bytes(GOOD))
    assert response.status_code == 302
    imported = db.session.scalars(
        select(User).where(User.role == Role.LEARNER).order_by(User.email)
    ).all()
    assert [u.email for u in imported] == ["dmytro@example.org", "olena@example.org"]
    assert {u.learner_profile.home_municipality_id for u in imported} == {
        coordinator.organisation_id
    }
    assert {u.locale for u in imported} == {"uk", "ru"}
    assert db.session.scalar(select(func.count()).select_from(Entitlement)) == 2
    mails = db.session.scalars(select(OutboxMessage)).all()
    assert sorted(m.to_address for m in mails) == ["dmytro@example.org", "olena@example.org"]
    assert all("/password/reset/" in m.body_text for m in mails)


def test_a_file_with_a_bad_row_imports_nothing_and_says_where(client, coordinator):
    login_as(client, coordinator)
    bad = "Bad Row,broken,1987-03-14,2025-02-02,uk,higher,shift_work,,"
    response = upload(client, csv_bytes([GOOD[0], bad, GOOD[1]]))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Nothing was imported" in page
    assert '<td class="number">3</td>' in page
    assert "is not a valid e-mail address" in page
    assert learner_count() == 0
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_choosing_valid_rows_only_imports_them(client, coordinator):
    login_as(client, coordinator)
    bad = "Bad Row,broken,1987-03-14,2025-02-02,uk,higher,shift_work,,"
    response = upload(client, csv_bytes([GOOD[0], bad, GOOD[1]]), only_valid=True)
    assert response.status_code == 302
    assert learner_count() == 2


def test_learners_already_registered_are_not_imported_twice(client, coordinator, factory):
    factory.learner(email="olena@example.org")
    login_as(client, coordinator)
    response = upload(client, csv_bytes(GOOD))
    assert response.status_code == 400
    assert "already has this e-mail address" in response.get_data(as_text=True)
    assert learner_count() == 1
    again = upload(client, csv_bytes(GOOD), only_valid=True)
    assert again.status_code == 302
    assert learner_count() == 2


def test_a_large_file_streams_progress_and_imports_in_one_go(client, coordinator):
    rows = [
        f"Learner {n},learner{n}@example.org,1980-01-01,2025-01-01,uk,higher,full_time,,"
        for n in range(1200)
    ]
    login_as(client, coordinator)
    response = upload(client, csv_bytes(rows))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "500 of 1200 learners" in page
    assert "1200 of 1200 learners" in page
    assert "1200 learners are imported and invited by e-mail." in page
    assert page.rstrip().endswith("</html>")
    assert learner_count() == 1200


def test_a_failure_half_way_leaves_nothing_behind(client, coordinator, monkeypatch):
    from webapp.learners import services

    rows = [
        f"Learner {n},learner{n}@example.org,1980-01-01,2025-01-01,uk,higher,full_time,,"
        for n in range(1100)
    ]
    original = services.issue_reset_token if hasattr(services, "issue_reset_token") else None
    assert original is None  # imported lazily inside the service
    calls = {"n": 0}
    from webapp.accounts import services as account_services

    real = account_services.issue_reset_token

    def failing(user, hours=None):
        calls["n"] += 1
        if calls["n"] == 700:
            raise RuntimeError("the database went away")
        return real(user, hours)

    monkeypatch.setattr(account_services, "issue_reset_token", failing)
    login_as(client, coordinator)
    response = upload(client, csv_bytes(rows))
    page = response.get_data(as_text=True)
    assert "The import failed and nothing was saved." in page
    assert "500 of 1100 learners" in page
    db.session.rollback()
    assert learner_count() == 0
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
