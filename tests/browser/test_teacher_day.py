"""A teacher's day at 1366 × 768, in the Bokmål and the Ukrainian interface: the whole class
present with one tap and one exception, a reply from the dashboard's queue, a message that a
booked learner then sees, and the gradebook; the page never scrolls sideways. A screenshot of
every step is saved under tests/browser/artifacts/teacher-day/, named by language.

Each language has its own people and data, so the two runs cannot meet: the Bokmål run is
Kari Nordmann's (her first series, three learners, a text of one of them), the Ukrainian run
Halyna Moroz's (her own series, three other learners, another text); each run makes its own
session and its own text waiting for a reply, and every user already has the run's language,
so switching to it changes nothing another test relies on."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from scheduling.recurrence import OSLO
from tests.browser.conftest import ARTIFACTS, BROWSER_DATABASE, log_in
from tests.browser.test_journeys import assert_translated, choose_language, html_lang
from tests.browser.texts import plural, text

DESKTOP = {"width": 1366, "height": 768}
SHOTS = ARTIFACTS / "teacher-day"
STAMP = "%Y-%m-%d %H:%M:%S.%f"


@dataclass(frozen=True)
class Cast:
    """Who plays the day in one interface language."""

    teacher: str
    learner: str  # the booked learner who then reads the message
    message: str  # the teacher's own words, sent as written
    reply: str


CASTS = {
    "nb": Cast(
        teacher="teacher@example.org",
        learner="",  # a learner whose interface is Bokmål, looked up in the demo
        message="I kveld er vi i rom 3. Ta med lønnsslippen.",
        reply="Fint skrevet! Husk stor forbokstav etter punktum.",
    ),
    "uk": Cast(
        teacher="teacher2@example.org",
        learner="learner@example.org",
        message="I morgen er vi i rom 5. Ta med arbeidskontrakten.",
        reply="Bra! Skriv gjerne litt mer om hva du gjør på jobben.",
    ),
}


def shot(page, locale: str, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{locale}-{name}.png"), full_page=True)


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


def in_language(page, locale: str) -> None:
    """The page is in the run's language, with no interface sentence left in English."""
    assert html_lang(page) == locale
    assert_translated(page)


def user_id(db: sqlite3.Connection, email: str) -> int:
    return db.execute("SELECT id FROM users WHERE email = ?", (email,)).fetchone()[0]


def reader_of(locale: str) -> str:
    """The e-mail address of the learner who reads the message in ``locale``."""
    if CASTS[locale].learner:
        return CASTS[locale].learner
    with sqlite3.connect(BROWSER_DATABASE["path"]) as db:
        row = db.execute(
            "SELECT email FROM users WHERE role = 'learner' AND locale = ? ORDER BY id LIMIT 1",
            (locale,),
        ).fetchone()
    assert row, f"the demo has no learner whose interface is {locale}"
    return row[0]


def session_under_way(locale: str) -> tuple[int, int, list[int], int]:
    """A session of the run's teacher's first series that began up to 30 minutes ago, with three
    learners (the reader first) booked for it yesterday, and an old text by a learner of the
    teacher's municipality waiting for a reply; returns series, session, learners and text.
    The two runs take different learners: Bokmål from the lowest ids, Ukrainian from the
    highest, the other run's reader left out."""
    now = datetime.now(UTC)
    # Begun 30 minutes ago, or at midnight in Oslo if that was later: the teacher's day is
    # Oslo's, and just after midnight a session begun 30 minutes ago was yesterday's.
    midnight = datetime.combine(now.astimezone(OSLO).date(), time(), OSLO).astimezone(UTC)
    start = max(now - timedelta(minutes=30), midnight).replace(second=0, microsecond=0)
    end = start + timedelta(minutes=90)
    local, local_end = start.astimezone(OSLO), end.astimezone(OSLO)
    yesterday = (datetime.now(UTC) - timedelta(days=1)).replace(tzinfo=None).strftime(STAMP)
    readers = [user_id_of(reader_of(other)) for other in CASTS]
    with sqlite3.connect(BROWSER_DATABASE["path"]) as db:
        teacher_id = user_id(db, CASTS[locale].teacher)
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
        reader = user_id(db, reader_of(locale))
        order = "ASC" if locale == "nb" else "DESC"
        others = [
            row[0]
            for row in db.execute(
                "SELECT u.id FROM users u JOIN users t ON t.id = ?"
                " WHERE u.role = 'learner' AND u.organisation_id = t.organisation_id"
                f" AND u.id NOT IN ({', '.join('?' * len(readers))})"
                f" ORDER BY u.id {order} LIMIT 2",
                (teacher_id, *readers),
            )
        ]
        learners = [reader, *others]
        for learner in learners:
            db.execute(
                "INSERT INTO class_bookings (learner_id, series_id, session_id, status,"
                " created_at, confirmed_at, seat_held) VALUES (?, ?, ?, 'confirmed', ?, ?, 0)",
                (learner, series_id, session_id, yesterday, yesterday),
            )
        # The oldest text in the queue, so it is the first the teacher sees.
        lesson_id = db.execute(
            "SELECT lesson_id FROM writing_submissions ORDER BY id LIMIT 1"
        ).fetchone()[0]
        old = datetime(2024, 1, 2 if locale == "nb" else 3, 12).strftime(STAMP)
        cursor = db.execute(  # as the app writes it: to the writer's provider
            "INSERT INTO writing_submissions (learner_id, provider_id, lesson_id, exercise_id,"
            " text, submitted_at) SELECT id, organisation_id, ?, 'writing', ?, ? FROM users"
            " WHERE id = ?",
            (lesson_id, "Jeg heter Anna. Jeg jobber i en barnehage.", old, others[0]),
        )
        text_id = cursor.lastrowid
    return series_id, session_id, learners, text_id


def user_id_of(email: str) -> int:
    with sqlite3.connect(BROWSER_DATABASE["path"]) as db:
        return user_id(db, email)


def marks_of(session_id: int) -> dict[int, str]:
    with sqlite3.connect(BROWSER_DATABASE["path"]) as db:
        rows = db.execute(
            "SELECT learner_id, mark FROM class_attendance WHERE session_id = ?", (session_id,)
        )
        return dict(rows.fetchall())


@pytest.mark.parametrize("locale", ["nb", "uk"])
def test_a_teachers_day_register_reply_and_message(page, locale):
    cast = CASTS[locale]
    page.set_viewport_size(DESKTOP)
    _series_id, session_id, learners, text_id = session_under_way(locale)
    log_in(page, cast.teacher)
    choose_language(page, locale)
    in_language(page, locale)
    session = page.locator(f"#session-{session_id}")
    expect(session).to_contain_text(text(locale, "Today"))
    booked = session.locator(".muted").first.inner_text()
    shot(page, locale, "01-dashboard")
    no_sideways_scroll(page)
    no_serious_violations(page)

    # one tap: everyone present, then the exception on the attendance page
    session.get_by_role("button", name=text(locale, "All present")).click()
    page.wait_for_url(f"**/sessions/{session_id}/attendance")
    marks = marks_of(session_id)
    assert {marks[learner] for learner in learners} == {"present"}
    assert "present" in marks.values()
    # everyone expected (the three and the series' own learners) is marked, as the list said
    assert booked == plural(locale, "%(num)d booked", "%(num)d booked", len(marks))
    expect(page.locator(".flash-success")).to_have_text(
        plural(
            locale,
            "%(num)d learner marked present. Mark anyone who did not come below.",
            "%(num)d learners marked present. Mark anyone who did not come below.",
            len(marks),
        )
    )
    in_language(page, locale)
    page.locator(f"input[name='mark-{learners[2]}'][value='absent']").check()
    shot(page, locale, "02-one-exception")
    no_sideways_scroll(page)
    no_serious_violations(page)
    page.locator("main form button[type=submit]").click()
    marks = marks_of(session_id)
    assert [marks[learner] for learner in learners] == ["present", "present", "absent"]
    shot(page, locale, "03-register-saved")

    # a reply from the queue on the dashboard: the run's own text, the oldest, comes first
    page.goto("/dashboard")
    queue = page.locator("#writing-queue")
    first = queue.locator(".queue-item").first
    expect(first).to_have_id(f"text-{text_id}")
    first.locator("textarea").fill(cast.reply)
    shot(page, locale, "04-reply-in-queue")
    first.get_by_role("button", name=text(locale, "Send the reply")).click()
    page.wait_for_url("**/dashboard#writing-queue")
    expect(page.locator(f"#text-{text_id}")).to_have_count(0)
    expect(page.locator(".flash-success")).to_have_text(text(locale, "Your reply is sent."))
    shot(page, locale, "05-reply-sent")

    # a message to the session's booked learners
    page.locator(f"#session-{session_id}").get_by_role(
        "link", name=text(locale, "Write to the class")
    ).click()
    page.wait_for_url("**/messages/new?session=*")
    expect(page.locator("select[name=audience]")).to_have_value(f"session:{session_id}")
    in_language(page, locale)
    page.fill("textarea[name=body]", cast.message)
    shot(page, locale, "06-message-written")
    no_sideways_scroll(page)
    no_serious_violations(page)
    page.get_by_role("button", name=text(locale, "Send the message")).click()
    page.wait_for_url("**/dashboard")
    expect(page.locator(".flashes")).to_contain_text(
        plural(
            locale,
            "The message is sent to %(num)d learner.",
            "The message is sent to %(num)d learners.",
            len(marks),
        )
    )
    no_sideways_scroll(page)

    # the gradebook keeps to the screen's width
    page.get_by_role("link", name=text(locale, "Groups"), exact=True).click()
    page.locator("main table a, main ul a").first.click()
    in_language(page, locale)
    shot(page, locale, "07-gradebook")
    no_sideways_scroll(page)
    no_serious_violations(page)
    page.locator("table.gradebook tbody th a").first.click()
    page.wait_for_url("**/learners/*")
    in_language(page, locale)
    shot(page, locale, "07b-learner-work")
    no_sideways_scroll(page)
    no_serious_violations(page)

    # the booked learner sees it on their dashboard and opens it
    page.context.clear_cookies()
    log_in(page, reader_of(locale))
    choose_language(page, locale)
    in_language(page, locale)
    card = page.locator(".messages-card")
    expect(card).to_contain_text(cast.message[:40])
    shot(page, locale, "08-learner-sees-message")
    no_serious_violations(page)
    card.locator("a").first.click()
    expect(page.locator("blockquote")).to_have_text(cast.message)
    in_language(page, locale)
    shot(page, locale, "09-learner-opened-message")
    no_sideways_scroll(page)
    no_serious_violations(page)
