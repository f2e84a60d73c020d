"""Export a job's rows as CSV, JSON or Excel: one line per row, one column per requested field.

The columns are ``row, company, input_website, status`` then the requested
fields. The bytes come from the file writers (``service.files.writers``), so
the API export has the same guards as a file: a CSV cell that looks like a
formula (``= + - @``, tab, carriage return) gets a leading ``'``, an Excel
cell is always a string cell with XML-illegal characters removed. CSV and
JSON are streamed line by line from the store (no BOM: the HTTP header says
UTF-8); Excel is built in memory by openpyxl in write-only mode.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from service.domain import Job, Row
from service.domain.errors import InputError
from service.files.formats import FileFormat
from service.files.writers import text_chunks, write_xlsx

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def content_type(fmt: str) -> str:
    if fmt not in FORMATS:
        raise InputError(f"format must be one of {', '.join(FORMATS)}; got {fmt[:20]!r}")
    return FORMATS[fmt]


@dataclass(frozen=True)
class ExportColumns:
    """The export's columns (a ``TableColumns`` for the file writers); JSON objects hold the same text."""

    fields: tuple[str, ...]

    @property
    def headers(self) -> list[str]:
        return ["row", "company", "input_website", "status", *self.fields]

    def cells(self, row: Row) -> list[str]:
        values = [row.result.cell_value(f) if row.result else "" for f in self.fields]
        return [str(row.position), row.input.name, row.input.website, row.status_text, *values]

    def record(self, row: Row) -> dict[str, Any]:
        return dict(zip(self.headers, self.cells(row), strict=True))


def export_csv(job: Job, rows: Iterable[Row]) -> Iterator[str]:
    return text_chunks(FileFormat.CSV, ExportColumns(tuple(job.options.fields)), rows)


def export_json(job: Job, rows: Iterable[Row]) -> Iterator[str]:
    return text_chunks(FileFormat.JSON, ExportColumns(tuple(job.options.fields)), rows)


def export_xlsx(job: Job, rows: Iterable[Row]) -> bytes:
    out = io.BytesIO()
    write_xlsx(out, ExportColumns(tuple(job.options.fields)), rows)
    return out.getvalue()
