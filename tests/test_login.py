"""Logging in and out: the session, wrong credentials, throttling, ``next`` and stale sessions."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD, login
from webapp.accounts.models import LoginAttempt, LoginSession, Role, User
from webapp.classes.calendar import feed_for
from webapp.db_types import utcnow
from webapp.extensions import db

EN = {"Accept-Language": "en"}
WRONG = "The e-mail address or the password is wrong."


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


def assert_throttled(response, minutes: int = 1) -> None:
    assert response.status_code == 429
    assert password_error(response) == (
        "Too many failed attempts for this account from here. Wait "
        f"{minutes} minute{'s' if minutes != 1 else ''} and try again, or reset your password."
    )
    assert '<html lang="en">' in text(response)


def fail(client, email: str, ip: str, times: int = 1) -> None:
    for n in range(times):
        response = post_login(client, email, f"wrong-password-{n}", ip=ip)
        assert response.status_code == 200, "not yet throttled"


def test_five_failures_make_only_that_account_wait_from_that_address(client, factory):
    teacher = factory.user(Role.TEACHER)
    fail(client, teacher.email, "10.0.0.1", times=5)
    before = snapshot(teacher)

    response = post_login(client, teacher.email, PASSWORD, ip="10.0.0.1")

    assert_throttled(response)
    assert 'value="' + teacher.email + '"' in text(response)  # what was typed is kept
    assert session_user_id(client) is None
    assert snapshot(teacher) == before
    assert len(attempts()) == 5  # the refused attempt is not even checked or recorded
    # The holder elsewhere (their phone on mobile data) is not locked out.
    assert post_login(client, teacher.email, PASSWORD, ip="10.0.0.2").status_code == 302


def test_failures_from_an_address_do_not_lock_out_others_there(client, factory):
    """A refugee centre's Wi-Fi: one person's typos do not lock out everyone behind it."""
    teacher, admin = factory.user(Role.TEACHER), factory.user(Role.ADMIN)
    fail(client, teacher.email, "192.0.2.7", times=5)
    for n in range(5):
        fail(client, f"typo{n}@example.org", "192.0.2.7")
    assert post_login(client, admin.email, PASSWORD, ip="192.0.2.7").status_code == 302


def test_four_failures_are_not_yet_throttled(client, factory):
    teacher = factory.user(Role.TEACHER)
    fail(client, teacher.email, "127.0.0.1", times=4)
    assert post_login(client, teacher.email, PASSWORD).status_code == 302


def add_failures(email: str, ip: str, when, count: int = 1) -> None:
    db.session.add_all(
        LoginAttempt(email=email, ip_address=ip, attempted_at=when) for _ in range(count)
    )
    db.session.commit()


@pytest.mark.parametrize(
    ("count", "seconds_ago", "throttled"),
    [(5, 29, True), (5, 31, False), (6, 59, True), (6, 61, False), (8, 239, True)],
)
def test_the_wait_doubles_with_each_further_failure(client, factory, count, seconds_ago, throttled):
    teacher = factory.user(Role.TEACHER)
    add_failures(teacher.email, "127.0.0.1", utcnow() - timedelta(seconds=seconds_ago), count)
    response = post_login(client, teacher.email, PASSWORD)
    assert (response.status_code == 429) is throttled
    assert (session_user_id(client) == teacher.get_id()) is not throttled


def test_failures_outside_the_window_do_not_count(client, factory):
    teacher = factory.user(Role.TEACHER)
    add_failures(teacher.email, "127.0.0.1", utcnow() - timedelta(minutes=16), 30)
    assert post_login(client, teacher.email, PASSWORD).status_code == 302


def test_the_wait_is_never_longer_than_the_window(client, factory):
    teacher = factory.user(Role.TEACHER)
    add_failures(teacher.email, "127.0.0.1", utcnow() - timedelta(minutes=14), 40)
    assert_throttled(post_login(client, teacher.email, PASSWORD), minutes=1)


def test_one_address_spraying_many_accounts_slows_each_account_it_tried(client, factory):
    teacher, other = factory.user(Role.TEACHER), factory.user(Role.TEACHER)
    for n in range(19):
        fail(client, f"guess{n}@example.org", "198.51.100.9")
    fail(client, teacher.email, "198.51.100.9")  # the 20th failure from this address
    assert_throttled(post_login(client, teacher.email, PASSWORD, ip="198.51.100.9"))
    assert post_login(client, other.email, PASSWORD, ip="198.51.100.9").status_code == 302


def test_many_addresses_guessing_one_account_spare_the_holders_known_address(factory, app):
    teacher = factory.user(Role.TEACHER)
    holder = app.test_client()
    assert post_login(holder, teacher.email, PASSWORD, ip="203.0.113.1").status_code == 302
    assert holder.post("/logout").status_code == 302
    attacker = app.test_client()
    for n in range(20):
        fail(attacker, teacher.email, f"198.18.0.{n}")
    assert_throttled(post_login(attacker, teacher.email, PASSWORD, ip="198.18.1.1"))
    assert post_login(holder, teacher.email, PASSWORD, ip="203.0.113.1").status_code == 302


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


# Server-side login sessions -------------------------------------------------------------------


def cookie_of(client) -> str:
    """The session cookie's value, as someone copying it off a shared computer would."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def browser_with(app, cookie: str):
    """Another browser that presents a copied session cookie."""
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other


def test_a_cookie_copied_before_logout_stops_working_at_once(app, client, factory):
    teacher = factory.user(Role.TEACHER)
    login(client, teacher)
    copied = cookie_of(client)
    thief = browser_with(app, copied)
    assert thief.get("/dashboard").status_code == 200  # the copy works while logged in

    assert client.post("/logout").status_code == 302
    refused = thief.get("/dashboard")
    assert refused.status_code == 302
    assert refused.headers["Location"].startswith("/login")
    assert db.session.scalar(select(func.count(LoginSession.id))) == 0


def test_logging_out_ends_only_this_browser(app, factory):
    teacher = factory.user(Role.TEACHER)
    phone, laptop = app.test_client(), app.test_client()
    login(phone, teacher)
    login(laptop, teacher)
    assert phone.post("/logout").status_code == 302
    assert laptop.get("/dashboard").status_code == 200
    assert phone.get("/dashboard").status_code == 302


def test_log_out_everywhere_ends_every_browser(app, factory):
    teacher = factory.user(Role.TEACHER, locale="en")
    phone, laptop = app.test_client(), app.test_client()
    login(phone, teacher)
    login(laptop, teacher)
    copied = browser_with(app, cookie_of(laptop))
    response = phone.post("/logout/everywhere", headers=EN)
    assert response.status_code == 302
    assert "You have logged out on every device." in text(phone.get("/", headers=EN))
    for browser in (phone, laptop, copied):
        assert browser.get("/dashboard").status_code == 302
    login(laptop, teacher)
    assert laptop.get("/dashboard").status_code == 200


def test_a_password_change_ends_the_other_browsers_and_keeps_this_one(app, factory):
    teacher = factory.user(Role.TEACHER, locale="en")
    phone, laptop = app.test_client(), app.test_client()
    login(phone, teacher)
    login(laptop, teacher)
    changed = phone.post(
        "/profile",
        data={
            "password-current": PASSWORD,
            "password-password": "Ny-og-lang-passordfrase-77",
            "password-confirm": "Ny-og-lang-passordfrase-77",
            "password-submit": "1",
        },
    )
    assert changed.status_code == 302
    assert phone.get("/dashboard").status_code == 200
    assert laptop.get("/dashboard").status_code == 302


def test_an_expired_login_session_is_refused(client, factory):
    teacher = factory.user(Role.TEACHER)
    login(client, teacher)
    assert client.get("/dashboard").status_code == 200
    record = db.session.scalar(select(LoginSession))
    record.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get("/dashboard").status_code == 302


def test_a_session_without_its_server_record_is_refused(client, factory):
    teacher = factory.user(Role.TEACHER)
    with client.session_transaction() as session:  # a forged or pre-upgrade session
        session["_user_id"] = teacher.get_id()
        session["_fresh"] = True
        session["sid"] = "made-up-token"
    assert client.get("/dashboard").status_code == 302


def test_a_password_change_revokes_the_calendar_feed_address(client, factory):
    teacher = factory.user(Role.TEACHER)
    login(client, teacher)
    old = calendar_feed_for(teacher)
    old_address = f"/calendar/{old}.ics"
    assert client.get(old_address).status_code == 200
    changed = client.post(
        "/profile",
        data={
            "password-current": PASSWORD,
            "password-password": "Ny-og-lang-passordfrase-77",
            "password-confirm": "Ny-og-lang-passordfrase-77",
            "password-submit": "1",
        },
    )
    assert changed.status_code == 302
    assert client.get(old_address).status_code == 404
    assert calendar_feed_for(teacher) != old


def calendar_feed_for(user: User) -> str:
    db.session.expire_all()
    token = feed_for(user).token
    db.session.commit()
    return token
