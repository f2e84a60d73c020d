"""A queue that delivers tasks while submit is still running (Cloud Tasks does) must not end the job early.

Found by the local cloud walkthrough (tests/e2e/test_walkthrough.py): the Cloud Tasks emulator
leased the only row before submit checked for pending rows, and submit answered "completed" with
the row still being researched, so the sheet never got its result.
"""

from __future__ import annotations

from collections.abc import Iterable

from service.domain import JobOptions, JobState, RowState
from service.jobs.control import complete_if_finished
from service.jobs.ports import Services
from service.jobs.rowtask import handle_research_task
from service.jobs.submit import submit_job
from service.queue.port import Task, TaskDelivery

from .fakes import SOURCE, companies, make_services


class EagerQueue:
    """Delivers each task as soon as it is enqueued: leased only (``finish=False``) or researched too."""

    def __init__(self, svc: Services, *, finish: bool) -> None:
        self.svc, self.finish, self.tasks = svc, finish, []

    def enqueue(self, task: Task) -> None:
        self.enqueue_many([task])

    def enqueue_many(self, tasks: Iterable[Task]) -> int:
        batch = list(tasks)
        for task in batch:
            self.tasks.append(task)
            if self.finish:
                handle_research_task(self.svc, TaskDelivery(task, 1))
            else:
                self.svc.store.lease_row(
                    task.job_id, task.row_key, owner="w2", now=self.svc.clock(), lease_seconds=300, max_attempts=3
                )
        return len(batch)


def _submit(svc: Services):
    rows = companies("Acme")
    return submit_job(svc, owner="ana@example.com", name="t", source=SOURCE, rows=rows, options=JobOptions())


def test_a_row_leased_during_submit_keeps_the_job_running_until_it_is_finished() -> None:
    svc, _, _, _ = make_services()
    svc.queue = EagerQueue(svc, finish=False)
    job = _submit(svc)
    assert svc.store.count_rows(job.id)[RowState.LEASED] == 1
    assert job.state == JobState.RUNNING


def test_a_row_finished_during_submit_is_completed_by_the_flush_not_by_submit() -> None:
    svc, _, _, _ = make_services()
    svc.queue = EagerQueue(svc, finish=True)
    job = _submit(svc)
    assert svc.store.count_rows(job.id)[RowState.DONE] == 1
    assert job.state == JobState.RUNNING
    assert complete_if_finished(svc, job.id).state == JobState.COMPLETED  # what the job's last flush calls
