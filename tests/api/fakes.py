"""Recording fakes for endpoint tests: queue, researcher, sheet gateway, spreadsheet access."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from service.api.requests import SelectionRequest
from service.api.sheets import PreparedTable
from service.domain import (
    CompanyInput,
    CompanyProfile,
    ErrorKind,
    FieldMethod,
    FieldSource,
    Job,
    ResearchOptions,
    ResearchOutcome,
    Row,
)
from service.errors import AuthError, SheetsError
from service.tables import ColumnMap, InputRecord, InputTable


class FakeResearcher:
    """Finds a website for every company; names in ``fail`` get that error kind instead."""

    def __init__(self, fail: dict[str, ErrorKind] | None = None) -> None:
        self.calls: list[str] = []
        self.fail = fail or {}
        self._lock = threading.Lock()

    def research(self, company: CompanyInput, options: ResearchOptions) -> ResearchOutcome:
        with self._lock:
            self.calls.append(company.name)
        if company.name in self.fail:
            kind = self.fail[company.name]
            return ResearchOutcome(CompanyProfile(name=company.name), error_kind=kind, error_message="fake failure")
        site = f"https://{company.name.lower().replace(' ', '')}.example"
        profile = CompanyProfile(
            name=company.name,
            website=site,
            industry="Software",
            sources={"website": FieldSource(site, FieldMethod.INPUT), "industry": FieldSource(site, FieldMethod.TEXT)},
        )
        return ResearchOutcome(profile)


@dataclass
class FakeSheets:
    """Sheets by spreadsheet id: headers + data rows; records every read and write."""

    tables: dict[str, tuple[list[str], list[list[str]]]] = field(default_factory=dict)
    reads: list[str] = field(default_factory=list)
    writes: list[tuple[str, list[str]]] = field(default_factory=list)
    prepared: list[str] = field(default_factory=list)
    fail_status: int = 0

    def read(self, request: SelectionRequest) -> InputTable:
        self.reads.append(request.spreadsheet_id)
        if self.fail_status:
            raise SheetsError("fake sheets failure", status=self.fail_status)
        headers, data = self.tables[request.spreadsheet_id]
        records = [
            InputRecord(key=f"r{i}", position=i, cells=dict(zip(headers, values, strict=True)))
            for i, values in enumerate(data, start=1)
        ]
        name = "Company" if "Company" in headers else None
        website = "Website" if "Website" in headers else None
        return InputTable(headers, ColumnMap(name, website, ("header match",)), records)

    def prepare(self, request: SelectionRequest, *, job_id: str) -> PreparedTable:
        self.prepared.append(job_id)
        table = self.read(request)
        return PreparedTable(table, {"header_row": request.header_row, "layout": {"fake": True}})

    def sink(self, job: Job) -> FakeSink:
        return FakeSink(self, job.source["spreadsheet_id"])


@dataclass
class FakeSink:
    sheets: FakeSheets
    spreadsheet_id: str

    def write(self, job: Job, rows: Sequence[Row]) -> Sequence[str] | None:
        self.sheets.writes.append((self.spreadsheet_id, [r.key for r in rows]))
        return None

    def close(self) -> None:
        pass


class FakeAccess:
    """User token → spreadsheet ids that user can edit."""

    def __init__(self, editable: dict[str, set[str]]) -> None:
        self.editable = editable
        self.checks: list[tuple[str, str | None]] = []

    def require_edit(self, spreadsheet_id: str, user_token: str | None) -> None:
        self.checks.append((spreadsheet_id, user_token))
        if spreadsheet_id not in self.editable.get(user_token or "", set()):
            raise AuthError("you need edit access to this spreadsheet")
