"""``flask mail`` commands."""

from __future__ import annotations

import click
from flask import Flask

from webapp.mail.services import deliver_pending


@click.group("mail")
def mail_cli() -> None:
    """Outgoing e-mail."""


@mail_cli.command("send")
def send_command() -> None:
    """Send every message waiting in the outbox."""
    total = 0
    while sent := deliver_pending():
        total += sent
    click.echo(f"sent {total} message(s)")


def init_app(app: Flask) -> None:
    """Register the ``flask mail`` commands."""
    app.cli.add_command(mail_cli)
