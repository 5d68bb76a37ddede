"""The demo region: organisations, fixed accounts, and the name pools for generated learners."""

from __future__ import annotations

from webapp.accounts.models import Role
from webapp.learners.levels import Education
from webapp.learners.models import Employment, FirstLanguage
from webapp.organisations.models import OrganisationKind

DEMO_PASSWORD = "norskvei-demo"
DEMO_SEED = 20230701

# (name, kind, municipality number). Drammen runs its own adult-education centre (both);
# Flesberg and Rollag are small and have no evening classes of their own.
ORGANISATIONS: tuple[tuple[str, OrganisationKind, str | None], ...] = (
    ("Drammen kommune", OrganisationKind.BOTH, "3301"),
    ("Flesberg kommune", OrganisationKind.MUNICIPALITY, "3334"),
    ("Rollag kommune", OrganisationKind.MUNICIPALITY, "3336"),
    ("Nordlys Språkskole AS", OrganisationKind.PROVIDER, None),
)

# (e-mail, name, role, organisation, locale)
STAFF: tuple[tuple[str, str, Role, str | None, str], ...] = (
    ("admin@example.org", "Ingrid Haugen", Role.ADMIN, None, "nb"),
    ("teacher@example.org", "Kari Nordmann", Role.TEACHER, "Drammen kommune", "nb"),
    ("coordinator@example.org", "Ola Berg", Role.COORDINATOR, "Drammen kommune", "nb"),
    ("provider@example.org", "Silje Lunde", Role.PROVIDER_ADMIN, "Nordlys Språkskole AS", "nb"),
    ("centre.admin@example.org", "Morten Dahl", Role.PROVIDER_ADMIN, "Drammen kommune", "nb"),
    ("teacher2@example.org", "Halyna Moroz", Role.TEACHER, "Drammen kommune", "uk"),
    ("teacher3@example.org", "Eirik Solberg", Role.TEACHER, "Nordlys Språkskole AS", "nb"),
    ("teacher4@example.org", "Natalia Sokolova", Role.TEACHER, "Nordlys Språkskole AS", "ru"),
    ("flesberg@example.org", "Astrid Kleven", Role.COORDINATOR, "Flesberg kommune", "nb"),
    ("rollag@example.org", "Per Rustad", Role.COORDINATOR, "Rollag kommune", "nb"),
)

FIXED_LOGINS = (
    "learner@example.org",
    "teacher@example.org",
    "coordinator@example.org",
    "admin@example.org",
)

# The fixed learner: employed on shifts, Ukrainian interface, higher education.
FIXED_LEARNER = {
    "email": "learner@example.org",
    "name": "Olena Kovalenko",
    "locale": "uk",
    "organisation": "Drammen kommune",
    "home": "Drammen kommune",
    "birth_date": "1987-03-14",
    "settlement_date": "2026-02-02",
    "first_language": FirstLanguage.UKRAINIAN,
    "education": Education.HIGHER,
    "employment": Employment.SHIFT_WORK,
    "working_hours": "Rullerende skift på sykehjem: 07–15 og 15–23",
}

WOMEN_FIRST = (
    "Olha",
    "Iryna",
    "Tetiana",
    "Nataliia",
    "Oksana",
    "Yuliia",
    "Svitlana",
    "Kateryna",
    "Anastasiia",
    "Mariia",
    "Viktoriia",
    "Liudmyla",
    "Halyna",
    "Alina",
    "Daryna",
    "Inna",
    "Larysa",
    "Valentyna",
    "Anna",
    "Yelena",
    "Natalia",
    "Tatiana",
    "Olga",
    "Svetlana",
)
MEN_FIRST = (
    "Andrii",
    "Oleksandr",
    "Serhii",
    "Dmytro",
    "Volodymyr",
    "Mykola",
    "Yurii",
    "Vasyl",
    "Ivan",
    "Bohdan",
    "Taras",
    "Maksym",
    "Roman",
    "Oleh",
    "Sergei",
    "Dmitri",
    "Aleksei",
)
LAST_NAMES = (
    "Shevchenko",
    "Bondarenko",
    "Kovalchuk",
    "Tkachenko",
    "Kravchenko",
    "Melnyk",
    "Boiko",
    "Oliinyk",
    "Lysenko",
    "Marchenko",
    "Savchenko",
    "Rudenko",
    "Petrenko",
    "Polishchuk",
    "Moroz",
    "Pavlenko",
    "Hrytsenko",
    "Kuzmenko",
    "Levchenko",
    "Ivanova",
    "Petrova",
    "Smirnova",
    "Zaitseva",
    "Horbunova",
    "Karpenko",
    "Vasylenko",
    "Yakovenko",
    "Klymenko",
    "Semenko",
)
# Surnames ending in -a are the feminine forms; men take the others.
NEUTRAL_LAST_NAMES = tuple(name for name in LAST_NAMES if not name.endswith("a"))
OTHER_NAMES = (("Amina", "Yusuf"), ("Dawit", "Tesfaye"), ("Leyla", "Aliyeva"))

# Education quotas for 59 generated learners (plus the fixed one, higher), after the brief:
# about 75% higher education, 14% upper secondary, 9% lower secondary, under 1% less.
EDUCATION_QUOTA: tuple[tuple[Education, int], ...] = (
    (Education.HIGHER, 44),
    (Education.UPPER_SECONDARY, 8),
    (Education.LOWER_SECONDARY, 5),
    (Education.PRIMARY, 1),
    (Education.NONE, 1),
)
GENERATED_LEARNERS = sum(count for _, count in EDUCATION_QUOTA)

WORKING_HOURS = {
    Employment.NOT_WORKING: ("",),
    Employment.PART_TIME: ("Man–ons 08–14", "Helger 10–18", "Tir og tor 12–20"),
    Employment.FULL_TIME: ("Man–fre 07–15", "Man–fre 08–16", "Man–fre 06–14"),
    Employment.SHIFT_WORK: (
        "Rullerende skift: dag, kveld og natt",
        "Turnus 07–15 / 15–23, hver tredje helg",
        "To uker på, to uker av (fiskeforedling)",
    ),
}
