"""The whole chain from settings: ``ROWSCOUT_SEARCH_*`` → bootstrap → research → the results file (fixture web)."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.cli import main
from service.examples.demo_web import DemoWeb
from tests.fakes.search_server import GOOD_KEY, FakeSearchServer
from tests.support.loopback import serving


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoWeb]:
    """Two fixture-web sites, plus a copy of Acme Robotics' site under another name (two sites, one name)."""
    sites = tmp_path_factory.mktemp("sites")
    source = Path(DemoWeb().sites_dir)
    for host in ("acme-robotics.test", "fibrenet-uk.test"):
        shutil.copytree(source / host, sites / host)
    shutil.copytree(source / "acme-robotics.test", sites / "acmerobotics-group.test")
    with DemoWeb(sites) as served:
        yield served


def test_name_only_rows_through_the_configured_provider(
    web: DemoWeb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeSearchServer()
    fake.add("FibreNet", "https://fibrenet-uk.test/", "FibreNet UK", "FibreNet UK: fibre broadband.")
    fake.add("FibreNet", "https://press.example/fibrenet", "FibreNet news", "FibreNet CEO Jane Okafor said so.")
    fake.add("Acme Robotics", "https://acme-robotics.test/", "Acme Robotics", "Warehouse robots.")
    fake.add("Acme Robotics", "https://acmerobotics-group.test/", "Acme Robotics", "Warehouse robots.")
    for name, value in {
        "ROWSCOUT_HOME": str(tmp_path / "ws"),
        "ROWSCOUT_DEMO_WEB_PORT": str(web.port),
        "ROWSCOUT_SEARCH_PROVIDER": "brave",
        "ROWSCOUT_SEARCH_API_KEY": GOOD_KEY,
        "ROWSCOUT_SEARCH_ENDPOINT": fake.base_url,
    }.items():
        monkeypatch.setenv(name, value)
    source = tmp_path / "companies.csv"
    source.write_text("Company\nFibreNet\nAcme Robotics\n", encoding="utf-8")
    with serving(fake.server):
        code = main(["research", str(source), "-o", str(tmp_path / "out.csv"), "--timeout", "20"])
    with (tmp_path / "out.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = {row["Company"]: row for row in csv.DictReader(handle)}
    assert code != 0  # one row needs review
    assert rows["FibreNet"]["Website (found)"].startswith(web.url("fibrenet-uk.test"))
    assert rows["FibreNet"]["CEO"] == "Jane Okafor"
    assert "https://press.example/fibrenet" in rows["FibreNet"]["Sources"]
    assert rows["Acme Robotics"]["Rowscout status"] == "failed"
    error = rows["Acme Robotics"]["Error"]
    assert "ambiguous_website" in error and "needs review" in error
    assert "acme-robotics.test" in error and "acmerobotics-group.test" in error
    assert rows["Acme Robotics"]["Website (found)"] == ""
