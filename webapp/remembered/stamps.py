"""Which writes make remembered pages stale: every table is sorted into one of three kinds.

- **Rows about one person** (their lesson answers, study days, bookings, entitlement, profile):
  a write raises that person's stamp (``person:<id>``), so their own pages are worked out again
  at once. Other people's pages that show such rows (a teacher's progress matrix) may show them
  up to ``PAGE_MEMORY_SECONDS`` late: learners write these rows all day, and a stamp shared by
  everybody would be raised every few seconds.
- **Rows nobody's page shows** beyond that minute (login attempts, reset tokens, the outbox).
- **Everything else**, and any table not named here (so a new table is safe by default): a
  write raises the shared stamp, and every remembered page is worked out again.

Whoever writes also raises their own person stamp, so staff see their own changes at once.
Bulk statements on rows about people cannot tell whose rows they touch and raise the shared
stamp (the nightly sweep, imports).
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain
from typing import Any

from flask import g, has_request_context
from sqlalchemy import inspect

from webapp.changes.services import columns_changed, watch_by_rules

SHARED_STAMP = "shared_pages"

# Table -> the column naming the person a row is about.
PERSON_COLUMNS: dict[str, str] = {
    "users": "id",
    "learner_profiles": "user_id",
    "calendar_feeds": "user_id",
    "class_bookings": "learner_id",
    "class_attendance": "learner_id",
    "learner_availability": "learner_id",
    "entitlements": "learner_id",
    "leave_periods": "learner_id",
    "extension_decisions": "learner_id",
    "entitlement_audit": "learner_id",
    "learner_flag_states": "learner_id",
    "lesson_progress": "learner_id",
    "exercise_answers": "learner_id",
    "writing_submissions": "learner_id",
    "vocab_cards": "learner_id",
    "placement_results": "learner_id",
    "study_presence": "learner_id",
    "study_days": "learner_id",
    "teaching_group_members": "learner_id",
    "seat_assignments": "learner_id",
}

# Rows about one person that other people's pages show at once, and that are written seldom:
# places left in a class, a group's members, a bought seat, a deadline, a learner's name in the
# overview. Table -> the columns that count (None: every column); a login writes
# ``users.last_login_at``, which no other page shows.
ALSO_SHARED: dict[str, frozenset[str] | None] = {
    "users": frozenset({"email", "name", "role", "organisation_id", "active"}),
    "learner_profiles": None,
    "class_bookings": None,
    "teaching_group_members": None,
    "seat_assignments": None,
    "entitlements": None,
    "leave_periods": None,
    "extension_decisions": None,
}

# Rows no page shows (or only within the minute): raising nothing for them keeps a login or a
# queued e-mail from making every remembered page stale. A vocabulary review always updates its
# card, which is a row about the learner.
NOT_SHOWN = frozenset(
    {"change_stamps", "login_attempts", "password_reset_tokens", "outbox_messages", "vocab_reviews"}
)


def person_stamp(user_id: int) -> str:
    """The name of the stamp raised by writes to rows about ``user_id``."""
    return f"person:{user_id}"


def stamps_for_row(table: str, owners: Iterable[Any], shown_to_others: bool) -> set[str]:
    """The stamps a write to one row of ``table`` about ``owners`` raises; ``shown_to_others``
    when it wrote something other people's pages must show at once (see ``ALSO_SHARED``)."""
    if table in NOT_SHOWN:
        return set()
    if table not in PERSON_COLUMNS:
        return {SHARED_STAMP}
    names = {person_stamp(owner) for owner in owners if isinstance(owner, int)}
    if shown_to_others or not names:
        names.add(SHARED_STAMP)
    return names


def stamps_for_statement(table: str) -> set[str]:
    """The stamps an INSERT, UPDATE or DELETE statement on ``table`` raises."""
    return set() if table in NOT_SHOWN else {SHARED_STAMP}


def _owners(instance: Any, column: str | None) -> list[Any]:
    """The person a row is about, before and after this flush (read without loading)."""
    if column is None:
        return []
    state = inspect(instance)
    history = state.attrs[column].history
    owners = list(chain(history.added, history.unchanged, history.deleted))
    if not owners and column in state.dict:
        owners.append(state.dict[column])
    return owners


def _writer() -> set[str]:
    """The stamp of the logged-in user whose request writes, when there is one."""
    if not has_request_context():
        return set()
    user = g.get("_login_user")
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    return {person_stamp(user.id)}


def stamps_of_written_row(instance: Any, whole_row: bool) -> set[str]:
    """The stamps a flush writing ``instance`` raises (``whole_row``: added or deleted), with
    the writer's own."""
    table = type(instance).__table__.name
    columns = ALSO_SHARED.get(table, frozenset())
    shown_to_others = table in ALSO_SHARED and (
        whole_row or columns is None or columns_changed(instance, columns)
    )
    names = stamps_for_row(table, _owners(instance, PERSON_COLUMNS.get(table)), shown_to_others)
    return names | _writer() if names else names


def stamps_of_written_table(table: str) -> set[str]:
    """The stamps an INSERT, UPDATE or DELETE statement on ``table`` raises, with the writer's."""
    names = stamps_for_statement(table)
    return names | _writer() if names else names


watch_by_rules(stamps_of_written_row, stamps_of_written_table)
