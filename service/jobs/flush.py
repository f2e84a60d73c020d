"""Flush finished rows to where results go (a file or a sheet), then mark them flushed.

Rows are read from the store (``unflushed_only``), handed to the sink in
batches, and marked ``flushed`` only after the sink accepted them: a crash
between the two writes a row twice (harmless: same cells), never loses one.
A sink may report keys it could not write (a sheet row the user deleted);
those rows become ``skipped``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from service.domain import Job, Row, RowState
from service.jobs.context import Services
from service.jobs.control import get_job
from service.jobs.enqueue import batched

FINAL_STATES = (RowState.DONE, RowState.FAILED, RowState.SKIPPED)


class Sink(Protocol):
    def write(self, job: Job, rows: Sequence[Row]) -> Sequence[str] | None:
        """Write rows; return the keys that could not be written (deleted rows), if any."""
        ...


@dataclass
class FlushReport:
    written: int = 0
    missing_keys: list[str] = field(default_factory=list)


def flush_results(svc: Services, job_id: str, sink: Sink, *, batch_size: int = 500) -> FlushReport:
    """Write every finished, not yet flushed row of the job to ``sink``.

    Args:
        svc: the services picked by bootstrap.
        job_id: the job to flush.
        sink: a ``ResultSink``; keys it reports missing become skipped rows.
        batch_size: rows per sink call (the sink may coalesce further).

    Returns:
        How many rows were written and which keys the sink could not find.
    """
    job = get_job(svc, job_id)
    report = FlushReport()
    rows = svc.store.iter_rows(job_id, states=FINAL_STATES, unflushed_only=True, batch_size=batch_size)
    for batch in batched(rows, batch_size):
        missing = set(sink.write(job, batch) or ())
        for key in missing:
            svc.store.skip_row(job_id, key, reason="row deleted from the sheet")
        svc.store.mark_flushed(job_id, [row.key for row in batch])
        report.written += len(batch) - len(missing)
        report.missing_keys.extend(sorted(missing))
    return report


def show_queued(svc: Services, job_id: str, sink: Sink, *, batch_size: int = 500) -> int:
    """Write the status ``queued`` of every pending row (right after submit), without marking rows flushed.

    Returns:
        How many rows were shown as queued.
    """
    job = get_job(svc, job_id)
    shown = 0
    for batch in batched(svc.store.iter_rows(job_id, states=(RowState.PENDING,), batch_size=batch_size), batch_size):
        sink.write(job, batch)
        shown += len(batch)
    return shown
