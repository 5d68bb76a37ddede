"""The profile page: name, interface language and changing the password."""

from __future__ import annotations

import html

import pytest

from tests.conftest import PASSWORD, login, login_as
from webapp.accounts.models import Role, User
from webapp.accounts.passwords import verify_password
from webapp.extensions import db

NEW_PASSWORD = "Nordlys-over-Tromso-2031"


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def save_details(client, name: str, locale: str):
    return client.post(
        "/profile",
        data={"details-name": name, "details-locale": locale, "details-submit": "Save"},
    )


def change_password(client, current: str, new: str = NEW_PASSWORD, confirm: str | None = None):
    return client.post(
        "/profile",
        data={
            "password-current": current,
            "password-password": new,
            "password-confirm": new if confirm is None else confirm,
            "password-submit": "Change the password",
        },
    )


def snapshot(user: User) -> tuple:
    db.session.refresh(user)
    return user.name, user.locale, user.password_hash, user.session_version


@pytest.fixture
def teacher(factory) -> User:
    return factory.user(Role.TEACHER, locale="en", name="Kari Nordmann")


def test_the_profile_shows_the_current_details(client, teacher):
    login_as(client, teacher)
    page = text(client.get("/profile"))
    assert '<html lang="en">' in page
    assert f"{teacher.email} · Teacher" in page
    assert 'value="Kari Nordmann"' in page
    assert '<option selected value="en">English</option>' in page


def test_name_and_language_change_persist(client, teacher):
    login_as(client, teacher)

    response = save_details(client, "  Kari Nordmann-Berg ", "uk")

    assert response.status_code == 302
    assert response.headers["Location"] == "/profile"
    db.session.refresh(teacher)
    assert (teacher.name, teacher.locale) == ("Kari Nordmann-Berg", "uk")
    page = text(client.get("/profile"))
    assert '<html lang="uk">' in page
    assert 'value="Kari Nordmann-Berg"' in page
    assert '<option selected value="uk">Українська</option>' in page
    # and back to English, where the confirmation can be read
    save_details(client, "Kari Nordmann-Berg", "en")
    page = text(client.get("/profile"))
    assert '<html lang="en">' in page
    assert "Your profile is saved." in page


def test_an_unknown_language_is_refused(client, teacher):
    login_as(client, teacher)
    before = snapshot(teacher)
    response = save_details(client, "Kari", "de")
    assert response.status_code == 200
    assert "Not a valid choice." in text(response)
    assert snapshot(teacher) == before


@pytest.mark.parametrize(
    ("name", "message"),
    [("x" * 500, "The name can be at most 120 characters long."), ("   ", "Enter a name.")],
)
def test_a_bad_name_is_refused(client, teacher, name, message):
    login_as(client, teacher)
    before = snapshot(teacher)

    response = save_details(client, name, "en")

    assert response.status_code == 200
    assert message in text(response)
    assert snapshot(teacher) == before


def test_a_password_change_needs_the_current_password(client, teacher):
    login_as(client, teacher)
    before = snapshot(teacher)

    response = change_password(client, "Not-my-password-123")

    assert response.status_code == 200
    assert "The current password is wrong." in text(response)
    assert NEW_PASSWORD not in text(response)
    assert snapshot(teacher) == before
    assert client.get("/dashboard").status_code == 200  # still logged in


def test_a_weak_new_password_is_refused(client, teacher):
    login_as(client, teacher)
    before = snapshot(teacher)
    response = change_password(client, PASSWORD, "KariNordmann-2031")
    assert "The password must not contain your name or e-mail address." in text(response)
    assert snapshot(teacher) == before


def test_a_mismatching_confirmation_is_refused(client, teacher):
    login_as(client, teacher)
    before = snapshot(teacher)
    response = change_password(client, PASSWORD, NEW_PASSWORD, confirm=NEW_PASSWORD + "!")
    assert "The two passwords are not the same." in text(response)
    assert snapshot(teacher) == before


def test_a_password_change_keeps_this_session_and_ends_the_others(app, client, teacher):
    earlier = app.test_client()
    login_as(earlier, teacher)
    assert earlier.get("/dashboard").status_code == 200
    login_as(client, teacher)
    _, _, _, version = snapshot(teacher)

    response = change_password(client, PASSWORD)

    assert response.status_code == 302
    assert response.headers["Location"] == "/profile"
    _, _, password_hash, new_version = snapshot(teacher)
    assert verify_password(password_hash, NEW_PASSWORD)
    assert new_version == version + 1
    page = client.get("/profile")
    assert page.status_code == 200
    assert "Your password is changed. You are logged out everywhere else." in text(page)
    assert client.get("/dashboard").status_code == 200
    stale = earlier.get("/dashboard")
    assert stale.status_code == 302
    assert stale.headers["Location"].startswith("/login")
    assert login(app.test_client(), teacher, NEW_PASSWORD).status_code == 302
    assert login(app.test_client(), teacher, PASSWORD).status_code == 200


def test_the_profile_needs_a_login(client):
    response = client.get("/profile")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
