"""Fixtures for the queue tests: a clock tests move by hand, and queues that always stop."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from service.queue.inprocess import InProcessQueue
from service.queue.port import TaskDelivery, TaskHandler, TaskResult


class ManualClock:
    """A monotonic clock that only moves when a test says so (thread-safe)."""

    def __init__(self, start: float = 1000.0) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds


class Recorder:
    """A handler that records every delivery (with the clock's time) and answers with ``answer``."""

    def __init__(self, answer: Callable[[TaskDelivery], TaskResult] | None = None, clock=None) -> None:
        self.deliveries: list[TaskDelivery] = []
        self.times: list[float] = []
        self._answer = answer or (lambda _delivery: TaskResult.done())
        self._clock = clock or (lambda: 0.0)
        self._cond = threading.Condition()

    def __call__(self, delivery: TaskDelivery) -> TaskResult:
        with self._cond:
            self.deliveries.append(delivery)
            self.times.append(self._clock())
            self._cond.notify_all()
        return self._answer(delivery)

    def wait_for_count(self, count: int, timeout: float = 5.0) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: len(self.deliveries) >= count, timeout)


@pytest.fixture
def manual_clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def make_inprocess() -> Iterator[Callable[..., InProcessQueue]]:
    """Build an ``InProcessQueue``; every queue built is stopped at teardown."""
    built: list[InProcessQueue] = []

    def make(handler: TaskHandler, **options: Any) -> InProcessQueue:
        queue = InProcessQueue(handler, **options)
        built.append(queue)
        return queue

    yield make
    for queue in built:
        queue.stop(wait=True, timeout=5)
