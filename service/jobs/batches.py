"""Batches of the programmatic API: submit a list of companies, watch it, read its results, statistics.

A batch is an ordinary job whose source is an ``ApiSource``: its rows are
the companies of the request and their results stay in the store. Rows are
researched by the same row task as every other job (Cloud Tasks in the cloud,
``batch_worker`` on ``serve``), paused, resumed, cancelled and retried by
``control``. This module adds what only batches need: the per-owner limits,
the status shape of the batch API and its statistics over a time frame.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from service.domain import CompanyInput, Job, JobOptions, JobState, Row, RowState
from service.domain.errors import QuotaError
from service.domain.sources import ApiSource
from service.jobs.control import get_job
from service.jobs.estimate import Estimate, estimate_job
from service.jobs.ports import Services
from service.jobs.progress import job_progress, size_bucket
from service.jobs.submit import add_rows, create_job

MAX_COMPANIES = 10_000
DAY = timedelta(days=1)
TIMEFRAMES = {
    "1h": timedelta(hours=1),
    "6h": timedelta(hours=6),
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
}
STATS_MAX_JOBS = 1_000  # jobs looked at by one stats call
STATS_MAX_ROWS = 50_000  # rows looked at by one stats call (all jobs together)
_ACTIVE = (JobState.PLANNING, JobState.QUEUED, JobState.RUNNING)
_STATUS = {
    JobState.PLANNING: "queued",
    JobState.QUEUED: "queued",
    JobState.RUNNING: "processing",
    JobState.PAUSED: "paused",
    JobState.COMPLETED: "completed",
    JobState.FAILED: "failed",
    JobState.CANCELLED: "cancelled",
}


@dataclass(frozen=True)
class OwnerLimits:
    max_active_batches: int
    max_rows_per_day: int


def is_batch(job: Job) -> bool:
    return isinstance(job.source, ApiSource)


def batch_status(job: Job) -> str:
    """``queued|processing|paused|completed|failed|cancelled``."""
    return _STATUS[job.state]


def submit_batch(
    svc: Services,
    *,
    owner: str,
    name: str,
    companies: Sequence[CompanyInput],
    options: JobOptions,
    limits: OwnerLimits,
) -> tuple[Job, Estimate]:
    """Store a batch of companies and enqueue one research task per company.

    Args:
        owner: the caller (an API key's owner or a verified Google account).
        companies: 1 to ``MAX_COMPANIES`` companies, in the caller's order (row keys ``r1``, ``r2``...).
        options: fields, concurrency, timeout, priority, notices.
        limits: the owner's limits, checked before anything is stored.

    Raises:
        QuotaError: the owner has too many active batches or submitted too many rows in 24 hours.

    Two submits of one owner at the same moment could both pass the limits, so
    the batch is stored first without rows, claiming its size (``total_rows``),
    and the limits are checked again counting every other batch stored by
    then: of two racing submits the later check sees the other, so both are
    never let through past a limit (both may be refused; each caller retries).
    A refused batch is deleted before any row or task exists.
    """
    check_limits(svc, owner, len(companies), limits)
    extra = sorted({key for company in companies for key in company.extra})
    job = create_job(svc, owner=owner, name=name, source=ApiSource(headers=tuple(extra)), options=options)
    job = svc.store.update_job(job.id, now=job.created_at, total_rows=len(companies))  # the claim others see
    try:
        check_limits(svc, owner, len(companies), limits, ignore=job.id)
    except QuotaError:
        svc.store.delete_job(job.id)
        raise
    job = add_rows(svc, job, ((f"r{n}", n, company) for n, company in enumerate(companies, start=1)))
    researchable = svc.store.count_rows(job.id)
    skipped = researchable[RowState.SKIPPED]
    return job, estimate_job(len(companies) - skipped, options, skipped=skipped)


def check_limits(svc: Services, owner: str, rows: int, limits: OwnerLimits, *, ignore: str = "") -> None:
    """Raise ``QuotaError`` (with ``retry_after``) when one batch of ``rows`` more would pass one of the owner's
    limits; the batch ``ignore`` (the one being submitted, already stored) is that batch, not one of the others."""
    now = svc.clock()

    def counted(job: Job) -> bool:
        return is_batch(job) and job.id != ignore

    recent = [job for job in svc.store.jobs_since(now - DAY, owner=owner, limit=STATS_MAX_JOBS) if counted(job)]
    active = [job for job in svc.store.list_jobs(owner=owner, limit=STATS_MAX_JOBS) if counted(job)]
    if sum(job.state in _ACTIVE for job in active) >= limits.max_active_batches:
        raise QuotaError(
            f"you have {limits.max_active_batches} batches queued or processing; wait for one to end",
            retry_after=60.0,
        )
    today = sorted((job for job in recent if job.created_at >= now - DAY), key=lambda job: job.created_at)
    used = sum(job.total_rows for job in today)
    if used + rows > limits.max_rows_per_day:
        raise QuotaError(
            f"{used:,} of your {limits.max_rows_per_day:,} companies per 24 hours are used; this batch has {rows:,}",
            retry_after=_seconds_until_room(today, used + rows - limits.max_rows_per_day, now),
        )


def _seconds_until_room(jobs: list[Job], excess: int, now: datetime) -> float:
    """Seconds until enough of the oldest batches leave the 24-hour window (a day when it never will)."""
    freed = 0
    for job in jobs:
        freed += job.total_rows
        if freed >= excess:
            return max(1.0, (job.created_at + DAY - now).total_seconds())
    return DAY.total_seconds()


def batch_view(svc: Services, job_id: str, *, owner: str) -> dict[str, Any]:
    """The batch API's status of one batch (404 for another owner's or a non-batch job)."""
    progress = job_progress(svc, job_id, owner=owner)
    job = progress.job
    if not is_batch(job):
        raise_not_found(job_id)
    counts = progress.counts
    done, failed, skipped = counts[RowState.DONE], counts[RowState.FAILED], counts[RowState.SKIPPED]
    total = job.total_rows
    finished = done + failed + skipped
    now = svc.clock()
    eta = now + timedelta(seconds=progress.eta_seconds) if progress.eta_seconds is not None else None
    return {
        "id": job.id,
        "name": job.name,
        "status": batch_status(job),
        "progress": {
            "total": total,
            "completed": done,
            "failed": failed,
            "skipped": skipped,
            "remaining": progress.remaining,
            "percentage": round(100.0 * finished / total, 1) if total else 100.0,
        },
        "processing_time_seconds": round(((job.finished_at or now) - job.created_at).total_seconds(), 3),
        "created_at": _iso(job.created_at),
        "started_at": _iso(job.created_at),
        "estimated_completion": _iso(job.finished_at or eta),
        "last_update": _iso(job.updated_at),
        "finished_at": _iso(job.finished_at),
        "error_kinds": progress.error_kinds,
        "options": batch_options(job.options),
    }


def batch_options(options: JobOptions) -> dict[str, Any]:
    return {
        "fields": list(options.fields),
        "priority": options.priority.value,
        "max_concurrent": options.concurrency,
        "timeout_seconds": options.timeout,
        "include_failed_results": options.include_failed_results,
        "export_format": options.export_format or None,
        "webhook_url": options.webhook_url or None,
        "notification_email": options.notification_email or None,
    }


def batch_brief(job: Job) -> dict[str, Any]:
    return {
        "id": job.id,
        "name": job.name,
        "status": batch_status(job),
        "total": job.total_rows,
        "created_at": _iso(job.created_at),
        "last_update": _iso(job.updated_at),
        "finished_at": _iso(job.finished_at),
    }


def list_batches(svc: Services, *, owner: str, limit: int = 100) -> list[Job]:
    """The owner's batches, newest first."""
    return [job for job in svc.store.list_jobs(owner=owner, limit=STATS_MAX_JOBS) if is_batch(job)][:limit]


def get_batch(svc: Services, job_id: str, *, owner: str) -> Job:
    job = get_job(svc, job_id, owner=owner)
    if not is_batch(job):
        raise_not_found(job_id)
    return job


def raise_not_found(job_id: str) -> None:
    from service.domain.errors import JobNotFound

    raise JobNotFound(f"no batch {job_id!r}")


def result_rows(
    svc: Services, job: Job, *, include_failed: bool, cursor: int, limit: int
) -> tuple[list[Row], int | None]:
    """Up to ``limit`` rows after position ``cursor`` (finished ones; failed and skipped ones when asked).

    Returns:
        The rows and the cursor of the next page (None at the end).
    """
    states = (RowState.DONE, RowState.FAILED, RowState.SKIPPED) if include_failed else (RowState.DONE,)
    page: list[Row] = []
    for row in _after(svc.store.iter_rows(job.id, states=states), cursor):
        if len(page) == limit:
            return page, page[-1].position
        page.append(row)
    return page, None


def _after(rows: Iterable[Row], cursor: int) -> Iterator[Row]:
    return (row for row in rows if row.position > cursor)


def results_summary(svc: Services, job: Job) -> dict[str, Any]:
    """Done rows by industry, size and country; failed rows by error kind."""
    industries: Counter[str] = Counter()
    sizes: Counter[str] = Counter()
    countries: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    for row in svc.store.iter_rows(job.id, states=(RowState.DONE, RowState.FAILED)):
        if row.state == RowState.FAILED:
            errors[row.error_kind.value if row.error_kind else "unknown"] += 1
        elif row.result is not None:
            industries[row.result.industry or "(unknown)"] += 1
            sizes[size_bucket(row.result.employees)] += 1
            countries[row.result.hq_country or "(unknown)"] += 1
    return {
        "by_industry": dict(industries.most_common()),
        "by_size": dict(sizes.most_common()),
        "by_country": dict(countries.most_common()),
        "by_error_kind": dict(errors.most_common()),
    }


def batch_stats(svc: Services, *, owner: str, timeframe: str) -> dict[str, Any]:
    """The owner's jobs over the last ``timeframe`` (``1h|6h|24h|7d|30d``): ``GET /api/v1/stats``.

    Every job of the owner counts, whatever started it (API batches, the
    add-on's sheet jobs; a batch is a job), each as a "batch" by the batch
    API's status names. Reads at most ``STATS_MAX_JOBS`` jobs and ``STATS_MAX_ROWS`` rows
    (``sampled`` says when a bound was reached). Times per company are the
    research calls' wall times (``Usage.seconds``).
    """
    now = svc.clock()
    since = now - TIMEFRAMES[timeframe]
    jobs = _jobs_in(svc, owner, since)
    rows, sampled = _recent_rows(svc, jobs, since)
    done = [row for row in rows if row.state == RowState.DONE]
    kinds = Counter(
        row.error_kind.value if row.error_kind else "unknown" for row in rows if row.state == RowState.FAILED
    )
    failed = sum(kinds.values())
    seconds = sorted(row.usage.seconds for row in rows if row.usage is not None and row.usage.seconds > 0)
    return {
        "timeframe": timeframe,
        "since": _iso(since),
        "batches": {"total": len(jobs), "by_status": dict(Counter(batch_status(job) for job in jobs))},
        "companies_processed": len(rows),
        "succeeded": len(done),
        "failed": failed,
        "success_rate": round(len(done) / len(rows), 4) if rows else None,
        "processing_seconds_per_company": {
            "average": round(sum(seconds) / len(seconds), 3) if seconds else None,
            "p95": round(_percentile(seconds, 0.95), 3) if seconds else None,
        },
        "top_error_kinds": [
            {"kind": kind, "count": n, "share": round(n / failed, 4)} for kind, n in kinds.most_common(10)
        ],
        "queue_depth": _queue_depth(svc, jobs),
        "sampled": sampled or len(jobs) >= STATS_MAX_JOBS,
    }


def _jobs_in(svc: Services, owner: str, since: datetime) -> list[Job]:
    """Jobs updated since ``since``, plus active ones (a running job changes only on state changes)."""
    recent = svc.store.jobs_since(since, owner=owner, limit=STATS_MAX_JOBS)
    seen = {job.id for job in recent}
    active = [job for job in svc.store.list_jobs(owner=owner, limit=STATS_MAX_JOBS) if job.state in _ACTIVE]
    return [*recent, *(job for job in active if job.id not in seen)][:STATS_MAX_JOBS]


def _recent_rows(svc: Services, jobs: list[Job], since: datetime) -> tuple[list[Row], bool]:
    rows: list[Row] = []
    for job in jobs:
        room = STATS_MAX_ROWS - len(rows)
        if room <= 0:
            return rows, True
        rows.extend(svc.store.rows_researched_since(job.id, since, limit=room))
    return rows, len(rows) >= STATS_MAX_ROWS


def _queue_depth(svc: Services, jobs: list[Job]) -> int:
    """Companies waiting or being researched in the owner's active and paused batches."""
    depth = 0
    for job in jobs:
        if job.state in (*_ACTIVE, JobState.PAUSED):
            counts = svc.store.count_rows(job.id)
            depth += counts[RowState.PENDING] + counts[RowState.LEASED]
    return depth


def _percentile(ordered: list[float], share: float) -> float:
    """Nearest-rank percentile of sorted values."""
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
