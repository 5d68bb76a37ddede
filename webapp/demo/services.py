"""Create the demo region; running it again adds only what is missing."""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from webapp.accounts.models import Role, User
from webapp.accounts.passwords import hash_password
from webapp.clock import oslo_today
from webapp.demo import data
from webapp.demo.classes import seed_classes
from webapp.demo.recordings import seed_demo_recordings
from webapp.demo.seats import seed_seats
from webapp.demo.teaching import seed_teaching
from webapp.entitlement import services as entitlement_services
from webapp.entitlement.overview_rows import refresh_all
from webapp.extensions import db
from webapp.learners.levels import Education, Level, default_targets
from webapp.learners.models import Employment, FirstLanguage, LearnerProfile
from webapp.lessons.services import default_support_language
from webapp.organisations.models import Organisation
from webapp.studytime.models import StudySource
from webapp.studytime.services import record_study_time


@dataclass
class SeedReport:
    """How many rows the seed added."""

    organisations: int = 0
    staff: int = 0
    learners: int = 0
    classes: int = 0
    recordings: int = 0


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in ascii_text.lower() if ch.isalnum() or ch == ".")


def _ensure_organisations(report: SeedReport) -> dict[str, Organisation]:
    existing = {org.name: org for org in db.session.scalars(select(Organisation))}
    for name, kind, number in data.ORGANISATIONS:
        if name not in existing:
            existing[name] = Organisation(name=name, kind=kind, municipality_number=number)
            db.session.add(existing[name])
            report.organisations += 1
    db.session.flush()
    return existing


def _existing_emails() -> set[str]:
    return set(db.session.scalars(select(User.email)))


def _learner(
    *,
    email: str,
    name: str,
    locale: str,
    organisation: Organisation,
    home: Organisation,
    birth_date: date,
    settlement_date: date,
    first_language: FirstLanguage,
    education: Education,
    employment: Employment,
    working_hours: str,
    current_level: Level | None,
    password_hash: str,
) -> User:
    targets = default_targets(education)
    user = User(
        email=email,
        name=name,
        password_hash=password_hash,
        locale=locale,
        role=Role.LEARNER,
        organisation=organisation,
    )
    user.learner_profile = LearnerProfile(
        birth_date=birth_date,
        settlement_date=settlement_date,
        home_municipality=home,
        first_language=first_language,
        education=education,
        current_level=current_level,
        target_listening=targets.listening,
        target_reading=targets.reading,
        target_writing=targets.writing,
        target_oral=targets.oral,
        employment=employment,
        working_hours=working_hours,
    )
    # Demo learners have used the platform before: their support language is already chosen.
    user.learner_profile.support_language = default_support_language(user)
    return user


def _generated_learners(orgs: dict[str, Organisation], password_hash: str) -> list[User]:
    """The 59 generated learners, the same ones on every run (a fixed seed)."""
    rng = random.Random(data.DEMO_SEED)
    educations = [edu for edu, count in data.EDUCATION_QUOTA for _ in range(count)]
    rng.shuffle(educations)
    homes = ["Drammen kommune"] * 35 + ["Flesberg kommune"] * 12 + ["Rollag kommune"] * 12
    rng.shuffle(homes)
    learners = []
    for index, education in enumerate(educations):
        roll = rng.random()
        if roll < 0.05:
            first, last = data.OTHER_NAMES[index % len(data.OTHER_NAMES)]
            language, locale = FirstLanguage.OTHER, rng.choice(("en", "nb"))
        else:
            language = FirstLanguage.UKRAINIAN if roll < 0.8 else FirstLanguage.RUSSIAN
            locale = language.value
            woman = rng.random() < 0.6
            first = rng.choice(data.WOMEN_FIRST if woman else data.MEN_FIRST)
            last = rng.choice(data.LAST_NAMES if woman else data.NEUTRAL_LAST_NAMES)
        age = rng.choice([rng.randint(19, 54)] * 6 + [rng.randint(55, 66)])
        birth = date(2026 - age, rng.randint(1, 12), rng.randint(1, 28))
        settled = date(2023, 1, 15) + timedelta(days=rng.randint(0, 365 * 3 + 280))
        employment = rng.choices(list(Employment), weights=[40, 20, 20, 20])[0]
        home = orgs[homes[index]]
        # Flesberg and Rollag have no evening classes: their learners study with Nordlys.
        provider = (
            orgs["Drammen kommune"]
            if home.name == "Drammen kommune"
            else (orgs["Nordlys Språkskole AS"])
        )
        level = rng.choice([None, Level.A1, Level.A1, Level.A2, Level.A2, Level.B1])
        learners.append(
            _learner(
                email=f"{_slug(first)}.{_slug(last)}.{index + 1}@example.org",
                name=f"{first} {last}",
                locale=locale,
                organisation=provider,
                home=home,
                birth_date=birth,
                settlement_date=settled,
                first_language=language,
                education=education,
                employment=employment,
                working_hours=rng.choice(data.WORKING_HOURS[employment]),
                current_level=level,
                password_hash=password_hash,
            )
        )
    return learners


def _seed_entitlement(learner: User, rng: random.Random, today: date, admin: User) -> None:
    """Give a demo learner a realistic record: a start, maybe leave, extensions or dropping out."""
    profile = learner.learner_profile
    assert profile is not None
    entitlement = entitlement_services.ensure_entitlement(learner)
    start = profile.settlement_date + timedelta(days=rng.randint(7, 75))
    if start > today:
        return  # settled recently: training has not started yet
    entitlement_services.set_start(
        admin, learner, start - timedelta(days=rng.randint(0, 10)), start, "Demo"
    )
    if rng.random() < 0.2:
        first = start + timedelta(days=rng.randint(30, 200))
        entitlement_services.add_leave(
            admin, learner, first, first + timedelta(days=rng.randint(7, 60)), "Fødselspermisjon"
        )
    near_end = entitlement.last_day and entitlement.last_day < today + timedelta(days=90)
    if near_end and rng.random() < 0.5:
        entitlement_services.add_extension(
            admin, learner, entitlement.last_day - timedelta(days=20), rng.choice([3, 6]), "Demo"
        )
    if rng.random() < 0.05:
        entitlement_services.register_dropout(
            admin, learner, start + timedelta(days=rng.randint(20, 120)), "Flyttet fra kommunen"
        )


def _seed_study_time(learner: User, rng: random.Random, today: date) -> None:
    """Eight weeks of study days: some learners study often, some rarely, some not at all."""
    habit = rng.choice([0.0, 0.1, 0.3, 0.5, 0.7])
    for back in range(56):
        if rng.random() < habit:
            day = today - timedelta(days=back)
            record_study_time(learner.id, day, StudySource.LESSON, rng.randint(10, 50) * 60)
            if rng.random() < 0.5:
                record_study_time(learner.id, day, StudySource.REVIEW, rng.randint(3, 15) * 60)


def seed_demo() -> SeedReport:
    """Create the demo organisations, staff and 60 learners that do not exist yet."""
    report = SeedReport()
    orgs = _ensure_organisations(report)
    emails = _existing_emails()
    password_hash = hash_password(data.DEMO_PASSWORD)

    for email, name, role, org_name, locale in data.STAFF:
        if email in emails:
            continue
        db.session.add(
            User(
                email=email,
                name=name,
                password_hash=password_hash,
                locale=locale,
                role=role,
                organisation=orgs[org_name] if org_name else None,
            )
        )
        report.staff += 1

    fixed = data.FIXED_LEARNER
    candidates = [
        _learner(
            email=str(fixed["email"]),
            name=str(fixed["name"]),
            locale=str(fixed["locale"]),
            organisation=orgs[str(fixed["organisation"])],
            home=orgs[str(fixed["home"])],
            birth_date=date.fromisoformat(str(fixed["birth_date"])),
            settlement_date=date.fromisoformat(str(fixed["settlement_date"])),
            first_language=FirstLanguage(fixed["first_language"]),
            education=Education(fixed["education"]),
            employment=Employment(fixed["employment"]),
            working_hours=str(fixed["working_hours"]),
            current_level=Level.A2,
            password_hash=password_hash,
        ),
        *_generated_learners(orgs, password_hash),
    ]
    added = []
    for learner in candidates:
        if learner.email in emails:
            continue
        db.session.add(learner)
        emails.add(learner.email)
        added.append(learner)
        report.learners += 1
    db.session.flush()

    admin = db.session.scalar(select(User).where(User.email == "admin@example.org"))
    today = oslo_today()
    rng = random.Random(data.DEMO_SEED + 1)
    for learner in added:
        if learner.email == data.FIXED_LEARNER["email"]:
            entitlement_services.ensure_entitlement(learner)
            start = learner.learner_profile.settlement_date + timedelta(days=14)
            entitlement_services.set_start(admin, learner, start, start, "Demo")
        else:
            _seed_entitlement(learner, rng, today, admin)
        _seed_study_time(learner, rng, today)
    db.session.flush()
    every_learner = list(db.session.scalars(select(User).where(User.role == Role.LEARNER)))
    report.classes = seed_classes(today, every_learner, random.Random(data.DEMO_SEED + 2))
    seed_teaching(today)
    seed_seats(today)
    db.session.flush()
    refresh_all(today)  # the study time and attendance just seeded count in the flags at once
    report.recordings = seed_demo_recordings()
    return report
