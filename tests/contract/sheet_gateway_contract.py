"""The one contract suite for the ``SheetGateway`` port (service/sheets/port.py).

Subclass ``SheetGatewayContract`` in a ``Test...`` class and provide a
``world`` fixture: a ``SheetWorld`` holding the adapter under test and the
user's side of the spreadsheets behind it (``UserSheets``: seed a
spreadsheet, look at a tab, insert or delete rows, insert columns, sort (the
worst case: values move, row tags stay), type into a cell as a user would,
the tags in the spreadsheet, and the list of writes that reached it). ``GoogleSheetGateway`` over the
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
from service.domain.hints import hint_for
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

    def insert_columns(self, spreadsheet_id: str, sheet: str, *, at: int, count: int = 1) -> None: ...

    def sort_rows(
        self, spreadsheet_id: str, sheet: str, *, column: int, start_row: int = 1, descending: bool = False
    ) -> None: ...

    def edit(self, spreadsheet_id: str, sheet: str, row: int, column: int, text: str) -> None: ...

    def tag_values(self, spreadsheet_id: str) -> set[str]: ...


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


def done(key: str, name: str, *, industry: str | None = None, website: str = "", **row: Any) -> Row:
    url = f"https://{name.lower()}.example/about"
    profile = CompanyProfile(
        name=name,
        industry=f"Industry of {name}" if industry is None else industry,
        sources={"industry": FieldSource(url, FieldMethod.TEXT)},
    )
    company = CompanyInput(name, website or _WEBSITES.get(name, ""))
    return Row("job1", key, 1, company, state=RowState.DONE, result=profile, researched_at=NOW, **row)


_WEBSITES = {"Acme": "acme.example", "Initech": "initech.example"}


def commit(gateway: SheetGateway, job: Job, rows: list[Row]) -> tuple[list[str], Any]:
    """Write rows with a fresh writer; (keys not written, the writer)."""
    writer = gateway.writer(job)
    writer.write(job, rows)
    missing = list(writer.commit())
    writer.close()
    return missing, writer


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

    def test_each_job_gets_its_own_columns_and_a_users_field_named_column_is_never_reused(
        self, world: SheetWorld
    ) -> None:
        rows = [["Company", "Website", "Industry"], ["Acme", "acme.example", "Aerospace (hand-checked)"]]
        world.seed(rows)
        first = world.gateway.prepare(selection(ranges=("A1:C2",)), fields=FIELDS, job_id="job1")
        again = world.gateway.prepare(selection(ranges=("A1:C2",)), fields=FIELDS, job_id="job2")
        assert first.source.layout is not None and again.source.layout is not None
        assert first.source.layout.columns == {"status": 3, "researched_at": 4, "industry": 5, "sources": 6}
        assert again.source.layout.columns == {"status": 7, "researched_at": 8, "industry": 9, "sources": 10}
        assert world.grid()[0][3:7] == ["Rowscout status", "Researched at", "Industry (Rowscout)", "Sources"]
        job = sheet_job(first)
        assert commit(world.gateway, job, [done(first.table.records[0].key, "Acme")])[0] == []
        acme = world.grid()[1]
        assert acme[:3] == rows[1] and acme[5] == "Industry of Acme"

    def test_own_columns_are_inserted_so_cells_right_of_the_data_move_instead_of_being_overwritten(
        self, world: SheetWorld
    ) -> None:
        world.seed([*ROWS, ["", "", "", "a note below, right of the data"]])
        prepared = world.gateway.prepare(selection(), fields=FIELDS, job_id="job1")
        job = sheet_job(prepared)
        commit(world.gateway, job, [done(keys_by_name(prepared)["Acme"], "Acme")])
        assert world.grid()[5][3 + len(OUTPUT_HEADERS)] == "a note below, right of the data"

    def test_an_explicit_column_map_fills_only_empty_cells_of_the_users_column(self, world: SheetWorld) -> None:
        world.seed()
        source = selection(column_map={"industry": "Notes"})
        prepared = world.gateway.prepare(source, fields=FIELDS, job_id="job1")
        assert prepared.source.layout is not None and prepared.source.layout.mapped == ("industry",)
        assert world.grid()[0] == ["Company", "Website", "Notes", "Rowscout status", "Researched at", "Sources"]
        keys = keys_by_name(prepared)
        job = sheet_job(prepared)
        _, writer = commit(world.gateway, job, [done(keys["Acme"], "Acme"), done(keys["Globex"], "Globex")])
        acme, globex = world.row_of("Acme"), world.row_of("Globex")
        assert acme["Notes"] == "vip" and acme["Rowscout status"] == "done — kept your edit in Notes"
        assert globex["Notes"] == "Industry of Globex" and globex["Rowscout status"] == "done"
        writes = writer.row_writes()
        assert writes[keys["Acme"]].kept == ("Notes",) and "industry" not in writes[keys["Acme"]].values
        assert writes[keys["Globex"]].values["industry"] == "Industry of Globex"

    # --- writer
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
        pending = Row("job1", keys["Initech"], 3, CompanyInput("Initech", "initech.example"))
        writer.write(job, [done(keys["Acme"], "Acme"), failed, pending])
        assert writer.commit() == []
        writer.close()
        acme, globex, initech = (world.row_of(name) for name in ("Acme", "Globex", "Initech"))
        assert acme["Rowscout status"] == "done" and acme["Industry"] == "Industry of Acme"
        assert acme["Researched at"] == NOW.isoformat(timespec="seconds")
        assert acme["Sources"] == "https://acme.example/about (industry)"
        assert acme["Notes"] == "vip" and acme["Website"] == "acme.example"
        slow = f"failed: timeout — site took longer than 60 s. What to do: {hint_for(ErrorKind.TIMEOUT)}"
        assert globex["Rowscout status"] == slow and globex["Industry"] == ""
        assert initech["Rowscout status"] == "queued" and initech["Industry"] == ""

    def test_no_empty_value_over_a_cell_and_a_failed_row_gets_its_status_only(self, world: SheetWorld) -> None:
        world.seed()
        prepared = world.gateway.prepare(selection(), fields=FIELDS, job_id="job1")
        keys = keys_by_name(prepared)
        job = sheet_job(prepared)
        _, writer = commit(world.gateway, job, [done(keys["Acme"], "Acme")])
        written = writer.row_writes()[keys["Acme"]]
        assert written.values["industry"] == "Industry of Acme"
        refreshed = done(keys["Acme"], "Acme", industry="", written=written.values)  # found nothing this time
        commit(world.gateway, job, [refreshed])
        assert world.row_of("Acme")["Industry"] == "Industry of Acme"
        failed = Row(
            "job1", keys["Acme"], 1, CompanyInput("Acme", "acme.example"), state=RowState.FAILED,
            error_kind=ErrorKind.TIMEOUT, error_message="slow", result=CompanyProfile(industry="partial"),
            written=written.values,
        )  # fmt: skip
        commit(world.gateway, job, [failed])
        acme = world.row_of("Acme")
        assert acme["Industry"] == "Industry of Acme"
        assert acme["Rowscout status"] == f"failed: timeout — slow. What to do: {hint_for(ErrorKind.TIMEOUT)}"

    def test_a_cell_the_user_edited_after_rowscout_wrote_it_is_kept_and_the_status_says_so(
        self, world: SheetWorld
    ) -> None:
        world.seed()
        prepared = world.gateway.prepare(selection(), fields=FIELDS, job_id="job1")
        keys = keys_by_name(prepared)
        job = sheet_job(prepared)
        _, writer = commit(world.gateway, job, [done(keys["Acme"], "Acme"), done(keys["Initech"], "Initech")])
        writes = writer.row_writes()
        world.sheets.edit(SPREADSHEET, TAB, 1, 5, "Aerospace (hand-checked)")  # Acme's Industry cell
        again = [
            done(keys[name], name, industry=f"New industry of {name}", written=writes[keys[name]].values)
            for name in ("Acme", "Initech")
        ]
        _, writer = commit(world.gateway, job, again)
        acme, initech = world.row_of("Acme"), world.row_of("Initech")
        assert acme["Industry"] == "Aerospace (hand-checked)"
        assert acme["Rowscout status"] == "done — kept your edit in Industry"
        assert initech["Industry"] == "New industry of Initech" and initech["Rowscout status"] == "done"
        assert writer.row_writes()[keys["Acme"]].kept == ("Industry",)

    def test_a_row_that_no_longer_holds_its_company_is_not_written_and_the_reason_is_told(
        self, world: SheetWorld
    ) -> None:
        world.seed()
        prepared = world.gateway.prepare(selection(), fields=FIELDS, job_id="job1")
        keys = keys_by_name(prepared)
        world.sheets.edit(SPREADSHEET, TAB, 1, 0, "Umbrella")  # the user typed another company over Acme
        before = world.grid()[1]
        missing, writer = commit(world.gateway, sheet_job(prepared), [done(keys["Acme"], "Acme")])
        assert missing == [keys["Acme"]] and "not written" in writer.skip_reasons()[keys["Acme"]]
        assert world.grid()[1] == before

    def test_after_a_sort_results_follow_the_company_not_the_row_tag(self, world: SheetWorld) -> None:
        world.seed()
        prepared = world.gateway.prepare(selection(), fields=FIELDS, job_id="job1")
        keys = keys_by_name(prepared)
        world.sheets.sort_rows(SPREADSHEET, TAB, column=0, descending=True)  # Initech, Globex, Acme
        missing, _ = commit(
            world.gateway, sheet_job(prepared), [done(keys[name], name) for name in ("Acme", "Globex", "Initech")]
        )
        assert missing == []
        for name in ("Acme", "Globex", "Initech"):
            assert world.row_of(name)["Industry"] == f"Industry of {name}", name

    def test_results_follow_their_columns_when_the_user_inserts_columns_left_of_them(self, world: SheetWorld) -> None:
        world.seed()
        prepared = world.gateway.prepare(selection(), fields=FIELDS, job_id="job1")
        keys = keys_by_name(prepared)
        world.sheets.insert_columns(SPREADSHEET, TAB, at=0, count=2)  # everything moves two columns right
        commit(world.gateway, sheet_job(prepared), [done(keys["Acme"], "Acme")])
        header, acme = world.grid()[0], world.grid()[1]
        assert acme[header.index("Industry")] == "Industry of Acme" and acme[2:5] == ["Acme", "acme.example", "vip"]

    def test_cleanup_removes_the_jobs_row_and_column_tags(self, world: SheetWorld) -> None:
        world.seed()
        first = world.gateway.prepare(selection(), fields=FIELDS, job_id="job1")
        world.gateway.prepare(selection(), fields=FIELDS, job_id="job2")
        assert any(v.startswith("job1:") for v in world.sheets.tag_values(SPREADSHEET))
        world.gateway.cleanup(sheet_job(first), [r.key for r in first.table.records])
        left = world.sheets.tag_values(SPREADSHEET)
        assert not any(v.startswith("job1:") for v in left) and any(v.startswith("job2:") for v in left)

    def test_a_planning_window_reads_its_band_and_skips_rows_tagged_already(self, world: SheetWorld) -> None:
        world.seed()
        first = world.gateway.prepare(selection(ranges=("A:C",)), fields=FIELDS, job_id="job1", window=(0, 3))
        assert [r.cells["Company"] for r in first.table.records] == ["Acme", "Globex"] and first.more
        source = first.source
        again = world.gateway.prepare(source, fields=FIELDS, job_id="job1", window=(0, 3))  # a repeated chunk
        assert [r.key for r in again.table.records] == [r.key for r in first.table.records]
        world.sheets.insert_rows(SPREADSHEET, TAB, at=1)  # Globex moves into the next band: tagged already
        rest = world.gateway.prepare(source, fields=FIELDS, job_id="job1", window=(3, 6))
        assert [r.cells["Company"] for r in rest.table.records] == ["Initech"]
        assert rest.source.layout == source.layout and world.grid()[0] == ROWS[0] + OUTPUT_HEADERS

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
