"""The log-in wait rule (webapp/accounts/throttling.py), over every combination of counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from webapp.accounts.throttling import (
    ACCOUNT_FACTOR,
    ADDRESS_FACTOR,
    FIRST_WAIT,
    Failures,
    growing_wait,
    wait_left,
)

NOW = datetime(2026, 12, 7, 18, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=15)
LIMIT = 5

ago = st.integers(min_value=0, max_value=15 * 60).map(lambda s: NOW - timedelta(seconds=s))


@st.composite
def failures(draw) -> Failures:
    pair = draw(st.integers(0, 60))
    account = pair + draw(st.integers(0, 100))
    address = pair + draw(st.integers(0, 100))
    return Failures(
        pair=pair,
        pair_last=draw(ago) if pair else None,
        account=account,
        account_last=draw(ago) if account else None,
        address=address,
        address_last=draw(ago) if address else None,
        known_address=draw(st.booleans()),
    )


@given(failures())
def test_the_wait_is_never_negative_nor_longer_than_the_window(seen):
    assert timedelta(0) <= wait_left(seen, NOW, LIMIT, WINDOW) <= WINDOW


@given(failures())
def test_someone_who_has_not_failed_from_here_waits_only_as_a_stranger_to_a_guessed_account(
    seen,
):
    clean = Failures(
        0,
        None,
        seen.account,
        seen.account_last,
        seen.address,
        seen.address_last,
        seen.known_address,
    )
    wait = wait_left(clean, NOW, LIMIT, WINDOW)
    if seen.known_address or seen.account < ACCOUNT_FACTOR * LIMIT:
        assert wait == timedelta(0), (
            "an address's failures never lock out accounts that did not fail"
        )


@given(failures())
def test_below_every_threshold_nobody_waits(seen):
    if (
        seen.pair < LIMIT
        and seen.account < ACCOUNT_FACTOR * LIMIT
        and seen.address < ADDRESS_FACTOR * LIMIT
    ):
        assert wait_left(seen, NOW, LIMIT, WINDOW) == timedelta(0)


@given(failures(), st.integers(1, 10))
def test_more_failures_from_the_pair_never_shorten_the_wait(seen, more):
    worse = Failures(
        seen.pair + more,
        NOW,
        seen.account + more,
        NOW,
        seen.address + more,
        NOW,
        seen.known_address,
    )
    assert wait_left(worse, NOW, LIMIT, WINDOW) >= wait_left(seen, NOW, LIMIT, WINDOW)


@given(st.integers(0, 200), st.integers(1, 50), st.integers(1, 10))
def test_growing_wait_doubles_per_step_and_is_capped(count, threshold, per):
    wait = growing_wait(count, threshold, WINDOW, per)
    if count < threshold:
        assert wait == timedelta(0)
    else:
        expected = FIRST_WAIT * 2 ** min((count - threshold) // per, 20)
        assert wait == min(expected, WINDOW)


def test_a_known_address_is_spared_from_the_many_guessers_rule():
    crowd = Failures(0, None, 100, NOW, 0, None, known_address=True)
    stranger = Failures(0, None, 100, NOW, 0, None, known_address=False)
    assert wait_left(crowd, NOW, LIMIT, WINDOW) == timedelta(0)
    assert wait_left(stranger, NOW, LIMIT, WINDOW) > timedelta(0)
