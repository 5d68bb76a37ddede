"""The scheduler's jobs: few, fixed, idempotent sweeps over our own tables."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from webapp.mail.services import deliver_pending

logger = logging.getLogger(__name__)


def deliver_outbox() -> int:
    """Send the e-mail that committed requests left in the outbox."""
    total = 0
    while sent := deliver_pending():
        total += sent
    if total:
        logger.info("delivered %s message(s)", total)
    return total


@dataclass(frozen=True)
class JobSpec:
    """A job and how often it runs."""

    name: str
    function: Callable[[], object]
    every_seconds: int


JOBS: tuple[JobSpec, ...] = (JobSpec("deliver_outbox", deliver_outbox, every_seconds=30),)
