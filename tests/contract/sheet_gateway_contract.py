"""The one contract suite for the ``SheetGateway`` port (service/sheets/port.py).

Subclass ``SheetGatewayContract`` in a ``Test...`` class and provide a
``world`` fixture: a ``SheetWorld`` holding the adapter under test and the
user's side of the spreadsheets behind it (``UserSheets``: seed a
spreadsheet, look at a tab, insert or delete rows as a user would, and the
list of writes that reached the spreadsheet). ``GoogleSheetGateway`` over the
fake Sheets server and the in-memory ``MemorySheetGateway`` must pass every
test here. Rows and sheet row numbers are 1-based in assertions; the user's
``insert_rows``/``delete_rows`` take 0-based row indexes, as the Sheets API does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from service.domain import (
    CompanyInput,
    CompanyProfile,
    ErrorKind,
    FieldMethod,
    FieldSource,
    Job,
    JobOptions,
    JobState,
    Row,
    RowState,
)
from service.domain.sources import SheetSource
from service.sheets.port import PreparedSheet, SheetGateway

SPREADSHEET = "contract-sheet-0001"
TAB = "Leads"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
FIELDS = ("industry",)
OUTPUT_HEADERS = ["Rowscout status", "Researched at", "Industry", "Sources"]
ROWS = [
    ["Company", "Website", "Notes"],
    ["Acme", "acme.example", "vip"],
    ["Globex", "", ""],
    ["", "", ""],
    ["Initech", "initech.example", "call back"],
]


class UserSheets(Protocol):
    """The spreadsheets behind an adapter, as a test (playing the user) sees and edits them."""

    writes: Sequence[Any]  # every write that reached a spreadsheet, in order

    def create_spreadsheet(self, spreadsheet_id: str, sheets: dict[str, list[list[Any]]]) -> object: ...

    def values(self, spreadsheet_id: str, title: str) -> list[list[str]]: ...

    def insert_rows(self, spreadsheet_id: str, sheet: str, *, at: int, count: int = 1) -> None: ...

    def delete_rows(self, spreadsheet_id: str, sheet: str, *, start: int, end: int) -> None: ...


@dataclass
class SheetWorld:
    gateway: SheetGateway
    sheets: UserSheets

    def seed(self, rows: list[list[str]] = ROWS) -> None:
        self.sheets.create_spreadsheet(SPREADSHEET, {TAB: [list(row) for row in rows], "Other": [["x"]]})

    def grid(self) -> list[list[str]]:
        return self.sheets.values(SPREADSHEET, TAB)

    def row_of(self, name: str) -> dict[str, str]:
        """The sheet row whose first cell is ``name``, by header text."""
        header, *rows = self.grid()
        [row] = [row for row in rows if row and row[0] == name]
        return {text: row[c] if c < len(row) else "" for c, text in enumerate(header)}


def selection(**changes: Any) -> SheetSource:
    values: dict[str, Any] = {"spreadsheet_id": SPREADSHEET, "sheet_name": TAB, "ranges": ("A1:C5",), "header_row": 1}
    return SheetSource(**{**values, **changes})


def sheet_job(prepared: PreparedSheet, job_id: str = "job1") -> Job:
    options = JobOptions(fields=FIELDS)
    return Job(job_id, "ann@example.com", "contract", prepared.source, options, JobState.RUNNING, NOW, NOW)


def done(key: str, name: str, *, industry: str = "") -> Row:
    url = f"https://{name.lower()}.example/about"
    profile = CompanyProfile(
        name=name,
        industry=industry or f"Industry of {name}",
        sources={"industry": FieldSource(url, FieldMethod.TEXT)},
    )
    return Row("job1", key, 1, CompanyInput(name), state=RowState.DONE, result=profile, researched_at=NOW)


def keys_by_name(prepared: PreparedSheet) -> dict[str, str]:
    return {record.cells["Company"]: record.key for record in prepared.table.records}


class SheetGatewayContract:
    """Every ``SheetGateway`` adapter must pass these; subclasses provide the ``world`` fixture."""

    # --- read
    def test_read_detects_name_and_website_columns_and_returns_picked_rows(self, world: SheetWorld) -> None:
        world.seed()
        table = world.gateway.read(selection())
        assert table.headers == ["Company", "Website", "Notes"]
        assert (table.columns.name, table.columns.website) == ("Company", "Website") and table.columns.reasons
        records = list(table.records)
        assert [r.cells["Company"] for r in records] == ["Acme", "Globex", "Initech"]  # the empty row is skipped
        assert [r.position for r in records] == [1, 2, 3]
        assert [r.key.rsplit(":", 1)[1] for r in records] == ["2", "3", "5"]  # <prefix>:<sheet row number>
        assert records[0].company(table.columns) == CompanyInput("Acme", "acme.example", {"Notes": "vip"})

    def test_read_of_disjoint_ranges_and_of_the_first_tab(self, world: SheetWorld) -> None:
        world.seed()
        table = world.gateway.read(selection(ranges=("A2:C2", "A5:C5")))
        assert [(r.position, r.cells["Company"]) for r in table.records] == [(1, "Acme"), (2, "Initech")]
        whole = world.gateway.read(SheetSource(SPREADSHEET))  # no tab, no ranges: all of the first tab
        assert [r.cells["Company"] for r in whole.records] == ["Acme", "Globex", "Initech"]

    def test_read_honours_the_users_column_choice(self, world: SheetWorld) -> None:
        world.seed()
        table = world.gateway.read(selection(name_column="Notes"))
        assert table.columns.name == "Notes"

    def test_read_makes_no_writes(self, world: SheetWorld) -> None:
        world.seed()
        before, grid = len(world.sheets.writes), world.grid()
        world.gateway.read(selection())
        world.gateway.read(SheetSource(SPREADSHEET))
        assert len(world.sheets.writes) == before and world.grid() == grid

    # --- prepare
    def test_prepare_adds_output_columns_right_of_the_data_and_completes_the_source(self, world: SheetWorld) -> None:
        world.seed()
        prepared = world.gateway.prepare(selection(sheet_name=""), fields=FIELDS, job_id="job1")
        grid = world.grid()
        assert grid[0] == ROWS[0] + OUTPUT_HEADERS
        for number, row in enumerate(ROWS[1:], start=2):  # every user cell as it was
            assert (grid[number - 1] + [""] * 3)[:3] == row
        source = prepared.source
        assert (source.spreadsheet_id, source.sheet_name, source.header_row) == (SPREADSHEET, TAB, 1)
        assert source.headers == ("Company", "Website", "Notes")
        assert (source.columns.name, source.columns.website) == ("Company", "Website")
        assert source.layout is not None and source.layout.sheet_id == source.sheet_id
        assert source.layout.header_row == 1
        assert source.layout.columns == {"status": 3, "researched_at": 4, "industry": 5, "sources": 6}
        assert source.layout.created == tuple(OUTPUT_HEADERS)
        assert [r.key for r in prepared.table.records] == ["job1:2", "job1:3", "job1:5"]

    def test_prepare_reuses_output_columns_it_finds(self, world: SheetWorld) -> None:
        world.seed()
        first = world.gateway.prepare(selection(), fields=FIELDS, job_id="job1")
        again = world.gateway.prepare(selection(), fields=FIELDS, job_id="job2")
        assert again.source.layout is not None and first.source.layout is not None
        assert again.source.layout.columns == first.source.layout.columns and again.source.layout.created == ()
        assert world.grid()[0] == ROWS[0] + OUTPUT_HEADERS

    # --- writer
    def test_writer_writes_status_and_fields_into_the_rows_of_the_keys(self, world: SheetWorld) -> None:
        world.seed()
        prepared = world.gateway.prepare(selection(), fields=FIELDS, job_id="job1")
        keys = keys_by_name(prepared)
        job = sheet_job(prepared)
        writer = world.gateway.writer(job)
        failed = Row(
            "job1", keys["Globex"], 2, CompanyInput("Globex"), state=RowState.FAILED,
            error_kind=ErrorKind.TIMEOUT, error_message="site took longer than 60 s",
        )  # fmt: skip
        pending = Row("job1", keys["Initech"], 3, CompanyInput("Initech"))
        writer.write(job, [done(keys["Acme"], "Acme"), failed, pending])
        assert writer.commit() == []
        writer.close()
        acme, globex, initech = (world.row_of(name) for name in ("Acme", "Globex", "Initech"))
        assert acme["Rowscout status"] == "done" and acme["Industry"] == "Industry of Acme"
        assert acme["Researched at"] == NOW.isoformat(timespec="seconds")
        assert acme["Sources"] == "https://acme.example/about (industry)"
        assert acme["Notes"] == "vip" and acme["Website"] == "acme.example"
        assert globex["Rowscout status"] == "failed: timeout — site took longer than 60 s" and globex["Industry"] == ""
        assert initech["Rowscout status"] == "queued" and initech["Industry"] == ""

    def test_a_deleted_rows_key_comes_back_from_commit_and_nothing_is_written_elsewhere(
        self, world: SheetWorld
    ) -> None:
        world.seed()
        prepared = world.gateway.prepare(selection(), fields=FIELDS, job_id="job1")
        keys = keys_by_name(prepared)
        world.sheets.delete_rows(SPREADSHEET, TAB, start=2, end=3)  # Globex, sheet row 3
        before = world.grid()
        job = sheet_job(prepared)
        writer = world.gateway.writer(job)
        writer.write(job, [done(keys[name], name) for name in ("Acme", "Globex", "Initech")])
        assert list(writer.commit()) == [keys["Globex"]]
        writer.close()
        after = world.grid()
        assert len(after) == len(before) and all("Globex" not in row for row in after)
        for number, row in enumerate(before):  # the user's cells are untouched everywhere
            assert after[number][:3] == row[:3]
        assert world.row_of("Acme")["Industry"] == "Industry of Acme"
        assert world.row_of("Initech")["Industry"] == "Industry of Initech"
        assert list(world.gateway.writer(job).commit()) == []  # nothing left to report

    def test_results_land_in_their_rows_after_rows_are_inserted_above(self, world: SheetWorld) -> None:
        world.seed()
        prepared = world.gateway.prepare(selection(), fields=FIELDS, job_id="job1")
        keys = keys_by_name(prepared)
        world.sheets.insert_rows(SPREADSHEET, TAB, at=1, count=3)  # three rows under the header
        job = sheet_job(prepared)
        writer = world.gateway.writer(job)
        writer.write(job, [done(keys[name], name) for name in ("Acme", "Globex", "Initech")])
        assert list(writer.commit()) == []
        writer.close()
        grid = world.grid()
        assert [row[0] if row else "" for row in grid[:6]] == ["Company", "", "", "", "Acme", "Globex"]
        for name in ("Acme", "Globex", "Initech"):
            row = world.row_of(name)
            assert row["Rowscout status"] == "done" and row["Industry"] == f"Industry of {name}", name

    def test_values_are_written_raw(self, world: SheetWorld) -> None:
        world.seed()
        prepared = world.gateway.prepare(selection(), fields=FIELDS, job_id="job1")
        keys = keys_by_name(prepared)
        job = sheet_job(prepared)
        writer = world.gateway.writer(job)
        writer.write(job, [done(keys["Acme"], "Acme", industry="=1+1"), done(keys["Globex"], "Globex", industry="+A1")])
        writer.commit()
        writer.close()
        assert world.row_of("Acme")["Industry"] == "=1+1"  # text, not the formula's value 2
        assert world.row_of("Globex")["Industry"] == "+A1"
