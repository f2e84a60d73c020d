"""``MemorySheetGateway``: the ``SheetGateway`` port over spreadsheets held in memory, for tests.

A spreadsheet is a dict of tabs; a tab is a grid, a list of rows (row 0 is
sheet row 1), each a list of cell texts. It behaves like
``GoogleSheetGateway`` over the Sheets API and passes the same contract
(``tests/contract/sheet_gateway_contract.py``):

- ``read`` reads the selection (the header row, the selected ranges, empty
  rows skipped, the header found as the reader finds it) and detects the
  name/website columns with the product's ``detect_columns``; keys are
  ``<prefix>:<row number>``.
- ``prepare`` also inserts the job's own output columns right of the user's
  data (cells there move right) and tags them, the identity columns, the
  ``column_map`` columns and each row. A row tag moves with its row when rows
  are inserted or deleted above it (``insert_rows``/``delete_rows``, as a user
  would) and disappears with a deleted row; column tags move with inserted
  columns (``insert_columns``), like developer metadata. ``window`` reads one
  band of rows (a planning chunk) and skips rows tagged already.
- ``writer(job)`` takes rows and writes on ``commit`` (and ``close``) into the
  row that holds the key now if it still holds its company (else the one row
  that does), as given (``RAW``: nothing is evaluated), never an empty value,
  never over a user's edit (kept, and the status says so), only the status of
  a failed row; ``commit`` returns the keys of finished rows not written,
  ``skip_reasons`` why, ``row_writes`` what each row's cells hold.
- ``cleanup(job, keys)`` removes the job's tags.

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

from service.domain import Job, Row, WrittenCells
from service.domain.errors import InputError, SheetsError
from service.domain.sources import SheetColumns, SheetSource
from service.domain.tables import InputRecord, InputTable, column_index, column_letter
from service.files.schema import detect_columns, names_known_column
from service.sheets.a1 import A1Range
from service.sheets.cells import row_texts
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
    column_of: dict[str, int] = field(default_factory=dict)  # header name -> 0-based column
    header_values: list[str] = field(default_factory=list)


class MemorySheetGateway:
    """Spreadsheets in memory behind the ``SheetGateway`` port; thread-safe."""

    def __init__(
        self, spreadsheets: Mapping[str, Mapping[str, Sequence[Sequence[Any]]]] | None = None, *, account: str = ACCOUNT
    ) -> None:
        self.spreadsheets: dict[str, dict[str, Grid]] = {}
        self.tags: dict[str, dict[str, tuple[str, int]]] = {}  # spreadsheet -> key -> (tab, 0-based row)
        self.column_tags: dict[str, dict[str, tuple[str, int]]] = {}  # spreadsheet -> value -> (tab, 0-based column)
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
            self.column_tags[spreadsheet_id] = {}

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

    def insert_columns(self, spreadsheet_id: str, sheet_name: str, *, at: int, count: int = 1) -> None:
        """Insert ``count`` empty columns before 0-based column ``at``; column tags right of it move right."""
        with self._lock:
            for row in self._grid(spreadsheet_id, sheet_name):
                if len(row) > at:
                    row[at:at] = [""] * count
            tags = self.column_tags[spreadsheet_id]
            for value, (tab, c) in tags.items():
                if tab == sheet_name and c >= at:
                    tags[value] = (tab, c + count)

    def sort_rows(
        self, spreadsheet_id: str, sheet_name: str, *, column: int, start_row: int = 1, descending: bool = False
    ) -> None:
        """Sort rows below ``start_row`` by a column, moving VALUES only: row tags stay where they were
        (Google does not promise that a sort moves row metadata; the fake assumes the worst)."""
        with self._lock:
            grid = self._grid(spreadsheet_id, sheet_name)
            body = grid[start_row:]
            filled = [row for row in body if column < len(row) and row[column].strip()]
            blank = [row for row in body if not (column < len(row) and row[column].strip())]
            filled.sort(key=lambda row: row[column].casefold(), reverse=descending)
            grid[start_row:] = filled + blank

    def tag_values(self, spreadsheet_id: str) -> set[str]:
        """Every row key and column tag value in the spreadsheet."""
        with self._lock:
            return set(self.tags[spreadsheet_id]) | set(self.column_tags[spreadsheet_id])

    def edit(self, spreadsheet_id: str, sheet_name: str, row: int, column: int, text: str) -> None:
        """The user types ``text`` into a cell (0-based row and column)."""
        with self._lock:
            grid = self._grid(spreadsheet_id, sheet_name)
            while len(grid) <= row:
                grid.append([])
            grid[row].extend([""] * (column + 1 - len(grid[row])))
            grid[row][column] = text

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

    def prepare(
        self, source: SheetSource, *, fields: Sequence[str], job_id: str, window: tuple[int, int] | None = None
    ) -> PreparedSheet:
        with self._lock:
            self._call(source.spreadsheet_id, write=False)
            self.reads.append(source.spreadsheet_id)
            self.prepared.append(job_id)
            read = self._read(source, job_id, window)
            layout = source.layout or self._output_columns(source, read, fields, job_id)
            tags = self.tags[source.spreadsheet_id]
            at = {r: key for key, (tab, r) in tags.items() if tab == read.sheet_name and key.startswith(f"{job_id}:")}
            numbers = {key: n for key, n in read.row_numbers.items() if n - 1 not in at}
            keep = {key for key, n in read.row_numbers.items() if at.get(n - 1, key) == key}
            for key, number in numbers.items():
                tags[key] = (read.sheet_name, number - 1)
            more = window is not None and window[1] < self._last_row(source, read.sheet_name)
        records = [r for r in read.table.records if r.key in keep]
        table = InputTable(read.table.headers, read.table.columns, records)
        completed = replace(
            source,
            sheet_name=read.sheet_name,
            sheet_id=layout.sheet_id,
            header_row=read.header_row,
            headers=source.headers if source.layout else tuple(read.table.headers),
            columns=source.columns if source.layout else read.table.columns,
            layout=layout,
        )
        return PreparedSheet(completed, table, more=more)

    def writer(self, job: Job) -> MemorySheetWriter:
        source = job.source
        if not isinstance(source, SheetSource) or source.layout is None:
            raise InputError(f"job {job.id} has no prepared sheet to write to")
        return MemorySheetWriter(self, source, job.id)

    def cleanup(self, job: Job, keys: Sequence[str]) -> None:
        source = job.source
        assert isinstance(source, SheetSource)
        with self._lock:
            self._call(source.spreadsheet_id, write=True)
            for key in keys:
                self.tags[source.spreadsheet_id].pop(key, None)
            columns = self.column_tags[source.spreadsheet_id]
            for value in [v for v in columns if v.startswith(f"{job.id}:")]:
                del columns[value]

    def close(self) -> None:
        pass

    # --- reading a selection (the rules of service/sheets/reader.py)
    def _read(self, source: SheetSource, prefix: str, window: tuple[int, int] | None = None) -> _Read:
        tabs = self.spreadsheets[source.spreadsheet_id]
        sheet_name = source.sheet_name or next(iter(tabs), "")
        grid = self._grid(source.spreadsheet_id, sheet_name)
        ranges = selection_of(replace(source, sheet_name=sheet_name)).parsed_ranges() or [A1Range(sheet_name)]
        picked = _pick(grid, ranges)
        if window is not None:
            picked = {r: cells for r, cells in picked.items() if window[0] <= r < window[1]}
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
        width = max(len(names), len(header_values))
        read = _Read(InputTable(headers, column_map, records), sheet_name, header + 1, numbers, width)
        read.column_of = {name: c for c, name in enumerate(names)}
        read.header_values = header_values
        return read

    def _last_row(self, source: SheetSource, sheet_name: str) -> int:
        grid = self._grid(source.spreadsheet_id, sheet_name)
        ranges = selection_of(replace(source, sheet_name=sheet_name)).parsed_ranges() or [A1Range(sheet_name)]
        return max(len(grid) if r.end_row is None else min(r.end_row, len(grid)) for r in ranges)

    # --- output columns (the rules of service/sheets/layout.py)
    def _output_columns(self, source: SheetSource, read: _Read, fields: Sequence[str], job_id: str) -> SheetColumns:
        spreadsheet_id, tab = source.spreadsheet_id, read.sheet_name
        header = read.header_values
        inputs = {
            output: read.column_of[name]
            for output, name in (("input.name", read.table.columns.name), ("input.website", read.table.columns.website))
            if name
        }
        mapped: dict[str, int] = {}
        for name, wanted in source.column_map.items():
            matches = [c for c, text in enumerate(header) if _norm(text) == _norm(wanted)]
            if not matches and wanted.isalpha() and len(wanted) <= 3:
                matches = [column_index(wanted.upper())]
            if name not in fields or not matches or matches[0] in inputs.values():
                raise InputError(f"column_map: cannot write {name} into column {wanted!r}")
            mapped[name] = matches[0]
        own = [name for name in [STATUS, RESEARCHED_AT, *fields, SOURCES] if name not in mapped]
        taken = {_norm(text) for text in header if text.strip()}
        start = max([read.width, *(c + 1 for c in mapped.values())])
        columns = {name: start + i for i, name in enumerate(own)}
        headers = {name: default_header(name) for name in own}
        headers = {name: f"{text} (Rowscout)" if _norm(text) in taken else text for name, text in headers.items()}
        for row in self._grid(spreadsheet_id, tab):  # insert the columns: the user's cells move right
            if len(row) > start:
                row[start:start] = [""] * len(own)
        cells = {(read.header_row - 1, columns[name]): headers[name] for name in own}
        self._put(spreadsheet_id, tab, cells, ())
        tags = self.column_tags[spreadsheet_id]
        for name, column in {**columns, **mapped, **inputs}.items():
            tags[f"{job_id}:{name}"] = (tab, column)
        headers.update(
            {
                name: (header + [""] * (column + 1))[column] or f"column {column_letter(column)}"
                for name, column in mapped.items()
            }
        )
        return SheetColumns(
            self.sheet_id(spreadsheet_id, tab),
            read.header_row,
            {**columns, **mapped},
            tuple(headers[name] for name in own),
            inputs=inputs,
            mapped=tuple(mapped),
            headers=headers,
        )

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
    """The ``SheetWriter`` of a prepared sheet job: buffers rows, writes them on ``commit``/``close``."""

    def __init__(self, gateway: MemorySheetGateway, source: SheetSource, job_id: str) -> None:
        assert source.layout is not None
        self.gateway = gateway
        self.source = source
        self.job_id = job_id
        self.layout = source.layout
        self._pending: dict[str, Row] = {}
        self._unreported: set[str] = set()
        self._reasons: dict[str, str] = {}
        self._writes: dict[str, WrittenCells] = {}

    def write(self, job: Job, rows: Sequence[Row]) -> None:
        with self.gateway._lock:
            self._pending.update({row.key: row for row in rows})

    def commit(self) -> list[str]:
        """Write everything taken so far; return the keys of finished rows not written, not reported before."""
        with self.gateway._lock:
            self._flush()
            missing, self._unreported = sorted(self._unreported), set()
        return missing

    def row_writes(self) -> dict[str, WrittenCells]:
        writes, self._writes = self._writes, {}
        return writes

    def skip_reasons(self) -> dict[str, str]:
        return dict(self._reasons)

    def close(self) -> None:
        with self.gateway._lock:
            self._flush()

    def _flush(self) -> None:
        if not self._pending:
            return
        spreadsheet_id, tab = self.source.spreadsheet_id, self.source.sheet_name
        self.gateway._call(spreadsheet_id, write=True)  # on failure the rows stay pending
        batch, self._pending = self._pending, {}
        grid = self.gateway._grid(spreadsheet_id, tab)
        columns = {
            value.split(":", 1)[1]: c
            for value, (where, c) in self.gateway.column_tags[spreadsheet_id].items()
            if where == tab and value.startswith(f"{self.job_id}:")
        }
        if STATUS not in columns:
            raise _error(404, "Rowscout's status column is gone", write=True, account=self.gateway.account)
        identity = [columns[n] for n in ("input.name", "input.website") if n in columns]
        cells: dict[tuple[int, int], str] = {}
        claimed: set[int] = set()
        for key, row in batch.items():
            r = self._row_of(key, row, grid, identity, claimed)
            if r is None:
                continue
            claimed.add(r)
            cells.update({(r, c): text for c, text in self._decide(row, grid[r] if r < len(grid) else [], columns)})
        if cells:
            self.gateway._put(spreadsheet_id, tab, cells, sorted(batch))

    def _row_of(self, key: str, row: Row, grid: Grid, identity: list[int], claimed: set[int]) -> int | None:
        wanted = [_norm(row.input.name), _norm(row.input.website)][: len(identity)] if identity else []
        if len(identity) == 1 and "input.name" not in self.layout.inputs:
            wanted = [_norm(row.input.website)]

        def holds(r: int) -> bool:
            cells = grid[r] if r < len(grid) else []
            return any(wanted) and [_norm(cells[c]) if c < len(cells) else "" for c in identity] == wanted

        tab, r = self.gateway.tags[self.source.spreadsheet_id].get(key, ("", -1))
        if tab == self.source.sheet_name and holds(r):
            return r
        candidates = [i for i in range(len(grid)) if i not in claimed and holds(i)]
        if len(candidates) == 1:
            return candidates[0]
        if row.state.is_final:
            self._unreported.add(key)
            self._reasons[key] = "row not written: " + ("ambiguous" if candidates else "row deleted or changed")
        return None

    def _decide(self, row: Row, current: list[str], columns: dict[str, int]) -> list[tuple[int, str]]:
        out: list[tuple[int, str]] = []
        written: dict[str, str] = {}
        kept: list[str] = []
        for name, text in row_texts(row, self.layout.columns).items():
            if name == STATUS or name not in columns:
                continue
            c = columns[name]
            now = current[c] if c < len(current) else ""
            if now == text:
                written[name] = text
            elif not now.strip() or now == row.written.get(name):
                out.append((c, text))
                written[name] = text
            else:
                kept.append(self.layout.headers.get(name) or default_header(name))
        out.append((columns[STATUS], replace(row, kept=tuple(kept)).status_text if kept else row.status_text))
        if row.state.is_final:
            self._writes[row.key] = WrittenCells(written, tuple(kept))
        return out


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
