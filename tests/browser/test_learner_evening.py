"""A learner's evening on a 390 × 844 phone, in Ukrainian and in Russian (interface and support
language alike): tonight's class at the top of the dashboard, the calendar subscribe link, the
study-hours statement within 360 px and on one A4 page. A screenshot of every step is saved as
tests/browser/artifacts/evening/<lang>-<n>-<step>.png."""

from __future__ import annotations

import re
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from scheduling.recurrence import OSLO
from tests.browser.conftest import ARTIFACTS, BROWSER_DATABASE, log_in
from tests.browser.learners import journey_learner

PHONE = {"width": 390, "height": 844}
SHOTS = ARTIFACTS / "evening"
STAMP = "%Y-%m-%d %H:%M:%S.%f"
COPIED = {"uk": "Адресу скопійовано.", "ru": "Адрес скопирован."}


def shot(page, name: str, full_page: bool = False) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)


def book_a_class_tonight(email: str) -> tuple[str, str]:
    """Add a session to a demo series an hour from now and book the learner into it (straight
    into the live server's database); return the series title and the local start time."""
    start = (datetime.now(UTC) + timedelta(minutes=65)).replace(second=0, microsecond=0)
    end = start + timedelta(minutes=90)
    local, local_end = start.astimezone(OSLO), end.astimezone(OSLO)
    with sqlite3.connect(BROWSER_DATABASE["path"]) as db:
        learner_id = db.execute("SELECT id FROM users WHERE email = ?", (email,)).fetchone()[0]
        series_id, title = db.execute(
            "SELECT id, title FROM class_series WHERE modality != 'online' ORDER BY id LIMIT 1"
        ).fetchone()
        # the same session for every learner booked in the same minute
        db.execute(
            "INSERT OR IGNORE INTO class_sessions (series_id, local_date, start_local, end_local,"
            " starts_at, ends_at, status, is_extra, sequence)"
            " VALUES (?, ?, ?, ?, ?, ?, 'scheduled', 1, 0)",
            (
                series_id,
                local.date().isoformat(),
                local.time().strftime("%H:%M:%S.%f"),
                local_end.time().strftime("%H:%M:%S.%f"),
                start.replace(tzinfo=None).strftime(STAMP),
                end.replace(tzinfo=None).strftime(STAMP),
            ),
        )
        (session_id,) = db.execute(
            "SELECT id FROM class_sessions WHERE series_id = ? AND starts_at = ?",
            (series_id, start.replace(tzinfo=None).strftime(STAMP)),
        ).fetchone()
        now = datetime.now(UTC).replace(tzinfo=None).strftime(STAMP)
        db.execute(
            "INSERT INTO class_bookings (learner_id, series_id, session_id, status, created_at,"
            " confirmed_at, seat_held) VALUES (?, ?, ?, 'confirmed', ?, ?, 0)",
            (learner_id, series_id, session_id, now, now),
        )
    return title, local.strftime("%H:%M")


@pytest.mark.parametrize("lang", ["uk", "ru"])
def test_a_learners_evening_on_a_phone(page, lang):
    email = journey_learner("evening", lang)  # one with study time to state
    title, start = book_a_class_tonight(email)
    page.set_viewport_size(PHONE)
    log_in(page, email)
    assert page.get_attribute("html", "lang") == lang

    # 1. The dashboard: the class tonight comes first, within the first screen.
    next_class = page.locator(".do-now .next-class")
    assert title in next_class.inner_text()
    assert start in next_class.inner_text()
    box = next_class.bounding_box()
    assert box is not None
    assert box["y"] + box["height"] <= PHONE["height"], "the class is below the first screen"
    continue_box = page.locator(".do-now .continue .button").bounding_box()
    assert continue_box is not None
    assert continue_box["y"] + continue_box["height"] <= PHONE["height"]
    assert page.locator(".deadline-card h2").bounding_box()["y"] < PHONE["height"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, f"{lang}-1-dashboard")

    # 2. The calendar: a webcal:// subscribe link on the same host, and a copy button.
    page.goto("/calendar")
    if page.locator("a.subscribe-link").count() == 0:
        page.click("main form [type=submit]")
    host = page.evaluate("location.host")
    webcal = page.get_attribute("a.subscribe-link", "href")
    assert webcal.startswith(f"webcal://{host}/calendar/")
    assert webcal.endswith(".ics")
    assert page.input_value("#feed-url") == "http://" + webcal.removeprefix("webcal://")
    page.click(".copy-button")
    expect(page.locator("#feed-url-status")).to_have_text(COPIED[lang])
    assert "Android:" in page.inner_text(".how-to")
    assert "iPhone:" in page.inner_text(".how-to")
    shot(page, f"{lang}-2-calendar")

    # 3. The statement: no wider than a 360 px screen, the totals in view; one A4 page.
    page.set_viewport_size({"width": 360, "height": 740})
    for address, name in (
        ("/my/study-hours", f"{lang}-3-statement"),
        ("/my/study-hours?lang=nb", f"{lang}-4-statement-nb"),
    ):
        page.goto(address)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        total = page.locator(".grand-total")
        expect(total).to_have_count(1)  # the learner has study time: the totals are there
        right = total.bounding_box()
        assert right["x"] + right["width"] <= 360
        shot(page, name, full_page=True)
    assert page.locator(f"article.statement[lang=nb] .second[lang={lang}]").count() > 0
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4")
    assert len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf)) == 1, "more than one A4 page"


SERIOUS = ("serious", "critical")
# The live server's secret (tests/browser/conftest.py), to sign a reminder's "I can't come" link.
LIVE_SECRET = "browser-test-secret-key-0123456789abcdef"


def _ids(email: str) -> tuple[int, int, int]:
    """The learner's id, a booking of theirs and a future session of it (from the live data)."""
    with sqlite3.connect(BROWSER_DATABASE["path"]) as db:
        learner_id = db.execute("SELECT id FROM users WHERE email = ?", (email,)).fetchone()[0]
        booking_id, session_id = db.execute(
            "SELECT b.id, s.id FROM class_bookings b JOIN class_sessions s"
            " ON s.series_id = b.series_id AND (b.session_id IS NULL OR b.session_id = s.id)"
            " WHERE b.learner_id = ? AND b.status = 'confirmed' AND s.status = 'scheduled'"
            " AND s.starts_at > ? ORDER BY s.starts_at DESC LIMIT 1",
            (learner_id, datetime.now(UTC).replace(tzinfo=None).strftime(STAMP)),
        ).fetchone()
    return learner_id, booking_id, session_id


def _teacher_session(email: str) -> tuple[int, int]:
    with sqlite3.connect(BROWSER_DATABASE["path"]) as db:
        return db.execute(
            "SELECT c.id, s.id FROM class_series c JOIN users u ON u.id = c.teacher_id"
            " JOIN class_sessions s ON s.series_id = c.id WHERE u.email = ?"
            " AND s.status = 'scheduled' AND s.starts_at > ? ORDER BY s.starts_at DESC LIMIT 1",
            (email, datetime.now(UTC).replace(tzinfo=None).strftime(STAMP)),
        ).fetchone()


def _check(page, axe, path: str, problems: list[str]) -> None:
    for width in (390, 1366):
        page.set_viewport_size({"width": width, "height": 844})
        response = page.goto(path)
        assert response is not None
        assert response.status == 200, path
        for violation in axe.run(page).response["violations"]:
            if violation["impact"] in SERIOUS:
                problems.append(f"{path} @{width}: {violation['id']}")
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(path)
    if page.evaluate("document.documentElement.scrollWidth") > 360:
        problems.append(f"{path}: wider than 360 px")


def test_the_new_pages_are_accessible_and_fit_360_px(page, browser, live_server):
    from axe_playwright_python.sync_playwright import Axe
    from itsdangerous import URLSafeSerializer

    from webapp.classes.attending import CANT_COME_SALT

    axe = Axe()
    email = "learner@example.org"
    book_a_class_tonight(email)  # a booking to cancel, whichever journeys ran before
    learner_id, booking_id, session_id = _ids(email)
    token = URLSafeSerializer(LIVE_SECRET, salt=CANT_COME_SALT).dumps([learner_id, session_id])
    problems: list[str] = []
    _check(page, axe, f"/classes/cant-come/{token}", problems)  # from the e-mail, logged out
    log_in(page, email)
    for path in (
        "/dashboard",
        "/calendar",
        "/my/study-hours",
        "/my/study-hours?lang=nb",
        f"/bookings/{booking_id}/cancel",
        "/profile",
    ):
        _check(page, axe, path, problems)
    teacher = browser.new_context(base_url=live_server, locale="uk-UA").new_page()
    log_in(teacher, "teacher@example.org")
    series_id, teacher_session = _teacher_session("teacher@example.org")
    _check(teacher, axe, f"/classes/{series_id}/sessions/{teacher_session}/cancel", problems)
    shot(teacher, "5-cancel-session")
    teacher.context.close()
    assert problems == []
