"""Read a sheet selection in ONE ``values.batchGet``: the header row plus every selected range.

Disjoint ranges (Ctrl-click) are merged by row number; empty rows are
skipped; the header row is row 1 unless ``header_row`` says otherwise or the
selection itself starts at a header (row 1 blank, or the selection's first row
names a known column and row 1 does not). Columns are found with the shared
``service.files.schema.detect_columns``. Each record's key is
``<key_prefix>:<row number at read time>``, the value later stored in the row's
developer metadata (see ``tagging``). A selection without a sheet name costs one
more read (``spreadsheets.get``) to learn the first sheet's title; submit makes
that read anyway (``sheet_properties``: the tab's id and grid size) and passes
the title in, so a submit reads twice in all. ``window`` limits the data to a
band of sheet rows (one planning chunk of a large selection).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from service.domain.errors import SheetsError
from service.domain.sources import ColumnMap
from service.domain.tables import InputRecord, InputTable
from service.files.schema import detect_columns, names_known_column
from service.sheets.a1 import A1Range, column_letter
from service.sheets.google_api import GoogleSheetsApi, JsonDict
from service.sheets.selection import SheetSelection

Grid = dict[int, dict[int, str]]  # 0-based row -> 0-based column -> text


@dataclass
class SheetRead:
    """What one read found: the table plus where each record sits in the sheet right now."""

    table: InputTable
    sheet_name: str
    header_row: int  # 1-based
    row_numbers: dict[str, int] = field(default_factory=dict)  # key -> 1-based row number
    data_width: int = 0  # columns used by the header row or the selected data
    header_values: list[str] = field(default_factory=list)  # the header row's texts by 0-based column
    column_of: dict[str, int] = field(default_factory=dict)  # table header name -> 0-based column


def read_selection(
    api: GoogleSheetsApi,
    selection: SheetSelection,
    *,
    name_column: str | None = None,
    website_column: str | None = None,
    key_prefix: str | None = None,
) -> InputTable:
    """The selection as an ``InputTable`` (one read call); raises SchemaError/SheetsError."""
    read = read_sheet(api, selection, name_column=name_column, website_column=website_column, key_prefix=key_prefix)
    return read.table


def read_sheet(
    api: GoogleSheetsApi,
    selection: SheetSelection,
    *,
    name_column: str | None = None,
    website_column: str | None = None,
    key_prefix: str | None = None,
    window: tuple[int, int] | None = None,
    columns: ColumnMap | None = None,
) -> SheetRead:
    """Like ``read_selection``, keeping the sheet name, header row and row numbers.

    Args:
        window: only the data in these sheet rows (0-based, end exclusive), e.g. one planning chunk.
        columns: the name/website columns found before (a later chunk): no detection, the band may be empty.
    """
    if not selection.sheet_name:
        selection = replace(selection, sheet_name=first_sheet_title(api, selection.spreadsheet_id))
    header_index = selection.header_row - 1 if selection.header_row else 0
    data_ranges = selection.parsed_ranges() or [A1Range(selection.sheet_name or None)]
    if window is not None:
        data_ranges = clip_rows(data_ranges, *window)
    header_range = A1Range(None, header_index, header_index + 1)
    texts = [selection.a1(header_range), *(selection.a1(r) for r in data_ranges)]
    value_ranges = api.batch_get_values(selection.spreadsheet_id, texts)
    sheet_name = selection.sheet_name
    grid = _merge(data_ranges, value_ranges[1:])
    first_row = _values(value_ranges[0])[0] if _values(value_ranges[0]) else []
    if selection.header_row is None:
        header_index, first_row = _detect_header(grid, first_row)
    chosen = columns or (name_column, website_column)
    return _build(grid, header_index, first_row, sheet_name, chosen, key_prefix)


def clip_rows(ranges: Sequence[A1Range], start: int, end: int) -> list[A1Range]:
    """The parts of ``ranges`` inside sheet rows ``start``–``end`` (0-based, end exclusive)."""
    clipped = []
    for rng in ranges:
        first = max(rng.first_row, start)
        last = end if rng.end_row is None else min(rng.end_row, end)
        if first < last:
            clipped.append(A1Range(rng.sheet, first, last, rng.start_col, rng.end_col))
    return clipped


def sheet_properties(api: GoogleSheetsApi, spreadsheet_id: str, *, sheet_id: int | None, title: str) -> JsonDict:
    """One tab's properties (id, title, grid size) by id, else by title, else the first tab; one read.

    Raises:
        SheetsError: no such tab (permanent: deleted, or a wrong name).
    """
    sheets = [
        s["properties"] for s in api.get_spreadsheet(spreadsheet_id, fields="sheets.properties").get("sheets", [])
    ]
    for props in sheets:
        if sheet_id is not None and int(props.get("sheetId", 0)) == sheet_id:
            return dict(props)
    if sheet_id is None:
        for props in sheets:
            if not title or props.get("title") == title:
                return dict(props)
    what = f"tab {title!r}" if title else "tab"
    raise SheetsError(f"the {what} was not found in the spreadsheet (deleted?)", status=404, reason="NOT_FOUND")


def _values(value_range: JsonDict) -> list[list[str]]:
    return [[str(v) for v in row] for row in value_range.get("values", [])]


def first_sheet_title(api: GoogleSheetsApi, spreadsheet_id: str) -> str:
    """The first sheet's title (a selection without a sheet name means the first sheet)."""
    sheets = api.get_spreadsheet(spreadsheet_id, fields="sheets.properties").get("sheets", [])
    if not sheets:
        raise SheetsError("the spreadsheet has no sheets", status=400)
    return str(sheets[0]["properties"]["title"])


def _merge(ranges: Sequence[A1Range], value_ranges: Sequence[JsonDict]) -> Grid:
    grid: Grid = {}
    for rng, value_range in zip(ranges, value_ranges, strict=True):
        for r, row in enumerate(_values(value_range), start=rng.first_row):
            cells = grid.setdefault(r, {})
            for c, text in enumerate(row, start=rng.first_col):
                if text.strip():
                    cells[c] = text
    return {r: cells for r, cells in grid.items() if cells}


def _detect_header(grid: Grid, row_one: list[str]) -> tuple[int, list[str]]:
    if not grid or min(grid) == 0:
        return 0, row_one
    first = min(grid)
    first_cells = grid[first]
    first_values = [first_cells.get(c, "") for c in range(max(first_cells) + 1)]
    blank_row_one = not any(v.strip() for v in row_one)
    if blank_row_one or (names_known_column(first_values) and not names_known_column(row_one)):
        return first, first_values
    return 0, row_one


def _build(
    grid: Grid,
    header_index: int,
    header_values: list[str],
    sheet_name: str,
    chosen: ColumnMap | tuple[str | None, str | None],
    key_prefix: str | None,
) -> SheetRead:
    rows = {r: cells for r, cells in grid.items() if r > header_index}
    columns = sorted({c for cells in rows.values() for c in cells})
    names = _header_names(header_values, max([*columns, len(header_values) - 1], default=-1) + 1)
    headers = [names[c] for c in columns]
    matrix = [[rows[r].get(c, "") for c in columns] for r in sorted(rows)]
    if isinstance(chosen, ColumnMap):
        column_map = chosen
    else:
        column_map = detect_columns(headers, matrix, name_column=chosen[0], website_column=chosen[1])
    prefix = key_prefix or uuid.uuid4().hex[:8]
    records, numbers = [], {}
    for position, r in enumerate(sorted(rows), start=1):
        key = f"{prefix}:{r + 1}"
        records.append(InputRecord(key, position, {names[c]: rows[r].get(c, "") for c in columns}))
        numbers[key] = r + 1
    table = InputTable(headers=headers, columns=column_map, records=records)
    column_of = {name: c for c, name in enumerate(names)}
    values = [v.strip() for v in header_values]
    return SheetRead(table, sheet_name, header_index + 1, numbers, len(names), values, column_of)


def _header_names(values: list[str], width: int) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    for c in range(width):
        text = values[c].strip() if c < len(values) else ""
        name = text or f"Column {column_letter(c)}"
        if name in seen:
            name = f"{name} ({column_letter(c)})"
        seen.add(name)
        names.append(name)
    return names
