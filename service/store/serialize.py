"""What the three ``JobStore`` adapters share: records and the pure row/job rules.

Records are plain dicts (datetimes stay ``datetime``; nested values are maps
and lists that both JSON and Firestore accept — e.g. a row's extra cells are a
list of ``{"key", "value"}`` maps because Firestore refuses empty map keys).

The transitions (``lease_transition``, ``finish_transition``, ...) decide what
a lease, a finish, a reset or a skip does to a row without any I/O, so the
memory, SQLite and Firestore adapters only read, call one of these inside
their transaction, and write the row they get back.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from service.domain import (
    CompanyInput,
    CompanyProfile,
    ErrorKind,
    Job,
    JobOptions,
    JobState,
    Lease,
    LeaseStatus,
    Row,
    RowOutcome,
    RowState,
    Usage,
    WrittenCells,
)
from service.domain.errors import JobError, JobStateError
from service.domain.sources import source_from_dict, source_to_dict

FINISH_STATES = frozenset({RowState.DONE, RowState.FAILED, RowState.PENDING})
UPDATABLE_JOB_FIELDS = frozenset(
    {"owner", "name", "source", "options", "state", "total_rows", "finished_at", "expire_at"}
)


def as_utc(value: datetime | None) -> datetime | None:
    """A plain aware ``datetime`` in UTC (Firestore returns a subclass; naive means UTC)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(UTC)
    return datetime(
        value.year, value.month, value.day, value.hour, value.minute, value.second,
        value.microsecond, tzinfo=UTC,
    )  # fmt: skip


def _required_utc(value: datetime) -> datetime:
    converted = as_utc(value)
    assert converted is not None
    return converted


# --- jobs -----------------------------------------------------------------


def job_to_record(job: Job) -> dict[str, Any]:
    return {
        "id": job.id,
        "owner": job.owner,
        "name": job.name,
        "source": source_to_dict(job.source),
        "options": job.options.to_dict(),
        "state": job.state.value,
        "created_at": as_utc(job.created_at),
        "updated_at": as_utc(job.updated_at),
        "total_rows": job.total_rows,
        "finished_at": as_utc(job.finished_at),
        "expire_at": as_utc(job.expire_at),
    }


def job_from_record(data: Mapping[str, Any]) -> Job:
    return Job(
        id=data["id"],
        owner=data["owner"],
        name=data["name"],
        source=source_from_dict(dict(data.get("source") or {})),
        options=JobOptions.from_dict(data.get("options") or {}),
        state=JobState(data["state"]),
        created_at=_required_utc(data["created_at"]),
        updated_at=_required_utc(data["updated_at"]),
        total_rows=int(data.get("total_rows") or 0),
        finished_at=as_utc(data.get("finished_at")),
        expire_at=as_utc(data.get("expire_at")),
    )


def job_with_changes(job: Job, changes: Mapping[str, Any], *, now: datetime) -> Job:
    """``job`` with ``changes`` applied and ``updated_at`` moved; unknown fields raise JobError."""
    unknown = set(changes) - UPDATABLE_JOB_FIELDS
    if unknown:
        raise JobError(f"cannot update job field(s): {', '.join(sorted(unknown))}")
    updated = dataclasses.replace(job, **changes, updated_at=now)
    updated.state = JobState(updated.state)
    return updated


def job_state_transition(job: Job, state: JobState, *, now: datetime, only_from: Sequence[JobState]) -> Job | None:
    """The job in its new state, or None when ``only_from`` forbids the change."""
    if only_from and job.state not in only_from:
        return None
    finished_at = job.finished_at
    if state.is_final and finished_at is None:
        finished_at = now
    return dataclasses.replace(job, state=state, updated_at=now, finished_at=finished_at)


# --- rows -----------------------------------------------------------------


def input_to_record(company: CompanyInput) -> dict[str, Any]:
    extra = [{"key": key, "value": value} for key, value in company.extra.items()]
    return {"name": company.name, "website": company.website, "extra": extra}


def input_from_record(data: Mapping[str, Any]) -> CompanyInput:
    extra = {item["key"]: item["value"] for item in data.get("extra") or []}
    return CompanyInput(name=data.get("name", ""), website=data.get("website", ""), extra=extra)


def row_to_record(row: Row) -> dict[str, Any]:
    return {
        "job_id": row.job_id,
        "key": row.key,
        "position": row.position,
        "input": input_to_record(row.input),
        "state": row.state.value,
        "attempts": row.attempts,
        "lease_owner": row.lease_owner,
        "lease_expires_at": as_utc(row.lease_expires_at),
        "error_kind": row.error_kind.value if row.error_kind else None,
        "error_message": row.error_message,
        "result": row.result.to_dict() if row.result is not None else None,
        "usage": row.usage.to_dict() if row.usage is not None else None,
        "researched_at": as_utc(row.researched_at),
        "flushed": row.flushed,
        "written": dict(row.written),
        "kept": list(row.kept),
    }


def row_from_record(data: Mapping[str, Any]) -> Row:
    result = data.get("result")
    usage = data.get("usage")
    error_kind = data.get("error_kind")
    return Row(
        job_id=data["job_id"],
        key=data["key"],
        position=int(data["position"]),
        input=input_from_record(data.get("input") or {}),
        state=RowState(data["state"]),
        attempts=int(data.get("attempts") or 0),
        lease_owner=data.get("lease_owner"),
        lease_expires_at=as_utc(data.get("lease_expires_at")),
        error_kind=ErrorKind(error_kind) if error_kind else None,
        error_message=data.get("error_message") or "",
        result=CompanyProfile.from_dict(result) if result is not None else None,
        usage=Usage.from_dict(usage) if usage is not None else None,
        researched_at=as_utc(data.get("researched_at")),
        flushed=bool(data.get("flushed")),
        written={str(k): str(v) for k, v in (data.get("written") or {}).items()},
        kept=tuple(data.get("kept") or ()),
    )


def new_row(job_id: str, row: Row) -> Row:
    """The row as first stored: belongs to ``job_id``, no lease (keys must be non-empty)."""
    if not row.key:
        raise JobError("a row needs a non-empty key")
    return dataclasses.replace(row, job_id=job_id, lease_owner=None, lease_expires_at=None)


def lease_transition(
    row: Row | None, *, owner: str, now: datetime, lease_seconds: float, max_attempts: int
) -> tuple[Lease, Row | None]:
    """What leasing ``row`` answers, and the row to write (None: write nothing).

    A live lease held by anyone (even ``owner``) is BUSY; an expired one is
    taken over. Leasing when ``attempts`` already reached ``max_attempts``
    marks the row FAILED (keeping the last error, if any) and answers EXHAUSTED.
    """
    if row is None:
        return Lease(LeaseStatus.MISSING), None
    if row.state.is_final:
        return Lease(LeaseStatus.ALREADY_FINAL, row), None
    if row.state == RowState.LEASED and row.lease_expires_at is not None and row.lease_expires_at > now:
        return Lease(LeaseStatus.BUSY, row), None
    if row.attempts >= max_attempts:
        failed = _exhausted(row)
        return Lease(LeaseStatus.EXHAUSTED, failed), failed
    leased = dataclasses.replace(
        row,
        state=RowState.LEASED,
        attempts=row.attempts + 1,
        lease_owner=owner,
        lease_expires_at=now + timedelta(seconds=lease_seconds),
    )
    return Lease(LeaseStatus.LEASED, leased), leased


def _exhausted(row: Row) -> Row:
    message = row.error_message or f"gave up after {row.attempts} attempt(s)"
    return dataclasses.replace(
        row,
        state=RowState.FAILED,
        lease_owner=None,
        lease_expires_at=None,
        error_kind=row.error_kind or ErrorKind.INTERNAL,
        error_message=message,
        flushed=False,
    )


def finish_transition(row: Row | None, *, owner: str, outcome: RowOutcome, now: datetime) -> Row | None:
    """The finished row, or None when ``owner`` does not hold its lease.

    The lease holder may finish even after its lease expired, as long as no
    one took the row over. DONE/FAILED stamp ``researched_at``; PENDING (retry
    later) keeps ``attempts``. ``usage`` replaces the stored one when given.
    """
    if outcome.state not in FINISH_STATES:
        raise JobStateError(f"a row cannot finish as {outcome.state.value}")
    if row is None or row.state != RowState.LEASED or row.lease_owner != owner:
        return None
    return dataclasses.replace(
        row,
        state=outcome.state,
        lease_owner=None,
        lease_expires_at=None,
        error_kind=outcome.error_kind,
        error_message=outcome.error_message,
        result=outcome.result if outcome.result is not None else row.result,
        usage=outcome.usage if outcome.usage is not None else row.usage,
        researched_at=now if outcome.state != RowState.PENDING else row.researched_at,
        flushed=False,
    )


def reset_transition(row: Row, *, reset_attempts: bool) -> Row:
    """The row back to PENDING, whatever its state; a lease is dropped (its holder can no longer finish).

    The result and ``researched_at`` stay until a new outcome replaces them.
    """
    return dataclasses.replace(
        row,
        state=RowState.PENDING,
        attempts=0 if reset_attempts else row.attempts,
        lease_owner=None,
        lease_expires_at=None,
        error_kind=None,
        error_message="",
        flushed=False,
    )


def flushed_transition(row: Row, written: WrittenCells | None = None) -> Row:
    """The row marked flushed; with ``written``, also what its sheet cells now hold by Rowscout's hand."""
    if written is None:
        return dataclasses.replace(row, flushed=True)
    values = {**row.written, **written.values}
    return dataclasses.replace(row, flushed=True, written=values, kept=written.kept)


def skip_transition(row: Row, *, reason: str) -> Row:
    return dataclasses.replace(
        row,
        state=RowState.SKIPPED,
        lease_owner=None,
        lease_expires_at=None,
        error_kind=None,
        error_message=reason,
        flushed=False,
    )


def empty_counts() -> dict[RowState, int]:
    return {state: 0 for state in RowState}


def error_kind_counts(kinds: Iterable[ErrorKind | str | None]) -> dict[str, int]:
    """Failed rows per error kind value, most first (a row without a kind counts as ``internal``)."""
    counted = Counter(ErrorKind(kind).value if kind else ErrorKind.INTERNAL.value for kind in kinds)
    return dict(counted.most_common())
