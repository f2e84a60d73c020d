"""The ``serve`` worker: research the rows of every batch in this process, as the cloud's row tasks do.

One long-lived in-process queue (built by ``service.bootstrap.build_serve``)
delivers research tasks of every batch to ``BatchWorker.handle``: the same
``handle_research_task`` as everywhere, then, when the row is final, the
batch is completed if nothing is left (``complete_if_finished``; in the cloud
the row task does the same). Completion notices (``complete_if_finished`` and
``cancel_job`` queue one when a batch with a ``webhook_url`` or
``notification_email`` ends) come through the same queue and go to
``handle_notice_task``, retried by the queue like a row. A batch's ``max_concurrent`` is kept by a
per-batch count of rows in flight: a task over it is parked in memory (it uses
none of the row's attempts) and each row of that batch that ends sends one
parked task back to the queue, so a 10,000-row batch waits without churning
the queue. Parked tasks are lost with the process; ``recover`` re-enqueues the
unfinished rows of active batches when ``serve`` starts again.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from dataclasses import replace

from service.domain import JobState
from service.domain.sources import ApiSource
from service.jobs.control import complete_if_finished
from service.jobs.enqueue import enqueue_keys, new_generation
from service.jobs.local_run import handle_local_task, release_dead_leases, unfinished_keys
from service.jobs.notify import handle_notice_task
from service.jobs.ports import Services
from service.jobs.rowtask import give_up_row
from service.queue.port import Task, TaskDelivery, TaskKind, TaskResult

log = logging.getLogger(__name__)


class BatchWorker:
    """Row tasks of API batches, at most ``max_concurrent`` rows of one batch at once; their completion notices."""

    def __init__(self, svc: Services) -> None:
        self.svc = svc
        self._lock = threading.Lock()
        self._in_flight: dict[str, int] = {}
        self._parked: dict[str, deque[Task]] = {}

    def handle(self, delivery: TaskDelivery) -> TaskResult:
        task = delivery.task
        if task.kind == TaskKind.NOTICE:
            return self._notice(delivery)
        if task.kind != TaskKind.RESEARCH:
            return TaskResult.done()  # serve runs API batches only: no sheet plans or flushes
        job = self.svc.store.get_job(task.job_id)
        if job is None or not job.state.accepts_work:
            self._drop_parked(task.job_id)  # resume enqueues every unfinished row again
            return TaskResult.done()
        if not self._enter_or_park(job.id, job.options.concurrency, task):
            return TaskResult.done()  # parked: a row of this batch that ends sends it back
        try:
            result = handle_local_task(self.svc, delivery)
        finally:
            self._leave(job.id)
        if result.ok:
            complete_if_finished(self.svc, job.id)
        return result

    def give_up(self, delivery: TaskDelivery, reason: str) -> None:
        """The queue stopped retrying a row: it fails with the reason, and its batch may be complete."""
        if delivery.task.kind == TaskKind.NOTICE:
            log.error("gave up on a completion notice: %s", reason, extra={"job_id": delivery.task.job_id})
            return
        give_up_row(self.svc, delivery.task.job_id, delivery.task.row_key, reason)
        complete_if_finished(self.svc, delivery.task.job_id)

    def _notice(self, delivery: TaskDelivery) -> TaskResult:
        notices = self.svc.notices
        if notices is None:
            log.warning("completion notices are not set up: notice dropped", extra={"job_id": delivery.task.job_id})
            return TaskResult.done()
        return handle_notice_task(self.svc, notices, delivery)

    def recover(self) -> int:
        """Enqueue the unfinished rows of every active batch (after a restart); returns how many."""
        count = 0
        for job in self.svc.store.list_jobs(limit=10_000):
            if isinstance(job.source, ApiSource) and job.state in (JobState.QUEUED, JobState.RUNNING):
                release_dead_leases(self.svc, job.id)
                keys = list(unfinished_keys(self.svc, job.id))
                count += enqueue_keys(self.svc, job, keys, generation=new_generation(self.svc))
                if not keys:
                    complete_if_finished(self.svc, job.id)
        return count

    def parked(self, job_id: str) -> int:
        with self._lock:
            return len(self._parked.get(job_id, ()))

    def _drop_parked(self, job_id: str) -> None:
        with self._lock:
            self._parked.pop(job_id, None)

    def _enter_or_park(self, job_id: str, limit: int, task: Task) -> bool:
        with self._lock:
            if self._in_flight.get(job_id, 0) >= max(1, limit):
                self._parked.setdefault(job_id, deque()).append(task)
                return False
            self._in_flight[job_id] = self._in_flight.get(job_id, 0) + 1
            return True

    def _leave(self, job_id: str) -> None:
        with self._lock:
            left = self._in_flight.get(job_id, 1) - 1
            if left:
                self._in_flight[job_id] = left
            else:
                self._in_flight.pop(job_id, None)
            waiting = self._parked.get(job_id)
            task = waiting.popleft() if waiting else None
            if waiting is not None and not waiting:
                del self._parked[job_id]
        if task is not None:
            self.svc.queue.enqueue(replace(task, generation=new_generation(self.svc)))
