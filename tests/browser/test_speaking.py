"""Recordings in Chromium with a fake microphone: a teacher records and publishes three sentences
and the model answer of a lesson; a Ukrainian learner on a phone (390 x 844) hears the teacher's
recording of the model answer, takes a dictation from a recording, records a speaking answer and
sends it; the teacher replies with a
recording and a text; the learner plays the reply. Screenshots of each step are saved."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from lessons.loader import check_all, lesson_files, rendered
from tests.browser.conftest import ARGS, ARTIFACTS, CHROMIUM, DEMO_PASSWORD
from tests.browser.test_journeys import LESSON_ID, ROOT
from tests.browser.test_support_language import serious_violations
from webapp.listening.rules import listening_items
from webapp.recordings.texts import spoken_texts

PHONE = {"width": 390, "height": 844}
FAKE_MICROPHONE = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]


@pytest.fixture(scope="module")
def media_browser(playwright_driver, live_server):
    """Chromium whose microphone is a generated tone, allowed without asking (launched by the
    run's one Playwright driver)."""
    chromium = playwright_driver.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=ARGS + FAKE_MICROPHONE
    )
    yield chromium
    chromium.close()


def new_page(browser, base: str, locale: str, viewport: dict | None = None):
    context = browser.new_context(
        base_url=base, locale=locale, permissions=["microphone"], viewport=viewport
    )
    context.set_default_timeout(20_000)
    return context, context.new_page()


def shot(page, step: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"speaking-{step}.png"), full_page=True)


def log_in(page, email: str) -> None:
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("main form [type=submit]")
    page.wait_for_url("**/dashboard")


def record(page, scope, seconds: float = 2.0) -> None:
    """Press Record, let the fake microphone play for a while, press Stop, wait for the preview."""
    scope.locator(".recorder-start").click()
    scope.locator(".recorder-stop").wait_for(state="visible")
    page.wait_for_timeout(int(seconds * 1000))
    scope.locator(".recorder-stop").click()
    scope.locator(".recorder-preview").wait_for(state="visible")
    assert scope.locator("input[type=file]").evaluate("input => input.files.length") == 1


def playable(page, selector: str) -> bool:
    """Load an <audio> element: True when Chromium decoded its header (MediaRecorder's WebM has
    no duration, so Chromium reports Infinity; the server measured it, see the queue)."""
    return page.eval_on_selector(
        selector,
        """audio => new Promise((resolve) => {
            audio.preload = "auto";
            if (audio.readyState >= 1) return resolve(true);
            audio.addEventListener("loadedmetadata", () => resolve(true), { once: true });
            audio.addEventListener("error", () => resolve(false), { once: true });
            audio.load();
        })""",
    )


def test_teacher_records_learner_answers_teacher_replies(media_browser, live_server):
    teacher_context, teacher = new_page(media_browser, live_server, "nb-NO")
    learner_context, learner = new_page(media_browser, live_server, "uk-UA", PHONE)
    try:
        # 1. The teacher records three sentences of the text and the model answer, and publishes.
        log_in(teacher, "teacher@example.org")
        response = teacher.goto(f"/lessons/{LESSON_ID}/recordings")
        assert "microphone=(self)" in response.headers["permissions-policy"]
        items = teacher.locator("article.recording-item[data-kind=sentence]")
        sentence_items = [items.nth(i) for i in range(3)]
        model_item = teacher.locator("article.recording-item[data-kind=model]")
        for index, item in enumerate([*sentence_items, model_item]):
            anchor = item.get_attribute("id")
            record(teacher, item, 1.5)
            if index == 0:
                shot(teacher, "1-teacher-recorded")
            item.locator("form.take-form button[type=submit]").click()
            teacher.wait_for_url(re.compile(rf"/recordings#{anchor}$"))
            saved = teacher.locator(f"#{anchor}")
            # The new draft beside the demo synthesizer's published take, which it replaces.
            assert saved.locator(".take audio").count() >= 1, teacher.content()
            expect(saved.locator("form[action$='/publish']")).to_have_count(1)
            saved.locator("form[action$='/publish'] button").click()
            teacher.wait_for_url(re.compile(rf"/recordings#{anchor}$"))
            assert teacher.locator(f"#{anchor} form[action$='/publish']").count() == 0
        shot(teacher, "2-teacher-published")
        assert serious_violations(teacher) == []
        teacher.goto("/recordings/coverage")
        row = teacher.locator(f"tr:has(a[href$='/lessons/{LESSON_ID}/recordings'])")
        # The demo synthesizer voiced every sentence; the teacher's three replace three of them.
        assert re.search(r"\t\d+ \(100 %\)$", row.inner_text()), row.inner_text()

        # 2. The learner hears the teacher's recording of the model answer and records an answer.
        log_in(learner, "learner@example.org")
        learner.goto(f"/lessons/{LESSON_ID}/speaking")
        assert learner.locator("html").get_attribute("lang") == "uk"
        assert learner.locator("p[lang=uk]").first.inner_text().strip()
        human = ".play[data-human] audio.play-audio"
        expect(learner.locator(human)).to_have_count(1)
        assert playable(learner, human)
        assert learner.locator(".play-controls").is_visible()  # 0.75x and repeat
        shot(learner, "3-learner-speaking-page")
        assert serious_violations(learner) == []
        form = learner.locator("form.answer-form")
        record(learner, form, 2.5)
        shot(learner, "4-learner-recorded")
        form.locator("button[type=submit]").click()
        learner.wait_for_url(re.compile(rf"/lessons/{LESSON_ID}/speaking$"))
        expect(learner.locator(".flash-success")).to_have_count(1)
        sent = learner.locator(".sent-answer").first
        expect(sent.locator("audio")).to_have_count(1)
        assert playable(learner, ".sent-answer audio")
        assert not learner.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        shot(learner, "5-learner-sent")
        assert serious_violations(learner) == []

        # 2b. The learner hears the teacher's recording in the listening exercise and takes a
        # dictation: the sentence is heard, never shown, and written down.
        lesson = next(f for f in check_all(lesson_files(), ROOT)[0] if f.data["id"] == LESSON_ID)
        content = rendered(lesson)
        voiced = {t.text for t in spoken_texts(content)}
        dictation = listening_items(content, voiced)[0]
        learner.goto(f"/lessons/{LESSON_ID}/listening")
        expect(learner.locator(".play[data-human] audio.play-audio")).to_have_count(1)
        assert playable(learner, ".play[data-human] audio.play-audio")
        assert dictation.text not in learner.content()
        learner.locator(".play-slow").click()  # 0.75x
        assert learner.locator(".play-slow").get_attribute("aria-pressed") == "true"
        learner.locator("input[name=answer]").fill(dictation.text.lower().rstrip(".!?"))
        shot(learner, "5b-learner-dictation")
        learner.locator("form button.wide").click()
        learner.wait_for_url(re.compile(rf"/lessons/{LESSON_ID}/listening\?step=0#task$"))
        expect(learner.locator("#feedback.ok")).to_have_count(1)
        assert not learner.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        assert serious_violations(learner) == []
        shot(learner, "5c-learner-dictation-right")

        # 3. The teacher finds it in the queue and replies with a recording and a text.
        teacher.goto("/dashboard")
        waiting = teacher.locator("article.card:has(a[href$='/speaking/queue']) .figure")
        assert int(waiting.inner_text()) >= 1
        teacher.goto("/speaking/queue")
        answer = teacher.locator("article", has_text="Første dag").first
        assert playable(teacher, "article audio")
        seconds = int(re.search(r"· (\d+) s", answer.inner_text()).group(1))
        assert 2 <= seconds <= 4  # measured by the server from the container
        answer.locator("textarea[name=reply]").fill(
            "Fin uttale! Si «kollega» med trykk på første stavelse."
        )
        record(teacher, answer, 1.5)
        shot(teacher, "6-teacher-reply")
        assert serious_violations(teacher) == []
        answer.locator("form.reply-form button[type=submit]").click()
        teacher.wait_for_url(re.compile(r"/speaking/queue$"))
        expect(teacher.locator(".flash-success")).to_have_count(1)

        # 4. The learner sees the reply on the dashboard and plays it on the speaking page.
        learner.goto("/dashboard")
        card = learner.locator(".spoken-replies")
        assert "Fin uttale!" in card.inner_text()
        shot(learner, "7-learner-dashboard")
        card.locator("a").first.click()
        learner.wait_for_url(re.compile(rf"/lessons/{LESSON_ID}/speaking#answer-\d+$"))
        reply = ".teacher-reply audio"
        expect(learner.locator(reply)).to_have_count(1)
        assert playable(learner, reply)
        shot(learner, "8-learner-reply")

        # 5. Where no teacher has recorded the model answer, the page says what it can do.
        learner.goto("/lessons/working-life-calling-in-sick/speaking")
        box = learner.locator(".play")
        listening = box.get_attribute("data-listening")
        assert listening in ("yes", "no")
        assert learner.locator(".play .no-voice").is_visible() is (listening == "no")
        assert learner.locator(".play .play-say").is_visible() is (listening == "yes")
        shot(learner, "9-learner-no-recording")
    finally:
        teacher_context.close()
        learner_context.close()
