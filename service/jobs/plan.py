"""Sheet jobs: submit a selection now (small) or plan it in chunks (large).

A selection of at most ``limits.plan_threshold`` rows is read in the request
and submitted at once. A larger (or open-ended) one becomes a job in state
``planning`` plus a ``/tasks/plan`` task, so the request returns in seconds.
Each plan task reads and tags one chunk of ``PLAN_CHUNK_ROWS`` sheet rows
(a few seconds of work, well within any dispatch deadline), stores its rows
and enqueues their research, then enqueues the task of the next chunk; the
last chunk marks the job planned. A chunk is idempotent: its task name and
payload carry the chunk index (a delivery for a chunk done already is
acknowledged), rows tagged already are not tagged again, and rows are stored
by key. Research starts with the first chunk's rows.

Preparing a sheet (``SheetGateway.prepare``) creates the job's own output
columns and tags the columns and each row with developer metadata.

Limits: the duplicate rule (``RowScreen``) applies within a chunk; a company
listed twice in different chunks is researched twice. Rows a user moves
across a chunk boundary while planning runs may be missed or read again
(rows read again are recognised by their tag and not stored twice).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import timedelta

from service.domain import ErrorKind, Job, JobOptions, JobState, Row, RowState
from service.domain.companies import RowScreen
from service.domain.errors import RowscoutError, SchemaError
from service.domain.sources import ColumnMap, SheetSource
from service.domain.tables import InputRecord, InputTable
from service.jobs.control import awaits_plan, fail_job, get_job, plan_task
from service.jobs.enqueue import BATCH_SIZE, batched, enqueue_keys, new_generation
from service.jobs.flush import enqueue_flush, show_queued
from service.jobs.ports import Services
from service.jobs.submit import RowInput, add_rows, create_job
from service.queue.port import TaskResult

log = logging.getLogger(__name__)

PLAN_CHUNK_ROWS = 2_000
PLAN_PAUSED_RETRY_SECONDS = 300.0

Pick = Callable[[Iterable[InputRecord]], Iterable[InputRecord]]


def start_sheet_job(
    svc: Services, *, owner: str, name: str, source: SheetSource, options: JobOptions, rows: int | None
) -> Job:
    """Submit a job for a sheet selection; a large one (or ``rows`` None: open-ended) is planned by tasks.

    Args:
        rows: how many data rows the selection spans, if known.
    """
    if rows is None or rows > svc.limits.plan_threshold:
        job = create_job(svc, owner=owner, name=name, source=source, options=options, state=JobState.PLANNING)
        svc.queue.enqueue(plan_task(job, 0))
        return job
    job = submit_sheet_job(svc, owner=owner, name=name, source=source, options=options)
    enqueue_flush(svc, job)
    return job


def submit_sheet_job(
    svc: Services,
    *,
    owner: str,
    name: str,
    source: SheetSource,
    options: JobOptions,
    pick: Pick | None = None,
) -> Job:
    """Prepare the sheet and submit its rows now (the CLI, and small selections in the cloud).

    Args:
        pick: keeps only some records of the selection (the CLI's ``--rows`` / ``--filter``).

    Raises:
        SchemaError: the selection has no company name or website column (no job is kept).
    """
    job = create_job(svc, owner=owner, name=name, source=source, options=options)
    try:
        return _plan(svc, job, pick)
    except RowscoutError:
        svc.store.delete_job(job.id)
        raise


def plan_sheet_job(svc: Services, job_id: str, *, chunk: int | None = None) -> TaskResult:
    """Plan the next chunk of a planning job's selection; safe to run twice.

    Args:
        chunk: the chunk the task was made for (from its payload); a chunk done
            already is acknowledged without work. None: the job's next chunk.

    Returns:
        Always done: a paused job's task is rescheduled for later and
        acknowledged (a 503 would slow the whole queue down), and a
        permanent failure fails the job with its message.
    """
    job = svc.store.get_job(job_id)
    if job is None or not awaits_plan(job):
        return TaskResult.done()  # gone, planned already, or cancelled before planning
    assert isinstance(job.source, SheetSource)
    next_chunk = job.source.planned_chunks
    if chunk is not None and chunk != next_chunk:
        return TaskResult.done()  # a chunk done already (a repeated delivery), or not its turn yet
    if job.state == JobState.PAUSED:
        later = svc.clock() + timedelta(seconds=PLAN_PAUSED_RETRY_SECONDS)
        svc.queue.enqueue(replace(plan_task(job, next_chunk, generation=new_generation(svc)), schedule_at=later))
        return TaskResult.done()
    try:
        planned = _plan_chunk(svc, job, next_chunk)
    except RowscoutError as exc:
        if exc.retryable:
            raise
        log.warning("planning failed: %s", exc.user_message, extra={"job_id": job.id})
        fail_job(svc, job.id, exc.message)
        return TaskResult.done()
    assert isinstance(planned.source, SheetSource)
    if planned.source.planned:
        enqueue_flush(svc, planned)
    else:
        svc.queue.enqueue(plan_task(planned, next_chunk + 1))
    return TaskResult.done()


def read_sheet_selection(svc: Services, source: SheetSource) -> InputTable:
    """The selection's cells (one read, no writes), for estimates; raises SchemaError without company columns."""
    table = svc.sheet_gateway().read(source)
    require_company_column(table)
    return table


def require_company_column(table: InputTable) -> None:
    if not table.columns.name and not table.columns.website:
        raise SchemaError("no company name or website column was found in the selection")


def _plan(svc: Services, job: Job, pick: Pick | None = None) -> Job:
    """Prepare the whole selection at once, store the rows, show them as queued."""
    assert isinstance(job.source, SheetSource)
    gateway = svc.sheet_gateway()
    prepared = gateway.prepare(job.source, fields=job.options.outputs, job_id=job.id)
    require_company_column(prepared.table)
    source = replace(prepared.source, planned=True, planned_chunks=1)
    svc.store.update_job(job.id, now=svc.clock(), source=source)
    records = pick(prepared.table.records) if pick else prepared.table.records
    job = add_rows(svc, get_job(svc, job.id), _rows(records, prepared.table.columns))
    writer = gateway.writer(job)
    try:
        show_queued(svc, job.id, writer)
    finally:
        writer.close()
    return job


def _plan_chunk(svc: Services, job: Job, chunk: int) -> Job:
    """Read and tag one chunk of sheet rows, store and enqueue its rows, show them as queued."""
    assert isinstance(job.source, SheetSource)
    gateway = svc.sheet_gateway()
    window = (chunk * PLAN_CHUNK_ROWS, (chunk + 1) * PLAN_CHUNK_ROWS)
    prepared = gateway.prepare(job.source, fields=job.options.outputs, job_id=job.id, window=window)
    if chunk == 0:
        require_company_column(prepared.table)
    header = prepared.source.header_row or 1
    rows = list(_chunk_rows(job.id, prepared.table.records, prepared.source.columns, header))
    for batch in batched(rows, BATCH_SIZE):
        svc.store.add_rows(job.id, batch)
        enqueue_keys(svc, job, [r.key for r in batch if r.state == RowState.PENDING])
    source = replace(prepared.source, planned_chunks=chunk + 1, planned=not prepared.more)
    counts = svc.store.count_rows(job.id)
    state = JobState.RUNNING if job.state in (JobState.PLANNING, JobState.QUEUED) else job.state
    job = svc.store.update_job(job.id, now=svc.clock(), source=source, total_rows=sum(counts.values()), state=state)
    writer = gateway.writer(job)
    try:
        writer.write(job, [row for row in rows if row.state == RowState.PENDING])
        writer.commit()
    finally:
        writer.close()
    return job


def _rows(records: Iterable[InputRecord], columns: ColumnMap) -> Iterator[RowInput]:
    return ((record.key, record.position, record.company(columns)) for record in records)


def _chunk_rows(job_id: str, records: Iterable[InputRecord], columns: ColumnMap, header_row: int) -> Iterator[Row]:
    """The chunk's rows, positioned by sheet row (chunks restart their own count), screened for duplicates."""
    screen = RowScreen()
    for record in records:
        position = int(record.key.rpartition(":")[2]) - header_row
        company = record.company(columns)
        reason = screen.skip_reason(position, company)
        if reason:
            kind = ErrorKind.INVALID_INPUT
            yield Row(job_id, record.key, position, company, RowState.SKIPPED, error_kind=kind, error_message=reason)
        else:
            yield Row(job_id=job_id, key=record.key, position=position, input=company)
