"""gunicorn settings for the benchmark: each worker reports its lesson caches' hit counts when it
exits (the caches live in the worker processes, so only the worker can tell).

They are logged, and written as JSON to ``$BENCH_CACHE_STATS/<pid>.json`` when that folder is
set, for bench/results.md.
"""

from __future__ import annotations

import json
import os
from pathlib import Path


def cache_counts() -> dict[str, dict[str, int]]:
    """Hits, misses and size of this process's lesson content caches."""
    from webapp.lessons.services import lesson_content, lesson_intro

    return {
        name: function.cache_info()._asdict()
        for name, function in (("lesson content", lesson_content), ("lesson intro", lesson_intro))
    }


def worker_exit(server, worker) -> None:
    """Log the worker's cache hit counts, and write them where the benchmark reads them."""
    counts = cache_counts()
    if server is not None:
        server.log.info("lesson caches of worker %s: %s", os.getpid(), counts)
    folder = os.environ.get("BENCH_CACHE_STATS")
    if folder:
        Path(folder, f"{os.getpid()}.json").write_text(json.dumps(counts), encoding="utf-8")
