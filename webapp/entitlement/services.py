"""Register and correct a learner's entitlement; each change is audited and re-derives the deadline
and the learner's overview row.

Services flush; the view commits once.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from types import MappingProxyType
from typing import Any

from flask import current_app
from sqlalchemy import select, update

from webapp.accounts.models import User
from webapp.db_types import utcnow
from webapp.entitlement import rules
from webapp.entitlement.flags import flag_settings
from webapp.entitlement.models import (
    Entitlement,
    EntitlementAudit,
    ExtensionDecision,
    GrantRateEntry,
    LeavePeriod,
)
from webapp.entitlement.overview_rows import refresh_learner
from webapp.extensions import db
from webapp.learners.models import LearnerProfile

DEFAULT_RULE_SET = rules.TCP_37D_2023.id


class EntitlementError(Exception):
    """A change the rules or the record's state refuse; ``code`` selects the translated text."""

    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(message or code)
        self.code = code


def with_assumed_validity(rule_set: rules.RuleSet) -> rules.RuleSet:
    """The rule set with the prolongation a demo may assume (``NORSKVEI_ASSUMED_RULES_UNTIL``)
    added to its validity, marked as an assumption."""
    assumed = current_app.config.get("NORSKVEI_ASSUMED_RULES_UNTIL") or ""
    end = rules.valid_until(rule_set)
    if not assumed or end is None or date.fromisoformat(assumed) <= end:
        return rule_set
    period = rules.Validity(end, date.fromisoformat(assumed), "Assumed prolongation", True)
    return dataclasses.replace(rule_set, validity=(*rule_set.validity, period))


def with_registered_rates(rule_set: rules.RuleSet) -> rules.RuleSet:
    """The rule set with the grant rates administrators registered (a year they registered
    overrides the code's; a year nobody registered stays without a rate)."""
    rows = db.session.scalars(
        select(GrantRateEntry).where(GrantRateEntry.rule_set == rule_set.id)
    ).all()
    if not rows:
        return rule_set
    rates = dict(rule_set.grant_rates)
    for row in rows:
        rates[row.year] = rules.GrantRate(row.per_person_nok, row.per_extension_nok)
    return dataclasses.replace(rule_set, grant_rates=MappingProxyType(rates))


def effective_rule_set(rule_set_id: str) -> rules.RuleSet:
    """A rule set as the platform applies it: registered rates and any assumed prolongation."""
    return with_registered_rates(with_assumed_validity(rules.get_rule_set(rule_set_id)))


def registered_rule_sets() -> list[rules.RuleSet]:
    """Every rule set, with any assumed prolongation."""
    return [with_assumed_validity(rule_set) for rule_set in rules.RULE_SETS.values()]


def rule_set_for(entitlement: Entitlement) -> rules.RuleSet:
    """The learner's rule set with the configured flag thresholds."""
    settings = flag_settings()
    return dataclasses.replace(
        effective_rule_set(entitlement.rule_set),
        deadline_90_days=settings.deadline_far_days,
        deadline_30_days=settings.deadline_near_days,
    )


def no_rule_set_applies(entitlement: Entitlement | None) -> bool:
    """True when the record's start lies outside every period its rule set applies to."""
    if entitlement is None or entitlement.start_date is None:
        return False
    return not rules.applies_to(rule_set_for(entitlement), entitlement.start_date)


@dataclass(frozen=True)
class RulesNotice:
    """What staff are told about the rule sets' validity today."""

    all_ended: bool
    ended_on: date | None  # the last day any registered rule set applied to a start
    assumed_until: date | None  # the end of an assumed prolongation, if one is in force


def rules_notice(today: date) -> RulesNotice | None:
    """A notice for staff when every rule set has ended, or an assumed prolongation is in use."""
    rule_sets = registered_rule_sets()
    assumed = [
        period.until
        for rule_set in rule_sets
        for period in rule_set.validity
        if period.assumed and period.until is not None and period.covers(today)
    ]
    if rules.all_ended(rule_sets, today):
        ends = [rules.valid_until(rule_set) for rule_set in rule_sets]
        last = max(end for end in ends if end is not None)
        return RulesNotice(True, last - timedelta(days=1), None)
    if assumed:
        return RulesNotice(False, None, max(assumed))
    return None


def inputs_for(entitlement: Entitlement, profile: LearnerProfile) -> rules.EntitlementInputs:
    """The pure rules' inputs from the stored records."""
    assert entitlement.start_date is not None
    return rules.EntitlementInputs(
        start=entitlement.start_date,
        education=profile.education.value,
        leaves=tuple(rules.Leave(p.first_day, p.last_day) for p in entitlement.leaves),
        extension_months=tuple(d.months for d in entitlement.extensions),
        discontinued_on=entitlement.discontinued_on,
        birth_date=profile.birth_date,
        settlement_date=entitlement.settlement_date,
        extension_dates=tuple(d.decided_on for d in entitlement.extensions),
    )


def evaluate(
    entitlement: Entitlement, profile: LearnerProfile, today: date
) -> rules.EntitlementResult | None:
    """The rules' answer on ``today``; None before a start date is registered."""
    if entitlement.start_date is None:
        return None
    return rules.compute(
        rule_set_for(entitlement), inputs_for(entitlement, profile), today, strict=False
    )


def refresh_derived(entitlement: Entitlement, profile: LearnerProfile) -> None:
    """Recompute the stored last day, entitlement by age and extension counts from the rules."""
    rule_set = rules.get_rule_set(entitlement.rule_set)
    entitlement.entitled = rules.is_entitled_by_age(
        rule_set, profile.birth_date, entitlement.settlement_date
    )
    entitlement.extensions_used = len(entitlement.extensions)
    entitlement.extension_months = sum(d.months for d in entitlement.extensions)
    if entitlement.start_date is None:
        entitlement.last_day = None
    else:
        inputs = inputs_for(entitlement, profile)
        # Only decisions dated inside the period count (a record from rule version 1 may hold
        # others until a coordinator corrects it; ``flask entitlement audit`` lists them).
        counted, _ = rules.sort_decisions(rule_set, inputs)
        entitlement.extensions_used = len(counted)
        entitlement.extension_months = sum(d.months for d in counted)
        entitlement.last_day = rules.last_day(rule_set, inputs)


def snapshot(entitlement: Entitlement | None) -> dict[str, Any]:
    """A plain, JSON-ready picture of the record for the audit trail."""
    if entitlement is None:
        return {}
    return {
        "rule_set": entitlement.rule_set,
        "settlement_date": _iso(entitlement.settlement_date),
        "decision_date": _iso(entitlement.decision_date),
        "start_date": _iso(entitlement.start_date),
        "last_day": _iso(entitlement.last_day),
        "leave": [
            {"from": _iso(p.first_day), "to": _iso(p.last_day), "reason": p.reason}
            for p in entitlement.leaves
        ],
        "extensions": [
            {"decided_on": _iso(d.decided_on), "months": d.months} for d in entitlement.extensions
        ],
        "discontinued_on": _iso(entitlement.discontinued_on),
        "discontinued_reason": entitlement.discontinued_reason,
    }


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _record(actor: User | None, learner: User, action: str, before: dict, reason: str) -> None:
    entitlement = db.session.get(Entitlement, learner.id)
    db.session.add(
        EntitlementAudit(
            learner_id=learner.id,
            actor_id=actor.id if actor else None,
            action=action,
            before=json.dumps(before, ensure_ascii=False, sort_keys=True),
            after=json.dumps(snapshot(entitlement), ensure_ascii=False, sort_keys=True),
            reason=reason.strip()[:500],
        )
    )
    db.session.flush()


def _profile(learner: User) -> LearnerProfile:
    if learner.learner_profile is None:
        raise EntitlementError("not_a_learner")
    return learner.learner_profile


def get_entitlement(learner: User) -> Entitlement | None:
    """The learner's entitlement record, if one is registered."""
    return db.session.get(Entitlement, learner.id)


def ensure_entitlement(learner: User, actor: User | None = None) -> Entitlement:
    """Open an entitlement record from the learner's settlement date if none exists."""
    entitlement = get_entitlement(learner)
    if entitlement is not None:
        return entitlement
    profile = _profile(learner)
    entitlement = Entitlement(
        learner_id=learner.id,
        rule_set=DEFAULT_RULE_SET,
        settlement_date=profile.settlement_date,
        extensions=[],
        leaves=[],
    )
    db.session.add(entitlement)
    refresh_derived(entitlement, profile)
    db.session.flush()
    refresh_learner(learner)
    _record(actor, learner, "opened", {}, "")
    return entitlement


def claim(learner: User, seen_version: datetime | None = None) -> None:
    """Lock the learner's record for the rest of the transaction (moving its ``updated_at`` on),
    and with the ``updated_at`` the editor saw, refuse the change when someone changed the
    record meanwhile.

    One conditional UPDATE does both: on PostgreSQL a second transaction waits for the first's
    row lock, then finds the stamp moved on (code ``changed_meanwhile``); without a seen stamp
    it waits and then builds on the first's result, so no update is lost.
    """
    transaction = db.session().get_transaction()
    claimed = db.session.info.setdefault("entitlement_claims", {})
    key = (id(transaction), learner.id)
    if key in claimed:
        return
    stmt = update(Entitlement).where(Entitlement.learner_id == learner.id)
    if seen_version is not None:
        stmt = stmt.where(Entitlement.updated_at == seen_version)
    result = db.session.execute(
        stmt.values(updated_at=utcnow()).execution_options(synchronize_session=False)
    )
    if result.rowcount == 0 and seen_version is not None:
        raise EntitlementError("changed_meanwhile")
    claimed.clear()  # claims of earlier transactions no longer hold
    claimed[key] = True
    entitlement = db.session.get(Entitlement, learner.id)
    if entitlement is not None:
        db.session.refresh(entitlement)
        db.session.expire(entitlement, ["leaves", "extensions"])


def _change(learner: User, actor: User, action: str, reason: str, apply: Any) -> Entitlement:
    """Apply a change, re-derive the deadline and the overview row, write the audit entry."""
    entitlement = ensure_entitlement(learner, actor)
    claim(learner)
    profile = _profile(learner)
    before = snapshot(entitlement)
    apply(entitlement, profile)
    refresh_derived(entitlement, profile)
    db.session.flush()
    refresh_learner(learner)
    db.session.expire(entitlement, ["leaves", "extensions"])
    _record(actor, learner, action, before, reason)
    return entitlement


def set_start(
    actor: User, learner: User, decision_date: date | None, start_date: date, reason: str
) -> Entitlement:
    """Register or correct the decision and start dates (the period runs from the start)."""

    def apply(entitlement: Entitlement, profile: LearnerProfile) -> None:
        if start_date < entitlement.settlement_date:
            raise EntitlementError("start_before_settlement")
        entitlement.decision_date = decision_date
        entitlement.start_date = start_date

    return _change(learner, actor, "start", reason, apply)


def add_leave(
    actor: User, learner: User, first_day: date, last_day: date, reason: str
) -> Entitlement:
    """Register approved leave beginning inside the period; it moves the last day on by its days
    (overlaps count once). Leave beginning before the start or after the last day is refused."""

    def apply(entitlement: Entitlement, profile: LearnerProfile) -> None:
        try:
            rules.validate_leave(first_day, last_day)
        except rules.EntitlementRefusal as refusal:
            raise EntitlementError(refusal.code, refusal.message) from None
        if entitlement.start_date is None:
            raise EntitlementError("not_started")
        try:
            rules.check_new_leave(
                rules.get_rule_set(entitlement.rule_set),
                inputs_for(entitlement, profile),
                rules.Leave(first_day, last_day),
            )
        except rules.EntitlementRefusal as refusal:
            raise EntitlementError(refusal.code, refusal.message) from None
        entitlement.leaves.append(
            LeavePeriod(
                first_day=first_day,
                last_day=last_day,
                reason=reason.strip()[:500],
                created_by_id=actor.id,
            )
        )

    return _change(learner, actor, "leave_added", reason, apply)


def remove_leave(actor: User, learner: User, leave_id: int, reason: str) -> Entitlement:
    """Correct a mistake: remove a registered leave period."""

    def apply(entitlement: Entitlement, profile: LearnerProfile) -> None:
        leave = next((p for p in entitlement.leaves if p.id == leave_id), None)
        if leave is None:
            raise EntitlementError("no_such_record")
        entitlement.leaves.remove(leave)

    return _change(learner, actor, "leave_removed", reason, apply)


def add_extension(
    actor: User, learner: User, decided_on: date, months: int, note: str
) -> Entitlement:
    """Register an extension decision, refused beyond the caps of the learner's education or when
    dated outside the period."""

    def apply(entitlement: Entitlement, profile: LearnerProfile) -> None:
        if entitlement.start_date is None:
            raise EntitlementError("not_started")
        if actor.organisation_id is None and profile.home_municipality_id is None:
            raise EntitlementError("no_municipality")
        try:
            rules.check_new_decision(
                rules.get_rule_set(entitlement.rule_set),
                inputs_for(entitlement, profile),
                decided_on,
                months,
            )
        except rules.EntitlementRefusal as refusal:
            raise EntitlementError(refusal.code, refusal.message) from None
        entitlement.extensions.append(
            ExtensionDecision(
                decided_on=decided_on,
                months=months,
                municipality_id=profile.home_municipality_id,
                decided_by_id=actor.id,
                note=note.strip()[:500],
            )
        )

    return _change(learner, actor, "extension_added", note, apply)


def remove_extension(actor: User, learner: User, decision_id: int, reason: str) -> Entitlement:
    """Correct a mistake: remove a registered extension decision."""

    def apply(entitlement: Entitlement, profile: LearnerProfile) -> None:
        decision = next((d for d in entitlement.extensions if d.id == decision_id), None)
        if decision is None:
            raise EntitlementError("no_such_record")
        entitlement.extensions.remove(decision)

    return _change(learner, actor, "extension_removed", reason, apply)


def register_dropout(actor: User, learner: User, on: date, reason: str) -> Entitlement:
    """Register that the learner dropped out: the municipality's duty ends from that day."""

    def apply(entitlement: Entitlement, profile: LearnerProfile) -> None:
        if entitlement.start_date is None:
            raise EntitlementError("not_started")
        if on < entitlement.start_date:
            raise EntitlementError("dropout_before_start")
        entitlement.discontinued_on = on
        entitlement.discontinued_reason = reason.strip()[:500]

    return _change(learner, actor, "discontinued", reason, apply)


def withdraw_dropout(actor: User, learner: User, reason: str) -> Entitlement:
    """Correct a mistake: the learner did not drop out after all."""

    def apply(entitlement: Entitlement, profile: LearnerProfile) -> None:
        entitlement.discontinued_on = None
        entitlement.discontinued_reason = None

    return _change(learner, actor, "discontinuation_withdrawn", reason, apply)


@dataclass(frozen=True)
class AuditEntry:
    """One audit row, decoded for display."""

    changed_at: Any
    actor_name: str
    action: str
    before: dict[str, Any]
    after: dict[str, Any]
    reason: str


def audit_trail(learner: User, limit: int = 200) -> list[AuditEntry]:
    """The newest changes to a learner's entitlement first."""
    rows = db.session.scalars(
        select(EntitlementAudit)
        .where(EntitlementAudit.learner_id == learner.id)
        .order_by(EntitlementAudit.changed_at.desc(), EntitlementAudit.id.desc())
        .limit(limit)
    )
    return [
        AuditEntry(
            changed_at=row.changed_at,
            actor_name=row.actor.name if row.actor else "",
            action=row.action,
            before=json.loads(row.before),
            after=json.loads(row.after),
            reason=row.reason,
        )
        for row in rows
    ]


@dataclass(frozen=True)
class RateLine:
    """A year's rates as the administrators' page lists them."""

    year: int
    per_person_nok: int
    per_extension_nok: int
    source: str
    registered: bool  # by an administrator (else known from the report, in the code)


def rate_lines(rule_set_id: str) -> list[RateLine]:
    """The rule set's rates by year, newest first: the code's and the registered ones."""
    code = rules.get_rule_set(rule_set_id).grant_rates
    lines = {
        year: RateLine(
            year, rate.per_person_nok, rate.per_extension_nok, "Report (L679-725)", False
        )
        for year, rate in code.items()
    }
    for row in db.session.scalars(
        select(GrantRateEntry).where(GrantRateEntry.rule_set == rule_set_id)
    ):
        lines[row.year] = RateLine(
            row.year, row.per_person_nok, row.per_extension_nok, row.source, True
        )
    return [lines[year] for year in sorted(lines, reverse=True)]


def register_rate(
    actor: User, rule_set_id: str, year: int, per_person: int, per_extension: int, source: str
) -> GrantRateEntry:
    """Register (or correct) a year's grant rates for a rule set; administrators only."""
    if actor.role.value != "admin":
        raise EntitlementError("not_an_admin")
    rules.get_rule_set(rule_set_id)
    row = db.session.get(GrantRateEntry, (rule_set_id, year))
    if row is None:
        row = GrantRateEntry(rule_set=rule_set_id, year=year)
        db.session.add(row)
    row.per_person_nok = per_person
    row.per_extension_nok = per_extension
    row.source = source.strip()[:200]
    row.created_by_id = actor.id
    row.created_at = utcnow()
    db.session.flush()
    return row
