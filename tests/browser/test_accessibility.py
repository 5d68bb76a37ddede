"""Accessibility in Chromium: axe-core on every main page of each role in Bokmål and Ukrainian
(no serious or critical violation), every learner page at 390 and 1366 px and within 360 px in
Ukrainian and Russian, and a lesson completed with the keyboard alone."""

from __future__ import annotations

import sqlite3

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.conftest import BROWSER_DATABASE, log_in
from tests.browser.test_journeys import LESSON_ID, lesson_data

PAGES = {
    "learner@example.org": [
        "/dashboard",
        "/lessons",
        f"/lessons/{LESSON_ID}",
        f"/lessons/{LESSON_ID}/step/1",
        f"/lessons/{LESSON_ID}/step/2",
        f"/lessons/{LESSON_ID}/step/5",
        f"/lessons/{LESSON_ID}/step/8",
        f"/lessons/{LESSON_ID}/step/11",
        "/review",
        "/placement",
        "/classes",
        "/classes/1",
        "/my/free-time",
        "/calendar",
        "/my/entitlement",
        "/my/study-hours",
        "/profile",
    ],
    "teacher@example.org": [
        "/dashboard",
        "/classes",
        "/classes/new",
        "/classes/1",
        "/classes/demand",
        "/groups",
        "/groups/1",
        "/writing",
        "/learners",
        "/entitlements",
        "/invitations",
    ],
    "coordinator@example.org": [
        "/dashboard",
        "/entitlements",
        "/learners",
        "/seats",
        "/offerings",
        "/orders",
        "/seats/report",
        "/learners/import",
        "/invitations",
    ],
    "provider@example.org": [
        "/offerings",
        "/orders",
        "/classes",
        "/groups",
        "/organisations/4/staff",
    ],
    "admin@example.org": [
        "/dashboard",
        "/organisations",
        "/learners",
        "/entitlements",
        "/classes",
        "/offerings",
        "/orders",
        "/seats",
        "/seats/report",
    ],
}
SERIOUS = ("serious", "critical")
CHECKED: list[str] = []


def switch_language(page, locale: str) -> None:
    page.select_option("#switch-locale", locale)
    page.click("form.language-switcher [type=submit]")
    assert page.get_attribute("html", "lang") == locale


@pytest.mark.parametrize("locale", ["nb", "uk"])
@pytest.mark.parametrize("email", list(PAGES))
def test_main_pages_have_no_serious_accessibility_violations(page, email, locale):
    axe = Axe()
    log_in(page, email)
    switch_language(page, locale)
    problems = []
    for path in PAGES[email]:
        response = page.goto(path)
        assert response is not None, path
        assert response.status == 200, path
        result = axe.run(page)
        for violation in result.response["violations"]:
            if violation["impact"] in SERIOUS:
                nodes = "; ".join(node["html"][:120] for node in violation["nodes"][:3])
                problems.append(
                    f"{path} [{locale}] {violation['id']} ({violation['impact']}): {nodes}"
                )
        CHECKED.append(f"{email} {locale} {path}")
    assert problems == []
    assert len(CHECKED) >= len(PAGES[email])  # axe really ran on every page


def test_anonymous_pages_have_no_serious_accessibility_violations(page):
    axe = Axe()
    problems = []
    for path in ("/", "/login", "/join", "/password/forgot"):
        page.goto(path)
        for violation in axe.run(page).response["violations"]:
            if violation["impact"] in SERIOUS:
                problems.append(f"{path} {violation['id']}: {violation['nodes'][0]['html'][:120]}")
    assert problems == []


def tab_to(page, selector: str, limit: int = 400) -> None:
    """Press Tab until the element matching ``selector`` has the focus."""
    for _ in range(limit):
        if page.evaluate(
            "(s) => document.activeElement && document.activeElement.matches(s)", selector
        ):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"could not reach {selector} with the Tab key")


def test_a_lesson_can_be_completed_with_the_keyboard_alone(page):
    page.goto("/login")
    tab_to(page, "input[name=email]")
    page.keyboard.type("learner@example.org")
    page.keyboard.press("Tab")
    page.keyboard.type("norskvei-demo")
    page.keyboard.press("Enter")
    page.wait_for_url("**/dashboard")
    lesson_id = "working-life-lunch-small-talk"
    page.goto(f"/lessons/{lesson_id}")
    for link in ("main a.button[href$='/step/1']", "main a.button[href$='/step/2']"):
        tab_to(page, link)  # the goals and words, then the text
        with page.expect_navigation():
            page.keyboard.press("Enter")
    data = lesson_data(lesson_id)
    for exercise in data["exercises"]:
        form = "#exercise form"
        kind = exercise["type"]
        if kind in ("choice", "listen", "dialogue"):
            shown = page.eval_on_selector_all(
                f"{form} input[type=radio]", "inputs => inputs.map(i => i.value)"
            )
            tab_to(page, f"{form} input[type=radio]")
            for _ in range(shown.index(exercise["answer"])):
                page.keyboard.press("ArrowDown")
            page.keyboard.press("Space")
        elif kind == "fill":
            tab_to(page, f"{form} input[name=answer]")
            page.keyboard.type(exercise["answers"][0])
        elif kind == "order":
            tab_to(page, f"{form} input[name=answer]")
            page.keyboard.type(exercise["sentence"])
        elif kind == "writing":
            tab_to(page, f"{form} textarea")
            page.keyboard.type(
                "Jeg liker å spise lunsj med kollegaene mine i pauserommet hver dag."
            )
        elif kind == "match":
            for index, pair in enumerate(exercise["pairs"]):
                select = f"{form} select[name=pair-{index}]"
                tab_to(page, select)
                for _ in range(20):
                    if page.eval_on_selector(select, "s => s.value") == pair["uk"]:
                        break
                    page.keyboard.press("ArrowDown")
                assert page.eval_on_selector(select, "s => s.value") == pair["uk"]
        tab_to(page, f"{form} button[type=submit]")
        page.keyboard.press("Enter")
        feedback = page.locator("#exercise #feedback")
        feedback.wait_for()
        if kind != "writing":
            assert "ok" in (feedback.get_attribute("class") or ""), exercise["id"]
        tab_to(page, "#exercise a.next")
        with page.expect_navigation():
            page.keyboard.press("Enter")
    assert page.url.endswith(f"/step/{len(data['exercises']) + 2}")
    expect(page.locator("#result-title")).to_have_count(1)
    page.goto("/lessons")
    assert page.locator(f"a[href='/lessons/{lesson_id}']").count() >= 1


# The innermost elements reaching past the right edge of a 360 px screen (for the message).
WIDEST = """Array.from(document.querySelectorAll("body *"))
  .filter(e => e.getBoundingClientRect().right > 361
    && !Array.from(e.children).some(c => c.getBoundingClientRect().right > 361))
  .slice(0, 4).map(e => e.tagName.toLowerCase() + "." + e.className + " "
    + Math.round(e.getBoundingClientRect().right) + ": " + e.textContent.trim().slice(0, 40))"""


def learner_pages(lesson_id: str, booking_id: int, series_id: int) -> list[str]:
    """Every page a learner reaches from the menu and the dashboard (add a new one here)."""
    steps = len(lesson_data(lesson_id)["exercises"]) + 2  # goals, text, exercises, result
    return [
        "/dashboard",
        "/lessons",  # the catalogue
        f"/lessons/{lesson_id}",
        *(f"/lessons/{lesson_id}/step/{step}" for step in range(1, steps + 1)),
        "/review",
        "/review?reveal=1",
        "/placement",
        "/classes",  # the classes that fit
        f"/classes/{series_id}",
        "/my/free-time",
        f"/bookings/{booking_id}/cancel",
        "/calendar",
        "/my/entitlement",
        "/my/study-hours",
        "/my/study-hours?lang=nb",
        "/profile",
        "/support-language",
    ]


@pytest.mark.parametrize("lang", ["uk", "ru"])
def test_every_learner_page_is_accessible_and_fits_360_px(page, lang):
    """axe-core finds nothing serious or critical at 390 and at 1366 px, and nothing scrolls
    sideways at 360 px, on every learner page, with a class booked and words due."""
    from tests.browser.learners import journey_learner
    from tests.browser.test_learner_evening import book_a_class_tonight
    from tests.browser.test_review import words_due

    email = journey_learner("every_page", lang)
    book_a_class_tonight(email)
    words_due(email, lang)
    with sqlite3.connect(BROWSER_DATABASE["path"]) as db:
        booking_id, series_id = db.execute(
            "SELECT b.id, b.series_id FROM class_bookings b JOIN users u ON u.id = b.learner_id"
            " WHERE u.email = ? AND b.status = 'confirmed' ORDER BY b.id DESC LIMIT 1",
            (email,),
        ).fetchone()
    axe = Axe()
    log_in(page, email)
    page.goto("/calendar")
    if page.locator("a.subscribe-link").count() == 0:  # make the subscribe address first
        page.click("main form [type=submit]")
    problems: list[str] = []
    checked = []
    for path in learner_pages(LESSON_ID, booking_id, series_id):
        for width in (390, 1366):
            page.set_viewport_size({"width": width, "height": 844})
            response = page.goto(path)
            assert response is not None, path
            assert response.status == 200, path
            assert page.get_attribute("html", "lang") == lang, path
            for violation in axe.run(page).response["violations"]:
                if violation["impact"] in SERIOUS:
                    nodes = "; ".join(node["html"][:120] for node in violation["nodes"][:3])
                    problems.append(f"{path} @{width} {violation['id']}: {nodes}")
        page.set_viewport_size({"width": 360, "height": 740})
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 360:
            wide = page.evaluate(WIDEST)
            problems.append(f"{path}: {width} px wide at 360 px, by {wide}")
        checked.append(path)
    assert not problems, "\n".join(problems)
    assert len(checked) >= 20
