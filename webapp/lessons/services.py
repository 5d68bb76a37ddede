"""Loading the curriculum, answering exercises, progress, vocabulary cards and study time."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from cachetools import LRUCache, cached
from flask import render_template
from fsrs import Card, Rating, Scheduler
from markupsafe import Markup
from sqlalchemy import String, and_, bindparam, func, or_, select
from sqlalchemy.orm.attributes import set_committed_value

from lessons.grading import Grade, first_try_score, gradable_ids, grade, is_completed
from lessons.loader import CONTENT_DIR, Problem, check_all, content_json, lesson_files, minutes
from lessons.placement import Step
from lessons.timing import measured_minutes
from scheduling import review_days
from scheduling.availability import GRID_HOURS, week_index
from scheduling.review_days import DueReview
from webapp.accounts.models import User
from webapp.classes.models import LearnerAvailability
from webapp.classes.services import to_availability
from webapp.clock import OSLO, oslo_day_of
from webapp.db_types import utcnow
from webapp.extensions import db
from webapp.learners.levels import Level
from webapp.learners.services import set_current_level
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
            "minutes": minutes(lesson_file),
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


# Lesson content is immutable per version: decoded and rendered pieces are kept by the lesson's
# digest (never by person), in bounded LRU caches whose hit rates the benchmark reports.
CONTENT_CACHE: LRUCache[tuple[str, str], dict[str, Any]] = LRUCache(maxsize=1024)
INTRO_CACHE: LRUCache[tuple[str, str, str, str], Markup] = LRUCache(maxsize=2048)


@cached(
    CONTENT_CACHE, key=lambda lesson: (lesson.id, lesson.digest), lock=threading.Lock(), info=True
)
def lesson_content(lesson: Lesson) -> dict[str, Any]:
    """The rendered lesson, decoded once per version and process (keyed by its digest)."""
    return json.loads(lesson.content)


@cached(
    INTRO_CACHE,
    lock=threading.Lock(),
    key=lambda lesson, locale, language, part="start": (
        lesson.digest,
        lesson.id,
        locale,
        language,
        part,
    ),
    info=True,
)
def lesson_intro(lesson: Lesson, locale: str, language: str, part: str = "start") -> Markup:
    """The goals and words ("start") or the text ("text") of a lesson as HTML, rendered once per
    lesson version, interface language and support language (the same for every learner)."""
    html = render_template(
        "lessons/_intro.html",
        content=lesson_content(lesson),
        locale=locale,
        language=language,
        part=part,
    )
    return Markup(html)  # our template; lesson HTML sanitized at sync


# --- The lesson page ------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredAnswer:
    """A learner's latest answer to one exercise, as the player shows it."""

    correct: bool | None
    value: Any  # the decoded answer: text, or a {word: meaning} mapping for match
    attempts: int = 1
    first_try_correct: bool | None = None
    right_again: bool = False
    by_ear: bool | None = None  # a listening exercise heard (True) or read (False)


@dataclass(frozen=True)
class ProgressMark:
    """A learner's progress on the lesson they opened."""

    started_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    score: int


# The lesson page's one statement: the lesson (its content is deferred: lesson_content keeps
# it decoded), the user's progress on it, and their answers, one row per answer. Built
# once, so SQLAlchemy does not build the statement and its cache key again on every request.
# Module-level statements must not carry loader options: those configure every mapper at
# import time, before all models are imported.
_VISIT = (
    select(
        Lesson,
        LessonProgress.learner_id.label("started_by"),
        LessonProgress.started_at,
        LessonProgress.updated_at,
        LessonProgress.completed_at,
        LessonProgress.best_score,
        ExerciseAnswer.exercise_id,
        ExerciseAnswer.answer,
        ExerciseAnswer.correct,
        ExerciseAnswer.attempts,
        ExerciseAnswer.first_try_correct,
        ExerciseAnswer.right_again,
        ExerciseAnswer.by_ear,
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
    """A lesson as one user opens it: their progress mark (None: not started), and answers."""

    lesson: Lesson
    progress: ProgressMark | None
    answers: dict[str, StoredAnswer]

    @property
    def started(self) -> bool:
        return self.progress is not None


def lesson_visit(user: User, lesson_id: str) -> LessonVisit | None:
    """The lesson with the user's progress and answers, in one statement; None if no such
    lesson (archived lessons included)."""
    rows = db.session.execute(_VISIT, {"user": user.id, "lesson": lesson_id}).all()
    if not rows:
        return None
    first = rows[0]
    progress = None
    if first.started_by is not None:
        progress = ProgressMark(
            first.started_at, first.updated_at, first.completed_at, first.best_score or 0
        )
    return LessonVisit(
        lesson=first.Lesson,
        progress=progress,
        answers={
            row.exercise_id: StoredAnswer(
                row.correct,
                json.loads(row.answer),
                row.attempts or 1,
                row.first_try_correct,
                bool(row.right_again),
                row.by_ear,
            )
            for row in rows
            if row.exercise_id is not None
        },
    )


SUPPORT_LANGUAGES = ("uk", "ru", "en")


def default_support_language(user: User) -> str:
    """The support language before the learner chooses: the first language a coordinator
    recorded when it is Ukrainian or Russian, else the interface language if it is, else
    English."""
    profile = user.learner_profile
    if profile is not None and profile.first_language.value in ("uk", "ru"):
        return profile.first_language.value
    return user.locale if user.locale in ("uk", "ru") else "en"


def support_language(user: User) -> str:
    """The language a learner reads translations, glosses and review answers in: their own
    choice, else the default."""
    profile = user.learner_profile
    if profile is not None and profile.support_language in SUPPORT_LANGUAGES:
        return profile.support_language
    return default_support_language(user)


def must_choose_support_language(user: User) -> bool:
    """True for a learner who has not yet chosen (or skipped choosing) a support language."""
    profile = user.learner_profile
    return profile is not None and profile.support_language is None


def set_support_language(user: User, language: str) -> None:
    """Store the learner's support language (uk, ru or en); unknown values are refused."""
    if language not in SUPPORT_LANGUAGES or user.learner_profile is None:
        raise ValueError(language)
    user.learner_profile.support_language = language
    db.session.flush()


# --- Answering ----------------------------------------------------------------------------


@dataclass
class AnswerOutcome:
    """What happened when a learner answered."""

    grade: Grade
    score: int
    completed_now: bool
    words_added: int = 0  # words put into review by completing the lesson now


def answer_exercise(
    learner: User, lesson: Lesson, exercise_id: str, answer: Any, by_ear: bool = True
) -> AnswerOutcome:
    """Grade and store an answer, update progress, and make review cards on completion.

    ``by_ear`` False records that a listening exercise was read (no voice on the device).

    The first try of each exercise makes the score; a later right answer counts for a second
    pass once every gradable exercise has had its first try.
    """
    content = lesson_content(lesson)
    exercise = next((e for e in content["exercises"] if e["id"] == exercise_id), None)
    if exercise is None:
        raise KeyError(exercise_id)
    result = grade(exercise, answer, support_language(learner))
    if exercise["type"] == "writing" and result.problem:  # refused: nothing is written
        progress = db.session.get(LessonProgress, (learner.id, lesson.id))
        return AnswerOutcome(result, progress.best_score if progress else 0, False)
    answers = {
        row.exercise_id: row
        for row in db.session.scalars(
            select(ExerciseAnswer).where(
                ExerciseAnswer.learner_id == learner.id, ExerciseAnswer.lesson_id == lesson.id
            )
        )
    }
    gradable = gradable_ids(content["exercises"])
    first_pass_over = all(exercise_id in answers for exercise_id in gradable)
    stored = answers.get(exercise_id)
    if stored is None:
        stored = ExerciseAnswer(
            learner_id=learner.id,
            lesson_id=lesson.id,
            exercise_id=exercise_id,
            attempts=0,
            right_again=False,
        )
        db.session.add(stored)
        answers[exercise_id] = stored
    stored.answer = json.dumps(answer, ensure_ascii=False)
    stored.correct = result.correct
    stored.attempts += 1
    stored.answered_at = utcnow()
    if exercise["type"] == "listen":
        stored.by_ear = by_ear
    if stored.attempts == 1:
        stored.first_try_correct = result.correct
    elif first_pass_over and result.correct:
        stored.right_again = True
    if exercise["type"] == "writing":
        db.session.add(
            WritingSubmission(
                learner_id=learner.id, lesson_id=lesson.id, exercise_id=exercise_id, text=answer
            )
        )
    progress = _progress(learner, lesson)
    progress.last_exercise_id = exercise_id
    progress.updated_at = utcnow()
    first_right = sum(1 for i in gradable if i in answers and answers[i].first_try_correct)
    right_again = sum(1 for i in gradable if i in answers and answers[i].right_again)
    progress.best_score = first_try_score(len(gradable), first_right)
    completed_now = False
    words_added = 0
    if progress.completed_at is None and is_completed(len(gradable), first_right, right_again):
        progress.completed_at = utcnow()
        completed_now = True
        words_added = create_cards(learner, lesson)
        db.session.flush()
        refresh_measured_minutes(lesson)
    db.session.flush()
    return AnswerOutcome(result, progress.best_score, completed_now, words_added)


def refresh_measured_minutes(lesson: Lesson) -> None:
    """Keep the lesson's measured time current: the median of its learners' completions."""
    rows = db.session.execute(
        select(LessonProgress.started_at, LessonProgress.completed_at).where(
            LessonProgress.lesson_id == lesson.id, LessonProgress.completed_at.is_not(None)
        )
    ).all()
    lesson.measured_minutes = measured_minutes(
        (completed - started).total_seconds() for started, completed in rows
    )


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
#
# A word is one item with two directions. Its "from_nb" card (see the word, recall the meaning)
# is made when the lesson is completed; the "to_nb" card (see the meaning, recall the word)
# only once the first has been recalled, and never on the same Oslo day. Reviewing either card
# buries its sibling until the next Oslo day, as Anki does. Counts shown are words.

FORWARD, REVERSE = "from_nb", "to_nb"
DIRECTIONS = (FORWARD, REVERSE)
SIBLING = {FORWARD: REVERSE, REVERSE: FORWARD}


def scheduler() -> Scheduler:
    """The FSRS scheduler with its default parameters (desired retention 0.9)."""
    return Scheduler(enable_fuzzing=False)


def create_cards(learner: User, lesson: Lesson) -> int:
    """Put a completed lesson's new words into review (their forward cards); return how many
    words were added."""
    language = support_language(learner)
    known = set(
        db.session.scalars(select(VocabCard.word_nb).where(VocabCard.learner_id == learner.id))
    )
    now = utcnow()
    added = 0
    for entry in lesson_content(lesson)["vocabulary"]:
        word = entry["nb"][:120]
        if word in known:
            continue
        known.add(word)
        db.session.add(_new_card(learner.id, lesson.id, word, entry[language], FORWARD, now, entry))
        added += 1
    db.session.flush()
    return added


def _new_card(
    learner_id: int,
    lesson_id: str,
    word: str,
    meaning: str,
    direction: str,
    due: datetime,
    entry: dict[str, Any] | None = None,
) -> VocabCard:
    return VocabCard(
        learner_id=learner_id,
        lesson_id=lesson_id,
        word_nb=word,
        meaning=meaning[:200],
        example=((entry or {}).get("example") or "")[:300],
        direction=direction,
        due=due,
        state=json.dumps(Card(due=due).to_dict()),
    )


# Built once: the dashboard runs this on every visit (see _VISIT). Siblings are never due
# together after a review (one is buried), and counting distinct words covers the rest.
_DUE_WORDS = select(func.count(func.distinct(VocabCard.word_nb))).where(
    VocabCard.learner_id == bindparam("learner"), VocabCard.due <= bindparam("moment")
)


def due_cards_count(learner: User, now: datetime | None = None) -> int:
    """How many words are due for review now (a word counts once, whichever direction)."""
    values = {"learner": learner.id, "moment": now or utcnow()}
    return db.session.scalar(_DUE_WORDS, values) or 0


def next_due_card(learner: User, now: datetime | None = None) -> VocabCard | None:
    """The card that has waited longest (one query on the learner-and-due index)."""
    moment = now or utcnow()
    return db.session.scalar(
        select(VocabCard)
        .where(VocabCard.learner_id == learner.id, VocabCard.due <= moment)
        .order_by(VocabCard.due, VocabCard.id)
        .limit(1)
    )


def card_meaning(card: VocabCard, language: str) -> str:
    """The card's meaning in ``language``, from its lesson (the stored one if the lesson has
    lost the word)."""
    lesson = db.session.get(Lesson, card.lesson_id)
    if lesson is not None:
        for entry in lesson_content(lesson)["vocabulary"]:
            if entry["nb"][:120] == card.word_nb and entry.get(language):
                return entry[language]
    return card.meaning


def review_card(card: VocabCard, rating: int, now: datetime | None = None) -> VocabCard:
    """Apply a rating (1 again, 2 hard, 3 good, 4 easy), store the new schedule, show the card
    on the day that suits the learner's working hours, introduce the reverse card after the
    first recall, and bury the sibling until tomorrow."""
    moment = now or utcnow()
    state = Card.from_dict(json.loads(card.state))
    updated, _log = scheduler().review_card(state, Rating(rating), moment)
    card.state = json.dumps(updated.to_dict())
    card.due = _shown_from(card, updated, moment)
    card.reviews += 1
    db.session.add(VocabReview(card_id=card.id, rating=rating, reviewed_at=moment))
    tomorrow = oslo_midnight(oslo_day_of(moment) + timedelta(days=1))
    sibling = db.session.scalar(
        select(VocabCard).where(
            VocabCard.learner_id == card.learner_id,
            VocabCard.word_nb == card.word_nb,
            VocabCard.direction == SIBLING[card.direction],
        )
    )
    if sibling is None and card.direction == FORWARD and rating >= Rating.Good:
        db.session.add(
            _new_card(
                card.learner_id,
                card.lesson_id,
                card.word_nb,
                card.meaning,
                REVERSE,
                tomorrow,
                {"example": card.example},
            )
        )
    elif sibling is not None and sibling.due < tomorrow:
        sibling.due = tomorrow
    db.session.flush()
    return card


def oslo_midnight(day: date) -> datetime:
    """The start of an Oslo calendar day, in UTC."""
    return datetime.combine(day, time(), OSLO).astimezone(UTC)


def _shown_from(card: VocabCard, updated: Card, moment: datetime) -> datetime:
    """When a freshly rated card is shown next: its FSRS due time, or the start of an earlier
    day within the fuzz range when that day has more room for the learner (plan_days)."""
    if updated.last_review is None:
        return updated.due
    today = oslo_day_of(moment)
    due_day = oslo_day_of(updated.due)
    interval = (due_day - oslo_day_of(updated.last_review)).days
    review = DueReview(card.id, due_day, interval)
    days = review_days.window(review, today)
    if len(days) < 2:
        return updated.due
    shown = db.session.scalars(
        select(VocabCard.due).where(
            VocabCard.learner_id == card.learner_id,
            VocabCard.id != card.id,
            VocabCard.due >= oslo_midnight(days[0]),
            VocabCard.due < oslo_midnight(days[-1] + timedelta(days=1)),
        )
    )
    already = Counter(oslo_day_of(due) for due in shown)
    day = review_days.plan_days([review], free_hours_of(card.learner_id), today, already)[card.id]
    return updated.due if day == due_day else oslo_midnight(day)


def free_hours_of(learner_id: int) -> Callable[[date], int]:
    """The learner's free waking hours on a day, from the free time they registered (every day
    free when they have registered none)."""
    row = db.session.get(LearnerAvailability, learner_id)
    if row is None:
        return lambda day: len(GRID_HOURS)
    availability = to_availability(row)

    def hours(day: date) -> int:
        week = availability.weeks[week_index(availability, day)]
        return review_days.free_waking_hours(week[day.weekday()])

    return hours


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


# The catalogue's one statement: the active lessons (content deferred) with this learner's
# progress on each. Built once; the filters are bound, an empty one matching every lesson.
_CATALOGUE = (
    select(Lesson, LessonProgress.completed_at, LessonProgress.best_score)
    .outerjoin(
        LessonProgress,
        and_(
            LessonProgress.lesson_id == Lesson.id,
            LessonProgress.learner_id == bindparam("learner"),
        ),
    )
    .where(
        Lesson.archived_at.is_(None),
        or_(bindparam("track", type_=String) == "", Lesson.track == bindparam("track")),
        or_(bindparam("level", type_=String) == "", Lesson.level == bindparam("level")),
    )
    .order_by(Lesson.track, Lesson.position)
)


def catalogue(learner: User, locale: str, track: str = "", level: str = "") -> Catalogue:
    """The active lessons with the learner's progress marks, filtered by track and level: one
    statement, and one more for the content of lessons not yet decoded in this process."""
    rows = db.session.execute(
        _CATALOGUE, {"learner": learner.id, "track": track, "level": level}
    ).all()
    _load_undecoded_content([row.Lesson for row in rows])
    result = Catalogue()
    for lesson, completed_at, best_score in rows:
        content = lesson_content(lesson)
        state = "new" if best_score is None else ("completed" if completed_at else "started")
        result.tracks.setdefault(lesson.track, []).append(
            CatalogueEntry(
                lesson=lesson,
                title=content["title"].get(locale) or content["title"]["nb"],
                state=state,
                score=best_score or 0,
            )
        )
    return result


def _load_undecoded_content(lessons: list[Lesson]) -> None:
    """Load, in one statement, the deferred content of the lessons whose version CONTENT_CACHE
    does not hold yet (after a restart or a sync), instead of one lazy load per lesson."""
    # The key lesson_content is cached by.
    missing = {
        lesson.id: lesson for lesson in lessons if (lesson.id, lesson.digest) not in CONTENT_CACHE
    }
    if not missing:
        return
    rows = db.session.execute(select(Lesson.id, Lesson.content).where(Lesson.id.in_(missing)))
    for lesson_id, content in rows:
        set_committed_value(missing[lesson_id], "content", content)


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


def placement_attempt(learner: User) -> int:
    """The number of the learner's placement attempt under way (1 for the first test)."""
    done = db.session.scalar(
        select(func.count())
        .select_from(PlacementResult)
        .where(PlacementResult.learner_id == learner.id)
    )
    return (done or 0) + 1


def own_placement(learner: User, result_id: object) -> PlacementResult | None:
    """One of the learner's own placement results, or None."""
    result = db.session.get(PlacementResult, result_id) if isinstance(result_id, int) else None
    return result if result is not None and result.learner_id == learner.id else None


def record_placement(learner: User, step: Step, answers: dict[str, bool]) -> PlacementResult:
    """Store a finished placement test with its per-skill estimate and set the learner's level."""
    set_current_level(learner, Level(step.level))
    result = PlacementResult(
        learner_id=learner.id,
        level=step.level,
        correct=sum(answers.values()),
        answered=len(answers),
        reading_level=step.skills.get("reading"),
        listening_level=step.skills.get("listening"),
        grammar_level=step.skills.get("grammar"),
    )
    db.session.add(result)
    db.session.flush()
    return result


def save_placement_writing(result: PlacementResult, text: str) -> None:
    """Keep the placement writing task on the result for the learner's teachers."""
    result.writing_text = text
    result.writing_at = utcnow()


def latest_placement(learner: User) -> PlacementResult | None:
    """The learner's most recent placement test."""
    return db.session.scalar(
        select(PlacementResult)
        .where(PlacementResult.learner_id == learner.id)
        .order_by(PlacementResult.completed_at.desc())
        .limit(1)
    )
