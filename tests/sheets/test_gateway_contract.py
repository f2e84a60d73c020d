"""The SheetGateway contract, run against both adapters.

``GoogleSheetGateway`` goes through the real Google client to the fake Sheets
server (quotas on the fake clock); ``MemorySheetGateway`` is the in-memory
fake the API and job tests use. Passing the same suite keeps the fake honest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from service.sheets.gateway import GoogleSheetGateway
from service.sheets.google_api import GoogleSheetsApi
from tests.contract.sheet_gateway_contract import SheetGatewayContract, SheetWorld
from tests.fakes.sheet_gateway import MemorySheetGateway
from tests.fakes.sheets_server import FakeSheetsServer


class ServerSheets:
    """The fake Sheets server as a user sees it: its own helpers, plus column inserts, typing and tags."""

    def __init__(self, server: FakeSheetsServer) -> None:
        self.server = server

    def __getattr__(self, name: str) -> Any:  # writes, create_spreadsheet, values, insert_rows, delete_rows, sort_rows
        return getattr(self.server, name)

    def insert_columns(self, spreadsheet_id: str, sheet: str, *, at: int, count: int = 1) -> None:
        sheet_id = self.server.sheet(spreadsheet_id, sheet).sheet_id
        rng = {"sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": at, "endIndex": at + count}
        self.server.user_batch_update(spreadsheet_id, [{"insertDimension": {"range": rng}}])

    def edit(self, spreadsheet_id: str, sheet: str, row: int, column: int, text: str) -> None:
        sheet_id = self.server.sheet(spreadsheet_id, sheet).sheet_id
        start = {"sheetId": sheet_id, "rowIndex": row, "columnIndex": column}
        cell = {"values": [{"userEnteredValue": {"stringValue": text}}]}
        request = {"updateCells": {"rows": [cell], "fields": "userEnteredValue", "start": start}}
        self.server.user_batch_update(spreadsheet_id, [request])

    def tag_values(self, spreadsheet_id: str) -> set[str]:
        return {str(item.get("metadataValue", "")) for item in self.server.metadata(spreadsheet_id)}


class TestGoogleSheetGatewayContract(SheetGatewayContract):
    @pytest.fixture
    def world(self, server: FakeSheetsServer, make_api: Callable[..., GoogleSheetsApi]) -> Iterator[SheetWorld]:
        gateway = GoogleSheetGateway(make_api)
        yield SheetWorld(gateway, ServerSheets(server))  # type: ignore[arg-type]
        gateway.close()


class TestMemorySheetGatewayContract(SheetGatewayContract):
    @pytest.fixture
    def world(self) -> Iterator[SheetWorld]:
        gateway = MemorySheetGateway()
        yield SheetWorld(gateway, gateway)
        gateway.close()
