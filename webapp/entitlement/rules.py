"""The right to Norwegian training under temporary collective protection (integration act § 37 d).

Rule set ``tcp_37d_2023`` (Act of 6 November 2020 no. 127 on integration, § 37 d, as the rule
stood from 2023): persons aged 18 to 67 at settlement have a right to twelve months of Norwegian
training from the start date, moved on by approved leave and by extension decisions ("extended
training"), and never past the day before their 67th birthday. Each extension decision is 1-6
months; learners with upper secondary education or more may have one decision of at most
6 months, others at most four decisions and 24 months in total.

This module is pure: plain dataclasses of ``datetime.date``, ints and strings, no Flask and no
database. Every parameter lives on a frozen :class:`RuleSet`, and callers pick one from
:data:`RULE_SETS` by id, so another rule set (the ordinary integration act) can be added here
without touching them.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import MappingProxyType

# Statuses, in the order they are tested (first match wins).
NOT_ENTITLED = "not_entitled"
DISCONTINUED = "discontinued"
NOT_STARTED = "not_started"
EXPIRED = "expired"
ON_LEAVE = "on_leave"
ACTIVE = "active"
STATUSES = (NOT_ENTITLED, DISCONTINUED, NOT_STARTED, EXPIRED, ON_LEAVE, ACTIVE)

# Flags, in the stable order they appear in a result.
FLAG_DEADLINE_90 = "deadline_90"
FLAG_DEADLINE_30 = "deadline_30"
FLAG_EXPIRED = "expired"
FLAG_ON_LEAVE = "on_leave"
FLAG_EXTENSION_POSSIBLE = "extension_possible"
FLAGS = (FLAG_DEADLINE_90, FLAG_DEADLINE_30, FLAG_EXPIRED, FLAG_ON_LEAVE, FLAG_EXTENSION_POSSIBLE)

EDUCATION_LEVELS = ("none", "primary", "lower_secondary", "upper_secondary", "higher")

_RUNNING = (ACTIVE, ON_LEAVE)


# --- Refusals -------------------------------------------------------------------------------


class EntitlementRefusal(ValueError):
    """An input the rules refuse, with a machine-readable ``code`` and an English message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class ExtensionRefused(EntitlementRefusal):
    """An extension decision the rules refuse (out of range or beyond a cap)."""


class LeaveRefused(EntitlementRefusal):
    """A leave period the rules refuse (it ends before it starts)."""


class InputRefused(EntitlementRefusal):
    """Any other refused input: an unknown rule set or education level."""


# --- Parameters -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ExtensionCap:
    """The most extension decisions and months one education group may have in total."""

    max_decisions: int
    max_months: int


@dataclass(frozen=True)
class GrantRate:
    """The state grant to the municipality for one year, in whole NOK."""

    per_person_nok: int
    per_extension_nok: int


@dataclass(frozen=True)
class RuleSet:
    """Every parameter of one set of entitlement rules."""

    id: str
    name: str
    citation: str
    period_months: int
    min_decision_months: int
    max_decision_months: int
    extension_caps: Mapping[str, ExtensionCap] = field(hash=False)
    min_age: int
    max_age: int
    grant_rates: Mapping[int, GrantRate] = field(hash=False)
    deadline_90_days: int = 90
    deadline_30_days: int = 30
    extension_window_days: int = 60


#: Grants for § 37 d training, by year; a year without an entry uses the latest earlier year.
TCP_37D_GRANT_RATES: dict[int, GrantRate] = {
    2023: GrantRate(per_person_nok=45_000, per_extension_nok=27_450),
}

_TCP_37D_UPPER = ExtensionCap(max_decisions=1, max_months=6)
_TCP_37D_OTHERS = ExtensionCap(max_decisions=4, max_months=24)

TCP_37D_2023 = RuleSet(
    id="tcp_37d_2023",
    name="Temporary collective protection",
    citation="Integration act § 37 d",
    period_months=12,
    min_decision_months=1,
    max_decision_months=6,
    extension_caps=MappingProxyType(
        {
            "none": _TCP_37D_OTHERS,
            "primary": _TCP_37D_OTHERS,
            "lower_secondary": _TCP_37D_OTHERS,
            "upper_secondary": _TCP_37D_UPPER,
            "higher": _TCP_37D_UPPER,
        }
    ),
    min_age=18,
    max_age=67,
    grant_rates=MappingProxyType(TCP_37D_GRANT_RATES),
)

#: The rule sets by id.
RULE_SETS: Mapping[str, RuleSet] = MappingProxyType({TCP_37D_2023.id: TCP_37D_2023})


def get_rule_set(rule_set_id: str) -> RuleSet:
    """Return the rule set with this id, or refuse with code ``unknown_rule_set``."""
    try:
        return RULE_SETS[rule_set_id]
    except KeyError:
        raise InputRefused("unknown_rule_set", f"Unknown rule set: {rule_set_id!r}.") from None


# --- Inputs and result ----------------------------------------------------------------------


@dataclass(frozen=True)
class Leave:
    """An approved leave, inclusive of both its first and its last day."""

    start: date
    end: date


@dataclass(frozen=True)
class EntitlementInputs:
    """Everything the rules need to know about one learner."""

    start: date
    education: str
    leaves: tuple[Leave, ...] = ()
    extension_months: tuple[int, ...] = ()
    discontinued_on: date | None = None
    birth_date: date | None = None
    settlement_date: date | None = None


@dataclass(frozen=True)
class EntitlementResult:
    """The learner's right on one day, as computed by :func:`compute`."""

    last_day: date
    days_left: int
    status: str
    extensions_used: int
    extensions_left: int
    extension_months_left: int
    grant_nok: int
    flags: tuple[str, ...]


# --- Calendar helpers -----------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """Return ``day`` plus calendar months, clamped to the month's last day where it is missing."""
    index = day.year * 12 + (day.month - 1) + months
    year, month0 = divmod(index, 12)
    month = month0 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def birthday(birth_date: date, age: int) -> date:
    """Return the day a person born on ``birth_date`` turns ``age``.

    Someone born on 29 February turns a year older on 1 March in a year that is not a leap year
    (the day after 28 February), so their 67th birthday in such a year is 1 March.
    """
    try:
        return birth_date.replace(year=birth_date.year + age)
    except ValueError:  # 29 February in a year that is not a leap year
        return date(birth_date.year + age, 3, 1)


def age_on(birth_date: date, day: date) -> int:
    """Return the age in whole years on ``day`` (29 February birthdays count from 1 March)."""
    years = day.year - birth_date.year
    return years if birthday(birth_date, years) <= day else years - 1


def leave_days(leaves: Iterable[Leave]) -> int:
    """Return the number of distinct calendar days covered by the union of the leave periods."""
    total = 0
    covered_until: date | None = None  # the last day already counted
    for leave in sorted(leaves, key=lambda item: item.start):
        validate_leave(leave.start, leave.end)
        first = leave.start
        if covered_until is not None and first <= covered_until:
            first = covered_until + timedelta(days=1)
        if leave.end >= first:
            total += (leave.end - first).days + 1
            covered_until = leave.end
    return total


# --- Refusal checks -------------------------------------------------------------------------


def validate_leave(start: date, end: date) -> None:
    """Refuse a leave that ends before it starts (code ``leave_ends_before_start``)."""
    if end < start:
        raise LeaveRefused(
            "leave_ends_before_start",
            f"The leave ends ({end.isoformat()}) before it starts ({start.isoformat()}).",
        )


def extension_cap(rule_set: RuleSet, education: str) -> ExtensionCap:
    """Return the extension cap for an education level, or refuse an unknown level."""
    try:
        return rule_set.extension_caps[education]
    except KeyError:
        raise InputRefused(
            "unknown_education", f"Unknown education level: {education!r}."
        ) from None


def check_extension(
    rule_set: RuleSet, education: str, existing_months: Sequence[int], new_months: int
) -> None:
    """Refuse a new extension decision that is out of range or would go beyond a cap."""
    cap = extension_cap(rule_set, education)
    low, high = rule_set.min_decision_months, rule_set.max_decision_months
    if not low <= new_months <= high:
        raise ExtensionRefused(
            "months_out_of_range",
            f"An extension decision must be {low} to {high} months, not {new_months}.",
        )
    if len(existing_months) + 1 > cap.max_decisions:
        raise ExtensionRefused(
            "too_many_decisions",
            f"At most {cap.max_decisions} extension decision(s) for this education level.",
        )
    if sum(existing_months) + new_months > cap.max_months:
        raise ExtensionRefused(
            "too_many_months",
            f"At most {cap.max_months} extension months in total for this education level; "
            f"{sum(existing_months)} already granted, {new_months} more requested.",
        )


def validate_extensions(rule_set: RuleSet, education: str, months: Sequence[int]) -> None:
    """Refuse extension decisions unless each, in order, passes :func:`check_extension`."""
    for index, new in enumerate(months):
        check_extension(rule_set, education, months[:index], new)


# --- The rules ------------------------------------------------------------------------------


def is_entitled_by_age(rule_set: RuleSet, birth_date: date, settlement_date: date) -> bool:
    """Return whether the age at settlement is within ``min_age`` ≤ age < ``max_age``."""
    return rule_set.min_age <= age_on(birth_date, settlement_date) < rule_set.max_age


def anniversary(rule_set: RuleSet, start: date, extension_months: Iterable[int] = ()) -> date:
    """Return ``start`` plus the period and all extension months, in calendar months."""
    return add_months(start, rule_set.period_months + sum(extension_months))


def last_day(rule_set: RuleSet, inputs: EntitlementInputs) -> date:
    """Return the last day of training: anniversary − 1 day + leave days, cut by the age limit.

    If the learner turns ``max_age`` strictly before that day, it becomes the day before that
    birthday; turning ``max_age`` on the last day itself or later changes nothing.
    """
    day = anniversary(rule_set, inputs.start, inputs.extension_months) - timedelta(days=1)
    day += timedelta(days=leave_days(inputs.leaves))
    if inputs.birth_date is not None:
        limit = birthday(inputs.birth_date, rule_set.max_age)
        if limit < day:
            day = limit - timedelta(days=1)
    return day


def days_left(start: date, last: date, today: date) -> int:
    """Return the days from ``today`` (or ``start``, if later) to ``last``, both included, ≥ 0."""
    return max(0, (last - max(today, start)).days + 1)


def status_on(rule_set: RuleSet, inputs: EntitlementInputs, last: date, today: date) -> str:
    """Return the status on ``today``: the first of :data:`STATUSES` that applies."""
    if (
        inputs.birth_date is not None
        and inputs.settlement_date is not None
        and not is_entitled_by_age(rule_set, inputs.birth_date, inputs.settlement_date)
    ):
        return NOT_ENTITLED
    if inputs.discontinued_on is not None and inputs.discontinued_on <= today:
        return DISCONTINUED
    if today < inputs.start:
        return NOT_STARTED
    if today > last:
        return EXPIRED
    if any(leave.start <= today <= leave.end for leave in inputs.leaves):
        return ON_LEAVE
    return ACTIVE


def grant_rate(rule_set: RuleSet, year: int) -> GrantRate:
    """Return the rate for ``year``: its own, else the latest earlier year's, else zero."""
    earlier = [known for known in rule_set.grant_rates if known <= year]
    if not earlier:
        return GrantRate(per_person_nok=0, per_extension_nok=0)
    return rule_set.grant_rates[max(earlier)]


def grant_nok(rule_set: RuleSet, start: date, decisions: int) -> int:
    """Return the per-person grant plus the grant per extension decision (start-year rates)."""
    rate = grant_rate(rule_set, start.year)
    return rate.per_person_nok + rate.per_extension_nok * decisions


def compute(rule_set: RuleSet, inputs: EntitlementInputs, today: date) -> EntitlementResult:
    """Compute the learner's right on ``today``, refusing invalid leave and extensions."""
    cap = extension_cap(rule_set, inputs.education)
    for leave in inputs.leaves:
        validate_leave(leave.start, leave.end)
    validate_extensions(rule_set, inputs.education, inputs.extension_months)

    last = last_day(rule_set, inputs)
    left = days_left(inputs.start, last, today)
    status = status_on(rule_set, inputs, last, today)
    used = len(inputs.extension_months)
    decisions_left = cap.max_decisions - used
    months_left = cap.max_months - sum(inputs.extension_months)

    running = status in _RUNNING
    raised = {
        FLAG_DEADLINE_90: running and 0 < left <= rule_set.deadline_90_days,
        FLAG_DEADLINE_30: running and 0 < left <= rule_set.deadline_30_days,
        FLAG_EXPIRED: status == EXPIRED,
        FLAG_ON_LEAVE: status == ON_LEAVE,
        FLAG_EXTENSION_POSSIBLE: (
            running
            and decisions_left > 0
            and months_left >= rule_set.min_decision_months
            and left <= rule_set.extension_window_days
        ),
    }
    return EntitlementResult(
        last_day=last,
        days_left=left,
        status=status,
        extensions_used=used,
        extensions_left=decisions_left,
        extension_months_left=months_left,
        grant_nok=grant_nok(rule_set, inputs.start, used),
        flags=tuple(flag for flag in FLAGS if raised[flag]),
    )
