"""``flask demo`` commands."""

from __future__ import annotations

import click
from flask import Flask

from webapp.demo import data
from webapp.demo.recordings import DEMO_LESSON, FOLDER, make_demo_recordings
from webapp.demo.services import seed_demo
from webapp.extensions import db
from webapp.lessons.models import Lesson


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
        f"{report.learners} learner(s), {report.classes} class series, "
        f"{report.recordings} synthesized recording(s) added"
    )
    click.echo(f"demo logins (password {data.DEMO_PASSWORD}): " + ", ".join(data.FIXED_LOGINS))


@demo_cli.command("make-recordings")
def make_recordings_command() -> None:
    """Synthesize the demo lesson's recordings (needs espeak-ng and ffmpeg); keeps existing ones."""
    lesson = db.session.get(Lesson, DEMO_LESSON)
    if lesson is None:
        raise click.ClickException(f"lesson {DEMO_LESSON} is not loaded: run flask lessons sync")
    click.echo(f"{make_demo_recordings(lesson)} recording(s) written to {FOLDER}")


def init_app(app: Flask) -> None:
    """Register the ``flask demo`` commands."""
    app.cli.add_command(demo_cli)
