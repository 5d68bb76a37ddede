"""Expected state grants to a municipality, by year, at each year's registered rate.

Per entitled learner, the per-person grant at the rate of the start's year; per extension
decision, the extension grant at the rate of the decision's year (``rules.grant_lines``). A year
without a registered rate is reported as such: its amount is None, never another year's rate.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import extract, func, select

from webapp.entitlement import rules
from webapp.entitlement.models import Entitlement, ExtensionDecision
from webapp.entitlement.services import effective_rule_set
from webapp.extensions import db
from webapp.learners.models import LearnerProfile


@dataclass(frozen=True)
class GrantYear:
    """One year's expected grants: learners who started and decisions made that year."""

    year: int
    persons: int
    person_nok: int | None
    decisions: int
    months: int
    extension_nok: int | None

    @property
    def total_nok(self) -> int | None:
        """Both grants, or None when either needs a rate that is not registered."""
        if (self.persons and self.person_nok is None) or (
            self.decisions and self.extension_nok is None
        ):
            return None
        return (self.person_nok or 0) + (self.extension_nok or 0)


def _amount(count: int, rate: int | None) -> int | None:
    return None if rate is None and count else count * (rate or 0)


def grant_income(municipality_id: int | None) -> list[GrantYear]:
    """Expected grants per year for a municipality (None: all), newest first, in two queries.

    Learners count for their home municipality when entitled by age and started; decisions
    count for the municipality that made them. Decisions dated outside the period are refused
    by rule version 2; ones stored before it count here until corrected (see the audit).
    """
    start_year = extract("year", Entitlement.start_date)
    people = (
        select(Entitlement.rule_set, start_year, func.count())
        .join(LearnerProfile, LearnerProfile.user_id == Entitlement.learner_id)
        .where(Entitlement.start_date.is_not(None), Entitlement.entitled.is_(True))
        .group_by(Entitlement.rule_set, start_year)
    )
    decided_year = extract("year", ExtensionDecision.decided_on)
    decisions = (
        select(
            Entitlement.rule_set,
            decided_year,
            func.count(),
            func.sum(ExtensionDecision.months),
        )
        .join(Entitlement, Entitlement.learner_id == ExtensionDecision.learner_id)
        .group_by(Entitlement.rule_set, decided_year)
    )
    if municipality_id is not None:
        people = people.where(LearnerProfile.home_municipality_id == municipality_id)
        decisions = decisions.where(ExtensionDecision.municipality_id == municipality_id)
    years: dict[int, dict[str, object]] = {}
    known: dict[str, rules.RuleSet] = {}

    def rule_set(rule_set_id: str) -> rules.RuleSet:
        if rule_set_id not in known:
            known[rule_set_id] = effective_rule_set(rule_set_id)
        return known[rule_set_id]

    def entry(year: int) -> dict[str, object]:
        return years.setdefault(
            year,
            {"persons": 0, "person_nok": 0, "decisions": 0, "months": 0, "extension_nok": 0},
        )

    def add(row: dict[str, object], key: str, amount: int | None) -> None:
        current = row[key]
        row[key] = None if current is None or amount is None else int(current) + amount

    for rule_set_id, year, count in db.session.execute(people):
        rate = rules.grant_rate(rule_set(rule_set_id), int(year))
        row = entry(int(year))
        row["persons"] = int(row["persons"]) + count
        add(row, "person_nok", _amount(count, rate.per_person_nok if rate else None))
    for rule_set_id, year, count, months in db.session.execute(decisions):
        rate = rules.grant_rate(rule_set(rule_set_id), int(year))
        row = entry(int(year))
        row["decisions"] = int(row["decisions"]) + count
        row["months"] = int(row["months"]) + int(months or 0)
        add(row, "extension_nok", _amount(count, rate.per_extension_nok if rate else None))
    return [
        GrantYear(
            year=year,
            persons=int(values["persons"]),
            person_nok=values["person_nok"],  # type: ignore[arg-type]
            decisions=int(values["decisions"]),
            months=int(values["months"]),
            extension_nok=values["extension_nok"],  # type: ignore[arg-type]
        )
        for year, values in sorted(years.items(), reverse=True)
    ]
