"""Retrying Sheets calls by the one ``RetryPolicy`` type: which errors, how long to wait, when to stop.

429/500/503 (and network failures) are retried on the policy's backoff curve
with its jitter, never sooner than a ``Retry-After`` hint (capped at the
policy's ``max_backoff``), bounded by attempts and by ``max_retry_duration``;
everything else fails at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, stop_after_delay, stop_never

from service.domain.errors import SheetsError
from service.domain.retry import RetryPolicy

T = TypeVar("T")


def _is_retryable(exc: BaseException) -> bool:
    return isinstance(exc, SheetsError) and exc.retryable


def _wait(policy: RetryPolicy) -> Callable[[RetryCallState], float]:
    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        hinted = exc.retry_after if isinstance(exc, SheetsError) and exc.retry_after else None
        return policy.delay(state.attempt_number, min(hinted, policy.max_backoff) if hinted else None)

    return wait


def call_with_retry(fn: Callable[[], T], policy: RetryPolicy, *, sleep: Callable[[float], None] = time.sleep) -> T:
    """Run ``fn``; retry retryable ``SheetsError``s by ``policy``; re-raise the last error."""
    duration = stop_after_delay(policy.max_retry_duration) if policy.max_retry_duration else stop_never
    retrying = Retrying(
        retry=retry_if_exception(_is_retryable),
        wait=_wait(policy),
        stop=stop_after_attempt(policy.max_attempts) | duration,
        sleep=sleep,
        reraise=True,
    )
    return retrying(fn)
