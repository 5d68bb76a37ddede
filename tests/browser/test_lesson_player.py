"""The lesson player on a phone (390 × 844) in Ukrainian and in Russian (interface and support
language alike): a demo learner steps from the goals and
words through the text and every exercise to the result screen; a wrong first try shows the right
answer and "right on the 2nd try"; a refused free-writing answer keeps its text and counts words
live. A screenshot of every step is saved (artifacts/lesson_player/<lang>-<n>-<step>.png); no
step scrolls sideways at 360 px."""

from __future__ import annotations

import re
import unicodedata

import pytest
from playwright.sync_api import expect

from lessons.grading import word_count
from tests.browser.conftest import ARTIFACTS, log_in
from tests.browser.learners import journey_learner
from tests.browser.test_journeys import answer_exercise, choose_language, lesson_data

LESSON_ID = "cleaning-cleaning-tools"
PHONE = {"width": 390, "height": 844}
SHOTS = ARTIFACTS / "lesson_player"
# What the player says, in each language the journey runs in.
SAYS = {
    "uk": {
        "minutes": r"близько \d+ хвилин",
        "second_try": "З другої спроби.",
        "wrote_3": "Ви написали 3 слова.",
        "completed": "Урок завершено!",
        "first_try": "правильно з першої спроби",
        "added": r"\d+ сл\w+ додано до вашого повторення",
        "next": "Що далі?",
    },
    "ru": {
        "minutes": r"около \d+ минут",
        "second_try": "Со второй попытки.",
        "wrote_3": "Вы написали 3 слова.",
        "completed": "Урок завершён!",
        "first_try": "правильно с первой попытки",
        "added": r"\d+ сл\w+ добавлено в ваше повторение",
        "next": "Что дальше?",
    },
}


def check_phone_layout(page, name: str) -> None:
    """Save the screen as the learner sees it, then check nothing is wider than 360 px."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    page.set_viewport_size({"width": 360, "height": 740})
    width = page.evaluate("document.documentElement.scrollWidth")
    page.set_viewport_size(PHONE)
    assert width <= 360, f"{name}: {width} px wide at 360 px"


def tap_target_heights(page, selector: str) -> list[float]:
    return page.eval_on_selector_all(
        selector, "els => els.map(e => e.getBoundingClientRect().height)"
    )


@pytest.mark.parametrize("lang", ["uk", "ru"])
def test_a_lesson_step_by_step_on_a_phone(page, lang):
    says = SAYS[lang]
    page.set_viewport_size(PHONE)
    log_in(page, journey_learner("lesson_player", lang))
    choose_language(page, lang)
    data = lesson_data(LESSON_ID)
    exercises = data["exercises"]
    steps = len(exercises) + 2

    page.goto(f"/lessons/{LESSON_ID}")
    assert page.inner_text(".step-progress span") == f"1 / {steps}"
    expect(page.locator("main progress")).to_have_count(1)
    main = page.inner_text("main")
    assert data["goals"][lang][0] in main
    assert re.search(says["minutes"], main)
    start = page.locator("main a.button[href$='/step/1']").first.bounding_box()
    assert start["y"] + start["height"] <= PHONE["height"]  # on the first screen
    check_phone_layout(page, f"{lang}-00-goals-and-words")

    page.click("main a.button[href$='/step/1']")
    assert page.inner_text(".step-progress span") == f"2 / {steps}"
    check_phone_layout(page, f"{lang}-01-text")
    page.click("main a.button[href$='/step/2']")

    for index, exercise in enumerate(exercises):
        step = index + 2
        assert page.url.endswith(f"/step/{step}")
        assert page.inner_text(".step-progress span") == f"{step + 1} / {steps}"
        check_phone_layout(page, f"{lang}-{step:02d}-{exercise['type']}")
        kind = exercise["type"]
        if kind in ("choice", "listen", "dialogue"):
            assert min(tap_target_heights(page, "#exercise label.option")) >= 44
        if index == 0:  # a wrong first try: the right answer is shown, then "2nd try"
            wrong = next(o for o in exercise["options"] if o != exercise["answer"])
            page.check(f'#exercise input[type=radio][value="{wrong}"]')
            page.click("#exercise button[type=submit]")
            page.locator("#exercise #feedback.wrong").wait_for()
            assert exercise["answer"] in page.inner_text("#feedback")
            check_phone_layout(page, f"{lang}-{step:02d}-{kind}-wrong")
            page.click("#exercise a[href*='again=1']")
            answer_exercise(page, exercise, lang)
            assert says["second_try"] in page.inner_text("#feedback")
        elif kind == "writing":  # too short first: the text stays, with its word count
            area = page.locator("#exercise textarea")
            for sample in ("Zoe\u0308 og Åse", "kl. 07:30 – 3 m² o'clock", "Oslo-området, _x_"):
                area.fill(sample)  # the live count agrees with the server's
                shown = page.inner_text("#exercise .word-count [data-count]")
                assert shown == str(word_count(unicodedata.normalize("NFC", sample))), sample
            area.fill("Jeg vasker gulvet")
            assert page.inner_text("#exercise .word-count [data-count]") == "3"  # live
            page.click("#exercise button[type=submit]")
            page.locator("#exercise #feedback.wrong").wait_for()
            assert says["wrote_3"] in page.inner_text("#feedback")
            assert page.locator("#exercise textarea").input_value() == "Jeg vasker gulvet"
            check_phone_layout(page, f"{lang}-{step:02d}-writing-refused")
            text = (
                "Jeg vasker gulvet med mopp og bøtte. Jeg bruker hansker når jeg vasker "
                "toalettet, og jeg tømmer søpla hver dag. Rengjørings-midler står i skapet."
            )
            page.locator("#exercise textarea").fill(text)
            counted = page.inner_text("#exercise .word-count [data-count]")
            assert counted == str(word_count(text)) == "24"  # as the server counts
            page.click("#exercise button[type=submit]")
            page.locator("#exercise #feedback.sent").wait_for()
        else:
            answer_exercise(page, exercise, lang)
        assert "#exercise" not in page.url  # posted in the background: no reload
        assert page.locator("#exercise a.next").bounding_box()["height"] >= 44
        check_phone_layout(page, f"{lang}-{step:02d}-{kind}-feedback")
        with page.expect_navigation():
            page.click("#exercise a.next")

    assert page.url.endswith(f"/step/{steps}")
    result = page.inner_text("main")
    assert says["completed"] in result
    pct = round(100 * (len(exercises) - 2) / (len(exercises) - 1))  # one wrong of the gradable
    assert f"{pct} %" in result
    assert says["first_try"] in result
    assert re.search(says["added"], result)
    assert data["goals"][lang][0] in result
    assert says["next"] in result
    check_phone_layout(page, f"{lang}-{steps:02d}-result")


def test_without_javascript_the_player_is_a_plain_paged_form(browser, live_server):
    context = browser.new_context(
        base_url=live_server, locale="uk-UA", java_script_enabled=False, viewport=PHONE
    )
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        log_in(page, "learner@example.org")
        exercises = lesson_data("working-life-calling-in-sick")["exercises"]
        page.goto("/lessons/working-life-calling-in-sick/step/2")
        exercise = exercises[0]
        if exercise["type"] in ("choice", "listen", "dialogue"):
            page.check(f'#exercise input[type=radio][value="{exercise["answer"]}"]')
        else:
            page.fill("#exercise input[name=answer]", exercise["answers"][0])
        with page.expect_navigation():
            page.click("#exercise button[type=submit]")
        assert page.url.endswith("/lessons/working-life-calling-in-sick/step/2#exercise")
        expect(page.locator("#exercise #feedback.ok")).to_have_count(1)
        check_phone_layout(page, "uk-nojs-feedback")
    finally:
        context.close()
