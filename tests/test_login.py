"""Logging in and out: the session, wrong credentials, throttling, ``next`` and stale sessions."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD, login
from webapp.accounts.models import LoginAttempt, Role, User
from webapp.db_types import utcnow
from webapp.extensions import db

EN = {"Accept-Language": "en"}
WRONG = "The e-mail address or the password is wrong."
TOO_MANY = "Too many attempts"
TOO_MANY_TEXT = "There have been too many failed log-in attempts. Wait 15 minutes and try again"


def text(response) -> str:
    """The response body with HTML entities decoded."""
    return html.unescape(response.get_data(as_text=True))


def password_error(response) -> str:
    """The error text shown under the password field."""
    match = re.search(r'<p class="error" id="password-error">(.*?)</p>', text(response), re.S)
    assert match, "the password field shows no error"
    return match.group(1).strip()


def post_login(client, email, password=PASSWORD, ip="127.0.0.1", **data):
    return client.post(
        "/login",
        data={"email": email, "password": password, **data},
        headers=EN,
        environ_base={"REMOTE_ADDR": ip},
    )


def snapshot(user: User) -> tuple:
    db.session.refresh(user)
    return (user.password_hash, user.session_version, user.last_login_at, user.active)


def session_user_id(client) -> str | None:
    with client.session_transaction() as session:
        return session.get("_user_id")


def attempts() -> list[tuple[str, str, bool]]:
    rows = db.session.scalars(select(LoginAttempt).order_by(LoginAttempt.id)).all()
    return [(row.email, row.ip_address, row.succeeded) for row in rows]


# Success -------------------------------------------------------------------------------------


def test_login_redirects_to_dashboard_and_the_session_works(client, factory):
    teacher = factory.user(Role.TEACHER, locale="en", name="Kari Nordmann")
    assert teacher.last_login_at is None

    response = login(client, teacher)

    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard"
    dashboard = client.get("/dashboard")
    assert dashboard.status_code == 200
    assert "Logged in as Kari Nordmann (Teacher)." in text(dashboard)
    assert session_user_id(client) == teacher.get_id()
    db.session.refresh(teacher)
    assert teacher.last_login_at is not None
    assert abs(teacher.last_login_at - utcnow()) < timedelta(minutes=1)
    assert attempts() == [(teacher.email, "127.0.0.1", True)]


def test_login_page_for_someone_logged_in_goes_to_the_dashboard(client, factory):
    login(client, factory.user(Role.TEACHER))
    response = client.get("/login")
    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard"


def test_the_session_is_renewed_on_login(client, factory):
    teacher = factory.user(Role.TEACHER)
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "x"

    assert login(client, teacher).status_code == 302

    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == teacher.get_id()


def test_email_is_case_insensitive(client, factory):
    teacher = factory.user(Role.TEACHER, email="teacher@example.org")
    response = post_login(client, "Teacher@Example.org")
    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard"
    assert session_user_id(client) == teacher.get_id()
    assert attempts() == [("teacher@example.org", "127.0.0.1", True)]


# Failure -------------------------------------------------------------------------------------


def test_wrong_password_and_unknown_email_look_the_same_and_change_nothing(client, factory):
    teacher = factory.user(Role.TEACHER)
    before = snapshot(teacher)

    wrong_password = post_login(client, teacher.email, "Not-the-right-password-1")
    unknown_email = post_login(client, "nobody@example.org", PASSWORD)

    for response in (wrong_password, unknown_email):
        assert response.status_code == 200
        assert "<h1>Log in</h1>" in text(response)
        assert password_error(response) == WRONG
        assert session_user_id(client) is None
    assert "Not-the-right-password-1" not in text(wrong_password)  # never echoed back
    assert f'value="{teacher.email}"' in text(wrong_password)  # the e-mail stays filled in
    assert snapshot(teacher) == before
    assert attempts() == [
        (teacher.email, "127.0.0.1", False),
        ("nobody@example.org", "127.0.0.1", False),
    ]
    assert db.session.scalar(select(func.count(User.id))) == 1


def test_inactive_account_cannot_log_in(client, factory):
    teacher = factory.user(Role.TEACHER)
    teacher.active = False
    db.session.commit()
    before = snapshot(teacher)

    response = post_login(client, teacher.email, PASSWORD)

    assert response.status_code == 200
    assert password_error(response) == WRONG
    assert session_user_id(client) is None
    assert client.get("/dashboard").status_code == 302
    assert snapshot(teacher) == before


# Throttling ----------------------------------------------------------------------------------


def assert_throttled(response) -> None:
    assert response.status_code == 429
    page = text(response)
    assert f"<h1>{TOO_MANY}</h1>" in page
    assert TOO_MANY_TEXT in page
    assert '<html lang="en">' in page


def test_five_failures_for_one_account_block_the_sixth_attempt(client, factory):
    teacher = factory.user(Role.TEACHER)
    # Each failure comes from another address, so only the per-account limit can apply.
    for n in range(5):
        response = post_login(client, teacher.email, f"wrong-password-{n}", ip=f"10.0.0.{n}")
        assert response.status_code == 200
        assert password_error(response) == WRONG
    before = snapshot(teacher)

    response = post_login(client, teacher.email, PASSWORD, ip="10.0.0.99")

    assert_throttled(response)
    assert session_user_id(client) is None
    assert snapshot(teacher) == before
    assert len(attempts()) == 5  # the refused attempt is not even checked or recorded
    # Another account is not affected.
    other = factory.user(Role.TEACHER)
    assert post_login(client, other.email, PASSWORD, ip="10.0.0.98").status_code == 302


def test_five_failures_from_one_address_block_a_sixth_email(client, factory):
    teacher = factory.user(Role.TEACHER)
    for n in range(5):
        response = post_login(client, f"guess{n}@example.org", "whatever-1234", ip="192.0.2.7")
        assert response.status_code == 200

    assert_throttled(post_login(client, teacher.email, PASSWORD, ip="192.0.2.7"))
    assert session_user_id(client) is None
    db.session.refresh(teacher)
    assert teacher.last_login_at is None
    # The same account from another address is fine: it had no failures itself.
    assert post_login(client, teacher.email, PASSWORD, ip="192.0.2.8").status_code == 302


def test_four_failures_are_not_yet_throttled(client, factory):
    teacher = factory.user(Role.TEACHER)
    for n in range(4):
        post_login(client, teacher.email, f"wrong-password-{n}")
    assert post_login(client, teacher.email, PASSWORD).status_code == 302


@pytest.mark.parametrize(("minutes_ago", "throttled"), [(14, True), (16, False)])
def test_only_failures_within_the_window_count(client, factory, minutes_ago, throttled):
    teacher = factory.user(Role.TEACHER)
    when = utcnow() - timedelta(minutes=minutes_ago)
    db.session.add_all(
        LoginAttempt(email=teacher.email, ip_address="127.0.0.1", attempted_at=when)
        for _ in range(5)
    )
    db.session.commit()

    response = post_login(client, teacher.email, PASSWORD)

    if throttled:
        assert_throttled(response)
        assert session_user_id(client) is None
    else:
        assert response.status_code == 302
        assert session_user_id(client) == teacher.get_id()


def test_successful_logins_do_not_count_as_failures(client, factory):
    teacher = factory.user(Role.TEACHER)
    db.session.add_all(
        LoginAttempt(email=teacher.email, ip_address="127.0.0.1", succeeded=True) for _ in range(6)
    )
    db.session.commit()
    assert post_login(client, teacher.email, PASSWORD).status_code == 302


# Where to go after logging in ----------------------------------------------------------------


def test_a_protected_page_sends_to_login_and_back(client, factory):
    teacher = factory.user(Role.TEACHER, locale="en")
    response = client.get("/learners")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=%2Flearners"

    form = client.get("/login?next=%2Flearners", headers=EN)
    assert 'name="next" type="hidden" value="/learners"' in text(form)
    response = post_login(client, teacher.email, next="/learners")
    assert response.status_code == 302
    assert response.headers["Location"] == "/learners"
    assert client.get("/learners").status_code == 200


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example", "/\\evil.example", "javascript:alert(1)"],
)
def test_foreign_next_falls_back_to_dashboard(client, factory, target):
    teacher = factory.user(Role.TEACHER)
    response = post_login(client, teacher.email, next=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard"
    assert session_user_id(client) == teacher.get_id()


def test_foreign_next_in_the_query_string_falls_back_to_dashboard(client, factory):
    teacher = factory.user(Role.TEACHER)
    response = client.post(
        "/login?next=https://evil.example/",
        data={"email": teacher.email, "password": PASSWORD},
    )
    assert response.headers["Location"] == "/dashboard"


# Logging out ---------------------------------------------------------------------------------


def test_logout_only_by_post(client, factory):
    teacher = factory.user(Role.TEACHER, locale="en")
    login(client, teacher)

    response = client.get("/logout", headers=EN)
    assert response.status_code == 405
    assert "That cannot be done here" in text(response)
    assert session_user_id(client) == teacher.get_id()  # still logged in

    response = client.post("/logout", headers=EN)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert session_user_id(client) is None
    front = client.get("/", headers=EN)
    assert "You have logged out." in text(front)
    dashboard = client.get("/dashboard")
    assert dashboard.status_code == 302
    assert dashboard.headers["Location"].startswith("/login")


def test_a_stale_session_is_logged_out(client, factory):
    teacher = factory.user(Role.TEACHER)
    login(client, teacher)
    assert client.get("/dashboard").status_code == 200

    teacher.session_version += 1  # e.g. the password was changed elsewhere
    db.session.commit()

    response = client.get("/dashboard")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
