"""Status, flags and sort rank as SQL expressions, so the daily sweep computes them for every
learner in one statement.

They mean the same as ``standing.standing`` (the pure function the writes use; a test holds the
two together). The activity flags read the study-time log through ``activity_subquery``.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import (
    ColumnElement,
    Subquery,
    and_,
    case,
    exists,
    false,
    func,
    literal,
    or_,
    select,
)

from webapp.entitlement.models import Entitlement, LeavePeriod
from webapp.entitlement.rules import (
    ACTIVE,
    DISCONTINUED,
    EXPIRED,
    FLAG_DEADLINE_30,
    FLAG_DEADLINE_90,
    FLAG_EXPIRED,
    FLAG_EXTENSION_POSSIBLE,
    FLAG_ON_LEAVE,
    NOT_ENTITLED,
    NOT_STARTED,
    ON_LEAVE,
    RULE_SETS,
)
from webapp.entitlement.standing import (
    ALL_FLAGS,
    FLAG_AT_RISK,
    FLAG_TIME_RUNNING_UNUSED,
    NO_RECORD,
    RANK_ENDED,
    RANK_ENDED_NO_LAST_DAY,
    RANK_NOT_STARTED,
    RANK_NOT_STARTED_NO_LAST_DAY,
    RANK_RUNNING,
    FlagSettings,
    bit,
    flags_in,
)
from webapp.learners.models import EMPLOYED, LearnerProfile
from webapp.studytime.models import StudyDay, StudySource

__all__ = [
    "ALL_FLAGS",
    "FLAG_AT_RISK",
    "FLAG_TIME_RUNNING_UNUSED",
    "NO_RECORD",
    "FlagExpressions",
    "FlagSettings",
    "activity_subquery",
    "bit",
    "flag_settings",
    "flags_in",
]


def flag_settings() -> FlagSettings:
    """Flag thresholds, with the deadline ones from configuration."""
    config = current_app.config
    return FlagSettings(
        deadline_far_days=config["NORSKVEI_FLAG_DEADLINE_FAR_DAYS"],
        deadline_near_days=config["NORSKVEI_FLAG_DEADLINE_NEAR_DAYS"],
    )


def activity_subquery(today: date, settings: FlagSettings, learners: Any = None) -> Subquery:
    """Per learner in the activity window: study seconds, last study day, days in class.

    ``learners`` (a select of learner ids, or an expanding bound parameter) limits the sum to
    those learners: a page of 25 should not add up the study log of a whole country.
    """
    since, until = settings.activity_window(today)
    stmt = select(
        StudyDay.learner_id.label("learner_id"),
        func.sum(StudyDay.seconds).label("seconds"),
        func.max(StudyDay.day).label("last_study_day"),
        func.sum(case((StudyDay.source == StudySource.CLASS, 1), else_=0)).label("class_days"),
    ).where(StudyDay.day >= since, StudyDay.day <= until)
    if learners is not None:
        stmt = stmt.where(StudyDay.learner_id.in_(learners))
    return stmt.group_by(StudyDay.learner_id).subquery("activity")


class FlagExpressions:
    """The status, flag and sort-rank expressions for one day, over Entitlement (outer-joined:
    a learner without a record has the status ``no_record``), LearnerProfile and activity."""

    def __init__(self, today: date, settings: FlagSettings, activity: Subquery) -> None:
        self.today = today
        self.settings = settings
        self.activity = activity
        e = Entitlement
        not_discontinued = or_(e.discontinued_on.is_(None), e.discontinued_on > today)
        self.on_leave_today = exists().where(
            LeavePeriod.learner_id == e.learner_id,
            LeavePeriod.first_day <= today,
            LeavePeriod.last_day >= today,
        )
        self.running = and_(
            e.entitled.is_(True),
            e.start_date <= today,
            e.last_day >= today,
            not_discontinued,
        )
        self.active = and_(self.running, ~self.on_leave_today)
        # Started: the age limit can put the last day before a later start ("not started").
        self.expired = and_(
            e.entitled.is_(True), e.start_date <= today, e.last_day < today, not_discontinued
        )
        self.status = case(
            (e.learner_id.is_(None), literal(NO_RECORD)),
            (e.entitled.is_(False), literal(NOT_ENTITLED)),
            (e.discontinued_on <= today, literal(DISCONTINUED)),
            (or_(e.start_date.is_(None), e.start_date > today), literal(NOT_STARTED)),
            (e.last_day < today, literal(EXPIRED)),
            (self.on_leave_today, literal(ON_LEAVE)),
            else_=literal(ACTIVE),
        )
        has_last_day = e.last_day.is_not(None)
        self.sort_rank = case(
            (self.running, RANK_RUNNING),
            (
                self.status == NOT_STARTED,
                case((has_last_day, RANK_NOT_STARTED), else_=RANK_NOT_STARTED_NO_LAST_DAY),
            ),
            (has_last_day, RANK_ENDED),
            else_=RANK_ENDED_NO_LAST_DAY,
        )

    def _days_left_at_most(self, days: int) -> ColumnElement[bool]:
        return Entitlement.last_day <= self.today + timedelta(days=days - 1)

    def _extension_room(self) -> ColumnElement[bool]:
        """Under both caps of the learner's rule set and education group."""
        conditions = []
        upper = ("upper_secondary", "higher")
        for rule_set in RULE_SETS.values():
            for group_is_upper in (True, False):
                education = [
                    level for level in rule_set.extension_caps if (level in upper) is group_is_upper
                ]
                if not education:
                    continue
                cap = rule_set.extension_caps[education[0]]
                conditions.append(
                    and_(
                        Entitlement.rule_set == rule_set.id,
                        LearnerProfile.education.in_(education),
                        Entitlement.extensions_used < cap.max_decisions,
                        Entitlement.extension_months + rule_set.min_decision_months
                        <= cap.max_months,
                    )
                )
        return or_(*conditions) if conditions else false()

    def _below_target(self) -> ColumnElement[bool]:
        # CEFR codes sort as text in level order: A1 < A2 < B1 < B2 < C1.
        p = LearnerProfile
        return or_(
            p.current_level.is_(None),
            p.current_level < p.target_listening,
            p.current_level < p.target_reading,
            p.current_level < p.target_writing,
            p.current_level < p.target_oral,
        )

    def flag(self, name: str) -> ColumnElement[bool]:
        """The expression that is true when flag ``name`` is raised."""
        s = self.settings
        seconds = func.coalesce(self.activity.c.seconds, 0)
        last_study = self.activity.c.last_study_day
        if name == FLAG_DEADLINE_90:
            return and_(self.running, self._days_left_at_most(s.deadline_far_days))
        if name == FLAG_DEADLINE_30:
            return and_(self.running, self._days_left_at_most(s.deadline_near_days))
        if name == FLAG_EXPIRED:
            return self.expired
        if name == FLAG_ON_LEAVE:
            return and_(self.running, self.on_leave_today)
        if name == FLAG_EXTENSION_POSSIBLE:
            return and_(
                self.running,
                self._days_left_at_most(s.extension_window_days),
                self._extension_room(),
            )
        if name == FLAG_AT_RISK:
            idle_since = self.today - timedelta(days=s.idle_days)
            return and_(
                self.active,
                or_(
                    and_(self._below_target(), self._days_left_at_most(s.at_risk_days)),
                    and_(
                        Entitlement.start_date <= idle_since,
                        or_(last_study.is_(None), last_study <= idle_since),
                    ),
                ),
            )
        if name == FLAG_TIME_RUNNING_UNUSED:
            return and_(
                self.active,
                LearnerProfile.employment.in_(EMPLOYED),
                seconds < int(s.unused_hours * 3600),
            )
        raise ValueError(f"unknown flag {name!r}")

    def mask(self) -> ColumnElement[int]:
        """All flags of a row as one integer bit set (one pass over the rows)."""
        total: ColumnElement[int] = literal(0)
        for name in ALL_FLAGS:
            total = total + case((self.flag(name), bit(name)), else_=0)
        return total
