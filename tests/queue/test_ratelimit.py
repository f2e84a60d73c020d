"""TokenBucket on a hand-moved clock: burst, refill, and the wait it announces."""

from __future__ import annotations

import math

import pytest

from service.queue.ratelimit import TokenBucket
from tests.queue.conftest import ManualClock


def test_burst_then_refill_at_rate() -> None:
    clock = ManualClock()
    bucket = TokenBucket(4, clock=clock)
    assert [bucket.try_take() for _ in range(4)] == [0.0] * 4
    assert bucket.try_take() == pytest.approx(0.25)
    clock.advance(0.25)
    assert bucket.try_take() == 0.0
    assert bucket.try_take() == pytest.approx(0.25)


def test_tokens_never_exceed_capacity() -> None:
    clock = ManualClock()
    bucket = TokenBucket(2, capacity=3, clock=clock)
    clock.advance(100)
    taken = 0
    while bucket.try_take() == 0.0 and taken < 10:
        taken += 1
    assert taken == 3


def test_slow_rate_has_a_burst_of_one() -> None:
    clock = ManualClock()
    bucket = TokenBucket(0.5, clock=clock)
    assert bucket.capacity == 1
    assert bucket.try_take() == 0.0
    assert bucket.try_take() == pytest.approx(2.0)
    clock.advance(1.0)
    assert bucket.try_take() == pytest.approx(1.0)


def test_window_bound_holds_over_a_simulated_run() -> None:
    clock = ManualClock()
    bucket = TokenBucket(10, clock=clock)
    times: list[float] = []
    for _ in range(1000):
        if len(times) == 100:
            break
        wait = bucket.try_take()
        if wait:
            clock.advance(wait)
        else:
            times.append(clock())
    assert len(times) == 100
    for i in range(len(times)):
        for j in range(i, len(times)):
            assert j - i + 1 <= bucket.capacity + bucket.rate * (times[j] - times[i]) + 1e-6


def test_infinite_rate_never_waits() -> None:
    bucket = TokenBucket(math.inf)
    assert all(bucket.try_take() == 0.0 for _ in range(10_000))


@pytest.mark.parametrize("rate", [0, -1])
def test_rate_must_be_positive(rate: float) -> None:
    with pytest.raises(ValueError):
        TokenBucket(rate)
