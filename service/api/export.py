"""Export a job's rows as CSV, JSON or Excel: one line per row, one column per requested field.

The columns are ``Row``, ``Company``, ``Input website``, then Rowscout's
outputs exactly as in a results file (``service.files.output.ResultOutputs``:
``Rowscout status``, ``Researched at``, the fields, ``Sources``, ``Error``,
headed from the shared vocabulary). The bytes come from the file writers
(``service.files.writers``), so the export is the same polished file as the
CLI's: a CSV cell that looks like a formula (``= + - @``, tab, carriage
return) gets a leading ``'``; the Excel workbook has the styled, frozen,
filtered header, typed cells, safe hyperlinks and the Sources sheet, its
first sheet named after the job's tab. CSV and JSON are streamed line by line
from the store (no BOM: the HTTP header says UTF-8); Excel is built in memory
by openpyxl in write-only mode. JSON objects are keyed by column
(``row``, ``company``, ``input_website``, ``status``, each field...), values as text.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from service.domain import Job, Row
from service.domain.errors import InputError
from service.files.formats import FileFormat
from service.files.output import (
    DEFAULT_SHEET_TITLE,
    CellValue,
    Column,
    Kind,
    ResultOutputs,
    SourceLine,
    cell_text,
    sheet_title_of,
)
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


_IDENTITY = (
    Column("row", "Row", Kind.INTEGER),
    Column("company", "Company"),
    Column("input_website", "Input website", Kind.URL),
)


@dataclass(frozen=True)
class ExportColumns:
    """The export's columns (a ``TableColumns`` for the file writers); JSON objects hold the same text."""

    fields: tuple[str, ...]
    questions: tuple[str, ...] = ()
    sheet_title: str = DEFAULT_SHEET_TITLE

    @classmethod
    def of(cls, job: Job) -> ExportColumns:
        questions = tuple(question.text for question in job.options.questions)
        return cls(tuple(job.options.fields), questions, sheet_title_of(job.source))

    @property
    def results(self) -> ResultOutputs:
        return ResultOutputs(self.fields, self.questions)

    @property
    def layout(self) -> list[Column]:
        return [*_IDENTITY, *self.results.columns(taken={"row", "company", "input website"})]

    @property
    def headers(self) -> list[str]:
        return [column.header for column in self.layout]

    def values(self, row: Row) -> list[CellValue]:
        return [row.position, row.input.name, row.input.website, *self.results.values(row)]

    def cells(self, row: Row) -> list[str]:
        return [cell_text(value) for value in self.values(row)]

    def source_lines(self, row: Row) -> list[SourceLine]:
        return self.results.source_lines(row)

    def record(self, row: Row) -> dict[str, Any]:
        return {column.key: text for column, text in zip(self.layout, self.cells(row), strict=True)}


def export_csv(job: Job, rows: Iterable[Row]) -> Iterator[str]:
    return text_chunks(FileFormat.CSV, ExportColumns.of(job), rows)


def export_json(job: Job, rows: Iterable[Row]) -> Iterator[str]:
    return text_chunks(FileFormat.JSON, ExportColumns.of(job), rows)


def export_xlsx(job: Job, rows: Iterable[Row]) -> bytes:
    out = io.BytesIO()
    write_xlsx(out, ExportColumns.of(job), rows)
    return out.getvalue()
