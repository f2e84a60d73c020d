"""Submit a job: store the job and its rows, then enqueue one task per row.

Rows are written and enqueued in batches (≤ 500, Firestore's batch limit), so
a 100,000-row input never sits in memory at once. Rows a user cannot
research (no name and no website, a ``javascript:`` URL, a duplicate: the one
rule of ``RowScreen``) are stored as ``skipped`` with a clear reason, so they
still get a status cell.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import timedelta

from service.domain import CompanyInput, ErrorKind, Job, JobOptions, JobState, Row, RowState
from service.domain.companies import RowScreen
from service.domain.errors import InputError
from service.domain.sources import JobSource
from service.jobs.enqueue import BATCH_SIZE, batched, enqueue_keys
from service.jobs.ports import Services

# (row key, 1-based position, company)
RowInput = tuple[str, int, CompanyInput]


def new_job_id() -> str:
    return uuid.uuid4().hex[:12]


def submit_job(
    svc: Services,
    *,
    owner: str,
    name: str,
    source: JobSource,
    rows: Iterable[RowInput],
    options: JobOptions,
    job_id: str | None = None,
) -> Job:
    """Create a job over ``rows`` and enqueue a research task for every row to research.

    Args:
        svc: the services picked by bootstrap.
        owner: who the job belongs to (an email, or "local" on the CLI).
        name: a label users see in lists.
        source: where rows came from and results go.
        rows: (key, position, company) per input row, streamed.
        options: fields, concurrency, rate, retries, priority, refresh policy.
        job_id: a caller-chosen id (a planned job, tests); a new one otherwise.

    Returns:
        The stored job, in state ``running`` (or ``completed`` if every row was skipped).

    Raises:
        InputError: more rows than ``limits.max_rows_per_job`` (the job is removed again).
    """
    job = create_job(svc, owner=owner, name=name, source=source, options=options, job_id=job_id)
    return add_rows(svc, job, rows)


def create_job(
    svc: Services,
    *,
    owner: str,
    name: str,
    source: JobSource,
    options: JobOptions,
    job_id: str | None = None,
    state: JobState = JobState.QUEUED,
) -> Job:
    """Store a new job without rows (``planning`` jobs get theirs from a plan task)."""
    now = svc.clock()
    job = Job(
        id=job_id or new_job_id(),
        owner=owner,
        name=name or "Untitled job",
        source=source,
        options=options,
        state=state,
        created_at=now,
        updated_at=now,
        expire_at=now + timedelta(days=svc.limits.job_ttl_days),
    )
    svc.store.create_job(job)
    return job


def add_rows(svc: Services, job: Job, rows: Iterable[RowInput]) -> Job:
    """Store ``rows`` in batches, enqueue those to research, and start the job."""
    total = queued = 0
    limit = svc.limits.max_rows_per_job
    for batch in batched(_to_rows(job.id, rows), BATCH_SIZE):
        total += len(batch)
        if total > limit:
            svc.store.delete_job(job.id)
            raise InputError(f"a job can hold at most {limit:,} rows; split the input")
        svc.store.add_rows(job.id, batch)
        keys = [r.key for r in batch if r.state == RowState.PENDING]
        queued += len(keys)
        enqueue_keys(svc, job, keys)
    return _start(svc, job, total, queued)


def _start(svc: Services, job: Job, total: int, queued: int) -> Job:
    """Run the job; complete it at once only when it has nothing to research (every row skipped).

    A queue may deliver a task before this runs (Cloud Tasks does): a leased or even finished row
    is work under way, which the last flush completes (``complete_if_finished``), not this.
    """
    now = svc.clock()
    updated = svc.store.update_job(job.id, now=now, total_rows=total, state=JobState.RUNNING)
    counts = svc.store.count_rows(job.id)
    if total == 0 or (not queued and not counts[RowState.PENDING] and not counts[RowState.LEASED]):
        return svc.store.update_job(job.id, now=now, state=JobState.COMPLETED, finished_at=now)
    return updated


def _to_rows(job_id: str, rows: Iterable[RowInput]) -> Iterator[Row]:
    screen = RowScreen()
    for key, position, company in rows:
        row = Row(job_id=job_id, key=key, position=position, input=company)
        reason = screen.skip_reason(position, company)
        yield _skipped(row, reason) if reason else row


def _skipped(row: Row, reason: str) -> Row:
    return replace(row, state=RowState.SKIPPED, error_kind=ErrorKind.INVALID_INPUT, error_message=reason)
