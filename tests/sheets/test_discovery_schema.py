"""The schema walker behind the fake Sheets server: it must be able to say no.

It reads Google's own ``sheets.v4.json`` (shipped inside google-api-python-client)
and checks payloads against it; these tests feed it shapes Google would never
send and show each one is caught, and that the fake reports such a response
loudly instead of passing it to the client.
"""

from __future__ import annotations

import copy
import inspect
from typing import Any

import pytest

from tests.fakes.discovery import (
    DOCUMENT,
    Discovery,
    SchemaViolation,
    apply_field_mask,
    error_problems,
    parse_field_mask,
)
from tests.fakes.sheets_server import Endpoints, FakeSheetsServer

D = Discovery.sheets()

_META = {
    "metadataId": 7,
    "metadataKey": "rowscout.row",
    "metadataValue": "job1:2",
    "location": {"locationType": "ROW", "dimensionRange": {"dimension": "ROWS", "startIndex": 1, "endIndex": 2}},
    "visibility": "DOCUMENT",
}
GOOD_SEARCH = {
    "matchedDeveloperMetadata": [
        {"developerMetadata": _META, "dataFilters": [{"developerMetadataLookup": {"metadataValue": "job1:2"}}]}
    ]
}


def _broken(change: Any) -> dict[str, Any]:
    payload = copy.deepcopy(GOOD_SEARCH)
    change(payload["matchedDeveloperMetadata"][0])
    return payload


def test_the_document_is_the_one_the_client_ships() -> None:
    assert DOCUMENT.is_file() and DOCUMENT.name == "sheets.v4.json"
    assert D.response_ref("developerMetadata.search") == "SearchDeveloperMetadataResponse"
    assert D.request_ref("values.batchUpdate") == "BatchUpdateValuesRequest"
    assert D.request_ref("values.get") is None


def test_a_good_response_passes() -> None:
    assert D.problems(GOOD_SEARCH, "SearchDeveloperMetadataResponse") == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda m: m.__setitem__("extra", 1), "unknown field 'extra'"),
        (lambda m: m["developerMetadata"].__setitem__("metadataId", "7"), "expected an integer"),
        (lambda m: m["developerMetadata"].__setitem__("metadataId", True), "expected an integer"),
        (lambda m: m["developerMetadata"].__setitem__("metadataId", 2**31), "outside int32"),
        (lambda m: m["developerMetadata"].__setitem__("visibility", "PUBLIC"), "is not one of"),
        (lambda m: m["developerMetadata"].__setitem__("metadataKey", None), "null is never sent"),
        (lambda m: m["developerMetadata"].pop("visibility"), "without 'visibility'"),
        (lambda m: m["developerMetadata"]["location"].pop("locationType"), "without 'location.locationType'"),
        (lambda m: m["developerMetadata"]["location"]["dimensionRange"].__setitem__("startIndex", 1.5), "integer"),
        (lambda m: m["developerMetadata"]["location"]["dimensionRange"].__setitem__("sheet", 0), "unknown field"),
        (lambda m: m.__setitem__("dataFilters", {"a1Range": "A1"}), "expected an array"),
        (lambda m: m["dataFilters"].append({"a1Range": "A1", "gridRange": {}}), "oneof"),
        (lambda m: m["dataFilters"].append({"a1Range": 5}), "expected a string"),
    ],
)
def test_bad_shapes_are_caught(change: Any, expected: str) -> None:
    found = D.problems(_broken(change), "SearchDeveloperMetadataResponse")
    assert any(expected in text for text in found), found
    with pytest.raises(SchemaViolation):
        D.validate(_broken(change), "SearchDeveloperMetadataResponse")


def test_objects_maps_and_any_values() -> None:
    value_range = {"range": "Sheet1!A1:B2", "majorDimension": "ROWS", "values": [["a", 1, True]]}
    assert D.problems(value_range, "ValueRange") == []
    assert D.problems({**value_range, "values": ["a"]}, "ValueRange") != []  # rows are arrays
    assert D.problems({**value_range, "majorDimension": "DIAGONAL"}, "ValueRange") != []
    assert D.problems({"valueRanges": [value_range]}, "BatchGetValuesResponse") != []  # no spreadsheetId
    assert D.problems({"valueRanges": [value_range]}, "BatchGetValuesResponse", complete=False) == []


def test_requests_may_carry_null_but_not_unknown_fields() -> None:
    body = {"valueInputOption": "RAW", "data": [{"range": "A1", "values": [[None, "x"]]}]}
    assert D.problems(body, "BatchUpdateValuesRequest", response=False) == []
    request = {"requests": [{"updateCells": {"start": {"sheetId": 0}, "rows": [], "fields": "*", "colour": 1}}]}
    assert "unknown field 'colour'" in D.problems(request, "BatchUpdateSpreadsheetRequest", response=False)[0]
    two_kinds = {"requests": [{"insertDimension": {}, "deleteDimension": {}}]}
    assert "oneof" in D.problems(two_kinds, "BatchUpdateSpreadsheetRequest", response=False)[0]


def test_shape_drops_zero_integers_in_ranges_only() -> None:
    reply = {
        "spreadsheetId": "s",
        "sheets": [
            {
                "properties": {"sheetId": 0, "index": 0, "title": "A", "sheetType": "GRID"},
                "protectedRanges": [
                    {"protectedRangeId": 3, "range": {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 4}}
                ],
            }
        ],
    }
    shaped = D.shape(reply, "Spreadsheet")
    assert shaped["sheets"][0]["properties"] == reply["sheets"][0]["properties"]
    assert shaped["sheets"][0]["protectedRanges"][0]["range"] == {"endRowIndex": 4}
    assert reply["sheets"][0]["protectedRanges"][0]["range"]["sheetId"] == 0  # a copy, the input is untouched


def test_error_bodies() -> None:
    good = {"error": {"code": 429, "message": "Quota exceeded", "status": "RESOURCE_EXHAUSTED"}}
    assert error_problems(good) == []
    assert error_problems({"error": {"code": 429, "message": "x", "status": "TOO_MANY"}}) != []
    assert error_problems({"error": {"code": "429", "message": "x", "status": "RESOURCE_EXHAUSTED"}}) != []
    assert error_problems({"message": "x"}) != []


def test_field_masks() -> None:
    tree = parse_field_mask("sheets(properties(sheetId,title)),spreadsheetId")
    value = {
        "spreadsheetId": "s",
        "properties": {"title": "t"},
        "sheets": [{"properties": {"sheetId": 1, "index": 0, "title": "A"}}],
    }
    assert apply_field_mask(value, tree) == {
        "spreadsheetId": "s",
        "sheets": [{"properties": {"sheetId": 1, "title": "A"}}],
    }
    assert apply_field_mask(value, parse_field_mask("sheets.properties.title")) == {
        "sheets": [{"properties": {"title": "A"}}]
    }
    with pytest.raises(ValueError):
        parse_field_mask("sheets(properties")


def test_every_fake_endpoint_is_a_real_method() -> None:
    names = [n for n, _ in inspect.getmembers(Endpoints, inspect.isfunction) if not n.startswith("_")]
    assert len(names) >= 10
    for name in names:
        method = name.replace("_", ".", 1)
        assert D.response_ref(method) in D.schemas, method


def test_the_fake_refuses_to_send_a_bad_response() -> None:
    server = FakeSheetsServer().start()
    server.create_spreadsheet("s", {"Sheet1": [["a"]]})
    server.endpoints.values_get = lambda *args: {"range": 5, "majorDimension": "ROWS"}  # type: ignore[method-assign]
    status, body = server.handle("GET", "/v4/spreadsheets/s/values/Sheet1%21A1", {"authorization": "Bearer test"}, b"")
    assert status == 500 and body["error"]["status"] == "INTERNAL"
    assert "expected a string" in server.problems[0]
    with pytest.raises(SchemaViolation, match="values.get"):
        server.stop()


def test_the_fake_answers_an_unknown_request_field_with_googles_400() -> None:
    with FakeSheetsServer() as server:
        server.create_spreadsheet("s", {"Sheet1": []})
        body = b'{"valueInputOption": "RAW", "data": [{"range": "Sheet1!A1", "vals": [["x"]]}]}'
        status, error = server.handle(
            "POST", "/v4/spreadsheets/s/values:batchUpdate", {"authorization": "Bearer test"}, body
        )
        assert status == 400 and error["error"]["status"] == "INVALID_ARGUMENT"
        assert "unknown field 'vals'" in error["error"]["message"]
        assert server.values("s", "Sheet1") == []
