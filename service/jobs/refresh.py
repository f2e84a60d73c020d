"""Refresh: re-research rows whose result is older than their job's refresh policy.

Cloud Scheduler calls ``POST /cron/refresh`` (OIDC); the CLI can run the same
function. Only jobs with ``options.refresh_days`` set take part, and only
finished (completed) or running jobs: paused and cancelled jobs are left alone.
"""

from __future__ import annotations

from datetime import timedelta

from service.domain import Job, JobState, RowState
from service.jobs.enqueue import enqueue_keys, new_generation
from service.jobs.ports import Services

REFRESHABLE = (JobState.COMPLETED, JobState.RUNNING)


def refresh_stale_rows(svc: Services, *, max_jobs: int = 1000) -> dict[str, int]:
    """Reset and enqueue stale rows of every job with a refresh policy.

    Returns:
        Rows re-enqueued per job id (jobs with nothing stale are left out).
    """
    refreshed: dict[str, int] = {}
    for job in svc.store.list_jobs(limit=max_jobs):
        if job.options.refresh_days and job.state in REFRESHABLE:
            count = refresh_job(svc, job)
            if count:
                refreshed[job.id] = count
    return refreshed


def refresh_job(svc: Services, job: Job) -> int:
    assert job.options.refresh_days
    cutoff = svc.clock() - timedelta(days=job.options.refresh_days)
    stale = [
        row.key
        for row in svc.store.iter_rows(job.id, states=(RowState.DONE, RowState.FAILED))
        if row.researched_at is None or row.researched_at < cutoff
    ]
    if not stale:
        return 0
    svc.store.reset_rows(job.id, stale, reset_attempts=True)
    svc.store.update_job(job.id, now=svc.clock(), state=JobState.RUNNING, finished_at=None)
    enqueue_keys(svc, job, stale, generation=new_generation(svc))
    return len(stale)
