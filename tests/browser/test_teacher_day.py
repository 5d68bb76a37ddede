"""A teacher's day at 1366 × 768 in Bokmål: the whole class present with one tap and one
exception, a reply from the dashboard's queue, a message that a booked learner then sees, and
the gradebook; the page never scrolls sideways. A screenshot of every step is saved under
tests/browser/artifacts/teacher-day/."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from scheduling.recurrence import OSLO
from tests.browser.conftest import ARTIFACTS, BROWSER_DATABASE, log_in

DESKTOP = {"width": 1366, "height": 768}
SHOTS = ARTIFACTS / "teacher-day"
STAMP = "%Y-%m-%d %H:%M:%S.%f"
TEACHER = "teacher@example.org"
LEARNER = "learner@example.org"


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def no_serious_violations(page) -> None:
    """axe-core finds nothing serious or critical on the page as it stands."""
    found = [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in Axe().run(page).response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not found, f"{page.url}: {found}"


def no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= DESKTOP["width"], f"the page is {width} px wide"


def session_under_way() -> tuple[int, int, list[int]]:
    """A session of the demo teacher's series that began 30 minutes ago, with three learners
    (the demo learner first) booked for it yesterday; returns series, session and learners."""
    start = (datetime.now(UTC) - timedelta(minutes=30)).replace(second=0, microsecond=0)
    end = start + timedelta(minutes=90)
    local, local_end = start.astimezone(OSLO), end.astimezone(OSLO)
    yesterday = (datetime.now(UTC) - timedelta(days=1)).replace(tzinfo=None).strftime(STAMP)
    with sqlite3.connect(BROWSER_DATABASE["path"]) as db:
        teacher_id = db.execute("SELECT id FROM users WHERE email = ?", (TEACHER,)).fetchone()[0]
        series_id = db.execute(
            "SELECT id FROM class_series WHERE teacher_id = ? ORDER BY id LIMIT 1", (teacher_id,)
        ).fetchone()[0]
        cursor = db.execute(
            "INSERT INTO class_sessions (series_id, local_date, start_local, end_local,"
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
        session_id = cursor.lastrowid
        learner_id = db.execute("SELECT id FROM users WHERE email = ?", (LEARNER,)).fetchone()[0]
        others = [
            row[0]
            for row in db.execute(
                "SELECT id FROM users WHERE role = 'learner' AND id != ? ORDER BY id LIMIT 2",
                (learner_id,),
            )
        ]
        learners = [learner_id, *others]
        for learner in learners:
            db.execute(
                "INSERT INTO class_bookings (learner_id, series_id, session_id, status,"
                " created_at, confirmed_at, seat_held) VALUES (?, ?, ?, 'confirmed', ?, ?, 0)",
                (learner, series_id, session_id, yesterday, yesterday),
            )
    return series_id, session_id, learners


def marks_of(session_id: int) -> dict[int, str]:
    with sqlite3.connect(BROWSER_DATABASE["path"]) as db:
        rows = db.execute(
            "SELECT learner_id, mark FROM class_attendance WHERE session_id = ?", (session_id,)
        )
        return dict(rows.fetchall())


def test_a_teachers_day_register_reply_and_message(page):
    page.set_viewport_size(DESKTOP)
    _series_id, session_id, learners = session_under_way()
    log_in(page, TEACHER)
    session = page.locator(f"#session-{session_id}")
    expect(session).to_contain_text("I dag")
    expect(session).to_contain_text("påmeldte")
    shot(page, "01-dashboard")
    no_sideways_scroll(page)
    no_serious_violations(page)

    # one tap: everyone present, then the exception on the attendance page
    session.get_by_role("button", name="Alle til stede").click()
    page.wait_for_url(f"**/sessions/{session_id}/attendance")
    expect(page.locator(".flash, [role=status], .message").first).to_contain_text("til stede")
    marks = marks_of(session_id)
    assert {marks[learner] for learner in learners} == {"present"}
    assert "present" in marks.values()
    page.locator(f"input[name='mark-{learners[2]}'][value='absent']").check()
    shot(page, "02-one-exception")
    page.locator("main form button[type=submit]").click()
    marks = marks_of(session_id)
    assert [marks[learner] for learner in learners] == ["present", "present", "absent"]
    shot(page, "03-register-saved")

    # a reply from the queue on the dashboard
    page.goto("/dashboard")
    queue = page.locator("#writing-queue")
    first = queue.locator(".queue-item").first
    expect(first).to_be_visible()
    text_id = first.get_attribute("id")
    first.locator("textarea").fill("Fint skrevet! Husk stor forbokstav etter punktum.")
    shot(page, "04-reply-in-queue")
    first.get_by_role("button", name="Send svaret").click()
    page.wait_for_url("**/dashboard#writing-queue")
    expect(page.locator(f"#{text_id}")).to_have_count(0)
    shot(page, "05-reply-sent")

    # a message to the session's booked learners
    page.locator(f"#session-{session_id}").get_by_role("link", name="Skriv til klassen").click()
    page.wait_for_url("**/messages/new?session=*")
    expect(page.locator("select[name=audience]")).to_have_value(f"session:{session_id}")
    message = "I kveld er vi i rom 3. Ta med lønnsslippen."
    page.fill("textarea[name=body]", message)
    shot(page, "06-message-written")
    no_serious_violations(page)
    page.get_by_role("button", name="Send meldingen").click()
    page.wait_for_url("**/dashboard")
    expect(page.locator(".flashes")).to_contain_text("Meldingen er sendt til")
    no_sideways_scroll(page)

    # the gradebook keeps to the screen's width
    page.get_by_role("link", name="Grupper").click()
    page.locator("main table a, main ul a").first.click()
    shot(page, "07-gradebook")
    no_sideways_scroll(page)
    no_serious_violations(page)
    page.locator("table.gradebook tbody th a").first.click()
    page.wait_for_url("**/learners/*")
    shot(page, "07b-learner-work")
    no_sideways_scroll(page)
    no_serious_violations(page)

    # the booked learner sees it on their dashboard and opens it
    page.context.clear_cookies()
    log_in(page, LEARNER)
    card = page.locator(".messages-card")
    expect(card).to_contain_text(message[:40])
    shot(page, "08-learner-sees-message")
    no_serious_violations(page)
    card.locator("a").first.click()
    expect(page.locator("blockquote")).to_have_text(message)
    shot(page, "09-learner-opened-message")
    no_serious_violations(page)
