"""``research FILE -o OUT --similar``: the finished results file gets a "Similar in this list" column.

Companies of the demo web, researched with the real engine; the two food
companies of its ground truth are each other's most similar company.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from service.bootstrap import build_researcher
from service.cli import main
from service.cli.demo import demo_settings
from service.cli.exits import ExitCode
from service.config import Settings
from service.examples.demo_web import DemoWeb
from tests.fakes.sheets_server import FakeSheetsServer

HOSTS = ("kaffee-braun.test", "ledgerly.test", "boulangerie-lune.test", "helix-bio.test")


def _rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.reader(handle))


def test_research_similar_adds_the_column_to_the_results_file(tmp_path: Path) -> None:
    with DemoWeb() as web:
        source = tmp_path / "companies.csv"
        with source.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["Company", "Website", "Similar in this list"])  # the user's own column of that name
            writer.writerows([host.removesuffix(".test"), web.url(host), "mine"] for host in HOSTS)
        researcher = build_researcher(demo_settings(Settings()), resolver=web.resolver(), site_port=web.port)
        out = tmp_path / "out.csv"
        argv = ["--workspace", str(tmp_path / "ws"), "research", str(source), "-o", str(out)]
        code = main(
            [*argv, "--rate", "100", "--no-progress", "--fields", "industry,description", "--similar"],
            researcher=researcher,
        )
    assert code == ExitCode.OK
    header, *rows = _rows(out)
    assert header[2] == "Similar in this list" and header[-1] == "Similar in this list (Rowscout)"
    by_name = {row[0]: row for row in rows}
    assert [row[2] for row in rows] == ["mine"] * len(HOSTS)  # the user's column is input, passed through
    assert by_name["kaffee-braun"][-1].startswith("boulangerie-lune (0.")
    assert by_name["boulangerie-lune"][-1].startswith("kaffee-braun (0.")


def test_without_similar_the_results_file_has_no_such_column(tmp_path: Path) -> None:
    with DemoWeb() as web:
        source = tmp_path / "companies.csv"
        source.write_text(f"Company,Website\nkaffee-braun,{web.url('kaffee-braun.test')}\n", encoding="utf-8")
        researcher = build_researcher(demo_settings(Settings()), resolver=web.resolver(), site_port=web.port)
        out = tmp_path / "out.csv"
        argv = ["--workspace", str(tmp_path / "ws"), "research", str(source), "-o", str(out), "--no-progress"]
        assert main([*argv, "--fields", "industry"], researcher=researcher) == ExitCode.OK
    assert not any("Similar in this list" in h for h in _rows(out)[0])


SHEET_ID = "1SimilarSheet0123456789abcdefghijklmnopqrs"


@pytest.fixture
def sheet_server(cli_env, monkeypatch):
    with FakeSheetsServer() as server:
        monkeypatch.setenv("ROWSCOUT_SHEETS_API_ENDPOINT", server.endpoint)
        monkeypatch.setenv("ROWSCOUT_SHEETS_ACCESS_TOKEN", "test")
        rows = [["Company", "Website"], *([f"Company {i}", f"https://company{i}.com"] for i in range(1, 5))]
        rows.append(["fail-Blocked", "https://blocked.com"])
        server.create_spreadsheet(SHEET_ID, {"Leads": rows})
        yield server


def test_research_a_sheet_with_similar_fills_the_column_on_this_machine(sheet_server, cli, cli_env):
    out = cli_env / "out.csv"
    code = cli(["research", f"sheet:{SHEET_ID}/Leads", "--no-progress", "--similar", "-o", str(out)])
    assert code == ExitCode.ROWS_FAILED  # one row fails: the job completes all the same
    header, *rows = sheet_server.values(SHEET_ID, "Leads")
    column = header.index("Similar in this list")
    by_name = {row[0]: row + [""] * (len(header) - len(row)) for row in rows}
    companies = {f"Company {i}" for i in range(1, 5)}
    for name in companies:  # the latency researcher gives every company the same profile: all alike
        named = {part.rpartition(" (")[0] for part in by_name[name][column].split("; ")}
        assert named and named <= companies - {name}, by_name[name][column]
    assert by_name["fail-Blocked"][column] == ""
    file_header, *file_rows = _rows(out)
    assert file_header[-1] == "Similar in this list"
    assert {r[0]: r[-1] for r in file_rows}["Company 1"] == by_name["Company 1"][column]
