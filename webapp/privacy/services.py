"""The learner's data rights: everything stored about them, and erasure.

``learner_data`` gathers every row that belongs to the learner, table by table, found from the
schema itself (every column that references the user), so a table added later is included
without touching this module; secrets (password and token hashes) are left out.

``erase_learner`` removes or anonymises the learner's personal data and keeps what the
municipality's statistics and books need (study time, attendance, bookings, seats, the
entitlement record and its audit rows) under the same id, without identity: the name and
e-mail address are replaced, the birth date is cut to 1 January of its year, free text
(working hours, phone, reasons and notes) is emptied, submissions, answers, spoken answers (with
their audio files and the teachers' replies to them), cards, free time, sessions and messages to
them are deleted; the audio files go once the erasure is committed. The erasure itself is
logged without personal data.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, delete, func, or_, select, update

from webapp.accounts.models import Role, User
from webapp.clock import OSLO
from webapp.db_types import utcnow
from webapp.entitlement.models import (
    Entitlement,
    EntitlementAudit,
    ExtensionDecision,
    LearnerOverview,
    LeavePeriod,
)
from webapp.entitlement.rules import add_months
from webapp.extensions import db
from webapp.learners.models import ImportJob, LearnerProfile
from webapp.recordings.services import delete_learners_answers, remove_files_after_commit
from webapp.studytime.models import StudyDay

logger = logging.getLogger(__name__)

#: Columns never handed out, even to their owner.
SECRET_COLUMNS = frozenset({"password_hash", "token_hash", "token", "file_data"})
#: The audit action that records a learner's request, and the one that records an erasure.
REQUESTED = "erasure_requested"
ERASED = "erased"
ERASED_NAME = "Erased learner"
ERASED_DOMAIN = "erased.invalid"
REDACTED = "[erased]"


class PrivacyError(Exception):
    """A refused request; ``code`` names the reason for a translated message."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _owner_columns() -> list[tuple[Table, str]]:
    """Every (table, column) whose column is the owning user's id (learner_id or user_id)."""
    found = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if column.name not in ("learner_id", "user_id"):
                continue
            if any(fk.column.table.name in ("users", "entitlements") for fk in column.foreign_keys):
                found.append((table, column.name))
    return found


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return None
    if hasattr(value, "value"):  # enums
        return value.value
    return value


def learner_data(learner: User) -> dict[str, list[dict[str, Any]]]:
    """Everything stored about the learner, by table (one query per table that holds any)."""
    data: dict[str, list[dict[str, Any]]] = {}
    users = db.metadata.tables["users"]
    data["users"] = [
        {k: _plain(v) for k, v in row._mapping.items() if k not in SECRET_COLUMNS}
        for row in db.session.execute(select(users).where(users.c.id == learner.id))
    ]
    for table, column in _owner_columns():
        columns = [c for c in table.columns if c.name not in SECRET_COLUMNS]
        rows = db.session.execute(select(*columns).where(table.c[column] == learner.id)).all()
        if rows:
            data[table.name] = [{k: _plain(v) for k, v in row._mapping.items()} for row in rows]
    outbox = db.metadata.tables["outbox_messages"]
    messages = db.session.execute(
        select(outbox.c.subject, outbox.c.body_text, outbox.c.created_at, outbox.c.sent_at).where(
            outbox.c.to_address == learner.email
        )
    ).all()
    if messages:
        data["outbox_messages"] = [
            {k: _plain(v) for k, v in row._mapping.items()} for row in messages
        ]
    return data


def data_as_json(learner: User) -> str:
    """The learner's data as one JSON document."""
    return json.dumps(learner_data(learner), ensure_ascii=False, indent=1, sort_keys=True)


def data_as_csv(learner: User) -> str:
    """The learner's data as CSV: one line per value (table, row number, column, value)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(["table", "row", "column", "value"])
    for table, rows in learner_data(learner).items():
        for number, row in enumerate(rows, start=1):
            for column, value in row.items():
                text = "" if value is None else str(value)
                if text[:1] in ("=", "+", "-", "@"):
                    text = "'" + text
                writer.writerow([table, number, column, text])
    return buffer.getvalue()


def request_erasure(learner: User) -> bool:
    """Record the learner's request that their data be erased; False if already pending."""
    if erasure_requested(learner):
        return False
    db.session.add(EntitlementAudit(learner_id=learner.id, actor_id=learner.id, action=REQUESTED))
    db.session.flush()
    logger.info("learner %s asked for erasure", learner.id)
    return True


def erasure_requested(learner: User) -> bool:
    """Whether the learner asked for erasure and has not been erased since."""
    return db.session.scalar(
        select(func.count())
        .select_from(EntitlementAudit)
        .where(EntitlementAudit.learner_id == learner.id, EntitlementAudit.action == REQUESTED)
    ) > 0 and not is_erased(learner)


def pending_requests() -> list[User]:
    """Learners who asked for erasure and are not erased yet, oldest request first."""
    asked = (
        select(EntitlementAudit.learner_id, func.min(EntitlementAudit.changed_at).label("at"))
        .where(EntitlementAudit.action == REQUESTED)
        .group_by(EntitlementAudit.learner_id)
        .subquery()
    )
    return list(
        db.session.scalars(
            select(User)
            .join(asked, asked.c.learner_id == User.id)
            .where(~User.email.like(f"%@{ERASED_DOMAIN}"))
            .order_by(asked.c.at)
        )
    )


def is_erased(learner: User) -> bool:
    """Whether the learner's data has been erased."""
    return learner.email.endswith("@" + ERASED_DOMAIN)


def _scrub(value: Any) -> Any:
    """An audit snapshot with its free text (reasons and notes) emptied."""
    if isinstance(value, dict):
        return {
            key: ("" if key in ("reason", "discontinued_reason", "note") and item else _scrub(item))
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_scrub(item) for item in value]
    return value


def _redact(text: str | None, secrets: list[str]) -> str | None:
    if not text:
        return text
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    return text


def erase_learner(actor: User, learner: User) -> None:
    """Erase a learner's personal data (see the module docstring); administrators only."""
    if actor.role is not Role.ADMIN:
        raise PrivacyError("not_an_admin")
    _erase(learner, actor.id)


def retention_candidates(today: date, months: int) -> list[User]:
    """Learners whose right ended (last day passed or dropped out) more than ``months`` months
    ago and who have neither logged in nor studied since then, not yet erased."""
    cutoff = add_months(today, -months)
    ended = or_(Entitlement.last_day < cutoff, Entitlement.discontinued_on < cutoff)
    studied = (
        select(StudyDay.learner_id)
        .where(StudyDay.learner_id == User.id, StudyDay.day >= cutoff)
        .exists()
    )
    cutoff_instant = datetime.combine(cutoff, datetime.min.time(), OSLO)
    return list(
        db.session.scalars(
            select(User)
            .join(Entitlement, Entitlement.learner_id == User.id)
            .where(
                User.role == Role.LEARNER,
                ~User.email.like(f"%@{ERASED_DOMAIN}"),
                ended,
                ~studied,
                or_(User.last_login_at.is_(None), User.last_login_at < cutoff_instant),
            )
            .order_by(User.id)
        )
    )


def apply_retention(today: date, months: int) -> int:
    """Anonymise every learner inactive for ``months`` months after their right ended (the
    retention rule); return how many. ``months`` of 0 or less keeps everyone."""
    if months <= 0:
        return 0
    erased = 0
    for learner in retention_candidates(today, months):
        _erase(learner, None)
        erased += 1
    if erased:
        logger.info("retention: %s learner(s) anonymised", erased)
    return erased


def _erase(learner: User, actor_id: int | None) -> None:
    """The erasure itself; ``actor_id`` None is the retention rule."""
    profile = learner.learner_profile
    if learner.role is not Role.LEARNER or profile is None:
        raise PrivacyError("not_a_learner")
    if is_erased(learner):
        raise PrivacyError("already_erased")
    secrets = [s for s in (learner.name, learner.email, profile.phone) if s and len(s) >= 3]
    learner_id = learner.id
    tables = db.metadata.tables

    # Deleted: what they wrote, said and practised, their free time, sessions and tokens.
    remove_files_after_commit(delete_learners_answers(learner_id))
    cards = tables["vocab_cards"]
    reviews = tables["vocab_reviews"]
    db.session.execute(
        delete(reviews).where(
            reviews.c.card_id.in_(select(cards.c.id).where(cards.c.learner_id == learner_id))
        )
    )
    for name, column in (
        ("vocab_cards", "learner_id"),
        ("writing_submissions", "learner_id"),
        ("exercise_answers", "learner_id"),
        ("listening_answers", "learner_id"),
        ("learner_availability", "learner_id"),
        ("calendar_feeds", "user_id"),
        ("login_sessions", "user_id"),
        ("password_reset_tokens", "user_id"),
    ):
        table = tables[name]
        db.session.execute(delete(table).where(table.c[column] == learner_id))
    outbox = tables["outbox_messages"]
    db.session.execute(delete(outbox).where(outbox.c.to_address == learner.email))
    attempts = tables["login_attempts"]
    db.session.execute(delete(attempts).where(attempts.c.email == learner.email))

    # Anonymised: the account, the profile and the overview row keep their ids for statistics.
    learner.name = ERASED_NAME
    learner.email = f"erased-{learner_id}@{ERASED_DOMAIN}"
    learner.password_hash = "!"
    learner.active = False
    learner.session_version += 1
    learner.last_login_at = None
    profile.birth_date = date(profile.birth_date.year, 1, 1)
    profile.phone = None
    profile.working_hours = ""
    db.session.execute(
        update(LearnerOverview)
        .where(LearnerOverview.learner_id == learner_id)
        .values(name=ERASED_NAME)
    )
    db.session.execute(
        update(Entitlement)
        .where(Entitlement.learner_id == learner_id, Entitlement.discontinued_reason.is_not(None))
        .values(discontinued_reason="")
    )
    db.session.execute(
        update(LeavePeriod).where(LeavePeriod.learner_id == learner_id).values(reason="")
    )
    db.session.execute(
        update(ExtensionDecision).where(ExtensionDecision.learner_id == learner_id).values(note="")
    )
    for row in db.session.scalars(
        select(EntitlementAudit).where(EntitlementAudit.learner_id == learner_id)
    ):
        row.reason = ""
        row.before = json.dumps(_scrub(json.loads(row.before or "{}")), sort_keys=True)
        row.after = json.dumps(_scrub(json.loads(row.after or "{}")), sort_keys=True)

    # Redacted: their name or address in messages to others and in import reports.
    if secrets:
        mentions = or_(
            *(or_(outbox.c.subject.contains(s), outbox.c.body_text.contains(s)) for s in secrets)
        )
        for message_id, subject, body in db.session.execute(
            select(outbox.c.id, outbox.c.subject, outbox.c.body_text).where(mentions)
        ):
            db.session.execute(
                update(outbox)
                .where(outbox.c.id == message_id)
                .values(subject=_redact(subject, secrets), body_text=_redact(body, secrets))
            )
        for job in db.session.scalars(
            select(ImportJob).where(or_(*(ImportJob.report.contains(s) for s in secrets)))
        ):
            job.report = _redact(job.report, secrets)

    db.session.add(
        EntitlementAudit(
            learner_id=learner_id, actor_id=actor_id, action=ERASED, changed_at=utcnow()
        )
    )
    db.session.flush()
    logger.info("learner %s erased by %s", learner_id, actor_id or "the retention rule")


def profile_of(learner: User) -> LearnerProfile | None:
    """The learner's profile (for the summary page)."""
    return learner.learner_profile
