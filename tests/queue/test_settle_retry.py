"""Row-task retries that know their time are rescheduled and acknowledged, never left to the queue's backoff.

Cloud Tasks considers a handler's ``Retry-After``, but a 429/503 answer also
raises the backoff of the whole queue: a row that knows when to come back
gets a new task scheduled for then, and the delivery answers 200.
"""

from __future__ import annotations

from datetime import timedelta

from service.domain import JobOptions, RowState
from service.jobs.enqueue import research_task
from service.jobs.rowtask import run_cloud_research_task
from service.jobs.submit import submit_job
from service.queue.port import TaskDelivery, TaskKind
from tests.jobs.fakes import SOURCE, companies, make_services


def queue_task(svc, job):
    return research_task(job, "r000001")


def _job(svc):
    options = JobOptions(max_attempts=3)
    return submit_job(svc, owner="ana@example.com", name="t", source=SOURCE, rows=companies("Acme"), options=options)


def test_a_busy_lease_is_rescheduled_for_the_moment_it_expires_and_acknowledged() -> None:
    svc, queue, researcher, clock = make_services()
    job = _job(svc)
    first = queue.enqueued[0]
    svc.store.lease_row(job.id, "r000001", owner="other", now=clock(), lease_seconds=90, max_attempts=3)
    clock.advance(seconds=30)
    queue.enqueued.clear()
    answer = run_cloud_research_task(svc, TaskDelivery(first, 1))
    assert answer.result.ok and answer.rescheduled  # 200: the queue's backoff is untouched
    (again,) = queue.of_kind("research")
    assert again.row_key == "r000001" and again.generation and again.name != first.name
    assert again.schedule_at == clock() + timedelta(seconds=60)  # exactly when the other lease runs out
    assert researcher.calls["Acme"] == 0
    clock.advance(seconds=60)
    assert run_cloud_research_task(svc, TaskDelivery(again, 1)).result.ok
    assert svc.store.get_row(job.id, "r000001").state == RowState.DONE and researcher.calls["Acme"] == 1


def test_a_lease_about_to_expire_still_waits_a_moment_not_zero_seconds() -> None:
    svc, queue, _, clock = make_services()
    job = _job(svc)
    svc.store.lease_row(job.id, "r000001", owner="other", now=clock(), lease_seconds=10, max_attempts=3)
    clock.advance(seconds=9.9)
    queue.enqueued.clear()
    assert run_cloud_research_task(svc, TaskDelivery(queue_task(svc, job), 1)).rescheduled
    (again,) = queue.of_kind("research")
    assert again.schedule_at is not None and again.schedule_at >= clock() + timedelta(seconds=1)


def test_a_row_task_that_finishes_schedules_the_flush_and_no_retry() -> None:
    svc, queue, _, _ = make_services()
    job = _job(svc)
    queue.enqueued.clear()
    answer = run_cloud_research_task(svc, TaskDelivery(queue_task(svc, job), 1))
    assert answer.result.ok and not answer.rescheduled
    assert queue.of_kind(TaskKind.RESEARCH.value) == []


def test_a_flush_told_to_wait_is_rescheduled_into_a_later_window_under_a_new_name() -> None:
    from service.domain.sources import SheetSource
    from service.jobs.flush import flush_task
    from service.jobs.rowtask import reschedule_flush

    svc, queue, _, clock = make_services()
    job = submit_job(
        svc,
        owner="ana@example.com",
        name="t",
        source=SheetSource("sheet-1", sheet_name="Leads"),
        rows=companies("Acme"),
        options=JobOptions(),
    )
    running = flush_task(svc, job)  # the flush task of this window, as if it were running now
    clock.advance(seconds=svc.limits.flush_window_seconds)
    queue.enqueued.clear()
    assert reschedule_flush(svc, job.id, 42.0)
    (later,) = queue.of_kind("flush")
    assert later.schedule_at is not None and later.schedule_at >= clock() + timedelta(seconds=42)
    assert later.name != running.name and later.name != flush_task(svc, job).name
    assert not reschedule_flush(svc, "gone", 42.0)
