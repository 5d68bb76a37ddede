"""Each learner's overview row (``LearnerOverview``), kept current by the write that changes it
and by the daily sweep.

A service that changes a learner's entitlement (start, leave, extension, dropping out), level or
name calls ``refresh_learner`` in its own transaction: one pure function, ``standing.standing``
(``rules.compute`` plus the activity flags), gives the row. The daily sweep calls
``refresh_all``: the same in SQL for every learner in one statement, writing only the rows that
changed, so the days that pass move learners on (active to expired, into the last 90 days).

The activity flags (``at_risk`` for an idle learner, ``time_running_unused``) read the study
log, which lessons, reviews and classes write many times a day without refreshing the row: they
are as current as the learner's last write or the last sweep, so at most a day old, which is
fine for flags about weeks of study.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from webapp.accounts.models import Role, User
from webapp.clock import oslo_today
from webapp.entitlement import rules
from webapp.entitlement.flags import FlagExpressions, activity_subquery, flag_settings
from webapp.entitlement.models import Entitlement, LearnerOverview
from webapp.entitlement.standing import FlagSettings, Learner, Record, Standing, standing
from webapp.extensions import db
from webapp.learners.models import LearnerProfile
from webapp.studytime.models import StudyDay

# The stored columns besides the key, in the order the set-based statement writes them.
COLUMNS = (
    "municipality_id",
    "organisation_id",
    "name",
    "status",
    "sort_rank",
    "last_day",
    "flags",
)


def learner_standing(learner: User, today: date, settings: FlagSettings) -> Standing | None:
    """The pure standing of one learner on ``today`` from their stored records; None for an
    account without a learner profile."""
    profile = learner.learner_profile
    if profile is None:
        return None
    entitlement = db.session.get(Entitlement, learner.id)
    since, until = settings.activity_window(today)
    seconds, last_study_day = db.session.execute(
        select(func.coalesce(func.sum(StudyDay.seconds), 0), func.max(StudyDay.day)).where(
            StudyDay.learner_id == learner.id, StudyDay.day >= since, StudyDay.day <= until
        )
    ).one()
    record = None
    if entitlement is not None:
        record = Record(
            rule_set=entitlement.rule_set,
            education=profile.education.value,
            birth_date=profile.birth_date,
            settlement_date=entitlement.settlement_date,
            start=entitlement.start_date,
            leaves=tuple(rules.Leave(p.first_day, p.last_day) for p in entitlement.leaves),
            extension_months=tuple(d.months for d in entitlement.extensions),
            discontinued_on=entitlement.discontinued_on,
            extension_dates=tuple(d.decided_on for d in entitlement.extensions),
        )
    facts = Learner(
        current_level=profile.current_level.value if profile.current_level else None,
        targets=tuple(
            level.value
            for level in (
                profile.target_listening,
                profile.target_reading,
                profile.target_writing,
                profile.target_oral,
            )
        ),
        employed=profile.is_employed,
        study_seconds=int(seconds),
        last_study_day=last_study_day,
    )
    return standing(record, facts, today, settings)


def refresh_learner(learner: User, today: date | None = None) -> LearnerOverview | None:
    """Recompute and store one learner's overview row in the caller's transaction, so the
    overview shows the write at once; None for an account without a learner profile."""
    result = learner_standing(learner, today or oslo_today(), flag_settings())
    if result is None:
        return None
    profile = learner.learner_profile
    assert profile is not None
    row = db.session.get(LearnerOverview, learner.id)
    if row is None:
        row = LearnerOverview(learner_id=learner.id)
        db.session.add(row)
    row.municipality_id = profile.home_municipality_id
    row.organisation_id = learner.organisation_id
    row.name = learner.name
    row.status = result.status
    row.sort_rank = result.sort_rank
    row.last_day = result.last_day
    row.flags = result.flags
    db.session.flush()
    return row


def computed_rows(today: date, settings: FlagSettings) -> Select[Any]:
    """Every learner's overview row for ``today`` worked out in SQL (``FlagExpressions``): the
    learner id and ``COLUMNS``."""
    activity = activity_subquery(today, settings)
    exprs = FlagExpressions(today, settings, activity)
    return (
        select(
            User.id.label("learner_id"),
            LearnerProfile.home_municipality_id.label("municipality_id"),
            User.organisation_id.label("organisation_id"),
            User.name.label("name"),
            exprs.status.label("status"),
            exprs.sort_rank.label("sort_rank"),
            Entitlement.last_day.label("last_day"),
            exprs.mask().label("flags"),
        )
        .join(LearnerProfile, LearnerProfile.user_id == User.id)
        .outerjoin(Entitlement, Entitlement.learner_id == User.id)
        .outerjoin(activity, activity.c.learner_id == User.id)
        .where(User.role == Role.LEARNER)
    )


def refresh_statement(today: date, settings: FlagSettings, dialect: str) -> Any:
    """The one statement that recomputes every learner's overview row for ``today`` in SQL and
    writes the rows that differ from the stored ones (an upsert)."""
    computed = computed_rows(today, settings).subquery("computed")
    stored = LearnerOverview.__table__
    rows = (
        select(computed.c.learner_id, *(computed.c[name] for name in COLUMNS))
        .select_from(computed.outerjoin(stored, stored.c.learner_id == computed.c.learner_id))
        .where(
            or_(
                stored.c.learner_id.is_(None),
                *(stored.c[name].is_distinct_from(computed.c[name]) for name in COLUMNS),
            )
        )
    )
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(stored).from_select(["learner_id", *COLUMNS], rows)
    return statement.on_conflict_do_update(
        index_elements=[stored.c.learner_id],
        set_={name: statement.excluded[name] for name in COLUMNS},
    )


def refresh_all(today: date, settings: FlagSettings | None = None) -> int:
    """Recompute every learner's overview row for ``today`` in one set-based statement (the
    daily sweep; bulk loads); return how many rows changed."""
    statement = refresh_statement(
        today, settings or flag_settings(), db.session.get_bind().dialect.name
    )
    return len(db.session.execute(statement.returning(LearnerOverview.learner_id)).all())
