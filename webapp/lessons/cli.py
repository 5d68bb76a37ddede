"""``flask lessons`` commands: check and load the curriculum."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask

from lessons.loader import CONTENT_DIR, check_all, lesson_files


@click.group("lessons")
def lessons_cli() -> None:
    """The curriculum."""


@lessons_cli.command("check")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
def check_command(paths: tuple[Path, ...]) -> None:
    """Validate lesson files; print one ``path:line: problem`` per problem, exit 1 if any."""
    files = _files(paths)
    _parsed, problems = check_all(files, _root())
    for problem in problems:
        click.echo(str(problem))
    if problems:
        click.echo(f"{len(problems)} problem(s) in {len(files)} file(s)", err=True)
        raise SystemExit(1)
    click.echo(f"{len(files)} lesson file(s) checked, no problems")


def _root() -> Path:
    return CONTENT_DIR.parent.parent


def _files(paths: tuple[Path, ...]) -> list[Path]:
    if not paths:
        return lesson_files()
    files: list[Path] = []
    for path in paths:
        files.extend(lesson_files(path) if path.is_dir() else [path])
    return [file.resolve() for file in files]


def init_app(app: Flask) -> None:
    """Register the ``flask lessons`` commands."""
    app.cli.add_command(lessons_cli)
