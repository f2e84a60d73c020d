"""Progress and summaries of a job: counts, rate, ETA, error kinds, distributions, cost.

``job_progress`` is cheap enough to poll: a fixed number of store reads
whatever the job's size (the store's per-state counts and per-error-kind
counts; on Firestore, counter shards kept in the same commit as each row); ``summarize_job``
reads every finished row once, for the end-of-job report and summary tab.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from service.domain import Job, RowState
from service.domain.sources import SheetSource, source_to_dict
from service.jobs.control import get_job
from service.jobs.ports import Services


@dataclass
class JobProgress:
    job: Job
    counts: dict[RowState, int]
    error_kinds: dict[str, int]
    rate_per_minute: float
    eta_seconds: float | None

    @property
    def finished(self) -> int:
        return sum(self.counts[s] for s in (RowState.DONE, RowState.FAILED, RowState.SKIPPED))

    @property
    def remaining(self) -> int:
        return self.counts[RowState.PENDING] + self.counts[RowState.LEASED]

    def to_dict(self) -> dict[str, Any]:
        job = self.job
        return {
            "id": job.id,
            "name": job.name,
            "owner": job.owner,
            "state": job.state.value,
            "total": job.total_rows,
            "counts": {state.value: n for state, n in self.counts.items()},
            "remaining": self.remaining,
            "rate_per_minute": round(self.rate_per_minute, 2),
            "eta_seconds": None if self.eta_seconds is None else round(self.eta_seconds),
            "error_kinds": self.error_kinds,
            "created_at": _iso(job.created_at),
            "updated_at": _iso(job.updated_at),
            "finished_at": _iso(job.finished_at),
            "options": job.options.to_dict(),
            "spreadsheet_id": job.source.spreadsheet_id if isinstance(job.source, SheetSource) else None,
            "source": source_to_dict(job.source),
        }


@dataclass
class JobSummary:
    progress: JobProgress
    success_rate: float
    industries: dict[str, int] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)
    countries: dict[str, int] = field(default_factory=dict)
    cost_usd: float = 0.0
    pages_fetched: int = 0
    llm_tokens: int = 0
    search_queries: int = 0  # web searches (website of name-only rows, facts); their cost is in cost_usd

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.progress.to_dict(),
            "success_rate": round(self.success_rate, 4),
            "industries": self.industries,
            "sizes": self.sizes,
            "countries": self.countries,
            "cost_usd": round(self.cost_usd, 6),
            "pages_fetched": self.pages_fetched,
            "llm_tokens": self.llm_tokens,
            "search_queries": self.search_queries,
        }


def job_progress(svc: Services, job_id: str, *, owner: str | None = None) -> JobProgress:
    """Counts, rate and ETA of a job (cheap: no full scan)."""
    job = get_job(svc, job_id, owner=owner)
    counts = svc.store.count_rows(job_id)
    kinds = svc.store.count_error_kinds(job_id) if counts[RowState.FAILED] else {}
    researched = counts[RowState.DONE] + counts[RowState.FAILED]
    rate = _rate_per_minute(job, researched, svc.clock())
    remaining = counts[RowState.PENDING] + counts[RowState.LEASED]
    eta = (remaining / rate * 60.0) if rate > 0 and job.state.accepts_work else None
    return JobProgress(job, counts, kinds, rate, eta)


def summarize_job(svc: Services, job_id: str, *, owner: str | None = None) -> JobSummary:
    """The end-of-job report: success rate, error kinds, distributions, cost."""
    progress = job_progress(svc, job_id, owner=owner)
    industries: Counter[str] = Counter()
    sizes: Counter[str] = Counter()
    countries: Counter[str] = Counter()
    cost = 0.0
    pages = tokens = searches = 0
    for row in svc.store.iter_rows(job_id, states=(RowState.DONE, RowState.FAILED)):
        if row.usage:
            cost += row.usage.cost_usd
            pages += row.usage.pages_fetched
            tokens += row.usage.llm_input_tokens + row.usage.llm_output_tokens
            searches += row.usage.search_queries
        if row.state == RowState.DONE and row.result:
            industries[row.result.industry or "(unknown)"] += 1
            sizes[size_bucket(row.result.employees)] += 1
            countries[row.result.hq_country or "(unknown)"] += 1
    attempted = progress.counts[RowState.DONE] + progress.counts[RowState.FAILED]
    success = progress.counts[RowState.DONE] / attempted if attempted else 0.0
    return JobSummary(
        progress,
        success,
        dict(industries.most_common()),
        dict(sizes.most_common()),
        dict(countries.most_common()),
        cost,
        pages,
        tokens,
        searches,
    )


SIZE_BUCKETS = ((10, "1-10"), (50, "11-50"), (200, "51-200"), (1000, "201-1000"), (5000, "1001-5000"))


def size_bucket(employees: str) -> str:
    """Map "120", "51-200", "1,000+" to a standard size bucket."""
    digits = [int(part.replace(",", "")) for part in _numbers(employees)]
    if not digits:
        return "(unknown)"
    top = max(digits)
    for limit, label in SIZE_BUCKETS:
        if top <= limit:
            return label
    return "5000+"


def _numbers(text: str) -> list[str]:
    return re.findall(r"\d[\d,]*", text or "")


def _rate_per_minute(job: Job, researched: int, now: datetime) -> float:
    end = job.finished_at or now
    elapsed = (end - job.created_at).total_seconds()
    return researched / elapsed * 60.0 if elapsed > 0 and researched else 0.0


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
