"""Password rules (pure): long enough, not common, not the user's own name or e-mail."""

from __future__ import annotations

import enum
import gzip
from functools import cache
from pathlib import Path

from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 10
MAX_LENGTH = 256
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt.gz")


class PasswordProblem(enum.Enum):
    """Why a password is refused."""

    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    COMMON = "common"
    PERSONAL = "personal"
    REPETITIVE = "repetitive"


@cache
def common_passwords() -> frozenset[str]:
    """The common-password list, lower-cased, read once."""
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip())


def password_problem(password: str, email: str = "", name: str = "") -> PasswordProblem | None:
    """Return why ``password`` is unacceptable, or None when it is fine."""
    if len(password) < MIN_LENGTH:
        return PasswordProblem.TOO_SHORT
    if len(password) > MAX_LENGTH:
        return PasswordProblem.TOO_LONG
    lowered = password.lower()
    if lowered in common_passwords() or lowered.rstrip("0123456789!.") in common_passwords():
        return PasswordProblem.COMMON
    if len(set(lowered)) <= 2:
        return PasswordProblem.REPETITIVE
    local_part = email.split("@", 1)[0].lower()
    personal = {local_part, email.lower(), name.lower().replace(" ", "")}
    if any(part and len(part) >= 4 and part in lowered.replace(" ", "") for part in personal):
        return PasswordProblem.PERSONAL
    return None


def hash_password(password: str) -> str:
    """Hash a password with Werkzeug's scrypt."""
    return generate_password_hash(password, method="scrypt")


def verify_password(password_hash: str, password: str) -> bool:
    """Check a password against its stored hash."""
    return check_password_hash(password_hash, password)


# Compared against when the e-mail is unknown, so both paths take as long.
DUMMY_HASH = hash_password("not-a-real-password-for-anyone")
