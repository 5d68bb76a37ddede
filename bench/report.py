"""bench/results.md: the evening's figures as a Markdown report."""

from __future__ import annotations

import os
import platform
import subprocess
import time
from collections import Counter
from pathlib import Path

from bench.actions import (
    LEARNER_ACTIONS,
    LEARNER_P95_MS,
    LEARNER_PAGES,
    ROLE_OF_ACTION,
    STAFF_P95_MS,
)
from bench.statements import Counted

STUDY_SECONDS = 15  # one action every 15 s makes a learner studying
ACTION_ORDER = list(ROLE_OF_ACTION)


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


def chosen_step(steps: list[dict]) -> tuple[dict | None, dict | None]:
    """The highest step that met every goal (None when none did), and the first that missed
    after it (a step measured twice is met when either try met the goals)."""
    passed = [index for index, step in enumerate(steps) if step["passed"]]
    after = passed[-1] + 1 if passed else 0
    missed = next((step for step in steps[after:] if not step["passed"]), None)
    return (steps[passed[-1]] if passed else None), missed


def healthz_ceiling(load: dict) -> float:
    """``/healthz``'s throughput for the ratio: the higher of the figures measured before and
    after the evening (the machine's speed drifts; the higher one makes the ratio smaller)."""
    return max(load["healthz"]["rps"], load.get("healthz_after", {}).get("rps", 0.0))


def _healthz(load: dict) -> str:
    before = load["healthz"]
    text = f"{before['rps']:,.0f} (p50 {before['p50_ms']:.1f} ms)"
    after = load.get("healthz_after")
    if after:
        text += f" before, {after['rps']:,.0f} (p50 {after['p50_ms']:.1f} ms) after"
    return text


def _offered(step: dict) -> str:
    return f"{step['offered']:.0f}" + (" (again)" if step.get("attempt", 1) > 1 else "")


def _worst(step: dict, learner: bool) -> str:
    rows = [
        (a["p95"], name)
        for name, a in step["actions"].items()
        if (name in LEARNER_ACTIONS) == learner
    ]
    if not rows:
        return "–"
    p95, name = max(rows)
    return f"{p95:.0f} ({name})"


def _cpu(cpu: dict[str, float]) -> str:
    parts = ("generator", "server", "database", "other", "idle")
    return " / ".join(f"{cpu.get(part, 0):.0f}" for part in parts)


def _misses(misses: list[str], shown: int = 3) -> str:
    more = len(misses) - shown
    return "; ".join(misses[:shown]) + (f"; and {more} more" if more > 0 else "")


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return [
        "| " + " | ".join(header) + " |",
        "| " + " | ".join("---" for _ in header) + " |",
        *("| " + " | ".join(row) + " |" for row in rows),
    ]


def summary(figures: dict, kinds: list[str]) -> list[str]:
    """The goals table: the highest rate that met them, what it means, beside /healthz."""
    cells: dict[str, dict[str, str]] = {}
    for kind in kinds:
        load = figures[kind]["load"]
        best, _missed = chosen_step(load["steps"])
        ceiling = healthz_ceiling(load)
        sizes = [
            a["max_bytes"]
            for step in load["steps"]
            for name, a in step["actions"].items()
            if name in LEARNER_PAGES
        ]
        counted_big = figures[kind]["statements"]
        counted_small = figures[kind]["smallest"]
        differ = [
            name
            for name in counted_big
            if name in counted_small and counted_big[name].count != counted_small[name].count
        ]
        cell = {
            "rate": "none met the goals",
            "learner": "–",
            "studying": "–",
            "ratio": "–",
            "cpu": "–",
        }
        if best is not None:
            cell = {
                "rate": f"**{best['achieved']:.0f}** (step {best['offered']:.0f}"
                + (", second try)" if best.get("attempt", 1) > 1 else ")"),
                "learner": f"**{best['learner_rate']:.0f}**",
                "studying": f"**{best['learner_rate'] * STUDY_SECONDS:,.0f}**",
                "ratio": f"**{best['achieved'] / ceiling:.2f}**",
                "cpu": _cpu(best["cpu"]),
            }
        cell["healthz"] = _healthz(load)
        cell["size"] = f"{max(sizes, default=0) / 1024:.1f}"
        cell["statements"] = "yes" if not differ else "**no**: " + ", ".join(differ)
        cells[kind] = cell
    rows = [
        ("highest rate meeting the goals, actions/s (all users)", "rate", ""),
        ("learner actions/s at that rate", "learner", "≥ 250"),
        (
            f"learners studying at once (one action per {STUDY_SECONDS} s each)",
            "studying",
            "≥ 3,750",
        ),
        (
            "`/healthz` alone, requests/s (wrk, same server, before and after the evening)",
            "healthz",
            "",
        ),
        ("**rate ÷ `/healthz`** (the higher of the two)", "ratio", "≥ 0.1"),
        (
            "CPU % at that rate: generator / gunicorn / database / rest / idle (of all cores)",
            "cpu",
            "",
        ),
        ("largest learner page seen (KB)", "size", "< 60"),
        ("SQL statements per action equal at both sizes", "statements", "yes"),
    ]
    return _table(
        ["figure", *kinds, "goal"],
        [[label, *(cells[k][key] for k in kinds), goal] for label, key, goal in rows],
    )


def step_table(load: dict) -> list[str]:
    """Every step of the search: offered and achieved rates, the worst p95s, errors, CPU."""
    rows = []
    for step in load["steps"]:
        rows.append(
            [
                _offered(step),
                f"{step['achieved']:.0f}",
                f"{step['learner_rate']:.0f}",
                f"{step['staff_rate']:.0f}",
                _worst(step, learner=True),
                _worst(step, learner=False),
                str(sum(a["errors"] for a in step["actions"].values())),
                str(sum(a["refused"] for a in step["actions"].values())),
                _cpu(step["cpu"]),
                "yes" if step["passed"] else "no: " + _misses(step["misses"]),
            ]
        )
    return _table(
        [
            "offered actions/s",
            "achieved",
            "learners'",
            "staff's",
            "worst learner p95 ms",
            "worst staff p95 ms",
            "errors",
            "refused",
            "CPU % generator / gunicorn / database / rest / idle",
            "goals met",
        ],
        rows,
    )


def action_table(
    step: dict, big: dict[str, Counted], small: dict[str, Counted], learners: int, least: int
) -> list[str]:
    """Per action at one step: count, latency percentiles, errors, refusals, answer size, and
    the SQL statements at both sizes."""
    rows = []
    for name in ACTION_ORDER:
        figures = step["actions"].get(name)
        role = ROLE_OF_ACTION[name]
        goal = LEARNER_P95_MS if role == "learner" else STAFF_P95_MS
        statements = (
            f"{small[name].count if name in small else '–'} / "
            f"{big[name].count if name in big else '–'}"
        )
        if figures is None:
            rows.append([name, role, "0", "", "", "", "", "", "", "", "", statements])
            continue
        p95 = f"{figures['p95']:.0f}"
        rows.append(
            [
                name,
                role,
                str(figures["count"]),
                f"{figures['p50']:.0f}",
                p95 if figures["p95"] < goal else f"**{p95}**",
                f"{figures['p99']:.0f}",
                str(figures["errors"]),
                str(figures["refused"]),
                f"{figures['max_bytes'] / 1024:.1f}",
                f"{goal}",
                f"{big[name].ms:.1f}" if name in big else "–",
                statements,
            ]
        )
    return _table(
        [
            "action",
            "role",
            "count",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "errors",
            "refused",
            "largest KB",
            "p95 goal",
            "ms in the app (pages: median of 5 visits)",
            f"SQL statements at {least:,} / {learners:,} learners",
        ],
        rows,
    )


def samples(load: dict) -> list[str]:
    """What the errors and refusals said, over all steps."""
    lines = []
    for kind in ("error", "refusal"):
        seen: dict[str, set[str]] = {}
        for step in load["steps"]:
            for name, figures in step["actions"].items():
                seen.setdefault(name, set()).update(figures[f"{kind}_samples"])
        for name, texts in seen.items():
            if texts:
                lines.append(f"- {kind} in {name}: " + "; ".join(sorted(texts)))
    return lines


def statement_differences(big: dict[str, Counted], small: dict[str, Counted]) -> list[str]:
    """The statements of each action whose count differs between the two sizes."""
    lines = []
    for name in ACTION_ORDER:
        if name not in big or name not in small or big[name].count == small[name].count:
            continue
        lines.append(f"- {name}: {small[name].count} statements small, {big[name].count} large:")
        full, least = Counter(big[name].statements), Counter(small[name].statements)
        for statement in (full - least) + (least - full):
            lines.append(f"  - {least[statement]} vs {full[statement]} × `{statement[:240]}`")
    return lines


def landed_table(load: dict) -> list[str]:
    """Writes answered as a success during the whole run beside the rows they left."""
    meaning = {
        "booking": "equal",
        "cancel booking": "equal",
        "leave registered": "equal",
        "review rating": "equal",
        "answer": "equal (attempts counted)",
        "reply": "≤ (a reply again replaces the reply)",
        "attendance saved": "rows marked (≥ 1 per saving)",
    }
    rows = [
        [name, str(load["written"].get(name, 0)), str(load["landed"][name]), expected]
        for name, expected in meaning.items()
    ]
    return _table(["write", "answered as done", "rows in the database", "expected"], rows)


def cache_table(figures: dict, kinds: list[str]) -> list[str]:
    """The lesson caches' hit rates over the whole load, summed over the workers."""
    rows = []
    for kind in kinds:
        for name, counts in sorted(figures[kind]["load"]["caches"].items()):
            total = counts["hits"] + counts["misses"]
            rate = f"{100 * counts['hits'] / total:.2f} %" if total else "–"
            rows.append(
                [kind, name, f"{counts['hits']:,}", f"{counts['misses']:,}", rate]
                + [str(counts["workers"])]
            )
    return _table(["database", "cache", "hits", "misses", "hit rate", "workers"], rows)


def other_table(figures: dict, kinds: list[str]) -> list[str]:
    """Figures of earlier issues: generation time, the daily sweep, bookings at once, and
    statements at two sizes of the matrix and the seat report."""

    def row(label: str, cell, goal: str = "") -> list[str]:
        return [label, *(cell(figures[k]) for k in kinds), goal]

    rows = [
        row("generate the data set (s)", lambda f: f"{f['generated_s']:.0f}", "< 180"),
        row("plain read of all entitlement rows (s)", lambda f: f"{f['sweep']['read_s']:.3f}"),
        row(
            "daily entitlement sweep, median of 3 days (s)",
            lambda f: f"{f['sweep']['daily_s']:.3f}",
        ),
        row("**sweep ÷ plain read**", lambda f: f"**{f['sweep']['ratio']:.2f}×**", "≤ 3×"),
        row(
            "first sweep ever, with its notifications (s)",
            lambda f: f"{f['sweep']['first_s']:.2f} ({f['sweep']['notifications']:,} e-mails)",
        ),
        row(
            "SQL statements, teacher's progress matrix at 4×3 / 40×30",
            lambda f: f"{f['features']['matrix'][0]} / {f['features']['matrix'][1]}",
            "equal",
        ),
        row(
            "SQL statements, seat report at 20 / 2,000 seats",
            lambda f: f"{f['features']['seat_report'][0]} / {f['features']['seat_report'][1]}",
            "equal",
        ),
        row(
            "200 simultaneous bookings for 20 places: confirmed / waitlisted / errors",
            lambda f: (
                f"{f['features']['bookings']['confirmed']} / "
                f"{f['features']['bookings']['waitlisted']} / {f['features']['bookings']['errors']}"
            ),
            "20 / 180 / 0",
        ),
    ]
    return _table(["figure", *kinds, "goal"], rows)


def report(
    figures: dict, learners: int, smallest_size: int, minutes: float, settings: str = ""
) -> str:
    """The whole report; ``settings`` names the BENCH_ settings the run used."""
    kinds = list(figures)
    first = figures[kinds[0]]
    users = first["load"]["users"]
    lines = [
        "# Benchmark results: a real evening",
        "",
        f"Machine: {machine()}.",
        f"Run: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; `make bench` took "
        f"{minutes:.0f} minutes" + (f" ({settings})." if settings else "."),
        "",
        f"Data set ({learners:,} learners, seeded, the same on every database): "
        + ", ".join(f"{n:,} {name.replace('_', ' ')}" for name, n in first["counts"].items())
        + ".",
        "",
        f"The evening: {sum(users.values())} distinct users at once, {users['learner']} "
        f"learners, {users['teacher']} teachers and {users['coordinator']} coordinators, each "
        "logged in through the login form with their own session, driven by Locust "
        "(FastHttpUser, one process on the same two cores) against gunicorn with 2 workers. "
        "Learners open the dashboard, the catalogue and a lesson, answer its exercises (right "
        "85 % of the time, going on to the next lesson), send heartbeats, review words and rate "
        "them, look at the classes that fit and now and then book one (and cancel it later); "
        "teachers open a group's progress matrix, take attendance at a class that has met and "
        "reply to free writing; coordinators open the overview and a learner's record and "
        "register leave. Every user acts at the same pace; the offered rate goes up in steps, "
        "each measured after it settles, until a step misses a goal twice in a row (a step "
        "that misses is measured once more, and both tries are shown: this machine's speed "
        "varies by two times from minute to minute): p95 under "
        f"{LEARNER_P95_MS} ms for every learner action and under {STAFF_P95_MS} ms for every "
        "staff action, no errors, and at least 90 % of the offered rate achieved. An error is "
        "any answer but the expected one (200 for pages, 302 for forms, 200 for heartbeats); a "
        "refusal is a write the app declined with a message (a booking that overlaps another, "
        "say): reported, not an error. CPU shares are of all cores during a step: the "
        "generator, gunicorn (master and workers), PostgreSQL's processes serving the "
        "benchmark's database, the rest of the machine (any other work on it), and idle.",
        "",
        "## Summary",
        "",
        *summary(figures, kinds),
        "",
    ]
    for kind in kinds:
        load = figures[kind]["load"]
        best, missed = chosen_step(load["steps"])
        shown = best or (load["steps"][0] if load["steps"] else None)
        lines += [
            f"## {kind}",
            "",
            f"{load['logged_in']} users logged in in {load['login_seconds']:.0f} s"
            + (
                f" ({len(load['login_failures'])} failed: {'; '.join(load['login_failures'])})"
                if load["login_failures"]
                else ""
            )
            + f". `/healthz` alone, requests/s: {_healthz(load)}.",
            "",
            "Steps:",
            "",
            *step_table(load),
            "",
        ]
        if shown is not None:
            lines += [
                f"Per action at {shown['offered']:.0f} actions/s offered"
                + (" (the highest step that met the goals)" if best else " (no step met them)")
                + f", over {shown['seconds']:.0f} s. The time in the app (no load, "
                "full data set; a page's is the median of five visits, a write's that of one) and "
                "the SQL statements are those of one visitor per role, chosen the same way at "
                "both sizes:",
                "",
                *action_table(
                    shown,
                    figures[kind]["statements"],
                    figures[kind]["smallest"],
                    learners,
                    smallest_size,
                ),
                "",
            ]
        if missed is None and best is not None:
            lines += [
                "Every step offered met the goals: the server may go higher "
                "(BENCH_RATES sets the steps).",
                "",
            ]
        if missed is not None and best is not None:
            tries = [
                step
                for step in load["steps"]
                if step["offered"] == missed["offered"] and not step["passed"]
            ]
            lines += [
                f"The next step, {missed['offered']:.0f} actions/s, missed"
                + (" on both tries" if len(tries) > 1 else "")
                + ": "
                + " Then: ".join(_misses(step["misses"], shown=6) + "." for step in tries),
                "",
            ]
        notes = samples(load) + statement_differences(
            figures[kind]["statements"], figures[kind]["smallest"]
        )
        if notes:
            lines += [*notes, ""]
        lines += ["Writes during the whole run:", "", *landed_table(load), ""]
    lines += [
        "## Lesson caches",
        "",
        "Hits and misses of the lesson content caches (`cachetools`, keyed by the lesson's "
        "digest) over the whole load, as each gunicorn worker reports them when it stops:",
        "",
        *cache_table(figures, kinds),
        "",
        "## Other figures",
        "",
        *other_table(figures, kinds),
        "",
    ]
    return "\n".join(lines)
