"""Demo learners for the browser journeys: one of its own for each journey and language, so
journeys never share a learner's lessons, bookings or review cards."""

from __future__ import annotations

import sqlite3

from tests.browser.conftest import BROWSER_DATABASE

# Every journey and language that needs a learner of its own, and whether that learner must
# have study time logged (for a statement with figures). Add new journeys at the end.
JOURNEYS = {
    ("lesson_player", "uk"): False,
    ("lesson_player", "ru"): False,
    ("evening", "uk"): True,
    ("evening", "ru"): True,
    ("review", "uk"): False,
    ("review", "ru"): False,
    ("every_page", "uk"): False,
    ("every_page", "ru"): False,
    ("placement", "uk"): False,
    ("placement", "ru"): False,
}
# The first generated learners stay for the support-language question; the listening test of
# the placement takes its learner from the other end.
SKIP = 10
_ASSIGNED: dict[tuple[str, str], str] = {}  # worked out once a test run, before journeys add data


def _assigned() -> dict[tuple[str, str], str]:
    """Each journey's learner: the first one not yet taken that meets its need, in order."""
    if _ASSIGNED:
        return _ASSIGNED
    with sqlite3.connect(BROWSER_DATABASE["path"]) as db:
        rows = db.execute(
            "SELECT email, id IN (SELECT learner_id FROM study_days) FROM users"
            " WHERE role = 'learner' AND email != 'learner@example.org' ORDER BY id"
        ).fetchall()[SKIP:]
    taken: set[str] = set()
    for journey, studied in JOURNEYS.items():
        email = next(e for e, has_time in rows if e not in taken and (has_time or not studied))
        taken.add(email)
        _ASSIGNED[journey] = email
    return _ASSIGNED


def journey_learner(journey: str, language: str) -> str:
    """The e-mail of the journey's own demo learner, with interface and support language set to
    ``language`` (straight in the live server's database), so no first-log-in question comes."""
    email = _assigned()[(journey, language)]
    with sqlite3.connect(BROWSER_DATABASE["path"]) as db:
        db.execute("UPDATE users SET locale = ? WHERE email = ?", (language, email))
        db.execute(
            "UPDATE learner_profiles SET support_language = ?"
            " WHERE user_id = (SELECT id FROM users WHERE email = ?)",
            (language, email),
        )
    return email
