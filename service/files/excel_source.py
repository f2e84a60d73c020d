"""Streaming rows out of an .xlsx workbook, with bounds checked before and while parsing.

Before anything is parsed, every part of the zip archive is checked against
its declared size (``MAX_PART_BYTES``) and, for parts over
``RATIO_FLOOR_BYTES``, its compression ratio (``MAX_RATIO``): a zip bomb is
refused in milliseconds with a clear ``InputError``. While parsing (openpyxl's
streaming sheet parser), ``<row>`` ELEMENTS are counted, not the rows
yielded: a sheet with more than ``MAX_ROW_ELEMENTS`` of them, or whose row
numbers go backwards or past that limit, is refused too (200,000
``<row r="2">`` elements yield one row but cost as much to parse as
200,000 rows).

``ExcelSheet.open(path, sheet)`` checks the archive and picks the sheet once;
``rows()`` streams its rows and may be called again (each full pass parses
the sheet once; the first ``HEAD_ROWS`` rows are kept from the first pass,
so header detection and sampling do not parse it again). While reading the
first rows it counts formula cells that have no saved result
(``unsaved_formulas``): workbooks written by scripts store formulas without
their values, and Rowscout reads values only, so such a cell looks empty.

openpyxl reports harmless oddities of a workbook (unknown extensions, missing
styles) as warnings; they are silenced here so they never reach the user.
"""

from __future__ import annotations

import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import WorkSheetParser
from openpyxl.xml.constants import SHEET_MAIN_NS

from service.domain.errors import InputError

MAX_PART_BYTES = 512 * 1024 * 1024  # declared uncompressed size of any one part of the archive
MAX_RATIO = 100  # uncompressed ÷ compressed, for parts larger than RATIO_FLOOR_BYTES
RATIO_FLOOR_BYTES = 8 * 1024 * 1024
MAX_ROW_ELEMENTS = 300_000  # above the 200,000-row job limit; each costs ~15 µs to parse, yielded or not
HEAD_ROWS = 250  # kept from the first pass (header detection and column sampling read no further)
_FORMULA_TAG = f"{{{SHEET_MAIN_NS}}}f"


class _CountingParser(WorkSheetParser):
    """openpyxl's sheet parser, counting ``<row>`` elements and formula cells without a saved value."""

    def __init__(self, *args: Any, name: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.name = name
        self.row_elements = 0
        self.last_row = 0
        self.unsaved_formulas = 0

    def parse_row(self, row: Any) -> tuple[int, list[dict[str, Any]]]:
        self.row_elements += 1
        if self.row_elements > MAX_ROW_ELEMENTS:
            raise InputError(
                f"{self.name!r} has more than {MAX_ROW_ELEMENTS:,} rows (counting empty ones); "
                "split it into smaller files"
            )
        try:
            index, cells = super().parse_row(row)
        except ValueError as exc:
            raise InputError(f"{self.name!r} is damaged: {exc}") from None
        if index <= self.last_row or index > MAX_ROW_ELEMENTS:
            raise InputError(
                f"{self.name!r} is damaged: row {index:,} comes after row {self.last_row:,} "
                "(open it in Excel or Sheets and save it again)"
            )
        self.last_row = index
        return index, cells

    def parse_cell(self, element: Any) -> dict[str, Any]:
        cell: dict[str, Any] = super().parse_cell(element)
        if cell["value"] is None and self.row_counter <= HEAD_ROWS and element.find(_FORMULA_TAG) is not None:
            self.unsaved_formulas += 1
        return cell


class ExcelSheet:
    """One checked sheet of a workbook; ``rows()`` streams it (see the module doc)."""

    def __init__(self, path: Path, sheet: str) -> None:
        self.path = path
        self.sheet = sheet
        self.unsaved_formulas = 0
        self._head: list[list[Any]] = []
        self._complete = False

    @classmethod
    def open(cls, path: Path, sheet: str | None = None) -> ExcelSheet:
        """Check the archive's parts, then find the sheet (the first one by default)."""
        check_archive(path)
        workbook = _open(path)
        try:
            return cls(path, _worksheet(workbook, sheet, path).title)
        finally:
            workbook.close()

    def rows(self) -> Iterator[list[Any]]:
        """Every row as a list of cell values; blank rows between data rows come as empty lists."""
        yield from (list(row) for row in self._head)
        if self._complete:
            return
        for index, row in enumerate(self._parse()):
            if index < len(self._head):
                continue
            if index == len(self._head) and index < HEAD_ROWS:
                self._head.append(row)
            yield row
        self._complete = len(self._head) < HEAD_ROWS  # the whole sheet is in the head

    def _parse(self) -> Iterator[list[Any]]:
        workbook = _open(self.path)
        try:
            worksheet: ReadOnlyWorksheet = workbook[self.sheet]
            with worksheet._get_source() as source, warnings.catch_warnings():
                warnings.simplefilter("ignore")
                parser = _CountingParser(
                    source,
                    worksheet._shared_strings,
                    data_only=True,
                    epoch=workbook.epoch,
                    date_formats=workbook._date_formats,
                    timedelta_formats=workbook._timedelta_formats,
                    name=self.path.name,
                )
                previous = 0
                for index, cells in parser.parse():
                    for _ in range(previous + 1, index):
                        yield []
                    previous = index
                    self.unsaved_formulas = max(self.unsaved_formulas, parser.unsaved_formulas)
                    yield _values(cells)
        finally:
            workbook.close()


def _values(cells: list[dict[str, Any]]) -> list[Any]:
    width = max((cell["column"] for cell in cells), default=0)
    values: list[Any] = [None] * width
    for cell in cells:
        values[cell["column"] - 1] = cell["value"]
    return values


def check_archive(path: Path) -> None:
    """Refuse a workbook with a part too large, or too compressed, to read safely (before parsing anything)."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputError(f"could not open {path.name!r} as an Excel workbook: {exc}") from None
    for part in parts:
        if part.file_size > MAX_PART_BYTES:
            raise InputError(
                f"{path.name!r} is too large to read: {part.filename} would expand to {part.file_size:,} bytes "
                f"(the limit is {MAX_PART_BYTES:,})"
            )
        ratio = part.file_size / max(part.compress_size, 1)
        if part.file_size > RATIO_FLOOR_BYTES and ratio > MAX_RATIO:
            raise InputError(
                f"{path.name!r} looks like a zip bomb: {part.filename} expands {ratio:,.0f} times "
                f"to {part.file_size:,} bytes; it was not read"
            )


def _open(path: Path) -> Workbook:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InputError(f"could not open {path.name!r} as an Excel workbook: {exc}") from None


def _worksheet(workbook: Workbook, sheet: str | None, path: Path) -> ReadOnlyWorksheet:
    names = workbook.sheetnames
    if not names:
        raise InputError(f"{path.name!r} has no sheets")
    if sheet is None:
        return workbook[names[0]]
    for name in names:
        if name.casefold() == sheet.strip().casefold():
            return workbook[name]
    listed = ", ".join(repr(n) for n in names)
    raise InputError(f"{path.name!r} has no sheet named {sheet!r}; its sheets are: {listed}")
