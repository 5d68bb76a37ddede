"""``flask entitlement`` commands."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import date

import click
from flask import Flask

from webapp.accounts.models import User
from webapp.clock import oslo_today
from webapp.entitlement import services
from webapp.entitlement.audit import audit_findings
from webapp.entitlement.rules import (
    EDUCATION_LEVELS,
    RULE_SETS,
    EntitlementInputs,
    EntitlementRefusal,
    EntitlementResult,
    Leave,
    RuleSet,
    check_applies,
    compute,
)
from webapp.entitlement.sweep import run_daily_sweep
from webapp.extensions import db


@click.group("entitlement")
def entitlement_cli() -> None:
    """The right to Norwegian training."""


def init_app(app: Flask) -> None:
    """Register the ``flask entitlement`` commands."""
    app.cli.add_command(entitlement_cli)


_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class _Refused(Exception):
    """A command-line input the command refuses, with a one-line reason."""


def _fail(reason: str) -> click.exceptions.Exit:
    """Print a one-line reason on stderr and return the exit (code 2) to raise."""
    click.echo(f"Error: {reason}", err=True)
    return click.exceptions.Exit(2)


def _parse_date(option: str, value: str) -> date:
    """Parse a YYYY-MM-DD option value, refusing anything else."""
    try:
        if not _DATE.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise _Refused(f"{option}: {value!r} is not a date (YYYY-MM-DD).") from None


def _parse_leave(value: str) -> Leave:
    """Parse a FROM:TO leave option value."""
    first, sep, last = value.partition(":")
    if not sep:
        raise _Refused(f"--leave: {value!r} is not FROM:TO (YYYY-MM-DD:YYYY-MM-DD).")
    return Leave(_parse_date("--leave", first), _parse_date("--leave", last))


def _parse_extension(value: str) -> tuple[int, date | None]:
    """Parse a MONTHS@YYYY-MM-DD extension option value (a bare MONTHS is an undated decision,
    taken as made on the start date)."""
    months_text, sep, day_text = value.partition("@")
    if not months_text.strip().isdigit():
        raise _Refused(f"--extension: {value!r} is not MONTHS or MONTHS@YYYY-MM-DD.")
    return int(months_text), _parse_date("--extension", day_text) if sep else None


def _grant_text(result: EntitlementResult) -> str:
    """The grant total, or which years have no registered rate (never another year's rate)."""
    if result.grant_nok is not None:
        return f"NOK {result.grant_nok:,}"
    years = ", ".join(str(year) for year in result.unregistered_rate_years)
    known = sum(line.nok or 0 for line in result.grants)
    return f"rate not registered for {years} (NOK {known:,} at registered rates)"


def _summary(rule_set_name: str, result: EntitlementResult) -> str:
    """Format a result as a short human-readable summary."""
    flags = ", ".join(result.flags) or "none"
    lines = [
        f"Rule set:   {rule_set_name}",
        f"Status:     {result.status}",
        f"Last day:   {result.last_day.isoformat()} ({result.days_left} days left)",
        f"Extensions: {result.extensions_used} used, {result.extensions_left} decision(s)"
        f" and {result.extension_months_left} month(s) left",
        f"Grant:      {_grant_text(result)}",
        f"Flags:      {flags}",
    ]
    if result.age_cut:
        lines.append(
            "Note:       cut to the day before the 67th birthday (the platform's reading: "
            "the rules name the group as 18-67 but do not say the right stops at 67)"
        )
    return "\n".join(lines)


@entitlement_cli.command("explain")
@click.option("--learner", "learner_id", type=int, help="Explain a stored learner (by user id).")
@click.option("--start", "start_text", metavar="YYYY-MM-DD")
@click.option("--education", type=click.Choice(EDUCATION_LEVELS))
@click.option("--leave", "leave_texts", multiple=True, metavar="FROM:TO")
@click.option(
    "--extension",
    "extension_texts",
    multiple=True,
    metavar="MONTHS@YYYY-MM-DD",
    help="An extension decision and its date (a bare MONTHS is dated on the start).",
)
@click.option("--discontinued", "discontinued_text", metavar="YYYY-MM-DD")
@click.option("--birth-date", "birth_text", metavar="YYYY-MM-DD")
@click.option("--settled", "settled_text", metavar="YYYY-MM-DD")
@click.option(
    "--rule-set",
    "rule_set_id",
    type=click.Choice(sorted(RULE_SETS)),
    default="tcp_37d_2023",
    show_default=True,
)
@click.option("--today", "today_text", required=True, metavar="YYYY-MM-DD")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def explain(
    learner_id: int | None,
    start_text: str | None,
    education: str | None,
    leave_texts: tuple[str, ...],
    extension_texts: tuple[str, ...],
    discontinued_text: str | None,
    birth_text: str | None,
    settled_text: str | None,
    rule_set_id: str,
    today_text: str,
    as_json: bool,
) -> None:
    """Compute a learner's last day, days left, status, extensions, grant and flags (rule
    version 2: a leave or decision outside the period is refused with exit 2)."""
    settings = services.flag_settings()
    rule_set = dataclasses.replace(
        services.effective_rule_set(rule_set_id),
        deadline_90_days=settings.deadline_far_days,
        deadline_30_days=settings.deadline_near_days,
    )
    try:
        if learner_id is not None:
            rule_set, inputs = _stored_inputs(learner_id)
        elif not start_text or not education:
            raise _Refused("--start and --education are required unless --learner is given.")
        else:
            inputs = _inputs_from_options(
                start_text,
                education,
                leave_texts,
                extension_texts,
                discontinued_text,
                birth_text,
                settled_text,
            )
        today = _parse_date("--today", today_text)
        check_applies(rule_set, inputs.start)
        result = compute(rule_set, inputs, today)
    except _Refused as refused:
        raise _fail(str(refused)) from None
    except EntitlementRefusal as refusal:
        raise _fail(f"{refusal.message} [{refusal.code}]") from None
    _print_result(rule_set, result, as_json)


def _inputs_from_options(
    start_text: str,
    education: str,
    leave_texts: tuple[str, ...],
    extension_texts: tuple[str, ...],
    discontinued_text: str | None,
    birth_text: str | None,
    settled_text: str | None,
) -> EntitlementInputs:
    """Build the rules' inputs from the command-line options."""
    extensions = [_parse_extension(text) for text in extension_texts]
    return EntitlementInputs(
        start=_parse_date("--start", start_text),
        education=education,
        leaves=tuple(_parse_leave(text) for text in leave_texts),
        extension_months=tuple(months for months, _ in extensions),
        extension_dates=tuple(day for _, day in extensions),
        discontinued_on=(
            _parse_date("--discontinued", discontinued_text) if discontinued_text else None
        ),
        birth_date=_parse_date("--birth-date", birth_text) if birth_text else None,
        settlement_date=_parse_date("--settled", settled_text) if settled_text else None,
    )


def _stored_inputs(learner_id: int) -> tuple[RuleSet, EntitlementInputs]:
    """The rule set and inputs of a stored learner, exactly as the app uses them."""
    learner = db.session.get(User, learner_id)
    if learner is None or learner.learner_profile is None:
        raise _Refused(f"--learner: no learner with id {learner_id}.")
    entitlement = services.get_entitlement(learner)
    if entitlement is None or entitlement.start_date is None:
        raise _Refused(f"--learner: learner {learner_id} has no registered start date.")
    return services.rule_set_for(entitlement), services.inputs_for(
        entitlement, learner.learner_profile
    )


def _print_result(rule_set: RuleSet, result: EntitlementResult, as_json: bool) -> None:
    """Print the result as a summary or as JSON."""
    if not as_json:
        click.echo(_summary(rule_set.name, result))
        return
    payload = {
        "last_day": result.last_day.isoformat(),
        "days_left": result.days_left,
        "status": result.status,
        "extensions_used": result.extensions_used,
        "extensions_left": result.extensions_left,
        "extension_months_left": result.extension_months_left,
        "grant_nok": result.grant_nok,
        "flags": list(result.flags),
    }
    click.echo(json.dumps(payload))


@entitlement_cli.command("sweep")
@click.option("--today", "today_text", metavar="YYYY-MM-DD", help="Sweep as of this day.")
@click.option(
    "--silent/--notify",
    default=None,
    help="Store the flags as they stand and notify nobody, or notify even on the first sweep "
    "(default: the first sweep ever is silent, later ones notify).",
)
def sweep(today_text: str | None, silent: bool | None) -> None:
    """Run the daily sweep now: store flags and notify new crossings (safe to repeat)."""
    try:
        today = _parse_date("--today", today_text) if today_text else oslo_today()
    except _Refused as refused:
        raise _fail(str(refused)) from None
    run = run_daily_sweep(today, silent=silent)
    db.session.commit()
    click.echo(
        f"sweep {today.isoformat()}: {run.learners} learners, {run.learners_changed} with "
        f"changed flags, {run.notifications} notification(s)"
    )


@entitlement_cli.command("audit")
@click.option("--today", "today_text", metavar="YYYY-MM-DD", help="Judge as of this day.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per learner.")
def audit(today_text: str | None, as_json: bool) -> None:
    """List stored learners whose records break rule version 2 and what correcting them would
    change (read-only: it writes nothing, a coordinator corrects the records)."""
    try:
        today = _parse_date("--today", today_text) if today_text else oslo_today()
    except _Refused as refused:
        raise _fail(str(refused)) from None
    found = 0
    checked = 0
    try:
        for finding in audit_findings(today):
            checked += 1
            if finding is None:
                continue
            found += 1
            click.echo(json.dumps(finding) if as_json else _audit_text(finding))
    finally:
        db.session.rollback()
    if not as_json:
        click.echo(f"audit {today.isoformat()}: {found} of {checked} learner(s) break rule 2")


def _audit_text(finding: dict) -> str:
    """One learner's finding as a few readable lines."""
    lines = [
        f"learner {finding['learner_id']} ({finding['name']}, municipality "
        f"{finding['municipality_id']}):"
    ]
    lines += [f"  {problem['message']} [{problem['code']}]" for problem in finding["problems"]]
    for field in ("last_day", "status", "extensions_used"):
        change = finding["changes"].get(field)
        if change:
            lines.append(f"  {field}: {change[0]} -> {change[1]}")
    return "\n".join(lines)
