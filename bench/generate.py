"""Generate national-scale data fast and repeatably (a seed), with bulk inserts.

357 municipalities and 30 providers; learners with profiles, entitlements (some with leave,
extensions or dropping out) and eight weeks of study days. The derived deadline fields are
computed with the same pure rules the app uses.
"""

from __future__ import annotations

import random
import sys
from datetime import date, timedelta

from sqlalchemy import insert

from webapp.accounts.models import Role, User
from webapp.accounts.passwords import hash_password
from webapp.entitlement import rules
from webapp.entitlement.models import Entitlement, ExtensionDecision, LeavePeriod
from webapp.extensions import db
from webapp.learners.levels import Education, default_targets
from webapp.learners.models import LearnerProfile
from webapp.organisations.models import Organisation
from webapp.studytime.models import StudyDay

MUNICIPALITIES = 357
PROVIDERS = 30
BATCH = 5_000
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


def generate(learners: int, today: date, seed: int = 2023, progress: bool = True) -> dict[str, int]:
    """Insert organisations, one coordinator per municipality and ``learners`` learners."""
    rng = random.Random(seed)
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
        db.session.execute(insert(LearnerProfile), profiles)
        db.session.execute(insert(Entitlement), entitlements)
        if leaves:
            db.session.execute(insert(LeavePeriod), leaves)
        if extensions:
            db.session.execute(insert(ExtensionDecision), extensions)
        if study:
            db.session.execute(insert(StudyDay), study)
        db.session.commit()
        done += size
        counts["learners"] += size
        counts["leave"] += len(leaves)
        counts["extensions"] += len(extensions)
        counts["study_days"] += len(study)
        if progress:
            _progress("learners", done, learners)
    return counts
