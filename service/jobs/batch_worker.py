"""The ``serve`` worker: research the rows of every batch in this process, as the cloud's row tasks do.

One long-lived in-process queue (built by ``service.bootstrap.build_serve``)
delivers research tasks of every batch to ``BatchWorker.handle``: the same
``handle_research_task`` as everywhere, then, when the row is final, the
batch is completed if nothing is left (``complete_if_finished``; in the cloud
the row task does the same). A batch's ``max_concurrent`` is kept by a
per-batch count of rows in flight: a task over it is put back for a moment
(a new task, so it uses none of the row's attempts). ``recover`` re-enqueues
the unfinished rows of active batches when ``serve`` starts again.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta

from service.domain import JobState
from service.domain.sources import ApiSource
from service.jobs.control import complete_if_finished
from service.jobs.enqueue import enqueue_keys, new_generation, research_task
from service.jobs.local_run import handle_local_task, release_dead_leases, unfinished_keys
from service.jobs.ports import Services
from service.jobs.rowtask import give_up_row
from service.queue.port import TaskDelivery, TaskKind, TaskResult

WAIT_FOR_ROOM_SECONDS = 0.25


class BatchWorker:
    """Row tasks of API batches, at most ``max_concurrent`` rows of one batch at once."""

    def __init__(self, svc: Services) -> None:
        self.svc = svc
        self._lock = threading.Lock()
        self._in_flight: dict[str, int] = {}

    def handle(self, delivery: TaskDelivery) -> TaskResult:
        task = delivery.task
        if task.kind != TaskKind.RESEARCH:
            return TaskResult.done()  # serve runs API batches only: no sheet plans or flushes
        job = self.svc.store.get_job(task.job_id)
        if job is None or not job.state.accepts_work:
            return TaskResult.done()
        if not self._enter(job.id, job.options.concurrency):
            later = self.svc.clock() + timedelta(seconds=WAIT_FOR_ROOM_SECONDS)
            retry = research_task(job, task.row_key, new_generation(self.svc))
            self.svc.queue.enqueue(replace(retry, schedule_at=later))
            return TaskResult.done()
        try:
            result = handle_local_task(self.svc, delivery)
        finally:
            self._leave(job.id)
        if result.ok:
            complete_if_finished(self.svc, job.id)
        return result

    def give_up(self, delivery: TaskDelivery, reason: str) -> None:
        """The queue stopped retrying a row: it fails with the reason, and its batch may be complete."""
        give_up_row(self.svc, delivery.task.job_id, delivery.task.row_key, reason)
        complete_if_finished(self.svc, delivery.task.job_id)

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

    def _enter(self, job_id: str, limit: int) -> bool:
        with self._lock:
            if self._in_flight.get(job_id, 0) >= max(1, limit):
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
