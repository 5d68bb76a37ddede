"""How long a log-in must wait after failures: a pure rule over counts and times.

Failures are counted per account *and address* pair, so guessing one account's password from
one place slows that place down without locking the account holder out elsewhere, and a few
typos on a shared Wi-Fi slow down only the account that was mistyped. The wait grows with each
failure past the limit (30 s, 1 min, 2 min, … up to the window) instead of a hard lock.

Two wider patterns are slowed down too, but never for someone who has not failed themselves:

- **many addresses guessing one account**: past ``ACCOUNT_FACTOR`` × the limit in the window,
  addresses that have never logged in to the account successfully wait; the holder's own
  known addresses do not;
- **one address guessing many accounts**: past ``ADDRESS_FACTOR`` × the limit in the window,
  every account that has failed from that address waits; accounts that have not failed from it
  are not affected.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

FIRST_WAIT = timedelta(seconds=30)
ACCOUNT_FACTOR = 4
ADDRESS_FACTOR = 4


@dataclass(frozen=True)
class Failures:
    """Failed log-ins within the window, as seen for one attempt (account, address)."""

    pair: int  # this account from this address
    pair_last: datetime | None
    account: int  # this account from any address
    account_last: datetime | None
    address: int  # any account from this address
    address_last: datetime | None
    known_address: bool  # this address has logged in to this account successfully


def growing_wait(count: int, threshold: int, window: timedelta, per: int = 1) -> timedelta:
    """The wait after ``count`` failures once ``threshold`` is reached: ``FIRST_WAIT``, doubled
    for each further ``per`` failures, never longer than ``window``."""
    if count < threshold:
        return timedelta(0)
    steps = min((count - threshold) // per, 20)  # 2**20 × 30 s is far past any window
    return min(FIRST_WAIT * (2**steps), window)


def wait_left(failures: Failures, now: datetime, limit: int, window: timedelta) -> timedelta:
    """How long this attempt must still wait (zero: it may be checked now)."""
    waits = []
    if failures.pair_last is not None:
        waits.append(failures.pair_last + growing_wait(failures.pair, limit, window))
    if failures.account_last is not None and not failures.known_address:
        # Many guessers at once: one doubling per ``limit`` further failures.
        wait = growing_wait(failures.account, ACCOUNT_FACTOR * limit, window, per=limit)
        waits.append(failures.account_last + wait)
    if failures.address_last is not None and failures.pair > 0:
        threshold = ADDRESS_FACTOR * limit
        waits.append(failures.address_last + growing_wait(failures.address, threshold, window))
    latest = max(waits, default=now)
    return max(latest - now, timedelta(0))
