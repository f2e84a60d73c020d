"""The command line end to end (in process): research, status, list, export, estimate, bad inputs."""

from __future__ import annotations

import csv
import json

import openpyxl
import pytest

from service.cli.exits import ExitCode

from .conftest import write_csv


def _companies(path, n=5, extra=()):
    rows = [[f"Company {i}", f"company{i}.com", f"owner{i}"] for i in range(1, n + 1)]
    rows.extend(extra)
    return write_csv(path, ["Company", "Website", "Owner"], rows)


def _read_csv(path):
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def test_research_csv_to_csv_keeps_input_columns_and_sources(cli, cli_env, capsys):
    src = _companies(cli_env / "in.csv", extra=[["fail-Blocked Inc", "blocked.com", "x"], ["", "", "y"]])
    code = cli(["research", str(src), "-o", "out.csv", "--concurrency", "3", "--rate", "500", "--no-progress"])
    assert code == ExitCode.ROWS_FAILED  # one row failed: scripts can tell
    rows = _read_csv(cli_env / "out.csv")
    assert [r["Company"] for r in rows] == [f"Company {i}" for i in range(1, 6)] + ["fail-Blocked Inc", ""]
    assert rows[0]["Owner"] == "owner1" and rows[0]["Rowscout status"] == "done" and rows[0]["Industry"] == "Software"
    assert rows[0]["Description"].startswith("'=HYPERLINK")  # formula-looking text neutralised in CSV
    assert "Description: company1.com" in rows[0]["Sources"]
    assert rows[5]["Rowscout status"] == "failed" and rows[5]["Error"].startswith("blocked")
    assert rows[6]["Rowscout status"] == "skipped: no company name or website in this row" and rows[6]["Owner"] == "y"
    out = capsys.readouterr().out
    assert "success rate 83%" in out and "Software" in out


def test_research_to_xlsx_and_json(cli, cli_env):
    src = _companies(cli_env / "in.csv", n=3)
    assert cli(["research", str(src), "-o", "out.xlsx", "--no-progress", "--rate", "500"]) == ExitCode.OK
    sheet = openpyxl.load_workbook(cli_env / "out.xlsx").active
    values = list(sheet.values)
    assert values[0][:3] == ("Company", "Website", "Owner") and len(values) == 4
    desc_col = values[0].index("Description")
    cell = sheet.cell(row=2, column=desc_col + 1)
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")  # text, not a formula
    assert cli(["research", str(src), "-o", "out.json", "--no-progress", "--fields", "industry"]) == ExitCode.OK
    data = json.loads((cli_env / "out.json").read_text())
    assert len(data) == 3 and data[0]["profile"]["industry"] == "Software"


def test_rows_and_filter_select_part_of_the_input(cli, cli_env):
    src = _companies(cli_env / "in.csv", n=10)
    code = cli(["research", str(src), "-o", "o.csv", "--rows", "2-4,9", "--filter", "Owner=OWNER3", "--no-progress"])
    assert code == ExitCode.OK
    assert [r["Company"] for r in _read_csv(cli_env / "o.csv")] == ["Company 3"]


def test_dry_run_researches_nothing(cli, cli_env, capsys):
    src = _companies(cli_env / "in.csv", n=2)
    assert cli(["research", str(src), "--dry-run"]) == ExitCode.OK
    assert "name column:    Company" in capsys.readouterr().out
    assert not (cli_env / "research.log").exists()


def test_estimate_counts_rows_and_skips(cli, cli_env, capsys):
    src = _companies(cli_env / "in.csv", n=4, extra=[["Bad", "javascript:alert(1)", ""]])
    assert cli(["estimate", str(src), "--concurrency", "2"]) == ExitCode.OK
    assert "4 companies to research, 1 skipped" in capsys.readouterr().out


def test_estimate_counts_a_repeated_company_as_skipped_like_research_does(cli, cli_env, capsys):
    rows = [["Acme", "acme.com"], ["Globex", "globex.com"], ["Acme Europe", "https://www.ACME.com/"]]
    src = write_csv(cli_env / "in.csv", ["Company", "Website"], rows)
    assert cli(["estimate", str(src)]) == ExitCode.OK
    out = capsys.readouterr().out  # the repeat is researched once and filled from row 1: not skipped
    assert "2 companies to research, 1 repeated rows (they get their first row's result), 0 skipped" in out
    assert cli(["research", str(src), "-o", "o.csv", "--no-progress"]) == ExitCode.OK
    statuses = [r.get("status", r.get("Rowscout status")) for r in _read_csv(cli_env / "o.csv")]
    assert statuses == ["done", "done", "done — same company as row 1"]
    assert sorted((cli_env / "research.log").read_text().split()) == ["Acme", "Globex"]


def test_status_list_export_and_clean(cli, cli_env, capsys):
    src = _companies(cli_env / "in.csv", n=2)
    cli(["research", str(src), "-o", "o.csv", "--no-progress", "--job-name", "weekly leads"])
    capsys.readouterr()
    assert cli(["list", "--json"]) == ExitCode.OK
    [listed] = json.loads(capsys.readouterr().out)
    assert listed["name"] == "weekly leads" and listed["state"] == "completed" and listed["counts"]["done"] == 2
    job_id = listed["id"]
    assert cli(["list"]) == ExitCode.OK and job_id in capsys.readouterr().out
    assert cli(["status", job_id]) == ExitCode.OK and "success rate 100%" in capsys.readouterr().out
    assert cli(["status", "--json"]) == ExitCode.OK
    assert json.loads(capsys.readouterr().out)["success_rate"] == 1.0
    assert cli(["export", job_id, "-o", "again.json"]) == ExitCode.OK
    assert len(json.loads((cli_env / "again.json").read_text())) == 2
    assert cli(["clean", "--older-than", "0d"]) == ExitCode.OK
    assert cli(["status", job_id]) == ExitCode.NOT_FOUND


def test_retry_failed_only_researches_rows_that_failed(cli, cli_env):
    src = _companies(cli_env / "in.csv", n=3, extra=[["fail-Once", "once.com", ""]])
    assert cli(["research", str(src), "-o", "o.csv", "--no-progress"]) == ExitCode.ROWS_FAILED
    log = cli_env / "research.log"
    log.write_text("")
    assert cli(["research", str(src), "-o", "o.csv", "--retry-failed", "--no-progress"]) == ExitCode.ROWS_FAILED
    assert log.read_text().split() == []  # blocked is permanent: retried only with --all
    assert cli(["research", str(src), "-o", "o.csv", "--retry-failed", "--all", "--no-progress"]) == 4
    assert log.read_text().split() == ["fail-Once"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "not found"),
        ("", "empty"),
        ("Foo,Bar\n1,2\n3,4\n", "no recognisable company column"),
    ],
)
def test_bad_inputs_give_a_clear_message_and_exit_code(cli, cli_env, capsys, content, message):
    path = cli_env / "bad.csv"
    if content is not None:
        path.write_text(content)
    assert cli(["research", str(path), "-o", "o.csv", "--no-progress"]) == ExitCode.INPUT
    err = capsys.readouterr().err
    assert message in err.lower() and "Traceback" not in err


def test_unsafe_and_empty_rows_get_a_per_row_reason(cli, cli_env):
    src = write_csv(
        cli_env / "in.csv",
        ["Company", "Website"],
        [
            ["Good", "good.com"],
            ["Evil", "javascript:alert(1)"],
            ["Local", "file:///etc/passwd"],
            ["Huge", "x" * 1_000_000],
        ],
    )
    assert cli(["research", str(src), "-o", "o.csv", "--no-progress"]) == ExitCode.OK
    rows = {r["Company"]: r for r in _read_csv(cli_env / "o.csv")}
    status = {name: line["Rowscout status"] for name, line in rows.items()}
    assert status["Good"] == "done"
    assert status["Evil"].startswith("skipped:") and "javascript" in status["Evil"]
    assert status["Local"].startswith("skipped:") and "file" in status["Local"]
    assert status["Huge"].startswith("skipped:")


def test_unknown_job_and_bad_arguments(cli, cli_env, capsys):
    assert cli(["resume", "nope"]) == ExitCode.NOT_FOUND
    with pytest.raises(SystemExit) as exit_info:
        cli(["research", "x.csv", "--concurrency", "0"])
    assert exit_info.value.code == ExitCode.USAGE
    src = _companies(cli_env / "in.csv", n=1)
    assert cli(["research", str(src), "--fields", "industry,shoe_size", "--dry-run"]) == ExitCode.INPUT
    assert "shoe_size" in capsys.readouterr().err
