"""The platform's clock: UTC for storage, Europe/Oslo for what a day is."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

OSLO = ZoneInfo("Europe/Oslo")


def oslo_today() -> date:
    """Today's date in Norway (deadlines and study days are Norwegian calendar days)."""
    return datetime.now(UTC).astimezone(OSLO).date()


def oslo_day_of(moment: datetime) -> date:
    """The Norwegian calendar day of an aware timestamp."""
    return moment.astimezone(OSLO).date()
