"""Refresh: re-research rows whose result is older than their job's refresh policy.

Cloud Scheduler calls ``POST /cron/refresh`` (OIDC); the CLI can run the same
function. Only jobs with ``options.refresh_days`` set take part, and only
finished (completed) or running jobs: paused and cancelled jobs are left alone.

The same cron sweeps sheet jobs about to expire (``EXPIRY_SWEEP`` before
``expire_at``): their tags are removed from the sheet now, because
Firestore's TTL deletes the job's documents silently and nothing would
remove them afterwards.
"""

from __future__ import annotations

from datetime import timedelta

from service.domain import Job, JobState, RowState
from service.domain.sources import SheetSource
from service.jobs.control import clean_up_sheet
from service.jobs.enqueue import enqueue_keys, new_generation
from service.jobs.ports import Services

REFRESHABLE = (JobState.COMPLETED, JobState.RUNNING)
EXPIRY_SWEEP = timedelta(days=1)


def refresh_stale_rows(svc: Services, *, max_jobs: int = 1000) -> dict[str, int]:
    """Reset and enqueue stale rows of every job with a refresh policy.

    Returns:
        Rows re-enqueued per job id (jobs with nothing stale are left out).
    """
    refreshed: dict[str, int] = {}
    for job in svc.store.list_jobs(limit=max_jobs):
        if _expiring(svc, job):
            clean_up_sheet(svc, job.id)
            continue
        if job.options.refresh_days and job.state in REFRESHABLE:
            count = refresh_job(svc, job)
            if count:
                refreshed[job.id] = count
    return refreshed


def _expiring(svc: Services, job: Job) -> bool:
    """A sheet job that still has tags in its sheet and will be deleted by the TTL within ``EXPIRY_SWEEP``."""
    source = job.source
    if not isinstance(source, SheetSource) or source.layout is None or source.cleaned or job.expire_at is None:
        return False
    return job.expire_at - svc.clock() <= EXPIRY_SWEEP


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
