"""Torture: a 300-row sheet job while a scripted user rearranges and edits the sheet.

The real job functions (``submit_sheet_job`` or chunked ``start_sheet_job`` +
``plan_sheet_job``, ``handle_research_task``, ``flush_sheet_job``) run on a
``MemoryJobStore`` and write through the real adapter (``GoogleSheetGateway``
→ ``google-api-python-client``) into the faithful fake Sheets server, whose
sort moves values and not row metadata (the worst reading of Google's
documentation). Between research tasks, a user picked by a seeded random
generator sorts, inserts and deletes rows, inserts and moves columns,
renames the tab and adds a new tab under the old name, types over result
cells and into empty ones, and (in some seeds) deletes the tab.

Then: no result sits in a row of another company, no cell of the user's
changed, the user's edits of result cells are kept, the decoy tab is
untouched, every value write was ``RAW``, and the job ended: completed, or
failed with a message when its tab was deleted.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from service.domain import (
    CompanyInput,
    CompanyProfile,
    ErrorKind,
    FieldMethod,
    FieldSource,
    JobOptions,
    JobState,
    ResearchOptions,
    ResearchOutcome,
    RowState,
)
from service.domain.sources import SheetSource
from service.domain.tables import column_letter
from service.jobs import plan
from service.jobs.flush import flush_sheet_job
from service.jobs.plan import plan_sheet_job, start_sheet_job, submit_sheet_job
from service.jobs.ports import Services
from service.jobs.rowtask import handle_research_task
from service.queue.port import TaskDelivery, TaskKind
from service.sheets.a1 import quote_sheet
from service.sheets.gateway import GoogleSheetGateway
from service.sheets.google_api import GoogleSheetsApi
from service.sheets.metadata import COLUMN_KEY
from service.store.memory import MemoryJobStore
from tests.fakes.sheets_server import FakeSheetsServer
from tests.support.fakes import FakeQueue

N = 300
SHEET = "torture-sheet-1"
USER_HEADERS = ["Company", "Website", "City", "Notes", "Industry"]
OWN = {"status": "Rowscout status", "industry": "Industry (Rowscout)", "description": "Description"}
DECOY = [["Decoy", "Do not touch"], ["keep", "me"], ["and", "me"]]


def _user_rows() -> list[list[str]]:
    rows = []
    for i in range(N):
        notes = f"note {i}" if i % 4 == 0 else ""
        industry = f"hand-checked {i}" if i % 9 == 0 else ""
        rows.append([f"Company {i:03d}", f"https://company{i:03d}.example", f"City {i % 13}", notes, industry])
    return rows


class Researcher:
    """Answers from the company's name, so a result in a wrong row is recognisable; some fail, some find less."""

    def research(self, company: CompanyInput, options: ResearchOptions) -> ResearchOutcome:
        number = int(company.name.rsplit(" ", 1)[1])
        if number % 23 == 5:
            return ResearchOutcome(CompanyProfile(name=company.name), error_kind=ErrorKind.PARKED_DOMAIN)
        url = company.website + "/about"
        profile = CompanyProfile(
            name=company.name,
            industry="" if number % 11 == 3 else f"Industry of {company.name}",
            description=f"About {company.name}",
            sources={"description": FieldSource(url, FieldMethod.META)},
        )
        return ResearchOutcome(profile)


@dataclass
class User:
    """The scripted user: remembers what it did, so the checks know what the sheet should hold."""

    server: FakeSheetsServer
    rng: random.Random
    title: str = "Leads"
    deleted: set[str] = field(default_factory=set)  # companies whose row the user deleted
    edits: dict[tuple[str, str], str] = field(default_factory=dict)  # (company, header) -> text typed
    tab_gone: bool = False
    renamed: bool = False

    def act(self, allow_delete_tab: bool) -> None:
        actions: list[Callable[[], None]] = [
            self.sort, self.sort, self.insert_rows, self.delete_row, self.insert_column,
            self.move_column, self.edit_result, self.edit_result, self.type_into_empty_result,
        ]  # fmt: skip
        if not self.renamed:
            actions.append(self.rename_and_add_decoy)
        if allow_delete_tab:
            actions.append(self.delete_tab)
        self.rng.choice(actions)()

    def grid(self) -> list[list[str]]:
        return self.server.values(SHEET, self.title)

    def sort(self) -> None:
        header = self.grid()[0]
        column = header.index(self.rng.choice(["Company", "City", "Website"]))
        self.server.sort_rows(SHEET, self.title, column=column, descending=self.rng.random() < 0.5)

    def insert_rows(self) -> None:
        at = self.rng.randint(1, len(self.grid()))
        self.server.insert_rows(SHEET, self.title, at=at, count=self.rng.randint(1, 3))

    def delete_row(self) -> None:
        grid = self.grid()
        company = grid[0].index("Company")
        rows = [r for r in range(1, len(grid)) if company < len(grid[r]) and grid[r][company]]
        r = self.rng.choice(rows)
        self.deleted.add(grid[r][company])
        self.server.delete_rows(SHEET, self.title, start=r, end=r + 1)

    def insert_column(self) -> None:
        self.server.insert_columns(SHEET, self.title, at=self.rng.randint(0, len(self.grid()[0])))

    def move_column(self) -> None:
        width = len(self.grid()[0])
        start = self.rng.randrange(width)
        to = self.rng.choice([c for c in range(width + 1) if c not in (start, start + 1)])
        self.server.move_columns(SHEET, self.title, start=start, end=start + 1, to=to)

    def edit_result(self) -> None:
        self._type(lambda text: bool(text), "EDITED")

    def type_into_empty_result(self) -> None:
        self._type(lambda text: not text, "typed first")

    def _type(self, wanted: Callable[[str], bool], what: str) -> None:
        grid = self.grid()
        header = grid[0]
        if OWN["industry"] not in header:
            return
        company, column = header.index("Company"), header.index(OWN["industry"])
        rows = [
            r for r in range(1, len(grid)) if _at(grid[r], company) and wanted(_at(grid[r], column))
        ]  # fmt: skip
        if not rows:
            return
        r = self.rng.choice(rows)
        text = f"{what} {self.rng.randint(0, 999)}"
        self.edits[(grid[r][company], OWN["industry"])] = text
        self.server.user_edit(SHEET, f"{quote_sheet(self.title)}!{column_letter(column)}{r + 1}", [[text]])

    def rename_and_add_decoy(self) -> None:
        self.server.rename_sheet(SHEET, self.title, "Leads (old)")
        self.title, self.renamed = "Leads (old)", True
        self.server.add_sheet(SHEET, "Leads", DECOY)

    def delete_tab(self) -> None:
        self.server.delete_sheet(SHEET, self.title)
        self.tab_gone = True


def _at(row: list[str], column: int) -> str:
    return row[column] if column < len(row) else ""


def _run(server: FakeSheetsServer, make_api: Callable[..., GoogleSheetsApi], seed: int, chunked: bool) -> None:
    rng = random.Random(seed)
    server.create_spreadsheet(SHEET, {"Leads": [USER_HEADERS, *_user_rows()]}, rows=N + 100)
    gateway = GoogleSheetGateway(make_api)
    queue = FakeQueue()
    svc = Services(store=MemoryJobStore(), queue=queue, researcher=Researcher(), sheets=gateway, worker_id="w")
    options = JobOptions(fields=("industry", "description"), max_attempts=1)
    source = SheetSource(SHEET, sheet_name="Leads")
    if chunked:
        job = start_sheet_job(svc, owner="ann", name="torture", source=source, options=options, rows=None)
        while (task := next((t for t in queue.enqueued if t.kind == TaskKind.PLAN), None)) is not None:
            queue.enqueued.remove(task)
            assert plan_sheet_job(svc, job.id, chunk=task.payload.get("chunk")).ok
    else:
        job = submit_sheet_job(svc, owner="ann", name="torture", source=source, options=options)
    user = User(server, rng)
    tasks = [t for t in queue.enqueued if t.kind == TaskKind.RESEARCH]
    rng.shuffle(tasks)
    delete_at = rng.randrange(len(tasks)) if seed % 3 == 0 else None
    for i, task in enumerate(tasks):
        handle_research_task(svc, TaskDelivery(task, 1))
        if not user.tab_gone and rng.random() < 0.15:
            user.act(allow_delete_tab=delete_at is not None and i >= delete_at)
        if i % 12 == 11:
            flush_sheet_job(svc, job.id)
    for _ in range(3):
        flush_sheet_job(svc, job.id)
    _check(server, svc, job.id, user)


def _check(server: FakeSheetsServer, svc: Services, job_id: str, user: User) -> None:
    job = svc.store.get_job(job_id)
    assert job is not None and isinstance(job.source, SheetSource)
    values_writes = [w for w in server.writes if w.method.startswith("values.")]
    assert values_writes and all(w.body.get("valueInputOption") == "RAW" for w in values_writes)
    if user.renamed:
        assert server.values(SHEET, "Leads") == DECOY  # the new tab under the old name: never touched
    if user.tab_gone:
        assert job.state == JobState.FAILED and job.source.error, (job.state, job.source.error)
        return
    assert job.state == JobState.COMPLETED, job.state
    grid = server.values(SHEET, user.title)
    header = grid[0]
    assert all(header.count(text) == 1 for text in [*USER_HEADERS, *OWN.values()]), header
    where = {text: header.index(text) for text in [*USER_HEADERS, *OWN.values()]}
    originals = {row[0]: row for row in _user_rows()}
    seen = set()
    for row in grid[1:]:
        company = _at(row, where["Company"])
        if not company:  # a row the user inserted: Rowscout never writes into it
            assert not any(_at(row, c) for c in range(len(row))), row
            continue
        seen.add(company)
        assert [_at(row, where[h]) for h in USER_HEADERS] == originals[company], company  # 0 user cells changed
        number = int(company.rsplit(" ", 1)[1])
        status = _at(row, where[OWN["status"]])
        industry, description = _at(row, where[OWN["industry"]]), _at(row, where[OWN["description"]])
        edit = user.edits.get((company, OWN["industry"]))
        if number % 23 == 5:  # research failed: its status, nothing else
            assert status.startswith("failed: parked_domain") and not description, (company, status)
            assert industry == (edit or ""), (company, industry)
            continue
        if edit is not None:
            assert industry == edit, company  # the user's text is kept
        else:
            assert industry in ("", f"Industry of {company}"), (company, industry)  # 0 results in a wrong row
            assert industry or number % 11 == 3, company
        assert description == f"About {company}", (company, description)
        assert status.startswith("done"), (company, status)
    assert seen == set(originals) - user.deleted
    rows = {row.key: row for row in svc.store.iter_rows(job_id)}
    failed = [row for row in rows.values() if row.state == RowState.FAILED]
    if not failed:  # nothing can come back: the job's tags are gone from the sheet
        assert not [m for m in server.metadata(SHEET) if str(m.get("metadataValue", "")).startswith(job_id)]
    else:
        assert any(m["metadataKey"] == COLUMN_KEY for m in server.metadata(SHEET))  # kept for retry-failed


@pytest.mark.parametrize("seed", [1, 2, 3, 6, 7])
def test_a_job_survives_a_user_who_rearranges_and_edits_the_sheet(
    server: FakeSheetsServer, make_api: Callable[..., GoogleSheetsApi], seed: int
) -> None:
    _run(server, make_api, seed, chunked=False)


@pytest.mark.parametrize("seed", [4, 9])
def test_a_chunk_planned_job_survives_the_same_user(
    server: FakeSheetsServer, make_api: Callable[..., GoogleSheetsApi], seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(plan, "PLAN_CHUNK_ROWS", 70)  # five chunks of the 300 rows
    _run(server, make_api, seed, chunked=True)
