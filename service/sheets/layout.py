"""Output columns: find or create ``Rowscout status``, ``Researched at``, one per field, ``Sources``.

An existing header with the same text (case and spaces ignored) is reused;
a missing one is created to the right of everything already used, so a
user's column with a different header is never written over. Input columns
(the detected name/website columns) are never reused for output. Creating
columns (and widening the grid when needed) is one ``batchUpdate`` call.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from service.domain.errors import SheetsError
from service.domain.sources import SheetColumns
from service.sheets.a1 import A1Range
from service.sheets.google_api import GoogleSheetsApi, JsonDict
from service.sheets.selection import SheetSelection

STATUS = "status"
RESEARCHED_AT = "researched_at"
SOURCES = "sources"

DEFAULT_HEADERS: dict[str, str] = {
    STATUS: "Rowscout status",
    RESEARCHED_AT: "Researched at",
    SOURCES: "Sources",
    "website": "Website (found)",
    "hq_city": "HQ city",
    "hq_region": "HQ region",
    "hq_country": "HQ country",
    "founded_year": "Founded",
    "logo_url": "Logo URL",
    "linkedin": "LinkedIn",
    "github": "GitHub",
    "youtube": "YouTube",
}


def default_header(name: str) -> str:
    return DEFAULT_HEADERS.get(name) or name.replace("_", " ").capitalize()


def ensure_output_columns(
    api: GoogleSheetsApi,
    selection: SheetSelection,
    fields: Sequence[str],
    column_map: Mapping[str, str] | None = None,
    *,
    header_row: int | None = None,
    data_width: int = 0,
    input_columns: Collection[str] = (),
) -> SheetColumns:
    """Find or create the output columns (one read of properties, one of the header row, ≤ 1 write)."""
    sheet = _sheet_properties(api, selection)
    title, sheet_id = sheet["title"], int(sheet.get("sheetId", 0))
    grid_columns = int(sheet.get("gridProperties", {}).get("columnCount", 26))
    row = header_row or selection.header_row or 1
    header_text = SheetSelection(selection.spreadsheet_id, title).a1(A1Range(None, row - 1, row))
    headers = [
        str(v) for v in (api.batch_get_values(selection.spreadsheet_id, [header_text])[0].get("values") or [[]])[0]
    ]
    wanted = {name: (column_map or {}).get(name) or default_header(name) for name in _outputs(fields)}
    columns, new = _assign(headers, wanted, max(data_width, len(headers)), set(input_columns))
    if new:
        api.batch_update(selection.spreadsheet_id, _create_requests(sheet_id, row, new, grid_columns))
    created = tuple(text for _, text in sorted(new.items()))
    return SheetColumns(sheet_id, row, columns, created)


def _outputs(fields: Sequence[str]) -> list[str]:
    return [STATUS, RESEARCHED_AT, *fields, SOURCES]


def _sheet_properties(api: GoogleSheetsApi, selection: SheetSelection) -> JsonDict:
    spreadsheet = api.get_spreadsheet(selection.spreadsheet_id, fields="sheets.properties")
    sheets = [s["properties"] for s in spreadsheet.get("sheets", [])]
    for props in sheets:
        if not selection.sheet_name or props.get("title") == selection.sheet_name:
            return dict(props)
    raise SheetsError(f"no sheet named {selection.sheet_name!r} in this spreadsheet", status=400)


def _assign(
    headers: list[str], wanted: dict[str, str], used_width: int, input_columns: set[str]
) -> tuple[dict[str, int], dict[int, str]]:
    existing = {_norm(text): c for c, text in enumerate(headers) if text.strip()}
    protected = {_norm(text) for text in input_columns}
    columns: dict[str, int] = {}
    new: dict[int, str] = {}
    next_free = used_width
    for name, wanted_text in wanted.items():
        text = f"{wanted_text} (Rowscout)" if _norm(wanted_text) in protected else wanted_text
        column = existing.get(_norm(text))
        if column is not None and column not in columns.values():
            columns[name] = column
            continue
        columns[name] = next_free
        new[next_free] = text
        next_free += 1
    return columns, new


def _create_requests(sheet_id: int, row: int, new: dict[int, str], grid_columns: int) -> list[JsonDict]:
    requests: list[JsonDict] = []
    needed = max(new) + 1
    if needed > grid_columns:
        requests.append(
            {"appendDimension": {"sheetId": sheet_id, "dimension": "COLUMNS", "length": needed - grid_columns}}
        )
    for column, text in sorted(new.items()):
        cell = {"values": [{"userEnteredValue": {"stringValue": text}}]}
        start = {"sheetId": sheet_id, "rowIndex": row - 1, "columnIndex": column}
        requests.append({"updateCells": {"rows": [cell], "fields": "userEnteredValue", "start": start}})
    return requests


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()
