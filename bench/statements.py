"""SQL statements per action, in the app (Flask's test client, no server): each action of the
evening done by one visitor per role, chosen the same way at every size, so the counts at 200
learners and at national size can be compared statement by statement."""

from __future__ import annotations

import re
import statistics
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

from sqlalchemy import event, func, select

from bench.actions import (
    CSRF_FIELD,
    CoordinatorScript,
    LearnerScript,
    Request,
    Script,
    TeacherScript,
    flashed_errors,
)
from webapp.classes.models import Booking as BookingRow
from webapp.classes.models import BookingStatus
from webapp.extensions import db

PASSWORD = "bench-password-0123"
TIMED_VISITS = 5  # a page's time in the app: the median of this many visits after the counted one
PARAMETER = r"(?:\?|%\(\w+\)s(?:::\w+)?)"  # a bound parameter, SQLite or psycopg style


@dataclass(frozen=True)
class Counted:
    """One action as counted: its statements (text, IN lists folded), status, page size, and how
    long it took in the app (one visit, nothing else running in this process)."""

    statements: tuple[str, ...]
    status: int
    bytes: int
    refused: tuple[str, ...] = ()
    ms: float = 0.0

    @property
    def count(self) -> int:
        return len(self.statements)


def _folded(statement: str) -> str:
    text = " ".join(statement.split())
    text = re.sub(r"\(SELECT 1 FROM \(SELECT 1\) WHERE 1!=1\)", "(…)", text)
    return re.sub(rf"\((?:{PARAMETER}, )*{PARAMETER}\)", "(…)", text)


@contextmanager
def statement_log(app) -> Iterator[list[str]]:
    """Collect the text of every statement the app's engine runs inside the block."""
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def log(_conn, _cursor, statement, *_args) -> None:
        statements.append(_folded(statement))

    event.listen(engine, "before_cursor_execute", log)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", log)


class Visitor:
    """One logged-in user in the test client, sending a script's requests."""

    def __init__(self, app, email: str, script: Script) -> None:
        self.app = app
        self.client = app.test_client()
        self.script = script
        page = self.client.get("/login").get_data(as_text=True)
        token = CSRF_FIELD.search(page).group(1)
        answer = self.client.post(
            "/login", data={"email": email, "password": PASSWORD, "csrf_token": token}
        )
        assert answer.status_code == 302, (email, answer.status_code)
        self.send(Request("dashboard", "GET", "/dashboard"))

    def send(self, request: Request) -> Counted:
        """Send ``request``, let the script read the answer, and count its statements."""
        headers = request.headers(self.script.token)
        before = self.client.get_cookie("session")
        with statement_log(self.app) as statements:
            started = time.perf_counter()
            if request.method == "GET":
                response = self.client.get(request.path, headers=headers)
            else:
                response = self.client.post(request.path, data=request.data, headers=headers)
            ms = (time.perf_counter() - started) * 1000
        body = response.get_data(as_text=True)
        after = self.client.get_cookie("session")
        refused = tuple(
            Counter(flashed_errors(after.value if after else None))
            - Counter(flashed_errors(before.value if before else None))
        )
        self.script.seen(request, response.status_code, body)
        assert response.status_code == request.expect, (request, response.status_code)
        return Counted(tuple(statements), response.status_code, len(body.encode()), refused, ms)

    def twice(self, action: str) -> Counted:
        """An action done twice, counted the second time (the first may set things up once:
        starting a lesson, the first heartbeat). A page is then loaded ``TIMED_VISITS`` times
        more, and its time in the app is the median of those visits (one visit's time scatters
        too much to compare); a write keeps the time of the visit counted."""
        self.send(self.script.request(action))
        request = self.script.request(action)
        counted = self.send(request)
        if request.method != "GET":
            return counted
        times = [self.send(self.script.request(action)).ms for _ in range(TIMED_VISITS)]
        return replace(counted, ms=statistics.median(times))


def _skip_if_others_wait(app, script: LearnerScript) -> None:
    """Leave a class someone is waiting for and look at the next one: cancelling a booking
    where others wait also reads the class's sessions and places to promote them, so the
    cancellation is counted on a class nobody waits for, at every size (the national data set
    has waiting lists, the smallest has none)."""
    with app.app_context():
        waiting = db.session.scalar(
            select(func.count()).where(
                BookingRow.series_id == script.trying.series,
                BookingRow.status == BookingStatus.WAITLISTED,
            )
        )
        db.session.remove()
    if waiting and script.trying.candidates:
        script.trying.series = script.trying.candidates.pop()
        script.trying.stage = "look"


def learner_counts(app, plan: dict, curriculum: dict) -> dict[str, Counted]:
    """Every learner action by one learner: pages twice; the same answer twice; a lesson
    completed (with a second pass) so that words come up for review, two ratings; a class booked
    and cancelled."""
    script = LearnerScript(plan, seed=1, curriculum=curriculum)
    visitor = Visitor(app, plan["email"], script)
    counted = {name: visitor.twice(name) for name in ("dashboard", "catalogue", "lesson")}
    visitor.send(script._answer(right=True))
    script.exercise_index -= 1  # the same exercise again: its answer row exists now
    counted["answer"] = visitor.send(script._answer(right=True))
    lesson = script.lesson_index
    while script.lesson_index == lesson:  # the rest of the lesson, right
        visitor.send(script._answer(right=True))
    # Once more, right, in case earlier wrong first tries kept it under 80 %: a full second
    # pass completes it, so that its words come up for review.
    script.lesson_index = lesson
    while script.lesson_index == lesson:
        visitor.send(script._answer(right=True))
    counted["heartbeat"] = visitor.twice("heartbeat")
    counted["review"] = visitor.twice("review")
    if script.card:
        visitor.send(script.request("review rating"))
        visitor.send(script.request("review"))
    if script.card:
        counted["review rating"] = visitor.send(script.request("review rating"))
    counted["classes that fit"] = visitor.twice("classes that fit")
    for _ in range(40):  # the list, classes until one can be booked, book, look, cancel
        request = script.request("booking flow")
        checking = script.trying.stage == "check"  # the class again, after booking it
        result = visitor.send(request)
        if request.action in ("class page", "booking", "cancel booking"):
            counted.setdefault(request.action, result)
        if request.action == "class page" and script.trying.stage == "book":
            _skip_if_others_wait(app, script)
        if request.action == "class page" and checking:
            # The class page counted is the booked class's: the same page at every size,
            # whatever kind of class the learner happened to look at first (a class bought
            # through the municipality reads the learner's seat too, a free one does not).
            counted["class page"] = result
        if request.action == "booking" and result.refused:
            script.refused(request)
            del counted["booking"]
        if request.action == "cancel booking":
            break
    return counted


def teacher_counts(app, plan: dict) -> dict[str, Counted]:
    """Every teacher action: the matrix of the biggest group and the writing to reply to by its
    teacher; attendance (marked all present, then all absent: the second saving counted) by the
    teacher of the class that has met with most places taken."""
    script = TeacherScript(plan, seed=1)
    visitor = Visitor(app, plan["email"], script)
    counted = {"matrix": visitor.twice("matrix"), "writing": visitor.twice("writing")}
    if script.submission:  # two replies (the first leaves the list's top), the second counted
        visitor.send(script.request("reply"))
        visitor.send(script.request("writing"))
    if script.submission:
        counted["reply"] = visitor.send(script.request("reply"))
    if plan["sessions"]:
        script = TeacherScript(plan, seed=1)
        visitor = Visitor(app, plan["attendance_email"], script)
        counted["attendance"] = visitor.twice("attendance")
        visitor.send(script._attendance_saved("present"))
        counted["attendance saved"] = visitor.send(script._attendance_saved("absent"))
    return counted


def coordinator_counts(app, plan: dict) -> dict[str, Counted]:
    """Every coordinator action: the overview, a learner's record, leave registered on it."""
    script = CoordinatorScript(plan, seed=1)
    visitor = Visitor(app, plan["email"], script)
    counted = {
        "overview": visitor.twice("overview"),
        "learner record": visitor.twice("learner record"),
    }
    counted["leave registered"] = visitor.twice("leave registered")
    return counted


def action_counts(app, visitors: dict[str, dict], curriculum: dict) -> dict[str, Counted]:
    """The statements of every action of the evening, by its visitor."""
    return {
        **learner_counts(app, visitors["learner"], curriculum),
        **teacher_counts(app, visitors["teacher"]),
        **coordinator_counts(app, visitors["coordinator"]),
    }
