"""The right to Norwegian training under temporary collective protection (integration act § 37 d).

Rule set ``tcp_37d_2023`` (Act of 6 November 2020 no. 127 on integration, § 37 d, as the rule
stood from 2023), computed by the platform's rule version 2 (``BRIEF.md``, "How the deadline is
computed"): persons aged 18 to 67 at settlement have a right to twelve months of Norwegian
training from the start date. Extension decisions ("extended training") add 1-6 months each;
learners with *completed* upper secondary education or more may have one decision of at most
6 months, others at most four decisions and 24 months in total. Approved leave moves the last
day on, but only leave days inside the period as it stands when each day is reached; leave
beginning before the start or after the last day, and decisions dated outside the period, are
refused. The last day is never past the day before the 67th birthday.

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

    def __init__(self, code: str, message: str, entry: object = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.entry = entry  # the refused Leave or Decision, where one is refused for its date


class ExtensionRefused(EntitlementRefusal):
    """An extension decision the rules refuse (out of range, beyond a cap or dated outside the
    period)."""


class LeaveRefused(EntitlementRefusal):
    """A leave period the rules refuse (it ends before it starts, or begins outside the period)."""


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
class Validity:
    """A period a rule set applies to (to starts from ``first_day``, before ``until``).

    ``assumed`` marks a period the law has not (yet) given, registered for the demo; the
    interface labels it as an assumption.
    """

    first_day: date
    until: date | None
    source: str
    assumed: bool = False

    def covers(self, day: date) -> bool:
        """Whether ``day`` is inside this period."""
        return self.first_day <= day and (self.until is None or day < self.until)


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
    validity: tuple[Validity, ...] = ()


#: Grants for § 37 d training, by year (2023 rates, L679-725). A year without an entry has no
#: registered rate: it is shown as such, never filled in with another year's rate.
TCP_37D_GRANT_RATES: dict[int, GrantRate] = {
    2023: GrantRate(per_person_nok=45_000, per_extension_nok=27_450),
}

#: Chapter 6A came into force on 15 June 2022 (L1012-1014) and was to end on 1 July 2024
#: (L1020); Prop. 72 L (2023-2024) prolonged it to 1 July 2026.
TCP_37D_VALIDITY = (
    Validity(date(2022, 6, 15), date(2024, 7, 1), "Integration act chapter 6A (L1012-1020)"),
    Validity(date(2024, 7, 1), date(2026, 7, 1), "Prop. 72 L (2023-2024)"),
)

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
    validity=TCP_37D_VALIDITY,
)

#: The rule sets by id.
RULE_SETS: Mapping[str, RuleSet] = MappingProxyType({TCP_37D_2023.id: TCP_37D_2023})


def applies_to(rule_set: RuleSet, start: date) -> bool:
    """Whether a period starting on ``start`` is computed under this rule set."""
    return not rule_set.validity or any(period.covers(start) for period in rule_set.validity)


def valid_until(rule_set: RuleSet) -> date | None:
    """The first day the rule set no longer applies to new starts (None: open-ended)."""
    if not rule_set.validity or any(period.until is None for period in rule_set.validity):
        return None
    return max(period.until for period in rule_set.validity if period.until is not None)


def all_ended(rule_sets: Iterable[RuleSet], today: date) -> bool:
    """Whether ``today`` is past the end of every rule set (staff are told so)."""
    ends = [valid_until(rule_set) for rule_set in rule_sets]
    return bool(ends) and all(end is not None and today >= end for end in ends)


def check_applies(rule_set: RuleSet, start: date) -> None:
    """Refuse a start outside the rule set's validity (code ``no_rule_set``)."""
    if not applies_to(rule_set, start):
        raise InputRefused(
            "no_rule_set",
            f"No rule set applies to a start on {start.isoformat()}: "
            f"{rule_set.id} applies to starts "
            + ", ".join(
                f"{p.first_day.isoformat()} to "
                f"{(p.until - timedelta(days=1)).isoformat() if p.until else 'open'}"
                for p in rule_set.validity
            )
            + ".",
        )


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
    """Everything the rules need to know about one learner.

    ``extension_dates`` holds the decision date of each entry of ``extension_months``, by
    position; a missing or None date is an undated decision (the command line's bare MONTHS),
    taken as made on the start date.
    """

    start: date
    education: str
    leaves: tuple[Leave, ...] = ()
    extension_months: tuple[int, ...] = ()
    discontinued_on: date | None = None
    birth_date: date | None = None
    settlement_date: date | None = None
    extension_dates: tuple[date | None, ...] = ()


@dataclass(frozen=True)
class Decision:
    """An extension decision: its date (the start, if undated) and its months."""

    decided_on: date
    months: int
    dated: bool = True


@dataclass(frozen=True)
class GrantLine:
    """One grant the municipality is owed: what for, the year whose rate applies, and the
    amount (None when no rate is registered for that year)."""

    kind: str  # "person" or "extension"
    year: int
    nok: int | None


@dataclass(frozen=True)
class EntitlementResult:
    """The learner's right on one day, as computed by :func:`compute`."""

    last_day: date
    days_left: int
    status: str
    extensions_used: int
    extensions_left: int
    extension_months_left: int
    grant_nok: int | None
    flags: tuple[str, ...]
    grants: tuple[GrantLine, ...] = ()
    age_cut: bool = False

    @property
    def unregistered_rate_years(self) -> tuple[int, ...]:
        """The years whose grant rate is needed but not registered."""
        return tuple(sorted({line.year for line in self.grants if line.nok is None}))


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


def _merged(leaves: Iterable[Leave]) -> list[tuple[date, date]]:
    """The union of the leave periods as sorted, disjoint, non-adjacent (first, last) runs."""
    runs: list[tuple[date, date]] = []
    for leave in sorted(leaves, key=lambda item: (item.start, item.end)):
        if runs and leave.start <= runs[-1][1] + timedelta(days=1):
            if leave.end > runs[-1][1]:
                runs[-1] = (runs[-1][0], leave.end)
        else:
            runs.append((leave.start, leave.end))
    return runs


def period_end(
    rule_set: RuleSet,
    start: date,
    months: int,
    leaves: Iterable[Leave],
    before: date | None = None,
) -> date:
    """The last day before the age cut: anniversary − 1 day, then each leave day, in date order,
    on or after ``start`` and on or before the last day as it stands when that day is reached,
    moves it one day later (overlapping leave counts once).

    A leave that begins before ``start`` is refused under rule 2, so a stored one (made under
    version 1) counts for nothing, not even its days after the start; one that begins after the
    last day as it stands counts for nothing by the day rule itself.

    With ``before``, only leave days before that day count: the last day "as it stands" when
    ``before`` is reached.

    Within a run of leave days, once a day counts every later day of the run counts too (both
    move on by one), and a leave beginning inside or right after a counted run begins on or
    before the last day; so each run counts whole or, with every later one, not at all.
    """
    last = add_months(start, rule_set.period_months + months) - timedelta(days=1)
    for first, end in _merged(leave for leave in leaves if leave.start >= start):
        if before is not None:
            end = min(end, before - timedelta(days=1))
        if first > end:
            continue
        if first > last:
            break  # every later run begins later still, and the last day no longer moves
        last += timedelta(days=(end - first).days + 1)
    return last


def decisions(inputs: EntitlementInputs) -> list[Decision]:
    """The extension decisions in date order (undated ones as made on the start date)."""
    dated = [
        Decision(
            decided_on=day or inputs.start,
            months=months,
            dated=day is not None,
        )
        for months, day in zip(
            inputs.extension_months,
            (*inputs.extension_dates, *([None] * len(inputs.extension_months))),
            strict=False,
        )
    ]
    return sorted(dated, key=lambda decision: decision.decided_on)


def _decision_refusal(start: date, bound: date, decision: Decision) -> ExtensionRefused | None:
    day = decision.decided_on
    if day < start:
        return ExtensionRefused(
            "decision_before_start",
            f"The extension decision of {day.isoformat()} is dated before the training "
            f"started ({start.isoformat()}).",
            decision,
        )
    if day > bound:
        return ExtensionRefused(
            "decision_after_end",
            f"The extension decision of {day.isoformat()} is dated after the last day of "
            f"training ({bound.isoformat()}).",
            decision,
        )
    return None


def sort_decisions(
    rule_set: RuleSet, inputs: EntitlementInputs
) -> tuple[list[Decision], list[tuple[Decision, ExtensionRefused]]]:
    """Split the decisions into those that count and those refused for their date.

    Taken in date order, each must be dated on or after the start and on or before the last day
    that the start, the leave and the decisions before it (those that count) give.
    """
    counted: list[Decision] = []
    refused: list[tuple[Decision, ExtensionRefused]] = []
    for decision in decisions(inputs):
        bound = period_end(rule_set, inputs.start, sum(d.months for d in counted), inputs.leaves)
        refusal = _decision_refusal(inputs.start, bound, decision)
        if refusal is None:
            counted.append(decision)
        else:
            refused.append((decision, refusal))
    return counted, refused


def _leave_refusal(
    rule_set: RuleSet, start: date, months: int, others: Sequence[Leave], leave: Leave
) -> LeaveRefused | None:
    if leave.start < start:
        return LeaveRefused(
            "leave_before_start",
            f"The leave from {leave.start.isoformat()} begins before the training started "
            f"({start.isoformat()}).",
            leave,
        )
    bound = period_end(rule_set, start, months, others, before=leave.start)
    if leave.start > bound:
        return LeaveRefused(
            "leave_after_end",
            f"The leave from {leave.start.isoformat()} begins after the last day of training "
            f"({bound.isoformat()}).",
            leave,
        )
    return None


def check_new_leave(rule_set: RuleSet, inputs: EntitlementInputs, leave: Leave) -> None:
    """Refuse a leave to be registered unless it is a valid period beginning inside the training
    period (on or after the start, on or before the last day as it stands on its first day)."""
    validate_leave(leave.start, leave.end)
    counted, _ = sort_decisions(rule_set, inputs)
    refusal = _leave_refusal(
        rule_set, inputs.start, sum(d.months for d in counted), inputs.leaves, leave
    )
    if refusal is not None:
        raise refusal


def check_new_decision(
    rule_set: RuleSet, inputs: EntitlementInputs, decided_on: date, months: int
) -> None:
    """Refuse an extension decision to be registered unless it is within range and the caps and
    dated inside the period that the start, the leave and the decisions before it give."""
    counted, _ = sort_decisions(rule_set, inputs)
    check_extension(rule_set, inputs.education, [d.months for d in counted], months)
    earlier = sum(d.months for d in counted if d.decided_on <= decided_on)
    bound = period_end(rule_set, inputs.start, earlier, inputs.leaves)
    refusal = _decision_refusal(inputs.start, bound, Decision(decided_on, months))
    if refusal is not None:
        raise refusal


def period_refusals(rule_set: RuleSet, inputs: EntitlementInputs) -> list[EntitlementRefusal]:
    """Every leave and decision rule 2 refuses for its date, decisions first, in date order.

    A stored record made under version 1 may hold such entries; they do not count (the
    computation skips them) and ``flask entitlement audit`` lists them.
    """
    counted, refused = sort_decisions(rule_set, inputs)
    months = sum(d.months for d in counted)
    found: list[EntitlementRefusal] = [refusal for _, refusal in refused]
    ordered = sorted(inputs.leaves, key=lambda item: (item.start, item.end))
    for index, leave in enumerate(ordered):
        refusal = _leave_refusal(rule_set, inputs.start, months, ordered[:index], leave)
        if refusal is not None:
            found.append(refusal)
    return found


def age_limit(rule_set: RuleSet, birth_date: date | None, day: date) -> date:
    """``day``, or the day before the ``max_age`` birthday if the learner turns that age first."""
    if birth_date is not None:
        limit = birthday(birth_date, rule_set.max_age)
        if limit < day:
            return limit - timedelta(days=1)
    return day


def last_day(rule_set: RuleSet, inputs: EntitlementInputs) -> date:
    """Return the last day of training under rule version 2, cut by the age limit.

    Only decisions dated inside the period count (:func:`sort_decisions`); leave counts day by
    day inside the period (:func:`period_end`). If the learner turns ``max_age`` strictly before
    that day, it becomes the day before that birthday; turning ``max_age`` on the last day
    itself or later changes nothing.
    """
    counted, _ = sort_decisions(rule_set, inputs)
    day = period_end(rule_set, inputs.start, sum(d.months for d in counted), inputs.leaves)
    return age_limit(rule_set, inputs.birth_date, day)


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


def grant_rate(rule_set: RuleSet, year: int) -> GrantRate | None:
    """Return the rate registered for ``year``, or None: never another year's rate."""
    return rule_set.grant_rates.get(year)


def grant_lines(
    rule_set: RuleSet, start: date, decision_dates: Iterable[date]
) -> tuple[GrantLine, ...]:
    """The person grant at the start year's rate, and one grant per extension decision at the
    rate of the decision's year."""
    person = grant_rate(rule_set, start.year)
    lines = [GrantLine("person", start.year, person.per_person_nok if person else None)]
    for day in decision_dates:
        rate = grant_rate(rule_set, day.year)
        lines.append(GrantLine("extension", day.year, rate.per_extension_nok if rate else None))
    return tuple(lines)


def grant_nok(rule_set: RuleSet, start: date, decision_dates: Iterable[date]) -> int | None:
    """Return the total grant, or None when a year it needs has no registered rate."""
    lines = grant_lines(rule_set, start, decision_dates)
    if any(line.nok is None for line in lines):
        return None
    return sum(line.nok or 0 for line in lines)


def compute(
    rule_set: RuleSet, inputs: EntitlementInputs, today: date, *, strict: bool = True
) -> EntitlementResult:
    """Compute the learner's right on ``today``, refusing invalid leave and extensions.

    ``strict`` (the command line) refuses any leave or decision outside the period; without it
    (stored records made under version 1) those entries simply do not count. Whether the rule
    set applies to the start at all is the caller's question (:func:`applies_to`).
    """
    cap = extension_cap(rule_set, inputs.education)
    for leave in inputs.leaves:
        validate_leave(leave.start, leave.end)
    validate_extensions(rule_set, inputs.education, inputs.extension_months)
    if strict:
        refusals = period_refusals(rule_set, inputs)
        if refusals:
            raise refusals[0]

    counted, _ = sort_decisions(rule_set, inputs)
    uncut = period_end(rule_set, inputs.start, sum(d.months for d in counted), inputs.leaves)
    last = age_limit(rule_set, inputs.birth_date, uncut)
    left = days_left(inputs.start, last, today)
    status = status_on(rule_set, inputs, last, today)
    used = len(counted)
    decisions_left = cap.max_decisions - used
    months_left = cap.max_months - sum(d.months for d in counted)

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
    dates = [d.decided_on for d in counted]
    return EntitlementResult(
        last_day=last,
        days_left=left,
        status=status,
        extensions_used=used,
        extensions_left=decisions_left,
        extension_months_left=months_left,
        grant_nok=grant_nok(rule_set, inputs.start, dates),
        flags=tuple(flag for flag in FLAGS if raised[flag]),
        grants=grant_lines(rule_set, inputs.start, dates),
        age_cut=last < uncut,
    )
