"""Reading selections (one call, disjoint ranges, header detection), the job's own columns, tagging."""

from __future__ import annotations

import pytest

from service.domain.errors import InputError, SchemaError
from service.domain.sources import SheetSource
from service.sheets.google_api import GoogleSheetsApi
from service.sheets.prepare import prepare_sheet
from service.sheets.reader import read_selection, read_sheet
from service.sheets.selection import SheetSelection
from service.sheets.tagging import ROW_KEY, locate_rows
from tests.fakes.sheets_server import FakeSheetsServer
from tests.sheets.conftest import companies


def test_disjoint_ranges_are_read_in_one_call(server: FakeSheetsServer, api: GoogleSheetsApi) -> None:
    server.create_spreadsheet("s", {"Leads": companies(30)})
    selection = SheetSelection("s", "Leads", ("A3:C5", "A20:C21"))
    table = read_selection(api, selection, key_prefix="job1")
    assert server.calls["values.batchGet"] == 1 and sum(server.calls.values()) == 1
    names = [r.cells["Company"] for r in table.records]
    assert names == ["Company 0001", "Company 0002", "Company 0003", "Company 0018", "Company 0019"]
    assert [r.key for r in table.records][:2] == ["job1:3", "job1:4"]
    assert table.headers == ["Company", "Website", "City"]
    assert (table.columns.name, table.columns.website) == ("Company", "Website")


def test_whole_sheet_skips_empty_rows(server: FakeSheetsServer, api: GoogleSheetsApi) -> None:
    rows = companies(3)
    rows.insert(2, ["", "", ""])
    rows.append([])
    rows.append(["Late Co", "", ""])
    server.create_spreadsheet("s", {"Sheet1": rows})
    read = read_sheet(api, SheetSelection("s", ""), key_prefix="j")
    assert read.sheet_name == "Sheet1" and read.header_row == 1
    assert [r.cells["Company"] for r in read.table.records] == [
        "Company 0000",
        "Company 0001",
        "Company 0002",
        "Late Co",
    ]
    assert read.row_numbers["j:7"] == 7


def test_selection_that_starts_at_its_own_header(server: FakeSheetsServer, api: GoogleSheetsApi) -> None:
    rows = [["Quarterly leads report"], [], ["Company name", "Web"], ["Acme", "acme.com"], ["Beta", "beta.io"]]
    server.create_spreadsheet("s", {"Sheet1": rows})
    read = read_sheet(api, SheetSelection("s", "Sheet1", ("A3:B5",)), key_prefix="j")
    assert read.header_row == 3
    assert [r.cells for r in read.table.records] == [
        {"Company name": "Acme", "Web": "acme.com"},
        {"Company name": "Beta", "Web": "beta.io"},
    ]


def test_blank_row_one_means_the_selection_holds_the_header(server: FakeSheetsServer, api: GoogleSheetsApi) -> None:
    server.create_spreadsheet("s", {"Sheet1": [[], ["Org", "Site"], ["Acme", "acme.com"]]})
    read = read_sheet(api, SheetSelection("s", "Sheet1", ("A2:B3",)), key_prefix="j")
    assert read.header_row == 2 and read.table.headers == ["Org", "Site"]


def test_explicit_header_row_and_column_overrides(server: FakeSheetsServer, api: GoogleSheetsApi) -> None:
    server.create_spreadsheet("s", {"Sheet1": [["x"], ["Who", "Where"], ["Acme", "acme.com"]]})
    table = read_selection(api, SheetSelection("s", "Sheet1", header_row=2), name_column="Who", website_column="Where")
    assert [r.company(table.columns).name for r in table.records] == ["Acme"]


def test_no_company_column_is_a_schema_error(server: FakeSheetsServer, api: GoogleSheetsApi) -> None:
    server.create_spreadsheet("s", {"Sheet1": [["Qty", "Price"], ["1", "2"], ["3", "4"]]})
    with pytest.raises(SchemaError):
        read_selection(api, SheetSelection("s", "Sheet1"))


def test_own_columns_are_inserted_right_of_the_data_and_a_users_industry_column_is_not_reused(
    server: FakeSheetsServer, api: GoogleSheetsApi
) -> None:
    rows = [
        ["Company", "Website", "Notes", "", "Industry"],
        ["Acme", "acme.com", "vip", "", "Aerospace (hand-checked)"],
    ]
    server.create_spreadsheet("s", {"Sheet1": rows}, cols=6)
    prepared = prepare_sheet(api, SheetSource("s", sheet_name="Sheet1"), ["industry", "website"], key_prefix="job1")
    layout = prepared.source.layout
    assert layout is not None
    header, acme = server.values("s", "Sheet1")[:2]
    assert header[:5] == rows[0] and acme[:5] == rows[1]  # nothing of the user's is overwritten
    assert header[5:] == ["Rowscout status", "Researched at", "Industry (Rowscout)", "Website (found)", "Sources"]
    assert layout.columns == {"status": 5, "researched_at": 6, "industry": 7, "website": 8, "sources": 9}
    assert layout.inputs == {"input.name": 0, "input.website": 1}
    assert server.sheet("s", "Sheet1").col_count == 11  # five columns inserted, the grid grows with them
    assert server.calls["spreadsheets.batchUpdate"] == 1  # columns, headers, column tags and row tags


def test_a_column_map_writes_a_field_into_a_users_column_and_refuses_the_identity_columns(
    server: FakeSheetsServer, api: GoogleSheetsApi
) -> None:
    server.create_spreadsheet("s", {"Sheet1": [["Company", "Website", "HQ"], ["Acme", "acme.com", ""]]})
    source = SheetSource("s", sheet_name="Sheet1", column_map={"hq_city": "C"})
    layout = prepare_sheet(api, source, ["hq_city"], key_prefix="job1").source.layout
    assert layout is not None and layout.columns["hq_city"] == 2 and layout.mapped == ("hq_city",)
    assert "HQ city" not in server.values("s", "Sheet1")[0]
    for wrong in ({"hq_city": "Website"}, {"hq_city": "Nowhere"}, {"industry": "HQ"}):
        with pytest.raises(InputError):
            prepare_sheet(api, SheetSource("s", sheet_name="Sheet1", column_map=wrong), ["hq_city"], key_prefix="j2")


def test_input_website_column_is_never_reused_for_output(server: FakeSheetsServer, api: GoogleSheetsApi) -> None:
    server.create_spreadsheet("s", {"Sheet1": [["Company", "Website (found)"], ["Acme", "acme.com"]]})
    layout = prepare_sheet(api, SheetSource("s", sheet_name="Sheet1"), ["website"], key_prefix="j").source.layout
    assert layout is not None and layout.columns["website"] > 1
    assert "Website (found) (Rowscout)" in server.values("s", "Sheet1")[0]


@pytest.mark.parametrize("tab", ["Sheet1", ""])
def test_submit_reads_twice_and_tags_1200_rows_in_one_call(
    server: FakeSheetsServer, api: GoogleSheetsApi, tab: str
) -> None:
    server.create_spreadsheet("s", {"Sheet1": companies(1200)}, rows=1300)
    prepared = prepare_sheet(api, SheetSource("s", sheet_name=tab), ["industry"], key_prefix="job9")
    assert len(list(prepared.table.records)) == 1200
    reads = {m: n for m, n in server.calls.items() if m in ("spreadsheets.get", "values.batchGet")}
    assert reads == {"spreadsheets.get": 1, "values.batchGet": 1} and sum(server.calls.values()) == 3
    meta = server.metadata("s")
    rows = [m for m in meta if m["metadataKey"] == ROW_KEY]
    assert len(rows) == 1200 and {m["visibility"] for m in meta} == {"DOCUMENT"}
    server.insert_rows("s", "Sheet1", at=1, count=5)
    where = locate_rows(api, "s", prepared.source.sheet_id or 0, ["job9:2", "job9:1201", "missing"])
    assert where == {"job9:2": 6, "job9:1201": 1205}
