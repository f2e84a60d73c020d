"""A token bucket: the dispatch-rate gate of the in-process queue.

``capacity`` tokens at most (the burst), refilled at ``rate`` tokens per
second, measured on an injectable monotonic clock. Over any window of ``T``
seconds at most ``capacity + rate * T`` tokens are handed out, which is what
Cloud Tasks' ``max_dispatches_per_second`` / ``max_burst_size`` promise.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

_EPSILON = 1e-9  # a token this close to whole counts as whole (float refill rounding)


class TokenBucket:
    """Hands out tokens at ``rate`` per second with bursts of up to ``capacity``.

    Args:
        rate: tokens added per second (> 0; ``math.inf`` disables the limit).
        capacity: the most tokens held at once; defaults to ``max(1, rate)``.
        clock: a monotonic clock in seconds.
    """

    def __init__(
        self,
        rate: float,
        capacity: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not rate > 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.capacity = capacity if capacity is not None else max(1.0, rate)
        if not self.capacity >= 1:
            raise ValueError("capacity must be at least 1")
        self._clock = clock
        self._tokens = self.capacity
        self._updated = clock()
        self._lock = threading.Lock()

    @property
    def unlimited(self) -> bool:
        return math.isinf(self.rate)

    def try_take(self) -> float:
        """Take one token if there is one; returns 0.0 then, else the seconds until there is."""
        if self.unlimited:
            return 0.0
        with self._lock:
            self._refill()
            if self._tokens >= 1 - _EPSILON:
                self._tokens = max(0.0, self._tokens - 1)
                return 0.0
            return (1 - self._tokens) / self.rate

    def _refill(self) -> None:
        now = self._clock()
        elapsed = max(0.0, now - self._updated)
        self._tokens = min(self.capacity, self._tokens + elapsed * self.rate)
        self._updated = now
