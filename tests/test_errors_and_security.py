"""Translated error pages, security headers, CSRF, oversized forms, a database that goes away."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from tests.conftest import TEST_SECRET, login
from webapp import create_app
from webapp.access.rules import public
from webapp.accounts.models import Invitation, Role, User
from webapp.extensions import db
from webapp.organisations.models import OrganisationKind


def test_404_page_is_translated(client):
    english = client.get("/no-such-page", headers={"Accept-Language": "en"})
    assert english.status_code == 404
    assert "Page not found" in english.get_data(as_text=True)
    ukrainian = client.get("/no-such-page", headers={"Accept-Language": "uk"})
    assert ukrainian.status_code == 404
    assert "Page not found" not in ukrainian.get_data(as_text=True)
    assert '<html lang="uk">' in ukrainian.get_data(as_text=True)


def test_403_page_for_a_learner_on_a_staff_page(client, factory):
    login(client, factory.learner(locale="en"))
    response = client.get("/learners")
    assert response.status_code == 403
    assert "You do not have access to this page" in response.get_data(as_text=True)


def test_405_is_a_page_not_a_crash(client):
    response = client.get("/logout", headers={"Accept-Language": "en"})
    assert response.status_code == 405
    assert "That cannot be done here" in response.get_data(as_text=True)


@pytest.fixture
def crashing_app(tmp_path):
    app = create_app(
        {
            "TESTING": False,
            "SECRET_KEY": TEST_SECRET,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'crash.sqlite3'}",
        }
    )

    @app.route("/boom")
    @public
    def boom() -> str:
        raise RuntimeError("something broke")

    @app.route("/db-gone")
    @public
    def db_gone() -> str:
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    return app


def test_500_page_is_translated_and_hides_details(crashing_app):
    response = crashing_app.test_client().get("/boom", headers={"Accept-Language": "en"})
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Something went wrong" in page
    assert "something broke" not in page


def test_database_trouble_gives_503(crashing_app):
    response = crashing_app.test_client().get("/db-gone", headers={"Accept-Language": "en"})
    assert response.status_code == 503
    assert "briefly unavailable" in response.get_data(as_text=True)


def test_security_headers_on_pages(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers


def test_hsts_over_https(client):
    response = client.get("/login", base_url="https://norskvei.test")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_session_cookie_flags(app, client, factory):
    teacher = factory.user(Role.TEACHER)
    response = login(client, teacher)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_missing_csrf_token_is_refused_and_writes_nothing(app, client, factory):
    app.config["WTF_CSRF_ENABLED"] = True
    coordinator = factory.user(Role.COORDINATOR, locale="en")
    # log in through the form, which needs the token from the page
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert (
        client.post(
            "/login",
            data={
                "email": coordinator.email,
                "password": "Fjordhest-og-brunost-42",
                "csrf_token": token,
            },
        ).status_code
        == 302
    )
    before = db.session.scalar(select(func.count(Invitation.id)))
    response = client.post(
        "/invitations",
        data={"home_municipality": coordinator.organisation_id, "max_uses": 1, "valid_days": 5},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 400
    assert "The form has expired" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Invitation.id))) == before


def test_login_without_csrf_token_is_refused(app, client, factory):
    app.config["WTF_CSRF_ENABLED"] = True
    teacher = factory.user(Role.TEACHER)
    response = client.post("/login", data={"email": teacher.email, "password": "x" * 12})
    assert response.status_code == 400
    db.session.refresh(teacher)
    assert teacher.last_login_at is None


def test_oversized_form_is_refused_with_a_page(app, client, factory):
    org = factory.organisation(OrganisationKind.MUNICIPALITY)
    count = db.session.scalar(select(func.count(User.id)))
    response = client.post(
        "/join/ANYCODE",
        data={"name": "x" * (3 * 1024 * 1024), "code": str(org.id)},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 413
    assert "Too much data" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(User.id))) == count
