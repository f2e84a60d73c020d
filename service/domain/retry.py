"""Retry rules as data: one ``RetryPolicy`` type, mirroring Cloud Tasks' ``retry_config``.

Used for row tasks (the in-process queue and the Cloud Tasks queues' set-up)
and for Sheets API calls.

The interval before retry ``k`` (``k = 1`` after the first failed attempt)
starts at ``min_backoff``, doubles ``max_doublings`` times, then grows
linearly by the last doubled interval, and is capped at ``max_backoff`` —
the same curve Cloud Tasks uses (min 10 s, max 300 s, 3 doublings gives
10, 20, 40, 80, 160, 240, 300, 300, ...).

On top of that curve, ``jitter`` spreads retries of many tasks that failed
together: the delay is drawn from ``[base, base * (1 + jitter)]`` and still
capped at ``max_backoff``. A ``retry_after`` hint from the handler (a 429's
``Retry-After``) is honoured as a minimum.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RetryPolicy:
    """When to try a failed task again, and when to give up.

    Args:
        max_attempts: total dispatches allowed, the first one included (>= 1).
        min_backoff: seconds before the first retry.
        max_backoff: the longest interval between retries (before a retry-after hint).
        max_doublings: how many times the interval doubles before it grows linearly.
        jitter: extra random fraction of the interval, 0 (none) to 1 (up to twice as long).
        max_retry_duration: stop retrying once this many seconds were spent waiting (0 = no limit).
    """

    max_attempts: int = 3
    min_backoff: float = 1.0
    max_backoff: float = 60.0
    max_doublings: int = 4
    jitter: float = 0.2
    max_retry_duration: float = 0.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if not 0 <= self.min_backoff <= self.max_backoff:
            raise ValueError("backoff must satisfy 0 <= min_backoff <= max_backoff")
        if self.max_doublings < 0:
            raise ValueError("max_doublings must not be negative")
        if not 0 <= self.jitter <= 1:
            raise ValueError("jitter must be between 0 and 1")
        if self.max_retry_duration < 0:
            raise ValueError("max_retry_duration must not be negative")

    def should_retry(self, attempt: int) -> bool:
        """Whether a task whose attempt number ``attempt`` failed may be dispatched again."""
        return attempt < self.max_attempts

    def base_delay(self, attempt: int) -> float:
        """The interval after failed attempt ``attempt`` (1-based), without jitter or hints."""
        retry_index = max(0, attempt - 1)
        doublings = min(retry_index, self.max_doublings)
        interval = self.min_backoff * 2**doublings
        linear_steps = retry_index - doublings
        if linear_steps:
            interval += linear_steps * self.min_backoff * 2**self.max_doublings
        return min(interval, self.max_backoff)

    def delay(self, attempt: int, retry_after: float | None = None, rng: random.Random | None = None) -> float:
        """Seconds to wait before the next dispatch after failed attempt ``attempt``."""
        base = self.base_delay(attempt)
        spread = base * self.jitter * (rng or random).random()
        jittered = min(base + spread, self.max_backoff)
        return max(jittered, retry_after or 0.0)

    def as_retry_config(self) -> dict[str, Any]:
        """The same rules in Cloud Tasks' ``RetryConfig`` shape (for queue set-up)."""
        return {
            "max_attempts": self.max_attempts,
            "min_backoff": f"{self.min_backoff:g}s",
            "max_backoff": f"{self.max_backoff:g}s",
            "max_doublings": self.max_doublings,
        }
