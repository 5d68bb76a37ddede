"""``flask scheduler`` commands."""

from __future__ import annotations

import click
from flask import Flask, current_app

from scheduling.process import AnotherSchedulerRuns, run_forever, run_once


@click.group("scheduler")
def scheduler_cli() -> None:
    """Background jobs."""


@scheduler_cli.command("run")
@click.option("--once", is_flag=True, help="Run each job a single time and exit.")
def run_command(once: bool) -> None:
    """Run the scheduler (one process per deployment)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if once:
        try:
            run_once(app)
        except AnotherSchedulerRuns:
            click.echo("another scheduler process is running: nothing was done", err=True)
            raise SystemExit(75) from None  # EX_TEMPFAIL: try again later
        click.echo("ran each job once")
    else:
        run_forever(app)


def init_app(app: Flask) -> None:
    """Register the ``flask scheduler`` commands."""
    app.cli.add_command(scheduler_cli)
