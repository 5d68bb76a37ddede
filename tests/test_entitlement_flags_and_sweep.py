"""Flags in SQL against the pure rules, the activity flags, the daily sweep and its commands.

The clock is frozen at 10 January 2026 (Oslo): the writes store each learner's overview row for
that day, and the sweep recomputes them in SQL.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import event, func, select

from tests.conftest import login_as
from webapp.accounts.models import Role
from webapp.entitlement import rules, services
from webapp.entitlement.flags import (
    FLAG_AT_RISK,
    FLAG_TIME_RUNNING_UNUSED,
    bit,
)
from webapp.entitlement.models import Entitlement, LearnerFlagState, SweepRun
from webapp.entitlement.overview import learner_row
from webapp.entitlement.overview_rows import learner_standing, refresh_all
from webapp.entitlement.standing import flags_in
from webapp.entitlement.sweep import run_daily_sweep
from webapp.extensions import db
from webapp.learners.levels import Education, Level
from webapp.learners.models import Employment
from webapp.mail.models import OutboxMessage
from webapp.organisations.models import OrganisationKind
from webapp.studytime.models import StudyDay, StudySource

D = date.fromisoformat
TODAY = D("2026-01-10")
SETTLED = D("2023-01-01")
SHARED_FLAGS = rules.FLAGS  # deadline_90, deadline_30, expired, on_leave, extension_possible

D90, D30, EXPIRED, ON_LEAVE, EXT = SHARED_FLAGS


class FrozenClock(datetime):
    """Noon UTC on 10 January 2026."""

    @classmethod
    def now(cls, tz=None):
        return datetime(2026, 1, 10, 12, 0, tzinfo=UTC).astimezone(tz)


@pytest.fixture(autouse=True)
def frozen_today(monkeypatch):
    monkeypatch.setattr("webapp.clock.datetime", FrozenClock)


@pytest.fixture
def municipality(factory):
    return factory.organisation(OrganisationKind.MUNICIPALITY, "Fjordby kommune")


@pytest.fixture
def coordinator(factory, municipality):
    return factory.user(Role.COORDINATOR, municipality, locale="en", name="Kari Koordinator")


@pytest.fixture
def admin(factory):
    return factory.user(Role.ADMIN)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def register(
    actor,
    learner,
    start: str,
    leaves: tuple[tuple[str, str], ...] = (),
    extensions: tuple[int, ...] = (),
    dropout: str | None = None,
) -> None:
    services.set_start(actor, learner, None, D(start), "")
    for first, last in leaves:
        services.add_leave(actor, learner, D(first), D(last), "permisjon")
    for months in extensions:
        # Rule 2: a decision is dated inside the period (here on the start).
        services.add_extension(actor, learner, D(start), months, "")
    if dropout:
        services.register_dropout(actor, learner, D(dropout), "sluttet")
    db.session.commit()


def study(learner, day: date | str, seconds: int, source: StudySource = StudySource.LESSON):
    day = D(day) if isinstance(day, str) else day
    db.session.add(StudyDay(learner_id=learner.id, day=day, source=source, seconds=seconds))
    db.session.commit()


def sql_flags(actor, learner, today: date = TODAY) -> tuple[str, ...]:
    """The flags the sweep stores for ``today`` (study time is logged after the writes), checked
    against the pure function the writes use."""
    refresh_all(today)
    db.session.commit()
    settings = services.flag_settings()
    row = learner_row(actor, learner.id, today, settings)
    assert row is not None
    assert row.flags == flags_in(learner_standing(learner, today, settings).flags)
    return row.flags


# --- SQL flags agree with the rules -----------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    start: str
    status: str
    flags: tuple[str, ...]
    education: Education = Education.HIGHER
    leaves: tuple[tuple[str, str], ...] = ()
    extensions: tuple[int, ...] = ()
    dropout: str | None = None
    birth_date: str = "1985-05-17"


# Worked by hand for 10 January 2026; the last day is start + (12 + extension) months - 1 day
# + leave days, cut to the day before the 67th birthday.
CASES = (
    Case("far ahead", "2025-09-01", rules.ACTIVE, ()),  # last 2026-08-31
    Case("71 days left", "2025-03-22", rules.ACTIVE, (D90,)),  # last 2026-03-21
    Case("45 days left", "2025-02-24", rules.ACTIVE, (D90, EXT)),  # last 2026-02-23
    Case("20 days left", "2025-01-30", rules.ACTIVE, (D90, D30, EXT)),  # last 2026-01-29
    Case("last day today", "2025-01-11", rules.ACTIVE, (D90, D30, EXT)),  # 1 day left
    Case("over yesterday", "2025-01-10", rules.EXPIRED, (EXPIRED,)),  # last 2026-01-09
    Case(
        "higher, decision used",
        "2024-07-30",
        rules.ACTIVE,
        (D90, D30),
        extensions=(6,),
    ),  # 2024-07-30 + 18 months - 1 = 2026-01-29
    Case(
        "upper secondary, decision used",
        "2024-11-30",
        rules.ACTIVE,
        (D90, D30),
        education=Education.UPPER_SECONDARY,
        extensions=(2,),
    ),  # 2024-11-30 + 14 months - 1 = 2026-01-29
    Case(
        "upper secondary, none used",
        "2025-02-24",
        rules.ACTIVE,
        (D90, EXT),
        education=Education.UPPER_SECONDARY,
    ),
    Case(
        "primary, three decisions used",
        "2024-10-30",
        rules.ACTIVE,
        (D90, D30, EXT),
        education=Education.PRIMARY,
        extensions=(1, 1, 1),
    ),  # 2024-10-30 + 15 months - 1 = 2026-01-29
    Case(
        "primary, four decisions used",
        "2024-09-30",
        rules.ACTIVE,
        (D90, D30),
        education=Education.PRIMARY,
        extensions=(1, 1, 1, 1),
    ),  # 2024-09-30 + 16 months - 1 = 2026-01-29
    Case(
        "lower secondary, 18 months used",
        "2023-08-24",
        rules.ACTIVE,
        (D90, EXT),
        education=Education.LOWER_SECONDARY,
        extensions=(6, 6, 6),
    ),  # 2023-08-24 + 30 months - 1 = 2026-02-23
    Case(
        "no schooling, far ahead",
        "2025-09-01",
        rules.ACTIVE,
        (),
        education=Education.NONE,
    ),
    Case(
        "on leave, far ahead",
        "2025-09-01",
        rules.ON_LEAVE,
        (ON_LEAVE,),
        leaves=(("2026-01-05", "2026-01-20"),),
    ),
    Case(
        "on leave, near the end",
        "2025-02-01",
        rules.ON_LEAVE,
        (D90, ON_LEAVE, EXT),
        leaves=(("2026-01-01", "2026-01-15"),),
    ),  # 2026-01-31 + 15 = 2026-02-15, 37 days left
    Case(
        "past leave moves the end",
        "2025-01-20",
        rules.ACTIVE,
        (D90, EXT),
        leaves=(("2025-05-01", "2025-05-31"),),
    ),  # 2026-01-19 + 31 = 2026-02-19, 41 days left (10 without the leave)
    Case(
        "leave from tomorrow",
        "2025-01-30",
        rules.ACTIVE,
        (D90, D30, EXT),
        leaves=(("2026-01-11", "2026-01-20"),),
    ),  # 2026-01-29 + 10 = 2026-02-08, exactly 30 days left
    Case("dropped out", "2025-01-30", rules.DISCONTINUED, (), dropout="2025-12-01"),
    Case("dropped out today", "2025-01-30", rules.DISCONTINUED, (), dropout="2026-01-10"),
    Case("drops out tomorrow", "2025-01-30", rules.ACTIVE, (D90, D30, EXT), dropout="2026-01-11"),
    Case("starts next month", "2026-02-01", rules.NOT_STARTED, ()),
    Case("67 at settlement", "2025-02-24", rules.NOT_ENTITLED, (), birth_date="1955-06-01"),
    Case(
        "turns 67 soon",
        "2025-09-01",
        rules.ACTIVE,
        (D90, EXT),
        birth_date="1959-03-01",
    ),  # cut to 2026-02-28, 50 days left
    Case(
        "turned 67 during the period",
        "2025-06-01",
        rules.EXPIRED,
        (EXPIRED,),
        birth_date="1958-12-20",
    ),  # cut to 2025-12-19
    Case(
        "turned 67 before a future start",
        "2026-02-01",
        rules.NOT_STARTED,
        (),
        birth_date="1958-12-20",
    ),  # last day 2025-12-19 is before the start: not started, and not "expired"
)


def stored_standing(admin, learner, settings) -> tuple[str, tuple[str, ...]]:
    row = learner_row(admin, learner.id, TODAY, settings)
    return row.status, tuple(flag for flag in row.flags if flag in SHARED_FLAGS)


def test_stored_and_sql_flags_agree_with_the_rules(factory, municipality, coordinator, admin):
    learners = {}
    for case in CASES:
        learner = factory.learner(
            home=municipality,
            settlement_date=SETTLED,
            education=case.education,
            birth_date=D(case.birth_date),
        )
        register(coordinator, learner, case.start, case.leaves, case.extensions, case.dropout)
        learners[case.name] = learner
    assert len(learners) >= 12

    settings = services.flag_settings()
    # As the writes stored them (the pure function), then as the sweep recomputes them in SQL.
    written = {
        name: stored_standing(admin, learner, settings) for name, learner in learners.items()
    }
    assert refresh_all(TODAY) == 0  # the sweep's SQL finds nothing to correct
    db.session.commit()
    seen = {}
    for case in CASES:
        learner = learners[case.name]
        entitlement = services.get_entitlement(learner)
        result = services.evaluate(entitlement, learner.learner_profile, TODAY)
        seen[case.name] = {
            "written": written[case.name],
            "sql": stored_standing(admin, learner, settings),
            "rules": (result.status, result.flags),
            "expected": (case.status, case.flags),
        }
    disagreements = {
        name: values
        for name, values in seen.items()
        if not values["written"] == values["sql"] == values["rules"] == values["expected"]
    }
    assert disagreements == {}


# --- The activity flags ---------------------------------------------------------------------


def make_learner(factory, municipality, coordinator, start: str, **kwargs):
    level = kwargs.pop("level", Level.B2)  # B2 meets every default target
    leaves = kwargs.pop("leaves", ())
    learner = factory.learner(home=municipality, settlement_date=SETTLED, **kwargs)
    learner.learner_profile.current_level = level
    db.session.commit()
    register(coordinator, learner, start, leaves)
    return learner


YESTERDAY = TODAY - timedelta(days=1)


@pytest.mark.parametrize(
    ("start", "level", "last_study", "at_risk"),
    [
        # Below the target with 90 days or fewer left, although studying.
        ("2025-02-24", Level.A2, YESTERDAY, True),  # 45 days left
        ("2025-02-24", None, YESTERDAY, True),  # not tested yet counts as below
        ("2025-02-24", Level.B1, YESTERDAY, True),  # B1 < B2 oral target (higher education)
        ("2025-02-24", Level.B2, YESTERDAY, False),  # at the target
        ("2025-04-10", Level.A2, YESTERDAY, True),  # last day 2026-04-09: exactly 90 days
        ("2025-04-11", Level.A2, YESTERDAY, False),  # 91 days left
        ("2025-09-01", Level.A2, YESTERDAY, False),  # far from the end
        # Idle for 14 days, far from the end and at the target.
        ("2025-09-01", Level.B2, TODAY - timedelta(days=14), True),
        ("2025-09-01", Level.B2, TODAY - timedelta(days=13), False),
        ("2025-09-01", Level.B2, TODAY - timedelta(days=40), True),  # outside the window
        ("2025-09-01", Level.B2, None, True),  # never studied
        ("2025-12-27", Level.B2, None, True),  # started 14 days ago
        ("2025-12-28", Level.B2, None, False),  # started 13 days ago: too soon to tell
    ],
)
def test_at_risk(factory, municipality, coordinator, admin, start, level, last_study, at_risk):
    learner = make_learner(factory, municipality, coordinator, start, level=level)
    if last_study is not None:
        study(learner, last_study, 1800)
    assert (FLAG_AT_RISK in sql_flags(admin, learner)) is at_risk


def test_at_risk_is_not_raised_on_leave_or_after_the_end(factory, municipality, coordinator, admin):
    on_leave = make_learner(
        factory,
        municipality,
        coordinator,
        "2025-02-24",
        level=Level.A1,
        leaves=(("2026-01-01", "2026-01-31"),),
    )
    expired = make_learner(factory, municipality, coordinator, "2025-01-05", level=Level.A1)
    # 2026-02-23 + 31 days of leave = 2026-03-26: 76 days left, outside the extension window.
    assert sql_flags(admin, on_leave) == (D90, ON_LEAVE)
    assert sql_flags(admin, expired) == (EXPIRED,)


@pytest.mark.parametrize(
    ("employment", "rows", "unused"),
    [
        (Employment.PART_TIME, [(YESTERDAY, 5400)], True),  # 1.5 hours
        (Employment.FULL_TIME, [(YESTERDAY, 3600), (TODAY, 3600), (D("2025-12-20"), 3600)], False),
        (Employment.SHIFT_WORK, [(YESTERDAY, 7200)], False),  # exactly 2 hours is enough
        (Employment.FULL_TIME, [(YESTERDAY, 7199)], True),
        (Employment.FULL_TIME, [(TODAY - timedelta(days=27), 10800)], False),  # first window day
        (Employment.FULL_TIME, [(TODAY - timedelta(days=28), 10800)], True),  # just outside
        (Employment.FULL_TIME, [], True),
        (Employment.NOT_WORKING, [], False),
    ],
)
def test_time_running_unused(factory, municipality, coordinator, admin, employment, rows, unused):
    learner = make_learner(factory, municipality, coordinator, "2025-09-01", employment=employment)
    for day, seconds in rows:
        study(learner, day, seconds)
    assert (FLAG_TIME_RUNNING_UNUSED in sql_flags(admin, learner)) is unused


def test_time_running_unused_counts_every_source_and_only_while_active(
    factory, municipality, coordinator, admin
):
    mixed = make_learner(
        factory, municipality, coordinator, "2025-09-01", employment=Employment.FULL_TIME
    )
    study(mixed, YESTERDAY, 3600, StudySource.LESSON)
    study(mixed, YESTERDAY, 1800, StudySource.REVIEW)
    study(mixed, TODAY, 1800, StudySource.CLASS)
    on_leave = make_learner(
        factory,
        municipality,
        coordinator,
        "2025-09-01",
        employment=Employment.FULL_TIME,
        leaves=(("2026-01-01", "2026-01-31"),),
    )
    assert FLAG_TIME_RUNNING_UNUSED not in sql_flags(admin, mixed)
    assert FLAG_TIME_RUNNING_UNUSED not in sql_flags(admin, on_leave)


# --- The daily sweep ------------------------------------------------------------------------


def mask(*flags: str) -> int:
    return sum(bit(flag) for flag in flags)


def stored_flags() -> dict[int, tuple[int, int, date]]:
    db.session.expire_all()
    return {
        state.learner_id: (state.flags, state.pending, state.changed_on)
        for state in db.session.scalars(select(LearnerFlagState))
    }


def mail_to(address: str) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.to_address == address)
            .order_by(OutboxMessage.id)
        )
    )


def translated(locale: str, text: str) -> str:
    with force_locale(locale):
        return _(text)


@pytest.fixture
def world(app, factory, municipality, coordinator):
    """Learners in two municipalities whose flags on 10 January 2026 are known."""
    other_municipality = factory.organisation(OrganisationKind.MUNICIPALITY, "Dalby kommune")
    w = {
        "coordinator": coordinator,
        "second_coordinator": factory.user(Role.COORDINATOR, municipality, locale="nb"),
        "retired_coordinator": factory.user(Role.COORDINATOR, municipality, locale="en"),
        "other_coordinator": factory.user(Role.COORDINATOR, other_municipality, locale="en"),
        "teacher": factory.user(Role.TEACHER),
    }
    w["retired_coordinator"].active = False
    # 45 days left, at the target and studying: deadline_90 and extension_possible.
    w["near"] = make_learner(factory, municipality, coordinator, "2025-02-24", locale="nb")
    study(w["near"], YESTERDAY, 3600)
    # Working, never studied, far from the end: at_risk (idle) and time_running_unused.
    w["working"] = make_learner(
        factory,
        municipality,
        coordinator,
        "2025-09-01",
        locale="en",
        employment=Employment.FULL_TIME,
    )
    # In another municipality, over yesterday: expired.
    w["expired"] = make_learner(factory, other_municipality, coordinator, "2025-01-10", locale="uk")
    # On leave until 20 January, studying: on_leave only, which nobody is told about.
    w["on_leave"] = make_learner(
        factory,
        municipality,
        coordinator,
        "2025-09-01",
        leaves=(("2026-01-05", "2026-01-20"),),
    )
    study(w["on_leave"], YESTERDAY, 3600)
    # Not started: no flags, no state row.
    w["waiting"] = make_learner(factory, municipality, coordinator, "2026-02-01")
    # No record at all.
    w["unregistered"] = factory.learner(home=municipality)
    db.session.commit()
    return w


LAUNCH = D("2024-12-01")  # before any of the world's learners started: no flags raised


@pytest.fixture
def swept_before(world):
    """The first sweep ever, at launch: silent, it stores the baseline and tells nobody."""
    first = run_daily_sweep(LAUNCH)
    db.session.commit()
    assert first.notifications == 0
    assert count(OutboxMessage) == 0
    return world


def test_the_sweep_stores_flags_and_notifies_each_crossing_once(swept_before):
    world = swept_before
    run = run_daily_sweep(TODAY)
    db.session.commit()

    assert stored_flags() == {
        world["near"].id: (mask(D90, EXT), 0, TODAY),
        world["working"].id: (mask(FLAG_AT_RISK, FLAG_TIME_RUNNING_UNUSED), 0, TODAY),
        world["expired"].id: (mask(EXPIRED), 0, TODAY),
        world["on_leave"].id: (mask(ON_LEAVE), 0, TODAY),
    }

    # One e-mail per learner with learner-facing news, in their own language.
    [near_mail] = mail_to(world["near"].email)
    assert near_mail.subject == translated("nb", "News about your right to Norwegian training")
    assert near_mail.subject != "News about your right to Norwegian training"
    deadline_90_nb = translated(
        "nb",
        "You have 90 days or fewer left of your right to free Norwegian training. Make a plan "
        "with your teacher for the time that is left.",
    )
    deadline_30_nb = translated(
        "nb",
        "You have 30 days or fewer left of your right to free Norwegian training. Use the time "
        "that is left, and talk to your coordinator if you need more.",
    )
    assert deadline_90_nb in near_mail.body_text
    assert deadline_30_nb not in near_mail.body_text
    assert (
        translated(
            "nb",
            "Your municipality may be able to extend your training. If you need more time to "
            "reach your goal, ask your coordinator about extended training.",
        )
        in near_mail.body_text
    )
    assert "http://norskvei.test/my/entitlement" in near_mail.body_text

    [working_mail] = mail_to(world["working"].email)
    assert working_mail.subject == "News about your right to Norwegian training"
    assert "You have studied less than 2 hours in the last 4 weeks." in working_mail.body_text
    assert "90 days or fewer" not in working_mail.body_text

    [expired_mail] = mail_to(world["expired"].email)
    assert expired_mail.subject == translated("uk", "News about your right to Norwegian training")
    assert expired_mail.subject != "News about your right to Norwegian training"

    assert mail_to(world["on_leave"].email) == []
    assert mail_to(world["waiting"].email) == []
    assert mail_to(world["unregistered"].email) == []

    # One digest per active coordinator of the learner's home municipality.
    [digest] = mail_to(world["coordinator"].email)
    assert digest.subject == "Learners who need attention"
    near_name, working_name = world["near"].name, world["working"].name
    lines = [line for line in digest.body_text.splitlines() if line.startswith("- ")]
    assert lines == [
        f"- {near_name}: 90 days or fewer left",
        f"- {near_name}: Extension possible",
        f"- {working_name}: At risk",
        f"- {working_name}: Working, time running unused",
    ]
    assert "http://norskvei.test/entitlements" in digest.body_text
    [second_digest] = mail_to(world["second_coordinator"].email)
    assert second_digest.subject == translated("nb", "Learners who need attention")
    assert len([line for line in second_digest.body_text.splitlines() if line[:2] == "- "]) == 4
    [other_digest] = mail_to(world["other_coordinator"].email)
    other_lines = [line for line in other_digest.body_text.splitlines() if line[:2] == "- "]
    assert other_lines == [f"- {world['expired'].name}: Period over"]
    assert mail_to(world["retired_coordinator"].email) == []
    assert mail_to(world["teacher"].email) == []
    assert count(OutboxMessage) == 3 + 3

    saved = db.session.get(SweepRun, run.id)
    assert saved.run_for == TODAY
    assert (saved.learners, saved.learners_changed, saved.notifications) == (5, 4, 6)
    assert saved.finished_at is not None

    # The same day again: nothing changed, nothing told.
    again = run_daily_sweep(TODAY)
    db.session.commit()
    assert (again.learners_changed, again.notifications) == (0, 0)
    assert count(OutboxMessage) == 6
    assert count(SweepRun) == 3
    assert {state[1] for state in stored_flags().values()} == {0}


def test_a_flag_that_no_longer_holds_is_cleared_and_not_told(swept_before):
    world = swept_before
    run_daily_sweep(TODAY)
    db.session.commit()
    messages = count(OutboxMessage)
    assert messages == 6

    later = D("2026-01-21")  # the leave ended yesterday
    study(world["on_leave"], later, 3600)  # studying again, so not idle either
    study(world["working"], later, 3 * 3600)  # studies 3 hours after work now
    run = run_daily_sweep(later)
    db.session.commit()

    flags = stored_flags()
    assert flags[world["on_leave"].id] == (0, 0, later)
    assert flags[world["working"].id] == (0, 0, later)
    # 34 days left now, still not 30: unchanged, so not rewritten.
    assert flags[world["near"].id] == (mask(D90, EXT), 0, TODAY)
    assert flags[world["expired"].id] == (mask(EXPIRED), 0, TODAY)
    assert run.learners_changed == 2
    assert run.notifications == 0
    assert count(OutboxMessage) == messages


def test_a_new_crossing_is_told_once_more(swept_before):
    world = swept_before
    run_daily_sweep(TODAY)
    db.session.commit()
    before = len(mail_to(world["near"].email))
    assert before == 1

    crossing = D("2026-01-25")  # the last day is 2026-02-23: 30 days left
    study(world["near"], crossing, 3600)
    run = run_daily_sweep(crossing)
    db.session.commit()

    assert stored_flags()[world["near"].id] == (mask(D90, D30, EXT), 0, crossing)
    news = mail_to(world["near"].email)[before:]
    assert len(news) == 1
    body = news[0].body_text
    deadline_30_nb = translated(
        "nb",
        "You have 30 days or fewer left of your right to free Norwegian training. Use the time "
        "that is left, and talk to your coordinator if you need more.",
    )
    deadline_90_nb = translated(
        "nb",
        "You have 90 days or fewer left of your right to free Norwegian training. Make a plan "
        "with your teacher for the time that is left.",
    )
    assert deadline_30_nb in body
    assert deadline_90_nb not in body  # told already
    [*_, digest] = mail_to(world["coordinator"].email)
    lines = [line for line in digest.body_text.splitlines() if line.startswith("- ")]
    assert f"- {world['near'].name}: 30 days or fewer left" in lines
    assert f"- {world['near'].name}: 90 days or fewer left" not in lines
    assert run.learners_changed >= 1


# --- Commands -------------------------------------------------------------------------------


def test_flask_entitlement_sweep_command(runner, swept_before):
    world = swept_before
    result = runner.invoke(args=["entitlement", "sweep", "--today", "2026-01-10"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == (
        "sweep 2026-01-10: 5 learners, 4 with changed flags, 6 notification(s)"
    )
    db.session.rollback()
    runs = db.session.scalars(select(SweepRun).order_by(SweepRun.id)).all()
    assert [run.run_for for run in runs] == [LAUNCH, TODAY]
    assert stored_flags()[world["expired"].id] == (mask(EXPIRED), 0, TODAY)
    assert count(OutboxMessage) == 6

    again = runner.invoke(args=["entitlement", "sweep", "--today", "2026-01-10"])
    assert again.exit_code == 0, again.output
    assert "0 with changed flags, 0 notification(s)" in again.stdout


@pytest.mark.parametrize("bad", ["2026-13-01", "10.01.2026", "2026-1-10", "tomorrow"])
def test_flask_entitlement_sweep_refuses_a_bad_date(runner, world, bad):
    db.session.commit()
    result = runner.invoke(args=["entitlement", "sweep", "--today", bad])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"Error: --today: {bad!r} is not a date (YYYY-MM-DD)."
    db.session.rollback()
    assert count(SweepRun) == 0
    assert count(LearnerFlagState) == 0
    assert count(OutboxMessage) == 0


def test_explain_a_stored_learner_equals_the_explicit_call(
    runner, factory, municipality, coordinator
):
    learner = factory.learner(
        home=municipality,
        settlement_date=D("2024-11-15"),
        birth_date=D("1985-05-17"),
        education=Education.HIGHER,
    )
    register(
        coordinator,
        learner,
        "2025-02-01",
        leaves=(("2026-01-01", "2026-01-15"), ("2025-07-01", "2025-07-05")),
        extensions=(2,),
        dropout="2026-03-01",
    )
    db.session.commit()

    stored = runner.invoke(
        args=["entitlement", "explain", "--learner", str(learner.id), "--today", "2026-01-10",
              "--json"]
    )  # fmt: skip
    explicit = runner.invoke(
        args=[
            "entitlement", "explain",
            "--start", "2025-02-01",
            "--education", "higher",
            "--leave", "2026-01-01:2026-01-15",
            "--leave", "2025-07-01:2025-07-05",
            "--extension", "2",
            "--discontinued", "2026-03-01",
            "--birth-date", "1985-05-17",
            "--settled", "2024-11-15",
            "--today", "2026-01-10",
            "--json",
        ]
    )  # fmt: skip
    assert stored.exit_code == 0, stored.output
    assert explicit.exit_code == 0, explicit.output
    payload = json.loads(stored.stdout)
    assert payload == json.loads(explicit.stdout)
    # 2025-02-01 + 14 months - 1 day = 2026-03-31, + 20 days of leave = 2026-04-20.
    assert payload["last_day"] == "2026-04-20"
    assert payload["days_left"] == 101
    assert payload["status"] == "on_leave"
    assert payload["flags"] == ["on_leave"]
    assert (payload["extensions_used"], payload["extensions_left"]) == (1, 0)
    assert db.session.get(Entitlement, learner.id).last_day == D("2026-04-20")


def test_explain_refuses_a_learner_without_a_start(runner, factory, municipality):
    learner = factory.learner(home=municipality)
    result = runner.invoke(
        args=["entitlement", "explain", "--learner", str(learner.id), "--today", "2026-01-10"]
    )
    assert result.exit_code == 2
    assert "has no registered start date" in result.stderr


# --- The overview's query count -------------------------------------------------------------


def overview_statements(client) -> tuple[int, str]:
    statements: list[str] = []
    # The request shares the test's session: start both measurements from the same state
    # (nothing loaded), so the count depends only on what the page itself does.
    db.session.commit()

    def count_statement(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count_statement)
    try:
        response = client.get("/entitlements", headers={"Accept-Language": "en"})
    finally:
        event.remove(db.engine, "before_cursor_execute", count_statement)
    assert response.status_code == 200
    return len(statements), response.get_data(as_text=True)


def add_learners(factory, municipality, coordinator, n: int, offset: int) -> None:
    providers = [factory.organisation(OrganisationKind.PROVIDER) for _ in range(3)]
    for i in range(offset, offset + n):
        learner = factory.learner(
            home=municipality,
            organisation=providers[i % 3],
            settlement_date=SETTLED,
            employment=Employment.PART_TIME if i % 2 else Employment.NOT_WORKING,
        )
        if i % 4:  # every fourth learner has no record
            register(
                coordinator,
                learner,
                f"2025-{1 + i % 12:02d}-15",
                leaves=(("2025-12-01", "2025-12-10"),) if i % 3 == 0 else (),
                extensions=(2,) if i % 5 == 0 else (),
            )
        if i % 2:
            study(learner, D("2026-01-05"), 600 * (i % 7), StudySource.CLASS)


def test_the_overview_query_count_does_not_grow_with_the_learners(
    client, factory, municipality, coordinator
):
    add_learners(factory, municipality, coordinator, 10, 0)
    login_as(client, coordinator)
    assert client.get("/entitlements").status_code == 200  # warm up
    add_learners(factory, municipality, coordinator, 1, 10)
    small, small_page = overview_statements(client)
    assert small_page.count('href="/learners/') == 11

    add_learners(factory, municipality, coordinator, 50, 11)
    large, large_page = overview_statements(client)
    assert large_page.count('href="/learners/') == 25
    assert "61 learners" in large_page
    assert large == small


def test_the_first_sweep_is_silent_and_tells_only_later_crossings(runner, world):
    db.session.commit()
    result = runner.invoke(args=["entitlement", "sweep", "--today", "2026-01-10"])
    assert result.exit_code == 0, result.output
    assert "4 with changed flags, 0 notification(s)" in result.stdout
    assert count(OutboxMessage) == 0
    assert stored_flags()[world["expired"].id] == (mask(EXPIRED), 0, TODAY)
    # The same day again tells nobody: nothing changed since the baseline.
    assert run_daily_sweep(TODAY).notifications == 0
    db.session.commit()
    # A crossing after the baseline is told.
    crossing = D("2026-01-25")  # the near learner's last day is 2026-02-23: 30 days left
    study(world["near"], crossing, 3600)
    run = run_daily_sweep(crossing)
    db.session.commit()
    assert run.notifications >= 1
    assert mail_to(world["near"].email)


def test_the_first_sweep_on_fifty_learners_queues_nothing_and_the_next_day_one_crossing(
    municipality, coordinator, factory
):
    # An existing population: most of them already past a threshold the first sweep would tell.
    starts = ("2025-02-24", "2025-01-10", "2025-03-22", "2025-09-01", "2025-01-30")
    population = [
        make_learner(factory, municipality, coordinator, starts[i % len(starts)], locale="en")
        for i in range(49)
    ]
    # Last day 2026-02-09: 31 days left today, 30 tomorrow.
    crossing = make_learner(factory, municipality, coordinator, "2025-02-10", locale="en")
    population.append(crossing)
    for learner in population:
        study(learner, YESTERDAY, 3600)
    assert len(population) == 50

    first = run_daily_sweep(TODAY)
    db.session.commit()
    assert first.learners == 50
    assert first.learners_changed == 40  # every learner but the ten far from their end
    assert first.notifications == 0
    assert count(OutboxMessage) == 0
    assert {state[1] for state in stored_flags().values()} == {0}  # nothing left pending
    assert stored_flags()[crossing.id] == (mask(D90, EXT), 0, TODAY)

    tomorrow = TODAY + timedelta(days=1)
    second = run_daily_sweep(tomorrow)
    db.session.commit()
    assert second.learners_changed == 1
    assert stored_flags()[crossing.id] == (mask(D90, D30, EXT), 0, tomorrow)
    learner_addresses = {learner.email for learner in population}
    queued = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [m.to_address for m in queued if m.to_address in learner_addresses] == [crossing.email]
    [notice] = mail_to(crossing.email)
    assert "You have 30 days or fewer left" in notice.body_text
    assert "90 days or fewer" not in notice.body_text  # already true at the baseline
    [digest] = mail_to(coordinator.email)  # the coordinator hears of that one learner only
    lines = [line for line in digest.body_text.splitlines() if line.startswith("- ")]
    assert lines == [f"- {crossing.name}: 30 days or fewer left"]
    assert second.notifications == len(queued) == 2


def test_notify_tells_even_the_first_sweep_and_silent_even_a_later_one(runner, world):
    db.session.commit()
    result = runner.invoke(args=["entitlement", "sweep", "--today", "2026-01-10", "--notify"])
    assert result.exit_code == 0, result.output
    assert "4 with changed flags, 6 notification(s)" in result.stdout
    crossing = D("2026-01-25")  # the near learner crosses 30 days left
    study(world["near"], crossing, 3600)
    later = runner.invoke(args=["entitlement", "sweep", "--today", "2026-01-25", "--silent"])
    assert later.exit_code == 0, later.output
    assert "0 notification(s)" in later.stdout
    db.session.rollback()
    assert count(OutboxMessage) == 6
    assert stored_flags()[world["near"].id] == (mask(D90, D30, EXT), 0, crossing)
