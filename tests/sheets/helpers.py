"""Rows and jobs for the sink tests, built the way the job engine will build them."""

from __future__ import annotations

from datetime import UTC, datetime

from service.domain import (
    CompanyInput,
    CompanyProfile,
    ErrorKind,
    FieldMethod,
    FieldSource,
    Job,
    JobOptions,
    JobState,
    Row,
    RowState,
)
from service.domain.sources import SheetSource

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def job(job_id: str = "job1") -> Job:
    source = SheetSource("s", sheet_name="Sheet1")
    return Job(job_id, "owner", "test", source, JobOptions(), JobState.RUNNING, NOW, NOW)


def website_of(name: str) -> str:
    """The website the test sheets list for a company (``companies(n)`` and the hand-made sheets)."""
    return f"https://{name.lower().replace(' ', '')}.example"


def company(name: str) -> CompanyInput:
    return CompanyInput(name, website_of(name))


def done_row(key: str, name: str, *, description: str = "", position: int = 1) -> Row:
    url = f"https://{name.lower().replace(' ', '')}.example/about"
    profile = CompanyProfile(
        name=name,
        industry=f"Industry of {name}",
        description=description or f"{name} makes things.",
        sources={"industry": FieldSource(url, FieldMethod.JSON_LD), "description": FieldSource(url, FieldMethod.META)},
    )
    return Row("job1", key, position, company(name), state=RowState.DONE, result=profile, researched_at=NOW)


def failed_row(key: str, name: str) -> Row:
    return Row(
        "job1",
        key,
        1,
        company(name),
        state=RowState.FAILED,
        error_kind=ErrorKind.TIMEOUT,
        error_message="site took longer than 60 s",
    )


def leased_row(key: str, name: str) -> Row:
    return Row("job1", key, 1, company(name), state=RowState.LEASED)


def pending_row(key: str, name: str) -> Row:
    """A row waiting for research: its status cell says ``queued``."""
    return Row("job1", key, 1, company(name))
