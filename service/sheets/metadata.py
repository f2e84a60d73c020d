"""A sheet job's developer metadata: row and column tags, the flush-time lookup, and cleanup.

Rows carry ``rowscout.row`` = the row key (``tagging``). Columns carry
``rowscout.column`` = ``<job id>:<output>``: every output column the job
created, every user column the job may fill (an explicit ``column_map``), and
the two identity columns (``<job id>:input.name`` / ``input.website``) a
flush reads to check that a row still holds its company. Google moves column
metadata with its column when columns are inserted, deleted or moved, so
these survive what a user does to the grid; positions are never trusted from
submit time.

``locate`` asks, in one ``developerMetadata.search`` per ≤ 500 filters, where
the rows and the columns are now; ``tagged_rows`` which rows of a window are
tagged already (planning chunks skip them); ``cleanup_requests`` deletes
everything a job tagged (sent with ``batches.send_requests``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from service.sheets.google_api import GoogleSheetsApi, JsonDict
from service.sheets.tagging import ROW_KEY, SEARCH_BATCH, untag_filters

COLUMN_KEY = "rowscout.column"
NAME = "input.name"
WEBSITE = "input.website"


def column_value(job_id: str, output: str) -> str:
    """The metadata value of a job's column: ``<job id>:<output>``."""
    return f"{job_id}:{output}"


def column_tag(sheet_id: int, column: int, value: str) -> JsonDict:
    """A ``createDeveloperMetadata`` request tagging one column (0-based)."""
    dimension_range = {"sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": column, "endIndex": column + 1}
    metadata = {
        "metadataKey": COLUMN_KEY,
        "metadataValue": value,
        "location": {"dimensionRange": dimension_range},
        "visibility": "DOCUMENT",
    }
    return {"createDeveloperMetadata": {"developerMetadata": metadata}}


def _lookup(key: str, value: str, location: str) -> JsonDict:
    return {"developerMetadataLookup": {"metadataKey": key, "metadataValue": value, "locationType": location}}


@dataclass
class Located:
    """Where a job's rows (key → 0-based row) and columns (output → 0-based column) are now."""

    rows: dict[str, int] = field(default_factory=dict)
    columns: dict[str, int] = field(default_factory=dict)


def locate(
    api: GoogleSheetsApi,
    spreadsheet_id: str,
    sheet_id: int,
    *,
    keys: Iterable[str],
    columns: Mapping[str, str],
) -> Located:
    """Find rows by key and columns by their tag values (output → value) on this sheet, in ⌈n / 500⌉ searches."""
    outputs = {value: output for output, value in columns.items()}
    filters = [_lookup(COLUMN_KEY, value, "COLUMN") for value in outputs]
    filters += [_lookup(ROW_KEY, key, "ROW") for key in dict.fromkeys(keys)]
    found = Located()
    for start in range(0, len(filters), SEARCH_BATCH):
        for item in api.search_metadata(spreadsheet_id, filters[start : start + SEARCH_BATCH]):
            _record(found, item, sheet_id, outputs)
    return found


def _record(found: Located, item: JsonDict, sheet_id: int, outputs: Mapping[str, str]) -> None:
    # proto3 JSON omits zeros inside a DimensionRange: no sheetId = sheet 0, no startIndex = index 0
    dimension_range = item.get("location", {}).get("dimensionRange") or {}
    if int(dimension_range.get("sheetId", 0)) != sheet_id:
        return
    value, index = str(item.get("metadataValue", "")), int(dimension_range.get("startIndex", 0))
    if item.get("metadataKey") == ROW_KEY and dimension_range.get("dimension") == "ROWS":
        found.rows.setdefault(value, index)
    elif item.get("metadataKey") == COLUMN_KEY and dimension_range.get("dimension") == "COLUMNS" and value in outputs:
        found.columns.setdefault(outputs[value], index)


def tagged_rows(api: GoogleSheetsApi, spreadsheet_id: str, sheet_id: int, start: int, end: int) -> dict[int, str]:
    """Row index → row key of the rows tagged already in rows ``start``–``end`` (0-based, end exclusive); one search."""
    grid = {"sheetId": sheet_id, "startRowIndex": start, "endRowIndex": end}
    found: dict[int, str] = {}
    for item in api.search_metadata(spreadsheet_id, [{"gridRange": grid}]):
        dimension_range = item.get("location", {}).get("dimensionRange") or {}
        if item.get("metadataKey") == ROW_KEY and dimension_range.get("dimension") == "ROWS":
            if int(dimension_range.get("sheetId", 0)) == sheet_id:
                found.setdefault(int(dimension_range.get("startIndex", 0)), str(item.get("metadataValue", "")))
    return found


def cleanup_requests(keys: Iterable[str], column_values: Iterable[str]) -> list[JsonDict]:
    """``deleteDeveloperMetadata`` requests for a job's column tag values and row keys."""
    columns = [_lookup(COLUMN_KEY, value, "COLUMN") for value in dict.fromkeys(column_values)]
    return [{"deleteDeveloperMetadata": {"dataFilter": f}} for f in columns] + untag_filters(list(keys))
