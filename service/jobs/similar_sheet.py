"""The "Similar in this list" column of a sheet job (the job option ``similar``), written when the job ends.

The column is one of the job's own output columns, made and tagged at
submit like the others (``JobOptions.outputs`` ends with ``similar_in_list``),
so it is never a user's column of the same name (that one gets a
``(Rowscout)`` header beside it). Its cells need every row researched, so
they are written once, by the job's last flush (``flush.flush_results``),
before the job completes and its tags are removed: ``write_similar_column``
compares the researched rows (``discover.similar_column``, top 3) and hands
each done row, with its text, to the job's ``SheetWriter``. That is the same
safe path as every result: rows found by their tag and checked against their
company (a sort during the job is followed), no empty value written, a cell
the user changed kept, ``RAW``, the shared Sheets write budget. Repeating it
(a flush task delivered twice) writes nothing new: the cells already hold
the texts.

Bounded by ``similarity.MAX_COMPANIES``: above it nothing is compared or
written and ``SheetSource.similar_note`` (shown with the job) says why.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

from service.domain import Job, JobState, Row, RowState
from service.domain.errors import RowscoutError
from service.domain.labels import SIMILAR, label
from service.domain.similarity import MAX_COMPANIES, Company, compare
from service.domain.sinks import ResultSink
from service.domain.sources import SheetSource
from service.jobs.control import awaits_plan, fail_job, get_job
from service.jobs.discover import researched_companies, similar_column
from service.jobs.enqueue import BATCH_SIZE, batched
from service.jobs.ports import Services
from service.sheets.port import SheetWriter

log = logging.getLogger(__name__)

TOP = 3  # similar companies per cell


def similar_due(svc: Services, job: Job) -> bool:
    """The job asked for the column, writes to a sheet that has it, and has no row left to research or plan."""
    source = job.source
    if not job.options.similar or not isinstance(source, SheetSource) or source.layout is None or source.cleaned:
        return False
    if SIMILAR not in source.layout.columns or job.state not in (JobState.QUEUED, JobState.RUNNING):
        return False
    if awaits_plan(job):
        return False
    counts = svc.store.count_rows(job.id)
    return not counts[RowState.PENDING] and not counts[RowState.LEASED]


def write_similar_column(svc: Services, job_id: str, sinks: Sequence[ResultSink]) -> int:
    """Write each done row's "Similar in this list" cell through the job's sheet writer(s).

    Call it after the job's last rows were flushed, before it completes.

    Returns:
        how many rows were handed to the writer with a text (0 when above the limit or nothing is alike).

    Raises:
        RowscoutError: a retryable sheet failure (the flush task is delivered again); a permanent
            one fails the job with its message first, as a flush does.
    """
    writers = [sink for sink in sinks if isinstance(sink, SheetWriter)]
    job = get_job(svc, job_id)
    if not writers:
        return 0
    picked = _researched(svc, job)
    if picked is None:
        note = (
            f"{label(SIMILAR)} was not written: more than {MAX_COMPANIES:,} researched companies "
            f"(the comparison is limited to {MAX_COMPANIES:,} per job)"
        )
        _note(svc, job, note)
        return 0
    companies, done = picked
    similarity = compare(companies)
    texts = {c.key: similar_column(similarity, c.key, top=TOP) for c in companies}
    rows = [replace(row, job_texts={SIMILAR: texts[row.key]}) for row in done if texts.get(row.key)]
    try:
        for writer in writers:
            for batch in batched(rows, BATCH_SIZE):
                writer.write(job, batch)
            writer.commit()
    except RowscoutError as exc:
        if not exc.retryable:
            fail_job(svc, job_id, exc.message)
        raise
    for writer in writers:
        written = dict(writer.row_writes())
        for part in batched([row.key for row in rows if row.key in written], BATCH_SIZE):
            svc.store.mark_flushed(job_id, part, written={key: written[key] for key in part})
    _note(svc, job, "")
    log.info("wrote the similar column", extra={"job_id": job_id, "rows": len(rows)})
    return len(rows)


def _researched(svc: Services, job: Job) -> tuple[list[Company], list[Row]] | None:
    """The researched companies and the done rows among them, or None when there are more than the limit."""
    companies: list[Company] = []
    done: list[Row] = []
    for row in svc.store.iter_rows(job.id, states=(RowState.DONE, RowState.FAILED), batch_size=BATCH_SIZE):
        found = researched_companies([row])
        if not found:
            continue
        if len(companies) == MAX_COMPANIES:
            return None
        companies += found
        if row.state == RowState.DONE:
            done.append(row)
    return companies, done


def _note(svc: Services, job: Job, note: str) -> None:
    source = job.source
    if isinstance(source, SheetSource) and source.similar_note != note:
        svc.store.update_job(job.id, now=svc.clock(), source=replace(source, similar_note=note))
