"""``flask classes`` commands."""

from __future__ import annotations

import json
from datetime import date, time

import click
from flask import Flask

from scheduling.recurrence import (
    Recurrence,
    RecurrenceError,
    expand,
    parse_weekdays,
    preview_json,
)

REASONS = {
    "bad_weekday": "--weekdays takes mon,tue,wed,thu,fri,sat,sun separated by commas",
    "no_weekdays": "--weekdays names no day",
    "ends_before_start": "--end must be later than --start",
    "last_before_first": "--to must not be before --from",
    "too_long": "a series can last at most two years",
}


def _fail(reason: str) -> None:
    click.echo(f"error: {reason}", err=True)
    raise SystemExit(2)


@click.group("classes")
def classes_cli() -> None:
    """Class series."""


@classes_cli.command("preview")
@click.option("--weekdays", required=True, help="Days the class meets, e.g. tue,thu.")
@click.option("--start", "start", required=True, help="Local start time, HH:MM.")
@click.option("--end", "end", required=True, help="Local end time, HH:MM.")
@click.option("--from", "first", required=True, help="First date, YYYY-MM-DD.")
@click.option("--to", "last", required=True, help="Last date, YYYY-MM-DD.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def preview_command(weekdays: str, start: str, end: str, first: str, last: str, as_json: bool):
    """Print a series' sessions in Oslo time, with the public holidays it skips."""
    start_time = _parse_time(start, "--start")
    end_time = _parse_time(end, "--end")
    first_date = _parse_date(first, "--from")
    last_date = _parse_date(last, "--to")
    try:
        recurrence = Recurrence(
            weekdays=parse_weekdays(weekdays),
            start_local=start_time,
            end_local=end_time,
            first=first_date,
            last=last_date,
        )
        expansion = expand(recurrence)
    except RecurrenceError as error:
        _fail(REASONS[error.code])
        return
    result = preview_json(expansion)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
        return
    for session in result["sessions"]:
        click.echo(
            f"{session['date']} {session['start_local']}-{session['end_local']} "
            f"({session['start_utc']}) {session['slot']}"
        )
    for skipped in result["skipped"]:
        click.echo(f"{skipped['date']} skipped: {skipped['reason']}")


def _parse_time(value: str, option: str) -> time:
    try:
        hours, minutes = value.split(":")
        if len(hours) != 2 or len(minutes) != 2:
            raise ValueError
        return time(int(hours), int(minutes))
    except ValueError:
        _fail(f"{option} takes a time as HH:MM, got {value!r}")
        raise


def _parse_date(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        _fail(f"{option} takes a date as YYYY-MM-DD, got {value!r}")
        raise


def init_app(app: Flask) -> None:
    """Register the ``flask classes`` commands."""
    app.cli.add_command(classes_cli)
