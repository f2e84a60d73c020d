"""Pause, resume, cancel, retry-failed, complete and fail: state changes on a job, checked by every row task.

A user may only act on their own jobs: every function takes the caller as
``owner`` (None for the local CLI, which owns its workspace).

A sheet job's developer metadata (row and column tags) is removed from the
sheet when nothing will be written there any more (``clean_up_sheet``): when
the job completes with no failed row and no refresh policy, when it fails,
and after the flush that follows a cancel (``flush.flush_results``). A job
that completes with failed rows or a refresh policy keeps its tags, so
retry-failed and refresh still find their rows; ``clean`` and the refresh
cron's sweep of jobs about to expire remove them (Firestore's TTL deletes a
job's documents silently and would leave them).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from service.domain import Job, JobState, Row, RowState
from service.domain.errors import JobNotFound, JobStateError, RowscoutError
from service.domain.sources import FileSource, SheetSource
from service.jobs.duplicates import copied_from
from service.jobs.enqueue import BATCH_SIZE, enqueue_keys, new_generation
from service.jobs.notify import enqueue_notice
from service.jobs.ports import Services
from service.queue.port import Task, TaskKind

log = logging.getLogger(__name__)

_ACTIVE = (JobState.PLANNING, JobState.QUEUED, JobState.RUNNING)
_WORKING = (JobState.QUEUED, JobState.RUNNING)  # planned: rows exist


def get_job(svc: Services, job_id: str, *, owner: str | None = None) -> Job:
    """The job, if it exists and belongs to ``owner`` (any owner when None)."""
    job = svc.store.get_job(job_id)
    if job is None or (owner is not None and job.owner != owner):
        raise JobNotFound(f"no job {job_id!r}")
    return job


def pause_job(svc: Services, job_id: str, *, owner: str | None = None) -> Job:
    """Stop handing out rows; rows being researched finish and are kept."""
    job = get_job(svc, job_id, owner=owner)
    if job.state == JobState.PAUSED:
        return job
    _transition(svc, job, JobState.PAUSED, only_from=_ACTIVE)
    return get_job(svc, job_id)


def resume_job(svc: Services, job_id: str, *, owner: str | None = None) -> Job:
    """Continue a paused job, or one whose worker crashed: re-enqueue every row not finished."""
    job = get_job(svc, job_id, owner=owner)
    if job.state in (JobState.CANCELLED, JobState.COMPLETED):
        raise JobStateError(f"job {job_id} is {job.state.value}; nothing to resume")
    if awaits_plan(job):
        assert isinstance(job.source, SheetSource)
        state = JobState.PLANNING if job.source.layout is None else JobState.RUNNING
        _transition(svc, job, state, only_from=(*_ACTIVE, JobState.PAUSED, JobState.FAILED))
        chunk = job.source.planned_chunks
        svc.queue.enqueue(plan_task(job, chunk, generation=new_generation(svc) if chunk else ""))
        if job.source.layout is None:
            return get_job(svc, job_id)
    _transition(svc, job, JobState.RUNNING, only_from=(*_ACTIVE, JobState.PAUSED, JobState.FAILED))
    job = get_job(svc, job_id)
    _enqueue_unfinished(svc, job)
    return job


def cancel_job(svc: Services, job_id: str, *, owner: str | None = None) -> Job:
    """Stop the job for good; rows not started are marked skipped, results kept."""
    job = get_job(svc, job_id, owner=owner)
    if job.state == JobState.CANCELLED:
        return job
    if job.state.is_final:
        raise JobStateError(f"job {job_id} is already {job.state.value}")
    _transition(svc, job, JobState.CANCELLED, only_from=(*_ACTIVE, JobState.PAUSED, JobState.FAILED))
    for row in list(_rows(svc, job_id, RowState.PENDING)):
        svc.store.skip_row(job_id, row.key, reason="job cancelled")
    svc.store.update_job(job_id, now=svc.clock(), finished_at=svc.clock())
    if isinstance(job.source, SheetSource):  # the last flush writes the statuses, then removes the tags
        svc.queue.enqueue(Task(kind=TaskKind.FLUSH, job_id=job.id, row_key="cancelled"))
    enqueue_notice(svc, get_job(svc, job_id))  # issue 16
    return get_job(svc, job_id)


def retry_failed(svc: Services, job_id: str, *, owner: str | None = None, include_permanent: bool = False) -> Job:
    """Research again the rows that failed, with fresh attempts.

    Args:
        svc: the services picked by bootstrap.
        job_id: the job.
        owner: the caller (None: any owner, the local CLI).
        include_permanent: also retry rows whose failure is permanent (an
            unsafe URL, robots.txt, a parked domain...: ``ErrorKind.retryable``
            is False), which fail again unless their input changed. By default
            only retryable failures (timeouts, connection errors...) are retried.

    Returns:
        The job, running again when any row was reset.
    """
    job = get_job(svc, job_id, owner=owner)
    if job.state == JobState.CANCELLED:
        raise JobStateError(f"job {job_id} is cancelled; start a new job instead")
    keys: list[str] = []
    for row in _rows(svc, job_id, RowState.FAILED):
        if not (include_permanent or _retryable(row)):
            continue
        first = copied_from(row)
        if first is None:
            keys.append(row.key)
        else:  # a repeated company waits for its first row's new outcome again
            svc.store.skip_row(job_id, row.key, reason=f"duplicate of row {first}")
    if not keys:
        return job
    svc.store.reset_rows(job_id, keys, reset_attempts=True)
    svc.store.update_job(job_id, now=svc.clock(), state=JobState.RUNNING, finished_at=None)
    job = get_job(svc, job_id)
    enqueue_keys(svc, job, keys, generation=new_generation(svc))
    return job


def retry_split(svc: Services, job_id: str, *, owner: str | None = None) -> tuple[int, int]:
    """(retryable, permanent) failed rows of the job: what ``retry_failed`` would retry, and would leave alone."""
    get_job(svc, job_id, owner=owner)
    retryable = permanent = 0
    for row in _rows(svc, job_id, RowState.FAILED):
        retryable += _retryable(row)
        permanent += not _retryable(row)
    return retryable, permanent


def _retryable(row: Row) -> bool:
    return row.error_kind is None or row.error_kind.retryable


def complete_if_finished(svc: Services, job_id: str) -> Job:
    """Mark an active job completed once every row is stored and none is pending or leased.

    Call it after the job's last flush: a sheet job that completes without a
    failed row (and without a refresh policy) has its tags removed here.
    """
    job = get_job(svc, job_id)
    if job.state not in _WORKING or awaits_plan(job):
        return job
    counts = svc.store.count_rows(job_id)
    if counts[RowState.PENDING] or counts[RowState.LEASED]:
        return job
    now = svc.clock()
    if svc.store.set_job_state(job_id, JobState.COMPLETED, now=now, only_from=_WORKING):
        svc.store.update_job(job_id, now=now, finished_at=now)
        if not counts[RowState.FAILED] and not job.options.refresh_days:
            clean_up_sheet(svc, job_id)
        enqueue_notice(svc, get_job(svc, job_id))  # issue 16: once, by the caller that completed it
    return get_job(svc, job_id)


def fail_job(svc: Services, job_id: str, message: str) -> Job:
    """End a job as failed with a message for the sidebar and ``status`` (e.g. its tab was deleted)."""
    job = get_job(svc, job_id)
    now = svc.clock()
    changes: dict[str, object] = {"state": JobState.FAILED, "finished_at": now}
    if isinstance(job.source, SheetSource):
        changes["source"] = replace(job.source, error=message)
    svc.store.update_job(job_id, now=now, **changes)
    clean_up_sheet(svc, job_id)
    if job.state != JobState.FAILED:  # issue 16: one notice per final state reached
        enqueue_notice(svc, get_job(svc, job_id))
    return get_job(svc, job_id)


def clean_up_sheet(svc: Services, job_id: str) -> bool:
    """Remove a sheet job's row and column tags from the sheet (once); False when that failed or is not needed.

    Best effort: a sheet that is gone or no longer shared keeps nothing of
    ours anyway, or cannot be changed; the failure is logged, never raised.
    """
    job = get_job(svc, job_id)
    source = job.source
    if not isinstance(source, SheetSource) or source.layout is None or source.cleaned:
        return False
    keys = [row.key for row in svc.store.iter_rows(job_id, batch_size=BATCH_SIZE)]
    try:
        svc.sheet_gateway().cleanup(job, keys)
    except RowscoutError as exc:
        log.warning("could not remove the job's sheet tags: %s", exc.user_message, extra={"job_id": job_id})
        return False
    svc.store.update_job(job_id, now=svc.clock(), source=replace(source, cleaned=True))
    return True


def plan_task(job: Job, chunk: int, *, generation: str = "") -> Task:
    """The task that plans chunk ``chunk`` of a sheet job (``plan-JOB`` for the first, ``plan-JOB-cN`` after)."""
    return Task(
        kind=TaskKind.PLAN,
        job_id=job.id,
        row_key=f"c{chunk}" if chunk else "",
        payload={"chunk": chunk},
        priority=job.options.priority.value,
        generation=generation,
    )


def awaits_plan(job: Job) -> bool:
    """A sheet job with rows still to read from the sheet (a plan task, or the next chunk, will store them)."""
    return isinstance(job.source, SheetSource) and not job.source.planned and not job.state.is_final


def latest_job(svc: Services, *, input_path: str | None = None) -> Job:
    """The newest job of the store, or the newest one over the input file ``input_path``."""
    if input_path is None:
        jobs = svc.store.list_jobs(limit=1)
    else:
        wanted = str(Path(input_path).resolve())
        jobs = [
            job for job in svc.store.list_jobs() if isinstance(job.source, FileSource) and job.source.path == wanted
        ]
    if not jobs:
        where = f"for {input_path}" if input_path else "in this workspace"
        raise JobNotFound(f"no earlier job {where}; run `research` first")
    return jobs[0]


def _transition(svc: Services, job: Job, state: JobState, *, only_from: tuple[JobState, ...]) -> None:
    if not svc.store.set_job_state(job.id, state, now=svc.clock(), only_from=only_from):
        current = get_job(svc, job.id).state
        raise JobStateError(f"job {job.id} is {current.value}; cannot make it {state.value}")


def _enqueue_unfinished(svc: Services, job: Job) -> int:
    keys = (row.key for row in _rows(svc, job.id, RowState.PENDING, RowState.LEASED))
    return enqueue_keys(svc, job, keys, generation=new_generation(svc))


def _rows(svc: Services, job_id: str, *states: RowState) -> Iterator[Row]:
    return svc.store.iter_rows(job_id, states=states, batch_size=BATCH_SIZE)


EMPTY_JOB_GRACE = timedelta(minutes=10)  # a job younger than this may still be receiving its rows


def clean_jobs(svc: Services, *, older_than: timedelta) -> int:
    """Delete finished or paused jobs (and their rows) not touched for ``older_than``; returns how many.

    Jobs that never started are deleted whatever ``older_than`` says, once
    ``EMPTY_JOB_GRACE`` has passed: jobs without a row (a submit that failed
    half-way), and failed jobs of which no row was researched.
    """
    now = svc.clock()
    cutoff = now - older_than
    old = [job for job in svc.store.list_jobs(limit=100_000) if _stale(svc, job, cutoff, now)]
    for job in old:
        clean_up_sheet(svc, job.id)
        svc.store.delete_job(job.id)
    return len(old)


def _stale(svc: Services, job: Job, cutoff: datetime, now: datetime) -> bool:
    if (job.state.is_final or job.state == JobState.PAUSED) and job.updated_at < cutoff:
        return True
    return job.updated_at < now - EMPTY_JOB_GRACE and never_started(svc, job)


def never_started(svc: Services, job: Job) -> bool:
    """A job without any row, or a failed one of which no row was researched (nothing to keep)."""
    if job.state in (JobState.PLANNING, JobState.RUNNING, JobState.PAUSED):
        return False  # at work, or waiting for a resume (a sheet job paused while planning has no row yet)
    counts = svc.store.count_rows(job.id)
    if not any(counts.values()):
        return True
    return job.state == JobState.FAILED and not (counts[RowState.DONE] or counts[RowState.FAILED])


def list_jobs(svc: Services, *, owner: str | None = None, limit: int = 100) -> list[Job]:
    """The owner's jobs (every job when None), newest first."""
    return svc.store.list_jobs(owner=owner, limit=limit)


def job_rows(
    svc: Services, job_id: str, *, owner: str | None = None, states: tuple[RowState, ...] = ()
) -> Iterator[Row]:
    """The job's rows in position order, only those in ``states`` when given."""
    job = get_job(svc, job_id, owner=owner)
    return svc.store.iter_rows(job.id, states=states, batch_size=BATCH_SIZE)
