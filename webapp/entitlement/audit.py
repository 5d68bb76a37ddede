"""Which stored records break rule version 2, and what correcting them would change.

Records registered under version 1 may hold leave beginning outside the period, extension
decisions dated outside it, or a last day that version 1 derived. Nothing here writes: the
rule 2 migration changes no stored record, and ``flask entitlement audit`` lists these so a
coordinator can correct them (removing a registration, which re-derives the deadline).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from webapp.accounts.models import User
from webapp.entitlement import rules
from webapp.entitlement.models import Entitlement, LearnerOverview
from webapp.entitlement.services import inputs_for, rule_set_for
from webapp.extensions import db
from webapp.learners.models import LearnerProfile


def audit_findings(today: date, batch: int = 500) -> Iterator[dict[str, Any] | None]:
    """For each stored learner with a start, None when the record keeps rule 2, else what
    breaks it and what would change (last day, status on ``today``, extensions counted)."""
    query = (
        select(Entitlement, LearnerProfile, User.name, LearnerOverview.status)
        .join(LearnerProfile, LearnerProfile.user_id == Entitlement.learner_id)
        .join(User, User.id == Entitlement.learner_id)
        .outerjoin(LearnerOverview, LearnerOverview.learner_id == Entitlement.learner_id)
        .where(Entitlement.start_date.is_not(None))
        .options(selectinload(Entitlement.leaves), selectinload(Entitlement.extensions))
        .order_by(Entitlement.learner_id)
        .execution_options(yield_per=batch)
    )
    for entitlement, profile, name, stored_status in db.session.execute(query):
        yield finding_for(entitlement, profile, name, stored_status, today)


def finding_for(
    entitlement: Entitlement,
    profile: LearnerProfile,
    name: str,
    stored_status: str | None,
    today: date,
) -> dict[str, Any] | None:
    """One record's finding (see :func:`audit_findings`)."""
    rule_set = rule_set_for(entitlement)
    inputs = inputs_for(entitlement, profile)
    problems = [
        {"code": refusal.code, "message": refusal.message}
        for refusal in rules.period_refusals(rule_set, inputs)
    ]
    if not rules.applies_to(rule_set, inputs.start):
        problems.append(
            {
                "code": "no_rule_set",
                "message": f"No registered rule set applies to a start on "
                f"{inputs.start.isoformat()}.",
            }
        )
    result = rules.compute(rule_set, inputs, today, strict=False)
    changes: dict[str, list[Any]] = {}
    stored_last = entitlement.last_day.isoformat() if entitlement.last_day else None
    if stored_last != result.last_day.isoformat():
        changes["last_day"] = [stored_last, result.last_day.isoformat()]
    if entitlement.extensions_used != result.extensions_used:
        changes["extensions_used"] = [entitlement.extensions_used, result.extensions_used]
    if not problems and not changes:
        return None
    # The stored status may only be a day behind the sweep; it is told beside a real finding.
    if stored_status is not None and stored_status != result.status:
        changes["status"] = [stored_status, result.status]
    return {
        "learner_id": entitlement.learner_id,
        "name": name,
        "municipality_id": profile.home_municipality_id,
        "problems": problems,
        "changes": changes,
    }
