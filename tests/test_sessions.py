"""Session cookies whose checked contents are remembered (webapp/accounts/sessions.py)."""

from __future__ import annotations

import time

from tests.conftest import login_as
from webapp.accounts import sessions
from webapp.accounts.models import Role


def session_cookie(client) -> str:
    return client.get_cookie("session").value


def test_a_remembered_cookie_opens_the_same_session(client, factory):
    admin = factory.user(Role.ADMIN)
    login_as(client, admin)
    assert client.get("/profile").status_code == 200
    assert session_cookie(client) in client.application.session_interface._opened
    assert client.get("/profile").status_code == 200


def test_a_tampered_cookie_is_refused_though_the_real_one_is_remembered(client, factory):
    admin = factory.user(Role.ADMIN)
    login_as(client, admin)
    assert client.get("/profile").status_code == 200
    text = session_cookie(client)
    payload, stamp, signature = text.rsplit(".", 2)
    forged = f"{payload}.{stamp}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    client.set_cookie("session", forged)
    assert client.get("/profile").status_code == 302  # no session: to the login page


def test_a_remembered_session_still_expires(client, factory, monkeypatch):
    admin = factory.user(Role.ADMIN)
    login_as(client, admin)
    assert client.get("/profile").status_code == 200
    lifetime = client.application.permanent_session_lifetime.total_seconds()
    later = time.time() + lifetime + 60
    monkeypatch.setattr(sessions.time, "time", lambda: later)
    assert client.get("/profile").status_code == 302


def test_only_sessions_of_plain_values_are_remembered(client, factory):
    admin = factory.user(Role.ADMIN)
    login_as(client, admin)
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "Lagret")]
    text = session_cookie(client)
    assert client.get("/profile").status_code == 200
    assert text not in client.application.session_interface._opened
