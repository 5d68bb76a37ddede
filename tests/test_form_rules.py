"""The house rules every form applies (webapp/forms.py): clean text, plausible dates, storable
numbers; checked on the pages where such input once caused a server error or a spoofed name."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict
from wtforms import DateField, IntegerField, PasswordField, StringField, TextAreaField
from wtforms.validators import InputRequired

from tests.conftest import login_as
from webapp.accounts.models import Role
from webapp.classes.models import ClassSeries
from webapp.entitlement.models import LeavePeriod
from webapp.extensions import db
from webapp.forms import Form, clean_text, whole_number
from webapp.organisations.models import OrganisationKind
from webapp.teaching.models import TeachingGroup

EN = {"Accept-Language": "en"}
HIDDEN = "Remove the invisible or control characters from this text, then try again."


class Sample(Form):
    class Meta:
        csrf = False

    name = StringField("Name")
    text = TextAreaField("Text")
    day = DateField("Day")
    number = IntegerField("Number")
    secret = PasswordField("Secret")
    title = StringField("Title", validators=[InputRequired(message="Give it a title.")])


def sample(app, **data) -> Sample:
    """The form after validating ``data``; ``errors`` in English, read inside the request."""
    with app.test_request_context(headers=EN):
        form = Sample(formdata=MultiDict(data))
        form.validate()
        form.english = {name: [str(e) for e in errors] for name, errors in form.errors.items()}
        return form


@pytest.mark.parametrize(
    "spoof",
    ["Olena\u202eanelO", "Ole\u200bna", "Ole\x00na", "Olena\u2066", "Ole\rna", "Ole\u2028na"],
)
def test_names_with_hidden_characters_are_refused(app, spoof):
    assert sample(app, name=spoof).english["name"] == [HIDDEN]


def test_several_lines_may_have_line_breaks_and_tabs_but_no_other_controls(app):
    assert "text" not in sample(app, text="Hei\r\nPå deg\tigjen").english
    assert sample(app, text="Hei\x07").english["text"] == [HIDDEN]


@pytest.mark.parametrize("blank", ["   ", "\t", "\u3000", " \u00a0 "])
def test_required_text_of_spaces_only_is_refused_like_empty_text(app, blank):
    assert sample(app, title=blank).english["title"] == ["Give it a title."]
    assert sample(app, title="").english["title"] == ["Give it a title."]
    assert "title" not in sample(app, title=" Tittel ").english


def test_text_is_normalised_and_trimmed_passwords_untouched(app):
    form = sample(app, name="  Zo\u0308e  ", secret="  pa\u0308ss  ")
    assert form.name.data == "Zöe"
    assert form.secret.data == "  pa\u0308ss  "


@pytest.mark.parametrize(
    ("day", "ok"),
    [
        ("0001-01-01", False),
        ("9999-12-31", False),
        ("1899-12-31", False),
        ("1900-01-01", True),
        ("2100-12-31", True),
        ("2101-01-01", False),
    ],
)
def test_dates_must_be_plausible(app, day, ok):
    assert ("day" not in sample(app, day=day).english) is ok


@pytest.mark.parametrize(
    ("number", "ok"),
    [("2000000000", True), ("2000000001", False), ("-99999999999999999999", False), ("7", True)],
)
def test_numbers_must_fit_the_database(app, number, ok):
    assert ("number" not in sample(app, number=number).english) is ok


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        ("2026", 2026),
        ("-3", -3),
        ("2000000000", 2_000_000_000),
        ("2000000001", None),
        ("99999999999", None),
        ("9223372036854775808", None),
        ("１２", None),  # full-width digits: int() reads them, we do not
        ("²", None),
        ("1e9", None),
        ("1.5", None),
        (" 7", None),
        ("", None),
        (None, None),
    ],
)
def test_numbers_read_by_hand_are_ascii_digits_that_fit_the_database(raw, number):
    assert whole_number(raw) == number


@given(st.text())
def test_clean_text_is_idempotent_nfc_and_trimmed(text):
    once = clean_text(text)
    assert clean_text(once) == once
    assert once == once.strip()


# On the pages --------------------------------------------------------------------------------


def test_a_spoofed_name_is_refused_on_the_profile_and_nothing_changes(client, factory):
    teacher = factory.user(Role.TEACHER, locale="en", name="Kari Lærer")
    login_as(client, teacher)
    response = client.post(
        "/profile",
        data={"details-name": "Kari\u202eerærL", "details-locale": "en", "details-submit": "1"},
        headers=EN,
    )
    assert response.status_code == 200
    assert HIDDEN in response.get_data(as_text=True)
    db.session.refresh(teacher)
    assert teacher.name == "Kari Lærer"


def series_form(**changes: str) -> dict[str, str]:
    """A class series form the page accepts, with ``changes``."""
    return {
        "title": "Kveldskurs",
        "description": "Norsk for helsearbeidere",
        "level": "A2",
        "track": "",
        "modality": "online",
        "meeting_link": "https://meet.example.org/x",
        "capacity": "10",
        "teacher": "",
        "weekdays": "1",
        "start_local": "18:00",
        "end_local": "20:00",
        "first_date": "2030-01-08",
        "last_date": "2030-02-08",
        "seat_price_nok": "0",
        **changes,
    }


def test_a_whitespace_only_class_title_is_refused_not_a_server_error(client, factory):
    provider = factory.organisation(OrganisationKind.PROVIDER)
    teacher = factory.user(Role.TEACHER, provider, locale="en")
    login_as(client, teacher)
    assert client.post("/classes/new", data=series_form()).status_code == 302  # the baseline
    response = client.post("/classes/new", data=series_form(title="   "), headers=EN)
    assert response.status_code == 400
    assert "Give the class a title." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ClassSeries.id))) == 1
    series = db.session.scalar(select(ClassSeries))
    edit = client.post(f"/classes/{series.id}/edit", data=series_form(title=" \t "), headers=EN)
    assert edit.status_code == 400
    db.session.refresh(series)
    assert series.title == "Kveldskurs"


def test_whitespace_only_offering_titles_and_group_names_are_refused(client, factory):
    provider = factory.organisation(OrganisationKind.PROVIDER)
    admin = factory.user(Role.PROVIDER_ADMIN, provider, locale="en")
    login_as(client, admin)
    offering = {
        "kind": "licence",
        "series": "",
        "months": "6",
        "price_nok": "100",
        "seats_for_sale": "5",
    }
    response = client.post("/offerings", data={**offering, "title": "  "}, headers=EN)
    assert response.status_code == 400
    assert "Give the offering a title." in response.get_data(as_text=True)
    assert client.post("/offerings", data={**offering, "title": "Lisens"}).status_code == 302
    response = client.post("/groups", data={"name": "   ", "series": "", "teacher": ""}, headers=EN)
    assert response.status_code == 400
    assert "Give the group a name." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(TeachingGroup.id))) == 0


def test_a_nul_in_a_posted_form_is_refused_by_the_form_which_keeps_the_rest(client, factory):
    provider = factory.organisation(OrganisationKind.PROVIDER)
    teacher = factory.user(Role.TEACHER, provider, locale="en")
    login_as(client, teacher)
    response = client.post("/classes/new", data=series_form(title="Kvelds\x00kurs"), headers=EN)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert HIDDEN in page
    assert "Norsk for helsearbeidere" in page  # nothing else the teacher typed is lost
    assert "https://meet.example.org/x" in page
    assert db.session.scalar(select(func.count(ClassSeries.id))) == 0


@pytest.mark.parametrize("year", ["0001", "9999"])
def test_leave_in_year_1_or_9999_is_refused_not_a_server_error(client, factory, year):
    municipality = factory.organisation(OrganisationKind.MUNICIPALITY)
    coordinator = factory.user(Role.COORDINATOR, municipality, locale="en")
    learner = factory.learner(home=municipality, settlement_date=date(2025, 1, 1))
    login_as(client, coordinator)
    started = client.post(
        f"/learners/{learner.id}/entitlement/start",
        data={"decision_date": "", "start_date": "2025-03-10", "reason": ""},
    )
    assert started.status_code == 302
    response = client.post(
        f"/learners/{learner.id}/entitlement/leave",
        data={"first_day": f"{year}-01-01", "last_day": f"{year}-12-31", "reason": "x"},
        headers=EN,
    )
    assert response.status_code == 400
    assert "Enter a date between 1900 and 2100." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(LeavePeriod.id))) == 0
