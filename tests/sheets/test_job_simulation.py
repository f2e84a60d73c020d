"""A simulated 500-row job: the user sorts, inserts and deletes rows while results stream in.

Until the job engine drives it, a loop plays the engine: it builds ``Row``s with
profiles and hands them to the sink in small groups while the fake clock moves.
"""

from __future__ import annotations

from collections.abc import Callable

from service.domain.errors import SheetsError
from service.domain.sources import SheetSource
from service.sheets.google_api import GoogleSheetsApi
from service.sheets.port import PreparedSheet
from service.sheets.prepare import prepare_sheet
from service.sheets.sink import SheetResultSink
from tests.fakes.sheets_server import FakeClock, FakeSheetsServer
from tests.sheets.conftest import companies
from tests.sheets.helpers import done_row, job, pending_row

N = 500


def _setup(server: FakeSheetsServer, api: GoogleSheetsApi, n: int = N) -> PreparedSheet:
    server.create_spreadsheet("s", {"Leads": companies(n)}, rows=n + 50)
    return prepare_sheet(api, SheetSource("s", sheet_name="Leads"), ["industry"], key_prefix="job1")


def _sheet_rows(server: FakeSheetsServer) -> dict[str, dict[str, str]]:
    header, *rows = server.values("s", "Leads")
    return {row[0]: dict(zip(header, row, strict=False)) for row in rows if row and row[0]}


def _row_number(server: FakeSheetsServer, name: str) -> int:
    return next(i for i, row in enumerate(server.values("s", "Leads")) if row and row[0] == name)


def _finish(sink: SheetResultSink, clock: FakeClock, attempts: int = 20) -> None:
    """Close the sink, retrying after retryable failures as a flush task would."""
    for _ in range(attempts):
        try:
            sink.close()
            return
        except SheetsError as exc:
            assert exc.retryable, exc.message
            clock.advance(30.0)
    raise AssertionError("flush never succeeded")


def test_results_follow_their_rows_through_sorts_inserts_and_deletes(
    server: FakeSheetsServer, api: GoogleSheetsApi, clock: FakeClock
) -> None:
    prepared = _setup(server, api)
    records = list(prepared.table.records)
    sink = SheetResultSink(api, prepared.source, flush_interval=5.0, clock=clock)
    sink.write(job(), [pending_row(r.key, r.cells["Company"]) for r in records])
    sink.flush()
    deleted_before_result = {"Company 0450", "Company 0499"}
    deleted_after_result = {"Company 0010"}
    writes_before = server.calls["values.batchUpdate"]
    started = clock()
    for i, record in enumerate(records):
        name = record.cells["Company"]
        sink.write(job(), [done_row(record.key, name)])
        clock.advance(0.2)  # five rows finish per second
        if i == 100:
            server.sort_rows("s", "Leads", column=2, descending=True)  # by City, while the job runs
        if i == 200:
            server.insert_rows("s", "Leads", at=3, count=7)
            at = _row_number(server, "Company 0010")
            server.delete_rows("s", "Leads", start=at, end=at + 1)
        if i == 300:
            server.sort_rows("s", "Leads", column=0)
            for gone in sorted(deleted_before_result):
                at = _row_number(server, gone)
                server.delete_rows("s", "Leads", start=at, end=at + 1)
        if i == 400:
            server.insert_rows("s", "Leads", at=1, count=3)
    _finish(sink, clock)
    rows = _sheet_rows(server)
    expected = {r.cells["Company"] for r in records} - deleted_before_result - deleted_after_result
    assert set(rows) == expected
    for name, row in rows.items():
        assert row["Industry"] == f"Industry of {name}", name
        assert row["Rowscout status"] == "done", name
    skipped_names = {r.cells["Company"] for r in records if r.key in sink.skipped}
    assert skipped_names == deleted_before_result
    value_writes = server.calls["values.batchUpdate"] - writes_before
    assert value_writes <= (clock() - started) / 5.0 + 1  # one write per flush window at most
    assert value_writes <= N / 20  # ≤ 1 write call per 20 rows at five rows per second
    assert server.max_writes_in_any_minute() <= 60


def test_a_429_storm_ends_with_every_row_written(
    server: FakeSheetsServer, api: GoogleSheetsApi, clock: FakeClock
) -> None:
    prepared = _setup(server, api)
    sink = SheetResultSink(api, prepared.source, flush_interval=5.0, clock=clock)
    for i, record in enumerate(prepared.table.records):
        sink.write(job(), [done_row(record.key, record.cells["Company"])])
        clock.advance(0.2)
        if i % 100 == 50:
            server.fail_next(12, status=429)
    _finish(sink, clock)
    rows = _sheet_rows(server)
    assert len(rows) == N and all(r["Industry"] == f"Industry of {n}" for n, r in rows.items())
    assert server.rejected[429] >= 12
    assert not sink.skipped


def test_no_minute_ever_exceeds_the_write_quota(
    server: FakeSheetsServer, make_api: Callable[..., GoogleSheetsApi], clock: FakeClock
) -> None:
    api = make_api()
    prepared = _setup(server, api, 200)
    started = clock()
    sink = SheetResultSink(api, prepared.source, flush_interval=0.0, clock=clock)
    for record in prepared.table.records:  # a flush per row: the limiter must hold the line
        sink.write(job(), [done_row(record.key, record.cells["Company"])])
    _finish(sink, clock)
    assert len(_sheet_rows(server)) == 200
    assert server.rejected[429] == 0
    assert server.max_writes_in_any_minute() <= 60
    assert server.max_reads_in_any_minute() <= 60
    assert clock() - started >= 180.0  # 200 searches + 200 writes cannot fit in less than 3 minutes
