"""Bursts of 429 and 500 from the Sheets API while a job flushes: every row still reaches the sheet.

A 300-row job runs through the job layer (``submit_job``,
``handle_research_task``, ``flush_results``) against the fake Sheets server
with the real Google client. Before some flushes the server is told to fail
the next requests (longer bursts than the client retries); a failed flush is
retried in a later window as the flush task would. The fake clock moves;
nothing sleeps.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from google.oauth2.credentials import Credentials

from service.domain import JobOptions
from service.domain.errors import SheetsError
from service.domain.retry import RetryPolicy
from service.domain.sources import SheetSource
from service.jobs.flush import flush_results
from service.jobs.ports import Services
from service.jobs.rowtask import handle_research_task
from service.jobs.submit import submit_job
from service.queue.port import TaskDelivery
from service.sheets.google_api import GoogleSheetsApi
from service.sheets.prepare import prepare_sheet
from service.sheets.sink import SheetResultSink
from service.store.memory import MemoryJobStore
from tests.fakes.sheets_server import FakeClock, FakeSheetsServer
from tests.jobs.fakes import FakeQueue
from tests.support.researchers import LatencyResearcher

ROWS = 300
BATCH = 20
BURSTS = {2: (429, 12), 5: (500, 12), 8: (429, 3), 9: (500, 3), 12: (503, 20)}  # batch -> (status, count)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def server(clock: FakeClock) -> Iterator[FakeSheetsServer]:
    with FakeSheetsServer(clock=clock) as fake:
        yield fake


@pytest.fixture
def api(server: FakeSheetsServer, clock: FakeClock) -> Iterator[GoogleSheetsApi]:
    client = GoogleSheetsApi(
        Credentials(token="test"),
        endpoint=server.endpoint,
        account="rowscout@example.iam.gserviceaccount.com",
        clock=clock,
        sleep=clock.sleep,
        timeout=10.0,
        retry=RetryPolicy(max_attempts=4, min_backoff=1.0, max_backoff=8.0),
    )
    yield client
    client.close()


def _sheet(n: int) -> list[list[str]]:
    return [["Company", "Website"], *([f"Company {i:04d}", f"https://c{i}.example"] for i in range(n))]


def _flush(svc: Services, job_id: str, sink: SheetResultSink, clock: FakeClock) -> bool:
    """One flush task: True when it went through, False when the queue would retry it."""
    try:
        flush_results(svc, job_id, [sink])  # commit writes what is buffered
    except SheetsError as exc:
        assert exc.retryable, exc.message
        return False
    finally:
        clock.advance(5.0)
    return True


def test_every_row_is_written_through_429_and_500_bursts(
    server: FakeSheetsServer, api: GoogleSheetsApi, clock: FakeClock
) -> None:
    server.create_spreadsheet("s", {"Leads": _sheet(ROWS)}, rows=ROWS + 10)
    prepared = prepare_sheet(api, SheetSource("s", sheet_name="Leads"), ["industry", "description"], key_prefix="job")
    table = prepared.table
    queue = FakeQueue()
    svc = Services(store=MemoryJobStore(), queue=queue, researcher=LatencyResearcher(0.0), worker_id="w")
    rows = [(r.key, r.position, r.company(table.columns)) for r in table.records]
    job = submit_job(svc, owner="o", name="bursts", source=prepared.source, rows=rows, options=JobOptions())
    sink = SheetResultSink(api, prepared.source, flush_interval=5.0, clock=clock)
    failed_flushes = 0
    for n, start in enumerate(range(0, ROWS, BATCH)):
        for task in queue.enqueued[start : start + BATCH]:
            assert handle_research_task(svc, TaskDelivery(task, 1)).ok
        if n in BURSTS:
            status, count = BURSTS[n]
            server.fail_next(count, status=status)
        failed_flushes += not _flush(svc, job.id, sink, clock)
    for _ in range(10):  # the flush task keeps coming back until the sheet has everything
        if _flush(svc, job.id, sink, clock):
            break
    else:
        raise AssertionError("the last flush never went through")
    header, *body = server.values("s", "Leads")
    cells = [dict(zip(header, row, strict=False)) for row in body]
    assert len(cells) == ROWS
    assert all(c["Rowscout status"] == "done" and c["Industry"] == "Software" for c in cells)
    assert all(c["Description"].startswith('=HYPERLINK("') for c in cells)  # RAW: formulas stay text
    assert failed_flushes >= 2 and server.rejected[429] >= 12 and server.rejected[500] >= 12
    assert server.max_writes_in_any_minute() <= 60
