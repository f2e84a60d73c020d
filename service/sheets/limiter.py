"""Waiting for a slot of a Sheets budget, without holding any lock while waiting.

``RateLimiter`` asks a ``SheetsBudget`` (by default one in this process's
memory: at most ``limit`` requests in any rolling ``period``) and sleeps the
wait it is told, outside any lock, so other threads keep sending their own
requests meanwhile. When the wait would pass ``max_wait`` it gives up at
once and says how long the caller would have had to wait, so a task can
reschedule itself for then instead of sleeping. Clock and sleep are
injected so tests move time instead of waiting.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from service.domain.errors import SheetsError
from service.sheets.budget import MemorySheetsBudget, SheetsBudget


class RateLimiter:
    """At most ``limit`` acquisitions in any rolling ``period`` seconds (of ``budget``, when given)."""

    def __init__(
        self,
        limit: int = 60,
        period: float = 60.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        max_wait: float = 600.0,
        budget: SheetsBudget | None = None,
    ) -> None:
        if limit < 1 or period <= 0:
            raise ValueError("limit must be ≥ 1 and period > 0")
        self.budget: SheetsBudget = budget or MemorySheetsBudget(limit, period, clock=clock)
        self.limit, self.period = self.budget.limit, self.budget.period
        self.max_wait = max_wait
        self._clock = clock
        self._sleep = sleep
        self._count = threading.Lock()  # guards the ``waited`` figure only
        self.waited = 0.0  # total seconds spent waiting, for benchmarks

    def wait_for_slot(self, claimant: str = "", *, max_wait: float | None = None) -> float:
        """Take a slot, sleeping (lock-free) while the budget says so; 0.0 once taken.

        Returns the budget's last answer, > 0, when taking the slot would mean
        waiting beyond ``max_wait`` in all (no slot taken; the claimant keeps
        its place in line until then).
        """
        limit = self.max_wait if max_wait is None else max_wait
        waited = 0.0
        for _ in range(self.limit + 2):
            wait = self.budget.try_take(claimant=claimant, now=self._clock())
            if wait <= 0:
                return 0.0
            if waited + wait > limit:
                return wait
            self._sleep(wait)
            waited += wait
            with self._count:
                self.waited += wait
        return self.budget.try_take(claimant=claimant, now=self._clock()) or 0.0

    def acquire(self, claimant: str = "") -> None:
        """Block until a request may be sent, then record it (raises when that would take too long)."""
        wait = self.wait_for_slot(claimant)
        if wait > 0:
            raise SheetsError(
                f"the Sheets request limiter could not get a slot in time (next in {wait:.0f} s)",
                status=429,
                retry_after=wait,
            )
