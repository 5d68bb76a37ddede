"""Serve the app with gunicorn (2 sync workers, as in production) and measure /healthz with wrk."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = Path(__file__).with_name("gunicorn_conf.py")
SECRET = "bench-secret-key-0123456789abcdef"
WORKERS = 2


@dataclass(frozen=True)
class Server:
    """A running gunicorn: its address and its master process."""

    base: str
    pid: int


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def served(database_url: str, settings: dict[str, str] | None = None) -> Iterator[Server]:
    """gunicorn serving the app on a free local port, with ``settings`` added to its
    environment; stopped (and its workers' exit hooks run) when the block ends."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": SECRET, **(settings or {})}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [
            str(gunicorn),
            "--config",
            str(CONFIG),
            "--workers",
            str(WORKERS),
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
        for _ in range(200):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        yield Server(base, process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)


@dataclass(frozen=True)
class Throughput:
    """Requests per second and latency of one URL under wrk."""

    rps: float
    p50_ms: float
    p99_ms: float


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(url: str, seconds: int = 10, connections: int = 8) -> Throughput:
    """Load ``url`` with wrk (2 threads) and return its figures."""
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed (apt-get install wrk)")
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"\s50%\s+(\S+)", output)
    p99 = re.search(r"\s99%\s+(\S+)", output)
    if not (rps and p50 and p99):
        raise RuntimeError(f"wrk printed no result: {output}")
    return Throughput(float(rps.group(1)), _ms(p50.group(1)), _ms(p99.group(1)))


def healthz(base: str) -> Throughput:
    """The trivial endpoint's throughput: the ceiling of this server on this machine."""
    wrk(base + "/healthz", seconds=2)  # warm up both workers
    return wrk(base + "/healthz")
