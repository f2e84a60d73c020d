"""Flush finished rows to where results go (a file and/or a sheet), then mark them flushed.

Rows are read from the store (``unflushed_only``; a repeated company's row
gets its first row's result on the way, ``duplicates.DuplicateFill``), handed to every sink in
batches, committed, and only then marked ``flushed``: a crash in between
writes a row twice (harmless: same cells), never loses one. A sink may
report keys it could not write (a sheet row the user deleted, or one that
no longer holds its company); those rows become ``skipped`` with the sheet
writer's reason. What a sheet writer left in each row's cells is stored with
the row (``Row.written``), so the next flush can tell the user's edits from
Rowscout's own values. A flush that fails for good (the tab was deleted, the
sheet is no longer shared, the cells are protected) fails the job with that
message: no job stays running because its sheet cannot be written.

Sheet jobs in the cloud are flushed by one named flush task per job and
time window (``flush-JOB-wN``, ``flush_task``): at most one sheet write per
job per ``limits.flush_window_seconds``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from service.domain import Job, JobState, RowState, WrittenCells
from service.domain.errors import RowscoutError
from service.domain.sinks import ResultSink
from service.domain.sources import SheetSource
from service.jobs.control import clean_up_sheet, complete_if_finished, fail_job, get_job
from service.jobs.duplicates import DuplicateFill
from service.jobs.enqueue import batched
from service.jobs.ports import Services
from service.jobs.similar_sheet import similar_due, write_similar_column
from service.queue.port import Task, TaskKind
from service.sheets.port import SheetWriter

FINAL_STATES = (RowState.DONE, RowState.FAILED, RowState.SKIPPED)


@dataclass
class FlushReport:
    written: int = 0
    missing_keys: list[str] = field(default_factory=list)


def flush_results(svc: Services, job_id: str, sinks: Sequence[ResultSink], *, batch_size: int = 500) -> FlushReport:
    """Write every finished, not yet flushed row of the job to each sink.

    Args:
        svc: the services picked by bootstrap.
        job_id: the job to flush.
        sinks: where results go; keys a sink reports missing become skipped rows.
        batch_size: rows per ``write`` call (a sink may coalesce further).

    Returns:
        How many rows were written and which keys a sink could not find.
    """
    job = get_job(svc, job_id)
    rows = svc.store.iter_rows(job_id, states=FINAL_STATES, unflushed_only=True, batch_size=batch_size)
    rows = DuplicateFill.for_job(svc, job).apply(rows)  # repeated companies get their first row's result
    keys: list[str] = []
    try:
        for batch in batched(rows, batch_size):
            for sink in sinks:
                sink.write(job, batch)
            keys.extend(row.key for row in batch)
        missing = sorted({key for sink in sinks for key in sink.commit()})
    except RowscoutError as exc:
        if not exc.retryable and isinstance(job.source, SheetSource):
            fail_job(svc, job_id, exc.message)
        raise
    reasons, written = _sheet_outcomes(sinks)
    for key in missing:
        svc.store.skip_row(job_id, key, reason=reasons.get(key, "row deleted from the sheet"))
    for part in batched(keys, batch_size):
        svc.store.mark_flushed(job_id, part, written={key: written[key] for key in part if key in written})
    if similar_due(svc, get_job(svc, job_id)):  # issue 16: the job's last flush, before it completes
        write_similar_column(svc, job_id, sinks)
    if job.state.is_final and job.state != JobState.COMPLETED:
        clean_up_sheet(svc, job_id)  # cancelled (or failed): these were the last writes
    return FlushReport(written=len(keys) - len(missing), missing_keys=missing)


def _sheet_outcomes(sinks: Sequence[ResultSink]) -> tuple[dict[str, str], dict[str, WrittenCells]]:
    """Why sheet rows were not written, and what the written ones' cells hold now."""
    reasons: dict[str, str] = {}
    written: dict[str, WrittenCells] = {}
    for sink in sinks:
        if isinstance(sink, SheetWriter):
            reasons.update(sink.skip_reasons())
            written.update(sink.row_writes())
    return reasons, written


def show_queued(svc: Services, job_id: str, sink: ResultSink, *, batch_size: int = 500) -> int:
    """Write the status ``queued`` of every pending row (right after submit), without marking rows flushed.

    Returns:
        How many rows were shown as queued.
    """
    job = get_job(svc, job_id)
    shown = 0
    for batch in batched(svc.store.iter_rows(job_id, states=(RowState.PENDING,), batch_size=batch_size), batch_size):
        sink.write(job, batch)
        shown += len(batch)
    sink.commit()
    return shown


def flush_task(svc: Services, job: Job) -> Task:
    """The flush task of the current time window (its name de-duplicates within the window)."""
    window_seconds = svc.limits.flush_window_seconds
    window = math.floor(svc.clock().timestamp() / window_seconds)
    run_at = datetime.fromtimestamp((window + 1) * window_seconds, UTC)
    return Task(
        kind=TaskKind.FLUSH,
        job_id=job.id,
        row_key=f"w{window}",
        schedule_at=run_at,
        priority=job.options.priority.value,
    )


def enqueue_flush(svc: Services, job: Job) -> None:
    """Schedule the job's sheet write for the current window (file jobs flush at checkpoints)."""
    if isinstance(job.source, SheetSource):
        svc.queue.enqueue(flush_task(svc, job))


def flush_sheet_job(svc: Services, job_id: str) -> FlushReport:
    """Write the job's finished rows to its sheet, then complete the job if nothing is left.

    A permanent failure ends the job as failed (``SheetSource.error`` says why)
    and answers normally; a retryable one is raised for the queue to retry.
    """
    job = get_job(svc, job_id)
    source = job.source
    if not isinstance(source, SheetSource) or source.layout is None or source.cleaned:
        return FlushReport()  # nothing to write to, not planned yet, or ended and cleaned up
    if job.state == JobState.FAILED:
        return FlushReport()
    sink = svc.sheet_gateway().writer(job)
    try:
        report = flush_results(svc, job_id, [sink])
    except RowscoutError as exc:
        if exc.retryable:
            raise
        return FlushReport()  # flush_results failed the job with the message
    complete_if_finished(svc, job_id)
    return report


def give_up_flush(svc: Services, job_id: str, message: str) -> Job:
    """The queue will not deliver this job's sheet write again: end the job as failed, saying why.

    Called on a flush task's last delivery when its failure was retryable (a
    sheet unavailable for longer than the queue retries), so no job stays
    running because its results can never reach the sheet; the results stay in
    the job (export, retry-failed).
    """
    job = get_job(svc, job_id)
    if job.state.is_final:
        return job
    return fail_job(svc, job_id, f"the sheet could not be written after repeated tries ({message})")


def export_results(svc: Services, job_id: str, sink: ResultSink, *, owner: str | None = None) -> int:
    """Write every row of the job (finished or not) to ``sink`` and commit; returns the row count."""
    job = get_job(svc, job_id, owner=owner)
    count = 0
    for batch in batched(svc.store.iter_rows(job_id), 500):
        sink.write(job, batch)
        count += len(batch)
    sink.commit()
    return count
