"""The SheetGateway contract, run against both adapters.

``GoogleSheetGateway`` goes through the real Google client to the fake Sheets
server (quotas on the fake clock); ``MemorySheetGateway`` is the in-memory
fake the API and job tests use. Passing the same suite keeps the fake honest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from service.sheets.gateway import GoogleSheetGateway
from service.sheets.google_api import GoogleSheetsApi
from tests.contract.sheet_gateway_contract import SheetGatewayContract, SheetWorld
from tests.fakes.sheet_gateway import MemorySheetGateway
from tests.fakes.sheets_server import FakeSheetsServer


class TestGoogleSheetGatewayContract(SheetGatewayContract):
    @pytest.fixture
    def world(self, server: FakeSheetsServer, make_api: Callable[..., GoogleSheetsApi]) -> Iterator[SheetWorld]:
        gateway = GoogleSheetGateway(make_api)
        yield SheetWorld(gateway, server)
        gateway.close()


class TestMemorySheetGatewayContract(SheetGatewayContract):
    @pytest.fixture
    def world(self) -> Iterator[SheetWorld]:
        gateway = MemorySheetGateway()
        yield SheetWorld(gateway, gateway)
        gateway.close()
