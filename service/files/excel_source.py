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

from service.errors import InputError

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
