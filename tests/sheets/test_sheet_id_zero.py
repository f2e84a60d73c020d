"""The real adapter on the first tab (sheetId 0) with a data row at grid row 0.

Google leaves ``sheetId: 0`` and ``startIndex: 0`` out of the ``DimensionRange``
of row metadata (proto3 JSON), and so does the fake: the adapter must read an
omitted index as 0, not as "row not found".
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace

from service.domain.sources import SheetSource
from service.sheets.gateway import GoogleSheetGateway
from service.sheets.google_api import GoogleSheetsApi
from service.sheets.layout import STATUS
from tests.fakes.sheets_server import FakeSheetsServer
from tests.sheets.helpers import done_row, job

_SEARCH = "/v4/spreadsheets/s/developerMetadata:search"
_AUTH = {"authorization": "Bearer test"}


def test_results_land_in_grid_row_zero_of_sheet_zero(
    server: FakeSheetsServer, make_api: Callable[..., GoogleSheetsApi]
) -> None:
    rows = [["Company", "Website"], ["Acme", "https://acme.example"], ["Beta", "https://beta.example"]]
    server.create_spreadsheet("s", {"Leads": rows, "Other": [["x"]]})
    assert server.sheet("s", "Leads").sheet_id == 0
    gateway = GoogleSheetGateway(make_api)
    prepared = gateway.prepare(SheetSource("s", sheet_name="Leads"), fields=["industry"], job_id="job1")
    keys = {r.cells["Company"]: r.key for r in prepared.table.records}

    server.delete_rows("s", "Leads", start=0, end=1)  # the user deletes the header: Acme is grid row 0 now
    body = json.dumps({"dataFilters": [{"developerMetadataLookup": {"metadataValue": keys["Acme"]}}]}).encode()
    status, found = server.handle("POST", _SEARCH, _AUTH, body)
    assert status == 200
    assert found["matchedDeveloperMetadata"][0]["developerMetadata"]["location"]["dimensionRange"] == {
        "dimension": "ROWS",
        "endIndex": 1,
    }

    the_job = replace(job(), source=prepared.source)
    sink = gateway.writer(the_job)
    sink.write(the_job, [done_row(keys["Acme"], "Acme"), done_row(keys["Beta"], "Beta")])
    assert sink.commit() == []
    columns = prepared.source.layout.columns  # type: ignore[union-attr]
    values = server.values("s", "Leads")
    assert values[0][0] == "Acme" and values[0][columns[STATUS]] == "done"
    assert values[0][columns["industry"]] == "Industry of Acme"
    assert values[1][0] == "Beta" and values[1][columns["industry"]] == "Industry of Beta"
    assert server.values("s", "Other") == [["x"]]
    gateway.close()
