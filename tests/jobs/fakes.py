"""Fakes that record, for job-layer tests: a queue, a researcher, a clock, a sink; and a job source."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from service.domain import (
    CompanyInput,
    CompanyProfile,
    ErrorKind,
    FieldMethod,
    FieldSource,
    Job,
    ResearchOptions,
    ResearchOutcome,
    Row,
    Usage,
)
from service.domain.sources import FileSource
from service.jobs.ports import Services
from service.store.memory import MemoryJobStore
from tests.support.fakes import FakeQueue

SOURCE = FileSource("companies.csv")  # a file job's source, for tests that do not read the file


class FakeClock:
    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def profile_for(company: CompanyInput) -> CompanyProfile:
    site = company.website or f"https://{company.name.lower().replace(' ', '')}.example"
    return CompanyProfile(
        name=company.name,
        website=site,
        description=f"{company.name} makes things.",
        industry="Software",
        hq_country="France",
        employees="51-200",
        sources={
            "website": FieldSource(site, FieldMethod.URL),
            "description": FieldSource(site, FieldMethod.META),
            "industry": FieldSource(site, FieldMethod.CLASSIFIER),
            "hq_country": FieldSource(site + "/contact", FieldMethod.TEXT),
            "employees": FieldSource(site + "/about", FieldMethod.TEXT),
        },
    )


@dataclass
class ScriptedResearcher:
    """Answers per company name: a list of error kinds to fail with first, then success."""

    failures: dict[str, list[ErrorKind]] = field(default_factory=dict)
    calls: Counter[str] = field(default_factory=Counter)
    on_call: Callable[[CompanyInput], None] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def research(self, company: CompanyInput, options: ResearchOptions) -> ResearchOutcome:
        with self._lock:
            self.calls[company.name] += 1
            planned = self.failures.get(company.name, [])
            kind = planned.pop(0) if planned else None
        if self.on_call:
            self.on_call(company)
        usage = Usage(pages_fetched=3, cost_usd=0.001)
        if kind is not None:
            return ResearchOutcome(
                profile=CompanyProfile(name=company.name),
                usage=usage,
                error_kind=kind,
                error_message=f"{kind.value} while researching",
                retry_after=0.01 if kind.retryable else None,
            )
        return ResearchOutcome(profile=profile_for(company), usage=usage)


class RecordingSink:
    """A ``ResultSink`` that records each ``write`` batch and commit; ``missing`` keys come back from ``commit``."""

    def __init__(self, missing: Sequence[str] = ()) -> None:
        self.writes: list[list[Row]] = []
        self.commits = 0
        self.closed = False
        self.missing = list(missing)

    def write(self, job: Job, rows: Sequence[Row]) -> None:
        self.writes.append(list(rows))

    def commit(self) -> list[str]:
        self.commits += 1
        written = {row.key for batch in self.writes for row in batch}
        return [key for key in self.missing if key in written]

    def close(self) -> None:
        self.closed = True


def make_services(
    researcher: ScriptedResearcher | None = None, clock: FakeClock | None = None
) -> tuple[Services, FakeQueue, ScriptedResearcher, FakeClock]:
    queue = FakeQueue()
    research = researcher or ScriptedResearcher()
    fake_clock = clock or FakeClock()
    svc = Services(
        store=MemoryJobStore(), queue=queue, researcher=research, clock=fake_clock, worker_id="test-worker-1"
    )
    return svc, queue, research, fake_clock


def companies(*names: str) -> list[tuple[str, int, CompanyInput]]:
    return [
        (f"r{i:06d}", i, CompanyInput(name=name, website=f"https://{name.lower().replace(' ', '-')}.example"))
        for i, name in enumerate(names, start=1)
    ]
