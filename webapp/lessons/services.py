"""Loading the curriculum, answering exercises, progress, vocabulary cards and study time."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import current_app, render_template, request
from fsrs import Card, Rating, Scheduler
from markupsafe import Markup, escape
from sqlalchemy import and_, bindparam, func, select

from lessons.grading import Grade, grade, is_completed, lesson_score
from lessons.loader import CONTENT_DIR, Problem, check_all, content_json, lesson_files
from webapp.accounts.models import User
from webapp.clock import oslo_day_of
from webapp.db_types import utcnow
from webapp.extensions import db
from webapp.lessons.models import (
    ExerciseAnswer,
    Lesson,
    LessonProgress,
    PlacementResult,
    StudyPresence,
    VocabCard,
    VocabReview,
    WritingSubmission,
)
from webapp.memo import BoundedCache
from webapp.studytime.models import StudySource
from webapp.studytime.services import record_study_time

# --- Loading the curriculum ---------------------------------------------------------------


class LessonProblems(Exception):
    """The curriculum has problems; nothing was loaded."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


@dataclass
class SyncReport:
    """What a sync changed."""

    added: int = 0
    changed: int = 0
    archived: int = 0
    unchanged: int = 0

    @property
    def total_changed(self) -> int:
        return self.added + self.changed + self.archived


def sync_lessons(
    paths: list[Path] | None = None,
    root: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> SyncReport:
    """Load lesson files into the database; refuse everything if any file has a problem.

    Unchanged files are left alone (a second run reports 0 changed); a lesson whose file is
    gone is archived, and its learners' progress stays.
    """
    files = paths if paths is not None else lesson_files()
    parsed, problems = check_all(files, root or CONTENT_DIR.parent.parent)
    if problems:
        raise LessonProblems(problems)
    report = SyncReport()
    existing = {lesson.id: lesson for lesson in db.session.scalars(select(Lesson))}
    seen: set[str] = set()
    now = utcnow()
    for lesson_file in parsed:
        data = lesson_file.data
        seen.add(data["id"])
        row = existing.get(data["id"])
        fields = {
            "track": data["track"],
            "level": data["level"],
            "position": data["order"],
            "minutes": data["minutes"],
            "title_nb": data["title"]["nb"],
            "digest": lesson_file.digest,
            "content": content_json(lesson_file),
        }
        if row is None:
            db.session.add(Lesson(id=data["id"], version=1, updated_at=now, **fields))
            report.added += 1
        elif row.digest != lesson_file.digest or row.archived_at is not None:
            for key, value in fields.items():
                setattr(row, key, value)
            row.version += 1
            row.archived_at = None
            row.updated_at = now
            report.changed += 1
        else:
            report.unchanged += 1
        if progress:
            progress(1)
    for lesson_id, row in existing.items():
        if lesson_id not in seen and row.archived_at is None:
            row.archived_at = now
            report.archived += 1
    db.session.flush()
    return report


_DECODED: BoundedCache[tuple[str, str], dict[str, Any]] = BoundedCache(1024)


def lesson_content(lesson: Lesson) -> dict[str, Any]:
    """The rendered lesson, decoded once per version and process (keyed by its digest)."""
    key = (lesson.id, lesson.digest)
    content = _DECODED.get(key)
    if content is None:
        content = _DECODED.keep(key, json.loads(lesson.content))
    return content


_INTROS: BoundedCache[tuple[str, str, str, str], Markup] = BoundedCache(4096)


def lesson_intro(lesson: Lesson, locale: str, language: str) -> Markup:
    """The goals, text and words of a lesson as HTML, rendered once per lesson version,
    interface language and support language (they are the same for every learner)."""
    key = (lesson.id, lesson.digest, locale, language)
    intro = _INTROS.get(key)
    if intro is None:
        html = render_template(
            "lessons/_intro.html",
            content=lesson_content(lesson),
            locale=locale,
            language=language,
        )
        intro = _INTROS.keep(key, Markup(html))  # our template; lesson HTML sanitized at sync
    return intro


# --- The lesson page ------------------------------------------------------------------------

PAGE_TEMPLATE = "lessons/lesson.html"


def _render_block(block: str, **context: Any) -> str:
    """One block of the lesson page template, rendered on its own with ``context``."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    template = app.jinja_env.get_template(PAGE_TEMPLATE)
    app.update_template_context(context)
    return "".join(template.blocks[block](template.new_context(context)))


@dataclass(frozen=True)
class StoredAnswer:
    """A learner's latest answer to one exercise, as the page shows it."""

    correct: bool | None
    value: Any  # the decoded answer: text, or a {word: meaning} mapping for match


@dataclass(frozen=True)
class _Hole:
    """A place in the cached exercise markup that one learner's request fills in."""

    kind: str  # csrf, feedback, checked, answer, meanings, chips
    exercise: str = ""
    arg: Any = None


@dataclass(frozen=True)
class ExerciseSection:
    """A lesson's exercises as HTML with holes, the same for every learner.

    ``parts`` is the markup between the holes (``len(parts) == len(holes) + 1``); ``notes``
    is the note under an exercise answered before, by whether that answer was correct.
    """

    parts: tuple[str, ...]
    holes: tuple[_Hole, ...]
    notes: dict[bool | None, str]
    exercises: dict[str, dict[str, Any]]

    def fill(
        self,
        csrf: str,
        answers: dict[str, StoredAnswer],
        shuffled: dict[str, list[str]],
        feedback: dict[str, Any] | None,
    ) -> Markup:
        """The exercises for one learner: their answers, feedback, shuffles and CSRF token."""
        out = [self.parts[0]]
        append = out.append
        options: dict[str, list[tuple[str, Markup]]] = {}
        for hole, part in zip(self.holes, self.parts[1:], strict=True):
            kind = hole.kind
            stored = answers.get(hole.exercise)
            if kind == "csrf":
                append(csrf)
            elif kind == "feedback":
                if feedback and feedback.get("exercise") == hole.exercise:  # just answered
                    ex = self.exercises[hole.exercise]
                    append(_render_block("exercise_feedback", fb=feedback, ex=ex))
                elif stored:
                    append(self.notes[stored.correct])
            elif kind == "checked":
                if stored and stored.value == hole.arg:
                    append("checked")
            elif kind == "answer":
                if stored:
                    append(escape(stored.value))
            elif kind == "meanings":  # one select of a match exercise, in the learner's order
                choices = options.get(hole.exercise)
                if choices is None:
                    words = shuffled[hole.exercise]
                    choices = options[hole.exercise] = [(word, escape(word)) for word in words]
                chosen = stored.value.get(hole.arg) if stored else ""
                append(
                    "".join(
                        f'<option value="{html}" {"selected" if word == chosen else ""}>'
                        f"{html}</option>"
                        for word, html in choices
                    )
                )
            elif kind == "chips":  # the words of an order exercise, in the learner's order
                append(
                    "".join(
                        f'<button type="button" class="chip" data-word="{html}">{html}</button> '
                        for html in map(escape, shuffled[hole.exercise])
                    )
                )
            else:
                raise ValueError(kind)
            append(part)
        return Markup("".join(out))  # our own template and escaped values


# About 12 KB each; a handful of languages per lesson.
_SECTIONS: BoundedCache[tuple[str, str, str, str, bool, str], ExerciseSection] = BoundedCache(2048)


def exercise_section(lesson: Lesson, locale: str, language: str, learner: bool) -> ExerciseSection:
    """The exercises of a lesson page, rendered once per lesson version, interface language,
    support language and role (learners get the submit buttons); see ``ExerciseSection.fill``.

    The template's ``hole()`` prints a marker no lesson text can contain (a NUL byte and a
    random nonce) and records what belongs there; the markup is then split at the markers.
    """
    key = (lesson.id, lesson.digest, locale, language, learner, request.script_root)
    section = _SECTIONS.get(key)
    if section is None:
        content = lesson_content(lesson)
        nonce = secrets.token_hex(8)
        holes: list[_Hole] = []

        def hole(kind: str, exercise: dict[str, Any] | None = None, arg: Any = None) -> Markup:
            holes.append(_Hole(kind, exercise["id"] if exercise else "", arg))
            return Markup(f"\x00{nonce}:{len(holes) - 1}\x00")

        html = _render_block(
            "exercises",
            content=content,
            lesson=lesson,
            locale=locale,
            language=language,
            is_learner=learner,
            hole=hole,
        )
        pieces = re.split(f"\x00{nonce}:(\\d+)\x00", html)
        section = _SECTIONS.keep(
            key,
            ExerciseSection(
                parts=tuple(pieces[0::2]),
                holes=tuple(holes[int(index)] for index in pieces[1::2]),
                notes={
                    correct: _render_block("answer_note", correct=correct)
                    for correct in (True, None, False)
                },
                exercises={exercise["id"]: exercise for exercise in content["exercises"]},
            ),
        )
    return section


# The lesson page's one statement: the lesson (its content is deferred: lesson_content keeps
# it decoded), whether the user has started it, and their answers, one row per answer. Built
# once, so SQLAlchemy does not build the statement and its cache key again on every request.
# Module-level statements must not carry loader options: those configure every mapper at
# import time, before all models are imported.
_VISIT = (
    select(
        Lesson,
        LessonProgress.learner_id.label("started_by"),
        ExerciseAnswer.exercise_id,
        ExerciseAnswer.answer,
        ExerciseAnswer.correct,
    )
    .outerjoin(
        LessonProgress,
        and_(LessonProgress.lesson_id == Lesson.id, LessonProgress.learner_id == bindparam("user")),
    )
    .outerjoin(
        ExerciseAnswer,
        and_(ExerciseAnswer.lesson_id == Lesson.id, ExerciseAnswer.learner_id == bindparam("user")),
    )
    .where(Lesson.id == bindparam("lesson"))
)


@dataclass(frozen=True)
class LessonVisit:
    """A lesson as one user opens it: whether they have started it, and their answers."""

    lesson: Lesson
    started: bool
    answers: dict[str, StoredAnswer]


def lesson_visit(user: User, lesson_id: str) -> LessonVisit | None:
    """The lesson with the user's progress mark and answers, in one statement; None if no such
    lesson (archived lessons included)."""
    rows = db.session.execute(_VISIT, {"user": user.id, "lesson": lesson_id}).all()
    if not rows:
        return None
    return LessonVisit(
        lesson=rows[0].Lesson,
        started=rows[0].started_by is not None,
        answers={
            row.exercise_id: StoredAnswer(row.correct, json.loads(row.answer))
            for row in rows
            if row.exercise_id is not None
        },
    )


def support_language(user: User) -> str:
    """The language a learner reads translations in: uk or ru, else English."""
    profile = user.learner_profile
    if profile is not None and profile.first_language.value in ("uk", "ru"):
        return profile.first_language.value
    return user.locale if user.locale in ("uk", "ru") else "en"


# --- Answering ----------------------------------------------------------------------------


@dataclass
class AnswerOutcome:
    """What happened when a learner answered."""

    grade: Grade
    score: int
    completed_now: bool


def answer_exercise(learner: User, lesson: Lesson, exercise_id: str, answer: Any) -> AnswerOutcome:
    """Grade and store an answer, update progress, and make review cards on completion."""
    content = lesson_content(lesson)
    exercise = next((e for e in content["exercises"] if e["id"] == exercise_id), None)
    if exercise is None:
        raise KeyError(exercise_id)
    result = grade(exercise, answer, support_language(learner))
    if exercise["type"] == "writing" and result.problem:
        return AnswerOutcome(result, _progress(learner, lesson).best_score, False)
    key = (learner.id, lesson.id, exercise_id)
    stored = db.session.get(ExerciseAnswer, key)
    if stored is None:
        stored = ExerciseAnswer(
            learner_id=learner.id, lesson_id=lesson.id, exercise_id=exercise_id, attempts=0
        )
        db.session.add(stored)
    stored.answer = json.dumps(answer, ensure_ascii=False)
    stored.correct = result.correct
    stored.attempts += 1
    stored.answered_at = utcnow()
    if exercise["type"] == "writing":
        db.session.add(
            WritingSubmission(
                learner_id=learner.id, lesson_id=lesson.id, exercise_id=exercise_id, text=answer
            )
        )
    db.session.flush()
    progress = _progress(learner, lesson)
    progress.last_exercise_id = exercise_id
    progress.updated_at = utcnow()
    answers = db.session.scalars(
        select(ExerciseAnswer).where(
            ExerciseAnswer.learner_id == learner.id, ExerciseAnswer.lesson_id == lesson.id
        )
    ).all()
    current = {a.exercise_id for a in answers}
    score = lesson_score(
        content["exercises"],
        {a.exercise_id for a in answers if a.correct},
        {a.exercise_id for a in answers if a.correct is None and a.exercise_id in current},
    )
    progress.best_score = max(progress.best_score, score)
    completed_now = False
    if progress.completed_at is None and is_completed(progress.best_score):
        progress.completed_at = utcnow()
        completed_now = True
        create_cards(learner, lesson)
    db.session.flush()
    return AnswerOutcome(result, progress.best_score, completed_now)


def _progress(learner: User, lesson: Lesson) -> LessonProgress:
    progress = db.session.get(LessonProgress, (learner.id, lesson.id))
    if progress is None:
        progress = LessonProgress(learner_id=learner.id, lesson_id=lesson.id, best_score=0)
        db.session.add(progress)
        db.session.flush()
    return progress


def start_lesson(learner: User, lesson: Lesson) -> bool:
    """Mark a lesson as started (opening it counts); True when this is the first time."""
    if db.session.get(LessonProgress, (learner.id, lesson.id)) is not None:
        return False
    _progress(learner, lesson)
    return True


# --- Vocabulary review (FSRS) ---------------------------------------------------------------

DIRECTIONS = ("from_nb", "to_nb")


def scheduler() -> Scheduler:
    """The FSRS scheduler with its default parameters."""
    return Scheduler(enable_fuzzing=False)


def create_cards(learner: User, lesson: Lesson) -> int:
    """Turn a completed lesson's words into review cards, both directions; return how many."""
    language = support_language(learner)
    existing = set(
        db.session.execute(
            select(VocabCard.word_nb, VocabCard.direction).where(VocabCard.learner_id == learner.id)
        ).all()
    )
    now = utcnow()
    made = 0
    for entry in lesson_content(lesson)["vocabulary"]:
        for direction in DIRECTIONS:
            if (entry["nb"], direction) in existing:
                continue
            card = Card(due=now)
            db.session.add(
                VocabCard(
                    learner_id=learner.id,
                    lesson_id=lesson.id,
                    word_nb=entry["nb"][:120],
                    meaning=entry[language][:200],
                    example=entry.get("example", "")[:300],
                    direction=direction,
                    due=now,
                    state=json.dumps(card.to_dict()),
                )
            )
            made += 1
    db.session.flush()
    return made


# Built once: the dashboard runs these on every visit (see _VISIT).
_DUE_CARDS = select(func.count(VocabCard.id)).where(
    VocabCard.learner_id == bindparam("learner"), VocabCard.due <= bindparam("moment")
)


def due_cards_count(learner: User, now: datetime | None = None) -> int:
    """How many review cards are due now."""
    values = {"learner": learner.id, "moment": now or utcnow()}
    return db.session.scalar(_DUE_CARDS, values) or 0


def next_due_card(learner: User, now: datetime | None = None) -> VocabCard | None:
    """The card that has waited longest."""
    moment = now or utcnow()
    return db.session.scalar(
        select(VocabCard)
        .where(VocabCard.learner_id == learner.id, VocabCard.due <= moment)
        .order_by(VocabCard.due, VocabCard.id)
        .limit(1)
    )


def review_card(card: VocabCard, rating: int, now: datetime | None = None) -> VocabCard:
    """Apply a rating (1 again, 2 hard, 3 good, 4 easy) and store the new schedule."""
    moment = now or utcnow()
    state = Card.from_dict(json.loads(card.state))
    updated, _log = scheduler().review_card(state, Rating(rating), moment)
    card.state = json.dumps(updated.to_dict())
    card.due = updated.due
    card.reviews += 1
    db.session.add(VocabReview(card_id=card.id, rating=rating, reviewed_at=moment))
    db.session.flush()
    return card


# --- Study time -----------------------------------------------------------------------------

BEAT_SECONDS = 30
MAX_CREDIT_SECONDS = 60


def heartbeat(learner: User, source: StudySource, now: datetime | None = None) -> int:
    """Credit the time since the learner's last beat (from any tab); return the seconds.

    Pages beat every 30 s while they are visible and the learner was active in the last two
    minutes. Time is credited per learner, not per tab, so two open tabs never count twice;
    a gap longer than a minute means the learner was away or idle, and earns nothing.
    """
    moment = now or utcnow()
    presence = db.session.get(StudyPresence, learner.id)
    if presence is None:
        db.session.add(StudyPresence(learner_id=learner.id, last_beat_at=moment))
        db.session.flush()
        return 0
    elapsed = (moment - presence.last_beat_at).total_seconds()
    if elapsed <= 0:
        return 0
    presence.last_beat_at = moment
    if elapsed > MAX_CREDIT_SECONDS:
        db.session.flush()
        return 0
    credit = int(elapsed)
    record_study_time(learner.id, oslo_day_of(moment), source, credit)
    return credit


@dataclass
class CatalogueEntry:
    """A lesson in the catalogue with the learner's progress mark."""

    lesson: Lesson
    title: str
    state: str  # "new", "started", "completed"
    score: int = 0


@dataclass
class Catalogue:
    """Lessons grouped by track and level."""

    tracks: dict[str, list[CatalogueEntry]] = field(default_factory=dict)


def catalogue(learner: User, locale: str, track: str = "", level: str = "") -> Catalogue:
    """The active lessons with progress marks, filtered by track and level."""
    stmt = select(Lesson).where(Lesson.archived_at.is_(None))
    if track:
        stmt = stmt.where(Lesson.track == track)
    if level:
        stmt = stmt.where(Lesson.level == level)
    lessons = db.session.scalars(stmt.order_by(Lesson.track, Lesson.position)).all()
    progress = {
        row.lesson_id: row
        for row in db.session.scalars(
            select(LessonProgress).where(LessonProgress.learner_id == learner.id)
        )
    }
    result = Catalogue()
    for lesson in lessons:
        content = lesson_content(lesson)
        row = progress.get(lesson.id)
        state = "new" if row is None else ("completed" if row.completed_at else "started")
        result.tracks.setdefault(lesson.track, []).append(
            CatalogueEntry(
                lesson=lesson,
                title=content["title"].get(locale) or content["title"]["nb"],
                state=state,
                score=row.best_score if row else 0,
            )
        )
    return result


_TO_RESUME = (
    select(Lesson)
    .join(LessonProgress, LessonProgress.lesson_id == Lesson.id)
    .where(
        LessonProgress.learner_id == bindparam("learner"),
        LessonProgress.completed_at.is_(None),
        Lesson.archived_at.is_(None),
    )
    .order_by(LessonProgress.updated_at.desc())
    .limit(1)
)


def lesson_to_resume(learner: User) -> Lesson | None:
    """The lesson the learner worked on last and has not completed."""
    return db.session.scalar(_TO_RESUME, {"learner": learner.id})


@dataclass(frozen=True)
class LevelProgress:
    """Completed lessons of one level."""

    level: str
    completed: int
    total: int


def progress_by_level(learner: User) -> list[LevelProgress]:
    """For each lesson level, how many active lessons the learner has completed."""
    totals = dict(
        db.session.execute(
            select(Lesson.level, func.count(Lesson.id))
            .where(Lesson.archived_at.is_(None))
            .group_by(Lesson.level)
        ).all()
    )
    done = dict(
        db.session.execute(
            select(Lesson.level, func.count(Lesson.id))
            .join(LessonProgress, LessonProgress.lesson_id == Lesson.id)
            .where(
                Lesson.archived_at.is_(None),
                LessonProgress.learner_id == learner.id,
                LessonProgress.completed_at.is_not(None),
            )
            .group_by(Lesson.level)
        ).all()
    )
    return [LevelProgress(level, done.get(level, 0), totals[level]) for level in sorted(totals)]


def latest_placement(learner: User) -> PlacementResult | None:
    """The learner's most recent placement test."""
    return db.session.scalar(
        select(PlacementResult)
        .where(PlacementResult.learner_id == learner.id)
        .order_by(PlacementResult.completed_at.desc())
        .limit(1)
    )
