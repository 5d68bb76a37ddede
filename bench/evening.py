"""The load of a real evening, driven by Locust: ``python -m bench.evening PLAN RESULTS``.

Hundreds of users (their accounts and plans in the PLAN file, written by bench.run) log in
through the real form, each with their own session, and follow their role's script
(bench.actions) at the same time. The offered rate goes up in steps; each step is measured
after it has settled: per action the latency percentiles, errors (an answer other than the
expected status) and refusals (a write the app declined, read from the flashed message), and
the CPU the generator, the server and the rest of the machine used. The search stops at the
first step that misses the goals twice in a row (see ``bench.search``). The figures go to the
RESULTS file as JSON.
"""

from __future__ import annotations

import contextlib
import json
import math
import random
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import gevent
import psutil
from gevent.event import Event
from gevent.lock import Semaphore
from locust import FastHttpUser, task
from locust.env import Environment
from locust.exception import StopUser
from locust.log import setup_logging

from bench.actions import (
    CSRF_FIELD,
    LEARNER_ACTIONS,
    LEARNER_P95_MS,
    ROLE_OF_ACTION,
    STAFF_P95_MS,
    Request,
    flashed_errors,
    script_for,
)
from bench.search import search

PASSWORD = "bench-password-0123"
LOGINS = Semaphore(4)
EVERYONE_IN = Event()
ACHIEVED_SHARE = 0.9  # a step whose achieved rate falls below this share of the offered fails


class State:
    """What every user of this process shares: the plans, the pace and the figures."""

    plans: dict[str, list[dict]] = {}
    curriculum: dict[str, list[dict]] = {}
    users = 1
    interval = 10.0  # seconds between one user's actions: users / offered rate
    logged_in = 0
    login_failures: list[str] = []
    latencies: dict[str, list[float]] = defaultdict(list)
    sizes: dict[str, int] = defaultdict(int)
    errors: dict[str, list[str]] = defaultdict(list)
    refused: dict[str, list[str]] = defaultdict(list)
    written: dict[str, int] = defaultdict(int)  # writes answered as expected, the whole run

    @classmethod
    def reset(cls) -> None:
        """Start counting afresh (a new step)."""
        cls.latencies = defaultdict(list)
        cls.sizes = defaultdict(int)
        cls.errors = defaultdict(list)
        cls.refused = defaultdict(list)


def paced(user: Evening) -> float:
    """Seconds until the user's next action: one every ``State.interval`` seconds; a user who
    falls behind goes on at once, without catching up."""
    now = time.perf_counter()
    user.next_at = max(user.next_at + State.interval, now)
    return user.next_at - now


def record(name: str, response_time: float, response_length: int, exception, **_kw) -> None:
    """Locust's request event: keep every latency and the largest answer, per action."""
    State.latencies[name].append(response_time)
    State.sizes[name] = max(State.sizes[name], response_length or 0)
    if exception is not None and name in ROLE_OF_ACTION:
        State.errors[name].append(str(exception)[:200])


class Evening(FastHttpUser):
    """One user with their own session, following their role's script."""

    abstract = True
    role = ""
    wait_time = paced

    def on_start(self) -> None:
        self.next_at = 0.0
        plan = State.plans[self.role].pop()
        self.script = script_for(self.role, plan, random.randrange(2**32), State.curriculum)
        with LOGINS:  # a few at a time: checking a password is meant to be slow
            for _attempt in range(3):
                if self.log_in(plan["email"]):
                    break
            else:
                State.login_failures.append(plan["email"])
                raise StopUser()
        self.send(Request("dashboard", "GET", "/dashboard"))
        State.logged_in += 1
        EVERYONE_IN.wait()  # the evening starts when every user has logged in,
        self.next_at = time.perf_counter() + random.uniform(0, State.interval)
        gevent.sleep(self.next_at - time.perf_counter())  # each at their own moment

    def log_in(self, email: str) -> bool:
        """Log in through the form, as a browser does; True when the app let the user in."""
        with self.client.get("/login", name="log in", catch_response=True) as page:
            token = CSRF_FIELD.search(page.text or "") if page.status_code == 200 else None
            page.success()
        if token is None:
            return False
        data = {"email": email, "password": PASSWORD, "csrf_token": token.group(1)}
        with self.client.post(
            "/login", data=data, name="log in", allow_redirects=False, catch_response=True
        ) as answer:
            answer.success()
            return answer.status_code == 302

    def session_cookie(self) -> str | None:
        return next((c.value for c in self.client.cookiejar if c.name == "session"), None)

    def send(self, request: Request) -> None:
        """Send one request; anything but the expected status is an error, and a write the app
        refused with a flashed error message is a refusal."""
        before = self.session_cookie() if request.method == "POST" else None
        with self.client.request(
            request.method,
            request.path,
            name=request.action,
            data=request.data,
            headers=request.headers(self.script.token),
            allow_redirects=False,
            catch_response=True,
        ) as response:
            status = response.status_code
            body = (response.text or "") if request.method == "GET" and status == 200 else ""
            if status != request.expect:
                response.failure(f"status {status}")
            else:
                response.success()
        if request.method == "POST" and status == request.expect:
            after = self.session_cookie()
            refusals = []
            if after != before:  # an error message added now (not one still waiting to be shown)
                refusals = list(Counter(flashed_errors(after)) - Counter(flashed_errors(before)))
            if refusals:
                State.refused[request.action].append(refusals[0][:200])
                self.script.refused(request)
            else:
                State.written[request.action] += 1
        self.script.seen(request, status, body)

    @task
    def act(self) -> None:
        self.send(self.script.next())


class Learner(Evening):
    role = "learner"


class Teacher(Evening):
    role = "teacher"


class Coordinator(Evening):
    role = "coordinator"


def _cpu_seconds(processes) -> dict[int, float]:
    seconds = {}
    for process in processes:
        with contextlib.suppress(psutil.Error):  # gone meanwhile
            seconds[process.pid] = sum(process.cpu_times()[:2])
    return seconds


def _used(after: dict[int, float], before: dict[int, float]) -> float:
    return sum(max(0.0, seconds - before.get(pid, 0.0)) for pid, seconds in after.items())


class Cpu:
    """CPU time used so far by this process (the generator), by the server's processes, by the
    database server's processes serving the benchmark's database (PostgreSQL's backends name
    their database), and by the whole machine."""

    def __init__(self, server_pid: int, database: str) -> None:
        self.moment = time.monotonic()
        self.generator = sum(psutil.Process().cpu_times()[:2])
        try:
            master = psutil.Process(server_pid)
            self.server = _cpu_seconds([master, *master.children(recursive=True)])
        except psutil.Error:
            self.server = {}
        backends = []
        if database:
            for process in psutil.process_iter(["name", "cmdline"]):
                if process.info["name"] == "postgres" and database in " ".join(
                    process.info["cmdline"] or ()
                ):
                    backends.append(process)
        self.database = _cpu_seconds(backends)
        machine = psutil.cpu_times()
        self.idle = machine.idle + getattr(machine, "iowait", 0.0)
        self.total = sum(machine)

    def shares(self, before: Cpu) -> dict[str, float]:
        """Percent of all cores used since ``before``: generator, gunicorn, database, the rest
        of the machine (other work), idle."""
        capacity = (self.moment - before.moment) * psutil.cpu_count()
        generator = self.generator - before.generator
        server = _used(self.server, before.server)
        database = _used(self.database, before.database)
        busy = (self.total - before.total) - (self.idle - before.idle)
        return {
            "generator": 100 * generator / capacity,
            "server": 100 * server / capacity,
            "database": 100 * database / capacity,
            "other": 100 * max(0.0, busy - generator - server - database) / capacity,
            "idle": 100 * max(0.0, (self.idle - before.idle)) / capacity,
        }


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile of ``values`` (``share`` from 0 to 1)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def step_figures(offered: float, seconds: float, cpu: dict[str, float]) -> dict:
    """The figures of one step, and whether it met the goals."""
    actions = {}
    for name in sorted(set(State.latencies) & set(ROLE_OF_ACTION)):
        times = State.latencies[name]
        actions[name] = {
            "count": len(times),
            "errors": len(State.errors[name]),
            "refused": len(State.refused[name]),
            "p50": percentile(times, 0.5),
            "p95": percentile(times, 0.95),
            "p99": percentile(times, 0.99),
            "max_bytes": State.sizes[name],
            "error_samples": sorted(set(State.errors[name]))[:3],
            "refusal_samples": sorted(set(State.refused[name]))[:3],
        }
    learner = sum(a["count"] for n, a in actions.items() if n in LEARNER_ACTIONS)
    staff = sum(a["count"] for n, a in actions.items() if n not in LEARNER_ACTIONS)
    misses = [
        f"{name} p95 {a['p95']:.0f} ms"
        for name, a in actions.items()
        if a["p95"] >= (LEARNER_P95_MS if name in LEARNER_ACTIONS else STAFF_P95_MS)
    ]
    misses += [f"{name}: {a['errors']} errors" for name, a in actions.items() if a["errors"]]
    achieved = (learner + staff) / seconds
    if achieved < ACHIEVED_SHARE * offered:
        misses.append(f"achieved {achieved:.0f} of {offered:.0f} actions/s")
    return {
        "offered": offered,
        "seconds": seconds,
        "achieved": achieved,
        "learner_rate": learner / seconds,
        "staff_rate": staff / seconds,
        "actions": actions,
        "cpu": cpu,
        "passed": not misses,
        "misses": misses,
    }


def measured_step(plan: dict, rate: float) -> dict:
    """Offer ``rate`` actions/s, let it settle, and measure one step."""
    settle = max(plan["settle"], 1.2 * State.interval)
    State.interval = State.users / rate
    gevent.sleep(settle)
    State.reset()
    before = Cpu(plan["server_pid"], plan["database"])
    gevent.sleep(plan["step_seconds"])
    after = Cpu(plan["server_pid"], plan["database"])
    return step_figures(rate, after.moment - before.moment, after.shares(before))


def run(plan: dict) -> dict:
    """Log every user in, warm up, then step the offered rate up until a step misses."""
    State.plans = {role: list(plans) for role, plans in plan["users"].items()}
    State.curriculum = plan["curriculum"]
    State.users = sum(len(plans) for plans in plan["users"].values())
    Learner.fixed_count = len(plan["users"]["learner"])
    Teacher.fixed_count = len(plan["users"]["teacher"])
    Coordinator.fixed_count = len(plan["users"]["coordinator"])
    environment = Environment(
        user_classes=[Learner, Teacher, Coordinator],
        host=plan["base"],
        stop_timeout=60,  # at the end each user finishes the action under way: every write counts
    )
    environment.events.request.add_listener(record)
    runner = environment.create_local_runner()
    rates = plan["rates"]
    State.interval = State.users / rates[0]
    started = time.monotonic()
    runner.start(State.users, spawn_rate=plan["spawn_rate"])
    deadline = time.monotonic() + plan["login_timeout"]
    while State.logged_in + len(State.login_failures) < State.users:
        if time.monotonic() > deadline:
            break
        gevent.sleep(0.5)
    logins = time.monotonic() - started
    State.users = max(1, State.logged_in)  # the pace is shared by the users who got in
    State.interval = State.users / rates[0]
    EVERYONE_IN.set()
    print(f"  {State.logged_in} users logged in in {logins:.0f} s", file=sys.stderr)
    gevent.sleep(max(plan["warm_up"], 1.5 * State.interval))  # everyone has acted at least once
    steps = search(rates, lambda rate: measured_step(plan, rate))
    runner.quit()  # waits for the actions under way
    return {
        "users": {role: len(plans) for role, plans in plan["users"].items()},
        "logged_in": State.logged_in,
        "login_failures": State.login_failures[:5],
        "login_seconds": logins,
        "steps": steps,
        "written": dict(State.written),
    }


def main() -> None:
    setup_logging("WARNING")
    plan_path, results_path = sys.argv[1:3]
    results = run(json.loads(Path(plan_path).read_text(encoding="utf-8")))
    Path(results_path).write_text(json.dumps(results), encoding="utf-8")


if __name__ == "__main__":
    main()
