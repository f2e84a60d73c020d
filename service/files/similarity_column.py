"""The "Similar in this list" column of a results file, added once the file is written (``export --similar``).

A results file is Rowscout's own output (never the user's input file), one
line per row of the job in row order (JSON: one record per row, with its
key). This adds one column at its right end — or, in JSON, a
``similar_in_list`` value per record — with each row's most similar
companies of the job (``service.jobs.discover.similar_column``), and
replaces the file atomically. A header the file already has gets a
``(Rowscout)`` suffix. Text passes the one cells module (formula guard,
illegal characters, length) like every other writer's.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from copy import copy
from pathlib import Path
from typing import Any, TextIO

from service.domain.errors import InputError
from service.files.cells import csv_cell, xlsx_text
from service.files.formats import FileFormat, output_format

SIMILAR_HEADER = "Similar in this list"
JSON_KEY = "similar_in_list"


def add_similar_column(
    path: str | Path, values: Mapping[str, str], order: Sequence[str], fmt: str | None = None
) -> int:
    """Add the column to the results file at ``path``.

    Args:
        values: row key -> the cell's text (missing: empty).
        order: the job's row keys in the file's line order.
        fmt: the file's format when its extension does not say.

    Returns:
        how many rows got a non-empty value.
    """
    target = Path(path)
    kind = output_format(target, fmt)
    if kind == FileFormat.CSV:
        _csv(target, [values.get(key, "") for key in order])
    elif kind == FileFormat.XLSX:
        _xlsx(target, [values.get(key, "") for key in order])
    else:
        _json(target, values, lines=kind == FileFormat.JSONL)
    return sum(1 for key in order if values.get(key))


def header_for(headers: Sequence[str]) -> str:
    taken = {h.strip().casefold() for h in headers if h}
    return SIMILAR_HEADER if SIMILAR_HEADER.casefold() not in taken else f"{SIMILAR_HEADER} (Rowscout)"


def _csv(path: Path, cells: list[str]) -> None:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        lines = list(csv.reader(handle))
    if not lines or len(lines) - 1 != len(cells):
        raise InputError(f"{path.name} does not hold this job's {len(cells)} rows; export it again first")
    lines[0].append(header_for(lines[0]))
    for line, cell in zip(lines[1:], cells, strict=True):
        line.append(csv_cell(cell))

    def write(handle: TextIO) -> None:
        csv.writer(handle).writerows(lines)

    _replace(path, write, encoding="utf-8-sig")


def _xlsx(path: Path, cells: list[str]) -> None:
    import openpyxl
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter

    workbook = openpyxl.load_workbook(path)
    sheet = workbook.worksheets[0]  # the results; the second sheet lists sources
    if sheet.max_row - 1 != len(cells):
        raise InputError(f"{path.name} does not hold this job's {len(cells)} rows; export it again first")
    column = sheet.max_column + 1
    headers = [str(c.value or "") for c in sheet[1]]
    header = sheet.cell(row=1, column=column, value=header_for(headers))
    if column > 1:  # look like the writer's own header row, inside its filter
        header._style = copy(sheet.cell(row=1, column=column - 1)._style)
    for offset, text in enumerate(cells, start=2):
        cell = sheet.cell(row=offset, column=column, value=xlsx_text(text))
        cell.data_type = "s"  # text, never a formula
        cell.alignment = Alignment(vertical="top", wrap_text=True)
    letter = get_column_letter(column)
    sheet.column_dimensions[letter].width = min(60, max([len(str(header.value))] + [len(t) for t in cells[:200]]) + 2)
    if sheet.auto_filter.ref:
        sheet.auto_filter.ref = f"A1:{letter}{len(cells) + 1}"
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        workbook.save(temp)
        os.replace(temp, path)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)


def _json(path: Path, values: Mapping[str, str], *, lines: bool) -> None:
    text = path.read_text(encoding="utf-8")
    records: list[dict[str, Any]] = (
        [json.loads(line) for line in text.splitlines() if line.strip()] if lines else json.loads(text)
    )
    for record in records:
        record[JSON_KEY] = values.get(str(record.get("key", "")), "")

    def write(handle: TextIO) -> None:
        if lines:
            handle.write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
        else:
            json.dump(records, handle, ensure_ascii=False, indent=1)

    _replace(path, write, encoding="utf-8")


def _replace(path: Path, write: Callable[[TextIO], None], *, encoding: str) -> None:
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding=encoding, newline="") as handle:
            write(handle)
        os.replace(temp, path)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)
