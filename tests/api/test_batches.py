"""The batch API in-process: serve's runtime (``build_serve``: in-process queue, ``BatchWorker``), a memory store.

Batches are submitted through Flask's test client with an API key made by
``jobs.apikeys.create_key`` and researched by a recording fake researcher;
tests wait for the queue to drain (``join``), never on a clock.
"""

from __future__ import annotations

import csv
import io
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any

import pytest
from openpyxl import load_workbook

from service.api import create_app
from service.api.auth import HttpCertsSource
from service.bootstrap import Served, build_serve
from service.config import ApiSettings, Settings
from service.domain import (
    CompanyInput,
    CompanyProfile,
    ErrorKind,
    FieldMethod,
    FieldSource,
    JobOptions,
    ResearchOptions,
    ResearchOutcome,
    Usage,
)
from service.domain.retry import RetryPolicy
from service.jobs.apikeys import create_key, revoke_key
from service.store.keys import MemoryApiKeyStore
from service.store.memory import MemoryJobStore
from tests.api.tokens import CertsServer, KeyPair, claims

CALLER = "robot@project.iam.gserviceaccount.com"
AUDIENCE = "https://rowscout.example"


class RecordingResearcher:
    """Profiles by name; ``fail-<kind>-...`` names fail with that kind; records rows in flight per company prefix."""

    def __init__(self, latency: float = 0.0) -> None:
        self.latency = latency
        self.gate = threading.Event()  # research waits for it (tests close it to hold rows in flight)
        self.gate.set()
        self.lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0
        self.calls: list[str] = []

    def research(self, company: CompanyInput, options: ResearchOptions) -> ResearchOutcome:
        with self.lock:
            self.calls.append(company.name)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            assert self.gate.wait(timeout=10)
            time.sleep(self.latency)
            return self._outcome(company)
        finally:
            with self.lock:
                self.in_flight -= 1

    @staticmethod
    def _outcome(company: CompanyInput) -> ResearchOutcome:
        if company.name.startswith("fail-"):
            kind = ErrorKind(company.name.split("-")[1])
            return ResearchOutcome(CompanyProfile(name=company.name), error_kind=kind, error_message="fake failure")
        site = company.website or f"https://{company.name.lower()}.example/"
        industry = "Software" if company.name < "M" else "Retail"
        profile = CompanyProfile(
            name=company.name,
            website=site,
            industry=industry,
            hq_country=company.extra.get("country", "Germany"),
            employees="120",
            sources={"website": FieldSource(site, FieldMethod.INPUT), "industry": FieldSource(site, FieldMethod.TEXT)},
        )
        return ResearchOutcome(profile, usage=Usage(pages_fetched=1))


@dataclass
class Api:
    client: Any
    served: Served
    keys: MemoryApiKeyStore
    researcher: RecordingResearcher
    key: str

    def headers(self, key: str | None = None) -> dict[str, str]:
        return {"X-API-Key": key or self.key}

    def post(self, path: str, body: Any = None, key: str | None = None) -> Any:
        return self.client.post(path, json=body, headers=self.headers(key))

    def get(self, path: str, key: str | None = None, **query: Any) -> Any:
        return self.client.get(path, query_string=query, headers=self.headers(key))

    def submit(self, body: dict[str, Any], key: str | None = None) -> str:
        response = self.post("/api/v1/batches", body, key)
        assert response.status_code == 202, response.json
        return str(response.json["batch_id"])

    def settle(self) -> None:
        assert self.served.queue.join(timeout=30)


def make_api(
    *, api: ApiSettings | None = None, latency: float = 0.0, certs: str | None = None, keys_only: bool = True
) -> Iterator[Api]:
    settings = Settings(api=api or ApiSettings(serve_workers=8))
    researcher = RecordingResearcher(latency)
    keys = MemoryApiKeyStore()
    fast = RetryPolicy(max_attempts=JobOptions().max_attempts + 3, min_backoff=0.01, max_backoff=0.05)
    served = build_serve(settings, store=MemoryJobStore(), researcher=researcher, keys=keys, retry=fast)
    served.start()
    config: dict[str, Any] = {
        "TESTING": True,
        "SETTINGS": settings,
        "ADAPTERS": {"store": served.services.store, "queue": served.queue, "researcher": researcher},
        "API_KEYS": keys,
        "API_KEYS_ONLY": keys_only,
    }
    if certs:
        config["CERTS_SOURCE"] = HttpCertsSource(certs)
    _, key = create_key(keys, owner="ann@example.com", now=datetime.now(UTC))
    try:
        yield Api(create_app(config).test_client(), served, keys, researcher, key)
    finally:
        served.queue.stop(wait=True)


@pytest.fixture(scope="module")
def api() -> Iterator[Api]:
    yield from make_api(latency=0.001)  # every research takes measurable time (stats' p95)


HINTED = {
    "name": "hinted",
    "company_names": ["Acme", "Nimbus", "fail-timeout-1", "fail-robots_disallowed-2", "Zeta"],
    "domain_hints": {"Acme": "acme.example", "Nimbus": "https://nimbus.example/"},
    "fields": ["website", "industry", "hq_country", "employees"],
}


@pytest.fixture(scope="module")
def finished(api: Api) -> str:
    batch = api.submit(HINTED)
    api.settle()
    return batch


def test_submit_answers_202_with_total_estimate_and_links(api: Api) -> None:
    response = api.post("/api/v1/batches", {"company_names": ["Solo"], "priority": "urgent", "max_concurrent": 3})
    assert response.status_code == 202
    body = response.json
    assert (body["total"], body["skipped"]) == (1, 0)
    assert body["estimated_seconds"] > 0 and body["estimated_cost_usd"] == 0.0
    assert body["status_url"] == f"/api/v1/batches/{body['batch_id']}"
    api.settle()
    status = api.get(body["status_url"]).json
    assert status["options"]["priority"] == "urgent" and status["options"]["max_concurrent"] == 3


def test_a_finished_batch_reports_its_progress(api: Api, finished: str) -> None:
    status = api.get(f"/api/v1/batches/{finished}").json
    assert status["status"] == "completed"
    assert status["progress"] == {
        "total": 5,
        "completed": 3,
        "failed": 2,
        "skipped": 0,
        "remaining": 0,
        "percentage": 100.0,
    }
    assert status["error_kinds"] == {"timeout": 1, "robots_disallowed": 1}
    assert status["finished_at"] and status["estimated_completion"] == status["finished_at"]
    assert status["processing_time_seconds"] >= 0


def test_domain_hints_become_the_rows_websites(api: Api, finished: str) -> None:
    results = api.get(f"/api/v1/batches/{finished}/results").json["results"]
    websites = {r["name"]: r["input_website"] for r in results}
    assert websites["Acme"] == "acme.example" and websites["Nimbus"] == "https://nimbus.example/"
    assert websites["Zeta"] == ""


def test_json_results_carry_fields_errors_and_a_summary(api: Api, finished: str) -> None:
    body = api.get(f"/api/v1/batches/{finished}/results", format="json").json
    by_name = {r["name"]: r for r in body["results"]}
    assert by_name["Acme"]["status"] == "done" and by_name["Acme"]["error"] is None
    assert by_name["Acme"]["result"] == {
        "website": "acme.example",
        "industry": "Software",
        "hq_country": "Germany",
        "employees": "120",
    }
    assert by_name["fail-timeout-1"]["error"] == {"kind": "timeout", "message": "fake failure"}
    assert by_name["fail-timeout-1"]["result"] is None
    assert body["summary"] == {
        "by_industry": {"Retail": 2, "Software": 1},
        "by_size": {"51-200": 3},
        "by_country": {"Germany": 3},
        "by_error_kind": {"timeout": 1, "robots_disallowed": 1},
    }
    assert body["next_cursor"] is None


def test_results_without_failed_rows_and_in_pages(api: Api, finished: str) -> None:
    done = api.get(f"/api/v1/batches/{finished}/results", include_failed="false").json["results"]
    assert [r["name"] for r in done] == ["Acme", "Nimbus", "Zeta"]
    first = api.get(f"/api/v1/batches/{finished}/results", limit=2).json
    assert [r["row"] for r in first["results"]] == [1, 2] and first["next_cursor"] == 2
    second = api.get(f"/api/v1/batches/{finished}/results", limit=2, cursor=2).json
    assert [r["row"] for r in second["results"]] == [3, 4] and second["next_cursor"] == 4
    last = api.get(f"/api/v1/batches/{finished}/results", limit=2, cursor=4).json
    assert [r["row"] for r in last["results"]] == [5] and last["next_cursor"] is None


def test_csv_results_through_the_file_writer(api: Api, finished: str) -> None:
    response = api.get(f"/api/v1/batches/{finished}/results", format="csv", limit=4)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["X-Next-Cursor"] == "4"
    table = list(csv.reader(io.StringIO(response.data.decode())))
    assert len(table) == 5  # header + 4 companies
    failed = " ".join(table[3])
    assert "timeout" in failed and "fake failure" in failed
    assert "fake failure" not in " ".join(table[1])


def test_xlsx_results_open_in_excel_terms(api: Api, finished: str) -> None:
    response = api.get(f"/api/v1/batches/{finished}/results", format="xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data), read_only=True)
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 6  # header + 5 companies
    failed = " ".join(str(v) for v in rows[4] if v is not None)
    assert "robots_disallowed" in failed and "fake failure" in failed
    assert "Acme" in [str(v) for v in rows[1]]


def test_stats_report_the_batch(api: Api, finished: str) -> None:
    stats = api.get("/api/v1/batches/stats", timeframe="1h").json
    assert stats["batches"]["by_status"].get("completed", 0) >= 1
    assert stats["companies_processed"] >= 5 and stats["failed"] >= 2
    assert 0 < stats["success_rate"] < 1
    kinds = {k["kind"]: k for k in stats["top_error_kinds"]}
    assert kinds["timeout"]["count"] >= 1
    assert abs(sum(k["share"] for k in stats["top_error_kinds"]) - 1.0) < 0.01
    assert stats["processing_seconds_per_company"]["p95"] is not None
    assert stats["queue_depth"] == 0
    assert api.get("/api/v1/batches/stats", timeframe="2h").status_code == 400


def test_companies_with_extra_columns_and_countries(api: Api) -> None:
    body = {"companies": [{"name": "Kiwi", "website": "kiwi.example", "country": "NZ", "crm_id": "42"}]}
    batch = api.submit(body)
    api.settle()
    result = api.get(f"/api/v1/batches/{batch}/results").json["results"][0]
    assert result["input"] == {"country": "NZ", "crm_id": "42"}
    assert result["result"]["hq_country"] == "NZ"


@pytest.mark.parametrize(
    ("body", "names"),
    [
        ({}, "either companies or company_names"),
        ({"company_names": ["A"], "companies": [{"name": "A"}]}, "not both"),
        ({"company_names": []}, "company_names must have 1"),
        ({"company_names": ["A"] * 10_001}, "company_names must have"),
        ({"companies": [{"website": "x.example"}]}, "name is required"),
        ({"company_names": ["A"], "domain_hints": {"B": "b.example"}}, "not in company_names"),
        ({"company_names": ["A"], "max_concurrent": 21}, "max_concurrent"),
        ({"company_names": ["A"], "max_concurrent": 0}, "max_concurrent"),
        ({"company_names": ["A"], "timeout_seconds": 29}, "timeout_seconds"),
        ({"company_names": ["A"], "timeout_seconds": 601}, "timeout_seconds"),
        ({"company_names": ["A"], "priority": "asap"}, "priority"),
        ({"company_names": ["A"], "webhook_url": "http://hooks.example/x"}, "webhook_url must use https"),
        ({"company_names": ["A"], "webhook_url": "ftp://hooks.example/x"}, "webhook_url"),
        ({"company_names": ["A"], "webhook_url": "https://u:p@hooks.example/"}, "without credentials"),
        ({"company_names": ["A"], "notification_email": "not-an-email"}, "notification_email"),
        ({"company_names": ["A"], "fields": ["shoe_size"]}, "fields[0]"),
        ({"company_names": ["A"], "colour": "red"}, "unknown field"),
    ],
)
def test_invalid_bodies_get_a_400_naming_the_problem(api: Api, body: dict[str, Any], names: str) -> None:
    response = api.post("/api/v1/batches", body)
    assert response.status_code == 400, response.json
    assert response.json["error"]["code"] == "invalid_input"
    assert names in response.json["error"]["message"]


def test_notice_fields_are_stored_in_the_job_options(api: Api) -> None:
    body = {
        "company_names": ["Notify"],
        "webhook_url": "http://127.0.0.1:9999/hook",
        "notification_email": "ops@example.com",
        "export_format": "csv",
        "include_failed_results": False,
    }
    batch = api.submit(body)
    job = api.served.services.store.get_job(batch)
    assert job is not None
    assert (job.options.webhook_url, job.options.notification_email) == (body["webhook_url"], "ops@example.com")
    assert (job.options.export_format, job.options.include_failed_results) == ("csv", False)
    api.settle()
    assert api.get(f"/api/v1/batches/{batch}/results").mimetype == "text/csv"  # the batch's export_format


def test_questions_only_when_custom_questions_exist(api: Api) -> None:
    response = api.post("/api/v1/batches", {"company_names": ["Q"], "questions": ["Do they ship to Norway?"]})
    if "questions" in {f.name for f in fields(JobOptions)}:
        assert response.status_code == 202
        job = api.served.services.store.get_job(response.json["batch_id"])
        assert job is not None and [q.text for q in job.options.questions] == ["Do they ship to Norway?"]  # type: ignore[attr-defined]
    else:
        assert response.status_code == 400 and "custom questions" in response.json["error"]["message"]
    api.settle()


# --- who may call --------------------------------------------------------------------------------------------------


def test_no_wrong_or_revoked_key_is_a_401(api: Api) -> None:
    assert api.client.get("/api/v1/batches").status_code == 401
    assert api.get("/api/v1/batches", key="rsk_00000000_" + "A" * 43).status_code == 401
    record, key = create_key(api.keys, owner="temp", now=datetime.now(UTC))
    assert api.get("/api/v1/batches", key=key).status_code == 200
    revoke_key(api.keys, record.prefix, now=datetime.now(UTC))
    response = api.get("/api/v1/batches", key=key)
    assert response.status_code == 401 and response.json["error"]["code"] == "unauthenticated"
    tampered = api.key[:-1] + ("A" if api.key[-1] != "A" else "B")
    assert api.get("/api/v1/batches", key=tampered).status_code == 401


def test_a_caller_sees_only_its_own_batches(api: Api, finished: str) -> None:
    _, bob = create_key(api.keys, owner="bob@example.com", now=datetime.now(UTC))
    for path in (f"/api/v1/batches/{finished}", f"/api/v1/batches/{finished}/results"):
        response = api.get(path, key=bob)
        assert response.status_code == 404 and response.json["error"]["code"] == "not_found"
    assert api.post(f"/api/v1/batches/{finished}/cancel", key=bob).status_code == 404
    assert api.get("/api/v1/batches", key=bob).json == {"batches": []}
    mine = {b["id"] for b in api.get("/api/v1/batches").json["batches"]}
    assert finished in mine


def test_keys_are_stored_as_digests_only(api: Api) -> None:
    record = next(k for k in api.keys.list_keys() if k.owner == "ann@example.com")
    assert api.key not in repr(record) and len(record.digest) == 64
    assert api.key.startswith(f"rsk_{record.prefix}_")


def test_allow_listed_google_id_tokens(signing_key: KeyPair, certs_server: CertsServer) -> None:
    settings = ApiSettings(callers=(CALLER,), audiences=(AUDIENCE,))
    for api in make_api(api=settings, certs=certs_server.url, keys_only=False):

        def call(email: str, aud: str = AUDIENCE, client: Any = api.client) -> Any:
            token = signing_key.sign(claims(aud=aud, email=email))
            return client.post(
                "/api/v1/batches", json={"company_names": ["Tok"]}, headers={"Authorization": f"Bearer {token}"}
            )

        accepted = call(CALLER)
        assert accepted.status_code == 202, accepted.json
        job = api.served.services.store.get_job(accepted.json["batch_id"])
        assert job is not None and job.owner == CALLER
        assert call("someone@example.com").status_code == 403
        assert call(CALLER, aud="https://elsewhere.example").status_code == 401
        api.settle()


# --- limits ------------------------------------------------------------------------------------------------------


def test_too_many_active_batches_is_a_429_with_retry_after() -> None:
    for api in make_api(api=ApiSettings(max_active_batches=1, serve_workers=2)):
        api.researcher.gate.clear()  # the first batch stays processing
        first = api.submit({"company_names": ["One"]})
        refused = api.post("/api/v1/batches", {"company_names": ["Two"]})
        assert refused.status_code == 429 and refused.json["error"]["code"] == "quota_exceeded"
        assert refused.headers["Retry-After"] == "60"
        assert api.post(f"/api/v1/batches/{first}/pause").json["status"] == "paused"  # paused: not active
        second = api.post("/api/v1/batches", {"company_names": ["Two"]})
        assert second.status_code == 202
        api.researcher.gate.set()
        api.settle()


def test_rows_per_day_limit_is_a_429_until_the_oldest_batch_leaves_the_window() -> None:
    for api in make_api(api=ApiSettings(max_rows_per_day=5, serve_workers=2)):
        api.submit({"company_names": ["A", "B", "C"]})
        api.settle()
        refused = api.post("/api/v1/batches", {"company_names": ["D", "E", "F"]})
        assert refused.status_code == 429 and refused.json["error"]["code"] == "quota_exceeded"
        assert 86_000 < int(refused.headers["Retry-After"]) <= 86_400
        assert api.post("/api/v1/batches", {"company_names": ["D", "E"]}).status_code == 202
        api.settle()


# --- control -----------------------------------------------------------------------------------------------------


def test_max_concurrent_bounds_rows_in_flight() -> None:
    for api in make_api(api=ApiSettings(serve_workers=8), latency=0.03):
        api.submit({"company_names": [f"C{n}" for n in range(12)], "max_concurrent": 2})
        api.settle()
        assert len(api.researcher.calls) == 12
        assert api.researcher.max_in_flight == 2


def test_pause_resume_cancel_and_retry_failed() -> None:
    for api in make_api(api=ApiSettings(serve_workers=2)):
        api.researcher.gate.clear()  # rows wait in research until the test lets them go
        batch = api.submit({"company_names": [f"P{n}" for n in range(10)], "max_concurrent": 1})
        assert api.post(f"/api/v1/batches/{batch}/pause").json["status"] == "paused"
        api.researcher.gate.set()
        api.settle()
        held = api.get(f"/api/v1/batches/{batch}").json
        assert held["status"] == "paused" and held["progress"]["remaining"] >= 9
        assert api.post(f"/api/v1/batches/{batch}/resume").json["status"] == "processing"
        api.settle()
        done = api.get(f"/api/v1/batches/{batch}").json
        assert (done["status"], done["progress"]["completed"]) == ("completed", 10)

        failing = api.submit({"company_names": ["fail-timeout-x", "Fine"]})
        api.settle()
        assert api.get(f"/api/v1/batches/{failing}").json["progress"]["failed"] == 1
        retried = api.post(f"/api/v1/batches/{failing}/retry-failed").json
        assert retried["status"] == "processing" and retried["progress"]["remaining"] == 1
        api.settle()
        assert api.researcher.calls.count("fail-timeout-x") == 2 * JobOptions().max_attempts
        assert api.get(f"/api/v1/batches/{failing}").json["status"] == "completed"

        api.researcher.gate.clear()
        cancelled = api.submit({"company_names": [f"X{n}" for n in range(10)], "max_concurrent": 1})
        body = api.post(f"/api/v1/batches/{cancelled}/cancel").json
        assert body["status"] == "cancelled" and body["progress"]["skipped"] >= 9
        assert api.post(f"/api/v1/batches/{cancelled}/resume").status_code == 409
        api.researcher.gate.set()
        api.settle()


def test_ten_thousand_companies_fit_in_one_request() -> None:
    names = [f"Company number {n} with a longer name" for n in range(10_000)]
    hints = {name: f"https://company-number-{n}.example/" for n, name in enumerate(names)}
    for api in make_api():
        api.researcher.gate.clear()  # nothing is researched: the test is about the request
        accepted = api.post("/api/v1/batches", {"company_names": names, "domain_hints": hints})
        assert accepted.status_code == 202, accepted.json
        assert accepted.json["total"] == 10_000
        refused = api.post("/api/v1/batches", {"company_names": [*names, "one too many"]})
        assert (
            refused.status_code == 400 and "company_names must have 1–10000 items" in refused.json["error"]["message"]
        )
        api.served.queue.stop(wait=False)
        api.researcher.gate.set()


def test_parked_tasks_of_a_cancelled_batch_are_let_go() -> None:
    for api in make_api(api=ApiSettings(serve_workers=4)):
        api.researcher.gate.clear()
        batch = api.submit({"company_names": [f"K{n}" for n in range(40)], "max_concurrent": 1})
        worker = api.served.worker
        deadline = time.monotonic() + 10
        while worker.parked(batch) < 39 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert worker.parked(batch) == 39  # one in research, the rest wait in memory, not in the queue
        api.post(f"/api/v1/batches/{batch}/cancel")
        api.researcher.gate.set()
        api.settle()
        assert worker.parked(batch) == 0
        assert api.get(f"/api/v1/batches/{batch}").json["progress"]["skipped"] == 39
