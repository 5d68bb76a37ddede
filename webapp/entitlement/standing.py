"""A learner's standing in the overview, as one pure function: status, flag set and sort rank.

The legal part (status, last day and the deadline flags) is ``rules.compute``; the two activity
flags read how much the learner studied lately, given here as plain values:

- ``at_risk``: active (not on leave) and either below the target level with ``at_risk_days``
  or fewer left, or no study activity for ``idle_days`` days (having started at least that
  long ago);
- ``time_running_unused``: employed, active, and under ``unused_hours`` of study in the last
  ``unused_window_days`` days: the report's core problem, time running out while the learner works.

The daily sweep computes the same for everyone at once in SQL (``flags.FlagExpressions``); a
test holds the two together. This module is pure: no Flask and no database.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, timedelta

from webapp.entitlement import rules

FLAG_AT_RISK = "at_risk"
FLAG_TIME_RUNNING_UNUSED = "time_running_unused"
ALL_FLAGS = (
    rules.FLAG_DEADLINE_90,
    rules.FLAG_DEADLINE_30,
    rules.FLAG_EXPIRED,
    rules.FLAG_ON_LEAVE,
    FLAG_AT_RISK,
    rules.FLAG_EXTENSION_POSSIBLE,
    FLAG_TIME_RUNNING_UNUSED,
)
# The status of a learner without an entitlement record.
NO_RECORD = "no_record"
OVERVIEW_STATUSES = (*rules.STATUSES, NO_RECORD)

# Sort ranks: running periods first, then the ones not started, then the ones that ended (or
# never began); within each, a learner without a last day after those with one.
RANK_RUNNING = 0
RANK_NOT_STARTED = 1
RANK_NOT_STARTED_NO_LAST_DAY = 2
RANK_ENDED = 3
RANK_ENDED_NO_LAST_DAY = 4


def bit(flag: str) -> int:
    """The flag's bit in a stored flag set."""
    return 1 << ALL_FLAGS.index(flag)


def flags_in(mask: int) -> tuple[str, ...]:
    """The flags in a stored bit set, in ``ALL_FLAGS`` order."""
    return tuple(flag for flag in ALL_FLAGS if mask & bit(flag))


@dataclass(frozen=True)
class FlagSettings:
    """Thresholds for the flags; the deadline ones come from configuration."""

    deadline_far_days: int = 90
    deadline_near_days: int = 30
    extension_window_days: int = 60
    at_risk_days: int = 90
    idle_days: int = 14
    unused_hours: float = 2.0
    unused_window_days: int = 28

    def activity_window(self, today: date) -> tuple[date, date]:
        """The first and last day of the study log the activity flags read."""
        return today - timedelta(days=self.unused_window_days - 1), today


@dataclass(frozen=True)
class Record:
    """A learner's entitlement record with the profile facts the rules read."""

    rule_set: str
    education: str
    birth_date: date
    settlement_date: date
    start: date | None = None
    leaves: tuple[rules.Leave, ...] = ()
    extension_months: tuple[int, ...] = ()
    discontinued_on: date | None = None
    extension_dates: tuple[date | None, ...] = ()


@dataclass(frozen=True)
class Learner:
    """What the activity flags read of the learner: level, goals, work and recent study.

    ``study_seconds`` and ``last_study_day`` cover the activity window only
    (``FlagSettings.activity_window``).
    """

    current_level: str | None
    targets: tuple[str, ...]
    employed: bool
    study_seconds: int = 0
    last_study_day: date | None = None


@dataclass(frozen=True)
class Standing:
    """What the overview stores of a learner for one day."""

    status: str
    flags: int
    sort_rank: int
    last_day: date | None


def sort_rank(status: str, last_day: date | None) -> int:
    """Where the status puts a learner in the overview's default order."""
    if status in (rules.ACTIVE, rules.ON_LEAVE):
        return RANK_RUNNING
    if status == rules.NOT_STARTED:
        return RANK_NOT_STARTED if last_day else RANK_NOT_STARTED_NO_LAST_DAY
    return RANK_ENDED if last_day else RANK_ENDED_NO_LAST_DAY


def _rule_set(record: Record, settings: FlagSettings) -> rules.RuleSet:
    return dataclasses.replace(
        rules.get_rule_set(record.rule_set),
        deadline_90_days=settings.deadline_far_days,
        deadline_30_days=settings.deadline_near_days,
        extension_window_days=settings.extension_window_days,
    )


def _below_target(learner: Learner) -> bool:
    # CEFR codes sort as text in level order (A1 < A2 < B1 < B2 < C1), as in SQL.
    level = learner.current_level
    return level is None or any(level < target for target in learner.targets)


def standing(
    record: Record | None, learner: Learner, today: date, settings: FlagSettings
) -> Standing:
    """The learner's status, flag set and sort rank on ``today`` (``rules.compute`` for the
    record; without a start date there is no last day and the period has not started)."""
    if record is None:
        return Standing(NO_RECORD, 0, sort_rank(NO_RECORD, None), None)
    rule_set = _rule_set(record, settings)
    if record.start is None:
        if not rules.is_entitled_by_age(rule_set, record.birth_date, record.settlement_date):
            status = rules.NOT_ENTITLED
        elif record.discontinued_on is not None and record.discontinued_on <= today:
            status = rules.DISCONTINUED
        else:
            status = rules.NOT_STARTED
        return Standing(status, 0, sort_rank(status, None), None)
    result = rules.compute(
        rule_set,
        rules.EntitlementInputs(
            start=record.start,
            education=record.education,
            leaves=record.leaves,
            extension_months=record.extension_months,
            discontinued_on=record.discontinued_on,
            birth_date=record.birth_date,
            settlement_date=record.settlement_date,
            extension_dates=record.extension_dates,
        ),
        today,
        strict=False,
    )
    raised = set(result.flags)
    if result.status == rules.ACTIVE:
        idle_since = today - timedelta(days=settings.idle_days)
        near_end = result.last_day <= today + timedelta(days=settings.at_risk_days - 1)
        idle = record.start <= idle_since and (
            learner.last_study_day is None or learner.last_study_day <= idle_since
        )
        if (_below_target(learner) and near_end) or idle:
            raised.add(FLAG_AT_RISK)
        if learner.employed and learner.study_seconds < int(settings.unused_hours * 3600):
            raised.add(FLAG_TIME_RUNNING_UNUSED)
    return Standing(
        status=result.status,
        flags=sum(bit(flag) for flag in raised),
        sort_rank=sort_rank(result.status, result.last_day),
        last_day=result.last_day,
    )
