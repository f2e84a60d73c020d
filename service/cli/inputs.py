"""A command's input as plain values, and what the CLI shows and submits of it.

``InputSpec`` is what the user named: a file (CSV/Excel/JSON) or a sheet
(``sheet:ID[/Sheet1!A1:D200]``), column overrides and a row pick. ``open_input``
reads it once for detection (headers, name/website columns, warnings) through
the file readers or the ``SheetGateway``; ``submit`` then stores the job with
a typed source (``FileSource`` / ``SheetSource``), so ``resume`` and ``export``
need nothing but the job.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from service.domain import PROFILE_FIELDS, Job, JobOptions
from service.domain.companies import ScreenCount, count_researchable, screen_rows, validate_company
from service.domain.errors import InputError
from service.domain.sources import FileSource, SheetSource
from service.domain.tables import InputRecord, InputTable
from service.files.formats import output_format
from service.files.readers import read_table
from service.files.selection import RowPick, check_filters
from service.jobs.plan import read_sheet_selection, submit_sheet_job
from service.jobs.ports import Services
from service.jobs.submit import submit_job

SHEET_PREFIX = "sheet:"


@dataclass(frozen=True)
class InputSpec:
    """The input a command names, and how to read it."""

    input: str  # a file path, or sheet:SPREADSHEET_ID[/Sheet1!A1:D200]
    sheet: str | None = None  # Excel worksheet (default: the first)
    name_column: str | None = None  # header, letter or 1-based index
    website_column: str | None = None
    rows: str | None = None  # e.g. "2-40,57" (1 = first row under the header)
    filters: tuple[str, ...] = ()  # "COLUMN=VALUE" / "COLUMN!=VALUE"
    column_map: tuple[str, ...] = ()  # "FIELD=COLUMN": a field written into the user's own sheet column

    @property
    def is_sheet(self) -> bool:
        return self.input.startswith(SHEET_PREFIX)

    def mapping(self) -> dict[str, str]:
        """``--map industry=D`` → {"industry": "D"}; raises InputError for a file input or a bad entry."""
        if self.column_map and not self.is_sheet:
            raise InputError("--map works with sheet inputs only (a results file gets its own columns)")
        mapping: dict[str, str] = {}
        for entry in self.column_map:
            field, sep, column = (part.strip() for part in entry.partition("="))
            if not sep or not column or field.lower() not in PROFILE_FIELDS:
                raise InputError(
                    f"--map {entry!r}: expected FIELD=COLUMN with FIELD one of {', '.join(PROFILE_FIELDS)}"
                )
            mapping[field.lower()] = column
        return mapping

    def pick(self) -> RowPick:
        return RowPick.parse(self.rows, self.filters)


def resolve_fields(spec: str | None) -> tuple[str, ...]:
    """``--fields description,industry`` → validated field names (the default set when empty)."""
    if not spec:
        return JobOptions().fields  # the one default set: the API's and the add-on's (GET /api/v1/fields) too
    names = tuple(dict.fromkeys(part.strip().lower() for part in spec.split(",") if part.strip()))
    unknown = [name for name in names if name not in PROFILE_FIELDS]
    if unknown:
        raise InputError(f"unknown field(s): {', '.join(unknown)}; choose from {', '.join(PROFILE_FIELDS)}")
    return names


def output_path_for(input_name: str, output: str | None, fmt: str | None) -> str:
    """The results file: ``-o`` as given, or ``<input>.results.<format>`` in the current folder."""
    if output:
        return str(Path(output).resolve())
    suffix = fmt or "csv"
    stem = Path(input_name.replace(SHEET_PREFIX, "sheet-").replace("/", "_")).name.rsplit(".", 1)[0]
    return str(Path(f"{stem}.results.{suffix}").resolve())


@dataclass
class OpenedInput:
    """An input read once for detection; ``preview`` and ``count`` show what a job would take."""

    spec: InputSpec
    table: InputTable  # headers, detected columns and warnings of the first read
    label: str
    records: Callable[[], Iterable[InputRecord]]  # every record, read afresh for each pass over a file
    warnings: list[str] = field(default_factory=list)

    @property
    def headers(self) -> list[str]:
        return self.table.headers

    @property
    def column_reasons(self) -> tuple[str, ...]:
        return self.table.columns.reasons

    def column_names(self) -> tuple[str | None, str | None]:
        return self.table.columns.name, self.table.columns.website

    def picked(self) -> Iterator[InputRecord]:
        return iter(self.spec.pick()(self.records()))

    def preview(self, limit: int) -> list[tuple[int, str, str, str | None]]:
        companies = ((r.position, r.company(self.table.columns)) for r in islice(self.picked(), limit))
        return [(position, c.name, c.website, validate_company(c)) for position, c in companies]

    def count(self) -> tuple[int, int]:
        """(rows to research, rows not researched: skipped or repeated), by the same rule as submit."""
        return count_researchable((r.position, r.company(self.table.columns)) for r in self.picked())

    def screen(self) -> ScreenCount:
        """Rows to research, repeated rows (filled from their first row) and skipped rows, as submit stores them."""
        return screen_rows((r.position, r.company(self.table.columns)) for r in self.picked())


def open_input(svc: Services, spec: InputSpec) -> OpenedInput:
    """Read the input once (a sheet: one read call, no writes); raises InputError/SchemaError.

    Everything about the input is checked here, before any job exists: the
    file type, the columns, ``--rows`` / ``--filter`` / ``--map`` and that
    the filters name columns the input has.
    """
    pick = spec.pick()  # a bad --rows / --filter / --map fails before anything is read
    spec.mapping()
    if spec.is_sheet:
        table = read_sheet_selection(svc, sheet_source(spec))
        records = list(table.records)  # one read call; a sheet selection fits in memory (≤ 10 M cells)
        opened = OpenedInput(spec, table, spec.input, lambda: records, warnings=list(table.warnings))
    else:
        check_file_type(Path(spec.input))
        table = _read_file(spec)
        columns = table.columns

        def records_again() -> Iterable[InputRecord]:
            return _read_file(spec, name_column=columns.name, website_column=columns.website).records

        opened = OpenedInput(spec, table, Path(spec.input).name, records_again, warnings=list(table.warnings))
    check_filters(pick.filters, opened.headers)
    return opened


# Input files the CLI reads, by extension (a file without an extension is sniffed).
SUPPORTED_INPUT_TYPES = (".csv", ".tsv", ".xlsx", ".xlsm", ".json", ".jsonl", ".ndjson")
_REFUSED_BY_READER = (".xls", ".ods", ".numbers")  # the reader names what to do instead


def check_file_type(path: Path) -> None:
    """Refuse a file whose extension is not one Rowscout reads (``leads.txt``, ``leads.pdf``...)."""
    suffix = path.suffix.lower()
    if not suffix or suffix in SUPPORTED_INPUT_TYPES or suffix in _REFUSED_BY_READER:
        return
    hint = " (if it holds comma-separated values, rename it to .csv)" if suffix == ".txt" else ""
    raise InputError(
        f"unsupported file type {suffix!r} ({path.name}); Rowscout reads {', '.join(SUPPORTED_INPUT_TYPES)}{hint}"
    )


def check_output(output: str, fmt: str | None, *, input_path: str = "") -> None:
    """Refuse a results path that cannot be written, before any job exists.

    Checks the format (extension or ``--format``), that the folder exists and
    is writable, that the path is not a folder, and that it is not the input.
    """
    if not output:
        return
    path = Path(output)
    output_format(path, fmt)
    folder = path.parent
    if not folder.exists():
        raise InputError(f"the output folder {folder} does not exist; create it or choose another -o path")
    if not folder.is_dir():
        raise InputError(f"{folder} is not a folder; choose another -o path")
    if path.is_dir():
        raise InputError(f"{path} is a folder; give a file name, e.g. -o {path / 'results.csv'}")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(f"cannot write to the folder {folder} (permission denied); choose another -o path")
    if input_path and path.resolve() == Path(input_path).resolve():
        raise InputError(f"the results would overwrite the input {path.name}; choose another -o path")


def require_rows(opened: OpenedInput) -> None:
    """Refuse a selection that matches no row (so no empty job, and no results file is overwritten)."""
    if next(opened.picked(), None) is not None:
        return
    spec = opened.spec
    total = sum(1 for _ in opened.records())
    if not total:
        raise InputError(f"{opened.label} has no data rows under its header")
    chosen = " and ".join(
        part for part in (f"--rows {spec.rows}" if spec.rows else "", _filters_text(spec.filters)) if part
    )
    raise InputError(f"no row matches {chosen or 'the selection'}: {opened.label} has {total:,} data row(s)")


def _filters_text(filters: tuple[str, ...]) -> str:
    return " ".join(f"--filter {text}" for text in filters)


def submit(svc: Services, opened: OpenedInput, *, options: JobOptions, name: str, output: str, fmt: str | None) -> Job:
    """Store the job and its picked rows (a sheet is prepared first: output columns, row tags)."""
    spec = opened.spec
    if spec.is_sheet:
        source = sheet_source(spec, output=output, fmt=fmt)
        return submit_sheet_job(svc, owner="local", name=name, source=source, options=options, pick=spec.pick())
    table = opened.table
    file_source = FileSource(
        path=str(Path(spec.input).resolve()),
        output=output,
        format=str(output_format(Path(output), fmt)) if output else "",
        sheet=spec.sheet,
        headers=tuple(table.headers),
        columns=table.columns,
    )
    rows = ((r.key, r.position, r.company(table.columns)) for r in opened.picked())
    return submit_job(svc, owner="local", name=name, source=file_source, rows=rows, options=options)


def sheet_source(spec: InputSpec, *, output: str = "", fmt: str | None = None) -> SheetSource:
    """The (not yet prepared) source of a ``sheet:`` input."""
    from service.sheets.selection import parse_sheet_spec

    selection = parse_sheet_spec(spec.input)
    return SheetSource(
        spreadsheet_id=selection.spreadsheet_id,
        sheet_name=selection.sheet_name,
        ranges=selection.ranges,
        header_row=selection.header_row,
        name_column=spec.name_column,
        website_column=spec.website_column,
        column_map=spec.mapping(),
        output=output,
        format=str(output_format(Path(output), fmt)) if output else "",
    )


def _read_file(spec: InputSpec, *, name_column: str | None = None, website_column: str | None = None) -> InputTable:
    return read_table(
        Path(spec.input),
        sheet=spec.sheet,
        name_column=name_column or spec.name_column,
        website_column=website_column or spec.website_column,
    )
