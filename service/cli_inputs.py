"""Inputs and outputs of CLI jobs: a file (CSV/Excel/JSON) or a sheet, and the results file.

``open_input`` reads the input once for detection (headers, name/website
columns, warnings); ``rows()`` then streams the selected rows for submit.
Everything a later ``resume`` or ``export`` needs is kept in ``job.source``.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from service.config import Settings
from service.domain import PROFILE_FIELDS, CompanyInput, Job, Row
from service.errors import InputError
from service.files.companies import validate_company
from service.files.formats import output_format
from service.files.readers import read_table
from service.files.selection import parse_filter, parse_rows_spec, select
from service.files.writers import FileResultSink, export_rows
from service.jobs.submit import RowInput
from service.tables import ColumnMap, InputRecord, InputTable

if TYPE_CHECKING:
    from service.cli_sheets import SheetInput


def resolve_fields(spec: str | None) -> tuple[str, ...]:
    """``--fields description,industry`` → validated field names (all when empty)."""
    if not spec:
        return PROFILE_FIELDS
    names = tuple(dict.fromkeys(part.strip().lower() for part in spec.split(",") if part.strip()))
    unknown = [name for name in names if name not in PROFILE_FIELDS]
    if unknown:
        raise InputError(f"unknown field(s): {', '.join(unknown)}; choose from {', '.join(PROFILE_FIELDS)}")
    return names


def output_path_for(input_path: str, output: str | None, fmt: str | None) -> str:
    """The results file: ``-o`` as given, or ``<input>.results.<format>`` beside the input."""
    if output:
        return str(Path(output).resolve())
    suffix = fmt or "csv"
    stem = Path(input_path.replace("sheet:", "sheet-").replace("/", "_")).name.rsplit(".", 1)[0]
    return str(Path(f"{stem}.results.{suffix}").resolve())


class DescribedTable:
    """What dry runs and estimates show of an input; subclasses hold ``table`` and list their rows."""

    table: InputTable

    @property
    def headers(self) -> list[str]:
        return self.table.headers

    @property
    def column_reasons(self) -> tuple[str, ...]:
        return self.table.columns.reasons

    def column_names(self) -> tuple[str | None, str | None]:
        return self.table.columns.name, self.table.columns.website

    def selected_rows(self) -> Iterator[RowInput]:
        raise NotImplementedError

    @staticmethod
    def validate(company: CompanyInput) -> str | None:
        return validate_company(company)

    def preview(self, limit: int) -> list[tuple[int, str, str, str | None]]:
        rows = islice(self.selected_rows(), limit)
        return [(position, c.name, c.website, self.validate(c)) for _, position, c in rows]

    def count_researchable(self) -> tuple[int, int]:
        """(rows to research, rows that will be skipped)."""
        reasons = [self.validate(company) for _, _, company in self.selected_rows()]
        return sum(r is None for r in reasons), sum(r is not None for r in reasons)


@dataclass
class FileInput(DescribedTable):
    """A CSV/Excel/JSON input with the user's column overrides and row selection."""

    path: Path
    args: argparse.Namespace
    table: InputTable
    label: str = ""
    warnings: list[str] = field(default_factory=list)

    @classmethod
    def open(cls, args: argparse.Namespace) -> FileInput:
        path = Path(args.input)
        table = _read(path, args)
        return cls(path=path, args=args, table=table, label=path.name, warnings=list(table.warnings))

    # --- submit ---
    def selected_rows(self) -> Iterator[RowInput]:
        return self.rows()

    def rows(self) -> Iterator[RowInput]:
        """The selected rows, read afresh from the file each call (streamed)."""
        columns = self.table.columns
        table = _read(self.path, self.args, name_column=columns.name, website_column=columns.website)
        for record in _selected(table.records, self.args):
            yield record.key, record.position, record.company(columns)

    def close(self) -> None:
        """Nothing to release: rows are read afresh from the file on each pass."""

    def prepare(self, job_id: str, output: str | None) -> dict[str, Any]:
        """What ``job.source`` keeps about a file job (a file needs no preparing)."""
        return self.job_source(output or "")

    def job_source(self, output: str) -> dict[str, Any]:
        columns: ColumnMap = self.table.columns
        return {
            "kind": "file",
            "path": str(self.path.resolve()),
            "output": output,
            "format": str(output_format(Path(output), self.args.format if "format" in self.args else None)),
            "headers": list(self.table.headers),
            "columns": {"name": columns.name, "website": columns.website},
        }

    # --- output ---
    @staticmethod
    def output_writer(job: Job) -> FileResultSink | None:
        source = job.source
        if not source.get("output"):
            return None
        return FileResultSink(
            source["output"],
            format=source.get("format"),
            input_headers=source.get("headers", []),
            columns=_columns(source),
            fields=job.options.fields,
        )

    @staticmethod
    def export(job: Job, rows: Iterable[Row], path: str, fmt: str | None) -> int:
        source = job.source
        return export_rows(
            rows,
            path,
            format=fmt,
            input_headers=source.get("headers", []),
            columns=_columns(source),
            fields=job.options.fields,
        )


def _columns(source: dict[str, Any]) -> ColumnMap:
    columns = source.get("columns") or {}
    return ColumnMap(name=columns.get("name"), website=columns.get("website"))


def _read(
    path: Path, args: argparse.Namespace, *, name_column: str | None = None, website_column: str | None = None
) -> InputTable:
    """Read the input; the second read (for rows) reuses the first read's columns."""
    return read_table(
        path,
        sheet=getattr(args, "sheet", None),
        name_column=name_column or args.name_column,
        website_column=website_column or args.website_column,
    )


def _selected(records: Iterable[InputRecord], args: argparse.Namespace) -> Iterator[InputRecord]:
    rows = parse_rows_spec(args.rows) if args.rows else None
    filters = [parse_filter(text) for text in args.filter]
    return iter(select(records, rows=rows, filters=filters))


def is_sheet(spec: str) -> bool:
    return spec.startswith("sheet:")


def open_input(args: argparse.Namespace, settings: Settings) -> FileInput | SheetInput:
    """The input named on the command line: a file, or ``sheet:ID[/range]`` (needs Sheets credentials)."""
    if is_sheet(args.input):
        from service.cli_sheets import SheetInput

        return SheetInput.open(args, settings)
    return FileInput.open(args)
