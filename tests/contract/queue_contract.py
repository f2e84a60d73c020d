"""The one contract suite for the ``TaskQueue`` port (service/queue/port.py).

Subclass ``QueueContract`` in a ``Test...`` class and provide a
``make_queue`` fixture: ``make_queue(handler) -> TaskQueue``, a queue that
delivers to ``handler`` (started, and stopped at teardown). The in-process
queue and Cloud Tasks (on the emulator, through a loopback HTTP bridge) must
pass every test here. Delivery is at least once, so tests count distinct
tasks and never assume order across tasks.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from service.queue.port import Task, TaskDelivery, TaskHandler, TaskKind, TaskQueue, TaskResult

DELIVERY_TIMEOUT = 10.0

MakeQueue = Callable[[TaskHandler], TaskQueue]
Identity = tuple[TaskKind, str, str, dict[str, Any]]


def identity(task: Task) -> Identity:
    """What every adapter must deliver intact (priority and schedule_at stay with the queue)."""
    return (task.kind, task.job_id, task.row_key, task.payload)


class Deliveries:
    """A handler that records deliveries (with the wall time) and answers via ``answer``."""

    def __init__(self, answer: Callable[[TaskDelivery], TaskResult] | None = None) -> None:
        self.seen: list[tuple[TaskDelivery, datetime]] = []
        self._answer = answer or (lambda _delivery: TaskResult.done())
        self._cond = threading.Condition()

    def __call__(self, delivery: TaskDelivery) -> TaskResult:
        with self._cond:
            self.seen.append((delivery, datetime.now(UTC)))
            self._cond.notify_all()
        return self._answer(delivery)

    def wait_until(self, predicate: Callable[[], bool], timeout: float = DELIVERY_TIMEOUT) -> bool:
        with self._cond:
            return self._cond.wait_for(predicate, timeout)

    def tasks(self) -> list[Identity]:
        """The distinct tasks delivered, by what the contract keeps intact."""
        distinct: list[Identity] = []
        for delivery, _ in self.seen:
            if identity(delivery.task) not in distinct:
                distinct.append(identity(delivery.task))
        return distinct

    def has_all(self, tasks: list[Task]) -> bool:
        delivered = self.tasks()
        return all(identity(task) in delivered for task in tasks)

    def attempts(self, task: Task) -> list[int]:
        return sorted(d.attempt for d, _ in self.seen if identity(d.task) == identity(task))

    def delivered_at(self, task: Task) -> datetime:
        return next(at for d, at in self.seen if identity(d.task) == identity(task))


def _task(job: str, row: str, kind: TaskKind = TaskKind.RESEARCH, **payload: object) -> Task:
    return Task(kind=kind, job_id=job, row_key=row, payload=dict(payload))


def _job() -> str:
    return f"job-{uuid.uuid4().hex[:8]}"


class QueueContract:
    def test_every_task_is_delivered_intact(self, make_queue: MakeQueue) -> None:
        handler = Deliveries()
        queue = make_queue(handler)
        job = _job()
        tasks = [
            _task(job, "r1", company="Acme GmbH", website="https://acme.example", n=1),
            _task(job, "r2", company="Zoë & Søn", tags=["a", "b"], nested={"x": None}),
            _task(job, "", TaskKind.FLUSH, window=12),
            _task(job, "", TaskKind.PLAN),
        ]
        for task in tasks:
            queue.enqueue(task)
        assert handler.wait_until(lambda: handler.has_all(tasks))
        assert len(handler.tasks()) == len(tasks)
        for task in tasks:
            assert handler.attempts(task)[0] == 1

    def test_enqueue_many_counts_and_delivers(self, make_queue: MakeQueue) -> None:
        handler = Deliveries()
        queue = make_queue(handler)
        job = _job()
        tasks = [_task(job, f"row-{i}", i=i) for i in range(6)]
        assert queue.enqueue_many(tasks) == 6
        assert queue.enqueue_many([]) == 0
        assert handler.wait_until(lambda: handler.has_all(tasks))
        assert sorted(d.task.payload["i"] for d, _ in handler.seen if d.attempt == 1) == list(range(6))

    def test_a_task_answering_retry_is_delivered_again(self, make_queue: MakeQueue) -> None:
        handler = Deliveries(lambda d: TaskResult.retry() if d.attempt < 3 else TaskResult.done())
        queue = make_queue(handler)
        task = _task(_job(), "flaky", company="Retry Ltd")
        queue.enqueue(task)
        assert handler.wait_until(lambda: 3 in handler.attempts(task))
        assert handler.attempts(task)[:3] == [1, 2, 3]
        assert handler.tasks() == [identity(task)]

    def test_a_retry_does_not_hold_up_other_tasks(self, make_queue: MakeQueue) -> None:
        handler = Deliveries(lambda d: TaskResult.retry() if d.task.row_key == "slow" else TaskResult.done())
        queue = make_queue(handler)
        job = _job()
        fine = [_task(job, f"ok-{i}") for i in range(3)]
        queue.enqueue_many([_task(job, "slow"), *fine])
        assert handler.wait_until(lambda: handler.has_all(fine))

    def test_schedule_at_is_not_delivered_early(self, make_queue: MakeQueue) -> None:
        handler = Deliveries()
        queue = make_queue(handler)
        not_before = datetime.now(UTC) + timedelta(seconds=0.4)
        task = Task(kind=TaskKind.RESEARCH, job_id=_job(), row_key="later", schedule_at=not_before)
        queue.enqueue(task)
        assert handler.wait_until(lambda: handler.has_all([task]))
        assert handler.delivered_at(task) >= not_before
