"""``flask demo`` commands."""

from __future__ import annotations

import click
from flask import Flask

from webapp.demo import data
from webapp.demo.services import seed_demo
from webapp.extensions import db


@click.group("demo")
def demo_cli() -> None:
    """Demo data."""


@demo_cli.command("seed")
def seed_command() -> None:
    """Create the demo region and accounts; safe to run again."""
    report = seed_demo()
    db.session.commit()
    click.echo(
        f"demo data: {report.organisations} organisation(s), {report.staff} staff account(s), "
        f"{report.learners} learner(s), {report.classes} class series added"
    )
    click.echo(f"demo logins (password {data.DEMO_PASSWORD}): " + ", ".join(data.FIXED_LOGINS))


def init_app(app: Flask) -> None:
    """Register the ``flask demo`` commands."""
    app.cli.add_command(demo_cli)
