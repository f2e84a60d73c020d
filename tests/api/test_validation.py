"""Request validation, body limits and the error shape (never a traceback)."""

from __future__ import annotations

import json
import logging

import pytest

from service.api.logs import JsonFormatter, trace_id
from tests.api.conftest import Env, selection


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"spreadsheet_id": "x"}, "spreadsheet_id"),
        ({"sheet_name": ""}, "sheet_name"),
        ({"ranges": []}, "ranges"),
        ({"ranges": ["A1:B2; DROP"]}, "ranges[0]"),
        ({"ranges": "A1:B2"}, "ranges must be array"),
        ({"header_row": "1"}, "header_row must be integer"),
        ({"header_row": True}, "header_row must be integer"),
        ({"fields": ["website", "salary"]}, "fields[1]"),
        ({"fields": ["website", "website"]}, "must not repeat"),
        ({"priority": "urgent"}, "priority"),
        ({"max_concurrency": 0}, "max_concurrency"),
        ({"refresh_days": 99999}, "refresh_days"),
        ({"use_llm": "yes"}, "use_llm"),
        ({"extra": 1}, "unknown field 'extra'"),
        ({"ranges": ["A1:B9000"]}, "at most 5,000"),
    ],
)
def test_invalid_bodies_get_a_400_naming_the_field(env: Env, changes: dict, fragment: str) -> None:
    response = env.client.post("/api/v1/jobs", json=selection(**changes), headers=env.as_user())
    assert response.status_code == 400, response.json
    assert response.json["error"]["code"] == "invalid_input"
    assert fragment in response.json["error"]["message"]
    assert env.store.list_jobs() == [] and env.queue.enqueued == []


def test_missing_required_field_and_non_object_bodies(env: Env) -> None:
    body = selection()
    del body["ranges"]
    response = env.client.post("/api/v1/estimate", json=body, headers=env.as_user())
    assert response.status_code == 400 and "ranges is required" in response.json["error"]["message"]
    for raw in ("[1, 2]", "not json", ""):
        response = env.client.post("/api/v1/jobs", data=raw, content_type="application/json", headers=env.as_user())
        assert response.status_code == 400 and response.json["error"]["code"] == "invalid_input"


def test_oversized_body_is_a_413_json_error(env: Env) -> None:
    body = selection(name="x" * 30_000)
    response = env.client.post("/api/v1/jobs", json=body, headers=env.as_user())
    assert response.status_code == 413
    assert response.json["error"]["code"] == "payload_too_large"


def test_bad_job_id_unknown_route_and_method(env: Env) -> None:
    bad = env.client.get("/api/v1/jobs/bad%20id!", headers=env.as_user())
    assert bad.status_code == 400 and bad.json["error"]["code"] == "invalid_input"
    assert env.client.get("/nowhere").json["error"]["code"] == "not_found"
    wrong = env.client.delete("/api/v1/jobs", headers=env.as_user())
    assert wrong.status_code == 405 and set(wrong.json) == {"error"}
    unknown = env.client.post("/api/v1/jobs/abc/explode", headers=env.as_user())
    assert unknown.status_code == 400


def test_unexpected_errors_are_a_500_without_a_traceback(env: Env, caplog: pytest.LogCaptureFixture) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internals")

    env.store.list_jobs = explode  # type: ignore[method-assign]
    with caplog.at_level(logging.ERROR):
        response = env.client.get("/api/v1/jobs", headers=env.as_user())
    assert response.status_code == 500
    assert response.json == {"error": {"code": "internal", "message": "unexpected error; it was logged"}}
    assert "secret" not in response.text and "Traceback" not in response.text
    assert any(r.exc_info for r in caplog.records)


def test_store_outage_is_unavailable(env: Env) -> None:
    from service.domain.errors import StoreError

    def down(*args: object, **kwargs: object) -> None:
        raise StoreError("firestore is unavailable")

    env.store.list_jobs = down  # type: ignore[method-assign]
    response = env.client.get("/api/v1/jobs", headers=env.as_user())
    assert response.status_code == 503 and response.json["error"]["code"] == "unavailable"


def test_json_log_lines_carry_severity_and_the_request_trace(env: Env) -> None:
    formatter = JsonFormatter("proj")
    record = logging.LogRecord("rowscout", logging.WARNING, __file__, 1, "row %s", ("r1",), None)
    record.job_id = "j1"
    with env.app.test_request_context(headers={"X-Cloud-Trace-Context": "105445aa7843bc8bf206b1200/1;o=1"}):
        line = json.loads(formatter.format(record))
    assert line["severity"] == "WARNING" and line["message"] == "row r1" and line["job_id"] == "j1"
    assert line["logging.googleapis.com/trace"] == "projects/proj/traces/105445aa7843bc8bf206b1200"
    outside = json.loads(formatter.format(record))
    assert "logging.googleapis.com/trace" not in outside


def test_trace_id_parsing() -> None:
    assert trace_id("abc123/456;o=1") == "abc123"
    assert trace_id("") is None and trace_id("../../etc") is None


def test_openapi_document_lists_every_route(env: Env) -> None:
    doc = env.client.get("/api/v1/openapi.json").json
    assert doc["openapi"].startswith("3.1")
    flask_routes = {
        str(rule.rule).replace("<job_id>", "{job_id}").replace("<batch_id>", "{batch_id}")
        for rule in env.app.url_map.iter_rules()
        if rule.endpoint != "static"
    }
    documented = set(doc["paths"])
    expected = {r for r in flask_routes if "<action>" not in r}
    assert expected <= documented
    actions = {p for p in documented if p.startswith("/api/v1/jobs/{job_id}/") and p.count("/") == 5}
    assert {p.rsplit("/", 1)[1] for p in actions} >= {"pause", "resume", "cancel", "retry-failed", "rows"}
