"""``flask recordings`` commands: give staff the voice permission; delete expired answers."""

from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import func, select

from webapp.accounts.models import User
from webapp.extensions import db
from webapp.recordings.services import RecordingError, delete_expired_answers, grant_voice


@click.group("recordings")
def recordings_cli() -> None:
    """Human recordings."""


@recordings_cli.command("grant-voice")
@click.argument("email")
def grant_voice_command(email: str) -> None:
    """Let a staff member who is not a teacher record lesson texts (teachers always may)."""
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"no account with the e-mail address {email}")
    try:
        grant_voice(user)
    except RecordingError:
        raise click.ClickException("only staff members can record lesson texts") from None
    db.session.commit()
    click.echo(f"{user.email} may now record lesson texts")


@recordings_cli.command("delete-expired")
def delete_expired_command() -> None:
    """Delete learners' spoken answers older than RECORDINGS_RETENTION_DAYS now."""
    deleted = delete_expired_answers()
    click.echo(f"deleted {len(deleted)} spoken answer(s)")


def init_app(app: Flask) -> None:
    """Register the commands."""
    app.cli.add_command(recordings_cli)
