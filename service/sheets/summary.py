"""The optional ``Rowscout summary`` tab: counts, error kinds and distributions, in one batchUpdate.

The tab is added when missing (with a fixed sheet id so the same request can
fill it) and otherwise cleared and refilled. Cells are written as typed
values (``stringValue``/``numberValue``), never parsed as formulas.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from service.sheets.google_api import GoogleSheetsApi, JsonDict

SUMMARY_TITLE = "Rowscout summary"
SUMMARY_SHEET_ID = 7_140_001  # chosen by us so addSheet and updateCells share one call


def write_summary_tab(api: GoogleSheetsApi, spreadsheet_id: str, summary: Mapping[str, Any]) -> int:
    """Create or refresh the summary tab; returns its sheet id. One read, one write."""
    spreadsheet = api.get_spreadsheet(spreadsheet_id, fields="sheets.properties")
    existing = [s["properties"] for s in spreadsheet.get("sheets", []) if s["properties"].get("title") == SUMMARY_TITLE]
    rows = summary_rows(summary)
    requests: list[JsonDict] = []
    if existing:
        sheet_id = int(existing[0].get("sheetId", 0))
        grid = existing[0].get("gridProperties", {})
        requests.append(_clear(sheet_id, int(grid.get("rowCount", 1000)), int(grid.get("columnCount", 26))))
    else:
        sheet_id = SUMMARY_SHEET_ID
        grid_rows = max(len(rows) + 10, 100)
        properties = {"sheetId": sheet_id, "title": SUMMARY_TITLE, "gridProperties": {"rowCount": grid_rows}}
        requests.append({"addSheet": {"properties": properties}})
    start = {"sheetId": sheet_id, "rowIndex": 0, "columnIndex": 0}
    data = [{"values": [_cell(v) for v in row]} for row in rows]
    requests.append({"updateCells": {"rows": data, "fields": "userEnteredValue", "start": start}})
    api.batch_update(spreadsheet_id, requests)
    return sheet_id


def summary_rows(summary: Mapping[str, Any], depth: int = 0) -> list[list[Any]]:
    """Nested dicts become indented sections: ``{"errors": {"timeout": 3}}`` → errors / timeout 3."""
    rows: list[list[Any]] = []
    for key, value in summary.items():
        label = "  " * depth + str(key)
        if isinstance(value, Mapping):
            rows.append([label, ""])
            rows.extend(summary_rows(value, depth + 1))
        else:
            rows.append([label, value])
    return rows


def _cell(value: Any) -> JsonDict:
    if isinstance(value, bool):
        return {"userEnteredValue": {"boolValue": value}}
    if isinstance(value, int | float):
        return {"userEnteredValue": {"numberValue": value}}
    return {"userEnteredValue": {"stringValue": "" if value is None else str(value)}}


def _clear(sheet_id: int, rows: int, columns: int) -> JsonDict:
    grid = {"sheetId": sheet_id, "startRowIndex": 0, "endRowIndex": rows, "startColumnIndex": 0}
    grid["endColumnIndex"] = columns
    return {"updateCells": {"range": grid, "fields": "userEnteredValue"}}
