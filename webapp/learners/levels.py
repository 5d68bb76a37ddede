"""CEFR levels and the default minimum level per skill from a learner's education (pure rules).

The integration regulation sets an indicative minimum level per skill, as in the national test
(listening, reading, writing, oral). For learners with higher education it is B1 in listening,
reading and writing and B2 in oral. The defaults for everyone else are the platform's own: upper
secondary gives B1 in every skill, lower secondary A2, primary or no schooling A1. The
municipality can set each learner's goal differently.
"""

from __future__ import annotations

import enum
from typing import NamedTuple


class Level(enum.StrEnum):
    """Common European Framework levels used on the platform."""

    A1 = "A1"
    A2 = "A2"
    B1 = "B1"
    B2 = "B2"
    C1 = "C1"


LEVEL_ORDER = tuple(Level)


class Education(enum.StrEnum):
    """Highest completed education, as registered by the municipality."""

    NONE = "none"
    PRIMARY = "primary"
    LOWER_SECONDARY = "lower_secondary"
    UPPER_SECONDARY = "upper_secondary"
    HIGHER = "higher"


class SkillTargets(NamedTuple):
    """A target level for each skill of the national test."""

    listening: Level
    reading: Level
    writing: Level
    oral: Level


def default_targets(education: Education) -> SkillTargets:
    """Return the default minimum level per skill for a learner with this education."""
    if education is Education.HIGHER:
        return SkillTargets(Level.B1, Level.B1, Level.B1, Level.B2)
    if education is Education.UPPER_SECONDARY:
        return SkillTargets(Level.B1, Level.B1, Level.B1, Level.B1)
    if education is Education.LOWER_SECONDARY:
        return SkillTargets(Level.A2, Level.A2, Level.A2, Level.A2)
    return SkillTargets(Level.A1, Level.A1, Level.A1, Level.A1)


def has_upper_secondary_or_more(education: Education) -> bool:
    """True when the learner completed upper secondary school or more (it caps extensions)."""
    return education in (Education.UPPER_SECONDARY, Education.HIGHER)


def level_rank(level: Level) -> int:
    """Position of a level on the CEFR scale, A1 = 0."""
    return LEVEL_ORDER.index(level)
