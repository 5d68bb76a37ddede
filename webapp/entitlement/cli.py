"""``flask entitlement`` commands."""

from __future__ import annotations

import click
from flask import Flask


@click.group("entitlement")
def entitlement_cli() -> None:
    """The right to Norwegian training."""


def init_app(app: Flask) -> None:
    """Register the ``flask entitlement`` commands."""
    app.cli.add_command(entitlement_cli)
