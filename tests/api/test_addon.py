"""The add-on API end to end through the Flask test client (memory store, recording fakes)."""

from __future__ import annotations

import csv
import io
import json

from openpyxl import load_workbook

from service.domain import CompanyProfile, RowOutcome, RowState
from service.jobs.rowtask import handle_research_task
from service.queue.port import TaskDelivery
from tests.api.conftest import ALICE, BOB, BOB_SHEET, SHEET, TAB, Env, row_key, selection


def _submit(env: Env, **changes: object) -> dict:
    response = env.client.post("/api/v1/jobs", json=selection(**changes), headers=env.as_user())
    assert response.status_code == 202, response.json
    return response.json["job"]


def test_submit_reads_the_sheet_once_stores_rows_and_enqueues_research_and_a_flush(env: Env) -> None:
    job = _submit(env)
    assert job["state"] == "running" and job["total"] == 3 and job["name"] == "My leads"
    assert job["counts"]["pending"] == 2 and job["counts"]["skipped"] == 1
    assert job["spreadsheet_id"] == SHEET
    assert env.sheets.reads == [SHEET]
    assert sorted(t.row_key for t in env.queue.of_kind("research")) == [row_key(job["id"], 2), row_key(job["id"], 3)]
    flush = env.queue.of_kind("flush")
    assert len(flush) == 1 and flush[0].schedule_at is not None
    stored = env.store.get_job(job["id"])
    assert stored is not None and stored.owner == ALICE and stored.options.fields == ("website", "industry")


def test_large_selection_is_planned_by_one_task_without_reading_the_sheet(env: Env) -> None:
    job = _submit(env, ranges=["A1:B5000"])
    assert job["state"] == "planning" and job["total"] == 0
    assert env.sheets.reads == []
    assert [t.kind.value for t in env.queue.enqueued] == ["plan"]


def test_open_ended_range_is_planned(env: Env) -> None:
    _submit(env, ranges=["A:B"])
    assert [t.kind.value for t in env.queue.enqueued] == ["plan"]


def test_get_job_and_list_and_stats_show_only_the_callers_jobs(env: Env) -> None:
    job = _submit(env)
    env.client.post("/api/v1/jobs", json=selection(spreadsheet_id=BOB_SHEET, name="bob's"), headers=env.as_user(BOB))
    got = env.client.get(f"/api/v1/jobs/{job['id']}", headers=env.as_user())
    assert got.status_code == 200 and got.json["job"]["id"] == job["id"]
    jobs = env.client.get("/api/v1/jobs", headers=env.as_user()).json["jobs"]
    assert [j["id"] for j in jobs] == [job["id"]] and jobs[0]["spreadsheet_id"] == SHEET
    stats = env.client.get("/api/v1/stats", headers=env.as_user()).json
    assert stats["batches"] == {"total": 1, "by_status": {"processing": 1}} and stats["queue_depth"] == 2


def test_another_users_job_is_not_found(env: Env) -> None:
    job = _submit(env)
    for path in ("", "/rows", "/results"):
        response = env.client.get(f"/api/v1/jobs/{job['id']}{path}", headers=env.as_user(BOB))
        assert response.status_code == 404 and response.json["error"]["code"] == "not_found"
    response = env.client.post(f"/api/v1/jobs/{job['id']}/cancel", headers=env.as_user(BOB))
    assert response.status_code == 404
    assert env.store.get_job(job["id"]).state.value == "running"


def test_another_users_sheet_is_forbidden_before_any_read(env: Env) -> None:
    response = env.client.post("/api/v1/jobs", json=selection(spreadsheet_id=BOB_SHEET), headers=env.as_user())
    assert response.status_code == 403 and response.json["error"]["code"] == "forbidden"
    assert env.sheets.reads == [] and env.store.list_jobs() == []


def test_missing_user_token_is_forbidden(env: Env) -> None:
    headers = {"Authorization": env.as_user()["Authorization"]}
    response = env.client.post("/api/v1/estimate", json=selection(), headers=headers)
    assert response.status_code == 403 and response.json["error"]["code"] == "forbidden"
    assert env.access.checks == [(SHEET, None)] and env.sheets.reads == []


def test_pause_resume_cancel_and_conflict(env: Env) -> None:
    job_id = _submit(env)["id"]
    paused = env.client.post(f"/api/v1/jobs/{job_id}/pause", headers=env.as_user()).json["job"]
    assert paused["state"] == "paused"
    before = len(env.queue.of_kind("research"))
    resumed = env.client.post(f"/api/v1/jobs/{job_id}/resume", headers=env.as_user()).json["job"]
    assert resumed["state"] == "running" and len(env.queue.of_kind("research")) == before + 2
    cancelled = env.client.post(f"/api/v1/jobs/{job_id}/cancel", headers=env.as_user()).json["job"]
    assert cancelled["state"] == "cancelled" and cancelled["counts"]["skipped"] == 3
    conflict = env.client.post(f"/api/v1/jobs/{job_id}/resume", headers=env.as_user())
    assert conflict.status_code == 409 and conflict.json["error"]["code"] == "conflict"


def test_retry_failed_re_enqueues_failed_rows(env: Env) -> None:
    env.researcher.fail["Globex"] = __import__("service.domain", fromlist=["ErrorKind"]).ErrorKind.BLOCKED
    job_id = _submit(env)["id"]
    _run_research(env)
    failed = env.client.get(f"/api/v1/jobs/{job_id}/rows?state=failed", headers=env.as_user()).json
    assert [r["name"] for r in failed["rows"]] == ["Globex"] and failed["rows"][0]["error_kind"] == "blocked"
    env.queue.enqueued.clear()
    kept = env.client.post(f"/api/v1/jobs/{job_id}/retry-failed", headers=env.as_user()).json["job"]
    assert kept["counts"]["pending"] == 0 and not env.queue.of_kind("research")  # blocked is permanent
    assert kept["failed_rows"]["total"] == 1 and kept["failed_rows"]["rows"][0]["kind"] == "blocked"
    job = env.client.post(f"/api/v1/jobs/{job_id}/retry-failed?all=true", headers=env.as_user()).json["job"]
    assert job["counts"]["pending"] == 1 and [t.row_key for t in env.queue.of_kind("research")] == [row_key(job_id, 3)]


def _run_research(env: Env) -> None:
    for task in list(env.queue.of_kind("research")):
        handle_research_task(env.app.extensions["rowscout"].services, TaskDelivery(task, 1))


def test_rows_are_paged_with_a_cursor(env: Env) -> None:
    job_id = _submit(env)["id"]
    first = env.client.get(f"/api/v1/jobs/{job_id}/rows?limit=2", headers=env.as_user()).json
    assert [r["position"] for r in first["rows"]] == [1, 2] and first["next_cursor"] == 2
    second = env.client.get(f"/api/v1/jobs/{job_id}/rows?limit=2&cursor=2", headers=env.as_user()).json
    assert [r["position"] for r in second["rows"]] == [3] and second["next_cursor"] is None
    assert second["rows"][0]["status"].startswith("skipped")


def test_rows_rejects_bad_query_values(env: Env) -> None:
    job_id = _submit(env)["id"]
    for query in ("state=nope", "limit=0", "limit=abc", "cursor=-1"):
        response = env.client.get(f"/api/v1/jobs/{job_id}/rows?{query}", headers=env.as_user())
        assert response.status_code == 400 and response.json["error"]["code"] == "invalid_input", query


def test_results_export_csv_json_xlsx(env: Env) -> None:
    job_id = _submit(env)["id"]
    _run_research(env)
    csv_text = env.client.get(f"/api/v1/jobs/{job_id}/results?format=csv", headers=env.as_user()).text
    lines = list(csv.reader(io.StringIO(csv_text)))
    assert lines[0] == ["Row", "Company", "Input website", "Rowscout status", "Researched at"] + [
        "Website (found)",
        "Industry",
        "Sources",
        "Error",
    ]
    acme = dict(zip(lines[0], lines[1], strict=True))
    assert (acme["Row"], acme["Company"], acme["Input website"]) == ("1", "Acme", "acme.example")
    assert acme["Rowscout status"] == "done" and acme["Website (found)"] == "https://acme.example"
    data = json.loads(env.client.get(f"/api/v1/jobs/{job_id}/results?format=json", headers=env.as_user()).text)
    assert [d["company"] for d in data] == ["Acme", "Globex", ""] and data[1]["industry"] == "Software"
    xlsx = env.client.get(f"/api/v1/jobs/{job_id}/results?format=xlsx", headers=env.as_user()).data
    sheet = load_workbook(io.BytesIO(xlsx)).active
    assert sheet.cell(2, 2).value == "Acme"
    bad = env.client.get(f"/api/v1/jobs/{job_id}/results?format=pdf", headers=env.as_user())
    assert bad.status_code == 400


FORMULAS = ["=1+1", "+1", "-1", "@SUM(A1)", "\tX", "\rX"]


def _finish_rows_with_industries(env: Env, job_id: str, industries: list[str]) -> None:
    """Finish every row of the job as research would, with these (hostile) industry values."""
    keys = [row.key for row in env.store.iter_rows(job_id)]
    for key, industry in zip(keys, industries, strict=True):
        env.store.lease_row(job_id, key, owner="test", now=env.now[0], lease_seconds=60, max_attempts=3)
        outcome = RowOutcome(RowState.DONE, CompanyProfile(name=key, industry=industry))
        assert env.store.finish_row(job_id, key, owner="test", outcome=outcome, now=env.now[0])


def test_results_export_guards_formulas_and_survives_control_characters(env: Env) -> None:
    industries = [*FORMULAS, "Bell\x07Co"]
    env.sheets.create_spreadsheet(
        SHEET, {TAB: [["Company", "Website"], *([f"Co{i}", f"co{i}.example"] for i in range(7))]}
    )
    job_id = _submit(env, ranges=["A1:B8"])["id"]
    _finish_rows_with_industries(env, job_id, industries)
    url = f"/api/v1/jobs/{job_id}/results"
    response = env.client.get(f"{url}?format=csv", headers=env.as_user())
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == f'attachment; filename="rowscout-{job_id}.csv"'
    lines = list(csv.reader(io.StringIO(response.text)))
    industry = lines[0].index("Industry")
    assert [line[industry] for line in lines[1:]] == [*("'" + text for text in FORMULAS), "Bell\x07Co"]
    response = env.client.get(f"{url}?format=xlsx", headers=env.as_user())
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["Content-Disposition"] == f'attachment; filename="rowscout-{job_id}.xlsx"'
    sheet = load_workbook(io.BytesIO(response.data)).active
    cells = [sheet.cell(row, industry + 1) for row in range(2, 2 + len(industries))]
    assert [c.value for c in cells] == [*FORMULAS, "BellCo"]
    assert {c.data_type for c in cells} == {"s"}


def test_estimate_reports_rows_skipped_columns_and_headers(env: Env) -> None:
    response = env.client.post("/api/v1/estimate", json=selection(use_llm=True), headers=env.as_user())
    assert response.status_code == 200
    body = response.json
    assert body["rows"] == 2 and body["cost_usd"] > 0 and body["seconds"] > 0
    assert body["skipped"] + body["duplicates"] == 1  # the empty or repeated row is not researched
    assert body["columns"]["name"] == "Company" and body["columns"]["website"] == "Website"
    assert [reason.split(":")[0] for reason in body["columns"]["reasons"]] == [
        "website column 'Website'",
        "name column 'Company'",
    ]
    assert body["headers"] == ["Company", "Website"]
    assert env.store.list_jobs() == [] and env.queue.enqueued == []


def test_no_company_column_is_reported(env: Env) -> None:
    env.sheets.create_spreadsheet(SHEET, {TAB: [["Notes"], ["x"]]})
    response = env.client.post("/api/v1/estimate", json=selection(), headers=env.as_user())
    assert response.status_code == 400 and response.json["error"]["code"] == "no_company_column"


def test_sheet_not_shared_with_the_service_account(env: Env) -> None:
    env.sheets.fail_next(1, status=403)
    response = env.client.post("/api/v1/jobs", json=selection(), headers=env.as_user())
    assert response.status_code == 403 and response.json["error"]["code"] == "sheet_not_shared"


def test_sheets_rate_limit_is_quota_exceeded_and_outage_unavailable(env: Env) -> None:
    env.sheets.fail_next(1, status=429)
    assert env.client.post("/api/v1/jobs", json=selection(), headers=env.as_user()).json["error"]["code"] == (
        "quota_exceeded"
    )
    env.sheets.fail_next(1, status=503)
    response = env.client.post("/api/v1/jobs", json=selection(), headers=env.as_user())
    assert response.status_code == 503 and response.json["error"]["code"] == "unavailable"


def test_job_rows_counts_match_the_store(env: Env) -> None:
    job_id = _submit(env)["id"]
    _run_research(env)
    counts = env.store.count_rows(job_id)
    job = env.client.get(f"/api/v1/jobs/{job_id}", headers=env.as_user()).json["job"]
    assert job["counts"]["done"] == counts[RowState.DONE] == 2


def test_a_column_map_writes_a_field_into_the_users_own_column_where_it_is_empty(env: Env) -> None:
    job = _submit(env, ranges=["A1:C4"], column_map={"industry": "C"})
    stored = env.store.get_job(job["id"])
    assert stored is not None and stored.source.column_map == {"industry": "C"}
    assert stored.source.layout is not None and stored.source.layout.mapped == ("industry",)
    header = env.sheets.values(SHEET, TAB)[0]
    assert "Industry" not in header and "Rowscout status" in header  # no own Industry column


def test_a_column_map_must_name_fields_being_researched(env: Env) -> None:
    for wrong in ({"employees": "C"}, {"industry": ""}, {"industry": 3}, {"nonsense": "C"}):
        response = env.client.post("/api/v1/jobs", json=selection(column_map=wrong), headers=env.as_user())
        assert response.status_code == 400 and "column_map" in response.json["error"]["message"], wrong
