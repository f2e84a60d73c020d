"""Pause, resume, cancel and retry-failed: state changes on a job, checked by every row task.

A user may only act on their own jobs: every function takes the caller as
``owner`` (None for the local CLI, which owns its workspace).
"""

from __future__ import annotations

from collections.abc import Iterator

from service.domain import Job, JobState, Row, RowState
from service.errors import JobNotFound, JobStateError
from service.jobs.context import Services
from service.jobs.enqueue import BATCH_SIZE, enqueue_keys, new_generation

_ACTIVE = (JobState.QUEUED, JobState.RUNNING)


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
    return get_job(svc, job_id)


def retry_failed(svc: Services, job_id: str, *, owner: str | None = None) -> Job:
    """Research again every row that failed, with fresh attempts."""
    job = get_job(svc, job_id, owner=owner)
    if job.state == JobState.CANCELLED:
        raise JobStateError(f"job {job_id} is cancelled; start a new job instead")
    keys = [row.key for row in _rows(svc, job_id, RowState.FAILED)]
    if not keys:
        return job
    svc.store.reset_rows(job_id, keys, reset_attempts=True)
    svc.store.update_job(job_id, now=svc.clock(), state=JobState.RUNNING, finished_at=None)
    job = get_job(svc, job_id)
    enqueue_keys(svc, job, keys, generation=new_generation(svc))
    return job


def complete_if_finished(svc: Services, job_id: str) -> Job:
    """Mark an active job completed once no row is pending or leased."""
    job = get_job(svc, job_id)
    if job.state not in _ACTIVE:
        return job
    counts = svc.store.count_rows(job_id)
    if counts[RowState.PENDING] or counts[RowState.LEASED]:
        return job
    now = svc.clock()
    if svc.store.set_job_state(job_id, JobState.COMPLETED, now=now, only_from=_ACTIVE):
        svc.store.update_job(job_id, now=now, finished_at=now)
    return get_job(svc, job_id)


def _transition(svc: Services, job: Job, state: JobState, *, only_from: tuple[JobState, ...]) -> None:
    if not svc.store.set_job_state(job.id, state, now=svc.clock(), only_from=only_from):
        current = get_job(svc, job.id).state
        raise JobStateError(f"job {job.id} is {current.value}; cannot make it {state.value}")


def _enqueue_unfinished(svc: Services, job: Job) -> int:
    keys = (row.key for row in _rows(svc, job.id, RowState.PENDING, RowState.LEASED))
    return enqueue_keys(svc, job, keys, generation=new_generation(svc))


def _rows(svc: Services, job_id: str, *states: RowState) -> Iterator[Row]:
    return svc.store.iter_rows(job_id, states=states, batch_size=BATCH_SIZE)
