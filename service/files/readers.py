"""Reading an input file (CSV, Excel, JSON, JSON Lines) into an ``InputTable``.

``read_table`` checks the file (a file over ``MAX_INPUT_BYTES`` is refused
unread; .xlsx archives are checked part by part, see ``excel_source``), finds the header row (or sees that there is
none), detects the name and website columns from the header and the first
``HEADER_SAMPLE_ROWS`` rows, and returns records that stream from the file
each time they are iterated — a 100,000-row file is never held in memory.

Row positions are 1-based data-row numbers (the first row under the header is
1; blank rows are skipped but keep their number), and keys (``r000001``) are
derived from them, so a row keeps its key when a job is resumed.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from service.domain.errors import InputError
from service.domain.tables import InputRecord, InputTable
from service.files.cells import CellCleaner, WarningLog
from service.files.csv_source import iter_csv_rows
from service.files.excel_source import ExcelSheet
from service.files.formats import FileFormat, input_format
from service.files.headers import dedupe_headers, first_row_is_data, generic_headers
from service.files.json_source import read_json_rows, read_jsonl_rows
from service.files.schema import detect_columns, names_known_column

__all__ = ["read_table", "record_key"]

HEADER_SAMPLE_ROWS = 200
MAX_INPUT_BYTES = 512 * 2**20  # refused before reading: far above 200,000 rows of any real table
_HEAD_BYTES = 8192

RawRows = Callable[[], Iterator[list[Any]]]


def record_key(position: int) -> str:
    """The stable key of the data row at 1-based ``position`` (``r000042``)."""
    return f"r{position:06d}"


def read_table(
    path: str | Path,
    *,
    format: str | None = None,
    sheet: str | None = None,
    name_column: str | None = None,
    website_column: str | None = None,
) -> InputTable:
    """Open an input file and detect its columns; its records stream when iterated.

    Args:
        path: a .csv/.tsv/.txt, .xlsx, .json or .jsonl file.
        format: force a format (``csv``, ``xlsx``, ``json``, ``jsonl``) instead of the extension.
        sheet: the Excel sheet to read (default: the first).
        name_column, website_column: override detection (header, column letter or 1-based number).

    Raises:
        InputError: missing, empty, unreadable or unsupported file.
        SchemaError: no recognisable company column, or an override names no column.
    """
    file = Path(path)
    fmt = input_format(file, _head(file), format)
    log = WarningLog()
    layout, raw = _layout(fmt, file, sheet, log)
    cleaner = CellCleaner(log)
    records = TableRecords(raw, layout, cleaner)
    sample = [cells for _, cells in itertools.islice(records.rows(), HEADER_SAMPLE_ROWS)]
    columns = detect_columns(layout.headers, sample, name_column=name_column, website_column=website_column)
    if not sample:
        log.add("the file has a header but no data rows")
    return InputTable(headers=layout.headers, columns=columns, records=records, warnings=log.lines)


def _head(path: Path) -> bytes:
    if not path.exists():
        raise InputError(f"file not found: {path}")
    if not path.is_file():
        raise InputError(f"not a file: {path}")
    if (size := path.stat().st_size) > MAX_INPUT_BYTES:
        raise InputError(
            f"{path.name!r} is {size / 2**30:.1f} GB; Rowscout reads files up to "
            f"{MAX_INPUT_BYTES // 2**20:,} MB (a job holds at most 200,000 rows): split it into smaller files"
        )
    try:
        with path.open("rb") as handle:
            head = handle.read(_HEAD_BYTES)
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    if not head.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise InputError(f"{path.name!r} is empty")
    return head


@dataclass(frozen=True)
class _Layout:
    """Where data starts: header texts and how many raw rows precede the first data row."""

    headers: list[str]
    skip: int


def _layout(fmt: FileFormat, path: Path, sheet: str | None, log: WarningLog) -> tuple[_Layout, RawRows]:
    if fmt == FileFormat.JSON:
        headers, _ = read_json_rows(path)
        return _Layout(dedupe_headers(headers, log), 0), lambda: read_json_rows(path)[1]
    if fmt == FileFormat.JSONL:
        headers, _ = read_jsonl_rows(path, log)
        return _Layout(dedupe_headers(headers, log), 0), lambda: read_jsonl_rows(path, log)[1]
    if fmt != FileFormat.XLSX:
        csv_rows: RawRows = lambda: iter_csv_rows(path, log)  # noqa: E731
        return _grid_layout(path, csv_rows, CellCleaner(WarningLog()), log), csv_rows
    excel = ExcelSheet.open(path, sheet)  # the archive is checked before anything is parsed
    layout = _grid_layout(path, excel.rows, CellCleaner(WarningLog()), log)
    if unsaved := excel.unsaved_formulas:  # counted while the first rows were read
        log.add(
            f"{unsaved} formula cell(s) have no saved result and read as empty; "
            "open the file in Excel or Sheets and save it to keep their values"
        )
    return layout, excel.rows


def _grid_layout(path: Path, raw: RawRows, cleaner: CellCleaner, log: WarningLog) -> _Layout:
    """Find the header row of a CSV or sheet: the first non-blank row, unless it reads as data."""
    rows = (cleaner.clean_row(r, where="") for r in itertools.islice(raw(), HEADER_SAMPLE_ROWS + 50))
    blank = 0
    for row in rows:
        if any(row):
            return _header_or_data(row, list(rows), blank, log)
        blank += 1
    raise InputError(f"{path.name!r} has no rows with any values")


def _header_or_data(first: list[str], rest: list[list[str]], blank: int, log: WarningLog) -> _Layout:
    width = max([len(first), *(_used_width(r) for r in rest)])
    if first_row_is_data(first, names_known_column(first)):
        log.add("the first row looks like data, not headers; columns are named Column 1, Column 2, ...")
        return _Layout(generic_headers(width), blank)
    padded = first + [""] * (width - len(first))
    return _Layout(dedupe_headers(padded[: max(_used_width(first), width)], log), blank + 1)


def _used_width(row: list[str]) -> int:
    return max((i + 1 for i, cell in enumerate(row) if cell), default=0)


class TableRecords:
    """The data rows of one input: re-iterable, streaming from the file each time."""

    def __init__(self, raw: RawRows, layout: _Layout, cleaner: CellCleaner) -> None:
        self._raw = raw
        self._layout = layout
        self._cleaner = cleaner
        self._overflow_noted = False

    def __iter__(self) -> Iterator[InputRecord]:
        headers = self._layout.headers
        for position, cells in self.rows():
            yield InputRecord(key=record_key(position), position=position, cells=dict(zip(headers, cells, strict=True)))

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(position, cells aligned with the headers) for every non-blank data row."""
        width = len(self._layout.headers)
        data = itertools.islice(self._raw(), self._layout.skip, None)
        for position, raw in enumerate(data, start=1):
            cells = self._cleaner.clean_row(raw, where=f"data row {position}")
            if not any(cells):
                continue
            yield position, self._fit(cells, width, position)

    def _fit(self, cells: list[str], width: int, position: int) -> list[str]:
        if len(cells) > width and any(cells[width:]):
            self._cleaner.log.note(
                "overflow", f"values beyond the last column were ignored (first in data row {position})"
            )
        return cells[:width] + [""] * (width - len(cells))
