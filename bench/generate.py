"""Generate national-scale data fast and repeatably (a seed), with bulk inserts.

357 municipalities and 30 providers; learners with profiles, entitlements (some with leave,
extensions or dropping out) and eight weeks of study days; teachers and provider
administrators; teaching groups with assignments; lesson attempts (stored answers to the real
curriculum's exercises, with the progress rows they imply); class series with their sessions
and bookings. The derived deadline fields and class sessions are computed with the same pure
rules the app uses; the learners' overview rows with the daily sweep's statement.

At 100,000 learners (national scale) there are 2,000 teachers, 5,000 class series and
1,000,000 lesson attempts; smaller runs scale these down in proportion.
"""

from __future__ import annotations

import json
import random
import sys
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, insert, select

from lessons.grading import first_try_score, is_completed
from scheduling import availability as free_time
from scheduling.recurrence import Recurrence, expand, weekday_codes
from webapp.accounts.models import Role, User
from webapp.accounts.passwords import hash_password
from webapp.classes.models import (
    Booking,
    BookingStatus,
    ClassSeries,
    ClassSession,
    LearnerAvailability,
    Modality,
    SessionStatus,
    SkippedDate,
)
from webapp.classes.timetable import rebuild_all_timetables
from webapp.entitlement import rules
from webapp.entitlement.models import Entitlement, ExtensionDecision, LeavePeriod
from webapp.entitlement.overview_rows import refresh_all
from webapp.extensions import db
from webapp.learners.levels import Education, Level, default_targets
from webapp.learners.models import LearnerProfile
from webapp.lessons.models import ExerciseAnswer, Lesson, LessonProgress, WritingSubmission
from webapp.organisations.models import Organisation
from webapp.studytime.models import StudyDay
from webapp.teaching.models import Assignment, GroupMember, TeachingGroup

MUNICIPALITIES = 357
PROVIDERS = 30
BATCH = 5_000
# National scale: at this many learners the other counts are the figures.
NATIONAL_LEARNERS = 100_000
TEACHERS = 2_000
CLASS_SERIES = 5_000
ATTEMPTS = 1_000_000
WRITING = "Jeg jobber på et lager i byen, og jeg liker jobben min fordi kollegene er hyggelige."
EDUCATION_WEIGHTS = (
    (Education.HIGHER, 75),
    (Education.UPPER_SECONDARY, 14),
    (Education.LOWER_SECONDARY, 9),
    (Education.PRIMARY, 1),
    (Education.NONE, 1),
)


def _progress(label: str, done: int, total: int) -> None:
    width = 30
    filled = int(width * done / max(total, 1))
    sys.stderr.write(f"\r  {label:<12} [{'#' * filled}{'.' * (width - filled)}] {done:>7}/{total}")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def _insert(model: type, rows: list[dict]) -> int:
    """Bulk-insert ``rows`` into ``model``'s table (nothing when there are none); how many."""
    if rows:
        db.session.execute(insert(model), rows)
    return len(rows)


def scaled(national: int, learners: int, least: int) -> int:
    """``national`` in proportion to ``learners`` (exactly ``national`` at national scale)."""
    return max(least, round(national * learners / NATIONAL_LEARNERS))


def generate(learners: int, today: date, seed: int = 2023, progress: bool = True) -> dict[str, int]:
    """Insert organisations, staff, ``learners`` learners with their entitlements, lesson
    attempts, teaching groups and class series with bookings; return the row counts."""
    rng = random.Random(seed)
    if db.session.scalar(select(func.count()).select_from(Lesson)) == 0:
        from webapp.lessons.services import sync_lessons

        sync_lessons()
        db.session.commit()
    password = hash_password("bench-password-0123")
    orgs = [
        {"name": f"Kommune {n:03d}", "kind": "municipality", "municipality_number": f"{n:04d}"}
        for n in range(1, MUNICIPALITIES + 1)
    ] + [
        {"name": f"Tilbyder {n:02d}", "kind": "provider", "municipality_number": None}
        for n in range(1, PROVIDERS + 1)
    ]
    db.session.execute(insert(Organisation), orgs)
    org_ids = dict(db.session.execute(db.select(Organisation.name, Organisation.id)).all())
    municipality_ids = [org_ids[f"Kommune {n:03d}"] for n in range(1, MUNICIPALITIES + 1)]
    provider_ids = [org_ids[f"Tilbyder {n:02d}"] for n in range(1, PROVIDERS + 1)]
    db.session.execute(
        insert(User),
        [
            {
                "email": f"coordinator{n}@bench.example.org",
                "name": f"Koordinator {n}",
                "password_hash": password,
                "locale": "nb",
                "role": Role.COORDINATOR,
                "organisation_id": mid,
            }
            for n, mid in enumerate(municipality_ids, start=1)
        ],
    )
    rule_set = rules.TCP_37D_2023
    educations = [e for e, w in EDUCATION_WEIGHTS for _ in range(w)]
    done = 0
    counts = {"learners": 0, "leave": 0, "extensions": 0, "study_days": 0}
    while done < learners:
        size = min(BATCH, learners - done)
        users = [
            {
                "email": f"learner{done + i}@bench.example.org",
                "name": f"Deltaker {done + i}",
                "password_hash": password,
                "locale": rng.choice(("uk", "uk", "uk", "ru", "nb")),
                "role": Role.LEARNER,
                "organisation_id": rng.choice(provider_ids),
            }
            for i in range(size)
        ]
        ids = db.session.scalars(
            insert(User).returning(User.id, sort_by_parameter_order=True), users
        ).all()
        profiles, entitlements, leaves, extensions, study = [], [], [], [], []
        for user_id in ids:
            education = rng.choice(educations)
            targets = default_targets(education)
            birth = date(rng.randint(1958, 2006), rng.randint(1, 12), rng.randint(1, 28))
            settled = today - timedelta(days=rng.randint(0, 3 * 365))
            home = municipality_ids[min(int(rng.paretovariate(1.2)) - 1, MUNICIPALITIES - 1)]
            home = home if rng.random() < 0.7 else rng.choice(municipality_ids)
            profiles.append(
                {
                    "user_id": user_id,
                    "birth_date": birth,
                    "settlement_date": settled,
                    "home_municipality_id": home,
                    "first_language": rng.choice(("uk", "uk", "uk", "ru", "other")),
                    "education": education,
                    "current_level": rng.choice((None, "A1", "A2", "B1")),
                    "target_listening": targets.listening,
                    "target_reading": targets.reading,
                    "target_writing": targets.writing,
                    "target_oral": targets.oral,
                    "employment": rng.choice(
                        ("not_working", "part_time", "full_time", "shift_work")
                    ),
                    "working_hours": "",
                }
            )
            start = settled + timedelta(days=rng.randint(7, 60))
            started = start <= today
            leave_list, months = [], []
            if started and rng.random() < 0.15:
                first = start + timedelta(days=rng.randint(10, 200))
                last = first + timedelta(days=rng.randint(5, 60))
                leave_list.append(rules.Leave(first, last))
                leaves.append(
                    {
                        "learner_id": user_id,
                        "first_day": first,
                        "last_day": last,
                        "reason": "Permisjon",
                    }
                )
            cap = rules.extension_cap(rule_set, education.value)
            if started and rng.random() < 0.1:
                months = [rng.randint(1, 6) for _ in range(rng.randint(1, cap.max_decisions))]
                for m in months:
                    extensions.append(
                        {
                            "learner_id": user_id,
                            "decided_on": start + timedelta(days=300),
                            "months": m,
                            "municipality_id": home,
                            "note": "",
                        }
                    )
            last_day = None
            if started:
                last_day = rules.last_day(
                    rule_set,
                    rules.EntitlementInputs(
                        start=start,
                        education=education.value,
                        leaves=tuple(leave_list),
                        extension_months=tuple(months),
                        birth_date=birth,
                        settlement_date=settled,
                    ),
                )
            entitlements.append(
                {
                    "learner_id": user_id,
                    "rule_set": rule_set.id,
                    "settlement_date": settled,
                    "decision_date": start if started else None,
                    "start_date": start if started else None,
                    "discontinued_on": start + timedelta(days=30)
                    if started and rng.random() < 0.03 and start + timedelta(days=30) <= today
                    else None,
                    "entitled": rules.is_entitled_by_age(rule_set, birth, settled),
                    "last_day": last_day,
                    "extensions_used": len(months),
                    "extension_months": sum(months),
                }
            )
            habit = rng.choice((0.0, 0.05, 0.2, 0.5))
            if habit:
                for back in range(56):
                    if rng.random() < habit:
                        study.append(
                            {
                                "learner_id": user_id,
                                "day": today - timedelta(days=back),
                                "source": "lesson",
                                "seconds": rng.randint(5, 60) * 60,
                            }
                        )
        counts["learners"] += _insert(LearnerProfile, profiles)
        _insert(Entitlement, entitlements)
        counts["leave"] += _insert(LeavePeriod, leaves)
        counts["extensions"] += _insert(ExtensionDecision, extensions)
        counts["study_days"] += _insert(StudyDay, study)
        db.session.commit()
        done += size
        if progress:
            _progress("learners", done, learners)
    refresh_all(today)  # every learner's overview row, as the daily sweep writes them
    db.session.commit()
    now = datetime.combine(today, time(12), tzinfo=UTC)
    teachers = _teachers(
        rng, provider_ids, scaled(TEACHERS, learners, PROVIDERS), password, progress
    )
    counts["teachers"] = sum(len(ids) for ids in teachers.values())
    counts["provider_admins"] = PROVIDERS
    lessons = _lessons()
    pupils = _learners_by_provider()
    counts.update(_groups(rng, teachers, pupils, lessons, today, now, progress))
    counts.update(_attempts(rng, scaled(ATTEMPTS, learners, 1), lessons, now, progress))
    counts.update(
        _classes(rng, teachers, pupils, scaled(CLASS_SERIES, learners, PROVIDERS), today, progress)
    )
    return counts


def _teachers(
    rng: random.Random, provider_ids: list[int], count: int, password: str, progress: bool
) -> dict[int, list[int]]:
    """``count`` teachers spread over the providers and one administrator per provider."""
    rows = [
        {
            "email": f"provider{n}@bench.example.org",
            "name": f"Administrator {n}",
            "password_hash": password,
            "locale": "nb",
            "role": Role.PROVIDER_ADMIN,
            "organisation_id": pid,
        }
        for n, pid in enumerate(provider_ids, start=1)
    ]
    db.session.execute(insert(User), rows)
    teachers: dict[int, list[int]] = defaultdict(list)
    for start in range(0, count, BATCH):
        rows = [
            {
                "email": f"teacher{n}@bench.example.org",
                "name": f"Lærer {n}",
                "password_hash": password,
                "locale": rng.choice(("nb", "nb", "nb", "en")),
                "role": Role.TEACHER,
                "organisation_id": provider_ids[n % len(provider_ids)],
            }
            for n in range(start, min(start + BATCH, count))
        ]
        ids = db.session.scalars(
            insert(User).returning(User.id, sort_by_parameter_order=True), rows
        ).all()
        for row, user_id in zip(rows, ids, strict=True):
            teachers[row["organisation_id"]].append(user_id)
        db.session.commit()
        if progress:
            _progress("teachers", start + len(rows), count)
    return teachers


class _Lesson:
    """A lesson's id, track and level, and a right and a wrong answer to each exercise."""

    def __init__(self, lesson_id: str, track: str, level: str, content: str) -> None:
        self.id, self.track, self.level = lesson_id, track, level
        self.exercises: list[tuple[str, str, str, str]] = []  # id, type, right, wrong (JSON)
        for exercise in json.loads(content)["exercises"]:
            kind = exercise["type"]
            if kind in ("choice", "listen", "dialogue"):
                right = exercise["answer"]
                wrong = next(o for o in exercise["options"] if o != right)
            elif kind == "fill":
                right, wrong = exercise["answers"][0], "vet ikke"
            elif kind == "match":
                pairs = exercise["pairs"]
                right = {pair["nb"]: pair["uk"] for pair in pairs}
                wrong = {pair["nb"]: pairs[n - 1]["uk"] for n, pair in enumerate(pairs)}
            elif kind == "order":
                right = exercise["sentence"]
                wrong = " ".join(reversed(right.split()))
            else:  # writing: handed in, read by the teacher
                words = (WRITING.split() * 20)[: exercise["min_words"] + 5]
                right = wrong = " ".join(words)
            self.exercises.append(
                (
                    exercise["id"],
                    kind,
                    json.dumps(right, ensure_ascii=False),
                    json.dumps(wrong, ensure_ascii=False),
                )
            )


def _lessons() -> list[_Lesson]:
    """The active lessons in curriculum order (level, track, position)."""
    rows = db.session.execute(
        select(Lesson.id, Lesson.track, Lesson.level, Lesson.content)
        .where(Lesson.archived_at.is_(None))
        .order_by(Lesson.level, Lesson.track, Lesson.position)
    ).all()
    return [_Lesson(*row) for row in rows]


def _learners_by_provider() -> dict[int, list[tuple[int, str | None]]]:
    """Every learner's id and current level, by the provider they study at."""
    pupils: dict[int, list[tuple[int, str | None]]] = defaultdict(list)
    for user_id, provider_id, level in db.session.execute(
        select(User.id, User.organisation_id, LearnerProfile.current_level)
        .join(LearnerProfile, LearnerProfile.user_id == User.id)
        .where(User.role == Role.LEARNER)
        .order_by(User.id)
    ):
        pupils[provider_id].append((user_id, level.value if level else None))
    return pupils


def _groups(rng, teachers, pupils, lessons, today, now, progress) -> dict[str, int]:
    """One or two groups per teacher, 20-40 learners of the same provider, 2-4 assignments."""
    tracks = sorted({lesson.track for lesson in lessons})
    levels = sorted({lesson.level for lesson in lessons})
    plan = [
        (provider_id, teacher_id)
        for provider_id, ids in sorted(teachers.items())
        for teacher_id in ids
        for _ in range(rng.choice((1, 2)))
    ]
    counts = {"groups": 0, "group_members": 0, "assignments": 0}
    for start in range(0, len(plan), BATCH // 10):
        chunk = plan[start : start + BATCH // 10]
        rows = [
            {
                "provider_id": provider_id,
                "teacher_id": teacher_id,
                "name": f"Gruppe {start + n + 1}",
                "created_at": now - timedelta(days=rng.randint(30, 200)),
            }
            for n, (provider_id, teacher_id) in enumerate(chunk)
        ]
        ids = db.session.scalars(
            insert(TeachingGroup).returning(TeachingGroup.id, sort_by_parameter_order=True), rows
        ).all()
        members, assignments = [], []
        for group_id, row in zip(ids, rows, strict=True):
            pool = pupils.get(row["provider_id"], [])
            size = min(rng.randint(20, 40), len(pool))
            for learner_id, _level in rng.sample(pool, size):
                members.append(
                    {"group_id": group_id, "learner_id": learner_id, "added_at": row["created_at"]}
                )
            for _ in range(rng.randint(2, 4)):
                what = rng.choice(("lesson", "lesson", "track", "level"))
                assignments.append(
                    {
                        "provider_id": row["provider_id"],
                        "created_by_id": row["teacher_id"],
                        "group_id": group_id,
                        "lesson_id": rng.choice(lessons).id if what == "lesson" else None,
                        "track": rng.choice(tracks) if what == "track" else None,
                        "level": rng.choice(levels) if what == "level" else None,
                        "due_date": today + timedelta(days=rng.randint(-21, 42)),
                        "created_at": row["created_at"],
                    }
                )
        counts["group_members"] += _insert(GroupMember, members)
        counts["assignments"] += _insert(Assignment, assignments)
        db.session.commit()
        counts["groups"] += len(ids)
        if progress:
            _progress("groups", start + len(chunk), len(plan))
    return counts


def _attempts(rng, total: int, lessons: list[_Lesson], now: datetime, progress) -> dict[str, int]:
    """``total`` stored answers to real exercises, skewed over learners (a quarter never
    studied, a few study a lot), each learner working through a track in order; the progress
    rows, scores and completions follow from the answers as the app computes them."""
    provider_of = dict(
        db.session.execute(
            select(User.id, User.organisation_id).where(User.role == Role.LEARNER).order_by(User.id)
        ).all()
    )
    learner_ids = list(provider_of)
    weights = [
        0.0 if rng.random() < 0.25 else min(rng.paretovariate(1.1), 40.0) for _ in learner_ids
    ]
    per_learner = Counter(rng.choices(learner_ids, weights, k=total))
    by_track: dict[str, list[_Lesson]] = defaultdict(list)
    for lesson in lessons:
        by_track[lesson.track].append(lesson)
    tracks = sorted(by_track)
    answers, progress_rows, writing = [], [], []
    counts = {"attempts": 0, "lesson_progress": 0, "completed_lessons": 0, "writing": 0}
    done = 0

    def flush() -> None:
        counts["lesson_progress"] += _insert(LessonProgress, progress_rows)
        counts["attempts"] += _insert(ExerciseAnswer, answers)
        counts["writing"] += _insert(WritingSubmission, writing)
        db.session.commit()
        answers.clear()
        progress_rows.clear()
        writing.clear()

    for learner_id in learner_ids:
        left = per_learner.get(learner_id, 0)
        if not left:
            continue
        first = rng.choice(tracks)
        order = by_track[first] + [lesson for lesson in lessons if lesson.track != first]
        skill = rng.uniform(0.75, 1.0)
        moment = now - timedelta(days=rng.uniform(1, 120))
        for lesson in order:
            if not left:
                break
            started = moment
            right = 0
            last = None
            for exercise_id, kind, good, bad in lesson.exercises[:left]:
                moment += timedelta(minutes=rng.uniform(0.5, 4))
                ok = rng.random() < skill
                correct = None if kind == "writing" else ok
                right += 1 if kind != "writing" and ok else 0
                answers.append(
                    {
                        "learner_id": learner_id,
                        "lesson_id": lesson.id,
                        "exercise_id": exercise_id,
                        "answer": good if correct is not False else bad,
                        "correct": correct,
                        "first_try_correct": correct,  # a wrong first try, put right later
                        "attempts": 1 if ok else rng.randint(2, 4),
                        "answered_at": min(moment, now),
                    }
                )
                if kind == "writing":
                    writing.append(
                        {
                            "learner_id": learner_id,
                            "provider_id": provider_of[learner_id],
                            "lesson_id": lesson.id,
                            "exercise_id": exercise_id,
                            "text": json.loads(good),
                            "submitted_at": min(moment, now),
                        }
                    )
                last = exercise_id
                left -= 1
            gradable = sum(1 for exercise in lesson.exercises if exercise[1] != "writing")
            score = first_try_score(gradable, right)
            completed = is_completed(gradable, right, 0)
            counts["completed_lessons"] += completed
            progress_rows.append(
                {
                    "learner_id": learner_id,
                    "lesson_id": lesson.id,
                    "started_at": min(started, now),
                    "updated_at": min(moment, now),
                    "completed_at": min(moment, now) if completed else None,
                    "best_score": score,
                    "last_exercise_id": last,
                }
            )
            moment += timedelta(days=rng.uniform(0.2, 3))
        if len(answers) >= 4 * BATCH:
            done += len(answers)
            flush()
            if progress:
                _progress("attempts", done, total)
    done += len(answers)
    flush()
    if progress:
        _progress("attempts", done, total)
    return counts


CLASS_PATTERNS = (  # weekdays, start, end
    ({1, 3}, time(18), time(20)),
    ({0, 2}, time(17, 30), time(19, 30)),
    ({0, 2}, time(19), time(20, 30)),
    ({5}, time(10), time(13)),
    ({6}, time(17), time(19)),
    ({0, 1, 2, 3, 4}, time(9), time(11, 30)),
    ({2}, time(18), time(21)),
)
CLASS_LEVELS = ((Level.A1, 35), (Level.A2, 35), (Level.B1, 22), (Level.B2, 8))


def _free_time_rows(rng, today: date, learner_ids: list[int]) -> list[dict]:
    """Free time for some learners: evenings on a few weekdays, weekends, or a two-week rota."""
    shapes = []
    for days in ({0, 2}, {1, 3}, {0, 1, 2, 3}, {2, 4}):
        cells = [(0, d, h) for d in days for h in range(17, 22)]
        cells += [(0, d, h) for d in (5, 6) for h in range(9, 20)]
        shapes.append(free_time.from_cells(today, 1, cells))
    rota = [(0, d, h) for d in range(5) for h in range(17, 22)]
    rota += [(1, d, h) for d in range(5) for h in range(8, 13)]
    shapes.append(free_time.from_cells(today, 2, rota))
    shapes.append(
        free_time.from_cells(today, 1, [(0, d, h) for d in range(7) for h in range(8, 21)])
    )
    rows = []
    for learner_id in learner_ids:
        shape = rng.choice(shapes)
        free = free_time.always_free(shape)
        rows.append(
            {
                "learner_id": learner_id,
                "cycle_start": shape.cycle_start,
                "cycle_weeks": shape.cycle_weeks,
                "pattern": ";".join(",".join(str(m) for m in week) for week in shape.weeks),
                **{
                    f"free_{day}": mask
                    for day, mask in zip(
                        ("mon", "tue", "wed", "thu", "fri", "sat", "sun"), free, strict=True
                    )
                },
            }
        )
    return rows


def _classes(rng, teachers, pupils, count: int, today: date, progress) -> dict[str, int]:
    """``count`` series of 4-12 weeks run by the providers' teachers, expanded with the app's
    recurrence rules (holidays skipped), booked by the provider's learners up to capacity and
    then waitlisted, plus some cancelled bookings; free time for 40 % of the learners."""
    counts = {"class_series": 0, "class_sessions": 0, "bookings": 0, "waitlisted": 0}
    everyone = [learner_id for ids in pupils.values() for learner_id, _level in ids]
    free_rows = _free_time_rows(rng, today, [i for i in everyone if rng.random() < 0.4])
    for start in range(0, len(free_rows), BATCH):
        db.session.execute(insert(LearnerAvailability), free_rows[start : start + BATCH])
    counts["free_time"] = len(free_rows)
    levels = [level for level, weight in CLASS_LEVELS for _ in range(weight)]
    by_level: dict[tuple[int, str | None], list[int]] = defaultdict(list)
    for provider_id, ids in pupils.items():
        for learner_id, level in ids:
            by_level[provider_id, level].append(learner_id)
    providers = sorted(teachers)
    chunk = 500
    for start in range(0, count, chunk):
        plans = []
        for n in range(start, min(start + chunk, count)):
            provider_id = rng.choice(providers)
            days, begins, ends = rng.choice(CLASS_PATTERNS)
            first = today + timedelta(days=rng.randint(-42, 28))
            last = first + timedelta(days=7 * rng.randint(4, 12) - 1)
            modality = rng.choice(
                (Modality.IN_PERSON, Modality.IN_PERSON, Modality.ONLINE, Modality.HYBRID)
            )
            level = rng.choice(levels)
            plans.append(
                (
                    {
                        "provider_id": provider_id,
                        "teacher_id": rng.choice(teachers[provider_id]),
                        "title": f"Norsk {level.value} kurs {n + 1}",
                        "description": "",
                        "level": level,
                        "track": None,
                        "modality": modality,
                        "address": "" if modality is Modality.ONLINE else f"Skolegata {n % 90 + 1}",
                        "meeting_link": ""
                        if modality is Modality.IN_PERSON
                        else f"https://meet.example.org/bench-{n + 1}",
                        "capacity": rng.randint(8, 30),
                        "weekdays": weekday_codes(days),
                        "start_local": begins,
                        "end_local": ends,
                        "first_date": first,
                        "last_date": last,
                        "drop_in_allowed": rng.random() < 0.3,
                        # most classes cost the learner nothing; a priced place needs a seat
                        "seat_price_nok": rng.choice((0, 0, 0, 1800, 2400)),
                        "booking_version": 0,
                        "created_at": datetime.combine(
                            first - timedelta(days=30), time(9), tzinfo=UTC
                        ),
                    },
                    expand(Recurrence(frozenset(days), begins, ends, first, last)),
                )
            )
        bookings_by_plan = []
        for series, _expansion in plans:
            level = series["level"].value
            pool = by_level[series["provider_id"], level] + by_level[series["provider_id"], None]
            wanted = min(
                len(pool), int(series["capacity"] * rng.uniform(0.2, 1.4)) + rng.randint(0, 2)
            )
            chosen = rng.sample(pool, wanted)
            cancelled = [chosen.pop() for _ in range(min(len(chosen), rng.choice((0, 0, 1, 2))))]
            moment = series["created_at"]
            rows = []
            for n, learner_id in enumerate(chosen + cancelled):
                moment += timedelta(minutes=rng.randint(5, 600))
                status = (
                    BookingStatus.CANCELLED
                    if n >= len(chosen)
                    else BookingStatus.CONFIRMED
                    if n < series["capacity"]
                    else BookingStatus.WAITLISTED
                )
                rows.append(
                    {
                        "learner_id": learner_id,
                        "session_id": None,
                        "status": status,
                        "created_at": moment,
                        "confirmed_at": moment if status is not BookingStatus.WAITLISTED else None,
                        "cancelled_at": moment + timedelta(days=2)
                        if status is BookingStatus.CANCELLED
                        else None,
                        "seat_held": False,
                    }
                )
            series["booking_version"] = len(rows)
            bookings_by_plan.append(rows)
        ids = db.session.scalars(
            insert(ClassSeries).returning(ClassSeries.id, sort_by_parameter_order=True),
            [series for series, _expansion in plans],
        ).all()
        sessions, skipped, bookings = [], [], []
        for series_id, (_series, expansion), rows in zip(ids, plans, bookings_by_plan, strict=True):
            for planned in expansion.sessions:
                sessions.append(
                    {
                        "series_id": series_id,
                        "local_date": planned.date,
                        "start_local": planned.start_local,
                        "end_local": planned.end_local,
                        "starts_at": planned.start_utc,
                        "ends_at": planned.end_utc,
                        "status": SessionStatus.SCHEDULED,
                        "is_extra": planned.extra,
                        "cancelled_at": None,
                        "sequence": 0,
                    }
                )
            skipped += [
                {"series_id": series_id, "local_date": s.date, "reason": s.reason}
                for s in expansion.skipped
            ]
            bookings += [{**row, "series_id": series_id} for row in rows]
        counts["class_sessions"] += _insert(ClassSession, sessions)
        _insert(SkippedDate, skipped)
        counts["bookings"] += _insert(Booking, bookings)
        db.session.commit()
        counts["class_series"] += len(ids)
        counts["waitlisted"] += sum(1 for b in bookings if b["status"] is BookingStatus.WAITLISTED)
        if progress:
            _progress("classes", start + len(plans), count)
    rebuild_all_timetables()
    db.session.commit()
    return counts
