"""Sheet jobs: submit a selection now (small) or through a plan task (large), and plan it.

A selection of at most ``limits.plan_threshold`` rows is read in the request
and submitted at once. A larger (or open-ended) one becomes a job in state
``planning`` plus ONE ``/tasks/plan`` task that reads the sheet, prepares it
and stores the rows, so the request returns in seconds. Preparing a sheet
(``SheetGateway.prepare``) creates Rowscout's output columns and tags each
row with developer metadata.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace

from service.domain import Job, JobOptions, JobState
from service.domain.errors import RowscoutError, SchemaError
from service.domain.sources import ColumnMap, SheetSource
from service.domain.tables import InputRecord, InputTable
from service.jobs.control import awaits_plan, get_job
from service.jobs.flush import enqueue_flush, show_queued
from service.jobs.ports import Services
from service.jobs.submit import RowInput, add_rows, create_job
from service.queue.port import Task, TaskKind, TaskResult

log = logging.getLogger(__name__)

PLAN_PAUSED_RETRY_SECONDS = 30.0

Pick = Callable[[Iterable[InputRecord]], Iterable[InputRecord]]


def start_sheet_job(
    svc: Services, *, owner: str, name: str, source: SheetSource, options: JobOptions, rows: int | None
) -> Job:
    """Submit a job for a sheet selection; a large one (or ``rows`` None: open-ended) is planned by a task.

    Args:
        rows: how many data rows the selection spans, if known.
    """
    if rows is None or rows > svc.limits.plan_threshold:
        job = create_job(svc, owner=owner, name=name, source=source, options=options, state=JobState.PLANNING)
        svc.queue.enqueue(Task(kind=TaskKind.PLAN, job_id=job.id, priority=job.options.priority.value))
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


def plan_sheet_job(svc: Services, job_id: str) -> TaskResult:
    """Read a planning job's selection and store its rows; safe to run twice."""
    job = svc.store.get_job(job_id)
    if job is None or not awaits_plan(job):
        return TaskResult.done()  # gone, planned already, or cancelled before planning
    if job.state == JobState.PAUSED:
        return TaskResult.retry(after=PLAN_PAUSED_RETRY_SECONDS)
    try:
        planned = _plan(svc, job)
    except RowscoutError as exc:
        if exc.retryable:
            raise
        _fail_planning(svc, job, exc)
        return TaskResult.done()
    enqueue_flush(svc, planned)
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
    """Prepare the sheet (read, output columns, row tags), store the rows, show them as queued."""
    assert isinstance(job.source, SheetSource)
    gateway = svc.sheet_gateway()
    prepared = gateway.prepare(job.source, fields=job.options.fields, job_id=job.id)
    require_company_column(prepared.table)
    svc.store.update_job(job.id, now=svc.clock(), source=prepared.source)
    records = pick(prepared.table.records) if pick else prepared.table.records
    job = add_rows(svc, get_job(svc, job.id), _rows(records, prepared.table.columns))
    writer = gateway.writer(job)
    try:
        show_queued(svc, job.id, writer)
    finally:
        writer.close()
    return job


def _rows(records: Iterable[InputRecord], columns: ColumnMap) -> Iterator[RowInput]:
    return ((record.key, record.position, record.company(columns)) for record in records)


def _fail_planning(svc: Services, job: Job, exc: RowscoutError) -> None:
    log.warning("planning failed: %s", exc.user_message, extra={"job_id": job.id})
    assert isinstance(job.source, SheetSource)
    now = svc.clock()
    source = replace(job.source, error=exc.message)
    svc.store.update_job(job.id, now=now, state=JobState.FAILED, finished_at=now, source=source)
