"""Writers: every format round-trips, snapshots are atomic, formula-looking text stays text."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest

from service.domain import (
    CompanyInput,
    CompanyProfile,
    ErrorKind,
    FieldMethod,
    FieldSource,
    Job,
    JobOptions,
    JobState,
    Row,
    RowState,
)
from service.domain.errors import InputError
from service.domain.tables import ColumnMap
from service.files.cells import TRUNCATION_MARKER, XLSX_MAX_CELL_CHARS
from service.files.readers import read_table
from service.files.writers import FileResultSink, export_rows

HEADERS = ["Company", "Website", "Owner", "Notes"]
COLUMNS = ColumnMap(name="Company", website="Website")
FIELDS = ("description", "products", "founded_year")


def make_row(
    position: int, name: str, website: str, extra: dict[str, str] | None = None, *, state: RowState = RowState.DONE
) -> Row:
    """A finished row as the job layer hands it to a sink."""
    profile = None
    if state == RowState.DONE:
        profile = CompanyProfile(
            name=name,
            website=f"https://{website}/",
            description=f"{name} makes things",
            products=["Widgets", "Gadgets"],
            founded_year=2019,
            sources={
                "description": FieldSource(f"https://{website}/about", FieldMethod.JSON_LD),
                "founded_year": FieldSource(f"https://{website}/about", FieldMethod.TEXT),
            },
        )
    row = Row(
        job_id="job1",
        key=f"r{position:06d}",
        position=position,
        input=CompanyInput(name=name, website=website, extra=dict(extra or {})),
        state=state,
        result=profile,
        researched_at=datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC) if state == RowState.DONE else None,
    )
    if state == RowState.FAILED:
        row.error_kind = ErrorKind.TIMEOUT
        row.error_message = "site too slow"
    return row


def rows() -> list[Row]:
    return [
        make_row(1, "Acme", "acme.com", {"Owner": "Bob", "Notes": '=HYPERLINK("http://evil")'}),
        make_row(2, "Globex", "globex.com", {"Owner": "@alice", "Notes": "+33 1 23"}, state=RowState.FAILED),
        make_row(3, "Initech", "initech.com", {"Owner": "", "Notes": "-5 and more"}, state=RowState.PENDING),
    ]


def export(path: Path, **kwargs: object) -> int:
    return export_rows(rows(), path, input_headers=HEADERS, fields=FIELDS, columns=COLUMNS, **kwargs)  # type: ignore[arg-type]


def test_csv_output_columns_cells_and_formula_guard(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    assert export(path) == 3
    with path.open(encoding="utf-8-sig", newline="") as handle:
        table = list(csv.DictReader(handle))
    own = ["Rowscout status", "Researched at", "Description", "Products", "Founded", "Sources", "Error"]
    assert list(table[0]) == [*HEADERS, *own]
    acme, globex, initech = table
    assert acme["Company"] == "Acme" and acme["Website"] == "acme.com" and acme["Owner"] == "Bob"
    assert acme["Notes"] == '\'=HYPERLINK("http://evil")'
    assert acme["Rowscout status"] == "done" and acme["Researched at"] == "2025-01-02T03:04:05+00:00"
    assert acme["Products"] == "Widgets; Gadgets" and acme["Founded"] == "2019"
    assert (
        acme["Sources"] == "Description: https://acme.com/about (json-ld)\nFounded: https://acme.com/about (page-text)"
    )
    assert globex["Owner"] == "'@alice" and globex["Notes"] == "'+33 1 23"
    assert globex["Rowscout status"] == "failed" and globex["Error"].startswith("timeout: site too slow")
    assert (
        initech["Rowscout status"] == "queued" and initech["Notes"] == "'-5 and more" and initech["Description"] == ""
    )


def test_xlsx_keeps_formula_looking_text_as_text(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    export(path)
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    grid = [[c.value for c in row] for row in sheet.iter_rows()]
    notes = grid[1][HEADERS.index("Notes")]
    assert notes == '=HYPERLINK("http://evil")'
    assert sheet.cell(row=2, column=4).data_type == "s"
    assert grid[0][: len(HEADERS) + 2] == [*HEADERS, "Rowscout status", "Researched at"]
    assert grid[2][1] == "globex.com"


FORMULAS = ["=1+1", "+1", "-1", "@SUM(A1)", "\tX", "\rX"]


def hostile_rows(notes: list[str]) -> list[Row]:
    return [make_row(i, f"Co{i}", f"co{i}.com", {"Notes": text}) for i, text in enumerate(notes, start=1)]


def test_csv_quotes_every_formula_prefix(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    export_rows(hostile_rows(FORMULAS), path, input_headers=HEADERS, fields=FIELDS, columns=COLUMNS)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        notes = [line["Notes"] for line in csv.DictReader(handle)]
    assert notes == ["'" + text for text in FORMULAS]


def test_xlsx_stores_every_formula_prefix_as_an_unchanged_string(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    export_rows(hostile_rows(FORMULAS), path, input_headers=HEADERS, fields=FIELDS, columns=COLUMNS)
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    column = HEADERS.index("Notes") + 1
    cells = [sheet.cell(row=r, column=column) for r in range(2, 2 + len(FORMULAS))]
    assert [c.value for c in cells] == FORMULAS
    assert {c.data_type for c in cells} == {"s"}


def test_xlsx_drops_control_characters_and_cuts_long_cells_with_the_shared_marker(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    notes = ["Bell\x07Co", "n" * 40_000]
    export_rows(hostile_rows(notes), path, input_headers=HEADERS, fields=FIELDS, columns=COLUMNS)
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    column = HEADERS.index("Notes") + 1
    assert sheet.cell(row=2, column=column).value == "BellCo"
    long = sheet.cell(row=3, column=column).value
    assert isinstance(long, str) and len(long) == XLSX_MAX_CELL_CHARS and long.endswith(TRUNCATION_MARKER)


def test_output_reads_back_as_input_with_all_columns(tmp_path: Path) -> None:
    for name in ("out.csv", "out.xlsx", "out.json", "out.jsonl"):
        path = tmp_path / name
        export(path)
        if name.endswith("json") or name.endswith("jsonl"):
            continue
        table = read_table(path)
        assert table.headers[: len(HEADERS)] == HEADERS
        assert (table.columns.name, table.columns.website) == ("Company", "Website")
        assert [r.cells["Owner"] for r in table.records] == [
            "Bob",
            "@alice" if name.endswith("xlsx") else "'@alice",
            "",
        ]


def test_json_output_is_structured(tmp_path: Path) -> None:
    path = tmp_path / "out.json"
    export(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert [d["row"] for d in data] == [1, 2, 3]
    assert data[0]["input"] == {
        "Company": "Acme",
        "Website": "acme.com",
        "Owner": "Bob",
        "Notes": '=HYPERLINK("http://evil")',
    }
    assert data[0]["profile"] == {
        "description": "Acme makes things",
        "products": ["Widgets", "Gadgets"],
        "founded_year": 2019,
    }
    assert data[0]["sources"]["description"] == {"url": "https://acme.com/about", "method": "json-ld"}
    assert data[1]["profile"] is None and data[1]["error"] == "timeout: site too slow"
    lines = tmp_path / "out.jsonl"
    export(lines)
    assert [json.loads(line)["key"] for line in lines.read_text(encoding="utf-8").splitlines()] == [
        "r000001",
        "r000002",
        "r000003",
    ]


def test_result_columns_never_overwrite_input_columns(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    headers = ["Company", "Website", "Status", "description", "Sources"]
    row = make_row(1, "Acme", "acme.com", {"Status": "customer", "description": "mine", "Sources": "trade fair"})
    export_rows([row], path, input_headers=headers, fields=["description"], columns=COLUMNS)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        (line,) = list(csv.DictReader(handle))
    assert line["Status"] == "customer" and line["Rowscout status"] == "done"
    assert line["description"] == "mine" and line["Description (Rowscout)"] == "Acme makes things"
    assert line["Sources"] == "trade fair" and line["Sources (Rowscout)"].startswith("Description: https://")


def test_unknown_field_and_format(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown field"):
        export_rows([], tmp_path / "o.csv", input_headers=HEADERS, fields=["nope"], columns=COLUMNS)
    with pytest.raises(InputError, match="cannot tell the output format"):
        export_rows([], tmp_path / "o.pdf", input_headers=HEADERS, fields=FIELDS, columns=COLUMNS)


def test_failed_snapshot_leaves_previous_output_intact(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    export(path)
    before = path.read_bytes()

    def crashing() -> object:
        yield from rows()[:2]
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        export_rows(crashing(), path, input_headers=HEADERS, fields=FIELDS, columns=COLUMNS)  # type: ignore[arg-type]
    assert path.read_bytes() == before
    assert not (tmp_path / ".out.csv.tmp").exists()


def test_stale_temp_file_from_a_crash_is_removed_and_a_live_writers_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    export(path)
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # its pid no longer runs, like a writer killed mid-snapshot
    stale = tmp_path / f".out.xlsx.{gone.pid}-0badf00d.tmp"
    stale.write_bytes(b"half a zip from a killed process")
    live = tmp_path / f".out.xlsx.{os.getpid()}-1234abcd.tmp"  # another writer of this process, still writing
    live.write_bytes(b"in progress")
    assert openpyxl.load_workbook(path).active is not None  # the output is still a valid workbook
    export(path)
    assert not stale.exists() and live.exists()
    assert openpyxl.load_workbook(path).active.max_row == 4  # type: ignore[union-attr]


def test_unwritable_output_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot write"):
        export(tmp_path / "missing-dir" / "out.csv")


def job() -> Job:
    now = datetime(2025, 1, 1, tzinfo=UTC)
    return Job("job1", "me", "test", {}, JobOptions(), JobState.RUNNING, now, now)


def read_keys(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [line["Company"] for line in csv.DictReader(handle)]


def test_sink_with_store_rows_rewrites_the_file_from_the_store_on_commit(tmp_path: Path) -> None:
    store = rows()
    path = tmp_path / "out.csv"
    sink = FileResultSink(path, input_headers=HEADERS, fields=FIELDS, columns=COLUMNS, all_rows=lambda: list(store))
    sink.write(job(), store[:1])
    assert not path.exists() and sink.snapshots == 0  # nothing reaches the file before commit
    assert list(sink.commit()) == []
    assert sink.snapshots == 1 and read_keys(path) == ["Acme", "Globex", "Initech"]
    sink.commit()
    assert sink.snapshots == 1  # nothing new since the last snapshot
    sink.write(job(), store[1:])
    sink.commit()
    sink.close()
    assert sink.snapshots == 2


def test_sink_without_store_writes_the_rows_it_was_given_in_position_order(tmp_path: Path) -> None:
    store = rows()
    sink = FileResultSink(tmp_path / "out.json", input_headers=HEADERS, fields=FIELDS, columns=COLUMNS)
    sink.write(job(), [store[2]])
    sink.write(job(), [store[0]])
    sink.commit()
    data = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert [d["row"] for d in data] == [1, 3]
    sink.close()
    assert sink.snapshots == 1
