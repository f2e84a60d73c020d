"""Issue 18: the cloud cost of a job in the add-on's estimate, the CLI's estimate and the sidebar's fixture.

The figure comes from one place (``service/jobs/cloudcost.py``: list prices
with their date and sources, operations per row measured by
``bench/bench_cloud_ops.py``); every surface shows that same number.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from service.cli import render
from service.domain import JobOptions
from service.jobs import cloudcost
from service.jobs.cloudcost import PRICES, OpsPerRow, cloud_cost
from service.jobs.estimate import estimate_job
from tests.api.conftest import SHEET, TAB, Env, selection

ROOT = Path(__file__).resolve().parents[2]


def test_cost_is_operations_times_list_prices() -> None:
    ops = OpsPerRow(firestore_reads=3, firestore_writes=4, firestore_deletes=1, task_creates=1, cpu_seconds=0.01)
    cost = cloud_cost(2000, ops, seconds_per_company=4.0)
    firestore = 2000 * (3 * 0.06 + 4 * 0.18 + 1 * 0.02) / 100_000
    tasks = 2000 * (1 + 1) * 0.40 / 1_000_000  # a creation and a delivery per row
    run = 2000 * ((4.0 / cloudcost.CONCURRENCY) * (0.000024 + 0.0000025) + 0.40 / 1_000_000)
    assert cost.firestore == pytest.approx(firestore)
    assert cost.cloud_tasks == pytest.approx(tasks)
    assert cost.cloud_run == pytest.approx(run)
    assert cloud_cost(0).total == 0.0
    assert cloud_cost(4000).total == pytest.approx(2 * cloud_cost(2000).total)


def test_prices_are_dated_list_prices_with_sources() -> None:
    prices = PRICES.to_dict()
    assert prices["list_prices"] is True and prices["as_of"] == cloudcost.PRICES_AS_OF
    for url in (cloudcost.FIRESTORE_PRICING_URL, cloudcost.CLOUD_TASKS_PRICING_URL, cloudcost.CLOUD_RUN_PRICING_URL):
        assert url.startswith("https://cloud.google.com/")


def test_the_addon_estimate_carries_the_cloud_cost_of_the_job(env: Env) -> None:
    rows = [["Company", "Website"]] + [[f"Company {n}", f"c{n}.example"] for n in range(12)]
    env.sheets.create_spreadsheet(SHEET, {TAB: rows})
    response = env.client.post("/api/v1/estimate", json=selection(ranges=["A1:B13"]), headers=env.as_user())
    assert response.status_code == 200, response.json
    answer = response.json
    assert answer["rows"] == 12
    assert answer["cloud_cost_usd"] == round(cloud_cost(12).total, 4) > 0
    parts = answer["cloud_cost"]
    total = parts["firestore_usd"] + parts["cloud_tasks_usd"] + parts["cloud_run_usd"]
    assert parts["total_usd"] == pytest.approx(total, abs=1e-6)
    assert parts["prices_as_of"] == cloudcost.PRICES_AS_OF


def test_the_cli_estimate_shows_the_cloud_path_cost(capsys: pytest.CaptureFixture[str]) -> None:
    result = estimate_job(1000, JobOptions())
    render.estimate(SimpleNamespace(label="leads.csv"), result)  # type: ignore[arg-type]
    shown = capsys.readouterr().out
    assert f"${cloud_cost(1000).total:.4f}" in shown and cloudcost.PRICES_AS_OF in shown


def test_the_sidebar_fixture_uses_the_same_price_per_company() -> None:
    fixture = json.loads((ROOT / "apps_script" / "tests" / "fixtures" / "cloud_cost.json").read_text())
    assert fixture["usd_per_company"] == round(cloud_cost(1000).total / 1000, 8)
