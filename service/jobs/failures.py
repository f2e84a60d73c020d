"""The failed rows of a job, by name: row, company, kind, one-line hint (bounded lists for summaries).

The CLI summary shows the first ten, the add-on API's job status a bounded
list the sidebar shows; both say how many failed in all. Hints come from
the one table in ``service.domain.hints``.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import islice
from typing import Any

from service.domain import ErrorKind, Row, RowState
from service.domain.hints import hint_for
from service.domain.sources import SheetSource
from service.jobs.ports import Services


@dataclass(frozen=True)
class FailedRow:
    row: int  # the row's position in the input (1 = first row under the header; a sheet: its row number)
    key: str
    company: str  # the name, else the website
    kind: str
    hint: str
    message: str
    retryable: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "key": self.key,
            "company": self.company,
            "kind": self.kind,
            "hint": self.hint,
            "message": self.message,
            "retryable": self.retryable,
        }


@dataclass(frozen=True)
class FailedRows:
    rows: list[FailedRow]  # the first ``limit`` failed rows, in position order
    total: int  # every failed row of the job

    @property
    def more(self) -> int:
        return self.total - len(self.rows)

    def to_dict(self) -> dict[str, Any]:
        return {"rows": [row.to_dict() for row in self.rows], "total": self.total, "more": self.more}


def failed_row(row: Row, *, sheet: bool = False) -> FailedRow:
    """``sheet``: the row came from a Google Sheet, so ``row`` is its sheet row number."""
    kind = row.error_kind or ErrorKind.INTERNAL
    return FailedRow(
        row=_sheet_row(row) if sheet else row.position,
        key=row.key,
        company=row.input.name.strip() or row.input.website.strip(),
        kind=kind.value,
        hint=hint_for(kind),
        message=row.error_message,
        retryable=kind.retryable,
    )


def failed_rows(svc: Services, job_id: str, *, limit: int = 10) -> FailedRows:
    """The first ``limit`` failed rows of the job, and how many failed in all (from the per-state counts)."""
    job = svc.store.get_job(job_id)
    sheet = job is not None and isinstance(job.source, SheetSource)
    total = svc.store.count_rows(job_id)[RowState.FAILED]
    found = svc.store.iter_rows(job_id, states=(RowState.FAILED,), batch_size=max(1, min(limit, 500)))
    return FailedRows([failed_row(row, sheet=sheet) for row in islice(found, limit)] if limit > 0 else [], total)


def _sheet_row(row: Row) -> int:
    """The sheet row number a row was read from: its key ends in it (``<prefix>:<row>``, sheets/reader.py)."""
    tail = row.key.rpartition(":")[2]
    return int(tail) if tail.isdigit() else row.position
