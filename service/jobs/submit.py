"""Submit a job: store the job and its rows, then enqueue one task per row.

Rows are written and enqueued in batches (≤ 500, Firestore's batch limit), so
a 100,000-row input never sits in memory at once. Rows a user cannot
research (no name and no website, a ``javascript:`` URL, a duplicate) are
stored as ``skipped`` with a clear reason, so they still get a status cell.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

from service.domain import CompanyInput, ErrorKind, Job, JobOptions, JobState, Row, RowState
from service.errors import InputError
from service.files.companies import company_identity, validate_company
from service.jobs.context import Services
from service.jobs.enqueue import BATCH_SIZE, batched, enqueue_keys

JOB_TTL = timedelta(days=30)
MAX_ROWS_PER_JOB = 200_000

# (row key, 1-based position, company)
RowInput = tuple[str, int, CompanyInput]
# Returns a reason to skip the company, or None when it can be researched.
Validator = Callable[[CompanyInput], str | None]


def new_job_id() -> str:
    return uuid.uuid4().hex[:12]


def submit_job(
    svc: Services,
    *,
    owner: str,
    name: str,
    source: dict[str, Any],
    rows: Iterable[RowInput],
    options: JobOptions,
    validate: Validator | None = None,
    job_id: str | None = None,
) -> Job:
    """Create a job over ``rows`` and enqueue a research task for every row to research.

    Args:
        svc: the services picked by bootstrap.
        owner: who the job belongs to (an email, or "local" on the CLI).
        name: a label users see in lists.
        source: where rows came from and results go (see ``Job.source``).
        rows: (key, position, company) per input row, streamed.
        options: fields, concurrency, rate, retries, priority, refresh policy.
        validate: returns a skip reason for a company, or None (default: ``validate_company``).
        job_id: a caller-chosen id (tests, idempotent API retries); new one otherwise.

    Returns:
        The stored job, in state ``running`` (or ``completed`` if every row was skipped).
    """
    job = _create_job(svc, owner=owner, name=name, source=source, options=options, job_id=job_id)
    total = 0
    for batch in batched(_to_rows(job.id, rows, validate or validate_company), BATCH_SIZE):
        total += len(batch)
        if total > MAX_ROWS_PER_JOB:
            svc.store.delete_job(job.id)
            raise InputError(f"a job can hold at most {MAX_ROWS_PER_JOB:,} rows; split the input")
        svc.store.add_rows(job.id, batch)
        enqueue_keys(svc, job, [r.key for r in batch if r.state == RowState.PENDING])
    return _start(svc, job, total)


def _create_job(
    svc: Services,
    *,
    owner: str,
    name: str,
    source: dict[str, Any],
    options: JobOptions,
    job_id: str | None,
) -> Job:
    now = svc.clock()
    job = Job(
        id=job_id or new_job_id(),
        owner=owner,
        name=name or "Untitled job",
        source=source,
        options=options,
        state=JobState.QUEUED,
        created_at=now,
        updated_at=now,
        expire_at=now + JOB_TTL,
    )
    svc.store.create_job(job)
    return job


def _start(svc: Services, job: Job, total: int) -> Job:
    now = svc.clock()
    updated = svc.store.update_job(job.id, now=now, total_rows=total, state=JobState.RUNNING)
    if total == 0 or svc.store.count_rows(job.id)[RowState.PENDING] == 0:
        return svc.store.update_job(job.id, now=now, state=JobState.COMPLETED, finished_at=now)
    return updated


def _to_rows(job_id: str, rows: Iterable[RowInput], validate: Validator) -> Iterator[Row]:
    seen: dict[str, int] = {}
    for key, position, company in rows:
        row = Row(job_id=job_id, key=key, position=position, input=company)
        reason = validate(company) or _duplicate_reason(company, position, seen)
        yield _skipped(row, reason) if reason else row


def _duplicate_reason(company: CompanyInput, position: int, seen: dict[str, int]) -> str | None:
    identity = company_identity(company)
    if identity is None:
        return None
    if identity in seen:
        return f"duplicate of row {seen[identity]}"
    seen[identity] = position
    return None


def _skipped(row: Row, reason: str) -> Row:
    return replace(row, state=RowState.SKIPPED, error_kind=ErrorKind.INVALID_INPUT, error_message=reason)
