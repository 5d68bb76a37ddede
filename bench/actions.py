"""What each user of a real evening does, one request at a time, with no HTTP library.

A script per role (learner, teacher, coordinator) picks its next action by weight, builds the
request, and reads what it needs from the answer (the CSRF token, a card to rate, a booking to
cancel, a roster to mark). The load (bench/evening.py, with Locust) and the statement counts
(bench/statements.py, with Flask's test client) send the very same requests.
"""

from __future__ import annotations

import base64
import json
import random
import re
import zlib
from dataclasses import KW_ONLY, dataclass, field
from datetime import date, timedelta

# Every page carries the session's CSRF token in a meta tag (lesson.js posts heartbeats with it).
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
CSRF_FIELD = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
FIT_SERIES = re.compile(r'<h2><a href="/classes/(\d+)">')
RATE_CARD = re.compile(r'action="/review/(\d+)"')
REPLY_FORM = re.compile(r'action="/writing/(\d+)/reply')
ROSTER = re.compile(r'name="mark-(\d+)" value="present"')

LEARNER_ACTIONS = (
    "dashboard",
    "catalogue",
    "lesson",
    "answer",
    "heartbeat",
    "review",
    "review rating",
    "classes that fit",
    "class page",
    "booking",
    "cancel booking",
)
TEACHER_ACTIONS = ("matrix", "attendance", "attendance saved", "writing", "reply")
COORDINATOR_ACTIONS = ("overview", "learner record", "leave registered")
ROLE_OF_ACTION = {
    **{name: "learner" for name in LEARNER_ACTIONS},
    **{name: "teacher" for name in TEACHER_ACTIONS},
    **{name: "coordinator" for name in COORDINATOR_ACTIONS},
}
# The goals: p95 latency under load (ms) of every learner action and of every staff action.
LEARNER_P95_MS = 100
STAFF_P95_MS = 250
# The learner pages whose size the issue bounds (60 KB).
LEARNER_PAGES = ("dashboard", "catalogue", "lesson", "review", "classes that fit", "class page")
REPLY_TEXT = "Bra skrevet! Husk inversjon etter tidsuttrykk: «I dag jobber jeg»."
WRITING_WORDS = (
    "Jeg jobber på et lager i byen, og jeg liker jobben min fordi kollegene er hyggelige."
)


@dataclass(frozen=True)
class Request:
    """One action: a page to load or a form to post, and the status a success answers with."""

    action: str
    method: str
    path: str
    data: dict[str, str] | None = None
    _: KW_ONLY
    ajax: bool = False  # the token goes in the X-CSRFToken header, as lesson.js sends it
    expect: int = 200

    def headers(self, token: str) -> dict[str, str]:
        """The request headers besides the session cookie."""
        return {"X-CSRFToken": token} if self.ajax else {}


def session_data(cookie: str) -> dict:
    """The contents of a Flask session cookie (signed, not encrypted: readable without the key)."""
    compressed = cookie.startswith(".")
    payload = (cookie[1:] if compressed else cookie).split(".", 1)[0]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    return json.loads(zlib.decompress(raw) if compressed else raw)


def flashed_errors(cookie: str | None) -> list[str]:
    """The error messages flashed into a session cookie (a refused booking, for example)."""
    if not cookie:
        return []
    errors = []
    for item in session_data(cookie).get("_flashes", []):
        pair = item.get(" t", item) if isinstance(item, dict) else item  # tagged tuples
        if pair and pair[0] == "error":
            errors.append(str(pair[1]))
    return errors


def exercise_fields(exercise: dict, language: str, right: bool) -> dict[str, str]:
    """The form fields a learner posts for ``exercise``: a right or a wrong answer."""
    kind = exercise["type"]
    if kind in ("choice", "listen", "dialogue"):
        answer = exercise["answer"]
        if not right:
            answer = next(option for option in exercise["options"] if option != answer)
        return {"answer": answer}
    if kind == "fill":
        return {"answer": exercise["answers"][0] if right else "vet ikke"}
    if kind == "match":
        meanings = [pair[language] for pair in exercise["pairs"]]
        if not right:
            meanings = meanings[1:] + meanings[:1]
        return {f"pair-{n}": meaning for n, meaning in enumerate(meanings)}
    if kind == "order":
        sentence = exercise["sentence"]
        return {"answer": sentence if right else " ".join(reversed(sentence.split()))}
    if kind == "writing":
        words = (WRITING_WORDS.split() * 40)[: exercise["min_words"] + 5]
        return {"answer": " ".join(words)}
    raise ValueError(f"unknown exercise type {kind!r}")


def curriculum_answers(contents: dict[str, dict]) -> dict[str, list[dict]]:
    """For each lesson (by id, from its decoded content), its exercises with a right and a wrong
    answer in every support language: ``{lesson: [{"id", "right": {lang: fields}, ...}]}``."""
    languages = ("uk", "ru", "en")
    return {
        lesson_id: [
            {
                "id": exercise["id"],
                "right": {lang: exercise_fields(exercise, lang, True) for lang in languages},
                "wrong": {lang: exercise_fields(exercise, lang, False) for lang in languages},
            }
            for exercise in content["exercises"]
        ]
        for lesson_id, content in contents.items()
    }


class Script:
    """One user's evening: the next action by weight, and what it learnt from the answers."""

    role = ""
    weights: dict[str, int] = {}

    def __init__(self, plan: dict, seed: int) -> None:
        self.plan = plan
        self.rng = random.Random(seed)
        self.token = ""
        self._names = list(self.weights)
        self._weights = list(self.weights.values())

    def next(self) -> Request:
        """The next action, chosen by weight (an action that cannot run yet falls back)."""
        return self.request(self.rng.choices(self._names, self._weights)[0])

    def request(self, action: str) -> Request:
        """The request for ``action`` in the user's present state."""
        return getattr(self, "_" + action.replace(" ", "_"))()

    def seen(self, request: Request, status: int, body: str) -> None:
        """Read the CSRF token and whatever the script needs from a page it loaded."""
        if request.method == "GET" and status == 200:
            match = CSRF_META.search(body)
            if match:
                self.token = match.group(1)
            self.read(request, body)

    def read(self, request: Request, body: str) -> None:
        """Role-specific reading of a loaded page."""

    def form(self, **fields: str) -> dict[str, str]:
        return {"csrf_token": self.token, **fields}


@dataclass
class Booking:
    """Where a learner is in trying a class: find one, look at it, book it, cancel it again."""

    stage: str = "find"
    candidates: list[int] = field(default_factory=list)
    series: int = 0
    booking: int = 0
    wider: bool = False  # nothing at the learner's level could be booked: look at all levels


class LearnerScript(Script):
    """A learner studying: lessons and answers with heartbeats, review, classes that fit, and now
    and then a class booked (and cancelled again later, so the places are not used up)."""

    role = "learner"
    weights = {
        "dashboard": 9,
        "catalogue": 5,
        "lesson": 14,
        "answer": 22,
        "heartbeat": 22,
        "review": 6,
        "review rating": 5,
        "classes that fit": 6,
        "booking flow": 6,
    }

    def __init__(self, plan: dict, seed: int, curriculum: dict[str, list[dict]]) -> None:
        super().__init__(plan, seed)
        self.curriculum = curriculum
        self.language = plan["language"]
        self.lessons: list[str] = plan["lessons"]
        self.lesson_index = 0
        self.exercise_index = 0
        self.card = 0
        self.trying = Booking()

    @property
    def lesson_id(self) -> str:
        return self.lessons[self.lesson_index % len(self.lessons)]

    def _dashboard(self) -> Request:
        return Request("dashboard", "GET", "/dashboard")

    def _catalogue(self) -> Request:
        return Request("catalogue", "GET", "/lessons")

    def _lesson(self) -> Request:
        return Request("lesson", "GET", f"/lessons/{self.lesson_id}")

    def _answer(self, right: bool | None = None) -> Request:
        """The next exercise of the lesson, right 85 % of the time; after the last one the
        learner goes on to the next lesson."""
        exercises = self.curriculum[self.lesson_id]
        exercise = exercises[self.exercise_index]
        right = self.rng.random() < 0.85 if right is None else right
        fields = exercise["right" if right else "wrong"][self.language]
        request = Request(
            "answer",
            "POST",
            f"/lessons/{self.lesson_id}/exercises/{exercise['id']}",
            self.form(**fields),
            expect=302,
        )
        self.exercise_index += 1
        if self.exercise_index == len(exercises):
            self.exercise_index = 0
            self.lesson_index += 1
        return request

    def _heartbeat(self) -> Request:
        return Request("heartbeat", "POST", "/study/heartbeat", {"source": "lesson"}, ajax=True)

    def _review(self) -> Request:
        return Request("review", "GET", "/review?reveal=1")

    def _review_rating(self) -> Request:
        if not self.card:
            return self._review()
        card, self.card = self.card, 0
        rating = str(self.rng.choice((2, 3, 3, 3, 4)))
        return Request(
            "review rating", "POST", f"/review/{card}", self.form(rating=rating), expect=302
        )

    def _classes_that_fit(self) -> Request:
        """The classes at the learner's level; all levels once none of those could be booked
        (they all clash with a booking, say), as a learner would widen the search."""
        return Request(
            "classes that fit", "GET", "/classes?level=" if self.trying.wider else "/classes"
        )

    def _booking_flow(self) -> Request:
        """One step of trying a class: the list, a class, booking it, the class again (with
        the booking), cancelling it."""
        trying = self.trying
        if trying.stage == "book":
            trying.stage = "check"
            return Request(
                "booking", "POST", f"/classes/{trying.series}/book", self.form(), expect=302
            )
        if trying.stage == "cancel":
            trying.stage = "find"
            return Request(
                "cancel booking",
                "POST",
                f"/bookings/{trying.booking}/cancel",
                self.form(),
                expect=302,
            )
        if trying.stage in ("look", "check") and trying.series:
            return Request("class page", "GET", f"/classes/{trying.series}")
        return self._classes_that_fit()

    def read(self, request: Request, body: str) -> None:
        trying = self.trying
        if request.action == "review":
            match = RATE_CARD.search(body)
            self.card = int(match.group(1)) if match else 0
        elif request.action == "classes that fit":
            trying.candidates = [int(n) for n in FIT_SERIES.findall(body)]
            self.rng.shuffle(trying.candidates)
            trying.stage = "look"
            trying.series = trying.candidates.pop() if trying.candidates else 0
        elif request.action == "class page" and trying.stage == "look":
            if f'action="/classes/{trying.series}/book"' in body:
                trying.stage = "book"
            elif trying.candidates:  # booked already, or nothing ahead: the next one
                trying.series = trying.candidates.pop()
            else:
                trying.stage, trying.wider = "find", not trying.wider
        elif request.action == "class page" and trying.stage == "check":
            match = re.search(r'href="/bookings/(\d+)/cancel"', body)
            if match:  # none when the next session is less than 2 hours away: keep it
                trying.stage, trying.booking, trying.wider = "cancel", int(match.group(1)), False
            else:
                trying.stage = "find"

    def refused(self, request: Request) -> None:
        """A booking was refused (it overlaps another, say): look for another class."""
        if request.action == "booking":
            if self.trying.candidates:  # another class from the same list
                self.trying.series = self.trying.candidates.pop()
                self.trying.stage = "look"
            else:
                self.trying.stage, self.trying.wider = "find", not self.trying.wider


class TeacherScript(Script):
    """A teacher: the progress matrix of a group, attendance at a class that has met, and replies
    to the learners' free writing."""

    role = "teacher"
    weights = {"matrix": 35, "attendance": 20, "attendance saved": 15, "writing": 15, "reply": 15}

    def __init__(self, plan: dict, seed: int) -> None:
        super().__init__(plan, seed)
        self.roster: tuple[int, int, list[int]] | None = None  # series, session, learners
        self.submission = 0

    def _matrix(self) -> Request:
        group = self.rng.choice(self.plan["groups"])
        return Request("matrix", "GET", f"/groups/{group}")

    def _attendance(self) -> Request:
        if not self.plan["sessions"]:
            return self._matrix()
        series, session = self.rng.choice(self.plan["sessions"])
        return Request("attendance", "GET", f"/classes/{series}/sessions/{session}/attendance")

    def _attendance_saved(self, mark: str | None = None) -> Request:
        if self.roster is None:
            return self._attendance()
        series, session, learners = self.roster
        marks = {
            f"mark-{learner}": mark or self.rng.choice(("present",) * 8 + ("absent", "excused"))
            for learner in learners
        }
        return Request(
            "attendance saved",
            "POST",
            f"/classes/{series}/sessions/{session}/attendance",
            self.form(**marks),
            expect=302,
        )

    def _writing(self) -> Request:
        return Request("writing", "GET", "/writing")

    def _reply(self) -> Request:
        if not self.submission:
            return self._writing()
        submission, self.submission = self.submission, 0
        return Request(
            "reply",
            "POST",
            f"/writing/{submission}/reply?page=1",
            self.form(reply=REPLY_TEXT),
            expect=302,
        )

    def read(self, request: Request, body: str) -> None:
        if request.action == "attendance":
            _classes, series, _sessions, session, _page = request.path.strip("/").split("/")
            self.roster = (int(series), int(session), [int(n) for n in ROSTER.findall(body)])
        elif request.action == "writing":
            match = REPLY_FORM.search(body)
            self.submission = int(match.group(1)) if match else 0


class CoordinatorScript(Script):
    """A municipal coordinator: the overview, a learner's record, and a leave registered."""

    role = "coordinator"
    weights = {"overview": 40, "learner record": 40, "leave registered": 20}

    def __init__(self, plan: dict, seed: int, today: date | None = None) -> None:
        super().__init__(plan, seed)
        self.today = today or date.today()
        self.learner = 0

    def _overview(self) -> Request:
        return Request("overview", "GET", "/entitlements")

    def _learner_record(self) -> Request:
        self.learner = self.rng.choice(self.plan["learners"])
        return Request("learner record", "GET", f"/learners/{self.learner}/entitlement")

    def _leave_registered(self) -> Request:
        """Approved leave for the learner whose record is open (or one of the municipality's):
        a few days, some weeks ahead."""
        learner = self.learner or self.rng.choice(self.plan["learners"])
        first = self.today + timedelta(days=self.rng.randint(14, 200))
        last = first + timedelta(days=self.rng.randint(0, 13))
        data = self.form(
            first_day=first.isoformat(), last_day=last.isoformat(), reason="Permisjon (sykdom)"
        )
        return Request(
            "leave registered", "POST", f"/learners/{learner}/entitlement/leave", data, expect=302
        )


def script_for(role: str, plan: dict, seed: int, curriculum: dict[str, list[dict]]) -> Script:
    """The script of one user of ``role``."""
    if role == "learner":
        return LearnerScript(plan, seed, curriculum)
    if role == "teacher":
        return TeacherScript(plan, seed)
    return CoordinatorScript(plan, seed)
