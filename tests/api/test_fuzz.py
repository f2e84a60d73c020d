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
from service.config import Settings
from service.jobs.context import Services
from service.store.memory import MemoryJobStore
from tests.api.fakes import FakeResearcher, FakeSheets
from tests.support.fakes import FakeQueue

TABLE = (["Company", "Website"], [["Acme", "acme.example"], ["Globex", ""]])


class AnySheet(FakeSheets):
    """Every generated spreadsheet id reads as the same small table."""

    def read(self, request):  # type: ignore[no-untyped-def]
        self.tables.setdefault(request.spreadsheet_id, TABLE)
        return super().read(request)


def _app():  # type: ignore[no-untyped-def]
    services = Services(store=MemoryJobStore(), queue=FakeQueue(), researcher=FakeResearcher(), worker_id="fuzz")
    return create_app(
        {
            "TESTING": True,
            "SETTINGS": Settings(auth_disabled=True, max_rows_per_job=5_000, max_body_bytes=20_000),
            "SERVICES": services,
            "SHEETS": AnySheet(),
            "SPREADSHEET_ACCESS": AllowAllAccess(),
        }
    )


schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", _app())


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_no_operation_answers_500(case) -> None:  # type: ignore[no-untyped-def]
    response = case.call()
    case.validate_response(
        response, checks=[checks.not_a_server_error, checks.response_schema_conformance, checks.status_code_conformance]
    )
