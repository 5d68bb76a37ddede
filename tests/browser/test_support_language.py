"""A learner's first log-in on a phone: the one-question support-language screen, Russian chosen,
and the lesson's translations and word meanings in Russian; screenshots of each step are saved."""

from __future__ import annotations

import re
import sqlite3

from axe_playwright_python.sync_playwright import Axe

from tests.browser.conftest import ARTIFACTS, BROWSER_DATABASE, DEMO_PASSWORD
from tests.browser.test_journeys import LESSON_ID, lesson_data

PHONE = {"width": 390, "height": 844}
SERIOUS = ("serious", "critical")


def first_time_learner() -> str:
    """A demo learner (not the fixed one other journeys use) made new: no support language yet."""
    with sqlite3.connect(BROWSER_DATABASE["path"]) as connection:
        (user_id, email) = connection.execute(
            "SELECT users.id, users.email FROM users JOIN learner_profiles"
            " ON learner_profiles.user_id = users.id WHERE users.role = 'learner'"
            " AND learner_profiles.first_language = 'uk'"
            " AND users.email != 'learner@example.org' ORDER BY users.id LIMIT 1"
        ).fetchone()
        connection.execute(
            "UPDATE learner_profiles SET support_language = NULL WHERE user_id = ?", (user_id,)
        )
        connection.execute("UPDATE users SET locale = 'uk' WHERE id = ?", (user_id,))
    return email


def shot(page, step: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"support-language-{step}.png"), full_page=True)


def serious_violations(page) -> list[str]:
    result = Axe().run(page)
    return [
        f"{violation['id']} ({violation['impact']})"
        for violation in result.response["violations"]
        if violation["impact"] in SERIOUS
    ]


def scrolls_sideways(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


def test_first_log_in_asks_the_support_language_and_lessons_follow_it(page):
    email = first_time_learner()
    page.set_viewport_size(PHONE)
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("main form [type=submit]")
    page.wait_for_url(re.compile(r"/support-language\?next=/dashboard$"))
    assert page.is_checked("input[name=language][value=uk]")  # the recorded first language
    shot(page, "1-question")
    assert serious_violations(page) == []
    page.set_viewport_size({"width": 360, "height": 740})
    assert not scrolls_sideways(page)
    page.set_viewport_size({"width": 1366, "height": 900})
    assert serious_violations(page) == []
    page.set_viewport_size(PHONE)

    page.check("input[name=language][value=ru]")
    page.click("button[name=submit], input[name=submit]")
    page.wait_for_url("**/dashboard")
    shot(page, "2-dashboard")

    lesson = lesson_data()
    page.goto(f"/lessons/{LESSON_ID}/step/1")  # the player's text step
    translation = page.locator(".text .block details").first
    translation.locator("summary").click()
    assert translation.locator("div[lang=ru]").inner_text().strip()
    assert page.locator(".text div[lang=uk]").count() == 0
    shot(page, "3-text-in-russian")
    page.goto(f"/lessons/{LESSON_ID}")  # the player's first step: goals and new words
    first_word = lesson["vocabulary"][0]
    gloss = page.locator(".vocabulary span[lang=ru]").first.inner_text()
    assert gloss == first_word["ru"]
    shot(page, "3-lesson-in-russian")

    page.goto("/profile")
    assert page.is_checked("#support-language input[name=language][value=ru]")
    shot(page, "4-profile")
