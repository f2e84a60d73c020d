"""Schemathesis fuzzes every operation of the OpenAPI document against the app: never a 500.

Bounded (few examples per operation, no shrinking beyond the default deadline)
so the whole run stays well under a minute. Auth is disabled in this app so
the generated bodies reach validation and the job layer.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from service.api import create_app
from service.api.access import AllowAllAccess
from service.config import CloudSettings, Limits, Settings
from service.domain.sources import SheetSource
from service.store.memory import MemoryJobStore
from tests.api.fakes import FakeResearcher
from tests.fakes.sheet_gateway import MemorySheetGateway
from tests.support.fakes import FakeQueue

TABLE = [["Company", "Website"], ["Acme", "acme.example"], ["Globex", ""]]


class AnySheet(MemorySheetGateway):
    """Every generated spreadsheet id reads as the same small table (in the tab the request names)."""

    def read(self, source: SheetSource):  # type: ignore[no-untyped-def]
        self._seed(source)
        return super().read(source)

    def prepare(self, source: SheetSource, **kwargs):  # type: ignore[no-untyped-def]
        self._seed(source)
        return super().prepare(source, **kwargs)

    def _seed(self, source: SheetSource) -> None:
        if source.spreadsheet_id not in self.spreadsheets:
            self.create_spreadsheet(source.spreadsheet_id, {source.sheet_name or "Sheet1": TABLE})


def _app():  # type: ignore[no-untyped-def]
    settings = Settings(
        limits=Limits(max_rows_per_job=5_000, max_body_bytes=20_000), cloud=CloudSettings(auth_disabled=True)
    )
    adapters = {
        "store": MemoryJobStore(),
        "queue": FakeQueue(),
        "researcher": FakeResearcher(),
        "sheets": AnySheet(),
        "access": AllowAllAccess(),
        "worker_id": "fuzz",
    }
    return create_app({"TESTING": True, "SETTINGS": settings, "ADAPTERS": adapters})


schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", _app())


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_no_operation_answers_500(case) -> None:  # type: ignore[no-untyped-def]
    response = case.call()
    case.validate_response(
        response, checks=[checks.not_a_server_error, checks.response_schema_conformance, checks.status_code_conformance]
    )
