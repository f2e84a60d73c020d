"""One Sheets request budget for every job and instance: the ``SheetsBudget`` port and its rule.

Google counts Sheets requests per user per minute (60 writes and 60 reads by
default), and every job writes as the one service account, so the budget is
shared: each request first takes a slot from the budget of its kind
("writes" or "reads"), wherever it runs. Adapters keep the same small state
in different places: ``MemorySheetsBudget`` (one process, tests),
``SqliteSheetsBudget`` (the embedded default, beside the workspace database)
and ``FirestoreSheetsBudget`` (every Cloud Run instance); the rule itself,
``take``, is one pure function they all run inside their own transaction.

The rule:

- **Rolling window.** At most ``limit`` slots in any ``period`` seconds: the
  state keeps the times of the slots taken in the last period (a log, not a
  token bucket, which would pass a burst plus its refill in one minute).
- **Fair share.** A claimant (a spreadsheet: one job's sheet) that cannot
  have a slot now joins a waiting line and is told exactly when its turn
  comes; free slots go to the claimants that have waited longest, so a job
  never starves however many others write, and with ``limit`` slots a minute
  every job of fewer than ``limit`` gets one within a minute. A waiter that
  does not come back within ``grace`` seconds of its turn loses its place.
  A flush is several calls (read where the rows are, check them, write):
  a claimant that was granted a slot keeps its place in line for its next
  calls during ``follow_up`` seconds from that grant, so one flush is not
  sent to the back of the line between its own calls; after that its calls
  queue again like anyone's (a busy sheet cannot keep the front for itself).
- **Never blocks.** ``try_take`` answers at once: 0 when the slot is taken,
  else the seconds to wait. Callers wait without holding any lock (or
  reschedule themselves when the wait is longer than they can stay).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

DEFAULT_PERIOD = 60.0
DEFAULT_GRACE = 30.0
DEFAULT_FOLLOW_UP = 10.0
_SOON = 1e-6  # the least "not yet" (a wait of 0 means "taken")


class SheetsBudget(Protocol):
    """A per-minute request budget shared by everyone who holds the same budget name."""

    limit: int
    period: float

    def try_take(self, n: int = 1, *, claimant: str = "", now: float | None = None) -> float:
        """Take ``n`` slots for ``claimant`` if its turn has come.

        Args:
            n: slots wanted (requests about to be sent), 1 ≤ n ≤ limit.
            claimant: who asks (a spreadsheet id); the longest-waiting claimant goes first.
            now: the time in seconds since the epoch (default: the adapter's clock).

        Returns:
            0.0 when the slots were taken; otherwise the seconds after which
            ``claimant`` should ask again (its place in line is kept until then).
        """
        ...


@dataclass
class Waiter:
    claimant: str
    since: float  # when it first asked and was told to wait
    back_by: float  # when it was told to come back


@dataclass
class BudgetState:
    """What a budget keeps: slot times of the last period (ascending), the waiting line, and
    the claimants granted a slot lately (``since``: their place in line, ``back_by``: the first grant
    of their current run of calls)."""

    sent: list[float] = field(default_factory=list)
    waiting: list[Waiter] = field(default_factory=list)
    recent: list[Waiter] = field(default_factory=list)

    def to_record(self) -> dict[str, Any]:
        return {"sent": list(self.sent), "waiting": _records(self.waiting), "recent": _records(self.recent)}

    @classmethod
    def from_record(cls, record: dict[str, Any] | None) -> BudgetState:
        record = record or {}
        sent = sorted(float(t) for t in record.get("sent", []))
        return cls(sent, _waiters(record.get("waiting", [])), _waiters(record.get("recent", [])))


def _records(waiters: list[Waiter]) -> list[dict[str, Any]]:
    return [{"claimant": w.claimant, "since": w.since, "back_by": w.back_by} for w in waiters]


def _waiters(records: list[dict[str, Any]]) -> list[Waiter]:
    return [Waiter(str(r["claimant"]), float(r["since"]), float(r["back_by"])) for r in records]


@dataclass(frozen=True)
class BudgetRule:
    limit: int = 60
    period: float = DEFAULT_PERIOD
    grace: float = DEFAULT_GRACE
    follow_up: float = DEFAULT_FOLLOW_UP

    def __post_init__(self) -> None:
        if self.limit < 1 or self.period <= 0 or self.grace < 0 or self.follow_up < 0:
            raise ValueError("a budget needs limit ≥ 1, period > 0, grace ≥ 0 and follow_up ≥ 0")

    def check(self, n: int) -> None:
        if not 1 <= n <= self.limit:
            raise ValueError(f"a request takes 1 to {self.limit} slots, not {n}")

    def take(self, state: BudgetState, *, now: float, n: int = 1, claimant: str = "") -> float:
        """Apply the rule to ``state`` (changed in place); 0.0 = taken, else seconds to wait."""
        self.check(n)
        state.sent = [t for t in state.sent if t > now - self.period]
        state.waiting = [w for w in state.waiting if w.back_by + self.grace >= now]
        state.recent = [r for r in state.recent if r.back_by + self.follow_up >= now]
        mine = next((w for w in state.waiting if w.claimant == claimant), None)
        lately = next((r for r in state.recent if r.claimant == claimant), None)
        since = min(mine.since if mine else now, lately.since if lately else now)
        ahead = sum(1 for w in state.waiting if w is not mine and (w.since, w.claimant) < (since, claimant))
        free = self.limit - len(state.sent)
        if free - ahead >= n:
            state.sent.extend([now] * n)
            if mine is not None:
                state.waiting.remove(mine)
            if lately is None:  # a new run of calls: its place holds for follow_up seconds from now
                state.recent.append(Waiter(claimant, since=since, back_by=now))
            return 0.0
        wait = self._turn(state.sent, now, needed=ahead + n - free)
        if mine is None:
            mine = Waiter(claimant, since=since, back_by=now + wait)
            state.waiting.append(mine)
        mine.since, mine.back_by = since, now + wait
        return wait

    def _turn(self, sent: list[float], now: float, *, needed: int) -> float:
        """Seconds until ``needed`` more slots have freed (the line ahead assumed to take one slot each)."""
        cycles, index = divmod(needed - 1, self.limit)
        start = sent[index] if index < len(sent) else now
        return max(start + self.period * (cycles + 1) - now, _SOON)


class MemorySheetsBudget:
    """The budget in this process's memory: tests, and a single process with no shared state."""

    def __init__(
        self,
        limit: int = 60,
        period: float = DEFAULT_PERIOD,
        *,
        grace: float = DEFAULT_GRACE,
        follow_up: float = DEFAULT_FOLLOW_UP,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.rule = BudgetRule(limit, period, grace, follow_up)
        self.limit, self.period = limit, period
        self._clock = clock
        self._state = BudgetState()
        self._lock = threading.Lock()  # held for the decision only, never while anyone waits

    def try_take(self, n: int = 1, *, claimant: str = "", now: float | None = None) -> float:
        with self._lock:
            return self.rule.take(self._state, now=self._clock() if now is None else now, n=n, claimant=claimant)
