"""RetryPolicy: Cloud Tasks' backoff curve, jitter bounds, retry-after hints, limits."""

from __future__ import annotations

import random

import pytest

from service.domain.retry import RetryPolicy


def test_backoff_curve_matches_cloud_tasks_documentation() -> None:
    policy = RetryPolicy(max_attempts=10, min_backoff=10, max_backoff=300, max_doublings=3, jitter=0)
    assert [policy.base_delay(a) for a in range(1, 9)] == [10, 20, 40, 80, 160, 240, 300, 300]


def test_zero_doublings_grows_linearly() -> None:
    policy = RetryPolicy(max_attempts=10, min_backoff=2, max_backoff=7, max_doublings=0, jitter=0)
    assert [policy.delay(a) for a in range(1, 6)] == [2, 4, 6, 7, 7]


def test_jitter_stays_within_its_bounds_and_varies() -> None:
    policy = RetryPolicy(max_attempts=5, min_backoff=1, max_backoff=3, max_doublings=5, jitter=0.5)
    rng = random.Random(7)
    for attempt, upper in [(1, 1.5), (2, 3.0), (3, 3.0)]:
        base = policy.base_delay(attempt)
        draws = [policy.delay(attempt, rng=rng) for _ in range(200)]
        assert all(base <= d <= upper for d in draws)
        assert len(set(draws)) > 1 or base == upper
    first = [policy.delay(1, rng=rng) for _ in range(200)]
    assert max(first) - min(first) > 0.25  # the spread is real, not a constant


def test_retry_after_is_a_minimum() -> None:
    policy = RetryPolicy(min_backoff=1, max_backoff=5, jitter=0)
    assert policy.delay(1, retry_after=42.0) == 42.0
    assert policy.delay(3, retry_after=0.5) == 4.0


def test_should_retry_counts_the_first_attempt() -> None:
    policy = RetryPolicy(max_attempts=3)
    assert [policy.should_retry(a) for a in (1, 2, 3, 4)] == [True, True, False, False]


@pytest.mark.parametrize(
    "options",
    [
        {"max_attempts": 0},
        {"min_backoff": 5, "max_backoff": 1},
        {"min_backoff": -1},
        {"max_doublings": -1},
        {"jitter": 1.5},
    ],
)
def test_invalid_policies_are_refused(options: dict) -> None:
    with pytest.raises(ValueError):
        RetryPolicy(**options)


def test_as_retry_config_uses_cloud_tasks_shape() -> None:
    policy = RetryPolicy(max_attempts=5, min_backoff=0.5, max_backoff=120, max_doublings=3)
    assert policy.as_retry_config() == {
        "max_attempts": 5,
        "min_backoff": "0.5s",
        "max_backoff": "120s",
        "max_doublings": 3,
    }
