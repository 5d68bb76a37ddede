"""Demo classes: evening, weekend and online series, learners' free time, bookings, attendance."""

from __future__ import annotations

import random
from datetime import date, time, timedelta

from sqlalchemy import select

from scheduling import availability as free_time
from webapp.accounts.models import Role, User
from webapp.classes import services
from webapp.classes.models import AttendanceMark, ClassSeries, Modality
from webapp.db_types import utcnow
from webapp.extensions import db
from webapp.learners.levels import Level
from webapp.learners.models import Employment

FIXED_EMAIL = "learner@example.org"

# (provider, teacher e-mail, title, level, track, modality, weekdays, start, end, capacity,
#  drop-ins, price)
SERIES = (
    (
        "Drammen kommune",
        "teacher@example.org",
        "Norsk A2 på kveldstid, tirsdag og torsdag",
        Level.A2,
        None,
        Modality.IN_PERSON,
        {1, 3},
        time(18),
        time(20),
        14,
        False,
        2400,
    ),
    (
        "Drammen kommune",
        "teacher2@example.org",
        "Norsk A1 på dagtid",
        Level.A1,
        None,
        Modality.IN_PERSON,
        {0, 1, 2, 3, 4},
        time(9),
        time(11, 30),
        18,
        False,
        3000,
    ),
    (
        "Nordlys Språkskole AS",
        "teacher3@example.org",
        "Norsk A1 på nett, mandag og onsdag kveld",
        Level.A1,
        None,
        Modality.ONLINE,
        {0, 2},
        time(19),
        time(20, 30),
        20,
        True,
        1800,
    ),
    (
        "Nordlys Språkskole AS",
        "teacher4@example.org",
        "Helgekurs B1: norsk i arbeidslivet",
        Level.B1,
        "working-life",
        Modality.HYBRID,
        {5},
        time(10),
        time(13),
        12,
        True,
        2600,
    ),
    (
        "Nordlys Språkskole AS",
        "teacher3@example.org",
        "Norsk A2 for helse og omsorg, søndag",
        Level.A2,
        "health-care",
        Modality.ONLINE,
        {6},
        time(17),
        time(19),
        16,
        True,
        2200,
    ),
)

ADDRESSES = {
    "Drammen kommune": "Drammen voksenopplæring, Kirkegata 10, 3016 Drammen",
    "Nordlys Språkskole AS": "Nordlys Språkskole, Storgata 5, 3611 Kongsberg",
}


def _free_time_for(employment: Employment, rng: random.Random, today: date):
    """Plausible free hours for a demo learner's kind of work."""
    weekdays, evenings, weekend_days = range(5), range(17, 22), range(9, 20)
    cells: list[tuple[int, int, int]] = []
    if employment is Employment.SHIFT_WORK:
        # A two-week rota: day shifts one week (free evenings), evening shifts the next.
        for day in weekdays:
            cells += [(0, day, hour) for hour in evenings]
            cells += [(1, day, hour) for hour in range(8, 13)]
        cells += [(week, day, hour) for week in (0, 1) for day in (5, 6) for hour in weekend_days]
        return free_time.from_cells(today, 2, cells)
    if employment is Employment.NOT_WORKING:
        cells = [(0, day, hour) for day in range(7) for hour in range(8, 21)]
    else:
        free_days = rng.sample(list(weekdays), k=rng.randint(2, 5))
        cells = [(0, day, hour) for day in free_days for hour in evenings]
        cells += [(0, day, hour) for day in (5, 6) for hour in weekend_days if rng.random() < 0.7]
    return free_time.from_cells(today, 1, cells)


def seed_classes(today: date, learners: list[User], rng: random.Random) -> int:
    """Publish the demo series once, with free time, bookings and attendance; return how many."""
    titles = set(db.session.scalars(select(ClassSeries.title)))
    staff = {
        user.email: user
        for user in db.session.scalars(select(User).where(User.role != Role.LEARNER))
    }
    created: list[ClassSeries] = []
    for (
        provider,
        email,
        title,
        level,
        track,
        modality,
        days,
        start,
        end,
        capacity,
        drop_in,
        price,
    ) in SERIES:
        if title in titles:
            continue
        teacher = staff[email]
        created.append(
            services.create_series(
                teacher,
                services.SeriesInput(
                    title=title,
                    description="",
                    level=level,
                    track=track,
                    modality=modality,
                    address=ADDRESSES[provider] if modality is not Modality.ONLINE else "",
                    meeting_link=(
                        f"https://meet.example.org/norskvei-{len(titles) + len(created) + 1}"
                        if modality is not Modality.IN_PERSON
                        else ""
                    ),
                    capacity=capacity,
                    teacher_id=teacher.id,
                    weekdays=frozenset(days),
                    start_local=start,
                    end_local=end,
                    first_date=today - timedelta(days=21),
                    last_date=today + timedelta(days=70),
                    extra_dates=frozenset(),
                    cancelled_dates=frozenset(),
                    drop_in_allowed=drop_in,
                    seat_price_nok=price,
                ),
            )
        )
    if not created:
        return 0
    for learner in learners:
        profile = learner.learner_profile
        fixed = learner.email == FIXED_EMAIL
        if profile is None or (rng.random() < 0.2 and not fixed):
            continue
        services.save_availability(learner, _free_time_for(profile.employment, rng, today))
    _book_and_mark(created, learners, rng)
    return len(created)


def _book_and_mark(series_list: list[ClassSeries], learners: list[User], rng: random.Random):
    """Book some learners into the series that fit their level and take past attendance."""
    now = utcnow()
    past = now - timedelta(days=30)
    for series in series_list:
        matching = [
            learner
            for learner in learners
            if learner.learner_profile
            and learner.learner_profile.current_level == series.level
            and learner.email != FIXED_EMAIL  # the demo learner finds and books a class herself
        ]
        rng.shuffle(matching)
        booked = []
        for learner in matching[: max(2, series.capacity // 2)]:
            try:
                services.book_series(learner, series, now=past)
            except services.ClassError:
                continue  # overlapping another demo booking
            booked.append(learner)
        teacher = series.teacher
        for session in series.sessions:
            if session.ends_at >= now or teacher is None:
                continue
            marks = {
                learner.id: rng.choices(
                    [AttendanceMark.PRESENT, AttendanceMark.ABSENT, AttendanceMark.EXCUSED],
                    weights=[80, 12, 8],
                )[0]
                for learner in booked
            }
            services.mark_attendance(teacher, session, marks)
