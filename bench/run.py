"""`make bench`: measure the figures the issues name and write them to bench/results.md.

Each figure is measured side by side in the same run, on SQLite and on PostgreSQL (when
reachable), so that the machine's speed cancels out of the ratios.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from bench.features import (
    afresh_ms,
    feature_figures,
    feature_lines,
    page_lines,
    page_loads,
    page_statements,
    statement_log,
    visitors,
)
from bench.generate import generate
from webapp import create_app
from webapp.accounts.models import User
from webapp.clock import oslo_today
from webapp.entitlement.models import Entitlement
from webapp.entitlement.sweep import run_daily_sweep
from webapp.extensions import db

LEARNERS = int(os.environ.get("BENCH_LEARNERS", "100000"))
PG_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1/postgres")
RESULTS = Path(__file__).with_name("results.md")
ONLY = os.environ.get("BENCH_ONLY", "")  # "lesson": only the lesson-page figure, not written
SMALLEST = 200  # learners in the smallest data set, for the per-page statement counts


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


def bench_app(url: str):
    """The app, configured for a benchmark database."""
    return create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-secret-key-0123456789abcdef"}
    )


def timed(function, repeat: int = 3) -> float:
    """The median wall time of ``function`` over ``repeat`` runs, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def national_figures(kind: str) -> dict[str, object]:
    """On one national data set (LEARNERS learners): the daily sweep beside one plain read of
    the entitlement rows, then the main pages served by gunicorn under wrk, and the SQL
    statements each page runs."""
    today = oslo_today()
    with database(kind) as url:
        app = bench_app(url)
        with app.app_context():
            db.create_all()
            print(f"- generating {LEARNERS} learners on {kind}", file=sys.stderr)
            started = time.perf_counter()
            counts = generate(LEARNERS, today)
            generated = time.perf_counter() - started
            print(
                f"  generated in {generated:.1f} s: "
                + ", ".join(f"{name} {n:,}" for name, n in counts.items()),
                file=sys.stderr,
            )
            if kind == "postgresql":
                db.session.execute(text("ANALYZE"))
                db.session.commit()

            def plain_read() -> None:
                db.session.execute(select(Entitlement.__table__)).all()
                db.session.rollback()

            read = timed(plain_read)
            started = time.perf_counter()
            first_notifications = run_daily_sweep(today).notifications
            db.session.commit()
            first_time = time.perf_counter() - started
            day_times = []
            for offset in (1, 2, 3):
                started = time.perf_counter()
                run_daily_sweep(today + timedelta(days=offset))
                db.session.commit()
                day_times.append(time.perf_counter() - started)
            daily = statistics.median(day_times)
            chosen = visitors()
            db.session.remove()
        statements = page_statements(app, chosen)
        logs = {name: statement_log(app, ident, path) for name, (_e, ident, path) in chosen.items()}
        afresh = afresh_ms(app, chosen)
        with app.app_context():
            db.engine.dispose()
        print(f"- pages on {kind}: {chosen}", file=sys.stderr)
        pages = page_loads(url, chosen)
    return {
        "generated_s": generated,
        "counts": counts,
        "pages": pages,
        "statements": statements,
        "logs": logs,
        "afresh_ms": afresh,
        "chosen": chosen,
        "study_days": counts["study_days"],
        "read_s": read,
        "first_sweep_s": first_time,
        "first_notifications": first_notifications,
        "daily_sweep_s": daily,
        "ratio": daily / read,
    }


def smallest_statements(kind: str) -> dict[str, object]:
    """SQL statements of each main page on the smallest data set (SMALLEST learners), with its
    visitors chosen as on the national one; and each statement's text, to compare."""
    with database(kind) as url:
        app = bench_app(url)
        with app.app_context():
            db.create_all()
            generate(SMALLEST, oslo_today(), progress=False)
            chosen = visitors()
            db.session.remove()
        statements = page_statements(app, chosen)
        logs = {
            name: statement_log(app, identity, path)
            for name, (_e, identity, path) in chosen.items()
        }
        with app.app_context():
            db.engine.dispose()
    return {"statements": statements, "logs": logs}


def overview_queries(kind: str, learners: int) -> int:
    """SQL statements one coordinator's overview page runs, with ``learners`` learners in all."""
    with database(kind) as url:
        app = bench_app(url)
        with app.app_context():
            db.create_all()
            generate(learners, oslo_today(), progress=False)
            coordinator = db.session.scalar(
                select(User).where(User.email == "coordinator1@bench.example.org")
            )
            identity = coordinator.get_id()
            db.session.remove()
        count = len(statement_log(app, identity, "/entitlements"))
        with app.app_context():
            db.engine.dispose()
    return count


def lesson_page_figures(kind: str) -> dict[str, object]:
    """The lesson page beside /healthz, both served by gunicorn (2 workers) under wrk."""
    from bench.http import page_bytes, served, session_cookie, wrk
    from webapp.demo.data import DEMO_PASSWORD
    from webapp.demo.services import seed_demo
    from webapp.lessons.models import Lesson
    from webapp.lessons.services import sync_lessons

    with database(kind) as url:
        app = bench_app(url)
        with app.app_context():
            db.create_all()
            sync_lessons()
            seed_demo()
            db.session.commit()
            lesson_id = db.session.scalar(select(Lesson.id).order_by(Lesson.track, Lesson.position))
            db.session.remove()
            db.engine.dispose()
        with served(url) as base:
            cookie = session_cookie(base, "learner@example.org", DEMO_PASSWORD)
            path = f"/lessons/{lesson_id}"
            size = page_bytes(base, path, cookie)
            wrk(base, path, cookie, seconds=2)  # warm up both workers
            trivial = wrk(base, "/healthz")
            lesson = wrk(base, path, cookie)
    return {"trivial": trivial, "lesson": lesson, "bytes": size, "ratio": lesson.rps / trivial.rps}


def lesson_page_only(kinds: list[str]) -> None:
    """``BENCH_ONLY=lesson``: print the lesson-page figures only; results.md is left alone."""
    for kind in kinds:
        page = lesson_page_figures(kind)
        trivial, lesson = page["trivial"], page["lesson"]
        print(
            f"{kind}: /healthz {trivial.rps:.0f} req/s (p95 {trivial.p95_ms:.1f} ms); "
            f"lesson page {lesson.rps:.0f} req/s (p95 {lesson.p95_ms:.1f} ms, "
            f"{page['bytes']:,} bytes); ratio {page['ratio']:.2f}"
        )


def machine() -> str:
    """One line describing the machine the figures come from."""
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    sqlite = __import__("sqlite3").sqlite_version
    try:
        pg = subprocess.run(
            ["psql", "--version"], capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        pg = "psql not found"
    return (
        f"{os.cpu_count()} cores, {cpu}; Python {platform.python_version()}; SQLite {sqlite}; {pg}"
    )


def main() -> None:
    """Run every benchmark and print the Markdown table."""
    kinds = ["sqlite"] + (["postgresql"] if postgres_reachable() else [])
    if len(kinds) == 1:
        print("PostgreSQL is not reachable: its column is left out", file=sys.stderr)
    if ONLY == "lesson":
        lesson_page_only(kinds)
        return
    pages = {kind: lesson_page_figures(kind) for kind in kinds}
    sweep = {kind: national_figures(kind) for kind in kinds}
    small = {kind: smallest_statements(kind) for kind in kinds}
    for kind in kinds:
        for name, count in sweep[kind]["statements"].items():
            if count != small[kind]["statements"][name]:
                print(
                    f"! {kind}: {name} runs {small[kind]['statements'][name]} statements at "
                    f"{SMALLEST} learners and {count} at {LEARNERS}; statements that differ:",
                    file=sys.stderr,
                )
                full = Counter(sweep[kind]["logs"][name])
                least = Counter(small[kind]["logs"][name])
                for statement in (full - least) + (least - full):
                    print(
                        f"  {full[statement]} vs {least[statement]}× {statement[:300]}",
                        file=sys.stderr,
                    )
    queries = {kind: (overview_queries(kind, 50), overview_queries(kind, 5_000)) for kind in kinds}
    features = {kind: feature_figures(kind, database, bench_app) for kind in kinds}

    lines = [
        "# Benchmark results",
        "",
        f"Machine: {machine()}.",
        f"Run: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {LEARNERS:,} learners.",
        "",
        "National data set (seeded, the same on every database): "
        + ", ".join(
            f"{n:,} {name.replace('_', ' ')}" for name, n in sweep[kinds[0]]["counts"].items()
        )
        + ".",
        "Pages are loaded on it by a generated learner with lesson attempts and bookings, the "
        "teacher of the biggest group and the coordinator of the biggest municipality; every "
        "visit is worked out.",
        "",
        "| figure | " + " | ".join(kinds) + " | goal |",
        "| --- | " + " | ".join("---" for _ in kinds) + " | --- |",
        "| generate the national data set (s) | "
        + " | ".join(f"{sweep[k]['generated_s']:.1f}" for k in kinds)
        + " | < 180 |",
        "| plain read of all entitlement rows (s) | "
        + " | ".join(f"{sweep[k]['read_s']:.3f}" for k in kinds)
        + " | |",
        "| daily entitlement sweep, median of 3 days (s) | "
        + " | ".join(f"{sweep[k]['daily_sweep_s']:.3f}" for k in kinds)
        + " | |",
        "| **sweep ÷ plain read** | "
        + " | ".join(f"**{sweep[k]['ratio']:.2f}×**" for k in kinds)
        + " | ≤ 3× |",
        "| first sweep ever, with its notifications (s) | "
        + " | ".join(
            f"{sweep[k]['first_sweep_s']:.2f} ({sweep[k]['first_notifications']:,} e-mails)"
            for k in kinds
        )
        + " | |",
        "| trivial endpoint `/healthz`: requests/s, p95 ms | "
        + " | ".join(
            f"{pages[k]['trivial'].rps:.0f}, {pages[k]['trivial'].p95_ms:.1f}" for k in kinds
        )
        + " | |",
        "| lesson page as a learner: requests/s, p95 ms | "
        + " | ".join(
            f"{pages[k]['lesson'].rps:.0f}, {pages[k]['lesson'].p95_ms:.1f}" for k in kinds
        )
        + " | p95 < 100 |",
        "| **lesson page ÷ trivial endpoint (throughput)** | "
        + " | ".join(f"**{pages[k]['ratio']:.2f}**" for k in kinds)
        + " | ≥ 0.6 |",
        "| lesson page HTML (bytes, uncompressed) | "
        + " | ".join(f"{pages[k]['bytes']:,}" for k in kinds)
        + " | < 60 KB |",
        "| SQL statements, municipality overview at 50 / 5,000 learners | "
        + " | ".join(f"{queries[k][0]} / {queries[k][1]}" for k in kinds)
        + " | equal |",
        *feature_lines(kinds, features),
        *page_lines(kinds, sweep, {k: small[k]["statements"] for k in kinds}, LEARNERS, SMALLEST),
        "",
    ]
    report = "\n".join(lines)
    print(report)
    RESULTS.write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
