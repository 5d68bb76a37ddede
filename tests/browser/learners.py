"""Demo learners for the browser journeys: one of its own for each journey and language, so
journeys never share a learner's lessons, bookings or review cards."""

from __future__ import annotations

import sqlite3

from tests.browser.conftest import BROWSER_DATABASE

# Each journey and language has its own slot among the generated learners (counted from the
# tenth, so the first ones stay for the support-language question; the placement tests take
# theirs from the other end).
SLOTS = {
    ("lesson_player", "uk"): 10,
    ("lesson_player", "ru"): 11,
    ("evening", "uk"): 12,
    ("evening", "ru"): 13,
    ("review", "uk"): 14,
    ("review", "ru"): 15,
    ("every_page", "uk"): 16,
    ("every_page", "ru"): 17,
}


def journey_learner(journey: str, language: str) -> str:
    """The e-mail of the journey's own demo learner, with interface and support language set to
    ``language`` (straight in the live server's database), so no first-log-in question comes."""
    with sqlite3.connect(BROWSER_DATABASE["path"]) as db:
        user_id, email = db.execute(
            "SELECT id, email FROM users WHERE role = 'learner'"
            " AND email != 'learner@example.org' ORDER BY id LIMIT 1 OFFSET ?",
            (SLOTS[(journey, language)],),
        ).fetchone()
        db.execute("UPDATE users SET locale = ? WHERE id = ?", (language, user_id))
        db.execute(
            "UPDATE learner_profiles SET support_language = ? WHERE user_id = ?",
            (language, user_id),
        )
    return email
