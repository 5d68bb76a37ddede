"""Sync is all-or-nothing and idempotent; edits keep progress; removed lessons are archived."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from lessons.loader import lesson_files
from tests.conftest import LESSON_FIXTURES, copy_fixture_lesson, sync_lessons_in
from webapp.extensions import db
from webapp.lessons import services
from webapp.lessons.models import Lesson, LessonProgress

FIXTURES = LESSON_FIXTURES


@pytest.fixture
def content(tmp_path) -> Path:
    first = copy_fixture_lesson(tmp_path)
    source = first.read_text()
    second = source.replace("fixture-first-day", "fixture-second").replace("order: 1", "order: 2")
    (first.parent / "a1-02-b.md").write_text(second)
    return tmp_path


def test_second_sync_changes_nothing(content):
    first = sync_lessons_in(content)
    assert (first.added, first.changed, first.archived) == (2, 0, 0)
    second = sync_lessons_in(content)
    assert second.total_changed == 0
    assert second.unchanged == 2


def test_rendered_html_is_stored_and_sanitized(content):
    sync_lessons_in(content)
    lesson = db.session.get(Lesson, "fixture-first-day")
    text = services.lesson_content(lesson)
    assert "<strong>Leder:</strong>" in text["blocks"][0]["nb"]
    assert "<script>" not in lesson.content
    assert "alert" not in lesson.content  # the script element goes, with its content


def test_a_problem_anywhere_loads_nothing(content):
    bad = content / "working-life" / "a1-03-bad.md"
    bad.write_text(
        (content / "working-life" / "a1-01-a.md")
        .read_text()
        .replace("level: A1", "level: Z9")
        .replace("fixture-first-day", "fixture-bad")
        .replace("order: 1", "order: 3")
    )
    with pytest.raises(services.LessonProblems) as refused:
        services.sync_lessons(lesson_files(content), content)
    db.session.rollback()
    assert any("level must be one of" in str(p) for p in refused.value.problems)
    assert db.session.scalar(select(func.count()).select_from(Lesson)) == 0


def test_editing_keeps_progress_and_bumps_the_version(content, factory):
    sync_lessons_in(content)
    learner = factory.learner()
    lesson = db.session.get(Lesson, "fixture-first-day")
    services.answer_exercise(learner, lesson, "e1", "Hei, jeg heter Olena.")
    db.session.commit()
    path = content / "working-life" / "a1-01-a.md"
    path.write_text(path.read_text().replace("Velkommen på jobb.", "Velkommen til oss."))
    report = sync_lessons_in(content)
    assert (report.changed, report.unchanged) == (1, 1)
    db.session.refresh(lesson)
    assert lesson.version == 2
    assert "Velkommen til oss." in services.lesson_content(lesson)["blocks"][0]["nb"]
    progress = db.session.get(LessonProgress, (learner.id, "fixture-first-day"))
    assert progress is not None
    assert progress.best_score > 0


def test_removed_lessons_are_archived_not_deleted(content, factory):
    sync_lessons_in(content)
    learner = factory.learner()
    services.start_lesson(learner, db.session.get(Lesson, "fixture-second"))
    db.session.commit()
    (content / "working-life" / "a1-02-b.md").unlink()
    report = sync_lessons_in(content)
    assert report.archived == 1
    lesson = db.session.get(Lesson, "fixture-second")
    assert lesson.archived_at is not None
    assert db.session.get(LessonProgress, (learner.id, "fixture-second")) is not None
    assert [e.lesson.id for e in services.catalogue(learner, "nb").tracks["working-life"]] == [
        "fixture-first-day"
    ]


def test_sync_command_prints_counts(runner, content):
    result = runner.invoke(args=["lessons", "sync", str(content)])
    assert result.exit_code == 0, result.output
    assert "2 changed (2 added, 0 updated, 0 archived), 0 unchanged" in result.output
    again = runner.invoke(args=["lessons", "sync", str(content)])
    assert "0 changed" in again.output


def test_sync_command_refuses_broken_files(runner):
    result = runner.invoke(args=["lessons", "sync", str(FIXTURES / "broken")])
    assert result.exit_code == 1
    assert "level must be one of A1, A2, B1" in result.output
    assert db.session.scalar(select(func.count()).select_from(Lesson)) == 0
