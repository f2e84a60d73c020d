"""The fake Sheets server's API methods: one ``Endpoints`` method per Sheets v4 method.

Each takes ``(book, user, params, body)`` and returns the response JSON (before
the server shapes it as proto3 JSON and checks it against ``sheets.v4.json``);
``spreadsheets.batchUpdate`` runs each request through a ``_req_<name>`` method.
"""

from __future__ import annotations

from typing import Any

from service.sheets.a1 import parse_a1
from tests.fakes.sheets_model import (
    PROTECTED_MESSAGE,
    ApiError,
    Box,
    Model,
    Sheet,
    Spreadsheet,
    box_from_a1,
    box_from_grid,
    dim_key,
    full_dimension_range,
    read_box,
)

# ---------------------------------------------------------------- endpoints


class Endpoints:
    """One method per API method: ``(book, user, params, body) -> response JSON``."""

    def __init__(self, model: Model) -> None:
        self.model = model

    def spreadsheets_get(self, book: Spreadsheet, user: str, params: dict[str, Any], body: Any) -> dict[str, Any]:
        fields = params.get("fields", [""])[0]
        with_meta = not fields or "developerMetadata" in fields
        sheets = []
        for sheet in book.sheets:
            entry: dict[str, Any] = {"properties": sheet.properties()}
            metas = [
                m
                for m in book.metadata.values()
                if m["location"]["locationType"] == "SHEET" and m["location"]["sheetId"] == sheet.sheet_id
            ]
            if with_meta and metas:
                entry["developerMetadata"] = metas
            protected = [
                {"protectedRangeId": i, "range": {"sheetId": p["sheetId"], **p["range"]}}
                for i, p in enumerate(book.protected)
                if p["sheetId"] == sheet.sheet_id
            ]
            if protected:
                entry["protectedRanges"] = protected
            sheets.append(entry)
        result: dict[str, Any] = {
            "spreadsheetId": book.spreadsheet_id,
            "properties": {"title": book.title},
            "sheets": sheets,
        }
        top = [m for m in book.metadata.values() if m["location"]["locationType"] == "SPREADSHEET"]
        if with_meta and top:
            result["developerMetadata"] = top
        return result

    def values_get(self, book: Spreadsheet, user: str, params: dict[str, Any], body: Any) -> dict[str, Any]:
        option = params.get("valueRenderOption", ["FORMATTED_VALUE"])[0]
        return read_box(box_from_a1(book, params["range"][0]), option)

    def values_batchGet(self, book: Spreadsheet, user: str, params: dict[str, Any], body: Any) -> dict[str, Any]:
        option = params.get("valueRenderOption", ["FORMATTED_VALUE"])[0]
        ranges = [read_box(box_from_a1(book, r), option) for r in params.get("ranges", [])]
        return {"spreadsheetId": book.spreadsheet_id, "valueRanges": ranges}

    def values_batchGetByDataFilter(
        self, book: Spreadsheet, user: str, params: dict[str, Any], body: dict[str, Any]
    ) -> dict[str, Any]:
        option = body.get("valueRenderOption", "FORMATTED_VALUE")
        ranges = []
        for data_filter in body.get("dataFilters", []):
            for box in self.model.filter_boxes(book, data_filter):
                ranges.append({"valueRange": read_box(box, option), "dataFilters": [data_filter]})
        return {"spreadsheetId": book.spreadsheet_id, "valueRanges": ranges}

    def values_update(
        self, book: Spreadsheet, user: str, params: dict[str, Any], body: dict[str, Any]
    ) -> dict[str, Any]:
        option = _input_option(params.get("valueInputOption", [""])[0])
        box = box_from_a1(book, params["range"][0])
        exact = not _single_cell(params["range"][0])
        result = self.model.write_box(book, box, body.get("values", []), option, user, exact=exact)
        return {"spreadsheetId": book.spreadsheet_id, **result}

    def values_batchUpdate(
        self, book: Spreadsheet, user: str, params: dict[str, Any], body: dict[str, Any]
    ) -> dict[str, Any]:
        option = _input_option(body.get("valueInputOption", ""))
        responses = []
        for value_range in body.get("data", []):
            box = box_from_a1(book, value_range["range"])
            exact = not _single_cell(value_range["range"])
            result = self.model.write_box(book, box, value_range.get("values", []), option, user, exact=exact)
            responses.append({"spreadsheetId": book.spreadsheet_id, **result})
        return {"spreadsheetId": book.spreadsheet_id, **_totals(responses), "responses": responses}

    def values_batchUpdateByDataFilter(
        self, book: Spreadsheet, user: str, params: dict[str, Any], body: dict[str, Any]
    ) -> dict[str, Any]:
        option = _input_option(body.get("valueInputOption", ""))
        responses = []
        for value_range in body.get("data", []):
            boxes = self.model.filter_boxes(book, value_range["dataFilter"])
            if not boxes:
                responses.append({"dataFilter": value_range["dataFilter"]})
            for box in boxes:
                result = self.model.write_box(book, box, value_range.get("values", []), option, user)
                responses.append({**result, "dataFilter": value_range["dataFilter"]})
        return {"spreadsheetId": book.spreadsheet_id, **_totals(responses), "responses": responses}

    def values_append(
        self, book: Spreadsheet, user: str, params: dict[str, Any], body: dict[str, Any]
    ) -> dict[str, Any]:
        option = _input_option(params.get("valueInputOption", [""])[0])
        box = box_from_a1(book, params["range"][0])
        values = body.get("values", [])
        last = box.r0 - 1
        for r in range(box.r0, box.r1):
            if any(box.sheet.get(r, c) is not None for c in range(box.c0, box.c1)):
                last = r
        start = last + 1
        if params.get("insertDataOption", ["OVERWRITE"])[0] == "INSERT_ROWS":
            self.model.insert_dimension(
                book,
                {
                    "sheetId": box.sheet.sheet_id,
                    "dimension": "ROWS",
                    "startIndex": start,
                    "endIndex": start + len(values),
                },
            )
        box.sheet.row_count = max(box.sheet.row_count, start + len(values))
        target = Box(box.sheet, start, start + len(values), box.c0, box.sheet.col_count)
        result = self.model.write_box(book, target, values, option, user)
        return {
            "spreadsheetId": book.spreadsheet_id,
            "tableRange": box.a1(),
            "updates": {"spreadsheetId": book.spreadsheet_id, **result},
        }

    def values_clear(self, book: Spreadsheet, user: str, params: dict[str, Any], body: Any) -> dict[str, Any]:
        box = box_from_a1(book, params["range"][0])
        self.model.clear_box(book, box, user)
        return {"spreadsheetId": book.spreadsheet_id, "clearedRange": box.a1()}

    def developerMetadata_search(
        self, book: Spreadsheet, user: str, params: dict[str, Any], body: dict[str, Any]
    ) -> dict[str, Any]:
        matched: dict[int, dict[str, Any]] = {}
        for data_filter in body.get("dataFilters", []):
            for item in self.model.match_metadata(book, data_filter):
                entry = matched.setdefault(item["metadataId"], {"developerMetadata": item, "dataFilters": []})
                entry["dataFilters"].append(data_filter)
        return {"matchedDeveloperMetadata": list(matched.values())} if matched else {}

    def spreadsheets_batchUpdate(
        self, book: Spreadsheet, user: str, params: dict[str, Any], body: dict[str, Any]
    ) -> dict[str, Any]:
        replies = []
        for index, request in enumerate(body.get("requests", [])):
            ((name, args),) = request.items()
            handler = getattr(self, f"_req_{name}", None)
            if handler is None:
                raise ApiError(400, f"Invalid requests[{index}]: unsupported request {name}")
            try:
                replies.append(handler(book, user, args))
            except ApiError as exc:
                if exc.message == PROTECTED_MESSAGE:
                    raise
                raise ApiError(exc.code, f"Invalid requests[{index}].{name}: {exc.message}") from exc
        return {"spreadsheetId": book.spreadsheet_id, "replies": replies}

    # --- spreadsheets.batchUpdate requests
    def _req_createDeveloperMetadata(self, book: Spreadsheet, user: str, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "createDeveloperMetadata": {
                "developerMetadata": self.model.create_metadata(book, args["developerMetadata"])
            }
        }

    def _req_deleteDeveloperMetadata(self, book: Spreadsheet, user: str, args: dict[str, Any]) -> dict[str, Any]:
        deleted = self.model.match_metadata(book, args["dataFilter"])
        for item in deleted:
            book.metadata.pop(item["metadataId"], None)
        return {"deleteDeveloperMetadata": {"deletedDeveloperMetadata": deleted}}

    def _req_insertDimension(self, book: Spreadsheet, user: str, args: dict[str, Any]) -> dict[str, Any]:
        self.model.insert_dimension(book, args["range"])
        return {}

    def _req_deleteDimension(self, book: Spreadsheet, user: str, args: dict[str, Any]) -> dict[str, Any]:
        rng = full_dimension_range(args["range"])
        sheet = book.sheet_by_id(rng["sheetId"])
        start_key, end_key = dim_key(rng["dimension"])
        self.model.check_protected(
            book,
            box_from_grid(book, {"sheetId": sheet.sheet_id, start_key: rng["startIndex"], end_key: rng["endIndex"]}),
            user,
        )
        self.model.delete_dimension(book, rng)
        return {}

    def _req_appendDimension(self, book: Spreadsheet, user: str, args: dict[str, Any]) -> dict[str, Any]:
        sheet = book.sheet_by_id(args.get("sheetId", 0))
        if args["dimension"] == "ROWS":
            sheet.row_count += args["length"]
        else:
            sheet.col_count += args["length"]
        return {}

    def _req_sortRange(self, book: Spreadsheet, user: str, args: dict[str, Any]) -> dict[str, Any]:
        self.model.sort_range(book, args["range"], args.get("sortSpecs", []))
        return {}

    def _req_moveDimension(self, book: Spreadsheet, user: str, args: dict[str, Any]) -> dict[str, Any]:
        self.model.move_dimension(book, args["source"], int(args.get("destinationIndex", 0)))
        return {}

    def _req_deleteSheet(self, book: Spreadsheet, user: str, args: dict[str, Any]) -> dict[str, Any]:
        self.model.delete_sheet(book, int(args.get("sheetId", 0)))
        return {}

    def _req_addSheet(self, book: Spreadsheet, user: str, args: dict[str, Any]) -> dict[str, Any]:
        props = args.get("properties", {})
        title = props.get("title") or f"Sheet{len(book.sheets) + 1}"
        _check_title_free(book, title)
        sheet_id = props.get("sheetId", max(s.sheet_id for s in book.sheets) + 1)
        if any(s.sheet_id == sheet_id for s in book.sheets):
            raise ApiError(400, f"A sheet with id {sheet_id} already exists.")
        grid = props.get("gridProperties", {})
        sheet = Sheet(sheet_id, title, len(book.sheets), grid.get("rowCount", 1000), grid.get("columnCount", 26))
        book.sheets.append(sheet)
        return {"addSheet": {"properties": sheet.properties()}}

    def _req_updateSheetProperties(self, book: Spreadsheet, user: str, args: dict[str, Any]) -> dict[str, Any]:
        props = args["properties"]
        sheet = book.sheet_by_id(props.get("sheetId", 0))
        fields = args.get("fields", "*")
        if "title" in props and ("title" in fields or fields == "*") and props["title"] != sheet.title:
            _check_title_free(book, props["title"])
            sheet.title = props["title"]  # the sheetId stays: ranges by the old title stop resolving
        grid = props.get("gridProperties", {})
        sheet.row_count = grid.get("rowCount", sheet.row_count)
        sheet.col_count = grid.get("columnCount", sheet.col_count)
        return {}

    def _req_updateCells(self, book: Spreadsheet, user: str, args: dict[str, Any]) -> dict[str, Any]:
        if "range" in args:
            box = box_from_grid(book, args["range"])
            self.model.clear_box(book, box, user)
            r0, c0 = box.r0, box.c0
            sheet = box.sheet
        else:
            start = args["start"]
            sheet = book.sheet_by_id(start.get("sheetId", 0))
            r0, c0 = start.get("rowIndex", 0), start.get("columnIndex", 0)
        values = [[_cell_data(c) for c in row.get("values", [])] for row in args.get("rows", [])]
        self.model.write_box(
            book, Box(sheet, r0, sheet.row_count, c0, sheet.col_count), values, "RAW", user, exact=False
        )
        return {}


def _check_title_free(book: Spreadsheet, title: str) -> None:
    if any(s.title.casefold() == title.casefold() for s in book.sheets):
        raise ApiError(400, f'A sheet with the name "{title}" already exists. Please enter another name.')


def _cell_data(cell: dict[str, Any]) -> Any:
    entered = cell.get("userEnteredValue")
    if not entered:
        return ""
    ((kind, value),) = entered.items()
    return "=" + value.lstrip("=") if kind == "formulaValue" else value


def _single_cell(text: str) -> bool:
    """A one-cell range (``Sheet1!C4``) is an anchor: values may spread right and down from it."""
    rng = parse_a1(text)
    return rng.end_row == rng.first_row + 1 and rng.end_col == rng.first_col + 1 and ":" not in text


def _input_option(option: str) -> str:
    if option not in ("RAW", "USER_ENTERED"):
        raise ApiError(400, "Invalid valueInputOption: INPUT_VALUE_OPTION_UNSPECIFIED")
    return option


def _totals(responses: list[dict[str, Any]]) -> dict[str, int]:
    return {
        "totalUpdatedRows": sum(r.get("updatedRows", 0) for r in responses),
        "totalUpdatedColumns": sum(r.get("updatedColumns", 0) for r in responses),
        "totalUpdatedCells": sum(r.get("updatedCells", 0) for r in responses),
        "totalUpdatedSheets": len({r["updatedRange"].rpartition("!")[0] for r in responses if "updatedRange" in r}),
    }
