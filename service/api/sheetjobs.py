"""Jobs over a sheet selection: submit (small now, large via a plan task), plan, flush.

These glue the ``SheetGateway`` to the job functions so routes stay thin.
A selection of at most ``plan_threshold`` rows is read in the request and
submitted at once; a larger (or open-ended) one becomes a placeholder job
(``source.planned = False``) plus ONE ``/tasks/plan`` task that reads the
sheet and submits the rows in batches, so the request returns in seconds.
Finished rows reach the sheet through one named flush task per job and time
window (``flush-JOB-wN``): at most one sheet write per job per window.
"""

from __future__ import annotations

import logging
import math
from datetime import UTC, datetime
from typing import Any

from service.api.context import ApiContext
from service.api.requests import SelectionRequest
from service.domain import Job, JobState
from service.errors import RowscoutError, SchemaError
from service.files.companies import validate_company
from service.jobs.context import Services
from service.jobs.control import complete_if_finished, get_job
from service.jobs.flush import FlushReport, flush_results, show_queued
from service.jobs.submit import JOB_TTL, new_job_id, submit_job
from service.queue.port import Task, TaskKind, TaskResult
from service.tables import InputTable, iter_companies

log = logging.getLogger(__name__)

PLAN_PAUSED_RETRY_SECONDS = 30.0


def start_sheet_job(ctx: ApiContext, *, owner: str, request: SelectionRequest) -> Job:
    """Submit a job for the selection; large selections are planned by a task."""
    rows = request.row_count()
    if rows is None or rows > ctx.plan_threshold:
        return _create_planned_job(ctx, owner=owner, request=request)
    job = submit_sheet(ctx, owner=owner, request=request, job_id=new_job_id())
    enqueue_flush(ctx, job)
    return job


def submit_sheet(ctx: ApiContext, *, owner: str, request: SelectionRequest, job_id: str) -> Job:
    """Prepare the sheet (read, output columns, row tags) and submit its rows as job ``job_id``."""
    prepared = ctx.sheets.prepare(request, job_id=job_id)
    table = prepared.table
    require_company_column(table)
    source = {**request.source(), **prepared.sheet, "columns": _columns(table), "planned": True}
    rows = ((record.key, record.position, company) for record, company in iter_companies(table))
    job = submit_job(
        ctx.services,
        owner=owner,
        name=request.name,
        source=source,
        rows=rows,
        options=request.options,
        validate=validate_company,
        job_id=job_id,
    )
    show_queued(ctx.services, job.id, ctx.sheets.sink(job))
    return job


def require_company_column(table: InputTable) -> None:
    if not table.columns.name and not table.columns.website:
        raise SchemaError("no company name or website column was found in the selection")


def _columns(table: InputTable) -> dict[str, Any]:
    columns = table.columns
    return {"name": columns.name, "website": columns.website, "reasons": list(columns.reasons)}


def _create_planned_job(ctx: ApiContext, *, owner: str, request: SelectionRequest) -> Job:
    svc = ctx.services
    now = ctx.clock()
    job = Job(
        id=new_job_id(),
        owner=owner,
        name=request.name,
        source={**request.source(), "planned": False},
        options=request.options,
        state=JobState.QUEUED,
        created_at=now,
        updated_at=now,
        expire_at=now + JOB_TTL,
    )
    svc.store.create_job(job)
    svc.queue.enqueue(Task(kind=TaskKind.PLAN, job_id=job.id, priority=job.options.priority.value))
    return job


def plan_sheet_job(ctx: ApiContext, job_id: str) -> TaskResult:
    """Read a placeholder job's selection and submit its rows; safe to run twice."""
    svc = ctx.services
    job = svc.store.get_job(job_id)
    if job is None or job.source.get("planned") is not False:
        return TaskResult.done()  # gone, or planned already
    if job.state == JobState.PAUSED:
        return TaskResult.retry(after=PLAN_PAUSED_RETRY_SECONDS)
    if not job.state.accepts_work:
        return TaskResult.done()  # cancelled before planning
    request = SelectionRequest.from_source(job.source, job.options, job.name)
    try:
        planned = submit_sheet(ctx, owner=job.owner, request=request, job_id=job.id)
    except RowscoutError as exc:
        if exc.retryable:
            raise
        _fail_planning(svc, job, exc)
        return TaskResult.done()
    enqueue_flush(ctx, planned)
    return TaskResult.done()


def _fail_planning(svc: Services, job: Job, exc: RowscoutError) -> None:
    log.warning("planning failed: %s", exc.user_message, extra={"job_id": job.id})
    source = {**job.source, "planned": True, "error": exc.message}
    now = svc.clock()
    svc.store.update_job(job.id, now=now, state=JobState.FAILED, finished_at=now, source=source)


def flush_task(ctx: ApiContext, job: Job) -> Task:
    """The flush task of the current time window (its name de-duplicates within the window)."""
    window = math.floor(ctx.clock().timestamp() / ctx.flush_window_seconds)
    run_at = datetime.fromtimestamp((window + 1) * ctx.flush_window_seconds, UTC)
    return Task(
        kind=TaskKind.FLUSH,
        job_id=job.id,
        row_key=f"w{window}",
        schedule_at=run_at,
        priority=job.options.priority.value,
    )


def enqueue_flush(ctx: ApiContext, job: Job) -> None:
    if job.source.get("kind") == "sheet":
        ctx.services.queue.enqueue(flush_task(ctx, job))


def flush_sheet_job(ctx: ApiContext, job_id: str) -> FlushReport:
    """Write the job's finished rows to its sheet, then complete the job if nothing is left."""
    svc = ctx.services
    job = get_job(svc, job_id)
    if job.source.get("planned") is False:
        return FlushReport()  # the plan task has not written rows yet
    report = FlushReport()
    if job.source.get("kind") == "sheet":
        report = flush_results(svc, job_id, ctx.sheets.sink(job))
    complete_if_finished(svc, job_id)
    return report
