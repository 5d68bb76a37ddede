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


@pytest.mark.parametrize(
    ("cell", "column"),
    [
        ("Olena\u202eokneloK", "name"),
        ("Ole\u200bna", "name"),
        ("Ole\x00na", "name"),
        ("olena@example.org\u2066", "email"),
        ("+47 912\x0734 567", "phone"),
        ("u\u200bk", "first_language"),
    ],
)
def test_cells_with_hidden_characters_are_refused(cell, column):
    values = dict(zip(HEADER.split(","), GOOD[0].split(","), strict=True))
    values[column] = cell
    parsed = importing.parse(csv_bytes([",".join(values.values())]), TODAY)
    assert parsed.problems == [importing.Problem(2, "hidden_characters", column)]
    assert parsed.rows == []


def test_names_are_stored_in_nfc():
    parsed = importing.parse(csv_bytes([GOOD[0].replace("Olena", "Zoe\u0308")]), TODAY)
    assert parsed.rows[0].name == "Zoë Kovalenko"


def test_a_refused_cell_is_named_on_the_page(client, coordinator):
    login_as(client, coordinator)
    response = upload(client, csv_bytes([GOOD[0].replace("Olena", "Ole\u202ena")]))
    assert response.status_code == 400
    assert "“name” has invisible or control characters." in response.get_data(as_text=True)
    assert learner_count() == 0


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


@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=600))
def test_the_quick_count_agrees_with_the_reader_on_any_bytes(data):
    parsed = importing.parse(data, TODAY)
    assert importing.count_rows(data) == parsed.total_rows or parsed.file_problem


@given(
    blank=st.lists(st.booleans(), max_size=40),
    sep=st.sampled_from([",", ";"]),
    encoding=st.sampled_from(["utf-8", "cp1252"]),
)
def test_the_quick_count_skips_blank_lines_like_the_reader(blank, sep, encoding):
    lines = ["" if empty else GOOD[0] for empty in blank]
    data = csv_bytes(lines, sep=sep, encoding=encoding)
    assert importing.count_rows(data) == blank.count(False)
    assert importing.parse(data, TODAY).total_rows == blank.count(False)


def test_a_field_too_long_for_the_csv_reader_makes_the_file_unreadable():
    data = csv_bytes(
        [GOOD[0], '"' + "x" * 200_000 + '",a@example.org,1980-01-01,2025-01-01,uk,,,,']
    )
    parsed = importing.parse(data, TODAY)
    assert parsed.problems == [importing.Problem(1, "unreadable")]
    assert parsed.rows == []
    assert importing.count_rows(data) == 0  # so the request reads it and says so


def test_the_reader_reports_its_progress():
    told = []
    rows = [f"A {n},a{n}@example.org,1980-01-01,2025-01-01,uk,none,part_time,," for n in range(25)]
    importing.parse(csv_bytes(rows), TODAY, progress=told.append, every=10)
    assert told == [10, 20]


@pytest.mark.parametrize(
    ("rows", "problems", "only_valid", "refused"),
    [
        (2, [], False, False),
        (2, [], True, False),
        (2, [importing.Problem(3, "bad_email", "email")], False, True),
        (2, [importing.Problem(3, "bad_email", "email")], True, False),
        (0, [importing.Problem(3, "bad_email", "email")], True, True),
        (2, [importing.Problem(1, "missing_column", "phone")], True, True),
        (0, [], True, True),
    ],
)
def test_when_an_import_is_refused(rows, problems, only_valid, refused):
    parsed = importing.ParsedFile(rows=importing.parse(csv_bytes(GOOD), TODAY).rows[:rows])
    parsed.problems = problems
    assert importing.refused(parsed, only_valid) is refused


problems = st.builds(
    importing.Problem,
    line=st.integers(min_value=1, max_value=60_000),
    code=st.sampled_from(["bad_email", "required", "person_exists", "too_many_rows"]),
    column=st.sampled_from(["", "name", "email", "birth_date"]),
)


@given(
    found=st.lists(problems, max_size=40),
    limit=st.integers(min_value=0, max_value=50),
    encoding=st.sampled_from(["", "utf-8", "windows-1252"]),
)
def test_a_report_survives_its_trip_through_the_job_table(found, limit, encoding):
    parsed = importing.ParsedFile(problems=found, encoding=encoding, separator=";", total_rows=9)
    report = importing.report_of(parsed, limit)
    assert importing.ImportReport.from_json(report.to_json()) == report
    assert report.problems == tuple(found[:limit])
    assert report.problem_count == len(found)
    assert report.bad_rows == len({p.line for p in found if p.line > 1})


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
    factory.learner(home=coordinator.organisation, email="olena@example.org")
    login_as(client, coordinator)
    response = upload(client, csv_bytes(GOOD))
    assert response.status_code == 400
    assert "A learner in your municipality already has this e-mail address." in (
        response.get_data(as_text=True)
    )
    assert learner_count() == 1
    again = upload(client, csv_bytes(GOOD), only_valid=True)
    assert again.status_code == 302
    assert learner_count() == 2


def test_an_address_taken_elsewhere_is_refused_without_saying_by_whom(client, coordinator, factory):
    elsewhere = factory.organisation(OrganisationKind.MUNICIPALITY, "Rollag")
    factory.learner(home=elsewhere, email="olena@example.org")
    factory.user(Role.TEACHER, email="dmytro@example.org")
    login_as(client, coordinator)
    response = upload(client, csv_bytes(GOOD))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert page.count("This e-mail address cannot be used.") == 2
    assert "already" not in page.split("<h2>Columns</h2>")[0]
    assert learner_count() == 1


def test_a_namesake_is_a_duplicate_only_among_the_coordinators_own_learners(
    client, coordinator, factory
):
    born = date(1987, 3, 14)  # Olena Kovalenko's birth date in GOOD[0]
    elsewhere = factory.organisation(OrganisationKind.MUNICIPALITY, "Rollag")
    other = factory.learner(home=elsewhere, email="o.k@example.org", birth_date=born)
    other.name = "Olena Kovalenko"
    db.session.commit()
    login_as(client, coordinator)
    assert upload(client, csv_bytes(GOOD[:1])).status_code == 302  # Rollag's Olena is not ours
    assert learner_count() == 2

    own = factory.learner(home=coordinator.organisation, email="dmytro.b@example.org")
    own.name, own.learner_profile.birth_date = "DMYTRO BONDARENKO", date(1990, 5, 14)
    db.session.commit()
    response = upload(client, csv_bytes(GOOD[1:]))
    assert response.status_code == 400
    assert "A learner with the same name and date of birth is already registered." in (
        response.get_data(as_text=True)
    )


def test_a_failure_inside_a_small_import_leaves_nothing_behind(client, coordinator, monkeypatch):
    from webapp.learners import services

    real = services._write_chunk

    def failing(actor, municipality, rows):
        real(actor, municipality, rows)
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "_write_chunk", failing)
    login_as(client, coordinator)
    response = upload(client, csv_bytes(GOOD))
    assert response.status_code == 500
    db.session.rollback()
    assert learner_count() == 0
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_a_large_upload_is_accepted_for_coordinators_only(app, client, coordinator):
    rows = [
        f"Learner {n},learner{n}@example.org,1980-01-01,2025-01-01,uk,higher,full_time,,"
        for n in range(1200)
    ]
    data = csv_bytes(rows)
    app.config["MAX_CONTENT_LENGTH"] = len(data) // 4  # other forms keep the small limit
    login_as(client, coordinator)
    response = upload(client, data)
    assert response.status_code == 302
    assert "/learners/import/jobs/" in response.headers["Location"]

    app.config["WTF_CSRF_ENABLED"] = True  # the token check reads the body before anything else
    stranger = app.test_client()
    assert upload(stranger, data).status_code == 413
