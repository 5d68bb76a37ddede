"""Listing learners for staff, and importing them from a CSV file."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, func, insert, or_, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import contains_eager

from webapp.access import policy
from webapp.accounts.models import Role, User
from webapp.accounts.services import issue_reset_tokens, reset_link
from webapp.entitlement.models import Entitlement, EntitlementAudit
from webapp.entitlement.services import DEFAULT_RULE_SET, refresh_derived, snapshot
from webapp.extensions import db
from webapp.learners.importing import (
    ImportReport,
    LearnerRow,
    ParsedFile,
    Problem,
    parse,
    refused,
    report_of,
)
from webapp.learners.levels import Education, Level, default_targets
from webapp.learners.models import Employment, FirstLanguage, LearnerProfile
from webapp.mail.services import queue_mails, render_templated_mail
from webapp.organisations.models import Organisation


def learner_list_query(actor: User, search: str = "") -> Select[tuple[User]]:
    """The learners ``actor`` may see, optionally filtered by name or e-mail, ordered by name."""
    stmt = policy.learners_visible_to(actor).options(
        contains_eager(User.learner_profile).joinedload(LearnerProfile.home_municipality)
    )
    term = search.strip().lower()[:100]
    if term:
        escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        stmt = stmt.where(
            or_(
                func.lower(User.name).like(pattern, escape="\\"),
                User.email.like(pattern, escape="\\"),
            )
        )
    return stmt.order_by(User.name, User.id)


def learner_list_page(actor: User, search: str, page: int, per_page: int) -> Any:
    """One page of ``learner_list_query``; a page past the end shows the last one."""
    return db.paginate(
        learner_list_query(actor, search), page=page, per_page=per_page, error_out=False
    )


def set_current_level(learner: User, level: Level) -> None:
    """Set the learner's current level (the placement test's result, or a teacher's override);
    the overview row follows (below the target is part of ``at_risk``)."""
    from webapp.entitlement.overview_rows import refresh_learner

    profile = learner.learner_profile
    assert profile is not None
    profile.current_level = level
    db.session.flush()
    refresh_learner(learner)


# Importing learners from a CSV file -----------------------------------------------------------
#
# One code path for both sizes: a small file is imported inside the request, a large one by the
# scheduler (import_jobs.py); both call run_import and commit once afterwards.

IMPORT_CHUNK = 500
IMPORT_TOKEN_HOURS = 14 * 24
MAX_REPORTED = 300  # problems kept for the page; the rest are counted
UNUSABLE_PASSWORD = "!"  # matches no password; the learner sets one from the e-mailed link
LOCALE_FOR_LANGUAGE = {"uk": "uk", "ru": "ru", "other": "nb"}

# Told ("checking" or "importing", rows done, rows in all) as an import goes on.
Progress = Callable[[str, int, int], None]


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


@dataclass(frozen=True)
class ImportOutcome:
    """What an import did: the check's report, and how many learners it wrote (0 if refused)."""

    report: ImportReport
    imported: int
    refused: bool


def run_import(
    actor: User, data: bytes, only_valid: bool, today: date, progress: Progress = _no_progress
) -> ImportOutcome:
    """Check every row of a CSV file, against the file and the database, before writing any;
    then write the rows (all of them, or only the valid ones when the coordinator chose so)."""
    parsed = parse(data, today, progress=lambda done: progress("checking", done, 0))
    check_against_database(actor, parsed)
    progress("checking", parsed.total_rows, parsed.total_rows)
    report = report_of(parsed, MAX_REPORTED)
    if refused(parsed, only_valid):
        return ImportOutcome(report, 0, refused=True)
    return ImportOutcome(report, import_learners(actor, parsed.rows, progress), refused=False)


def check_against_database(actor: User, parsed: ParsedFile) -> None:
    """Add a problem for rows whose e-mail is taken, or whose name and birth date match a
    learner ``actor`` may see. Set-based, a chunk of rows per statement. Someone ``actor`` may
    not see is never named: their e-mail address is only said to be unusable, and a namesake
    born the same day elsewhere is no reason to refuse a row."""
    emails = [row.email for row in parsed.rows]  # lower case, as the column's CHECK requires
    taken: set[str] = set()
    own: set[str] = set()
    visible = policy.learners_visible_to(actor)
    for start in range(0, len(emails), IMPORT_CHUNK):
        chunk = emails[start : start + IMPORT_CHUNK]
        found = set(db.session.scalars(select(User.email).where(User.email.in_(chunk))))
        taken |= found
        if found:
            own |= set(
                db.session.scalars(
                    visible.with_only_columns(User.email).where(User.email.in_(found))
                )
            )
    births = sorted({row.birth_date for row in parsed.rows})
    people: set[tuple[str, date]] = set()
    for start in range(0, len(births), IMPORT_CHUNK):
        people |= {
            (name.casefold(), birth)
            for name, birth in db.session.execute(
                visible.with_only_columns(User.name, LearnerProfile.birth_date).where(
                    LearnerProfile.birth_date.in_(births[start : start + IMPORT_CHUNK])
                )
            )
        }
    kept = []
    for row in parsed.rows:
        if row.email in own:
            parsed.problems.append(Problem(row.line, "email_registered", "email"))
        elif row.email in taken:
            parsed.problems.append(Problem(row.line, "email_unusable", "email"))
        elif (row.name.casefold(), row.birth_date) in people:
            parsed.problems.append(Problem(row.line, "person_exists", "name"))
        else:
            kept.append(row)
    parsed.rows = kept
    parsed.problems.sort(key=lambda problem: problem.line)


def import_learners(actor: User, rows: list[LearnerRow], progress: Progress = _no_progress) -> int:
    """Create the learners of a checked file in the coordinator's municipality, each with a
    profile, an entitlement record and an e-mail inviting them to choose a password.

    Rows go in by chunks, one INSERT per table and chunk; nobody gets a password hash (the
    invitation's link lets them choose one), so hashing costs nothing here.
    """
    municipality = actor.organisation
    assert municipality is not None
    progress("importing", 0, len(rows))
    for start in range(0, len(rows), IMPORT_CHUNK):
        _write_chunk(actor, municipality, rows[start : start + IMPORT_CHUNK])
        progress("importing", min(start + IMPORT_CHUNK, len(rows)), len(rows))
    return len(rows)


def _write_chunk(actor: User, municipality: Organisation, rows: list[LearnerRow]) -> None:
    """Insert one chunk of learners with everything that comes with them."""
    # Matched by e-mail (unique) rather than by position: keeping RETURNING in parameter order
    # makes SQLite insert one row per statement.
    inserted = db.session.execute(
        insert(User).returning(User.email, User.id),
        [
            {
                "email": row.email,
                "name": row.name,
                "password_hash": UNUSABLE_PASSWORD,
                "locale": LOCALE_FOR_LANGUAGE[row.first_language],
                "role": Role.LEARNER,
                "organisation_id": municipality.id,
            }
            for row in rows
        ],
    )
    ids_by_email = {email: user_id for email, user_id in inserted}
    user_ids = [ids_by_email[row.email] for row in rows]
    profiles = [
        _profile(user_id, municipality, row) for user_id, row in zip(user_ids, rows, strict=True)
    ]
    # render_nulls: rows with and without a phone or level go in one batch, not one by one
    db.session.execute(insert(LearnerProfile).execution_options(render_nulls=True), profiles)
    entitlements, audits = _opened_entitlements(actor, user_ids, rows)
    db.session.execute(insert(Entitlement), entitlements)
    db.session.execute(insert(EntitlementAudit), audits)
    tokens = issue_reset_tokens(user_ids, hours=IMPORT_TOKEN_HOURS)
    queue_mails(_welcome_mails(actor, municipality, rows, tokens))


# Stand-ins for each learner's name and link: the welcome text is rendered once per language
# and chunk, then filled in (rendering and translating it per learner took most of the time).
_NAME = "\x00name\x00"
_LINK = "\x00link\x00"


@dataclass(frozen=True)
class _Named:
    name: str


def _welcome_mails(
    actor: User, municipality: Organisation, rows: list[LearnerRow], tokens: list[str]
) -> Iterator[tuple[str, str, str]]:
    """The e-mail inviting each learner of a chunk to choose a password, in their language."""
    texts = {
        locale: render_templated_mail(
            locale,
            "learner_welcome",
            user=_Named(_NAME),
            organisation=municipality,
            invited_by=actor,
            link=_LINK,
            days=IMPORT_TOKEN_HOURS // 24,
        )
        for locale in {LOCALE_FOR_LANGUAGE[row.first_language] for row in rows}
    }
    for row, token in zip(rows, tokens, strict=True):
        subject, body = texts[LOCALE_FOR_LANGUAGE[row.first_language]]
        # The link goes in first, so a name that holds the link's stand-in stays as written.
        body = body.replace(_LINK, reset_link(token)).replace(_NAME, row.name)
        yield row.email, subject.replace(_NAME, row.name), body


def _profile(user_id: int, municipality: Organisation, row: LearnerRow) -> dict[str, Any]:
    targets = default_targets(Education(row.education))
    return {
        "user_id": user_id,
        "birth_date": row.birth_date,
        "settlement_date": row.settlement_date,
        "home_municipality_id": municipality.id,
        "first_language": FirstLanguage(row.first_language),
        "education": Education(row.education),
        "current_level": Level(row.level) if row.level else None,
        "target_listening": targets.listening,
        "target_reading": targets.reading,
        "target_writing": targets.writing,
        "target_oral": targets.oral,
        "employment": Employment(row.employment),
        "phone": row.phone,
    }


def _opened_entitlements(
    actor: User, user_ids: list[int], rows: list[LearnerRow]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The entitlement records ``ensure_entitlement`` would open for new learners, and their
    "opened" audit entries, as rows to insert. The entitlement feature's own functions derive
    and picture each record, on one unsaved record and profile refilled per row."""
    columns = [attr.key for attr in sa_inspect(Entitlement).column_attrs]
    entitlement = Entitlement(rule_set=DEFAULT_RULE_SET, extensions=[], leaves=[])
    profile = LearnerProfile()
    entitlements, audits = [], []
    for user_id, row in zip(user_ids, rows, strict=True):
        entitlement.learner_id = user_id
        entitlement.settlement_date = row.settlement_date
        profile.birth_date = row.birth_date
        profile.education = Education(row.education)
        refresh_derived(entitlement, profile)
        entitlements.append(
            {key: value for key in columns if (value := getattr(entitlement, key)) is not None}
        )
        audits.append(
            {
                "learner_id": user_id,
                "actor_id": actor.id,
                "action": "opened",
                "before": "{}",
                "after": json.dumps(snapshot(entitlement), ensure_ascii=False, sort_keys=True),
                "reason": "",
            }
        )
    return entitlements, audits
