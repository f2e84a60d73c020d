"""A client-side request limiter that keeps Rowscout under the Sheets per-minute quotas.

Google counts requests per user per minute (60 reads, 60 writes by default).
A classic token bucket of 60 with a refill of 1/s can pass 60 (burst) + 60
(refill) = 120 requests in one rolling minute, so this limiter keeps the
timestamps of the last ``limit`` requests instead (a rolling-window log): a
request waits until fewer than ``limit`` were sent in the last ``period``
seconds. Clock and sleep are injected so tests move time instead of waiting.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from service.domain.errors import SheetsError


class RateLimiter:
    """At most ``limit`` acquisitions in any rolling ``period`` seconds."""

    def __init__(
        self,
        limit: int = 60,
        period: float = 60.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        max_wait: float = 600.0,
    ) -> None:
        if limit < 1 or period <= 0:
            raise ValueError("limit must be ≥ 1 and period > 0")
        self.limit = limit
        self.period = period
        self._clock = clock
        self._sleep = sleep
        self._max_wait = max_wait
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()
        self.waited = 0.0  # total seconds spent waiting, for benchmarks

    def acquire(self) -> None:
        """Block until a request may be sent, then record it."""
        with self._lock:
            waited = 0.0
            for _ in range(self.limit + 2):
                delay = self._delay(self._clock())
                if delay <= 0:
                    self._sent.append(self._clock())
                    return
                if waited + delay > self._max_wait:
                    break
                self._sleep(delay)
                waited += delay
                self.waited += delay
            raise SheetsError("the local Sheets request limiter could not get a slot in time", status=429)

    def _delay(self, now: float) -> float:
        while self._sent and self._sent[0] <= now - self.period:
            self._sent.popleft()
        if len(self._sent) < self.limit:
            return 0.0
        return self._sent[0] + self.period - now
