"""The "Similar in this list" column of a sheet job (option ``similar``), on the fake Sheets server.

Companies of the demo web researched with the real engine (once per module,
then replayed), a sheet job through the real ``GoogleSheetGateway``: the
column is written by the job's last flush into each row found by its tag and
company (a sort in the middle of the job is followed), ``RAW``, never into
the user's own column of the same name, and not at all above the limit.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from google.oauth2.credentials import Credentials

from service.bootstrap import build_researcher
from service.cli.demo import demo_settings
from service.config import Settings
from service.domain import CompanyInput, JobOptions, JobState, ResearchOptions, ResearchOutcome, RowState
from service.domain.labels import SIMILAR
from service.domain.retry import RetryPolicy
from service.domain.similarity import compare
from service.domain.sources import SheetSource
from service.examples.demo_web import DemoWeb
from service.jobs import similar_sheet
from service.jobs.discover import researched_companies, similar_column
from service.jobs.flush import flush_results, flush_sheet_job
from service.jobs.plan import submit_sheet_job
from service.jobs.ports import Services
from service.jobs.rowtask import handle_research_task
from service.queue.port import TaskDelivery, TaskKind
from service.sheets.gateway import GoogleSheetGateway
from service.sheets.google_api import GoogleSheetsApi
from service.store.memory import MemoryJobStore
from tests.fakes.sheets_server import FakeClock as SheetsClock
from tests.fakes.sheets_server import FakeSheetsServer
from tests.jobs.fakes import FakeClock
from tests.support.fakes import FakeQueue

HOSTS = (
    "kaffee-braun.test",
    "ledgerly.test",
    "boulangerie-lune.test",
    "acme-robotics.test",
    "durand-avocats.test",
    "helix-bio.test",
)
HEADER = "Similar in this list"
_ids = itertools.count(1)


class Replay:
    """The real engine on the demo web, each company researched once per module and replayed after."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.seen: dict[str, ResearchOutcome] = {}

    def research(self, company: CompanyInput, options: ResearchOptions) -> ResearchOutcome:
        if company.website not in self.seen:
            self.seen[company.website] = self.real.research(company, options)
        return self.seen[company.website]


@pytest.fixture(scope="module")
def web() -> Iterator[tuple[DemoWeb, Replay]]:
    with DemoWeb() as demo:
        yield demo, Replay(build_researcher(demo_settings(Settings()), resolver=demo.resolver(), site_port=demo.port))


@pytest.fixture(scope="module")
def server() -> Iterator[FakeSheetsServer]:
    with FakeSheetsServer(clock=SheetsClock()) as fake:
        yield fake


@pytest.fixture
def world(web, server):
    demo, researcher = web
    server.clock.advance(61.0)  # each test starts with the fake server's per-minute quota unused
    api = GoogleSheetsApi(
        Credentials(token="test"),
        endpoint=server.endpoint,
        account="rowscout@example.iam.gserviceaccount.com",
        clock=server.clock,
        sleep=server.clock.sleep,
        timeout=10.0,
        retry=RetryPolicy(max_attempts=3, min_backoff=1.0, max_backoff=5.0),
    )
    queue = FakeQueue()
    svc = Services(
        store=MemoryJobStore(),
        queue=queue,
        researcher=researcher,
        sheets=GoogleSheetGateway(lambda: api),
        clock=FakeClock(),
        worker_id="test-worker-1",
    )
    yield demo, svc, queue
    api.close()


def _sheet(server: FakeSheetsServer, demo: DemoWeb, *, user_column: bool = False) -> str:
    spreadsheet = f"similar-{next(_ids)}"
    rows: list[list[Any]] = [["Company", "Website", *([HEADER] if user_column else [])]]
    for i, host in enumerate(HOSTS):
        mine = [f"my note {i}" if i % 2 else ""] if user_column else []
        rows.append([host.removesuffix(".test"), demo.url(host), *mine])
    server.create_spreadsheet(spreadsheet, {"Leads": rows}, rows=50)
    return spreadsheet


def _submit(svc: Services, spreadsheet: str, *, similar: bool = True):
    options = JobOptions(fields=("industry", "description"), max_attempts=1, similar=similar)
    return submit_sheet_job(svc, owner="ann", name="j", source=SheetSource(spreadsheet, "Leads"), options=options)


def _research(svc: Services, queue: FakeQueue, keys: set[str] | None = None) -> None:
    for task in [t for t in queue.enqueued if t.kind == TaskKind.RESEARCH]:
        if keys is None or task.row_key in keys:
            queue.enqueued.remove(task)
            handle_research_task(svc, TaskDelivery(task, 1))


def _by_company(server: FakeSheetsServer, spreadsheet: str) -> tuple[list[str], dict[str, list[str]]]:
    header, *rows = server.values(spreadsheet, "Leads")
    return header, {row[0]: row + [""] * (len(header) - len(row)) for row in rows if row and row[0]}


def _expected(svc: Services, job_id: str) -> dict[str, str]:
    """Company name → its cell, computed from the job's stored profiles (independent of sheet positions)."""
    companies = researched_companies(svc.store.iter_rows(job_id))
    similarity = compare(companies)
    return {c.name: similar_column(similarity, c.key, top=3) for c in companies}


def test_the_last_flush_writes_each_rows_most_similar_company_into_its_own_row_after_a_sort(world, server):
    demo, svc, queue = world
    spreadsheet = _sheet(server, demo)
    job = _submit(svc, spreadsheet)
    keys = [row.key for row in svc.store.iter_rows(job.id)]
    _research(svc, queue, set(keys[:3]))
    flush_sheet_job(svc, job.id)
    header, rows = _by_company(server, spreadsheet)
    column = header.index(HEADER)
    assert all(not row[column] for row in rows.values())  # nothing before the job ends
    server.sort_rows(spreadsheet, "Leads", column=0, descending=True)  # the user sorts mid-job
    _research(svc, queue)
    flush_sheet_job(svc, job.id)
    stored = svc.store.get_job(job.id)
    assert stored is not None and stored.state == JobState.COMPLETED
    header, rows = _by_company(server, spreadsheet)
    assert [name for name in rows] == sorted(rows, reverse=True)  # still in the user's order
    column = header.index(HEADER)
    # the demo web's two food companies are each other's most similar company
    assert rows["kaffee-braun"][column].startswith("boulangerie-lune (0.")
    assert rows["boulangerie-lune"][column].startswith("kaffee-braun (0.")
    expected = _expected(svc, job.id)
    assert {name: row[column] for name, row in rows.items()} == {name: expected.get(name, "") for name in rows}
    assert sum(1 for row in rows.values() if row[column]) >= 2
    written = {row.key: row.written.get(SIMILAR, "") for row in svc.store.iter_rows(job.id)}
    assert sorted(v for v in written.values() if v) == sorted(v for v in expected.values() if v)
    calls = server.calls["values.batchUpdate"]
    assert flush_sheet_job(svc, job.id).written == 0 and server.calls["values.batchUpdate"] == calls  # again: no-op


def test_a_repeated_last_flush_writes_nothing_new(world, server):
    """The flush task delivered again after the column was written but before the job completed."""
    demo, svc, queue = world
    spreadsheet = _sheet(server, demo)
    job = _submit(svc, spreadsheet)
    _research(svc, queue)
    for _ in range(2):  # flush_results alone: the job is not completed in between
        writer = svc.sheet_gateway().writer(svc.store.get_job(job.id))
        flush_results(svc, job.id, [writer])
        if _ == 0:
            writes = server.calls["values.batchUpdate"]
            first = server.values(spreadsheet, "Leads")
    assert server.calls["values.batchUpdate"] == writes and server.values(spreadsheet, "Leads") == first
    header, rows = _by_company(server, spreadsheet)
    assert rows["kaffee-braun"][header.index(HEADER)].startswith("boulangerie-lune (0.")
    assert svc.store.get_job(job.id).state == JobState.RUNNING


def test_a_users_column_named_like_it_is_never_written(world, server):
    demo, svc, queue = world
    spreadsheet = _sheet(server, demo, user_column=True)
    before = {row[0]: row[2] if len(row) > 2 else "" for row in server.values(spreadsheet, "Leads")[1:]}
    job = _submit(svc, spreadsheet)
    _research(svc, queue)
    flush_sheet_job(svc, job.id)
    header, rows = _by_company(server, spreadsheet)
    assert header.count(HEADER) == 1 and f"{HEADER} (Rowscout)" in header
    mine, ours = header.index(HEADER), header.index(f"{HEADER} (Rowscout)")
    assert {name: row[mine] for name, row in rows.items()} == before  # the user's cells, empty ones too
    assert rows["kaffee-braun"][ours].startswith("boulangerie-lune (0.")


def test_a_users_edit_in_the_column_before_the_end_is_kept(world, server):
    demo, svc, queue = world
    spreadsheet = _sheet(server, demo)
    job = _submit(svc, spreadsheet)
    header, rows = _by_company(server, spreadsheet)
    row_number = list(rows).index("kaffee-braun") + 2
    letter = chr(ord("A") + header.index(HEADER))
    server.user_edit(spreadsheet, f"Leads!{letter}{row_number}", [["=mine"]])
    _research(svc, queue)
    flush_sheet_job(svc, job.id)
    header, rows = _by_company(server, spreadsheet)
    assert rows["kaffee-braun"][header.index(HEADER)] == "#NAME?"  # the user's formula stays (rendered)
    assert f"kept your edit in {HEADER}" in rows["kaffee-braun"][header.index("Rowscout status")]
    assert rows["boulangerie-lune"][header.index(HEADER)].startswith("kaffee-braun (0.")


def test_above_the_limit_the_column_is_not_written_and_the_job_says_why(world, server, monkeypatch):
    monkeypatch.setattr(similar_sheet, "MAX_COMPANIES", 3)
    demo, svc, queue = world
    spreadsheet = _sheet(server, demo)
    job = _submit(svc, spreadsheet)
    _research(svc, queue)
    flush_sheet_job(svc, job.id)
    stored = svc.store.get_job(job.id)
    assert stored is not None and stored.state == JobState.COMPLETED
    assert isinstance(stored.source, SheetSource) and "more than 3 researched companies" in stored.source.similar_note
    header, rows = _by_company(server, spreadsheet)
    assert all(not row[header.index(HEADER)] for row in rows.values())
    assert all(row.state == RowState.DONE for row in svc.store.iter_rows(job.id))


def test_without_the_option_there_is_no_column(world, server):
    demo, svc, queue = world
    spreadsheet = _sheet(server, demo)
    job = _submit(svc, spreadsheet, similar=False)
    _research(svc, queue)
    flush_sheet_job(svc, job.id)
    header, _ = _by_company(server, spreadsheet)
    assert HEADER not in header and svc.store.get_job(job.id).state == JobState.COMPLETED
