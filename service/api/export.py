"""Export a job's rows as CSV, JSON or Excel: one line per row, one column per requested field.

Streams rows from the store (CSV and JSON never hold the whole job in memory;
Excel is built by openpyxl in write-only mode). Cells are plain text with
spreadsheet formulas neutralised (a leading ``= + - @`` gets a quote).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator

from service.domain import Job, Row
from service.errors import InputError

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def content_type(fmt: str) -> str:
    if fmt not in FORMATS:
        raise InputError(f"format must be one of {', '.join(FORMATS)}; got {fmt[:20]!r}")
    return FORMATS[fmt]


def headers(job: Job) -> list[str]:
    return ["row", "company", "input_website", "status", *job.options.fields]


def row_values(job: Job, row: Row) -> list[str]:
    fields = [row.result.cell_value(f) if row.result else "" for f in job.options.fields]
    return [str(row.position), row.input.name, row.input.website, row.status_text, *fields]


def safe_cell(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_START) else text


def export_csv(job: Job, rows: Iterable[Row]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for values in _lines(job, rows):
        writer.writerow([safe_cell(v) for v in values])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def export_json(job: Job, rows: Iterable[Row]) -> Iterator[str]:
    names = headers(job)
    yield "["
    for index, row in enumerate(rows):
        yield ("," if index else "") + json.dumps(dict(zip(names, row_values(job, row), strict=True)))
    yield "]"


def export_xlsx(job: Job, rows: Iterable[Row]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("results")
    for values in _lines(job, rows):
        sheet.append([safe_cell(v) for v in values])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _lines(job: Job, rows: Iterable[Row]) -> Iterator[list[str]]:
    yield headers(job)
    for row in rows:
        yield row_values(job, row)
