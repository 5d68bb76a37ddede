"""Every module that builds SQL statements imports on its own, whatever was imported before.

Statements built at import time must not configure the ORM mappers (loader options do), since
not every model is imported yet when a module is; the app imports its features in one order,
tests and commands in others.
"""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("webapp", "lessons", "scheduling", "bench")


def modules() -> list[str]:
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts or "select(" not in path.read_text(encoding="utf-8"):
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            found.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return found


def import_alone(module: str) -> tuple[str, str]:
    result = subprocess.run(
        [sys.executable, "-c", f"import {module}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return module, "" if result.returncode == 0 else result.stderr.strip().splitlines()[-1]


def test_every_module_with_statements_imports_on_its_own():
    names = modules()
    assert len(names) > 20
    with ThreadPoolExecutor(max_workers=4) as pool:
        failures = [f"{m}: {error}" for m, error in pool.map(import_alone, names) if error]
    assert failures == []
