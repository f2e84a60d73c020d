"""The embedded task queue: the in-process twin of a Cloud Tasks queue.

One dispatcher thread takes tasks from a schedule (ready tasks by priority,
then first come first served; delayed tasks by due time) and hands them to a
pool of ``concurrency`` worker threads, so:

- at most ``concurrency`` handlers run at once;
- a token bucket (burst ``max(1, rate)``, refill ``rate``/s) gates every
  dispatch, so the dispatch rate stays within ``rate``;
- a handler answering ``TaskResult.retry(after)`` or raising is dispatched
  again after ``RetryPolicy.delay`` (backoff + jitter, ``after`` as a
  minimum) until ``max_attempts``, then dropped and reported to
  ``on_give_up(delivery, reason)``;
- a task whose name is already queued or in flight is dropped (Cloud Tasks'
  named-task de-duplication);
- ``Task.schedule_at`` is honoured (not dispatched before that time).

All waiting is on one condition variable (no polling); time comes from an
injectable monotonic ``clock`` so tests can move it and call ``wake()``.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

from service.domain.errors import QueueError, RowscoutError
from service.domain.retry import RetryPolicy
from service.queue.port import Task, TaskDelivery, TaskHandler, TaskResult
from service.queue.ratelimit import TokenBucket

logger = logging.getLogger(__name__)

GiveUpCallback = Callable[[TaskDelivery, str], None]

_PRIORITY_RANK = {"urgent": -1, "high": 0, "normal": 1, "low": 2}
_HISTORY = 10_000  # dispatch times / retry delays kept for measurement


@dataclass(frozen=True)
class QueueStats:
    """A snapshot of what the queue has done (times are on the queue's clock)."""

    dispatched: int
    succeeded: int
    retried: int
    gave_up: int
    deduplicated: int
    errors: int  # handler exceptions (each also counts as retried or gave_up)
    max_in_flight: int
    dispatch_times: tuple[float, ...]  # the latest dispatches, oldest first
    retry_delays: tuple[float, ...]  # the latest backoff delays chosen


@dataclass(frozen=True)
class _Entry:
    task: Task
    attempt: int  # the number of the next dispatch, 1 for the first


class _Schedule:
    """Tasks waiting for dispatch: ready ones by (priority, arrival), delayed ones by due time."""

    def __init__(self) -> None:
        self._ready: list[tuple[int, int, _Entry]] = []
        self._delayed: list[tuple[float, int, _Entry]] = []
        self._seq = itertools.count()

    def __len__(self) -> int:
        return len(self._ready) + len(self._delayed)

    def push(self, entry: _Entry, due: float, now: float) -> None:
        if due <= now:
            rank = _PRIORITY_RANK.get(entry.task.priority, _PRIORITY_RANK["normal"])
            heapq.heappush(self._ready, (rank, next(self._seq), entry))
        else:
            heapq.heappush(self._delayed, (due, next(self._seq), entry))

    def promote(self, now: float) -> None:
        while self._delayed and self._delayed[0][0] <= now:
            _, _, entry = heapq.heappop(self._delayed)
            self.push(entry, now, now)

    def has_ready(self) -> bool:
        return bool(self._ready)

    def pop_ready(self) -> _Entry:
        return heapq.heappop(self._ready)[2]

    def seconds_until_due(self, now: float) -> float | None:
        return max(0.0, self._delayed[0][0] - now) if self._delayed else None

    def drain(self) -> list[Task]:
        entries = [item[2] for item in sorted(self._ready)] + [item[2] for item in sorted(self._delayed)]
        self._ready.clear()
        self._delayed.clear()
        return [entry.task for entry in entries]


class _Counters:
    def __init__(self) -> None:
        self.dispatched = self.succeeded = self.retried = self.gave_up = 0
        self.deduplicated = self.errors = self.max_in_flight = 0
        self.dispatch_times: deque[float] = deque(maxlen=_HISTORY)
        self.retry_delays: deque[float] = deque(maxlen=_HISTORY)

    def snapshot(self) -> QueueStats:
        return QueueStats(
            dispatched=self.dispatched,
            succeeded=self.succeeded,
            retried=self.retried,
            gave_up=self.gave_up,
            deduplicated=self.deduplicated,
            errors=self.errors,
            max_in_flight=self.max_in_flight,
            dispatch_times=tuple(self.dispatch_times),
            retry_delays=tuple(self.retry_delays),
        )


def _log_give_up(delivery: TaskDelivery, reason: str) -> None:
    logger.warning("gave up on task %s after %d attempts: %s", delivery.task.name, delivery.attempt, reason)


class InProcessQueue:
    """A ``TaskQueue`` that runs tasks in this process (the embedded default).

    Args:
        handler: called with each ``TaskDelivery``; answers done or retry.
        rate: dispatches per second at most (``math.inf`` for no limit).
        concurrency: handlers running at once at most.
        retry: when to dispatch a failed task again and when to give up.
        on_give_up: told about a task the queue stopped retrying, with the reason.
        clock: monotonic seconds; ``wall_clock``: the UTC time, for ``schedule_at``.
        rng: the jitter's random source.
    """

    def __init__(
        self,
        handler: TaskHandler,
        *,
        rate: float,
        concurrency: int,
        retry: RetryPolicy,
        on_give_up: GiveUpCallback = _log_give_up,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        rng: random.Random | None = None,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self._handler = handler
        self._concurrency = concurrency
        self._retry = retry
        self._on_give_up = on_give_up
        self._clock = clock
        self._wall_clock = wall_clock
        self._rng = rng or random.Random()
        self._bucket = TokenBucket(rate, clock=clock)
        self._cond = threading.Condition()
        self._schedule = _Schedule()
        self._names: set[str] = set()
        self._in_flight = 0
        self._counters = _Counters()
        self._started = self._stopping = False
        self._dispatcher: threading.Thread | None = None
        self._executor: ThreadPoolExecutor | None = None

    # -- the TaskQueue port ------------------------------------------------

    def enqueue(self, task: Task) -> None:
        """Queue one task (dropped silently if a task of the same name is queued or running)."""
        self.enqueue_many([task])

    def enqueue_many(self, tasks: Iterable[Task]) -> int:
        """Queue tasks; returns how many were accepted (the rest were duplicates)."""
        batch = list(tasks)
        with self._cond:
            if self._stopping:
                raise QueueError("The task queue is stopped and accepts no new tasks.")
            now = self._clock()
            accepted = sum(self._add(task, now) for task in batch)
            if accepted:
                self._cond.notify_all()
        return accepted

    # -- lifecycle ---------------------------------------------------------

    def start(self) -> None:
        """Start dispatching (tasks may be enqueued before)."""
        with self._cond:
            if self._stopping:
                raise QueueError("A stopped task queue cannot be started again.")
            if self._started:
                return
            self._started = True
            self._executor = ThreadPoolExecutor(self._concurrency, thread_name_prefix="rowscout-task")
            self._dispatcher = threading.Thread(target=self._dispatch_loop, name="rowscout-dispatcher", daemon=True)
            self._dispatcher.start()

    def join(self, timeout: float | None = None) -> bool:
        """Wait until nothing is queued or in flight; False on timeout (or if stopped with work left)."""
        with self._cond:
            self._cond.wait_for(lambda: self._idle() or (self._stopping and not self._in_flight), timeout)
            return self._idle()

    def settle(self, timeout: float | None = None) -> bool:
        """Wait until nothing runs and nothing is due now (only future tasks remain); False on timeout."""
        with self._cond:
            return self._cond.wait_for(self._settled, timeout)

    def stop(self, wait: bool = True, timeout: float | None = None) -> bool:
        """Dispatch nothing more; with ``wait``, let in-flight tasks finish. True if none is left."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
            if wait:
                self._cond.wait_for(lambda: not self._in_flight, timeout)
            finished = not self._in_flight
        if self._dispatcher is not None:
            self._dispatcher.join(timeout)
        if self._executor is not None:
            self._executor.shutdown(wait=wait and finished)
        return finished

    def drain(self) -> list[Task]:
        """Remove and return the tasks still waiting (not those in flight); use after ``stop``."""
        with self._cond:
            tasks = self._schedule.drain()
            self._names.difference_update(task.name for task in tasks)
            self._cond.notify_all()
            return tasks

    def wake(self) -> None:
        """Re-check due times now (after moving an injected clock)."""
        with self._cond:
            self._cond.notify_all()

    @property
    def stats(self) -> QueueStats:
        with self._cond:
            return self._counters.snapshot()

    # -- dispatching (dispatcher thread) -----------------------------------

    def _dispatch_loop(self) -> None:
        with self._cond:
            while not self._stopping:
                entry, wait = self._next_dispatch()
                if entry is None:
                    self._cond.wait(wait)
                    continue
                assert self._executor is not None
                self._executor.submit(self._run, entry)

    def _next_dispatch(self) -> tuple[_Entry | None, float | None]:
        """The entry to run now, or how long to wait (None: until notified)."""
        if self._in_flight >= self._concurrency:
            return None, None
        now = self._clock()
        self._schedule.promote(now)
        if not self._schedule.has_ready():
            return None, self._schedule.seconds_until_due(now)
        wait = self._bucket.try_take()
        if wait > 0:
            return None, wait
        self._in_flight += 1
        self._record_dispatch(now)
        return self._schedule.pop_ready(), None

    def _record_dispatch(self, now: float) -> None:
        counters = self._counters
        counters.dispatched += 1
        counters.dispatch_times.append(now)
        counters.max_in_flight = max(counters.max_in_flight, self._in_flight)

    # -- running (worker threads) ------------------------------------------

    def _run(self, entry: _Entry) -> None:
        delivery = TaskDelivery(task=entry.task, attempt=entry.attempt)
        result, reason = self._call(delivery)
        give_up = not result.ok and not self._retry.should_retry(entry.attempt)
        if give_up:
            self._report_give_up(delivery, reason)
        with self._cond:
            self._in_flight -= 1
            self._complete(entry, result, give_up)
            self._cond.notify_all()

    def _call(self, delivery: TaskDelivery) -> tuple[TaskResult, str]:
        try:
            result = self._handler(delivery)
        except Exception as exc:  # a handler bug must not kill the worker
            reason = exc.user_message if isinstance(exc, RowscoutError) else f"{type(exc).__name__}: {exc}"
            logger.warning("task %s attempt %d raised %s", delivery.task.name, delivery.attempt, reason)
            logger.debug("handler traceback", exc_info=True)
            with self._cond:
                self._counters.errors += 1
            return TaskResult.retry(), reason
        return result, f"the task still asked to be retried after {delivery.attempt} attempts"

    def _report_give_up(self, delivery: TaskDelivery, reason: str) -> None:
        try:
            self._on_give_up(delivery, reason)
        except Exception:
            logger.exception("on_give_up failed for task %s", delivery.task.name)

    def _complete(self, entry: _Entry, result: TaskResult, give_up: bool) -> None:
        counters = self._counters
        if result.ok or give_up:
            self._names.discard(entry.task.name)
            counters.succeeded += result.ok
            counters.gave_up += give_up
            return
        delay = self._retry.delay(entry.attempt, result.retry_after, self._rng)
        counters.retried += 1
        counters.retry_delays.append(delay)
        now = self._clock()
        self._schedule.push(_Entry(entry.task, entry.attempt + 1), now + delay, now)

    # -- helpers (lock held) -------------------------------------------------

    def _add(self, task: Task, now: float) -> bool:
        if task.name in self._names:
            self._counters.deduplicated += 1
            return False
        self._names.add(task.name)
        self._schedule.push(_Entry(task, 1), now + self._seconds_until(task.schedule_at), now)
        return True

    def _seconds_until(self, when: datetime | None) -> float:
        if when is None:
            return 0.0
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max(0.0, (when - self._wall_clock()).total_seconds())

    def _idle(self) -> bool:
        return not self._in_flight and not self._schedule

    def _settled(self) -> bool:
        if self._in_flight:
            return False
        now = self._clock()
        self._schedule.promote(now)
        return not self._schedule.has_ready()


class DeferredQueue:
    """The embedded default's queue outside a run: it keeps nothing.

    Job functions called by CLI commands (submit, resume, retry-failed) offer
    tasks; the embedded runner enqueues every unfinished row from the store on
    its own in-process queue when it starts, so tasks offered earlier are not
    needed.
    """

    def enqueue(self, task: Task) -> None:
        return None

    def enqueue_many(self, tasks: Iterable[Task]) -> int:
        return sum(1 for _ in tasks)
