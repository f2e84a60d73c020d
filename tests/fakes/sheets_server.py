"""A fake Google Sheets API v4 on a loopback port, for tests and benchmarks.

The real ``google-api-python-client`` talks to it over HTTP
(``client_options={"api_endpoint": server.endpoint}``). It follows Google's
documented behaviour where Rowscout depends on it, and takes the reading
that is worst for callers where the documentation is silent:

- responses are proto3 JSON: integer fields equal to 0 are left out of every
  ``GridRange``/``DimensionRange`` (the first tab's sheetId 0, a range starting
  at row 0), while ``SheetProperties.sheetId`` stays;
- row and column developer metadata follow inserts, deletes and moves of
  their row/column and are deleted with it; SORTING MOVES CELL VALUES ONLY
  (metadata stays where it was); renaming a tab keeps its sheetId and A1
  ranges name tabs by their current title (a missing title is a 400
  "Unable to parse range: ...");
- quotas are requests per rolling minute, reads and writes apart, per user
  (bearer token; default 60) and for the whole server (the project; default
  300), on an injectable clock; a 429 and every other error has Google's
  JSON error shape and status string;
- ``RAW`` vs ``USER_ENTERED`` input, JSON ``null`` skips a cell, protected
  ranges, sharing roles; a failed ``batchUpdate`` changes nothing.

It records, not scripts: ``server.requests`` (every request: method, path,
query, body, write or read, status), ``server.calls`` (by method),
``server.writes``/``reads`` (requests that passed the quota),
``server.max_writes_in_any_minute()``; ``server.fail_next(n, status=503)``
injects failures; ``sort_rows``, ``insert_rows``/``delete_rows``,
``insert_columns``/``delete_columns``, ``move_rows``/``move_columns``,
``rename_sheet``, ``add_sheet``/``delete_sheet`` and ``user_edit`` change the
sheet as a user would mid-job (without using API quota).
"""

from __future__ import annotations

import collections
import json
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from service.domain.errors import InputError
from service.sheets.a1 import A1Range, cell_range, column_letter, parse_a1, quote_sheet
from tests.fakes.discovery import Discovery, SchemaViolation, apply_field_mask, error_problems, parse_field_mask

READ_METHODS = frozenset(
    {
        "spreadsheets.get",
        "values.get",
        "values.batchGet",
        "values.batchGetByDataFilter",
        "developerMetadata.search",
    }
)
PROTECTED_MESSAGE = (
    "You are trying to edit a protected cell or object. Please contact the spreadsheet owner to "
    "remove protection if you need to edit."
)
STATUS_NAMES = {  # google.rpc.Code names Google puts in ``error.status``
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
DEFAULT_MESSAGES = {
    401: "Request had invalid authentication credentials.",
    403: "The caller does not have permission",
    404: "Requested entity was not found.",
    409: "The operation was aborted.",
    500: "Internal error encountered.",
    503: "The service is currently unavailable.",
    504: "The service is currently unavailable.",
}


class FakeClock:
    """A clock that only moves when told to; ``sleep`` advances it (shared by limiter and server)."""

    def __init__(self, start: float = 1_000_000.0) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def sleep(self, seconds: float) -> None:
        self.advance(max(0.0, seconds))

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds


class ApiError(Exception):
    """An error answer in Google's JSON shape: ``{"error": {"code", "message", "status", "details"?}}``."""

    def __init__(self, code: int, message: str = "", *, details: list[dict[str, Any]] | None = None) -> None:
        message = message or DEFAULT_MESSAGES.get(code, "")
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details or []

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message, "status": STATUS_NAMES[self.code]}
        if self.details:
            error["details"] = self.details
        return {"error": error}


@dataclass(frozen=True)
class Cell:
    kind: str  # string | number | bool | formula
    value: Any


@dataclass
class Sheet:
    sheet_id: int
    title: str
    index: int
    row_count: int = 1000
    col_count: int = 26
    rows: list[list[Cell | None]] = field(default_factory=list)

    def get(self, r: int, c: int) -> Cell | None:
        if r < len(self.rows) and c < len(self.rows[r]):
            return self.rows[r][c]
        return None

    def set(self, r: int, c: int, cell: Cell | None) -> None:
        while len(self.rows) <= r:
            self.rows.append([])
        row = self.rows[r]
        while len(row) <= c:
            row.append(None)
        row[c] = cell

    def properties(self) -> dict[str, Any]:
        return {
            "sheetId": self.sheet_id,
            "title": self.title,
            "index": self.index,
            "sheetType": "GRID",
            "gridProperties": {"rowCount": self.row_count, "columnCount": self.col_count},
        }


@dataclass
class Spreadsheet:
    spreadsheet_id: str
    title: str
    sheets: list[Sheet]
    metadata: dict[int, dict[str, Any]] = field(default_factory=dict)
    roles: dict[str, str] = field(default_factory=dict)  # user -> owner | writer | reader
    protected: list[dict[str, Any]] = field(default_factory=list)  # {"sheetId","range","editors"}

    def sheet_by_id(self, sheet_id: int) -> Sheet:
        for sheet in self.sheets:
            if sheet.sheet_id == sheet_id:
                return sheet
        raise ApiError(400, f"No grid with id: {sheet_id}")

    def sheet_by_title(self, title: str | None) -> Sheet:
        if title is None:
            return self.sheets[0]
        for sheet in self.sheets:
            if sheet.title == title:
                return sheet
        raise ApiError(400, f"Unable to parse range: {title}")


@dataclass(frozen=True)
class Recorded:
    method: str
    user: str
    at: float
    body: dict[str, Any]
    size: int


@dataclass(frozen=True)
class Request:
    """One request the server received, whatever its answer (``server.requests``)."""

    at: float
    user: str
    http_method: str
    path: str  # decoded, without the query
    method: str  # "values.batchUpdate", "spreadsheets.get", ...
    params: dict[str, list[str]]  # query parameters
    body: Any
    write: bool
    status: int


# ---------------------------------------------------------------- cell values


def parse_input(value: Any, option: str) -> Cell | None | bool:
    """The cell a written JSON value becomes; ``True`` means "skip" (JSON null)."""
    if value is None:
        return True
    if isinstance(value, bool):
        return Cell("bool", value)
    if isinstance(value, int | float):
        return Cell("number", float(value))
    text = str(value)
    if text == "":
        return None
    if option == "RAW":
        return Cell("string", text)
    return _user_entered(text)


def _user_entered(text: str) -> Cell:
    if text.startswith("'"):
        return Cell("string", text[1:])
    if text.startswith("="):
        return Cell("formula", text)
    if text.upper() in ("TRUE", "FALSE"):
        return Cell("bool", text.upper() == "TRUE")
    try:
        return Cell("number", float(text.replace(",", "")))
    except ValueError:
        pass
    if text[0] in "+-" and len(text) > 1:
        return Cell("formula", "=" + text)
    return Cell("string", text)


def render(cell: Cell | None, option: str) -> Any:
    if cell is None:
        return ""
    if cell.kind == "formula":
        return cell.value if option == "FORMULA" else "#NAME?"
    if cell.kind == "number":
        number = int(cell.value) if float(cell.value).is_integer() else cell.value
        return str(number) if option == "FORMATTED_VALUE" else number
    if cell.kind == "bool":
        return ("TRUE" if cell.value else "FALSE") if option == "FORMATTED_VALUE" else cell.value
    return cell.value


# ---------------------------------------------------------------- grid ranges


@dataclass(frozen=True)
class Box:
    """A bounded grid range on one sheet (0-based, end-exclusive)."""

    sheet: Sheet
    r0: int
    r1: int
    c0: int
    c1: int

    def a1(self) -> str:
        return cell_range(self.sheet.title, self.r0, self.c0, self.r1, self.c1)

    def intersects(self, other: dict[str, Any]) -> bool:
        return (
            self.sheet.sheet_id == other.get("sheetId", 0)
            and self.r0 < other.get("endRowIndex", 10**9)
            and other.get("startRowIndex", 0) < self.r1
            and self.c0 < other.get("endColumnIndex", 10**9)
            and other.get("startColumnIndex", 0) < self.c1
        )


def box_from_a1(book: Spreadsheet, text: str) -> Box:
    try:
        rng = parse_a1(text)
    except InputError as exc:
        raise ApiError(400, f"Unable to parse range: {text}") from exc
    try:
        sheet = book.sheet_by_title(rng.sheet)
    except ApiError as exc:
        raise ApiError(400, f"Unable to parse range: {text}") from exc
    return box_from_range(sheet, rng, text)


def box_from_range(sheet: Sheet, rng: A1Range, text: str) -> Box:
    r1 = sheet.row_count if rng.end_row is None else rng.end_row
    c1 = sheet.col_count if rng.end_col is None else rng.end_col
    if rng.first_row >= sheet.row_count or rng.first_col >= sheet.col_count:
        raise ApiError(
            400,
            f"Range ({text}) exceeds grid limits. Max rows: {sheet.row_count}, max columns: {sheet.col_count}",
        )
    return Box(sheet, rng.first_row, min(r1, sheet.row_count), rng.first_col, min(c1, sheet.col_count))


def box_from_grid(book: Spreadsheet, grid: dict[str, Any]) -> Box:
    sheet = book.sheet_by_id(grid.get("sheetId", 0))
    return Box(
        sheet,
        grid.get("startRowIndex", 0),
        grid.get("endRowIndex", sheet.row_count),
        grid.get("startColumnIndex", 0),
        grid.get("endColumnIndex", sheet.col_count),
    )


def read_box(box: Box, option: str) -> dict[str, Any]:
    values: list[list[Any]] = []
    for r in range(box.r0, box.r1):
        row = [render(box.sheet.get(r, c), option) for c in range(box.c0, box.c1)]
        while row and row[-1] == "":
            row.pop()
        values.append(row)
    while values and not values[-1]:
        values.pop()
    result: dict[str, Any] = {"range": box.a1(), "majorDimension": "ROWS"}
    if values:
        result["values"] = values
    return result


# ---------------------------------------------------------------- dimension moves


def _shift_insert(start: int, end: int, at: int, n: int) -> tuple[int, int]:
    if start >= at:
        return start + n, end + n
    if end > at:
        return start, end + n
    return start, end


def _shift_delete(start: int, end: int, ds: int, de: int) -> tuple[int, int] | None:
    n = de - ds
    if start >= ds and end <= de:
        return None
    return start - min(max(start - ds, 0), n), end - min(max(end - ds, 0), n)


def full_dimension_range(rng: dict[str, Any]) -> dict[str, Any]:
    """A request's ``DimensionRange`` with proto3's omitted zeros put back (sheetId 0, startIndex 0)."""
    if "endIndex" not in rng:
        raise ApiError(400, "The dimension range must have an end index.")
    return {
        "sheetId": int(rng.get("sheetId", 0)),
        "dimension": rng.get("dimension", "DIMENSION_UNSPECIFIED"),
        "startIndex": int(rng.get("startIndex", 0)),
        "endIndex": int(rng["endIndex"]),
    }


def _dim_key(dimension: str) -> tuple[str, str]:
    return ("startRowIndex", "endRowIndex") if dimension == "ROWS" else ("startColumnIndex", "endColumnIndex")


class Model:
    """The spreadsheets and every mutation the API and the test helpers make."""

    def __init__(self) -> None:
        self.books: dict[str, Spreadsheet] = {}
        self.next_metadata_id = 1000

    def book(self, spreadsheet_id: str) -> Spreadsheet:
        if spreadsheet_id not in self.books:
            raise ApiError(404, "Requested entity was not found.")
        return self.books[spreadsheet_id]

    # --- values
    def write_box(
        self,
        book: Spreadsheet,
        box: Box,
        values: list[list[Any]],
        option: str,
        user: str,
        *,
        exact: bool = True,
    ) -> dict[str, Any]:
        height = len(values)
        width = max((len(row) for row in values), default=0)
        if exact and (height > box.r1 - box.r0 or width > box.c1 - box.c0):
            raise ApiError(
                400,
                f"Requested writing within range [{box.a1()}], but tried writing to "
                f"row [{box.r0 + height}] column [{column_letter(box.c0 + width - 1)}]",
            )
        self._check_grid(box, height, width)
        target = Box(box.sheet, box.r0, box.r0 + height, box.c0, box.c0 + width)
        self.check_protected(book, target, user)
        cells = 0
        for i, row in enumerate(values):
            for j, value in enumerate(row):
                cell = parse_input(value, option)
                if cell is True:
                    continue
                box.sheet.set(box.r0 + i, box.c0 + j, cell if isinstance(cell, Cell) else None)
                cells += 1
        return {
            "updatedRange": target.a1() if height and width else box.a1(),
            "updatedRows": height,
            "updatedColumns": width,
            "updatedCells": cells,
        }

    def _check_grid(self, box: Box, height: int, width: int) -> None:
        sheet = box.sheet
        if box.r0 + height > sheet.row_count or box.c0 + width > sheet.col_count:
            last = f"{column_letter(box.c0 + max(width, 1) - 1)}{box.r0 + max(height, 1)}"
            raise ApiError(
                400,
                f"Range ({quote_sheet(sheet.title)}!{last}) exceeds grid limits. "
                f"Max rows: {sheet.row_count}, max columns: {sheet.col_count}",
            )

    def check_protected(self, book: Spreadsheet, box: Box, user: str) -> None:
        if book.roles.get(user) == "owner":
            return
        for item in book.protected:
            if user not in item["editors"] and box.intersects({"sheetId": item["sheetId"], **item["range"]}):
                raise ApiError(400, PROTECTED_MESSAGE)

    def clear_box(self, book: Spreadsheet, box: Box, user: str) -> None:
        self.check_protected(book, box, user)
        for r in range(box.r0, min(box.r1, len(box.sheet.rows))):
            for c in range(box.c0, min(box.c1, len(box.sheet.rows[r]))):
                box.sheet.rows[r][c] = None

    # --- developer metadata
    def create_metadata(self, book: Spreadsheet, spec: dict[str, Any]) -> dict[str, Any]:
        location = dict(spec.get("location") or {})
        if not spec.get("metadataKey"):
            raise ApiError(400, "Developer metadata must always have a key specified.")
        if spec.get("visibility") not in ("DOCUMENT", "PROJECT"):
            raise ApiError(400, "Developer metadata must always have visibility specified.")
        if "dimensionRange" in location:
            dim = location["dimensionRange"] = full_dimension_range(location["dimensionRange"])
            book.sheet_by_id(dim["sheetId"])
            if dim["dimension"] not in ("ROWS", "COLUMNS") or dim["endIndex"] - dim["startIndex"] != 1:
                raise ApiError(400, "Developer metadata may only be associated with a single row or column.")
            location["locationType"] = "ROW" if dim["dimension"] == "ROWS" else "COLUMN"
        elif "sheetId" in location:
            book.sheet_by_id(location["sheetId"])
            location["locationType"] = "SHEET"
        else:
            location = {"locationType": "SPREADSHEET", "spreadsheet": True}
        self.next_metadata_id += 1
        item = {
            "metadataId": spec.get("metadataId", self.next_metadata_id),
            "metadataKey": spec["metadataKey"],
            "location": location,
            "visibility": spec["visibility"],
        }
        if spec.get("metadataValue"):
            item["metadataValue"] = spec["metadataValue"]
        if item["metadataId"] in book.metadata or item["metadataId"] <= 0:
            raise ApiError(400, f"Invalid metadataId: {item['metadataId']}")
        book.metadata[item["metadataId"]] = item
        return item

    def match_metadata(self, book: Spreadsheet, data_filter: dict[str, Any]) -> list[dict[str, Any]]:
        lookup = data_filter.get("developerMetadataLookup")
        if lookup is None:
            box = self.filter_boxes(book, data_filter)[0]
            return [m for m in book.metadata.values() if self._meta_intersects(m, box)]
        return [m for m in book.metadata.values() if _lookup_matches(lookup, m)]

    @staticmethod
    def _meta_intersects(item: dict[str, Any], box: Box) -> bool:
        dim = item["location"].get("dimensionRange")
        if dim is None or dim.get("sheetId", 0) != box.sheet.sheet_id:
            return False
        lo, hi = (box.r0, box.r1) if dim["dimension"] == "ROWS" else (box.c0, box.c1)
        return dim["startIndex"] < hi and lo < dim["endIndex"]

    def filter_boxes(self, book: Spreadsheet, data_filter: dict[str, Any]) -> list[Box]:
        if "a1Range" in data_filter:
            return [box_from_a1(book, data_filter["a1Range"])]
        if "gridRange" in data_filter:
            return [box_from_grid(book, data_filter["gridRange"])]
        return [self._meta_box(book, m) for m in self.match_metadata(book, data_filter)]

    @staticmethod
    def _meta_box(book: Spreadsheet, item: dict[str, Any]) -> Box:
        location = item["location"]
        if "dimensionRange" in location:
            dim = location["dimensionRange"]
            sheet = book.sheet_by_id(dim.get("sheetId", 0))
            if dim["dimension"] == "ROWS":
                return Box(sheet, dim["startIndex"], dim["endIndex"], 0, sheet.col_count)
            return Box(sheet, 0, sheet.row_count, dim["startIndex"], dim["endIndex"])
        sheet = book.sheet_by_id(location.get("sheetId", book.sheets[0].sheet_id))
        return Box(sheet, 0, sheet.row_count, 0, sheet.col_count)

    # --- dimensions
    def insert_dimension(self, book: Spreadsheet, rng: dict[str, Any]) -> None:
        rng = full_dimension_range(rng)
        sheet = book.sheet_by_id(rng["sheetId"])
        at, n, dimension = rng["startIndex"], rng["endIndex"] - rng["startIndex"], rng["dimension"]
        if dimension == "ROWS":
            if at > len(sheet.rows):
                sheet.rows.extend([] for _ in range(at - len(sheet.rows)))
            sheet.rows[at:at] = [[] for _ in range(n)]
            sheet.row_count += n
        else:
            for row in sheet.rows:
                if len(row) > at:
                    row[at:at] = [None] * n
            sheet.col_count += n
        self._move(book, sheet, dimension, lambda s, e: _shift_insert(s, e, at, n))

    def delete_dimension(self, book: Spreadsheet, rng: dict[str, Any]) -> None:
        rng = full_dimension_range(rng)
        sheet = book.sheet_by_id(rng["sheetId"])
        ds, de, dimension = rng["startIndex"], rng["endIndex"], rng["dimension"]
        if dimension == "ROWS":
            del sheet.rows[ds:de]
            sheet.row_count -= de - ds
        else:
            for row in sheet.rows:
                del row[ds:de]
            sheet.col_count -= de - ds
        self._move(book, sheet, dimension, lambda s, e: _shift_delete(s, e, ds, de))

    def _move(
        self,
        book: Spreadsheet,
        sheet: Sheet,
        dimension: str,
        shift: Callable[[int, int], tuple[int, int] | None],
    ) -> None:
        for meta_id, item in list(book.metadata.items()):
            dim = item["location"].get("dimensionRange")
            if dim and dim.get("sheetId", 0) == sheet.sheet_id and dim["dimension"] == dimension:
                moved = shift(dim["startIndex"], dim["endIndex"])
                if moved is None:
                    del book.metadata[meta_id]
                else:
                    dim["startIndex"], dim["endIndex"] = moved
        start_key, end_key = _dim_key(dimension)
        for item in list(book.protected):
            grid = item["range"]
            if item["sheetId"] == sheet.sheet_id and start_key in grid:
                moved = shift(grid[start_key], grid[end_key])
                if moved is None:
                    book.protected.remove(item)
                else:
                    grid[start_key], grid[end_key] = moved

    def sort_range(self, book: Spreadsheet, grid: dict[str, Any], specs: list[dict[str, Any]]) -> None:
        box = box_from_grid(book, grid)
        sheet = box.sheet
        indexes = list(range(box.r0, box.r1))
        for spec in reversed(specs):
            column = spec.get("dimensionIndex", 0)
            descending = spec.get("sortOrder") == "DESCENDING"
            filled = [i for i in indexes if sheet.get(i, column) is not None]
            blank = [i for i in indexes if sheet.get(i, column) is None]
            filled.sort(key=lambda i, col=column: _sort_key(sheet.get(i, col)), reverse=descending)
            indexes = filled + blank
        old_slices = {i: [sheet.get(i, c) for c in range(box.c0, box.c1)] for i in indexes}
        for new_index, old_index in enumerate(indexes, start=box.r0):
            for offset, cell in enumerate(old_slices[old_index]):
                if cell is not None or sheet.get(new_index, box.c0 + offset) is not None:
                    sheet.set(new_index, box.c0 + offset, cell)
        # Row metadata stays where it was: Google documents that it follows inserts and deletes,
        # not sorts, so the fake takes the reading that is worst for callers.

    def move_dimension(self, book: Spreadsheet, rng: dict[str, Any], destination: int) -> None:
        """``moveDimension``: rows or columns [start, end) move to ``destination`` (pre-move index)."""
        rng = full_dimension_range(rng)
        sheet = book.sheet_by_id(rng["sheetId"])
        start, end, dimension = rng["startIndex"], rng["endIndex"], rng["dimension"]
        size = sheet.row_count if dimension == "ROWS" else sheet.col_count
        if not 0 <= start < end <= size or not 0 <= destination <= size:
            raise ApiError(400, f"Invalid moveDimension: range or destination outside the grid (size {size})")
        order = _moved_order(size, start, end, destination)
        if dimension == "ROWS":
            sheet.rows.extend([] for _ in range(size - len(sheet.rows)))
            sheet.rows[:] = [sheet.rows[i] for i in order]
        else:
            for row in sheet.rows:
                row.extend([None] * (size - len(row)))
                row[:] = [row[i] for i in order]
        where = {old: new for new, old in enumerate(order)}
        self._move(book, sheet, dimension, lambda s, e: _remap(s, e, where))

    def delete_sheet(self, book: Spreadsheet, sheet_id: int) -> None:
        sheet = book.sheet_by_id(sheet_id)
        if len(book.sheets) == 1:
            raise ApiError(400, "You can't remove all the sheets in a document.")
        book.sheets.remove(sheet)
        for index, other in enumerate(book.sheets):
            other.index = index
        for meta_id, item in list(book.metadata.items()):
            if _meta_sheet(item) == sheet_id:
                del book.metadata[meta_id]
        book.protected = [p for p in book.protected if p["sheetId"] != sheet_id]


def _moved_order(size: int, start: int, end: int, destination: int) -> list[int]:
    """Old indexes in their new order after moving [start, end) to ``destination``."""
    block = list(range(start, end))
    rest = [i for i in range(size) if not start <= i < end]
    at = destination if destination <= start else max(destination - (end - start), start)
    return rest[:at] + block + rest[at:]


def _remap(start: int, end: int, where: dict[int, int]) -> tuple[int, int]:
    """A span after a move: kept whole when its indexes stay adjacent, else left as it was."""
    moved = [where.get(i, i) for i in range(start, end)]
    if moved and moved == list(range(moved[0], moved[0] + len(moved))):
        return moved[0], moved[0] + len(moved)
    return start, end


def _sort_key(cell: Cell | None) -> tuple[int, Any]:
    assert cell is not None
    if cell.kind == "number":
        return (0, cell.value)
    return (1, str(cell.value).lower())


def _lookup_matches(lookup: dict[str, Any], item: dict[str, Any]) -> bool:
    for name in ("metadataId", "metadataKey", "metadataValue", "visibility"):
        if name in lookup and lookup[name] != item.get(name):
            return False
    location = item["location"]
    if "locationType" in lookup and lookup["locationType"] != location["locationType"]:
        return False
    wanted = lookup.get("metadataLocation")
    strategy = lookup.get("locationMatchingStrategy", "INTERSECTING_LOCATION")
    if wanted is None:
        if "locationMatchingStrategy" in lookup:
            raise ApiError(400, "If locationMatchingStrategy is specified, a metadataLocation must also be specified.")
        return True
    return _location_matches(wanted, location, exact=strategy == "EXACT_LOCATION")


def _location_matches(wanted: dict[str, Any], location: dict[str, Any], *, exact: bool) -> bool:
    """EXACT: the same location; INTERSECTING (Google's default): any location that overlaps it
    (row 3 intersects column B, its sheet and the spreadsheet)."""
    kind = location["locationType"]
    if wanted.get("spreadsheet"):
        return kind == "SPREADSHEET" or not exact
    if "dimensionRange" in wanted:
        want = full_dimension_range(wanted["dimensionRange"])
        have = location.get("dimensionRange")
        if exact or have is None:
            return have == want if exact else kind == "SPREADSHEET" or location.get("sheetId") == want["sheetId"]
        if have["sheetId"] != want["sheetId"]:
            return False
        return have["dimension"] != want["dimension"] or (
            have["startIndex"] < want["endIndex"] and want["startIndex"] < have["endIndex"]
        )
    if "sheetId" in wanted:
        if exact:
            return kind == "SHEET" and location["sheetId"] == wanted["sheetId"]
        return kind == "SPREADSHEET" or _meta_sheet({"location": location}) == wanted["sheetId"]
    return True


# ---------------------------------------------------------------- endpoints


class Endpoints:
    """One method per API method: ``(book, user, params, body) -> response JSON``."""

    def __init__(self, model: Model) -> None:
        self.model = model

    def spreadsheets_get(self, book: Spreadsheet, user: str, params: dict[str, Any], body: Any) -> dict[str, Any]:
        fields = params.get("fields", [""])[0]
        with_meta = not fields or "developerMetadata" in fields
        sheets = []
        for sheet in book.sheets:
            entry: dict[str, Any] = {"properties": sheet.properties()}
            metas = [
                m
                for m in book.metadata.values()
                if m["location"]["locationType"] == "SHEET" and m["location"]["sheetId"] == sheet.sheet_id
            ]
            if with_meta and metas:
                entry["developerMetadata"] = metas
            protected = [
                {"protectedRangeId": i, "range": {"sheetId": p["sheetId"], **p["range"]}}
                for i, p in enumerate(book.protected)
                if p["sheetId"] == sheet.sheet_id
            ]
            if protected:
                entry["protectedRanges"] = protected
            sheets.append(entry)
        result: dict[str, Any] = {
            "spreadsheetId": book.spreadsheet_id,
            "properties": {"title": book.title},
            "sheets": sheets,
        }
        top = [m for m in book.metadata.values() if m["location"]["locationType"] == "SPREADSHEET"]
        if with_meta and top:
            result["developerMetadata"] = top
        return result

    def values_get(self, book: Spreadsheet, user: str, params: dict[str, Any], body: Any) -> dict[str, Any]:
        option = params.get("valueRenderOption", ["FORMATTED_VALUE"])[0]
        return read_box(box_from_a1(book, params["range"][0]), option)

    def values_batchGet(self, book: Spreadsheet, user: str, params: dict[str, Any], body: Any) -> dict[str, Any]:
        option = params.get("valueRenderOption", ["FORMATTED_VALUE"])[0]
        ranges = [read_box(box_from_a1(book, r), option) for r in params.get("ranges", [])]
        return {"spreadsheetId": book.spreadsheet_id, "valueRanges": ranges}

    def values_batchGetByDataFilter(
        self, book: Spreadsheet, user: str, params: dict[str, Any], body: dict[str, Any]
    ) -> dict[str, Any]:
        option = body.get("valueRenderOption", "FORMATTED_VALUE")
        ranges = []
        for data_filter in body.get("dataFilters", []):
            for box in self.model.filter_boxes(book, data_filter):
                ranges.append({"valueRange": read_box(box, option), "dataFilters": [data_filter]})
        return {"spreadsheetId": book.spreadsheet_id, "valueRanges": ranges}

    def values_update(
        self, book: Spreadsheet, user: str, params: dict[str, Any], body: dict[str, Any]
    ) -> dict[str, Any]:
        option = _input_option(params.get("valueInputOption", [""])[0])
        box = box_from_a1(book, params["range"][0])
        exact = not _single_cell(params["range"][0])
        result = self.model.write_box(book, box, body.get("values", []), option, user, exact=exact)
        return {"spreadsheetId": book.spreadsheet_id, **result}

    def values_batchUpdate(
        self, book: Spreadsheet, user: str, params: dict[str, Any], body: dict[str, Any]
    ) -> dict[str, Any]:
        option = _input_option(body.get("valueInputOption", ""))
        responses = []
        for value_range in body.get("data", []):
            box = box_from_a1(book, value_range["range"])
            exact = not _single_cell(value_range["range"])
            result = self.model.write_box(book, box, value_range.get("values", []), option, user, exact=exact)
            responses.append({"spreadsheetId": book.spreadsheet_id, **result})
        return {"spreadsheetId": book.spreadsheet_id, **_totals(responses), "responses": responses}

    def values_batchUpdateByDataFilter(
        self, book: Spreadsheet, user: str, params: dict[str, Any], body: dict[str, Any]
    ) -> dict[str, Any]:
        option = _input_option(body.get("valueInputOption", ""))
        responses = []
        for value_range in body.get("data", []):
            boxes = self.model.filter_boxes(book, value_range["dataFilter"])
            if not boxes:
                responses.append({"dataFilter": value_range["dataFilter"]})
            for box in boxes:
                result = self.model.write_box(book, box, value_range.get("values", []), option, user)
                responses.append({**result, "dataFilter": value_range["dataFilter"]})
        return {"spreadsheetId": book.spreadsheet_id, **_totals(responses), "responses": responses}

    def values_append(
        self, book: Spreadsheet, user: str, params: dict[str, Any], body: dict[str, Any]
    ) -> dict[str, Any]:
        option = _input_option(params.get("valueInputOption", [""])[0])
        box = box_from_a1(book, params["range"][0])
        values = body.get("values", [])
        last = box.r0 - 1
        for r in range(box.r0, box.r1):
            if any(box.sheet.get(r, c) is not None for c in range(box.c0, box.c1)):
                last = r
        start = last + 1
        if params.get("insertDataOption", ["OVERWRITE"])[0] == "INSERT_ROWS":
            self.model.insert_dimension(
                book,
                {
                    "sheetId": box.sheet.sheet_id,
                    "dimension": "ROWS",
                    "startIndex": start,
                    "endIndex": start + len(values),
                },
            )
        box.sheet.row_count = max(box.sheet.row_count, start + len(values))
        target = Box(box.sheet, start, start + len(values), box.c0, box.sheet.col_count)
        result = self.model.write_box(book, target, values, option, user)
        return {
            "spreadsheetId": book.spreadsheet_id,
            "tableRange": box.a1(),
            "updates": {"spreadsheetId": book.spreadsheet_id, **result},
        }

    def values_clear(self, book: Spreadsheet, user: str, params: dict[str, Any], body: Any) -> dict[str, Any]:
        box = box_from_a1(book, params["range"][0])
        self.model.clear_box(book, box, user)
        return {"spreadsheetId": book.spreadsheet_id, "clearedRange": box.a1()}

    def developerMetadata_search(
        self, book: Spreadsheet, user: str, params: dict[str, Any], body: dict[str, Any]
    ) -> dict[str, Any]:
        matched: dict[int, dict[str, Any]] = {}
        for data_filter in body.get("dataFilters", []):
            for item in self.model.match_metadata(book, data_filter):
                entry = matched.setdefault(item["metadataId"], {"developerMetadata": item, "dataFilters": []})
                entry["dataFilters"].append(data_filter)
        return {"matchedDeveloperMetadata": list(matched.values())} if matched else {}

    def spreadsheets_batchUpdate(
        self, book: Spreadsheet, user: str, params: dict[str, Any], body: dict[str, Any]
    ) -> dict[str, Any]:
        replies = []
        for index, request in enumerate(body.get("requests", [])):
            ((name, args),) = request.items()
            handler = getattr(self, f"_req_{name}", None)
            if handler is None:
                raise ApiError(400, f"Invalid requests[{index}]: unsupported request {name}")
            try:
                replies.append(handler(book, user, args))
            except ApiError as exc:
                if exc.message == PROTECTED_MESSAGE:
                    raise
                raise ApiError(exc.code, f"Invalid requests[{index}].{name}: {exc.message}") from exc
        return {"spreadsheetId": book.spreadsheet_id, "replies": replies}

    # --- spreadsheets.batchUpdate requests
    def _req_createDeveloperMetadata(self, book: Spreadsheet, user: str, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "createDeveloperMetadata": {
                "developerMetadata": self.model.create_metadata(book, args["developerMetadata"])
            }
        }

    def _req_deleteDeveloperMetadata(self, book: Spreadsheet, user: str, args: dict[str, Any]) -> dict[str, Any]:
        deleted = self.model.match_metadata(book, args["dataFilter"])
        for item in deleted:
            book.metadata.pop(item["metadataId"], None)
        return {"deleteDeveloperMetadata": {"deletedDeveloperMetadata": deleted}}

    def _req_insertDimension(self, book: Spreadsheet, user: str, args: dict[str, Any]) -> dict[str, Any]:
        self.model.insert_dimension(book, args["range"])
        return {}

    def _req_deleteDimension(self, book: Spreadsheet, user: str, args: dict[str, Any]) -> dict[str, Any]:
        rng = full_dimension_range(args["range"])
        sheet = book.sheet_by_id(rng["sheetId"])
        start_key, end_key = _dim_key(rng["dimension"])
        self.model.check_protected(
            book,
            box_from_grid(book, {"sheetId": sheet.sheet_id, start_key: rng["startIndex"], end_key: rng["endIndex"]}),
            user,
        )
        self.model.delete_dimension(book, rng)
        return {}

    def _req_appendDimension(self, book: Spreadsheet, user: str, args: dict[str, Any]) -> dict[str, Any]:
        sheet = book.sheet_by_id(args.get("sheetId", 0))
        if args["dimension"] == "ROWS":
            sheet.row_count += args["length"]
        else:
            sheet.col_count += args["length"]
        return {}

    def _req_sortRange(self, book: Spreadsheet, user: str, args: dict[str, Any]) -> dict[str, Any]:
        self.model.sort_range(book, args["range"], args.get("sortSpecs", []))
        return {}

    def _req_moveDimension(self, book: Spreadsheet, user: str, args: dict[str, Any]) -> dict[str, Any]:
        self.model.move_dimension(book, args["source"], int(args.get("destinationIndex", 0)))
        return {}

    def _req_deleteSheet(self, book: Spreadsheet, user: str, args: dict[str, Any]) -> dict[str, Any]:
        self.model.delete_sheet(book, int(args.get("sheetId", 0)))
        return {}

    def _req_addSheet(self, book: Spreadsheet, user: str, args: dict[str, Any]) -> dict[str, Any]:
        props = args.get("properties", {})
        title = props.get("title") or f"Sheet{len(book.sheets) + 1}"
        _check_title_free(book, title)
        sheet_id = props.get("sheetId", max(s.sheet_id for s in book.sheets) + 1)
        if any(s.sheet_id == sheet_id for s in book.sheets):
            raise ApiError(400, f"A sheet with id {sheet_id} already exists.")
        grid = props.get("gridProperties", {})
        sheet = Sheet(sheet_id, title, len(book.sheets), grid.get("rowCount", 1000), grid.get("columnCount", 26))
        book.sheets.append(sheet)
        return {"addSheet": {"properties": sheet.properties()}}

    def _req_updateSheetProperties(self, book: Spreadsheet, user: str, args: dict[str, Any]) -> dict[str, Any]:
        props = args["properties"]
        sheet = book.sheet_by_id(props.get("sheetId", 0))
        fields = args.get("fields", "*")
        if "title" in props and ("title" in fields or fields == "*") and props["title"] != sheet.title:
            _check_title_free(book, props["title"])
            sheet.title = props["title"]  # the sheetId stays: ranges by the old title stop resolving
        grid = props.get("gridProperties", {})
        sheet.row_count = grid.get("rowCount", sheet.row_count)
        sheet.col_count = grid.get("columnCount", sheet.col_count)
        return {}

    def _req_updateCells(self, book: Spreadsheet, user: str, args: dict[str, Any]) -> dict[str, Any]:
        if "range" in args:
            box = box_from_grid(book, args["range"])
            self.model.clear_box(book, box, user)
            r0, c0 = box.r0, box.c0
            sheet = box.sheet
        else:
            start = args["start"]
            sheet = book.sheet_by_id(start.get("sheetId", 0))
            r0, c0 = start.get("rowIndex", 0), start.get("columnIndex", 0)
        values = [[_cell_data(c) for c in row.get("values", [])] for row in args.get("rows", [])]
        self.model.write_box(
            book, Box(sheet, r0, sheet.row_count, c0, sheet.col_count), values, "RAW", user, exact=False
        )
        return {}


def _check_title_free(book: Spreadsheet, title: str) -> None:
    if any(s.title.casefold() == title.casefold() for s in book.sheets):
        raise ApiError(400, f'A sheet with the name "{title}" already exists. Please enter another name.')


def _cell_data(cell: dict[str, Any]) -> Any:
    entered = cell.get("userEnteredValue")
    if not entered:
        return ""
    ((kind, value),) = entered.items()
    return "=" + value.lstrip("=") if kind == "formulaValue" else value


def _single_cell(text: str) -> bool:
    """A one-cell range (``Sheet1!C4``) is an anchor: values may spread right and down from it."""
    rng = parse_a1(text)
    return rng.end_row == rng.first_row + 1 and rng.end_col == rng.first_col + 1 and ":" not in text


def _meta_sheet(item: dict[str, Any]) -> int | None:
    location = item["location"]
    if "dimensionRange" in location:
        return int(location["dimensionRange"].get("sheetId", 0))
    return location.get("sheetId")


def _input_option(option: str) -> str:
    if option not in ("RAW", "USER_ENTERED"):
        raise ApiError(400, "Invalid valueInputOption: INPUT_VALUE_OPTION_UNSPECIFIED")
    return option


def _totals(responses: list[dict[str, Any]]) -> dict[str, int]:
    return {
        "totalUpdatedRows": sum(r.get("updatedRows", 0) for r in responses),
        "totalUpdatedColumns": sum(r.get("updatedColumns", 0) for r in responses),
        "totalUpdatedCells": sum(r.get("updatedCells", 0) for r in responses),
        "totalUpdatedSheets": len({r["updatedRange"].rpartition("!")[0] for r in responses if "updatedRange" in r}),
    }


# ---------------------------------------------------------------- HTTP routing


def route(http_method: str, path: str) -> tuple[str, str, str | None]:
    """(api method, spreadsheet id, range) for a request path."""
    rest = path.removeprefix("/v4/spreadsheets/")
    spreadsheet_id, sep, tail = rest.partition("/")
    if not sep:
        spreadsheet_id, _, action = rest.partition(":")
        return (
            ("spreadsheets.batchUpdate" if action == "batchUpdate" else "spreadsheets.get"),
            spreadsheet_id,
            None,
        )
    if tail == "developerMetadata:search":
        return "developerMetadata.search", spreadsheet_id, None
    if tail.startswith("values:"):
        return "values." + tail.removeprefix("values:"), spreadsheet_id, None
    encoded = tail.removeprefix("values/")
    encoded, _, action = encoded.partition(":")
    if action:
        return "values." + action, spreadsheet_id, unquote(encoded)
    return ("values.update" if http_method == "PUT" else "values.get"), spreadsheet_id, unquote(encoded)


class FakeSheetsServer:
    """The loopback server; use as a context manager or ``start()``/``stop()``."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        read_quota: int = 60,
        write_quota: int = 60,
        project_read_quota: int = 300,
        project_write_quota: int = 300,
    ) -> None:
        """Quotas are requests per rolling minute, per user (the bearer token) and for the whole server
        (the project); ``clock`` is injectable (``FakeClock``) and shared with the clients in tests."""
        self.clock = clock
        self.read_quota = read_quota
        self.write_quota = write_quota
        self.project_read_quota = project_read_quota
        self.project_write_quota = project_write_quota
        self.requests: list[Request] = []
        self.problems: list[str] = []  # fidelity problems (schema violations, fake bugs): fail at stop()
        self._windows: dict[bool, collections.deque[tuple[float, str]]] = {
            True: collections.deque(),
            False: collections.deque(),
        }
        self.model = Model()
        self.endpoints = Endpoints(self.model)
        self.discovery = Discovery.sheets()
        self.calls: collections.Counter[str] = collections.Counter()
        self.writes: list[Recorded] = []
        self.reads: list[Recorded] = []
        self.rejected: collections.Counter[int] = collections.Counter()
        self._failures: list[int] = []
        self._lock = threading.RLock()
        self._http: ThreadingHTTPServer | None = None

    # --- lifecycle
    def start(self) -> FakeSheetsServer:
        server = self

        class Handler(_Handler):
            fake = server

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._http.daemon_threads = True
        threading.Thread(target=self._http.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop serving; raises ``SchemaViolation`` if the fake ever sent what Google would not."""
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
            self._http = None
        self.check()

    def check(self) -> None:
        """Raise ``SchemaViolation`` listing every fidelity problem seen so far (then forget them)."""
        problems, self.problems = self.problems, []
        if problems:
            raise SchemaViolation("the fake Sheets server broke Google's contract:\n" + "\n".join(problems))

    def __enter__(self) -> FakeSheetsServer:
        return self.start()

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is None:
            self.stop()
        else:  # the test already fails: do not hide its error behind ours
            self.problems.clear()
            self.stop()

    @property
    def endpoint(self) -> str:
        assert self._http is not None, "server not started"
        return f"http://127.0.0.1:{self._http.server_address[1]}"

    # --- setup
    def create_spreadsheet(
        self,
        spreadsheet_id: str,
        sheets: dict[str, list[list[Any]]],
        *,
        owner: str = "test",
        rows: int = 1000,
        cols: int = 26,
    ) -> Spreadsheet:
        with self._lock:
            book = Spreadsheet(spreadsheet_id, spreadsheet_id, [], roles={owner: "owner"})
            for index, (title, values) in enumerate(sheets.items()):
                sheet = Sheet(index if index else 0, title, index, max(rows, len(values)), cols)
                for r, row in enumerate(values):
                    for c, value in enumerate(row):
                        parsed = parse_input(value, "USER_ENTERED")
                        sheet.set(r, c, parsed if isinstance(parsed, Cell) else None)
                book.sheets.append(sheet)
            self.model.books[spreadsheet_id] = book
            return book

    def share(self, spreadsheet_id: str, user: str, role: str = "writer") -> None:
        with self._lock:
            self.model.book(spreadsheet_id).roles[user] = role

    def protect(self, spreadsheet_id: str, a1: str, *, editors: Iterable[str] = ()) -> None:
        with self._lock:
            book = self.model.book(spreadsheet_id)
            box = box_from_a1(book, a1)
            grid = {
                "startRowIndex": box.r0,
                "endRowIndex": box.r1,
                "startColumnIndex": box.c0,
                "endColumnIndex": box.c1,
            }
            book.protected.append({"sheetId": box.sheet.sheet_id, "range": grid, "editors": set(editors)})

    def fail_next(self, n: int, *, status: int = 503) -> None:
        with self._lock:
            self._failures.extend([status] * n)

    # --- a user editing the sheet mid-job (no API quota used)
    def user_batch_update(self, spreadsheet_id: str, requests: list[dict[str, Any]]) -> dict[str, Any]:
        with self._lock:
            book = self.model.book(spreadsheet_id)
            owner = next(u for u, r in book.roles.items() if r == "owner")
            return self.endpoints.spreadsheets_batchUpdate(book, owner, {}, {"requests": requests})

    def sort_rows(
        self, spreadsheet_id: str, sheet: str, *, column: int, start_row: int = 1, descending: bool = False
    ) -> None:
        sheet_id = self.sheet(spreadsheet_id, sheet).sheet_id
        order = "DESCENDING" if descending else "ASCENDING"
        self.user_batch_update(
            spreadsheet_id,
            [
                {
                    "sortRange": {
                        "range": {"sheetId": sheet_id, "startRowIndex": start_row},
                        "sortSpecs": [{"dimensionIndex": column, "sortOrder": order}],
                    }
                }
            ],
        )

    def insert_rows(self, spreadsheet_id: str, sheet: str, *, at: int, count: int = 1) -> None:
        rng = {
            "sheetId": self.sheet(spreadsheet_id, sheet).sheet_id,
            "dimension": "ROWS",
            "startIndex": at,
            "endIndex": at + count,
        }
        self.user_batch_update(spreadsheet_id, [{"insertDimension": {"range": rng}}])

    def delete_rows(self, spreadsheet_id: str, sheet: str, *, start: int, end: int) -> None:
        rng = {
            "sheetId": self.sheet(spreadsheet_id, sheet).sheet_id,
            "dimension": "ROWS",
            "startIndex": start,
            "endIndex": end,
        }
        self.user_batch_update(spreadsheet_id, [{"deleteDimension": {"range": rng}}])

    def insert_columns(self, spreadsheet_id: str, sheet: str, *, at: int, count: int = 1) -> None:
        self.user_batch_update(
            spreadsheet_id,
            [{"insertDimension": {"range": self._span(spreadsheet_id, sheet, "COLUMNS", at, at + count)}}],
        )

    def delete_columns(self, spreadsheet_id: str, sheet: str, *, start: int, end: int) -> None:
        self.user_batch_update(
            spreadsheet_id, [{"deleteDimension": {"range": self._span(spreadsheet_id, sheet, "COLUMNS", start, end)}}]
        )

    def move_rows(self, spreadsheet_id: str, sheet: str, *, start: int, end: int, to: int) -> None:
        """Drag rows [start, end) to before row ``to`` (0-based, counted before the move)."""
        move = {"source": self._span(spreadsheet_id, sheet, "ROWS", start, end), "destinationIndex": to}
        self.user_batch_update(spreadsheet_id, [{"moveDimension": move}])

    def move_columns(self, spreadsheet_id: str, sheet: str, *, start: int, end: int, to: int) -> None:
        move = {"source": self._span(spreadsheet_id, sheet, "COLUMNS", start, end), "destinationIndex": to}
        self.user_batch_update(spreadsheet_id, [{"moveDimension": move}])

    def rename_sheet(self, spreadsheet_id: str, title: str, new_title: str) -> None:
        props = {"sheetId": self.sheet(spreadsheet_id, title).sheet_id, "title": new_title}
        self.user_batch_update(spreadsheet_id, [{"updateSheetProperties": {"properties": props, "fields": "title"}}])

    def add_sheet(self, spreadsheet_id: str, title: str, values: list[list[Any]] | None = None) -> Sheet:
        """A new tab (a new sheetId), optionally filled as a user would type ``values``."""
        self.user_batch_update(spreadsheet_id, [{"addSheet": {"properties": {"title": title}}}])
        if values:
            self.user_edit(spreadsheet_id, f"{quote_sheet(title)}!A1", values)
        return self.sheet(spreadsheet_id, title)

    def delete_sheet(self, spreadsheet_id: str, title: str) -> None:
        sheet_id = self.sheet(spreadsheet_id, title).sheet_id
        self.user_batch_update(spreadsheet_id, [{"deleteSheet": {"sheetId": sheet_id}}])

    def user_edit(self, spreadsheet_id: str, a1: str, values: list[list[Any]]) -> None:
        """The owner types ``values`` from the anchor cell ``a1`` (parsed as USER_ENTERED; no quota)."""
        with self._lock:
            book = self.model.book(spreadsheet_id)
            owner = next(u for u, r in book.roles.items() if r == "owner")
            box = box_from_a1(book, a1)
            target = Box(box.sheet, box.r0, box.sheet.row_count, box.c0, box.sheet.col_count)
            self.model.write_box(book, target, values, "USER_ENTERED", owner, exact=False)

    def _span(self, spreadsheet_id: str, sheet: str, dimension: str, start: int, end: int) -> dict[str, Any]:
        sheet_id = self.sheet(spreadsheet_id, sheet).sheet_id
        return {"sheetId": sheet_id, "dimension": dimension, "startIndex": start, "endIndex": end}

    # --- inspection
    def sheet(self, spreadsheet_id: str, title: str) -> Sheet:
        return self.model.book(spreadsheet_id).sheet_by_title(title)

    def values(self, spreadsheet_id: str, title: str) -> list[list[str]]:
        """The sheet as a user sees it (formatted), trailing empties trimmed."""
        with self._lock:
            sheet = self.sheet(spreadsheet_id, title)
            return read_box(Box(sheet, 0, sheet.row_count, 0, sheet.col_count), "FORMATTED_VALUE").get("values", [])

    def cell(self, spreadsheet_id: str, title: str, a1: str) -> Cell | None:
        box = box_from_a1(self.model.book(spreadsheet_id), f"{quote_sheet(title)}!{a1}")
        return box.sheet.get(box.r0, box.c0)

    def metadata(self, spreadsheet_id: str) -> list[dict[str, Any]]:
        return list(self.model.book(spreadsheet_id).metadata.values())

    def max_writes_in_any_minute(self, user: str | None = None) -> int:
        """Most write requests accepted in any rolling minute (for one user, or all)."""
        return _max_in_window([w.at for w in self.writes if user in (None, w.user)], 60.0)

    def max_reads_in_any_minute(self, user: str | None = None) -> int:
        return _max_in_window([r.at for r in self.reads if user in (None, r.user)], 60.0)

    # --- request handling
    def handle(self, http_method: str, raw_path: str, headers: dict[str, str], raw_body: bytes) -> tuple[int, Any]:
        """Answer one HTTP request: (status, JSON payload); every request is recorded in ``requests``."""
        parts = urlsplit(raw_path)
        method, spreadsheet_id, rng = route(http_method, parts.path)
        params: dict[str, Any] = parse_qs(parts.query)
        if rng is not None:
            params["range"] = [rng]
        user = headers.get("authorization", "").removeprefix("Bearer ").strip() or "anonymous"
        with self._lock:
            self.calls[method] += 1
            status, payload = self._answer(method, spreadsheet_id, user, params, raw_body)
            if status != 200:
                self.rejected[status] += 1
            body = _json_or_text(raw_body)
            write = method not in READ_METHODS
            path = unquote(parts.path)
            self.requests.append(Request(self.clock(), user, http_method, path, method, params, body, write, status))
            return status, payload

    def _answer(
        self, method: str, spreadsheet_id: str, user: str, params: dict[str, Any], raw_body: bytes
    ) -> tuple[int, Any]:
        try:
            body = json.loads(raw_body) if raw_body else {}
            payload = self._dispatch(method, spreadsheet_id, user, params, body, len(raw_body))
            return self._response(method, params, payload)
        except ApiError as exc:
            return exc.code, self._error(method, exc)
        except json.JSONDecodeError as exc:
            return 400, self._error(method, ApiError(400, f"Invalid JSON payload received. {exc.msg}"))
        except Exception as exc:  # a bug in the fake: answer 500 and fail the test at stop()
            return 500, self._problem(method, f"the fake raised {exc!r}")

    def _response(self, method: str, params: dict[str, Any], payload: Any) -> tuple[int, Any]:
        """The payload as Google writes it (zeros omitted, ``fields`` mask), checked against its schema."""
        ref = self.discovery.response_ref(method)
        shaped = self.discovery.shape(payload, ref)
        fields = params.get("fields", [""])[0]
        if fields:
            shaped = apply_field_mask(shaped, parse_field_mask(fields))
        found = self.discovery.problems(shaped, ref, complete=not fields)
        if found:
            return 500, self._problem(method, f"response is not a {ref}: " + "; ".join(found))
        return 200, shaped

    def _error(self, method: str, exc: ApiError) -> Any:
        body = exc.body()
        found = error_problems(body)
        return self._problem(method, "error body: " + "; ".join(found)) if found else body

    def _problem(self, method: str, text: str) -> Any:
        self.problems.append(f"{method}: {text}")
        return ApiError(500, f"fake Sheets server: {method}: {text}").body()

    def _check_request(self, method: str, body: Any) -> None:
        """Refuse a body Google would refuse (unknown field, wrong type) with Google's 400."""
        ref = self.discovery.request_ref(method)
        found = self.discovery.problems(body, ref, response=False) if ref else []
        if found:
            raise ApiError(400, f"Invalid JSON payload received. {found[0]}")

    def _dispatch(
        self, method: str, spreadsheet_id: str, user: str, params: dict[str, Any], body: Any, size: int
    ) -> Any:
        if self._failures:
            code = self._failures.pop(0)
            raise _quota_error(method, "injected", 0) if code == 429 else ApiError(code)
        is_read = method in READ_METHODS
        now = self.clock()
        self._spend_quota(method, user, is_read, now)
        (self.reads if is_read else self.writes).append(Recorded(method, user, now, body, size))
        book = self.model.book(spreadsheet_id)
        role = book.roles.get(user)
        if role is None or (not is_read and role == "reader"):
            raise ApiError(403)
        self._check_request(method, body)
        handler = getattr(self.endpoints, method.replace(".", "_"), None)
        if handler is None:
            raise ApiError(501, f"the fake Sheets server does not implement {method}")
        snapshot = None if is_read else _snapshot(book)
        try:
            return handler(book, user, params, body)
        except ApiError:
            if snapshot is not None:
                _restore(book, snapshot)
            raise
        except (KeyError, TypeError, ValueError) as exc:
            if snapshot is not None:
                _restore(book, snapshot)
            raise ApiError(400, f"Invalid JSON payload received. {exc!r}") from exc

    def _spend_quota(self, method: str, user: str, is_read: bool, now: float) -> None:
        """Per-user and per-project requests per rolling minute, reads and writes counted apart."""
        window = self._windows[is_read]
        while window and window[0][0] <= now - 60.0:
            window.popleft()
        per_user = self.read_quota if is_read else self.write_quota
        per_project = self.project_read_quota if is_read else self.project_write_quota
        if sum(1 for _, u in window if u == user) >= per_user:
            raise _quota_error(method, "user", per_user)
        if len(window) >= per_project:
            raise _quota_error(method, "project", per_project)
        window.append((now, user))


def _json_or_text(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else {}
    except json.JSONDecodeError:
        return raw.decode("utf-8", "replace")


def _quota_message(method: str, scope: str = "user") -> str:
    metric = "Read requests" if method in READ_METHODS else "Write requests"
    limit = f"{metric} per minute per user" if scope != "project" else f"{metric} per minute"
    return (
        f"Quota exceeded for quota metric '{metric}' and limit '{limit}' of service "
        "'sheets.googleapis.com' for consumer 'project_number:0'."
    )


def _quota_error(method: str, scope: str, limit: int) -> ApiError:
    """A 429 as Google sends it: RESOURCE_EXHAUSTED with an ErrorInfo naming the quota."""
    kind = "Read" if method in READ_METHODS else "Write"
    info = {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": "RATE_LIMIT_EXCEEDED",
        "domain": "googleapis.com",
        "metadata": {
            "service": "sheets.googleapis.com",
            "consumer": "projects/0",
            "quota_metric": f"sheets.googleapis.com/{kind.lower()}_requests",
            "quota_limit": f"{kind}RequestsPerMinute{'PerUser' if scope != 'project' else ''}",
            "quota_limit_value": str(limit),
            "quota_location": "global",
        },
    }
    help_link = {
        "@type": "type.googleapis.com/google.rpc.Help",
        "links": [
            {
                "description": "Request a higher quota limit.",
                "url": "https://cloud.google.com/docs/quotas/help/request_increase",
            }
        ],
    }
    return ApiError(429, _quota_message(method, scope), details=[info, help_link])


def _max_in_window(times: list[float], window: float) -> int:
    times = sorted(times)
    best = start = 0
    for end, at in enumerate(times):
        while at - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


def _snapshot(book: Spreadsheet) -> Any:
    sheets = [(s, s.title, s.index, s.row_count, s.col_count, [list(r) for r in s.rows]) for s in book.sheets]
    return (
        sheets,
        json.loads(json.dumps(book.metadata)),
        [{**p, "range": dict(p["range"])} for p in book.protected],
    )


def _copy_metadata(item: dict[str, Any]) -> dict[str, Any]:
    location = dict(item["location"])
    if "dimensionRange" in location:
        location["dimensionRange"] = dict(location["dimensionRange"])
    return {**item, "location": location}


def _restore(book: Spreadsheet, snapshot: Any) -> None:
    sheets, metadata, protected = snapshot
    book.sheets = [s for s, *_ in sheets]
    for sheet, title, index, row_count, col_count, rows in sheets:
        sheet.title, sheet.index, sheet.row_count, sheet.col_count = title, index, row_count, col_count
        sheet.rows = rows
    book.metadata = {int(k): v for k, v in metadata.items()}
    book.protected = protected


class _Handler(BaseHTTPRequestHandler):
    fake: FakeSheetsServer
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no 40 ms Nagle stalls

    def _serve(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, payload = self.fake.handle(self.command, self.path, headers, raw)
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = _serve

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        return
