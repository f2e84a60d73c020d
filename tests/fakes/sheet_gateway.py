"""``MemorySheetGateway``: the ``SheetGateway`` port over spreadsheets held in memory, for tests.

A spreadsheet is a dict of tabs; a tab is a grid, a list of rows (row 0 is
sheet row 1), each a list of cell texts. It behaves like
``GoogleSheetGateway`` over the Sheets API and passes the same contract
(``tests/contract/sheet_gateway_contract.py``):

- ``read`` reads the selection (the header row, the selected ranges, empty
  rows skipped, the header found as the reader finds it) and detects the
  name/website columns with the product's ``detect_columns``; keys are
  ``<prefix>:<row number>``.
- ``prepare`` also finds or creates Rowscout's output columns to the right of
  the user's data and tags each row with its key. A tag moves with its row
  when rows are inserted or deleted above it (``insert_rows``/``delete_rows``,
  as a user would) and disappears with a deleted row, like developer metadata.
- ``writer(job)`` takes status/result cells and writes them on ``commit`` (and
  ``close``) to the row that holds the key now, as given (``RAW``: nothing is
  evaluated); ``commit`` returns the keys of deleted rows.

It records, it does not script: ``reads`` (spreadsheet id per read of a
selection, ``prepare`` included), ``prepared`` (job ids), ``writes`` (every
write, by A1 cell: header cells of new output columns and result cells).
``fail_next(n, status=...)`` makes the next ``n`` calls fail as the Sheets API
would (translated by the adapter's own ``api_error``), like the fake server's.
The setup and inspection helpers have the fake Sheets server's names
(``create_spreadsheet``, ``values``, ``insert_rows``, ``delete_rows``).
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from http import HTTPStatus
from typing import Any

from service.domain import Job, Row
from service.domain.errors import InputError, SheetsError
from service.domain.sources import SheetColumns, SheetSource
from service.domain.tables import InputRecord, InputTable, column_letter
from service.files.schema import detect_columns, names_known_column
from service.sheets.a1 import A1Range
from service.sheets.cells import row_cells
from service.sheets.layout import RESEARCHED_AT, SOURCES, STATUS, default_header
from service.sheets.port import PreparedSheet
from service.sheets.selection import selection_of
from service.sheets.translate import api_error

ACCOUNT = "rowscout@example.iam.gserviceaccount.com"
Grid = list[list[str]]
Picked = dict[int, dict[int, str]]  # 0-based row -> 0-based column -> text

_REASONS = {400: "INVALID_ARGUMENT", 403: "PERMISSION_DENIED", 404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED"}


@dataclass(frozen=True)
class SheetWrite:
    """One write that reached a tab: cells by A1 reference, and the row keys it wrote (none for headers)."""

    spreadsheet_id: str
    sheet_name: str
    cells: dict[str, str]
    keys: tuple[str, ...] = ()


@dataclass
class _Read:
    table: InputTable
    sheet_name: str
    header_row: int  # 1-based
    row_numbers: dict[str, int] = field(default_factory=dict)  # key -> 1-based row number
    width: int = 0  # columns used by the header row or the selected data


class MemorySheetGateway:
    """Spreadsheets in memory behind the ``SheetGateway`` port; thread-safe."""

    def __init__(
        self, spreadsheets: Mapping[str, Mapping[str, Sequence[Sequence[Any]]]] | None = None, *, account: str = ACCOUNT
    ) -> None:
        self.spreadsheets: dict[str, dict[str, Grid]] = {}
        self.tags: dict[str, dict[str, tuple[str, int]]] = {}  # spreadsheet -> key -> (tab, 0-based row)
        self.reads: list[str] = []
        self.prepared: list[str] = []
        self.writes: list[SheetWrite] = []
        self.account = account
        self._failures: list[int] = []
        self._lock = threading.RLock()
        for spreadsheet_id, tabs in (spreadsheets or {}).items():
            self.create_spreadsheet(spreadsheet_id, tabs)

    # --- the user's side: set up, look, edit
    def create_spreadsheet(self, spreadsheet_id: str, sheets: Mapping[str, Sequence[Sequence[Any]]]) -> None:
        """Create (or replace) a spreadsheet: tab name -> rows of cell values."""
        with self._lock:
            self.spreadsheets[spreadsheet_id] = {
                tab: [[str(v) for v in row] for row in rows] for tab, rows in sheets.items()
            }
            self.tags[spreadsheet_id] = {}

    def values(self, spreadsheet_id: str, sheet_name: str) -> Grid:
        """The tab as a user sees it: trailing empty cells and rows trimmed."""
        with self._lock:
            rows = [_trim(row) for row in self._grid(spreadsheet_id, sheet_name)]
        while rows and not rows[-1]:
            rows.pop()
        return rows

    def insert_rows(self, spreadsheet_id: str, sheet_name: str, *, at: int, count: int = 1) -> None:
        """Insert ``count`` empty rows before 0-based row ``at``; tags below move down."""
        with self._lock:
            grid = self._grid(spreadsheet_id, sheet_name)
            grid[at:at] = [[] for _ in range(count)]
            self._move_tags(spreadsheet_id, sheet_name, lambda r: r + count if r >= at else r)

    def delete_rows(self, spreadsheet_id: str, sheet_name: str, *, start: int, end: int) -> None:
        """Delete 0-based rows ``start`` to ``end`` (exclusive) with their tags; tags below move up."""
        with self._lock:
            del self._grid(spreadsheet_id, sheet_name)[start:end]
            tags = self.tags[spreadsheet_id]
            for key in [k for k, (tab, r) in tags.items() if tab == sheet_name and start <= r < end]:
                del tags[key]
            self._move_tags(spreadsheet_id, sheet_name, lambda r: r - (end - start) if r >= end else r)

    def fail_next(self, n: int, *, status: int = 503) -> None:
        """The next ``n`` calls fail with this HTTP status (403 not shared, 429 quota, 5xx outage)."""
        with self._lock:
            self._failures.extend([status] * n)

    # --- the port
    def read(self, source: SheetSource) -> InputTable:
        with self._lock:
            self._call(source.spreadsheet_id, write=False)
            self.reads.append(source.spreadsheet_id)
            return self._read(source, uuid.uuid4().hex[:8]).table

    def prepare(self, source: SheetSource, *, fields: Sequence[str], job_id: str) -> PreparedSheet:
        with self._lock:
            self._call(source.spreadsheet_id, write=False)
            self.reads.append(source.spreadsheet_id)
            self.prepared.append(job_id)
            read = self._read(source, job_id)
            layout = self._output_columns(source.spreadsheet_id, read, fields)
            for key, number in read.row_numbers.items():
                self.tags[source.spreadsheet_id][key] = (read.sheet_name, number - 1)
        completed = replace(
            source,
            sheet_name=read.sheet_name,
            sheet_id=layout.sheet_id,
            header_row=read.header_row,
            headers=tuple(read.table.headers),
            columns=read.table.columns,
            layout=layout,
        )
        return PreparedSheet(completed, read.table)

    def writer(self, job: Job) -> MemorySheetWriter:
        source = job.source
        if not isinstance(source, SheetSource) or source.layout is None:
            raise InputError(f"job {job.id} has no prepared sheet to write to")
        return MemorySheetWriter(self, source)

    def close(self) -> None:
        pass

    # --- reading a selection (the rules of service/sheets/reader.py)
    def _read(self, source: SheetSource, prefix: str) -> _Read:
        tabs = self.spreadsheets[source.spreadsheet_id]
        sheet_name = source.sheet_name or next(iter(tabs), "")
        grid = self._grid(source.spreadsheet_id, sheet_name)
        ranges = selection_of(replace(source, sheet_name=sheet_name)).parsed_ranges() or [A1Range(sheet_name)]
        picked = _pick(grid, ranges)
        header = source.header_row - 1 if source.header_row else 0
        header_values = _trim(grid[header]) if header < len(grid) else []
        if not source.header_row:
            header, header_values = _detect_header(picked, header_values)
        rows = {r: cells for r, cells in picked.items() if r > header}
        columns = sorted({c for cells in rows.values() for c in cells})
        names = _header_names(header_values, max([*columns, len(header_values) - 1], default=-1) + 1)
        headers = [names[c] for c in columns]
        matrix = [[rows[r].get(c, "") for c in columns] for r in sorted(rows)]
        column_map = detect_columns(
            headers, matrix, name_column=source.name_column, website_column=source.website_column
        )
        records, numbers = [], {}
        for position, r in enumerate(sorted(rows), start=1):
            key = f"{prefix}:{r + 1}"
            records.append(InputRecord(key, position, {names[c]: rows[r].get(c, "") for c in columns}))
            numbers[key] = r + 1
        return _Read(InputTable(headers, column_map, records), sheet_name, header + 1, numbers, len(names))

    # --- output columns (the rules of service/sheets/layout.py)
    def _output_columns(self, spreadsheet_id: str, read: _Read, fields: Sequence[str]) -> SheetColumns:
        grid = self._grid(spreadsheet_id, read.sheet_name)
        row = read.header_row - 1
        header_cells = _trim(grid[row]) if row < len(grid) else []
        existing = {_norm(text): c for c, text in enumerate(header_cells) if text.strip()}
        inputs = {_norm(c) for c in (read.table.columns.name, read.table.columns.website) if c}
        columns: dict[str, int] = {}
        created: dict[int, str] = {}
        next_free = max(read.width, len(header_cells))
        for name in [STATUS, RESEARCHED_AT, *fields, SOURCES]:
            text = default_header(name)
            text = f"{text} (Rowscout)" if _norm(text) in inputs else text
            column = existing.get(_norm(text))
            if column is None or column in columns.values():
                column, next_free = next_free, next_free + 1
                created[column] = text
            columns[name] = column
        if created:
            self._put(spreadsheet_id, read.sheet_name, {(row, c): text for c, text in created.items()}, ())
        sheet_id = self.sheet_id(spreadsheet_id, read.sheet_name)
        return SheetColumns(sheet_id, read.header_row, columns, tuple(t for _, t in sorted(created.items())))

    # --- plumbing
    def sheet_id(self, spreadsheet_id: str, sheet_name: str) -> int:
        """A tab's numeric id: its index in the spreadsheet (the first tab is 0, as in Google Sheets)."""
        return list(self.spreadsheets[spreadsheet_id]).index(sheet_name)

    def _call(self, spreadsheet_id: str, *, write: bool) -> None:
        """One API call: fails as told by ``fail_next``, or 404 for an unknown spreadsheet."""
        if self._failures:
            status = self._failures.pop(0)
            raise _error(status, HTTPStatus(status).phrase, write=write, account=self.account)
        if spreadsheet_id not in self.spreadsheets:
            raise _error(404, "Requested entity was not found.", write=write, account=self.account)

    def _grid(self, spreadsheet_id: str, sheet_name: str) -> Grid:
        tabs = self.spreadsheets.get(spreadsheet_id)
        if tabs is None:
            raise _error(404, "Requested entity was not found.", write=False, account=self.account)
        if sheet_name not in tabs:
            raise _error(400, f"Unable to parse range: {sheet_name}!A1", write=False, account=self.account)
        return tabs[sheet_name]

    def _put(
        self, spreadsheet_id: str, sheet_name: str, cells: Mapping[tuple[int, int], str], keys: Sequence[str]
    ) -> None:
        grid = self._grid(spreadsheet_id, sheet_name)
        for (r, c), text in cells.items():
            while len(grid) <= r:
                grid.append([])
            grid[r].extend([""] * (c + 1 - len(grid[r])))
            grid[r][c] = text
        a1 = {f"{column_letter(c)}{r + 1}": text for (r, c), text in sorted(cells.items())}
        self.writes.append(SheetWrite(spreadsheet_id, sheet_name, a1, tuple(keys)))

    def _move_tags(self, spreadsheet_id: str, sheet_name: str, move: Any) -> None:
        tags = self.tags[spreadsheet_id]
        for key, (tab, r) in tags.items():
            if tab == sheet_name:
                tags[key] = (tab, move(r))


class MemorySheetWriter:
    """The ``ResultSink`` of a prepared sheet job: buffers cells, writes them on ``commit``/``close``."""

    def __init__(self, gateway: MemorySheetGateway, source: SheetSource) -> None:
        assert source.layout is not None
        self.gateway = gateway
        self.source = source
        self.columns = source.layout.columns
        self._pending: dict[str, dict[int, str]] = {}
        self._unreported: set[str] = set()

    def write(self, job: Job, rows: Sequence[Row]) -> None:
        with self.gateway._lock:
            for row in rows:
                cells = row_cells(row, self.columns)
                self._pending.setdefault(row.key, {}).update({c: t for c, t in cells.items() if t is not None})

    def commit(self) -> list[str]:
        """Write everything taken so far; return the keys of deleted rows not reported before."""
        with self.gateway._lock:
            self._flush()
            missing, self._unreported = sorted(self._unreported), set()
        return missing

    def close(self) -> None:
        with self.gateway._lock:
            self._flush()

    def _flush(self) -> None:
        if not self._pending:
            return
        spreadsheet_id = self.source.spreadsheet_id
        self.gateway._call(spreadsheet_id, write=True)  # on failure the cells stay pending
        batch, self._pending = self._pending, {}
        where = self.gateway.tags[spreadsheet_id]
        found = {key: where[key][1] for key in batch if where.get(key, ("", 0))[0] == self.source.sheet_name}
        self._unreported.update(key for key in batch if key not in found)
        cells = {(found[key], c): text for key, row in batch.items() if key in found for c, text in row.items()}
        if cells:
            self.gateway._put(spreadsheet_id, self.source.sheet_name, cells, sorted(found, key=found.__getitem__))


def _pick(grid: Grid, ranges: Sequence[A1Range]) -> Picked:
    """The non-blank cells of the selected ranges, by row; rows without any are left out."""
    picked: Picked = {}
    for rng in ranges:
        last_row = len(grid) if rng.end_row is None else min(rng.end_row, len(grid))
        for r in range(rng.first_row, last_row):
            row = grid[r]
            last_col = len(row) if rng.end_col is None else min(rng.end_col, len(row))
            for c in range(rng.first_col, last_col):
                if row[c].strip():
                    picked.setdefault(r, {})[c] = row[c]
    return picked


def _detect_header(picked: Picked, row_one: list[str]) -> tuple[int, list[str]]:
    """Row 1, unless row 1 is blank or the selection starts at a row that names a known column."""
    if not picked or min(picked) == 0:
        return 0, row_one
    first = min(picked)
    first_values = [picked[first].get(c, "") for c in range(max(picked[first]) + 1)]
    if not any(v.strip() for v in row_one) or (names_known_column(first_values) and not names_known_column(row_one)):
        return first, first_values
    return 0, row_one


def _header_names(values: list[str], width: int) -> list[str]:
    """Header text per column; blanks become ``Column X``, repeats get `` (X)``."""
    names: list[str] = []
    for c in range(width):
        text = values[c].strip() if c < len(values) else ""
        name = text or f"Column {column_letter(c)}"
        names.append(f"{name} ({column_letter(c)})" if name in names else name)
    return names


def _trim(row: Sequence[str]) -> list[str]:
    cells = list(row)
    while cells and cells[-1] == "":
        cells.pop()
    return cells


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


def _error(status: int, message: str, *, write: bool, account: str) -> SheetsError:
    body = json.dumps({"error": {"code": status, "message": message, "status": _REASONS.get(status, "UNAVAILABLE")}})
    return api_error(status, body, write=write, account=account)
