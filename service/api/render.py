"""JSON shapes the add-on reads: a job brief, a row, a page of rows, the caller's stats."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from service.domain import Job, Row
from service.domain.sources import SheetSource


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def job_brief(job: Job) -> dict[str, Any]:
    """A job in a list (no per-state counts: listing must stay cheap)."""
    sheet = _sheet(job)
    return {
        "id": job.id,
        "name": job.name,
        "state": job.state.value,
        "total": job.total_rows,
        "spreadsheet_id": sheet.spreadsheet_id if sheet else None,
        "sheet_name": sheet.sheet_name if sheet else None,
        "created_at": iso(job.created_at),
        "updated_at": iso(job.updated_at),
        "finished_at": iso(job.finished_at),
    }


def with_sheet(job_dict: dict[str, Any], job: Job) -> dict[str, Any]:
    """The add-on's JOB object: progress plus the spreadsheet it belongs to."""
    sheet = _sheet(job)
    extra = {"spreadsheet_id": sheet.spreadsheet_id if sheet else None, "error": sheet.error or None if sheet else None}
    return {**job_dict, **extra}


def _sheet(job: Job) -> SheetSource | None:
    return job.source if isinstance(job.source, SheetSource) else None


def row_dict(row: Row) -> dict[str, Any]:
    return {
        "key": row.key,
        "position": row.position,
        "name": row.input.name,
        "website": row.input.website,
        "state": row.state.value,
        "status": row.status_text,
        "attempts": row.attempts,
        "error_kind": row.error_kind.value if row.error_kind else None,
        "error_message": row.error_message,
        "researched_at": iso(row.researched_at),
        "result": row.result.to_dict() if row.result else None,
    }


def rows_page(rows: Iterable[Row], *, cursor: int, limit: int) -> dict[str, Any]:
    """Rows after position ``cursor``, at most ``limit``; ``next_cursor`` is None at the end."""
    page: list[dict[str, Any]] = []
    for row in _after(rows, cursor):
        if len(page) == limit:
            return {"rows": page, "next_cursor": page[-1]["position"]}
        page.append(row_dict(row))
    return {"rows": page, "next_cursor": None}


def _after(rows: Iterable[Row], cursor: int) -> Iterator[Row]:
    return (row for row in rows if row.position > cursor)
