"""Serve the app with gunicorn (2 workers) and load pages with wrk, logged in as a user."""

from __future__ import annotations

import http.cookiejar
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LUA = Path(__file__).with_name("latency.lua")
SECRET = "bench-secret-key-0123456789abcdef"
# One browser: the login and every later request send the same User-Agent, as a browser does.
# (Flask-Login marks a session whose address or agent changed as not fresh, which rewrites the
# cookie; wrk never takes a new cookie, so with another agent every request would rewrite it.)
USER_AGENT = "norskvei-bench/1"


@dataclass(frozen=True)
class Load:
    """Throughput and latency of one URL under wrk."""

    rps: float
    p50_ms: float
    p95_ms: float
    errors: int
    bytes: int = 0


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def served(
    database_url: str, settings: dict[str, str] | None = None, workers: int = 2
) -> Iterator[str]:
    """gunicorn serving the app on a free local port, with ``settings`` added to its
    environment; yields the base URL."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": SECRET, **(settings or {})}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [
            str(gunicorn),
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def session_cookie(base: str, email: str, password: str) -> str:
    """Log in through the real form and return the session cookie header."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    page = opener.open(base + "/login").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"email": email, "password": password, "csrf_token": token})
    opener.open(base + "/login", data=data.encode()).read()
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def page_bytes(base: str, path: str, cookie: str) -> int:
    """Size of one page's HTML, uncompressed."""
    request = urllib.request.Request(
        base + path, headers={"Cookie": cookie, "User-Agent": USER_AGENT}
    )
    return len(urllib.request.urlopen(request).read())


def wrk(base: str, path: str, cookie: str = "", seconds: int = 8, connections: int = 8) -> Load:
    """Load ``path`` with wrk (2 threads) and return its figures."""
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed (apt-get install wrk)")
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", str(LUA)]
    command += ["-H", f"User-Agent: {USER_AGENT}"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(
        [*command, base + path], capture_output=True, text=True, check=True
    ).stdout
    match = re.search(r"RESULT rps=([\d.]+) p50=(\d+) p95=(\d+) p99=(\d+) errors=(\d+)", output)
    if match is None:
        raise RuntimeError(f"wrk printed no result: {output}")
    rps, p50, p95, _p99, errors = match.groups()
    return Load(float(rps), int(p50) / 1000, int(p95) / 1000, int(errors))
