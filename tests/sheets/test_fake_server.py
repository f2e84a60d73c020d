"""The fake Sheets server behaves like the real API where Rowscout depends on it.

Driven through the real google-api-python-client (``service().spreadsheets()``).
"""

from __future__ import annotations

from typing import Any

import pytest
from googleapiclient.errors import HttpError

from service.sheets.google_api import GoogleSheetsApi
from tests.fakes.discovery import Discovery
from tests.fakes.sheets_server import Endpoints, FakeClock, FakeSheetsServer

_URL = "/v4/spreadsheets/s/values:batchUpdate"
_AUTH = {"authorization": "Bearer test"}
_BODY = b'{"valueInputOption": "RAW", "data": []}'


def _raw(api: GoogleSheetsApi) -> Any:
    return api._sheets


def _tag(api: GoogleSheetsApi, value: str, row: int) -> None:
    dim = {"sheetId": 0, "dimension": "ROWS", "startIndex": row, "endIndex": row + 1}
    meta = {"metadataKey": "k", "metadataValue": value, "location": {"dimensionRange": dim}, "visibility": "DOCUMENT"}
    api.batch_update("s", [{"createDeveloperMetadata": {"developerMetadata": meta}}])


def _rows_of(api: GoogleSheetsApi) -> dict[str, int]:
    found = api.search_metadata("s", [{"developerMetadataLookup": {"metadataKey": "k"}}])
    return {m["metadataValue"]: m["location"]["dimensionRange"].get("startIndex", 0) for m in found}


def test_user_entered_parses_raw_keeps_text(server: FakeSheetsServer, api: GoogleSheetsApi) -> None:
    server.create_spreadsheet("s", {"Sheet1": []})
    values = _raw(api).values()
    row = [["=1+1", "123", "+cmd", "'007"]]
    values.update(spreadsheetId="s", range="Sheet1!A1", valueInputOption="USER_ENTERED", body={"values": row}).execute()
    values.update(spreadsheetId="s", range="Sheet1!A2", valueInputOption="RAW", body={"values": row}).execute()
    kinds = [(server.cell("s", "Sheet1", f"{c}{r}").kind) for r in (1, 2) for c in "ABCD"]  # type: ignore[union-attr]
    assert kinds == ["formula", "number", "formula", "string"] + ["string"] * 4
    got = values.get(spreadsheetId="s", range="Sheet1!A2:D2", valueRenderOption="FORMULA").execute()
    assert got["values"] == [["=1+1", "123", "+cmd", "'007"]]


def test_null_values_are_skipped_and_empty_string_clears(server: FakeSheetsServer, api: GoogleSheetsApi) -> None:
    server.create_spreadsheet("s", {"Sheet1": [["a", "b", "c"]]})
    api.batch_update_values("s", [{"range": "Sheet1!A1:C1", "values": [[None, "", "z"]]}])
    assert server.values("s", "Sheet1") == [["a", "", "z"]]


def test_ranges_arrive_encoded_open_and_quoted(server: FakeSheetsServer, api: GoogleSheetsApi) -> None:
    server.create_spreadsheet("s", {"Sheet1": [["x"]], "Q3 leads: it's": [["h1", "h2"], ["1", "2"], [], ["4"]]})
    got = api.batch_get_values("s", ["'Q3 leads: it''s'!A:B", "'Q3 leads: it''s'!2:4", "Sheet1"])
    assert got[0]["range"] == "'Q3 leads: it''s'!A1:B1000"
    assert got[0]["values"] == [["h1", "h2"], ["1", "2"], [], ["4"]]
    assert got[1]["values"] == [["1", "2"], [], ["4"]]
    assert got[2]["values"] == [["x"]]


def test_row_metadata_follows_inserts_and_deletes_but_not_sorts(server: FakeSheetsServer, api: GoogleSheetsApi) -> None:
    server.create_spreadsheet("s", {"Sheet1": [["Name"], ["c"], ["a"], ["b"]]})
    for value, row in (("c", 1), ("a", 2), ("b", 3)):
        _tag(api, value, row)
    server.insert_rows("s", "Sheet1", at=1, count=2)
    assert _rows_of(api) == {"c": 3, "a": 4, "b": 5}
    server.sort_rows("s", "Sheet1", column=0, start_row=1)
    assert server.values("s", "Sheet1")[1:] == [["a"], ["b"], ["c"]]  # blank rows sort last
    assert _rows_of(api) == {"c": 3, "a": 4, "b": 5}  # sorting moves values, not metadata
    server.delete_rows("s", "Sheet1", start=4, end=5)
    assert _rows_of(api) == {"c": 3, "b": 4}


def test_moving_rows_moves_their_values_and_metadata(server: FakeSheetsServer, api: GoogleSheetsApi) -> None:
    server.create_spreadsheet("s", {"Sheet1": [["r0"], ["r1"], ["r2"], ["r3"], ["r4"]]})
    for row in range(5):
        _tag(api, f"r{row}", row)
    server.move_rows("s", "Sheet1", start=1, end=3, to=4)  # r1, r2 go before r4
    assert server.values("s", "Sheet1") == [["r0"], ["r3"], ["r1"], ["r2"], ["r4"]]
    assert _rows_of(api) == {"r0": 0, "r3": 1, "r1": 2, "r2": 3, "r4": 4}
    server.move_rows("s", "Sheet1", start=4, end=5, to=0)
    assert [row[0] for row in server.values("s", "Sheet1")] == ["r4", "r0", "r3", "r1", "r2"]
    assert _rows_of(api) == {"r4": 0, "r0": 1, "r3": 2, "r1": 3, "r2": 4}


def _tag_column(api: GoogleSheetsApi, value: str, column: int, sheet_id: int = 0) -> None:
    dim = {"sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": column, "endIndex": column + 1}
    meta = {"metadataKey": "col", "metadataValue": value, "location": {"dimensionRange": dim}, "visibility": "DOCUMENT"}
    api.batch_update("s", [{"createDeveloperMetadata": {"developerMetadata": meta}}])


def _columns_of(api: GoogleSheetsApi) -> dict[str, int]:
    found = api.search_metadata("s", [{"developerMetadataLookup": {"metadataKey": "col", "locationType": "COLUMN"}}])
    return {m["metadataValue"]: m["location"]["dimensionRange"].get("startIndex", 0) for m in found}


def test_column_metadata_follows_column_inserts_moves_and_deletes(
    server: FakeSheetsServer, api: GoogleSheetsApi
) -> None:
    server.create_spreadsheet("s", {"Sheet1": [["Name", "Web", "Status", "Industry"]]})
    _tag_column(api, "status", 2)
    _tag_column(api, "industry", 3)
    server.insert_columns("s", "Sheet1", at=1)
    assert _columns_of(api) == {"status": 3, "industry": 4}
    assert server.values("s", "Sheet1")[0] == ["Name", "", "Web", "Status", "Industry"]
    server.move_columns("s", "Sheet1", start=4, end=5, to=0)
    assert server.values("s", "Sheet1")[0] == ["Industry", "Name", "", "Web", "Status"]
    assert _columns_of(api) == {"industry": 0, "status": 4}
    server.delete_columns("s", "Sheet1", start=4, end=5)
    assert _columns_of(api) == {"industry": 0}
    server.sort_rows("s", "Sheet1", column=0, start_row=0)
    assert _columns_of(api) == {"industry": 0}


def test_renaming_a_tab_keeps_its_id_and_a1_names_the_title(server: FakeSheetsServer, api: GoogleSheetsApi) -> None:
    server.create_spreadsheet("s", {"Leads": [["a"]], "Notes": []})
    server.rename_sheet("s", "Leads", "Leads (old)")
    assert server.sheet("s", "Leads (old)").sheet_id == 0
    with pytest.raises(HttpError) as info:
        _raw(api).values().get(spreadsheetId="s", range="Leads!A1:B2").execute()
    assert info.value.resp.status == 400 and "Unable to parse range: Leads!A1:B2" in str(info.value)
    new = server.add_sheet("s", "Leads", [["other", "data"]])
    assert new.sheet_id not in (0, 1)
    assert api.batch_get_values("s", ["Leads!A1:B1"])[0]["values"] == [["other", "data"]]
    with pytest.raises(Exception, match="already exists"):
        server.rename_sheet("s", "Notes", "leads")


def test_deleting_a_tab_deletes_its_metadata(server: FakeSheetsServer, api: GoogleSheetsApi) -> None:
    server.create_spreadsheet("s", {"Sheet1": [["a"]], "Two": [["b"]]})
    _tag(api, "on-one", 0)
    _tag_column(api, "on-two", 0, sheet_id=1)
    server.delete_sheet("s", "Two")
    assert [m["metadataValue"] for m in server.metadata("s")] == ["on-one"]
    with pytest.raises(Exception, match="remove all the sheets"):
        server.delete_sheet("s", "Sheet1")
    assert [s["properties"]["title"] for s in api.get_spreadsheet("s")["sheets"]] == ["Sheet1"]


def test_metadata_spans_one_row_or_column(server: FakeSheetsServer, api: GoogleSheetsApi) -> None:
    server.create_spreadsheet("s", {"Sheet1": []})
    dim = {"sheetId": 0, "dimension": "ROWS", "startIndex": 0, "endIndex": 2}
    meta = {"metadataKey": "k", "location": {"dimensionRange": dim}, "visibility": "DOCUMENT"}
    with pytest.raises(HttpError) as info:
        _raw(api).batchUpdate(
            spreadsheetId="s", body={"requests": [{"createDeveloperMetadata": {"developerMetadata": meta}}]}
        ).execute()
    assert info.value.resp.status == 400 and "single row or column" in str(info.value)


def test_writes_beyond_the_grid_fail_like_google(server: FakeSheetsServer, api: GoogleSheetsApi) -> None:
    server.create_spreadsheet("s", {"Sheet1": []}, rows=10, cols=3)
    with pytest.raises(HttpError) as info:
        _raw(api).values().update(
            spreadsheetId="s", range="Sheet1!D1", valueInputOption="RAW", body={"values": [["x"]]}
        ).execute()
    assert info.value.resp.status == 400
    assert "exceeds grid limits" in str(info.value)


def test_quota_gives_real_429_and_recovers_after_a_minute(clock: FakeClock) -> None:
    with FakeSheetsServer(clock=clock, write_quota=3) as server:
        server.create_spreadsheet("s", {"Sheet1": []})
        status = []
        for _ in range(4):
            code, body = server.handle("POST", _URL, _AUTH, _BODY)
            status.append(code)
        assert status == [200, 200, 200, 429]
        assert body["error"]["code"] == 429 and body["error"]["status"] == "RESOURCE_EXHAUSTED"
        assert "'Write requests per minute per user'" in body["error"]["message"]
        info = body["error"]["details"][0]
        assert info["reason"] == "RATE_LIMIT_EXCEEDED" and info["metadata"]["quota_limit_value"] == "3"
        assert server.handle("GET", "/v4/spreadsheets/s", _AUTH, b"")[0] == 200  # reads have their own quota
        clock.advance(59.0)
        assert server.handle("POST", _URL, _AUTH, _BODY)[0] == 429  # a rolling minute, not a calendar one
        clock.advance(1.0)
        assert server.handle("POST", _URL, _AUTH, _BODY)[0] == 200
        assert server.max_writes_in_any_minute() == 3


def test_the_project_quota_counts_every_user_together(clock: FakeClock) -> None:
    with FakeSheetsServer(clock=clock, write_quota=2, project_write_quota=3) as server:
        server.create_spreadsheet("s", {"Sheet1": []})
        for user in ("a", "b", "c"):
            server.share("s", user)
        answers = [server.handle("POST", _URL, {"authorization": f"Bearer {u}"}, _BODY) for u in "aabc"]
        assert [code for code, _ in answers] == [200, 200, 200, 429]
        assert "'Write requests per minute'" in answers[3][1]["error"]["message"]
        assert server.max_writes_in_any_minute() == 3


@pytest.mark.parametrize(
    ("path", "auth", "status", "name"),
    [
        ("/v4/spreadsheets/missing", _AUTH, 404, "NOT_FOUND"),
        ("/v4/spreadsheets/s", {"authorization": "Bearer stranger"}, 403, "PERMISSION_DENIED"),
        ("/v4/spreadsheets/s/values/Nope%21A1%3AB2", _AUTH, 400, "INVALID_ARGUMENT"),
    ],
)
def test_errors_have_googles_shape(
    server: FakeSheetsServer, path: str, auth: dict[str, str], status: int, name: str
) -> None:
    server.create_spreadsheet("s", {"Sheet1": []})
    code, body = server.handle("GET", path, auth, b"")
    assert code == status
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "status"}
    assert body["error"]["code"] == status and body["error"]["status"] == name and body["error"]["message"]
    server.fail_next(1, status=503)
    assert server.handle("GET", "/v4/spreadsheets/s", _AUTH, b"")[1]["error"]["status"] == "UNAVAILABLE"


def test_every_request_is_recorded(server: FakeSheetsServer, api: GoogleSheetsApi) -> None:
    server.create_spreadsheet("s", {"Sheet1": [["a"]]})
    api.batch_update_values("s", [{"range": "Sheet1!B1", "values": [["=1+1"]]}])
    api.batch_get_values("s", ["Sheet1!A1:B1"])
    with pytest.raises(HttpError):
        _raw(api).values().get(spreadsheetId="s", range="Nope!A1").execute()
    got = [(r.method, r.write, r.status) for r in server.requests]
    assert got == [("values.batchUpdate", True, 200), ("values.batchGet", False, 200), ("values.get", False, 400)]
    first = server.requests[0]
    assert first.http_method == "POST" and first.path == "/v4/spreadsheets/s/values:batchUpdate"
    assert first.body["valueInputOption"] == "RAW" and first.user == "test"
    assert server.requests[1].params["ranges"] == ["Sheet1!A1:B1"]
    assert server.requests[2].path == "/v4/spreadsheets/s/values/Nope!A1"


def test_append_clear_and_batch_get_by_data_filter(server: FakeSheetsServer, api: GoogleSheetsApi) -> None:
    server.create_spreadsheet("s", {"Sheet1": [["h"], ["1"]]})
    values = _raw(api).values()
    out = values.append(spreadsheetId="s", range="Sheet1!A:A", valueInputOption="RAW", body={"values": [["2"]]})
    assert out.execute()["updates"]["updatedRange"] == "Sheet1!A3:A3"
    values.clear(spreadsheetId="s", range="Sheet1!A2", body={}).execute()
    body = {"dataFilters": [{"a1Range": "Sheet1!A1:A3"}]}
    got = values.batchGetByDataFilter(spreadsheetId="s", body=body).execute()
    assert got["valueRanges"][0]["valueRange"]["values"] == [["h"], [], ["2"]]


def test_batch_update_by_data_filter_writes_the_tagged_row(server: FakeSheetsServer, api: GoogleSheetsApi) -> None:
    server.create_spreadsheet("s", {"Sheet1": [["Name", "Out"], ["a", ""], ["b", ""]]})
    _tag(api, "b", 2)
    server.insert_rows("s", "Sheet1", at=1)
    lookup = {"developerMetadataLookup": {"metadataKey": "k", "metadataValue": "b"}}
    body = {"valueInputOption": "RAW", "data": [{"dataFilter": lookup, "values": [[None, "done"]]}]}
    out = _raw(api).values().batchUpdateByDataFilter(spreadsheetId="s", body=body).execute()
    assert out["responses"][0]["updatedRange"].startswith("Sheet1!A4")
    assert server.values("s", "Sheet1")[3] == ["b", "done"]


def test_a_failed_batch_update_changes_nothing(server: FakeSheetsServer, api: GoogleSheetsApi) -> None:
    server.create_spreadsheet("s", {"Sheet1": [["a"]]})
    requests = [
        {"insertDimension": {"range": {"sheetId": 0, "dimension": "ROWS", "startIndex": 0, "endIndex": 1}}},
        {"insertDimension": {"range": {"sheetId": 99, "dimension": "ROWS", "startIndex": 0, "endIndex": 1}}},
    ]
    with pytest.raises(Exception, match="No grid with id: 99"):
        api.batch_update("s", requests)
    assert server.values("s", "Sheet1") == [["a"]]


def test_zero_integers_are_left_out_of_grid_and_dimension_ranges(
    server: FakeSheetsServer, api: GoogleSheetsApi
) -> None:
    server.create_spreadsheet("s", {"Sheet1": [["a"], ["b"]], "Two": []})
    _tag(api, "first", 0)
    dim = {"sheetId": 1, "dimension": "ROWS", "startIndex": 0, "endIndex": 1}
    meta = {"metadataKey": "k", "metadataValue": "other", "location": {"dimensionRange": dim}, "visibility": "DOCUMENT"}
    api.batch_update("s", [{"createDeveloperMetadata": {"developerMetadata": meta}}])
    found = {
        m["metadataValue"]: m["location"]
        for m in api.search_metadata("s", [{"developerMetadataLookup": {"metadataKey": "k"}}])
    }
    assert found["first"] == {"dimensionRange": {"dimension": "ROWS", "endIndex": 1}, "locationType": "ROW"}
    assert found["other"]["dimensionRange"] == {"sheetId": 1, "dimension": "ROWS", "endIndex": 1}
    props = api.get_spreadsheet("s", fields="sheets.properties")["sheets"][0]["properties"]
    assert props["sheetId"] == 0 and props["index"] == 0  # SheetProperties keeps its zeros
    server.protect("s", "Sheet1!A1:B2")
    grid = api.get_spreadsheet("s")["sheets"][0]["protectedRanges"][0]["range"]
    assert grid == {"endRowIndex": 2, "endColumnIndex": 2}


def test_every_endpoint_answers_in_googles_schema(server: FakeSheetsServer, api: GoogleSheetsApi) -> None:
    """Each API method and batchUpdate request the fake serves, through the real client, checked
    against ``sheets.v4.json`` again here (the server also checks every answer it sends)."""
    schema = Discovery.sheets()
    server.create_spreadsheet("s", {"Sheet1": [["Name", "Web"], ["b", "x"], ["a", "y"]], "Two": [["t"]]})
    server.protect("s", "Two!A1:B2")
    sheets, values = _raw(api), _raw(api).values()
    row = {"sheetId": 0, "dimension": "ROWS", "startIndex": 1, "endIndex": 2}
    column = {"sheetId": 0, "dimension": "COLUMNS", "startIndex": 0, "endIndex": 1}
    meta = {"metadataKey": "k", "metadataValue": "v", "location": {"dimensionRange": row}, "visibility": "DOCUMENT"}
    lookup = {"developerMetadataLookup": {"metadataKey": "k"}}
    grid = {"gridRange": {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 2}}
    requests: list[dict[str, Any]] = [
        {"createDeveloperMetadata": {"developerMetadata": meta}},
        {"addSheet": {"properties": {"title": "Three"}}},
        {"updateSheetProperties": {"properties": {"sheetId": 1, "title": "Deux"}, "fields": "title"}},
        {"insertDimension": {"range": {**column, "startIndex": 2, "endIndex": 3}}},
        {"appendDimension": {"sheetId": 0, "dimension": "ROWS", "length": 5}},
        {"moveDimension": {"source": column, "destinationIndex": 2}},
        {"sortRange": {"range": {"sheetId": 0, "startRowIndex": 1}, "sortSpecs": [{"dimensionIndex": 0}]}},
        {"updateCells": {"start": {"sheetId": 0, "rowIndex": 5}, "rows": [], "fields": "userEnteredValue"}},
        {"deleteDimension": {"range": {**row, "startIndex": 6, "endIndex": 7}}},
    ]
    answers = {
        "spreadsheets.batchUpdate": sheets.batchUpdate(spreadsheetId="s", body={"requests": requests}).execute(),
        "spreadsheets.get": sheets.get(spreadsheetId="s").execute(),
        "values.get": values.get(spreadsheetId="s", range="Sheet1!A1:C3").execute(),
        "values.batchGet": values.batchGet(spreadsheetId="s", ranges=["Sheet1!A:A", "Deux!A1"]).execute(),
        "values.batchGetByDataFilter": values.batchGetByDataFilter(
            spreadsheetId="s", body={"dataFilters": [lookup, grid, {"a1Range": "Sheet1!B1:B2"}]}
        ).execute(),
        "values.update": values.update(
            spreadsheetId="s", range="Sheet1!D1", valueInputOption="RAW", body={"values": [["d"]]}
        ).execute(),
        "values.batchUpdate": values.batchUpdate(
            spreadsheetId="s",
            body={"valueInputOption": "RAW", "data": [{"range": "Sheet1!E1:E2", "values": [[1], [True]]}]},
        ).execute(),
        "values.batchUpdateByDataFilter": values.batchUpdateByDataFilter(
            spreadsheetId="s",
            body={
                "valueInputOption": "RAW",
                "data": [{"dataFilter": lookup, "values": [["z"]]}, {"dataFilter": grid, "values": [[None, "w"]]}],
            },
        ).execute(),
        "values.append": values.append(
            spreadsheetId="s", range="Sheet1!A:B", valueInputOption="RAW", body={"values": [["c", "q"]]}
        ).execute(),
        "values.clear": values.clear(spreadsheetId="s", range="Sheet1!E1:E2", body={}).execute(),
        "developerMetadata.search": sheets.developerMetadata()
        .search(spreadsheetId="s", body={"dataFilters": [lookup]})
        .execute(),
    }
    delete = {"deleteDeveloperMetadata": {"dataFilter": lookup}}
    answers["spreadsheets.batchUpdate"]["replies"] += sheets.batchUpdate(
        spreadsheetId="s", body={"requests": [delete, {"deleteSheet": {"sheetId": 2}}]}
    ).execute()["replies"]
    for method, answer in answers.items():
        schema.validate(answer, schema.response_ref(method), where=method)
    assert {r.method for r in server.requests} == set(answers)
    assert all(r.status == 200 for r in server.requests), [(r.method, r.status) for r in server.requests]
    served = {n.replace("_", ".", 1) for n in vars(Endpoints) if not n.startswith("_")}
    assert served == set(answers)
    assert [next(iter(r)) for r in answers["spreadsheets.batchUpdate"]["replies"] if r] == [
        "createDeveloperMetadata",
        "addSheet",
        "deleteDeveloperMetadata",
    ]
    assert server.problems == []


def test_location_lookups_match_exactly_or_by_intersection(server: FakeSheetsServer, api: GoogleSheetsApi) -> None:
    server.create_spreadsheet("s", {"Sheet1": [["a", "b"], ["c", "d"]]})
    _tag(api, "row1", 1)
    _tag_column(api, "colB", 1)
    row1 = {"dimensionRange": {"dimension": "ROWS", "startIndex": 1, "endIndex": 2}}  # sheetId 0 left out

    def values(strategy: str | None) -> set[str]:
        lookup: dict[str, Any] = {"metadataLocation": row1}
        if strategy:
            lookup["locationMatchingStrategy"] = strategy
        return {m["metadataValue"] for m in api.search_metadata("s", [{"developerMetadataLookup": lookup}])}

    assert values("EXACT_LOCATION") == {"row1"}
    assert values(None) == values("INTERSECTING_LOCATION") == {"row1", "colB"}  # column B crosses row 1
    with pytest.raises(HttpError) as info:
        _raw(api).developerMetadata().search(
            spreadsheetId="s",
            body={"dataFilters": [{"developerMetadataLookup": {"locationMatchingStrategy": "EXACT_LOCATION"}}]},
        ).execute()
    assert info.value.resp.status == 400
