"""Signing in with OpenID Connect, against a real provider run locally (node-oidc-provider):
the full authorization code flow with PKCE, through the test client and the provider's own
pages, mapping to existing accounts only."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.conftest import login
from tests.oidc_local import LocalProvider, free_port, log_in_at_provider, running_provider
from webapp.accounts.models import LoginAttempt, LoginSession, OidcIdentity, Role, User
from webapp.extensions import db

BASE_URL = "http://norskvei.test"
CALLBACK = f"{BASE_URL}/login/oidc/test/callback"

ACCOUNTS = {
    # The provider's address differs from the account's: only the stored subject can match.
    "linked-teacher": {"email": "old.address@example.org", "email_verified": True},
    "coordinator": {"email": "Kari.Nordmann@Example.org", "email_verified": True},
    "unverified": {"email": "ola.teacher@example.org", "email_verified": False},
    "stranger": {"email": "stranger@example.org", "email_verified": True},
    "learner": {"email": "olena.learner@example.org", "email_verified": True},
    "retired": {"email": "retired.teacher@example.org", "email_verified": True},
}


@pytest.fixture(scope="module")
def local_provider() -> Iterator[LocalProvider]:
    with running_provider(ACCOUNTS, BASE_URL) as provider:
        yield provider


@pytest.fixture
def oidc_app(app: Flask, local_provider: LocalProvider) -> Flask:
    """The app offering the local provider (clean_database restores the settings after)."""
    app.config["NORSKVEI_OIDC_PROVIDERS"] = (local_provider.provider,)
    app.config["NORSKVEI_BASE_URL"] = BASE_URL
    return app


def start(client: FlaskClient, local_provider: LocalProvider, next_page: str = "") -> str:
    """Press "Sign in with Testkommune ID" and return the provider's authorization address."""
    response = client.get("/login/oidc/test", query_string={"next": next_page})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(local_provider.issuer + "/auth?")
    query = parse_qs(urlsplit(location).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["scope"] == ["openid email profile"]
    assert len(query["nonce"][0]) >= 16
    assert len(query["state"][0]) >= 16
    return location


def come_back(client: FlaskClient, callback_url: str):
    parts = urlsplit(callback_url)
    return client.get(urlunsplit(("", "", parts.path, parts.query, "")))


def sign_in(client: FlaskClient, local_provider: LocalProvider, account: str, next_page=""):
    """The whole journey; returns Norskvei's answer to the provider's redirect."""
    authorize = start(client, local_provider, next_page)
    return come_back(client, log_in_at_provider(authorize, account, CALLBACK))


def logged_in(client: FlaskClient) -> bool:
    return client.get("/dashboard").status_code == 200


def refused_with(client: FlaskClient, response, text: str) -> None:
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert text in page, page
    assert not logged_in(client)
    assert db.session.scalar(select(func.count()).select_from(LoginSession)) == 0


def test_the_login_page_offers_each_provider_and_passwords_stay(oidc_app, client):
    page = client.get("/login?next=/profile").get_data(as_text=True)
    assert "Logg inn med Testkommune ID" in page
    assert 'href="/login/oidc/test?next=/profile"' in page
    assert 'name="password"' in page


def test_a_linked_subject_signs_in_whatever_its_email(oidc_app, local_provider, client, factory):
    teacher = factory.user(Role.TEACHER, email="ola.nordmann@example.org")
    db.session.add(
        OidcIdentity(user_id=teacher.id, issuer=local_provider.issuer, subject="linked-teacher")
    )
    db.session.commit()

    response = sign_in(client, local_provider, "linked-teacher", next_page="/profile")

    assert response.status_code == 302
    assert response.headers["Location"] == "/profile"
    assert logged_in(client)
    assert db.session.scalar(select(LoginSession.user_id)) == teacher.id
    db.session.refresh(teacher)
    assert teacher.last_login_at is not None


def test_a_verified_email_links_the_subject_then_the_subject_signs_in(
    oidc_app, local_provider, client, factory
):
    coordinator = factory.user(Role.COORDINATOR, email="kari.nordmann@example.org")

    response = sign_in(client, local_provider, "coordinator")

    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard"
    assert logged_in(client)
    identity = db.session.scalars(select(OidcIdentity)).one()
    assert (identity.user_id, identity.issuer, identity.subject) == (
        coordinator.id,
        local_provider.issuer,
        "coordinator",
    )
    # Later the stored subject finds the account even after its e-mail address changed.
    coordinator.email = "kari.n@example.org"
    db.session.commit()
    client.post("/logout", data={})
    assert not logged_in(client)
    assert sign_in(client, local_provider, "coordinator").headers["Location"] == "/dashboard"
    assert logged_in(client)
    assert db.session.scalar(select(func.count()).select_from(OidcIdentity)) == 1


def test_an_unverified_email_is_refused(oidc_app, local_provider, client, factory):
    factory.user(Role.TEACHER, email="ola.teacher@example.org")
    response = sign_in(client, local_provider, "unverified")
    refused_with(client, response, "Testkommune ID bekreftet ingen e-postadresse for deg")
    assert db.session.scalar(select(func.count()).select_from(OidcIdentity)) == 0


def test_an_unknown_person_is_refused_and_no_account_is_made(
    oidc_app, local_provider, client, factory
):
    factory.user(Role.TEACHER)
    response = sign_in(client, local_provider, "stranger")
    refused_with(client, response, "Ingen konto her har e-postadressen Testkommune ID")
    assert db.session.scalar(select(func.count()).select_from(User)) == 1
    attempt = db.session.scalars(select(LoginAttempt)).one()
    assert (attempt.email, attempt.succeeded) == ("stranger@example.org", False)


def test_a_deactivated_account_is_refused(oidc_app, local_provider, client, factory):
    teacher = factory.user(Role.TEACHER, email="retired.teacher@example.org")
    teacher.active = False
    db.session.commit()
    refused_with(client, sign_in(client, local_provider, "retired"), "Kontoen er deaktivert")


def test_learners_may_not_use_a_staff_provider_unless_it_allows_them(
    oidc_app, local_provider, client, factory
):
    factory.learner(email="olena.learner@example.org")
    response = sign_in(client, local_provider, "learner")
    refused_with(client, response, "Deltakere kan ikke logge inn med Testkommune ID")

    oidc_app.config["NORSKVEI_OIDC_PROVIDERS"] = (replace(local_provider.provider, learners=True),)
    response = sign_in(client, local_provider, "learner")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path != "/login"


def test_a_state_that_does_not_match_is_refused(oidc_app, local_provider, client, factory):
    factory.user(Role.COORDINATOR, email="kari.nordmann@example.org")
    authorize = start(client, local_provider)
    callback = log_in_at_provider(authorize, "coordinator", CALLBACK)
    parts = urlsplit(callback)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    query["state"] = "forged-" + query["state"]

    response = come_back(client, urlunsplit(("", "", parts.path, urlencode(query), "")))

    refused_with(client, response, "Innloggingen kunne ikke bekreftes")
    assert db.session.scalar(select(func.count()).select_from(OidcIdentity)) == 0


def test_a_callback_without_a_started_sign_in_is_refused(oidc_app, client):
    response = client.get("/login/oidc/test/callback?code=abc&state=xyz")
    refused_with(client, response, "Innloggingen kunne ikke bekreftes")


def test_a_provider_error_is_refused(oidc_app, local_provider, client):
    # The provider refuses an account it does not know and sends an error back.
    response = sign_in(client, local_provider, "nobody-at-the-provider")
    refused_with(client, response, "Testkommune ID kunne ikke logge deg inn nå")


def test_the_return_page_must_be_on_this_site(oidc_app, local_provider, client, factory):
    factory.user(Role.COORDINATOR, email="kari.nordmann@example.org")
    response = sign_in(client, local_provider, "coordinator", next_page="//evil.example/")
    assert response.headers["Location"] == "/dashboard"


def test_an_unknown_provider_is_not_found(oidc_app, client):
    assert client.get("/login/oidc/nope").status_code == 404
    assert client.get("/login/oidc/nope/callback").status_code == 404


def test_a_staff_member_links_from_the_profile_then_signs_in(
    oidc_app, local_provider, client, factory
):
    # ID-porten sends no e-mail address: the link is made once, logged in with a password.
    teacher = factory.user(Role.TEACHER, email="ola.nordmann@example.org")
    login(client, teacher)
    page = client.get("/profile").get_data(as_text=True)
    assert 'href="/profile/oidc/test?csrf_token=' in page

    response = client.get("/profile/oidc/test")
    assert response.status_code == 302
    callback = log_in_at_provider(response.headers["Location"], "unverified", CALLBACK)
    response = come_back(client, callback)

    assert response.headers["Location"] == "/profile"
    assert "Kontoen din er koblet til Testkommune ID" in client.get("/profile").get_data(
        as_text=True
    )
    identity = db.session.scalars(select(OidcIdentity)).one()
    assert (identity.user_id, identity.subject) == (teacher.id, "unverified")
    client.post("/logout", data={})
    assert sign_in(client, local_provider, "unverified").headers["Location"] == "/dashboard"
    assert db.session.scalar(select(LoginSession.user_id)) == teacher.id


def test_a_person_linked_to_one_account_cannot_be_linked_to_another(
    oidc_app, local_provider, client, factory
):
    first = factory.user(Role.TEACHER)
    db.session.add(
        OidcIdentity(user_id=first.id, issuer=local_provider.issuer, subject="unverified")
    )
    second = factory.user(Role.TEACHER)
    db.session.commit()
    login(client, second)
    response = client.get("/profile/oidc/test")
    callback = log_in_at_provider(response.headers["Location"], "unverified", CALLBACK)
    response = come_back(client, callback)
    assert response.headers["Location"] == "/profile"
    page = client.get("/profile").get_data(as_text=True)
    assert "allerede koblet til en annen konto her" in page
    assert db.session.scalar(select(func.count()).select_from(OidcIdentity)) == 1


def test_repeated_refusals_are_throttled_like_password_failures(
    oidc_app, local_provider, client, factory
):
    oidc_app.config["NORSKVEI_LOGIN_MAX_FAILURES"] = 2
    for _ in range(2):
        sign_in(client, local_provider, "stranger")
    response = sign_in(client, local_provider, "stranger")
    refused_with(client, response, "For mange mislykkede forsøk")


def test_linking_from_the_profile_needs_the_csrf_token(oidc_app, local_provider, client, factory):
    login(client, factory.user(Role.TEACHER))
    oidc_app.config["WTF_CSRF_ENABLED"] = True
    assert client.get("/profile/oidc/test").status_code == 400
    assert client.get("/profile/oidc/test?csrf_token=forged").status_code == 400
    assert db.session.scalar(select(func.count()).select_from(OidcIdentity)) == 0


def test_a_provider_that_cannot_be_reached_is_refused(oidc_app, local_provider, client):
    down = replace(
        local_provider.provider,
        key="down",
        name="Nede ID",
        issuer=f"http://127.0.0.1:{free_port()}",
    )
    oidc_app.config["NORSKVEI_OIDC_PROVIDERS"] = (local_provider.provider, down)
    response = client.get("/login/oidc/down?next=/profile")
    assert response.headers["Location"] == "/login?next=/profile"
    refused_with(client, response, "Nede ID kunne ikke logge deg inn nå")


def test_an_id_token_with_another_nonce_is_refused(oidc_app, local_provider, client, factory):
    factory.user(Role.COORDINATOR, email="kari.nordmann@example.org")
    authorize = start(client, local_provider)
    state = parse_qs(urlsplit(authorize).query)["state"][0]
    # The provider signs the nonce it was sent; here the browser's session expects another.
    with client.session_transaction() as session:
        key = f"_state_test_{state}"
        stored = session[key]
        stored["data"]["nonce"] = "another-nonce-0123456789"
        session[key] = stored

    response = come_back(client, log_in_at_provider(authorize, "coordinator", CALLBACK))

    refused_with(client, response, "Innloggingen kunne ikke bekreftes")
    assert db.session.scalar(select(func.count()).select_from(OidcIdentity)) == 0
