"""End to end: submit over HTTP; Cloud Tasks (emulator) drives the app; Firestore (emulator) holds
state; the fixture web is researched; results land in the fake Google Sheet."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.e2e.conftest import SERVICE_TOKEN, USER, Cloud

pytestmark = [pytest.mark.emulator, pytest.mark.subprocess, pytest.mark.slow]

SHEET_ID = "e2e-sheet-0001"
DEADLINE_SECONDS = 90.0


def _companies(cloud: Cloud) -> list[list[str]]:
    return [
        ["Company", "Website", "Notes"],
        ["Acme Robotics", cloud.web.url("acme-robotics.test"), "a"],
        ["BrightByte", cloud.web.url("brightbyte.test"), "b"],
        ["Boulangerie Lune", cloud.web.url("boulangerie-lune.test"), "c"],
        ["Gone Corp", cloud.web.url("gone.test"), "d"],
        ["", "", "an empty row"],
    ]


def _wait_finished(cloud: Cloud, client: httpx.Client, job_id: str) -> dict:
    deadline = time.monotonic() + DEADLINE_SECONDS
    job: dict = {}
    while time.monotonic() < deadline:
        job = client.get(f"/api/v1/jobs/{job_id}", headers=cloud.headers()).json()["job"]
        unflushed = list(cloud.store.iter_rows(job_id, unflushed_only=True))
        if job["state"] == "completed" and not unflushed:
            return job
        time.sleep(0.5)
    raise AssertionError(f"job did not finish in {DEADLINE_SECONDS}s: {job}")


def test_a_job_submitted_over_http_is_researched_and_written_back(cloud: Cloud) -> None:
    cloud.sheets.create_spreadsheet(SHEET_ID, {"Leads": _companies(cloud)}, owner=USER)
    cloud.sheets.share(SHEET_ID, SERVICE_TOKEN, "writer")  # the user shared it with the service account
    body = {
        "spreadsheet_id": SHEET_ID,
        "sheet_id": 0,
        "sheet_name": "Leads",
        "ranges": ["A1:C6"],
        "header_row": 1,
        "fields": ["website", "description", "industry", "hq_country"],
        "name": "e2e",
    }
    with httpx.Client(base_url=cloud.url, timeout=30.0) as client:
        estimate = client.post("/api/v1/estimate", json=body, headers=cloud.headers())
        assert estimate.status_code == 200, estimate.text
        assert estimate.json()["rows"] == 4 and estimate.json()["columns"]["name"] == "Company"
        submitted = client.post("/api/v1/jobs", json=body, headers=cloud.headers())
        assert submitted.status_code == 202, submitted.text
        job_id = submitted.json()["job"]["id"]
        job = _wait_finished(cloud, client, job_id)
        rows = client.get(f"/api/v1/jobs/{job_id}/rows", headers=cloud.headers()).json()["rows"]
    assert job["counts"]["done"] + job["counts"]["failed"] == 4 and job["counts"]["skipped"] == 1
    assert job["counts"]["done"] >= 3
    assert all(r["attempts"] >= 1 for r in rows if r["state"] in ("done", "failed"))
    values = cloud.sheets.values(SHEET_ID, "Leads")
    header = values[0]
    status = header.index(next(h for h in header if "status" in h.lower()))
    by_name = {row[0]: row for row in values[1:] if row and row[0]}
    for name in ("Acme Robotics", "BrightByte", "Boulangerie Lune"):
        assert by_name[name][status] == "done", (name, by_name[name])
    assert by_name["Gone Corp"][status].startswith(("done", "failed"))
    industry = header.index(next(h for h in header if h.lower().startswith("industry")))
    assert any(by_name[n][industry] for n in ("Acme Robotics", "BrightByte", "Boulangerie Lune"))


def test_an_open_ended_selection_is_planned_by_a_task_and_finishes(cloud: Cloud) -> None:
    sheet_id = "e2e-sheet-0002"
    rows = [["Company", "Website"]] + [
        [name, cloud.web.url(host)]
        for name, host in (("Acme Robotics", "acme-robotics.test"), ("BrightByte", "brightbyte.test"))
    ]
    cloud.sheets.create_spreadsheet(sheet_id, {"Leads": rows}, owner=USER)
    cloud.sheets.share(sheet_id, SERVICE_TOKEN, "writer")
    cloud.access.editable[f"oauth-{USER}"].add(sheet_id)
    body = {"spreadsheet_id": sheet_id, "sheet_name": "Leads", "ranges": ["A:B"], "fields": ["website"]}
    with httpx.Client(base_url=cloud.url, timeout=30.0) as client:
        submitted = client.post("/api/v1/jobs", json=body, headers=cloud.headers())
        assert submitted.status_code == 202, submitted.text
        assert submitted.json()["job"]["state"] == "planning"  # the plan task reads the sheet
        job = _wait_finished(cloud, client, submitted.json()["job"]["id"])
    assert job["total"] == 2 and job["counts"]["done"] == 2
    values = cloud.sheets.values(sheet_id, "Leads")
    status = next(i for i, h in enumerate(values[0]) if "status" in h.lower())
    assert [row[status] for row in values[1:3]] == ["done", "done"]
