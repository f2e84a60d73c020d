"""Flush finished rows to where results go (a file and/or a sheet), then mark them flushed.

Rows are read from the store (``unflushed_only``), handed to every sink in
batches, committed, and only then marked ``flushed``: a crash in between
writes a row twice (harmless: same cells), never loses one. A sink may
report keys it could not write (a sheet row the user deleted); those rows
become ``skipped``.

Sheet jobs in the cloud are flushed by one named flush task per job and
time window (``flush-JOB-wN``, ``flush_task``): at most one sheet write per
job per ``limits.flush_window_seconds``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from service.domain import Job, RowState
from service.domain.sinks import ResultSink
from service.domain.sources import SheetSource
from service.jobs.control import complete_if_finished, get_job
from service.jobs.enqueue import batched
from service.jobs.ports import Services
from service.queue.port import Task, TaskKind

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
    keys: list[str] = []
    for batch in batched(rows, batch_size):
        for sink in sinks:
            sink.write(job, batch)
        keys.extend(row.key for row in batch)
    missing = sorted({key for sink in sinks for key in sink.commit()})
    for key in missing:
        svc.store.skip_row(job_id, key, reason="row deleted from the sheet")
    for part in batched(keys, batch_size):
        svc.store.mark_flushed(job_id, part)
    return FlushReport(written=len(keys) - len(missing), missing_keys=missing)


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
    """Write the job's finished rows to its sheet, then complete the job if nothing is left."""
    job = get_job(svc, job_id)
    if not isinstance(job.source, SheetSource) or job.source.layout is None:
        return FlushReport()  # nothing to write to, or not planned yet (no rows)
    sink = svc.sheet_gateway().writer(job)
    try:
        report = flush_results(svc, job_id, [sink])
    finally:
        sink.close()
    complete_if_finished(svc, job_id)
    return report


def export_results(svc: Services, job_id: str, sink: ResultSink, *, owner: str | None = None) -> int:
    """Write every row of the job (finished or not) to ``sink`` and commit; returns the row count."""
    job = get_job(svc, job_id, owner=owner)
    count = 0
    for batch in batched(svc.store.iter_rows(job_id), 500):
        sink.write(job, batch)
        count += len(batch)
    sink.commit()
    return count
