"""Schemathesis fuzzes every operation of the OpenAPI document against the app: never a 500.

Hypothesis then throws number-like text (signs, superscripts, Arabic-Indic and
full-width digits, long digit runs) at the query parameters and the Cloud Tasks
retry header: a number is accepted exactly when it is 1–9 ASCII digits in range.

Bounded (few examples per operation, no shrinking beyond the default deadline)
so the whole run stays well under a minute. Auth is disabled in this app so
the generated bodies reach validation and the job layer.
"""

from __future__ import annotations

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
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


_STRICT = re.compile(r"[0-9]{1,9}")
_NUMBERISH = (
    st.text(max_size=12)
    | st.from_regex(r"-?[0-9]{1,12}", fullmatch=True)
    | st.text(alphabet="0123456789²³¹٠١٢٣٤٥٦٧٨٩۰۱۲٣０１２", max_size=12)
)


@pytest.fixture(scope="module")
def dev_client():  # type: ignore[no-untyped-def]
    client = _app().test_client()
    job = client.post(
        "/api/v1/jobs", json={"spreadsheet_id": "fuzz-sheet-0001", "sheet_name": "Leads", "ranges": ["A1:B3"]}
    )
    assert job.status_code == 202, job.json
    return client, job.json["job"]["id"]


@given(value=_NUMBERISH)
@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_rows_numbers_are_exactly_one_to_nine_ascii_digits(dev_client, value: str) -> None:  # type: ignore[no-untyped-def]
    client, job_id = dev_client
    for name, low, high in (("limit", 1, 500), ("cursor", 0, 10**9)):
        response = client.get(f"/api/v1/jobs/{job_id}/rows", query_string={name: value})
        accepted = bool(_STRICT.fullmatch(value)) and low <= int(value) <= high
        assert response.status_code == (200 if accepted else 400), (name, value, response.json)


@given(value=_NUMBERISH.filter(lambda v: "\n" not in v and "\r" not in v))
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_any_retry_count_header_is_never_a_500(dev_client, value: str) -> None:  # type: ignore[no-untyped-def]
    client, job_id = dev_client
    body = {"job_id": job_id, "row_key": f"{job_id}:2"}
    response = client.post("/tasks/research", json=body, headers={"X-CloudTasks-TaskRetryCount": value})
    assert response.status_code in (200, 429, 503), (value, response.json)
