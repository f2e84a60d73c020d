"""``discover JOB`` on the demo web: companies researched with the real engine, grouped by what they are.

The known groups come from the demo web's ground truth (tests/fixture_web/ground_truth.json):
sites that share an industry belong together, sites of different industries do not.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path

import openpyxl
import pytest

from service.bootstrap import build_researcher
from service.cli import main
from service.cli.demo import demo_settings
from service.cli.exits import ExitCode
from service.config import Settings
from service.examples.demo_web import DemoWeb

GROUND_TRUTH = Path(__file__).resolve().parents[1] / "fixture_web" / "ground_truth.json"
HOSTS = (
    "kaffee-braun.test",
    "boulangerie-lune.test",
    "ledgerly.test",
    "acme-robotics.test",
    "durand-avocats.test",
    "helix-bio.test",
    "harbor-insurance.test",
    "homestead-realty.test",
    "shieldline.test",
)


def _industries() -> dict[str, str]:
    truth = json.loads(GROUND_TRUTH.read_text(encoding="utf-8"))
    return {e["host"]: e["expected"]["industry"] for e in truth if e["host"] in HOSTS and e.get("expected")}


@pytest.fixture(scope="module")
def researched(tmp_path_factory):
    """A workspace with one job over ``HOSTS``, researched on the demo web; and a ``run(argv)``."""
    root = tmp_path_factory.mktemp("discover")
    with DemoWeb() as web:
        source = root / "companies.csv"
        with source.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["Company", "Website"])
            writer.writerows([host.removesuffix(".test"), web.url(host)] for host in HOSTS)
        researcher = build_researcher(demo_settings(Settings()), resolver=web.resolver(), site_port=web.port)

        def run(argv):
            return main(["--workspace", str(root / "ws"), *argv], researcher=researcher)

        code = run(["research", str(source), "-o", str(root / "out.csv"), "--rate", "100", "--no-progress"])
        assert code == ExitCode.OK
        yield root, run


def _job_id(run, capsys) -> str:
    capsys.readouterr()
    assert run(["list", "--json"]) == ExitCode.OK
    return json.loads(capsys.readouterr().out)[0]["id"]


def test_discover_groups_the_demo_companies_by_industry_and_lists_the_most_similar(researched, capsys):
    root, run = researched
    job = _job_id(run, capsys)
    assert run(["discover", job, "-o", str(root / "similar.json")]) == ExitCode.OK
    printed = capsys.readouterr().out
    found = json.loads((root / "similar.json").read_text(encoding="utf-8"))
    assert found["compared"] == len(HOSTS)
    industries = _industries()
    known: dict[str, set[str]] = defaultdict(set)
    for host, industry in industries.items():
        known[industry].add(host.removesuffix(".test"))
    clusters = [set(c["companies"]) for c in found["clusters"]]
    for members in known.values():  # each known group is one cluster, with nobody from another industry
        assert members in clusters, (members, clusters)
    assert sum(len(c) for c in clusters) == len(HOSTS)
    food = next(c for c in found["clusters"] if set(c["companies"]) == {"kaffee-braun", "boulangerie-lune"})
    assert food["label"] == "Food & Beverage"
    best = {c["name"]: (c["similar"][0]["name"] if c["similar"] else None) for c in found["companies"]}
    assert best["kaffee-braun"] == "boulangerie-lune" and best["boulangerie-lune"] == "kaffee-braun"
    assert set(best) == {h.removesuffix(".test") for h in HOSTS}  # every company has its line
    assert "Food & Beverage (2): kaffee-braun, boulangerie-lune" in printed
    assert "kaffee-braun → boulangerie-lune" in printed


def test_discover_one_company_and_csv_output(researched, capsys):
    root, run = researched
    job = _job_id(run, capsys)
    assert run(["discover", job, "--company", "KAFFEE-BRAUN", "--top", "3", "-o", str(root / "k.csv")]) == 0
    with (root / "k.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["company"] for r in rows] == ["kaffee-braun"]
    assert rows[0]["most similar"] == "boulangerie-lune" and rows[0]["cluster label"] == "Food & Beverage"
    assert float(rows[0]["score"]) > 0.3


def test_discover_refuses_an_unknown_company_and_job(researched, capsys, monkeypatch):
    _, run = researched
    job = _job_id(run, capsys)
    monkeypatch.delenv("ROWSCOUT_SEARCH_PROVIDER", raising=False)
    assert run(["discover", job, "--competitors"]) == ExitCode.INPUT  # no search provider: nothing proposed, said so
    assert "ROWSCOUT_SEARCH_PROVIDER" in capsys.readouterr().err
    assert run(["discover", job, "--company", "Nobody GmbH"]) == ExitCode.INPUT
    assert "no researched company named 'Nobody GmbH'" in capsys.readouterr().err
    assert run(["discover", "no-such-job"]) == ExitCode.NOT_FOUND


@pytest.mark.parametrize("suffix", ["xlsx", "csv", "json"])
def test_export_similar_adds_the_column_to_rowscouts_own_file(researched, capsys, suffix):
    root, run = researched
    job = _job_id(run, capsys)
    out = root / f"similar.{suffix}"
    assert run(["export", job, "-o", str(out), "--similar"]) == ExitCode.OK
    if suffix == "json":
        records = json.loads(out.read_text(encoding="utf-8"))
        by_name = {r["input"]["Company"]: r["similar_in_list"] for r in records}
    else:
        if suffix == "xlsx":
            sheet = openpyxl.load_workbook(out).worksheets[0]
            rows = [[str(v or "") for v in r] for r in sheet.values]
            last = sheet.cell(row=1, column=sheet.max_column)
            assert last.font.bold and last.fill.fgColor.rgb == sheet.cell(row=1, column=1).fill.fgColor.rgb
            assert sheet.auto_filter.ref.split(":")[1].rstrip("0123456789") == last.column_letter  # inside the filter
        else:
            with out.open(newline="", encoding="utf-8-sig") as handle:
                rows = list(csv.reader(handle))
        assert rows[0][-1] == "Similar in this list" and rows[0][0] == "Company"  # the last column, a new one
        by_name = {r[0]: r[-1] for r in rows[1:]}
    assert by_name["kaffee-braun"].startswith("boulangerie-lune (0.")
    assert by_name["boulangerie-lune"].startswith("kaffee-braun (0.")
    assert len(by_name) == len(HOSTS)
