"""The three users' journeys end to end in Chromium, against the real server and the demo data.

The learner's free-writing answer and the teacher's reply are separate steps here: the teacher
answers a text already in the demo, not the one the learner journey sends.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

from babel.messages.pofile import read_po
from icalendar import Calendar
from playwright.sync_api import expect

from lessons.loader import check_all, lesson_files
from tests.browser.conftest import BROWSER_DATABASE, log_in
from webapp.seats.rules import NO_PAID_PLACE_STATUSES

ROOT = Path(__file__).resolve().parents[2]
LESSON_ID = "working-life-first-day"


def lesson_data(lesson_id: str = LESSON_ID) -> dict:
    parsed, problems = check_all(lesson_files(), ROOT)
    assert problems == []
    return next(lesson.data for lesson in parsed if lesson.data["id"] == lesson_id)


def html_lang(page) -> str:
    return page.get_attribute("html", "lang") or ""


@lru_cache(maxsize=1)
def english_texts() -> tuple[str, ...]:
    """Interface sentences as written in the source (English): none may show in another language."""
    with (ROOT / "translations" / "messages.pot").open("rb") as handle:
        catalog = read_po(handle)
    texts = []
    for message in catalog:
        for text in message.id if isinstance(message.id, tuple) else (message.id,):
            if text and len(text) >= 20 and "%(" not in text and "<" not in text:
                texts.append(text)
    return tuple(texts)


def assert_translated(page) -> None:
    """Fail when the page shows an interface sentence in English (a missing translation)."""
    shown = page.inner_text("body")
    untranslated = [text for text in english_texts() if text in shown]
    assert untranslated == [], f"{page.url}: untranslated {untranslated[:3]}"


def choose_language(page, locale: str) -> None:
    """Pick the interface language with the switcher in the page header."""
    page.select_option("#switch-locale", locale)
    page.click("form.language-switcher [type=submit]")
    assert html_lang(page) == locale


def answer_exercise(page, exercise: dict, support: str) -> None:
    """Answer the exercise on the player's screen the way a learner would, and wait for the
    feedback (lesson.js posts in the background and swaps it in)."""
    card = page.locator("#exercise")
    kind = exercise["type"]
    if kind in ("choice", "listen", "dialogue"):
        card.locator(f'input[type=radio][value="{exercise["answer"]}"]').check()
    elif kind == "fill":
        card.locator("input[name=answer]").fill(exercise["answers"][0])
    elif kind == "match":
        for index, pair in enumerate(exercise["pairs"]):
            card.locator(f"select[name=pair-{index}]").select_option(pair[support])
    elif kind == "order":
        card.locator("input[name=answer]").fill(exercise["sentence"])
    elif kind == "writing":
        area = card.locator("textarea[name=answer]")
        area.fill(
            "Hei! Jeg heter Olena og begynner i morgen. Når og hvor skal jeg møte opp? Hilsen "
        )
        card.locator("button.letter[data-letter='å']").click()  # the æ/ø/å buttons insert letters
        assert area.input_value().endswith("å")
    card.locator("button[type=submit]").click()
    feedback = page.locator("#exercise #feedback")
    feedback.wait_for()
    if kind != "writing":
        assert "ok" in (feedback.get_attribute("class") or ""), f"{exercise['id']} graded wrong"


def answer_lesson(page, lesson_id: str, exercises: list[dict], support: str) -> None:
    """Every exercise of a lesson, one screen after the other, with the "Next" button."""
    page.goto(f"/lessons/{lesson_id}/step/2")
    for exercise in exercises:
        answer_exercise(page, exercise, support)
        with page.expect_navigation():
            page.click("#exercise a.next")


def test_learner_journey_in_ukrainian(page, live_server):
    log_in(page, "learner@example.org")
    choose_language(page, "uk")  # the demo learner's own choice; other tests may change it

    # Placement test: answer until the level is clear.
    page.goto("/placement")
    for _question in range(40):
        if page.locator("input[name=item]").count() == 0:
            break
        with page.expect_navigation():  # the next item (or the result) is a new page
            if page.locator(".placement-no-voice").is_visible():  # listening, no nb-NO voice
                page.click(".placement-no-voice button[type=submit]")
            else:
                page.locator(".placement-item input[type=radio]").first.check()
                page.click(".placement-item .placement-next")
    assert page.locator("input[name=item]").count() == 0
    assert re.search(r"\b(A1|A2|B1|B2)\b", page.inner_text("main"))

    # A lesson with every exercise type, answered through the page.
    page.goto(f"/lessons/{LESSON_ID}")
    assert html_lang(page) == "uk"
    assert_translated(page)
    data = lesson_data()
    assert {e["type"] for e in data["exercises"]} == {
        "choice",
        "fill",
        "match",
        "order",
        "listen",
        "dialogue",
        "writing",
    }
    answer_lesson(page, LESSON_ID, data["exercises"], "uk")
    assert page.url.endswith(f"/lessons/{LESSON_ID}/step/{len(data['exercises']) + 2}")

    # Vocabulary review: the completed lesson's words are due.
    page.goto("/review")
    page.click("main a.button")  # show the answer
    page.click("main form.ratings button[value='3']")
    assert page.url.endswith("/review")

    # Free time: evenings on Tuesdays and Thursdays, every week.
    page.goto("/my/free-time")
    page.select_option("select[name=cycle_weeks]", "1")
    for day in (1, 3):
        for hour in (17, 18, 19, 20):
            page.check(f"input[name=free][value='0-{day}-{hour}']")
    page.click("main form.form [type=submit]")
    page.wait_for_url("**/classes")

    # Classes that fit: the Tuesday and Thursday evening class fits all its sessions.
    page.select_option("select[name=level]", "A2")
    page.click("form.filters [type=submit]")
    assert_translated(page)
    card = page.locator("li.card", has_text="Norsk A2 på kveldstid")
    expect(card.locator(".feedback")).to_have_count(1)
    card.locator("h2 a").click()
    page.click("main form [type=submit]")  # book the whole class
    expect(page.locator(".flash-success")).to_have_count(1)
    series_url = page.url

    # The calendar file has the booked sessions in Europe/Oslo time.
    response = page.request.get(series_url + "/calendar.ics")
    assert response.status == 200
    calendar = Calendar.from_ical(response.body())
    events = calendar.walk("VEVENT")
    assert events
    assert calendar.walk("VTIMEZONE")[0]["TZID"] == "Europe/Oslo"
    # Every event starts at its session's Oslo wall-clock time (18:00 for the series' own
    # sessions; other journeys may add sessions to it).
    series_id = int(series_url.rstrip("/").rsplit("/", 1)[1])
    with sqlite3.connect(BROWSER_DATABASE["path"]) as connection:
        stored = {
            (day, start[:5])
            for day, start in connection.execute(
                "SELECT local_date, start_local FROM class_sessions WHERE series_id = ?",
                (series_id,),
            )
        }
    starts = [event["DTSTART"].dt for event in events]
    assert {(start.date().isoformat(), start.strftime("%H:%M")) for start in starts} <= stored
    assert sum(1 for start in starts if (start.hour, start.minute) == (18, 0)) >= len(starts) - 2

    # The deadline page and the statement of study hours, in Ukrainian.
    for path in ("/my/entitlement", "/my/study-hours"):
        page.goto(path)
        assert html_lang(page) == "uk"
        expect(page.locator("h1")).to_have_count(1)
        assert_translated(page)


def test_teacher_journey_in_norwegian(page, live_server):
    log_in(page, "teacher@example.org")
    choose_language(page, "nb")

    # A new evening series across Easter: the preview shows Maundy Thursday skipped.
    year = date.today().year + 1
    page.goto("/classes/new")
    page.fill("input[name=title]", "Kveldskurs rundt påske")
    page.select_option("select[name=modality]", "online")
    page.fill("input[name=meeting_link]", "https://meet.example.org/paske")
    page.check("input[name=weekdays][value='1']")
    page.check("input[name=weekdays][value='3']")
    page.fill("input[name=start_local]", "18:00")
    page.fill("input[name=end_local]", "20:00")
    easter = _easter(year)
    page.fill("input[name=first_date]", (easter - timedelta(days=14)).isoformat())
    page.fill("input[name=last_date]", (easter + timedelta(days=14)).isoformat())
    page.click("input[name=preview]")
    assert "Skjærtorsdag" in page.inner_text("main")
    assert_translated(page)
    page.click("input[name=save]")
    page.wait_for_url(re.compile(r".*/classes/\d+$"))
    assert "Kveldskurs rundt påske" in page.inner_text("h1")

    # Assign a track to the demo group with a due date.
    page.goto("/groups")
    page.click("text=A2 kveld, Drammen")
    page.select_option("select[name=content]", "track:health-care")
    page.fill("input[name=due_date]", (date.today() + timedelta(days=10)).isoformat())
    page.click("form[action$='/assignments'] [type=submit]")
    expect(page.locator(".flash-success")).to_have_count(1)

    # Take attendance at a past session of the demo evening class.
    page.goto("/classes")
    page.click("text=Norsk A2 på kveldstid, tirsdag og torsdag")
    page.locator("a[href$='/attendance']").first.click()
    page.locator("input[type=radio][value=present]").first.check()
    page.click("main form [type=submit]")
    expect(page.locator(".flash-success")).to_have_count(1)

    # Reply to a learner's free writing.
    page.goto("/writing")
    page.locator("textarea[name=reply]").first.fill("Fin melding! Husk stor bokstav etter punktum.")
    page.locator("article form [type=submit]").first.click()
    expect(page.locator(".flash-success")).to_have_count(1)


def free_seat_learner() -> str:
    """The e-mail of a Flesberg learner who holds no seat (read from the server's database)."""
    with sqlite3.connect(BROWSER_DATABASE["path"]) as connection:
        row = connection.execute(
            "SELECT u.email FROM users u"
            " JOIN learner_profiles p ON p.user_id = u.id"
            " JOIN organisations o ON o.id = p.home_municipality_id"
            " LEFT JOIN learner_overview lo ON lo.learner_id = u.id"
            " WHERE o.name = 'Flesberg kommune' AND u.id NOT IN"
            " (SELECT learner_id FROM seat_assignments WHERE released_at IS NULL)"
            # the municipality may pay for a place only while the right to training runs
            f" AND coalesce(lo.status, '') NOT IN ({', '.join('?' * len(NO_PAID_PLACE_STATUSES))})"
            " ORDER BY u.id LIMIT 1",
            tuple(sorted(NO_PAID_PLACE_STATUSES)),
        ).fetchone()
    return row[0]


def learner_without_extension() -> int:
    """A Flesberg learner in an active period who has had no extension decision yet."""
    today = date.today().isoformat()
    with sqlite3.connect(BROWSER_DATABASE["path"]) as connection:
        row = connection.execute(
            "SELECT e.learner_id FROM entitlements e"
            " JOIN learner_profiles p ON p.user_id = e.learner_id"
            " JOIN organisations o ON o.id = p.home_municipality_id"
            " WHERE o.name = 'Flesberg kommune' AND e.start_date <= ? AND e.last_day >= ?"
            " AND e.discontinued_on IS NULL AND e.entitled"
            " AND e.learner_id NOT IN (SELECT learner_id FROM extension_decisions)"
            " AND e.learner_id NOT IN (SELECT learner_id FROM leave_periods)"
            " ORDER BY e.last_day LIMIT 1",
            (today, today),
        ).fetchone()
    return row[0]


def test_coordinator_journey_in_russian(page, live_server):
    log_in(page, "flesberg@example.org")
    choose_language(page, "ru")

    # Order seats of a provider's licence.
    page.goto("/offerings")
    page.locator("table a", has_text="Selvstudium").first.click()
    page.fill("input[name=seats]", "2")
    page.click("form[action$='/orders'] [type=submit]")
    expect(page.locator("#order-total")).to_have_count(1)  # the total is shown before confirming
    assert_translated(page)
    page.click("input[name=confirm]")
    page.wait_for_url("**/orders")
    assert html_lang(page) == "ru"
    assert_translated(page)

    # Give a free seat of the municipality's pool to a learner found by e-mail address.
    email = free_seat_learner()
    page.goto("/seats")
    page.locator("a[href^='/seats/orders/']").first.click()
    page.fill("input[name=q]", email)
    page.click("button[name=search]")
    page.locator("input[id^='found-']").first.check()
    assert_translated(page)
    page.click("button[name=give]")
    expect(page.locator(".flash-success")).to_have_count(1)
    assert_translated(page)

    # Register leave and an extension on an active learner's record: the last day and the
    # flags change.
    page.goto("/entitlements?status=active")
    page.locator(f"table tbody a[href^='/learners/{learner_without_extension()}/']").first.click()
    if "/entitlement" not in page.url:
        page.goto(page.url.rstrip("/") + "/entitlement")
    before = page.inner_text("dl")
    assert page.locator(".flag-on_leave").count() == 0
    today = date.today()
    page.locator("details:has(form[action$='/entitlement/leave']) > summary").click()
    leave_form = page.locator("form[action$='/entitlement/leave']")
    leave_form.locator("input[name=first_day]").fill(today.isoformat())
    leave_form.locator("input[name=last_day]").fill((today + timedelta(days=10)).isoformat())
    leave_form.locator("input[name=reason]").fill("Permisjon")
    leave_form.locator("[type=submit]").click()
    expect(page.locator(".flash-success")).to_have_count(1)
    after_leave = page.inner_text("dl")
    assert after_leave != before  # the last day moved on by the leave
    expect(page.locator(".flag-on_leave")).to_have_count(1)  # and the learner is flagged on leave
    page.locator("details:has(form[action$='/entitlement/extension']) > summary").click()
    extension_form = page.locator("form[action$='/entitlement/extension']")
    extension_form.locator("input[name=decided_on]").fill(today.isoformat())
    extension_form.locator("input[name=months]").fill("3")
    extension_form.locator("[type=submit]").click()
    expect(page.locator(".flash-success")).to_have_count(1)
    assert page.inner_text("dl") != after_leave  # and on again by the extension
    assert_translated(page)

    # Export the overview as CSV.
    with page.expect_download() as download:
        page.goto("/entitlements")
        page.click("a[href*='entitlements.csv']")
    assert download.value.suggested_filename.endswith(".csv")


def _easter(year: int) -> date:
    """Easter Sunday (Gregorian computus)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (a + 11 * h + 22 * m) // 451
    month = (h + m - 7 * n + 114) // 31
    day = (h + m - 7 * n + 114) % 31 + 1
    return date(year, month, day)
