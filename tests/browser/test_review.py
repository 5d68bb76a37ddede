"""A review session on a 390 × 844 phone, in Ukrainian and in Russian (interface and support
language alike): a demo learner with words due starts from the dashboard's count, reveals and
rates each card until none is due; the counts are in words and fall by one a card. A screenshot
of every step is saved as tests/browser/artifacts/review/<lang>-<n>-<step>.png."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from fsrs import Card
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, BROWSER_DATABASE, log_in
from tests.browser.learners import journey_learner
from tests.browser.test_journeys import LESSON_ID, assert_translated, lesson_data

PHONE = {"width": 390, "height": 844}
SHOTS = ARTIFACTS / "review"
STAMP = "%Y-%m-%d %H:%M:%S.%f"
WORDS = 5
SAYS = {
    "uk": {
        "today": "Сьогодні повторити {n} сл",
        "due": "{n} сл",
        "meaning": "Що це означає?",
        "empty": "Зараз немає слів для повторення.",
    },
    "ru": {
        "today": "Сегодня повторить {n} сл",
        "due": "{n} сл",
        "meaning": "Что это значит?",
        "empty": "Сейчас нет слов для повторения.",
    },
}


def words_due(email: str, language: str) -> dict[str, str]:
    """Put the first words of a lesson into the learner's review, due an hour ago, as a completed
    lesson would (forward cards only; straight in the live server's database); return each word
    with its meaning in ``language``."""
    due = datetime.now(UTC) - timedelta(hours=1)
    stamp = due.replace(tzinfo=None).strftime(STAMP)
    state = json.dumps(Card(due=due).to_dict())
    vocabulary = lesson_data(LESSON_ID)["vocabulary"][:WORDS]
    with sqlite3.connect(BROWSER_DATABASE["path"]) as db:
        learner_id = db.execute("SELECT id FROM users WHERE email = ?", (email,)).fetchone()[0]
        db.execute("DELETE FROM vocab_cards WHERE learner_id = ?", (learner_id,))
        for entry in vocabulary:
            db.execute(
                "INSERT INTO vocab_cards (learner_id, lesson_id, word_nb, meaning, example,"
                " direction, due, state, reviews) VALUES (?, ?, ?, ?, ?, 'from_nb', ?, ?, 0)",
                (learner_id, LESSON_ID, entry["nb"], entry[language], "", stamp, state),
            )
    return {entry["nb"]: entry[language] for entry in vocabulary}


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], name


@pytest.mark.parametrize("lang", ["uk", "ru"])
def test_a_review_session_on_a_phone(page, lang):
    says = SAYS[lang]
    email = journey_learner("review", lang)
    meanings = words_due(email, lang)
    page.set_viewport_size(PHONE)
    log_in(page, email)
    assert page.get_attribute("html", "lang") == lang

    # The dashboard counts words, on the first screen, and leads to the review.
    due_link = page.locator(".do-now .reviews-due a")
    assert due_link.inner_text().startswith(says["today"].format(n=WORDS))
    box = due_link.bounding_box()
    assert box is not None
    assert box["y"] + box["height"] <= PHONE["height"]
    shot(page, f"{lang}-01-dashboard")
    with page.expect_navigation():
        due_link.click()
    assert page.url.endswith("/review")

    seen: list[str] = []
    for number in range(WORDS):
        left = WORDS - number
        assert page.inner_text("main p.muted").startswith(says["due"].format(n=left))
        assert page.inner_text(".flashcard .hint") == says["meaning"]
        word = page.inner_text(".flashcard > p.word[lang=nb]").strip()
        word = re.sub(r"\s*🔊.*$", "", word, flags=re.S)
        assert word in meanings
        assert word not in seen  # each word once, none twice
        seen.append(word)
        assert meanings[word] not in page.inner_text(".flashcard")  # not before it is revealed
        shot(page, f"{lang}-{2 * number + 2:02d}-card-{number + 1}")

        page.click(".flashcard a.button")  # show the answer
        answer = page.locator(".flashcard .answer .word")
        assert answer.get_attribute("lang") == lang
        assert answer.inner_text() == meanings[word]
        assert_translated(page)
        buttons = page.locator(".flashcard form.ratings button")
        expect(buttons).to_have_count(4)
        heights = buttons.evaluate_all("els => els.map(e => e.getBoundingClientRect().height)")
        assert min(heights) >= 44
        shot(page, f"{lang}-{2 * number + 3:02d}-answer-{number + 1}")
        rating = "4" if number == 0 else "3"  # "easy" once, then "good"
        with page.expect_navigation():
            page.click(f".flashcard form.ratings button[value='{rating}']")
        assert page.url.endswith("/review")

    # Done: nothing due, on the review page and on the dashboard.
    assert sorted(seen) == sorted(meanings)
    assert says["empty"] in page.inner_text("main")
    assert page.locator(".flashcard").count() == 0
    shot(page, f"{lang}-{2 * WORDS + 2:02d}-done")
    page.goto("/dashboard")
    assert page.locator(".do-now .reviews-due").count() == 0
    shot(page, f"{lang}-{2 * WORDS + 3:02d}-dashboard-after")
