"""`make bench`: a real evening on the national data set, on SQLite and on PostgreSQL.

For each database: generate the national data set (BENCH_LEARNERS learners, 100,000 by
default), time the daily entitlement sweep, count the SQL statements of every action, then serve
it with gunicorn (2 sync workers) and measure /healthz with wrk and the mixed load of
hundreds of logged-in users with Locust (bench/evening.py), the offered rate stepped up until
the goals are missed. Then the statement counts again on 200 learners, and the older figures
(bookings at once, statements at two sizes of a matrix and a seat report). bench/results.md
gets the report.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from bench.cast import choose_cast, curriculum, visitors
from bench.features import feature_figures
from bench.generate import generate
from bench.report import report
from bench.server import ROOT, healthz, served
from bench.statements import action_counts
from webapp import create_app
from webapp.classes.models import Attendance, Booking, BookingStatus
from webapp.clock import oslo_today
from webapp.entitlement.models import Entitlement, LeavePeriod
from webapp.entitlement.sweep import run_daily_sweep
from webapp.extensions import db
from webapp.lessons.models import ExerciseAnswer, VocabReview, WritingSubmission

LEARNERS = int(os.environ.get("BENCH_LEARNERS", "100000"))
USERS = int(os.environ.get("BENCH_USERS", "400"))
# Offered actions/s, step by step (all users together).
STEPS = "20,30,40,50,60,70,80,90,100,110,120,130,140,160,180,200,250,300,400,500,600,800"
RATES = [int(rate) for rate in os.environ.get("BENCH_RATES", STEPS).split(",")]
STEP_SECONDS = float(os.environ.get("BENCH_STEP_SECONDS", "30"))
PG_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1/postgres")
RESULTS = Path(__file__).with_name("results.md")
SMALLEST = 200  # learners in the smallest data set, for the statement counts


@contextmanager
def database(kind: str) -> Iterator[str]:
    """A fresh, empty database of ``kind`` for one measurement; removed afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/bench.sqlite3"
        return
    name = f"norskvei_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(PG_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def postgres_reachable() -> bool:
    """True when the PostgreSQL server for benchmarks answers."""
    try:
        engine = create_engine(make_url(PG_URL))
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:
        return False


def vacuum(url: str) -> None:
    """VACUUM ANALYZE a freshly loaded PostgreSQL database, as autovacuum does to a live one
    (this machine's server runs with autovacuum off): statistics for the planner, and the
    visibility map that lets counts and lists read their indexes alone."""
    engine = create_engine(make_url(url), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("VACUUM ANALYZE"))
    engine.dispose()


def bench_app(url: str):
    """The app, configured for a benchmark database."""
    return create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-secret-key-0123456789abcdef"}
    )


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def sweep_figures() -> dict[str, float]:
    """The daily entitlement sweep beside one plain read of the entitlement rows: the first
    sweep ever (with its notifications), then the median of three days."""
    today = oslo_today()

    def plain_read() -> float:
        started = time.perf_counter()
        db.session.execute(select(Entitlement.__table__)).all()
        db.session.rollback()
        return time.perf_counter() - started

    read = statistics.median(plain_read() for _ in range(3))
    started = time.perf_counter()
    notifications = run_daily_sweep(today).notifications
    db.session.commit()
    first = time.perf_counter() - started
    days = []
    for offset in (1, 2, 3):
        started = time.perf_counter()
        run_daily_sweep(today + timedelta(days=offset))
        db.session.commit()
        days.append(time.perf_counter() - started)
    daily = statistics.median(days)
    return {
        "read_s": read,
        "first_s": first,
        "notifications": notifications,
        "daily_s": daily,
        "ratio": daily / read,
    }


def evening(url: str, cast: dict, lessons: dict) -> dict:
    """The mixed load on gunicorn, beside /healthz of the same server (before and after it),
    and the lesson caches' hit counts its workers report when they stop."""
    with tempfile.TemporaryDirectory() as folder:
        caches = Path(folder, "caches")
        caches.mkdir()
        with served(url, {"BENCH_CACHE_STATS": str(caches)}) as server:
            log("- /healthz under wrk")
            ceiling = healthz(server.base)
            plan = {
                "base": server.base,
                "server_pid": server.pid,
                "database": make_url(url).database if url.startswith("postgresql") else "",
                "users": cast,
                "curriculum": lessons,
                "rates": RATES,
                "step_seconds": STEP_SECONDS,
                "settle": 8,
                "warm_up": 15,
                "spawn_rate": 40,
                "login_timeout": 300,
            }
            plan_path, results_path = Path(folder, "plan.json"), Path(folder, "results.json")
            plan_path.write_text(json.dumps(plan), encoding="utf-8")
            log(f"- the evening: {sum(len(users) for users in cast.values())} users")
            subprocess.run(
                [sys.executable, "-m", "bench.evening", str(plan_path), str(results_path)],
                cwd=ROOT,
                check=True,
            )
            results = json.loads(results_path.read_text(encoding="utf-8"))
            log("- /healthz under wrk again")
            after = healthz(server.base)
        totals: dict[str, dict[str, int]] = {}
        for path in caches.glob("*.json"):
            for name, counts in json.loads(path.read_text(encoding="utf-8")).items():
                total = totals.setdefault(name, {"hits": 0, "misses": 0, "workers": 0})
                total["hits"] += counts["hits"]
                total["misses"] += counts["misses"]
                total["workers"] += 1
    results["healthz"] = {"rps": ceiling.rps, "p50_ms": ceiling.p50_ms, "p99_ms": ceiling.p99_ms}
    results["healthz_after"] = {"rps": after.rps, "p50_ms": after.p50_ms, "p99_ms": after.p99_ms}
    results["caches"] = totals
    return results


def write_marks() -> dict[str, int]:
    """Where the tables the evening writes to stand now: the highest ids of the rows writes
    insert, how many bookings are cancelled and how many attempts the answers count (generated
    rows may carry later times, so times cannot tell the evening's rows apart)."""

    def scalar(statement) -> int:
        return db.session.scalar(statement) or 0

    return {
        "booking": scalar(select(func.max(Booking.id))),
        "cancel booking": scalar(
            select(func.count()).where(Booking.status == BookingStatus.CANCELLED)
        ),
        "leave registered": scalar(select(func.max(LeavePeriod.id))),
        "review rating": scalar(select(func.max(VocabReview.id))),
        "answer": scalar(select(func.sum(ExerciseAnswer.attempts))),
    }


def landed(before: dict[str, int], since: datetime) -> dict[str, int]:
    """Rows the evening's writes left in the database (to compare with the writes answered):
    inserted rows by id, cancellations and attempts by count, replies and attendance marks by
    time (``since``; the generator writes neither)."""
    after = write_marks()

    def count(statement) -> int:
        return db.session.scalar(statement) or 0

    return {
        "booking": count(select(func.count()).where(Booking.id > before["booking"])),
        "cancel booking": after["cancel booking"] - before["cancel booking"],
        "leave registered": count(
            select(func.count()).where(LeavePeriod.id > before["leave registered"])
        ),
        "review rating": count(
            select(func.count()).where(VocabReview.id > before["review rating"])
        ),
        "answer": after["answer"] - before["answer"],
        "reply": count(select(func.count()).where(WritingSubmission.replied_at >= since)),
        "attendance saved": count(select(func.count()).where(Attendance.marked_at >= since)),
    }


def national(kind: str) -> dict:
    """Everything measured on the national data set of one database."""
    with database(kind) as url:
        app = bench_app(url)
        with app.app_context():
            db.create_all()
            log(f"- generating {LEARNERS:,} learners on {kind}")
            started = time.perf_counter()
            counts = generate(LEARNERS, oslo_today())
            generated = time.perf_counter() - started
            if kind == "postgresql":
                db.session.commit()
                vacuum(url)
            log(f"  generated in {generated:.0f} s")
            sweep = sweep_figures()
            cast = choose_cast(USERS)
            chosen = visitors()
            lessons = curriculum()
            db.session.remove()
        log("- statements per action")
        counted = action_counts(app, chosen, lessons)
        with app.app_context():
            before, since = write_marks(), datetime.now(UTC)
            db.session.remove()
            db.engine.dispose()
        load = evening(url, cast, lessons)
        with app.app_context():
            load["landed"] = landed(before, since)
            db.session.remove()
            db.engine.dispose()
    return {
        "generated_s": generated,
        "counts": counts,
        "sweep": sweep,
        "statements": counted,
        "load": load,
    }


def smallest(kind: str) -> dict:
    """The statement counts of every action on the smallest data set."""
    with database(kind) as url:
        app = bench_app(url)
        with app.app_context():
            db.create_all()
            generate(SMALLEST, oslo_today(), progress=False)
            chosen = visitors()
            lessons = curriculum()
            db.session.remove()
        counted = action_counts(app, chosen, lessons)
        with app.app_context():
            db.engine.dispose()
    return counted


def main() -> None:
    """Run every measurement, print the report and write it to bench/results.md."""
    began = time.monotonic()
    kinds = ["sqlite"] + (["postgresql"] if postgres_reachable() else [])
    if len(kinds) == 1:
        log("PostgreSQL is not reachable: its figures are left out")
    figures = {}
    for kind in kinds:
        figures[kind] = national(kind)
        log(f"- statements per action on {SMALLEST} learners ({kind})")
        figures[kind]["smallest"] = smallest(kind)
        log(f"- bookings at once and statements at two sizes ({kind})")
        figures[kind]["features"] = feature_figures(kind, database, bench_app)
    text_ = report(
        figures,
        learners=LEARNERS,
        smallest_size=SMALLEST,
        minutes=(time.monotonic() - began) / 60,
        settings=(
            f"BENCH_LEARNERS={LEARNERS}, BENCH_USERS={USERS}, "
            f"BENCH_RATES={','.join(map(str, RATES))}, BENCH_STEP_SECONDS={STEP_SECONDS:g}"
        ),
    )
    print(text_)
    RESULTS.write_text(text_, encoding="utf-8")


if __name__ == "__main__":
    main()
