"""Retry rules for Sheets calls, as data: which errors, how long to wait, when to stop.

429/500/503 (and network failures) are retried with exponential backoff and
full jitter, bounded by attempts and total waiting; everything else fails at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, stop_after_delay
from tenacity.wait import wait_random_exponential

from service.errors import SheetsError

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    initial_wait: float = 1.0
    max_wait: float = 64.0
    max_total_wait: float = 300.0


def _is_retryable(exc: BaseException) -> bool:
    return isinstance(exc, SheetsError) and exc.retryable


def _wait(policy: RetryPolicy) -> Callable[[RetryCallState], float]:
    jitter = wait_random_exponential(multiplier=policy.initial_wait, max=policy.max_wait)

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        hinted = exc.retry_after if isinstance(exc, SheetsError) and exc.retry_after else 0.0
        return max(float(jitter(state)), min(hinted, policy.max_wait))

    return wait


def call_with_retry(fn: Callable[[], T], policy: RetryPolicy, *, sleep: Callable[[float], None] = time.sleep) -> T:
    """Run ``fn``; retry retryable ``SheetsError``s by ``policy``; re-raise the last error."""
    retrying = Retrying(
        retry=retry_if_exception(_is_retryable),
        wait=_wait(policy),
        stop=stop_after_attempt(policy.max_attempts) | stop_after_delay(policy.max_total_wait),
        sleep=sleep,
        reraise=True,
    )
    return retrying(fn)
