"""The CLI with a Google Sheet as input and output (the fake Sheets v4 server on loopback)."""

from __future__ import annotations

import pytest

from service.cli.exits import ExitCode
from tests.fakes.sheets_server import FakeSheetsServer

SHEET_ID = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"


@pytest.fixture
def sheet_server(cli_env, monkeypatch):
    with FakeSheetsServer() as server:
        monkeypatch.setenv("ROWSCOUT_SHEETS_API_ENDPOINT", server.endpoint)
        monkeypatch.setenv("ROWSCOUT_SHEETS_ACCESS_TOKEN", "test")
        rows = [["Company", "Website", "Owner"]]
        rows += [[f"Company {i}", f"https://company{i}.com", f"o{i}"] for i in range(1, 6)]
        rows.append(["fail-Blocked", "https://blocked.com", "x"])
        server.create_spreadsheet(SHEET_ID, {"Leads": rows})
        yield server


def test_research_a_sheet_writes_results_back_in_batches(sheet_server, cli, cli_env):
    code = cli(["research", f"sheet:{SHEET_ID}/Leads!A1:C7", "--no-progress", "--fields", "industry,description"])
    assert code == ExitCode.ROWS_FAILED
    values = sheet_server.values(SHEET_ID, "Leads")
    header = values[0]
    assert header[:3] == ["Company", "Website", "Owner"]
    status, industry, desc = (header.index(h) for h in ("Rowscout status", "Industry", "Description"))
    by_name = {row[0]: row for row in values[1:]}
    assert by_name["Company 1"][status] == "done" and by_name["Company 1"][industry] == "Software"
    assert by_name["Company 1"][desc].startswith("=HYPERLINK")  # RAW: stays text, not a formula
    assert by_name["fail-Blocked"][status].startswith("failed: blocked")
    assert sheet_server.max_writes_in_any_minute() <= 60
    writes = sum(n for method, n in sheet_server.calls.items() if "batchUpdate" in method)
    assert writes <= 5  # columns + tags + "queued" + a few coalesced flushes, not one write per row


def test_dry_run_on_a_sheet_reads_once_and_writes_nothing(sheet_server, cli, cli_env, capsys):
    assert cli(["research", f"sheet:{SHEET_ID}/Leads", "--dry-run"]) == ExitCode.OK
    assert "website column: Website" in capsys.readouterr().out
    assert not sheet_server.writes


def test_map_writes_a_field_into_the_users_column_only_where_it_is_empty(sheet_server, cli, cli_env):
    sheet_server.user_edit(SHEET_ID, "Leads!D1", [["Sector"], ["Aerospace (hand-checked)"]])
    code = cli(
        [
            "research",
            f"sheet:{SHEET_ID}/Leads!A1:D7",
            "--no-progress",
            "--fields",
            "industry",
            "--map",
            "industry=Sector",
        ]
    )
    assert code == ExitCode.ROWS_FAILED
    values = sheet_server.values(SHEET_ID, "Leads")
    header = values[0]
    assert "Industry" not in header and header[3] == "Sector"
    by_name = {row[0]: row for row in values[1:]}
    status = header.index("Rowscout status")
    assert by_name["Company 1"][3] == "Aerospace (hand-checked)"  # the user's value stays
    assert by_name["Company 1"][status] == "done — kept your edit in Sector"
    assert by_name["Company 2"][3] == "Software" and by_name["Company 2"][status] == "done"


def test_map_needs_field_equals_column_and_a_sheet_input(sheet_server, cli, cli_env, tmp_path, capsys):
    assert cli(["research", f"sheet:{SHEET_ID}/Leads", "--map", "industry"]) == ExitCode.INPUT
    assert "FIELD=COLUMN" in capsys.readouterr().err
    csv_file = tmp_path / "c.csv"
    csv_file.write_text("Company\nAcme\n")
    assert cli(["research", str(csv_file), "--map", "industry=B"]) == ExitCode.INPUT
    assert not sheet_server.writes
