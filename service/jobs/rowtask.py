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
from service.jobs.context import Services
from service.queue.port import TaskDelivery, TaskResult

log = logging.getLogger(__name__)

PAUSED_RETRY_SECONDS = 30.0


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
        lease_seconds=svc.lease_seconds,
        max_attempts=job.options.max_attempts,
    )
    if lease.status == LeaseStatus.BUSY:
        return TaskResult.retry(after=min(svc.lease_seconds, PAUSED_RETRY_SECONDS))
    if lease.status != LeaseStatus.LEASED or lease.row is None:
        return TaskResult.done()
    outcome = _research(svc, job, lease.row)
    return _store(svc, job, lease.row, outcome)


def _research(svc: Services, job: Job, row: Row) -> ResearchOutcome:
    options = ResearchOptions(
        fields=job.options.fields,
        timeout=job.options.timeout,
        use_llm=job.options.use_llm,
        attempt=row.attempts,
    )
    try:
        return svc.researcher.research(row.input, options)
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
    if outcome.ok:
        return RowOutcome(state=RowState.DONE, result=outcome.profile, usage=outcome.usage)
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
        job_id, row_key, owner=svc.worker_id, now=svc.clock(), lease_seconds=60, max_attempts=row.attempts + 1
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
