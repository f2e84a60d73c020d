"""Row identity that survives sorting, filtering, inserting and deleting rows.

Each selected row gets a developer-metadata entry on its row (key
``rowscout.row``, value = the row key, visibility DOCUMENT). Google moves the
entry with the row when the user sorts or inserts rows and deletes it with
the row. Whether a sort moves it is not documented: flushes assume it does
not and check each row's company before writing (``sink``). ``locate_rows``
asks where the keys are *now*; a key that is not found belongs to a deleted
row. Column tags, the flush-time lookup and cleanup are in ``metadata``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from service.sheets.batches import send_requests
from service.sheets.google_api import GoogleSheetsApi, JsonDict

ROW_KEY = "rowscout.row"
SEARCH_BATCH = 500  # data filters per developerMetadata.search call


def tag_rows(api: GoogleSheetsApi, spreadsheet_id: str, sheet_id: int, row_numbers: Mapping[str, int]) -> int:
    """Tag each row (key → 1-based row number) in as few batchUpdate calls as the payload allows; returns calls."""
    return send_requests(api, spreadsheet_id, tag_requests(sheet_id, row_numbers))


def tag_requests(sheet_id: int, row_numbers: Mapping[str, int]) -> list[JsonDict]:
    """The ``createDeveloperMetadata`` requests tagging rows (key → 1-based row number)."""
    return [_create(sheet_id, key, number) for key, number in row_numbers.items()]


def locate_rows(
    api: GoogleSheetsApi, spreadsheet_id: str, sheet_id: int, keys: Iterable[str], *, batch_size: int = SEARCH_BATCH
) -> dict[str, int]:
    """Where each key's row is now (key → 0-based row index); deleted rows are missing."""
    wanted = list(dict.fromkeys(keys))
    found: dict[str, int] = {}
    for start in range(0, len(wanted), batch_size):
        filters = [_lookup(key) for key in wanted[start : start + batch_size]]
        for item in api.search_metadata(spreadsheet_id, filters):
            _record(found, item, sheet_id)
    return found


def untag_filters(keys: Sequence[str]) -> list[JsonDict]:
    """``deleteDeveloperMetadata`` requests for these keys (to clean up after a job)."""
    return [{"deleteDeveloperMetadata": {"dataFilter": _lookup(key)}} for key in keys]


def _create(sheet_id: int, key: str, row_number: int) -> JsonDict:
    dimension_range = {
        "sheetId": sheet_id,
        "dimension": "ROWS",
        "startIndex": row_number - 1,
        "endIndex": row_number,
    }
    metadata = {
        "metadataKey": ROW_KEY,
        "metadataValue": key,
        "location": {"dimensionRange": dimension_range},
        "visibility": "DOCUMENT",
    }
    return {"createDeveloperMetadata": {"developerMetadata": metadata}}


def _lookup(key: str) -> JsonDict:
    return {"developerMetadataLookup": {"metadataKey": ROW_KEY, "metadataValue": key, "locationType": "ROW"}}


def _record(found: dict[str, int], item: JsonDict, sheet_id: int) -> None:
    # proto3 JSON omits zeros inside a DimensionRange: no sheetId = sheet 0, no startIndex = row 0
    dimension_range = item.get("location", {}).get("dimensionRange") or {}
    if int(dimension_range.get("sheetId", 0)) != sheet_id or dimension_range.get("dimension") != "ROWS":
        return
    key = str(item.get("metadataValue", ""))
    index = int(dimension_range.get("startIndex", 0))
    if key not in found:
        found[key] = index
