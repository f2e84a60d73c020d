"""Handle one row task: lease → research → store. Safe to run any number of times.

The answer mirrors Cloud Tasks' HTTP contract (see ``service.queue.port``):
``done`` when the row is finished (success or a recorded permanent failure)
or there is nothing to do; ``retry`` when trying later may help. Nothing
here talks to the web or the sheet while holding a store transaction: the
lease is one short transaction, research happens outside it, the result is
stored in another.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from datetime import timedelta

from service.domain import (
    CompanyProfile,
    ErrorKind,
    Job,
    LeaseStatus,
    ResearchOptions,
    ResearchOutcome,
    Row,
    RowOutcome,
    RowState,
)
from service.domain.sources import ApiSource
from service.jobs.control import complete_if_finished
from service.jobs.enqueue import new_generation, research_task
from service.jobs.flush import enqueue_flush
from service.jobs.ports import Services
from service.jobs.spend import check_spend
from service.queue.port import TaskDelivery, TaskResult

log = logging.getLogger(__name__)

MIN_BUSY_RETRY_SECONDS = 1.0


def handle_research_task(svc: Services, delivery: TaskDelivery) -> TaskResult:
    """Research the row named by the task, once, and store what happened.

    Args:
        svc: the services picked by bootstrap.
        delivery: the task and how many times it was dispatched.

    Returns:
        ``TaskResult.done()`` when the row needs no more work from this task,
        ``TaskResult.retry(after)`` when the queue should deliver it again.
    """
    task = delivery.task
    job = svc.store.get_job(task.job_id)
    if job is None or not job.state.accepts_work:
        return TaskResult.done()  # cancelled, paused (resume re-enqueues), or gone
    lease = svc.store.lease_row(
        job.id,
        task.row_key,
        owner=svc.worker_id,
        now=svc.clock(),
        lease_seconds=svc.limits.lease_seconds,
        max_attempts=job.options.max_attempts,
    )
    if lease.status == LeaseStatus.BUSY:
        return TaskResult.retry(after=busy_retry_seconds(svc, lease.row))
    if lease.status != LeaseStatus.LEASED or lease.row is None:
        return TaskResult.done()
    stop = check_spend(svc.store, job).stop_reason  # a spend cap reached: free research only (spend.py)
    outcome = _research(svc, job, lease.row, stop)
    if stop:  # a done row's message is its status note; a failed one says what was not tried
        outcome.error_message = stop if outcome.ok else f"{outcome.error_message} ({stop})"
    return _store(svc, job, lease.row, outcome)


def busy_retry_seconds(svc: Services, row: Row | None) -> float:
    """Seconds until another worker's live lease on ``row`` expires: when this row can be tried again."""
    expires = row.lease_expires_at if row is not None else None
    if expires is None:
        return svc.limits.lease_seconds
    left = (expires - svc.clock()).total_seconds()
    return min(max(left, MIN_BUSY_RETRY_SECONDS), svc.limits.lease_seconds)


def _research(svc: Services, job: Job, row: Row, spend_stop: str = "") -> ResearchOutcome:
    options = ResearchOptions(
        fields=job.options.fields,
        timeout=job.options.timeout,
        use_llm=job.options.use_llm,
        attempt=row.attempts,
        questions=job.options.questions,
        spend_stop=spend_stop,
    )
    started = time.monotonic()
    try:
        outcome = svc.researcher.research(row.input, options)
        outcome.usage.seconds = round(time.monotonic() - started, 6)
        return outcome
    except Exception:  # a bug in research must cost one row, not the worker
        log.exception("research crashed", extra={"job_id": job.id, "row_key": row.key})
        return ResearchOutcome(
            profile=CompanyProfile(name=row.input.name),
            error_kind=ErrorKind.INTERNAL,
            error_message="unexpected error while researching this company",
        )


def _store(svc: Services, job: Job, row: Row, outcome: ResearchOutcome) -> TaskResult:
    retry_later = (
        not outcome.ok
        and outcome.error_kind is not None
        and outcome.error_kind.retryable
        and row.attempts < job.options.max_attempts
    )
    stored = svc.store.finish_row(
        job.id, row.key, owner=svc.worker_id, outcome=row_outcome(outcome, retry_later), now=svc.clock()
    )
    if not stored:
        log.warning("lease lost before storing", extra={"job_id": job.id, "row_key": row.key})
        return TaskResult.done()
    return TaskResult.retry(after=outcome.retry_after) if retry_later else TaskResult.done()


def row_outcome(outcome: ResearchOutcome, retry_later: bool) -> RowOutcome:
    """What to store for a research outcome: done, failed, or pending again."""
    if outcome.ok:  # a done row's error_message is a note (a spend cap's), never an error
        return RowOutcome(
            state=RowState.DONE, result=outcome.profile, usage=outcome.usage, error_message=outcome.error_message
        )
    state = RowState.PENDING if retry_later else RowState.FAILED
    keep = outcome.profile if outcome.profile.filled_fields() else None
    return RowOutcome(
        state=state,
        result=keep,
        usage=outcome.usage,
        error_kind=outcome.error_kind,
        error_message=outcome.error_message,
    )


def give_up_row(svc: Services, job_id: str, row_key: str, reason: str) -> None:
    """The queue stopped retrying this row's task: record it as failed (unless already final)."""
    row = svc.store.get_row(job_id, row_key)
    if row is None or row.state.is_final:
        return
    lease = svc.store.lease_row(
        job_id,
        row_key,
        owner=svc.worker_id,
        now=svc.clock(),
        lease_seconds=svc.limits.lease_seconds,
        max_attempts=row.attempts + 1,
    )
    if lease.status != LeaseStatus.LEASED:
        return
    kind = row.error_kind or ErrorKind.INTERNAL
    message = row.error_message or reason
    svc.store.finish_row(
        job_id,
        row_key,
        owner=svc.worker_id,
        outcome=RowOutcome(state=RowState.FAILED, error_kind=kind, error_message=message),
        now=svc.clock(),
    )


def settle_retry(svc: Services, delivery: TaskDelivery, result: TaskResult, *, max_deliveries: int = 0) -> TaskResult:
    """Turn a row task's "retry" into what a cloud queue should do with it.

    Cloud Tasks retries a task on its queue's backoff curve; it considers a
    handler's ``Retry-After``, but a 429 or 503 answer also raises the backoff
    of the whole queue, slowing every job on it. So when the row knows when
    to come back (a site's Retry-After, the expiry of another worker's live
    lease) a new task is scheduled for that time and this delivery is
    acknowledged (200). On the queue's last delivery (``max_deliveries``, the
    queue's max attempts) the row is recorded as failed instead of being
    dropped silently. Otherwise the retry stands.
    """
    if result.ok:
        return result
    task = delivery.task
    if result.retry_after:
        job = svc.store.get_job(task.job_id)
        if job is not None:
            schedule_at = svc.clock() + timedelta(seconds=result.retry_after)
            svc.queue.enqueue(replace(research_task(job, task.row_key, new_generation(svc)), schedule_at=schedule_at))
            return TaskResult.done()
    if max_deliveries and delivery.attempt >= max_deliveries:
        give_up_row(svc, task.job_id, task.row_key, f"gave up after {delivery.attempt} deliveries")
        return TaskResult.done()
    return result


def reschedule_flush(svc: Services, job_id: str, after: float) -> bool:
    """Schedule the job's sheet flush ``after`` seconds from now, instead of waiting inside a flush task.

    Used when the shared Sheets budget says this sheet's turn comes later than
    a flush task can wait: the task is acknowledged and a new one comes back
    then (a 429/503 answer would raise the backoff of the whole flush queue).
    The new task belongs to the flush window of that moment, which is never
    the running task's own window (a flush task runs after its window), so
    Cloud Tasks cannot drop it as a duplicate of the task asking.

    Returns:
        False when the job is gone (nothing to flush).
    """
    job = svc.store.get_job(job_id)
    if job is None:
        return False
    at = svc.clock() + timedelta(seconds=max(after, 0.0))
    enqueue_flush(replace(svc, clock=lambda: at), job)
    return True


@dataclass(frozen=True)
class CloudTaskAnswer:
    """What a Cloud Tasks delivery of a row task comes to: the queue's answer and why."""

    result: TaskResult
    rescheduled: bool = False  # acknowledged, a new task comes back at the row's own retry time
    kind: ErrorKind | None = None  # why the queue should deliver it again


def run_cloud_research_task(svc: Services, delivery: TaskDelivery, *, max_deliveries: int = 0) -> CloudTaskAnswer:
    """A row task delivered by Cloud Tasks: research, settle a retry, schedule the job's sheet flush.

    Args:
        max_deliveries: the queue's max attempts (0 = unlimited); the last one records the row as failed.
    """
    task = delivery.task
    outcome = handle_research_task(svc, delivery)
    result = settle_retry(svc, delivery, outcome, max_deliveries=max_deliveries)
    if result.ok:
        job = svc.store.get_job(task.job_id)
        if job is not None:
            enqueue_flush(svc, job)
            if isinstance(job.source, ApiSource):  # no flush task completes a batch: its last row does
                complete_if_finished(svc, job.id)
        return CloudTaskAnswer(result, rescheduled=not outcome.ok)
    row = svc.store.get_row(task.job_id, task.row_key)
    return CloudTaskAnswer(result, kind=row.error_kind if row and row.error_kind else ErrorKind.LEASE_BUSY)
