"""The ``SheetsApi`` port: the few Sheets API v4 calls Rowscout makes, as plain JSON dicts.

One adapter talks to Google (``google_api.GoogleSheetsApi``); tests point that
same adapter at the loopback fake in ``tests/fakes/sheets_server.py``.
Every method raises ``service.errors.SheetsError`` on failure.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

JsonDict = dict[str, Any]


class SheetsApi(Protocol):
    def get_spreadsheet(self, spreadsheet_id: str, *, fields: str | None = None) -> JsonDict:
        """``spreadsheets.get`` (a read)."""
        ...

    def batch_get_values(self, spreadsheet_id: str, ranges: Sequence[str]) -> list[JsonDict]:
        """``values.batchGet``: one ValueRange per A1 range, formatted values (a read)."""
        ...

    def search_metadata(self, spreadsheet_id: str, data_filters: Sequence[JsonDict]) -> list[JsonDict]:
        """``developerMetadata.search``: the matched DeveloperMetadata objects (a read)."""
        ...

    def batch_update(self, spreadsheet_id: str, requests: Sequence[JsonDict]) -> list[JsonDict]:
        """``spreadsheets.batchUpdate``: the replies, one per request (a write)."""
        ...

    def batch_update_values(self, spreadsheet_id: str, data: Sequence[JsonDict]) -> JsonDict:
        """``values.batchUpdate`` with ``valueInputOption=RAW`` always (a write)."""
        ...
