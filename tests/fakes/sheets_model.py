"""The fake Sheets server's spreadsheet model: cells, tabs, grid ranges, developer metadata.

``Model`` makes every change the API and the test helpers make: writes (RAW or
USER_ENTERED), row/column inserts, deletes and moves (row and column metadata
and protected ranges follow them; a metadata entry is deleted with its
row/column), sorts (cell values only: metadata stays), tabs added and deleted.
Requests may leave out zero integers as proto3 JSON does; ``full_dimension_range``
puts them back. ``ApiError`` is an answer in Google's error shape.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from service.domain.errors import InputError
from service.sheets.a1 import A1Range, cell_range, column_letter, parse_a1, quote_sheet

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


def dim_key(dimension: str) -> tuple[str, str]:
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
        start_key, end_key = dim_key(dimension)
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
            if meta_sheet(item) == sheet_id:
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
        return kind == "SPREADSHEET" or meta_sheet({"location": location}) == wanted["sheetId"]
    return True


def meta_sheet(item: dict[str, Any]) -> int | None:
    location = item["location"]
    if "dimensionRange" in location:
        return int(location["dimensionRange"].get("sheetId", 0))
    return location.get("sheetId")


def snapshot(book: Spreadsheet) -> Any:
    sheets = [(s, s.title, s.index, s.row_count, s.col_count, [list(r) for r in s.rows]) for s in book.sheets]
    return (
        sheets,
        json.loads(json.dumps(book.metadata)),
        [{**p, "range": dict(p["range"])} for p in book.protected],
    )


def restore(book: Spreadsheet, snapshot: Any) -> None:
    sheets, metadata, protected = snapshot
    book.sheets = [s for s, *_ in sheets]
    for sheet, title, index, row_count, col_count, rows in sheets:
        sheet.title, sheet.index, sheet.row_count, sheet.col_count = title, index, row_count, col_count
        sheet.rows = rows
    book.metadata = {int(k): v for k, v in metadata.items()}
    book.protected = protected
