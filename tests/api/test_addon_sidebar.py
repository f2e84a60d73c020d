"""What the sidebar reads from the add-on API (issue 17): the one field catalog, the preview of the
columns a job adds, and a finished job's totals.

Each answer is checked against what the product really does with the same input: the catalog's
labels against the headers a submitted job writes, the preview against the sheet after submit, the
totals against the rows' recorded usage.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from service.cli.inputs import resolve_fields
from service.domain import PROFILE_FIELDS, CompanyInput, ErrorKind, JobOptions, ResearchOptions, ResearchOutcome
from service.jobs.flush import flush_sheet_job
from service.jobs.rowtask import handle_research_task
from service.queue.port import TaskDelivery
from tests.api.conftest import SHEET, TAB, Env, selection
from tests.api.fakes import FakeResearcher


def _user_headers(env: Env) -> list[str]:
    return list(env.sheets.values(SHEET, TAB)[0])


def _submit(env: Env, **changes: object) -> dict:
    response = env.client.post("/api/v1/jobs", json=selection(**changes), headers=env.as_user())
    assert response.status_code == 202, response.json
    return response.json["job"]


def test_the_field_catalog_is_the_one_list_with_the_sheet_headers_and_one_default_set(env: Env) -> None:
    response = env.client.get("/api/v1/fields", headers=env.as_user())
    assert response.status_code == 200
    catalog = response.json["fields"]
    assert [f["name"] for f in catalog] == list(PROFILE_FIELDS)
    defaults = tuple(f["name"] for f in catalog if f["default"])
    assert defaults == JobOptions().fields == resolve_fields(None)  # add-on, API and CLI agree
    labels = {f["name"]: f["label"] for f in catalog}
    assert labels["hq_country"] == "HQ country" and labels["hq_city"] == "HQ city"

    before = _user_headers(env)
    body = selection()
    del body["fields"]  # the API's own default
    assert env.client.post("/api/v1/jobs", json=body, headers=env.as_user()).status_code == 202
    written = _user_headers(env)[len(before) :]
    assert written == ["Rowscout status", "Researched at", *(labels[name] for name in defaults), "Sources"]


def test_the_fields_need_a_verified_user(env: Env) -> None:
    assert env.client.get("/api/v1/fields").status_code == 401


def test_the_estimate_previews_exactly_the_columns_submit_adds(env: Env) -> None:
    env.sheets.create_spreadsheet(
        SHEET, {TAB: [["Company", "Website", "Industry"], ["Acme", "acme.example", "Robots"]]}
    )
    fields = ["website", "industry", "hq_country", "employees"]
    response = env.client.post(
        "/api/v1/estimate", json=selection(ranges=["A1:C2"], fields=fields), headers=env.as_user()
    )
    preview = response.json["new_columns"]
    assert "Industry (Rowscout)" in preview  # the user's own "Industry" header is never reused
    _submit(env, ranges=["A1:C2"], fields=fields)
    assert _user_headers(env)[3:] == preview

    env.sheets.create_spreadsheet(
        SHEET, {TAB: [["Company", "Website", "Notes"], ["Acme", "acme.example", "call back"]]}
    )
    mapped = selection(ranges=["A1:C2"], fields=fields, column_map={"employees": "Notes"})
    preview = env.client.post("/api/v1/estimate", json=mapped, headers=env.as_user()).json["new_columns"]
    assert "Employees" not in preview
    _submit(env, ranges=["A1:C2"], fields=fields, column_map={"employees": "Notes"})
    assert _user_headers(env)[3:] == preview


class PricedResearcher(FakeResearcher):
    """The fake researcher, each company costing ``price`` dollars."""

    def __init__(self, price: float) -> None:
        super().__init__()
        self.price = price

    def research(self, company: CompanyInput, options: ResearchOptions) -> ResearchOutcome:
        outcome = super().research(company, options)
        return replace(outcome, usage=replace(outcome.usage, cost_usd=self.price, pages_fetched=3))


def test_totals_appear_once_the_job_is_finished(env: Env) -> None:
    services = env.app.extensions["rowscout"].services
    services.researcher = PricedResearcher(0.0125)
    job = _submit(env)
    assert job["totals"] is None
    start = env.now[0]
    for task in list(env.queue.of_kind("research")):
        env.now[0] += timedelta(seconds=40)
        handle_research_task(services, TaskDelivery(task, 1))
    flush_sheet_job(services, job["id"])  # the flush task writes the rows and completes the job
    job = env.client.get(f"/api/v1/jobs/{job['id']}", headers=env.as_user()).json["job"]
    assert job["state"] == "completed", job
    assert job["totals"] == {
        "duration_seconds": round((env.now[0] - start).total_seconds()),
        "cost_usd": round(0.0125 * len(services.researcher.calls), 4),  # each company researched once
    }
    assert job["totals"]["duration_seconds"] == 80 and len(services.researcher.calls) == 2


def test_the_add_on_tests_use_the_backends_field_list(env: Env) -> None:
    """The add-on's browser tests answer GET /api/v1/fields from this fixture: it must be the real answer."""
    fixture = Path(__file__).resolve().parents[2] / "apps_script" / "tests" / "fixtures" / "fields.json"
    answer = env.client.get("/api/v1/fields", headers=env.as_user()).json
    if os.environ.get("ROWSCOUT_UPDATE_FIXTURES") == "1":
        fixture.write_text(json.dumps(answer, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    assert json.loads(fixture.read_text(encoding="utf-8")) == answer, (
        "the field list changed: refresh the add-on's copy with "
        "ROWSCOUT_UPDATE_FIXTURES=1 .venv/bin/python -m pytest tests/api/test_addon_sidebar.py -k field_list"
    )


def test_a_sheet_jobs_failed_rows_carry_their_sheet_row_numbers(env: Env) -> None:
    """The sidebar selects a failed row in the sheet by this number: Globex sits in sheet row 3."""
    services = env.app.extensions["rowscout"].services
    services.researcher = FakeResearcher(fail={"Globex": ErrorKind.DNS})
    job = _submit(env)
    for task in list(env.queue.of_kind("research")):
        handle_research_task(services, TaskDelivery(task, 1))
    failed = env.client.get(f"/api/v1/jobs/{job['id']}", headers=env.as_user()).json["job"]["failed_rows"]
    assert [(f["row"], f["company"], f["kind"]) for f in failed["rows"]] == [(3, "Globex", "dns")]
    assert env.sheets.values(SHEET, TAB)[3 - 1][0] == "Globex"


def test_the_rest_after_a_trial_fills_the_trials_field_columns(env: Env) -> None:
    """ "Try on 5 rows" then the rest: the sidebar maps each field to the trial's column (its preview)."""
    rows = [["Company", "Website"], ["Acme", "acme.example"], ["Globex", "globex.example"], ["Initech", "initech.ex"]]
    env.sheets.create_spreadsheet(SHEET, {TAB: rows})
    fields = ["website", "industry", "hq_country"]
    preview = env.client.post(
        "/api/v1/estimate", json=selection(ranges=["A2:B4"], fields=fields), headers=env.as_user()
    ).json["new_columns"]
    _submit(env, ranges=["A2:B2"], fields=fields)  # the trial
    trial_headers = _user_headers(env)
    column_map = dict(zip(fields, preview[2:-1], strict=True))  # what the sidebar sends for the rest
    _submit(env, ranges=["A3:B4"], fields=fields, column_map=column_map)
    added = _user_headers(env)[len(trial_headers) :]
    assert added == ["Rowscout status (Rowscout)", "Researched at (Rowscout)", "Sources (Rowscout)"]
