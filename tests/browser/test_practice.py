"""Test practice on a phone (390 × 844): the sets, a listening set with and without a
Norwegian voice, a reading set to its result, and an oral prompt marked as practised.

Screenshots are saved under the artifacts folder (artifacts/practice/).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from lessons import practice
from tests.browser.conftest import ARTIFACTS, log_in
from tests.browser.test_journeys import choose_language
from tests.browser.test_placement import (
    FAKE_VOICE,
    fits_the_phone,
    serious_violations,
    untested_learner,
)

pytestmark = pytest.mark.browser

SETS = practice.load_sets()
SHOTS = ARTIFACTS / "practice"


def answer_everything(page, practice_set: dict, right: bool) -> None:
    for item in practice.questions(practice_set):
        radios = page.locator(f'input[name="answer-{item["id"]}"]')
        shown = radios.evaluate_all("els => els.map(e => e.value)")
        assert sorted(shown) == sorted(item["options"])
        choice = item["answer"] if right else next(o for o in shown if o != item["answer"])
        radios.nth(shown.index(choice)).check()


def test_listening_with_a_norwegian_voice_is_read_aloud_and_scored(page, live_server):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.add_init_script(FAKE_VOICE)
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, untested_learner(offset=2))
    choose_language(page, "uk")
    page.goto("/practice")
    fits_the_phone(page)
    page.screenshot(path=str(SHOTS / "sets.png"), full_page=True)
    problems = serious_violations(page)
    page.click('a[href="/practice/b1-listening"]')
    page.wait_for_url("**/practice/b1-listening")
    listening = SETS["b1-listening"]
    first = practice.questions(listening)[0]
    # The page's script hides the notice once it has found the voice: wait for it to run.
    expect(page.locator(".listen-button").first).to_be_visible()
    expect(page.locator(".practice-no-voice")).to_be_hidden()
    page.locator(".listen-button").first.click()
    assert page.evaluate("window.__said") == [[first["audio"], "nb-NO"]]
    fits_the_phone(page)
    problems += serious_violations(page)
    answer_everything(page, listening, right=True)
    page.screenshot(path=str(SHOTS / "listening-with-a-voice.png"), full_page=True)
    page.click(".practice-form [type=submit]")
    page.wait_for_url("**/practice/b1-listening/result")
    assert "8 з 8" in page.inner_text("h2")
    assert "Не зараховано" not in page.inner_text("main")
    fits_the_phone(page)
    problems += serious_violations(page)
    page.goto("/practice")
    assert "100 %" in page.inner_text("main")
    assert problems == []


def test_listening_without_a_voice_says_so_and_is_not_scored(page, live_server):
    page.add_init_script("Object.defineProperty(window, 'speechSynthesis', {value: undefined})")
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, untested_learner(offset=3))
    choose_language(page, "en")
    page.goto("/practice/a2-listening")
    assert "no Norwegian voice" in page.inner_text(".practice-no-voice")
    assert not page.locator(".listen-button").first.is_visible()
    page.screenshot(path=str(SHOTS / "listening-without-a-voice.png"), full_page=True)
    answer_everything(page, SETS["a2-listening"], right=True)
    page.click(".practice-form [type=submit]")
    page.wait_for_url("**/practice/a2-listening/result")
    assert "Not scored as listening" in page.inner_text("main")


def test_reading_and_oral_on_a_phone(page, live_server):
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, untested_learner(offset=4))
    choose_language(page, "ru")
    page.goto("/practice/b2-reading")
    fits_the_phone(page)
    problems = serious_violations(page)
    answer_everything(page, SETS["b2-reading"], right=False)
    page.click(".practice-form [type=submit]")
    page.wait_for_url("**/practice/b2-reading/result")
    assert "0 из 9" in page.inner_text("h2")
    fits_the_phone(page)
    page.screenshot(path=str(SHOTS / "reading-result.png"), full_page=True)
    page.goto("/practice/b2-oral")
    fits_the_phone(page)
    problems += serious_violations(page)
    page.locator("#prompt-b2o1 summary").click()
    assert SETS["b2-oral"]["prompts"][0]["model"][:40] in page.inner_text("#prompt-b2o1")
    page.click("#prompt-b2o1 [type=submit]")
    expect(page.locator("#prompt-b2o1 .feedback.ok")).to_be_visible()
    page.screenshot(path=str(SHOTS / "oral.png"), full_page=True)
    assert problems == []
