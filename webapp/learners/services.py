"""Listing learners for staff, and importing them from a CSV file."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import contains_eager

from webapp.access import policy
from webapp.accounts.models import Role, User
from webapp.extensions import db
from webapp.learners.importing import LearnerRow, ParsedFile, Problem
from webapp.learners.levels import Level
from webapp.learners.models import LearnerProfile


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
    """A teacher overrides the learner's current level (after placement or in class); the
    overview row follows (below the target is part of ``at_risk``)."""
    from webapp.entitlement.overview_rows import refresh_learner

    profile = learner.learner_profile
    assert profile is not None
    profile.current_level = level
    db.session.flush()
    refresh_learner(learner)


# Importing learners from a CSV file -----------------------------------------------------------

IMPORT_CHUNK = 500
IMPORT_TOKEN_HOURS = 14 * 24
UNUSABLE_PASSWORD = "!"  # matches no password; the learner sets one from the e-mailed link
LOCALE_FOR_LANGUAGE = {"uk": "uk", "ru": "ru", "other": "nb"}


def check_against_database(parsed: ParsedFile) -> None:
    """Add a problem for rows whose e-mail, or name with birth date, is already registered."""
    emails = [row.email for row in parsed.rows]
    taken: set[str] = set()
    for start in range(0, len(emails), IMPORT_CHUNK):
        taken |= set(
            db.session.scalars(
                select(func.lower(User.email)).where(
                    func.lower(User.email).in_(emails[start : start + IMPORT_CHUNK])
                )
            )
        )
    births = sorted({row.birth_date for row in parsed.rows})
    people: set[tuple[str, date]] = set()
    for start in range(0, len(births), IMPORT_CHUNK):
        people |= {
            (name.casefold(), birth)
            for name, birth in db.session.execute(
                select(User.name, LearnerProfile.birth_date)
                .join(LearnerProfile, LearnerProfile.user_id == User.id)
                .where(LearnerProfile.birth_date.in_(births[start : start + IMPORT_CHUNK]))
            )
        }
    kept = []
    for row in parsed.rows:
        if row.email in taken:
            parsed.problems.append(Problem(row.line, "email_taken", "email"))
        elif (row.name.casefold(), row.birth_date) in people:
            parsed.problems.append(Problem(row.line, "person_exists", "name"))
        else:
            kept.append(row)
    parsed.rows = kept
    parsed.problems.sort(key=lambda problem: problem.line)


def import_learners(
    actor: User, rows: list[LearnerRow], progress: Callable[[int, int], None] | None = None
) -> int:
    """Create the learners of a checked file in the coordinator's municipality, each with a
    profile, an entitlement record and an e-mail inviting them to choose a password."""
    from webapp.accounts.services import issue_reset_token, reset_link
    from webapp.entitlement.services import ensure_entitlement
    from webapp.learners.levels import Education, default_targets
    from webapp.learners.models import Employment, FirstLanguage
    from webapp.mail.services import queue_templated_mail

    municipality = actor.organisation
    assert municipality is not None
    for done, row in enumerate(rows, start=1):
        targets = default_targets(Education(row.education))
        locale = LOCALE_FOR_LANGUAGE[row.first_language]
        user = User(
            email=row.email,
            name=row.name,
            password_hash=UNUSABLE_PASSWORD,
            locale=locale,
            role=Role.LEARNER,
            organisation_id=municipality.id,
        )
        user.learner_profile = LearnerProfile(
            birth_date=row.birth_date,
            settlement_date=row.settlement_date,
            home_municipality_id=municipality.id,
            first_language=FirstLanguage(row.first_language),
            education=Education(row.education),
            current_level=Level(row.level) if row.level else None,
            target_listening=targets.listening,
            target_reading=targets.reading,
            target_writing=targets.writing,
            target_oral=targets.oral,
            employment=Employment(row.employment),
            phone=row.phone,
        )
        db.session.add(user)
        db.session.flush()
        ensure_entitlement(user, actor)
        token = issue_reset_token(user, hours=IMPORT_TOKEN_HOURS)
        queue_templated_mail(
            user.email,
            locale,
            "learner_welcome",
            user=user,
            organisation=municipality,
            invited_by=actor,
            link=reset_link(token),
            days=IMPORT_TOKEN_HOURS // 24,
        )
        if done % IMPORT_CHUNK == 0:
            db.session.flush()
            if progress:
                progress(done, len(rows))
    db.session.flush()
    if progress:
        progress(len(rows), len(rows))
    return len(rows)
