"""Streaming rows out of an .xlsx workbook with openpyxl's read-only mode.

openpyxl reports harmless oddities of a workbook (unknown extensions, missing
styles) as warnings; they are silenced here, a chunk of rows at a time, so
they never reach the user or fail a test run.
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

from service.domain.errors import InputError

_CHUNK_ROWS = 1000


def iter_excel_rows(path: Path, *, sheet: str | None = None) -> Iterator[list[Any]]:
    """Every row of the chosen sheet (the first one by default) as a list of cell values."""
    workbook = _open(path)
    try:
        worksheet = _worksheet(workbook, sheet, path)
        worksheet.reset_dimensions()  # some writers store a wrong used range (e.g. A1:A1)
        rows = worksheet.iter_rows(values_only=True)
        while True:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                chunk = [list(row) for _, row in zip(range(_CHUNK_ROWS), rows, strict=False)]
            yield from chunk
            if len(chunk) < _CHUNK_ROWS:
                return
    finally:
        workbook.close()


def count_unsaved_formulas(path: Path, *, sheet: str | None = None, sample_rows: int = 250) -> int:
    """Formula cells in the first rows that have no saved result (read as empty cells).

    Workbooks written by scripts (not saved by Excel or Sheets) store formulas
    without their computed values; Rowscout reads values only, so such a cell
    looks empty. Counting them lets the reader warn instead of dropping names silently.
    """
    saved = _sample(_open(path), sheet, path, sample_rows)
    formulas = _sample(_open(path, data_only=False), sheet, path, sample_rows)
    return sum(
        1
        for values, raw in zip(saved, formulas, strict=False)
        for value, formula in zip(values, raw, strict=False)
        if value is None and isinstance(formula, str) and formula.startswith("=")
    )


def _sample(workbook: Workbook, sheet: str | None, path: Path, rows: int) -> list[list[Any]]:
    try:
        worksheet = _worksheet(workbook, sheet, path)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return [list(row) for _, row in zip(range(rows), worksheet.iter_rows(values_only=True), strict=False)]
    finally:
        workbook.close()


def _open(path: Path, *, data_only: bool = True) -> Workbook:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return openpyxl.load_workbook(path, read_only=True, data_only=data_only)
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
