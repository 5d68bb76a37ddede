"""``flask lessons`` commands: check and load the curriculum."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask

from lessons import practice
from lessons.loader import CONTENT_DIR, check_all, lesson_files
from lessons.placement import BANK_FILE, bank_problems
from webapp.extensions import db
from webapp.lessons.services import LessonProblems, sync_lessons


@click.group("lessons")
def lessons_cli() -> None:
    """The curriculum."""


@lessons_cli.command("check")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
def check_command(paths: tuple[Path, ...]) -> None:
    """Validate lesson files (and, for the whole curriculum, the placement items); print one
    ``path:line: problem`` per problem, exit 1 if any."""
    files = _files(paths)
    _parsed, found = check_all(files, _root())
    problems = [str(problem) for problem in found]
    if not paths:  # the whole curriculum: the placement items and practice sets too
        problems += bank_problems(BANK_FILE, str(BANK_FILE.relative_to(_root())))
        problems += practice.all_problems(practice.PRACTICE_DIR, _root())
    for problem in problems:
        click.echo(problem)
    if problems:
        click.echo(f"{len(problems)} problem(s) in {len(files)} file(s)", err=True)
        raise SystemExit(1)
    click.echo(f"{len(files)} lesson file(s) checked, no problems")


@lessons_cli.command("check-practice")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
def check_practice_command(paths: tuple[Path, ...]) -> None:
    """Validate the practice sets in the test's format (or the set files named); print one
    ``path:line: problem`` per problem, exit 1 if any."""
    if paths:
        problems = [problem for path in paths for problem in practice.file_problems(path)]
    else:
        problems = practice.all_problems(practice.PRACTICE_DIR, _root())
    for problem in problems:
        click.echo(problem)
    if problems:
        click.echo(f"{len(problems)} problem(s) in the practice sets", err=True)
        raise SystemExit(1)
    click.echo("practice sets checked, no problems")


@lessons_cli.command("sync")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
def sync_command(paths: tuple[Path, ...]) -> None:
    """Load the lessons into the database, all or nothing; unchanged files change nothing."""
    files = _files(paths)
    try:
        with click.progressbar(length=len(files), label="lessons", file=sys.stderr) as bar:
            report = sync_lessons(files, _root(), progress=bar.update)
    except LessonProblems as refused:
        db.session.rollback()
        for problem in refused.problems:
            click.echo(str(problem))
        click.echo(f"nothing loaded: {len(refused.problems)} problem(s)", err=True)
        raise SystemExit(1) from None
    db.session.commit()
    click.echo(
        f"{report.total_changed} changed ({report.added} added, {report.changed} updated, "
        f"{report.archived} archived), {report.unchanged} unchanged"
    )


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
