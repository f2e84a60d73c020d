"""The .xlsx results workbook, opened with openpyxl: header style, freeze, filter, widths, links, types, Sources."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from service.domain import (
    CompanyInput,
    CompanyProfile,
    ErrorKind,
    FieldMethod,
    FieldSource,
    Row,
    RowState,
)
from service.domain.hints import hint_for
from service.domain.tables import ColumnMap
from service.files.output import Column, Kind
from service.files.writers import LONG_TEXT_WIDTH, MIN_WIDTH, export_rows, row_height, sheet_title

HEADERS = ["Company", "Website", "Notes"]
COLUMNS = ColumnMap(name="Company", website="Website")
FIELDS = ("website", "description", "founded_year", "employees", "emails", "phones", "linkedin", "logo_url")
WHEN = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)


def done_row(position: int, name: str, **profile: object) -> Row:
    site = f"https://{name.lower()}.example/"
    values: dict[str, object] = {
        "name": name,
        "website": site,
        "description": f"{name} makes things. " * 12,
        "founded_year": 2011,
        "employees": "120",
        "emails": ["info@acme.example", "sales@acme.example"],
        "phones": ["4155550199", "+1 512 555 0142"],
        "hq_country": "United States",
        "linkedin": "https://www.linkedin.com/company/acme",
        "sources": {
            "website": FieldSource(site, FieldMethod.URL),
            "founded_year": FieldSource(site + "about", FieldMethod.JSON_LD),
            "employees": FieldSource(site + "team", FieldMethod.TEXT),
        },
    }
    values.update(profile)
    return Row(
        job_id="j",
        key=f"r{position:06d}",
        position=position,
        input=CompanyInput(name=name, website=site, extra={"Notes": "=1+1"}),
        state=RowState.DONE,
        result=CompanyProfile(**values),  # type: ignore[arg-type]
        researched_at=WHEN,
    )


def failed_row(position: int) -> Row:
    return Row(
        job_id="j",
        key=f"r{position:06d}",
        position=position,
        input=CompanyInput(name="Globex", website="globex.example"),
        state=RowState.FAILED,
        error_kind=ErrorKind.TIMEOUT,
        error_message="the site answered too slowly (15 s)",
    )


def hostile_row(position: int) -> Row:
    """Research output that must never become a link or a formula."""
    return done_row(
        position,
        "Evil",
        website="javascript:alert(1)",
        linkedin='=HYPERLINK("http://evil.example","click")',
        logo_url="file:///etc/passwd",
        emails=["not an email", "x@y.example"],
        sources={"website": FieldSource("javascript:alert(1)", FieldMethod.URL)},
    )


@pytest.fixture(scope="module")
def workbook(tmp_path_factory: pytest.TempPathFactory) -> openpyxl.Workbook:
    path = tmp_path_factory.mktemp("xlsx") / "out.xlsx"
    rows = [done_row(1, "Acme"), failed_row(2), hostile_row(3)]
    export_rows(rows, path, input_headers=HEADERS, fields=FIELDS, columns=COLUMNS, sheet_title="Accounts")
    return openpyxl.load_workbook(path)


def sheet(workbook: openpyxl.Workbook, name: str) -> Worksheet:
    found = workbook[name]
    assert isinstance(found, Worksheet)
    return found


def column(ws: Worksheet, header: str) -> int:
    headers = [c.value for c in ws[1]]
    return headers.index(header) + 1


def test_sheets_keep_the_input_sheet_name_and_add_sources(workbook: openpyxl.Workbook) -> None:
    assert workbook.sheetnames == ["Accounts", "Sources"]


def test_header_is_bold_frozen_filtered_and_columns_are_sized(workbook: openpyxl.Workbook) -> None:
    ws = sheet(workbook, "Accounts")
    assert all(cell.font.b for cell in ws[1]) and ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}4"
    widths = {c.value: ws.column_dimensions[c.column_letter].width for c in ws[1]}
    assert all(MIN_WIDTH <= w <= LONG_TEXT_WIDTH for w in widths.values()), widths
    assert widths["Description"] == LONG_TEXT_WIDTH  # a long text is bounded and wraps
    assert ws.cell(2, column(ws, "Description")).alignment.wrap_text
    assert widths["Company"] < widths["Website (found)"]  # sized to the content, not a default
    assert widths["Employees (stated)"] >= len("Employees (stated)")  # a header fits on one line
    assert ws.row_dimensions[2].height == 4 * 15  # the 228-character description needs four 58-character lines
    assert ws.row_dimensions[3].height == 2 * 15  # the error and its hint take two lines
    layout = [Column("e", "Error", Kind.LONG_TEXT), Column("n", "Notes")]
    assert row_height(layout, [20, 10], ["short", "x" * 50]) is None  # one line: the default height


def test_cells_are_typed(workbook: openpyxl.Workbook) -> None:
    ws = sheet(workbook, "Accounts")
    researched = ws.cell(2, column(ws, "Researched at"))
    assert researched.value == datetime(2025, 1, 2, 3, 4, 5) and researched.is_date  # UTC, no offset in Excel
    assert ws.cell(2, column(ws, "Founded")).value == 2011
    assert ws.cell(2, column(ws, "Employees")).value == "51-200"
    assert ws.cell(2, column(ws, "Employees (stated)")).value == 120
    assert ws.cell(2, column(ws, "Phones")).value == "+14155550199; +15125550142"
    notes = ws.cell(2, column(ws, "Notes"))
    assert notes.value == "=1+1" and notes.data_type == "s"  # input text is never a formula


def test_safe_urls_and_emails_are_links_and_nothing_else_is(workbook: openpyxl.Workbook) -> None:
    ws = sheet(workbook, "Accounts")

    def link(row: int, header: str) -> str | None:
        cell = ws.cell(row, column(ws, header))
        return cell.hyperlink.target if cell.hyperlink else None

    assert link(2, "Website (found)") == "https://acme.example/"
    assert link(2, "LinkedIn") == "https://www.linkedin.com/company/acme"
    assert link(2, "Emails") == "mailto:info@acme.example"
    assert ws.cell(2, column(ws, "Website (found)")).font.u == "single"
    assert [link(4, h) for h in ("Website (found)", "LinkedIn", "Logo URL", "Emails")] == [None] * 4
    evil = ws.cell(4, column(ws, "LinkedIn"))
    assert evil.value == '=HYPERLINK("http://evil.example","click")' and evil.data_type == "s"
    assert link(2, "Company") is None and link(2, "Notes") is None


def test_status_and_error_do_not_repeat_each_other(workbook: openpyxl.Workbook) -> None:
    ws = sheet(workbook, "Accounts")
    status, error = column(ws, "Rowscout status"), column(ws, "Error")
    assert ws.cell(2, status).value == "done" and ws.cell(2, error).value is None
    assert ws.cell(3, status).value == "failed"
    assert ws.cell(3, error).value == f"timeout: the site answered too slowly (15 s) — {hint_for(ErrorKind.TIMEOUT)}"


def test_sources_sheet_lists_each_sourced_field_and_rows_link_to_it(workbook: openpyxl.Workbook) -> None:
    ws, sources = sheet(workbook, "Accounts"), sheet(workbook, "Sources")
    lines = [[c.value for c in row] for row in sources.iter_rows()]
    assert lines[0] == ["Row", "Company", "Field", "Value", "URL", "Method"]
    assert lines[1:4] == [
        [1, "Acme", "Website (found)", "https://acme.example/", "https://acme.example/", "url"],
        [1, "Acme", "Founded", "2011", "https://acme.example/about", "json-ld"],
        [1, "Acme", "Employees", "51-200", "https://acme.example/team", "page-text"],
    ]
    assert sources.cell(3, 5).hyperlink.target == "https://acme.example/about"
    assert lines[4][:3] == [3, "Evil", "Website (found)"] and sources.cell(5, 5).hyperlink is None  # javascript:
    assert sources.freeze_panes == "A2" and sources.auto_filter.ref == "A1:F5"
    acme, globex, evil = (ws.cell(r, column(ws, "Sources")) for r in (2, 3, 4))
    assert acme.value == "3 sources" and acme.hyperlink.location == "'Sources'!A2"
    assert globex.value is None
    assert evil.value == "1 source" and evil.hyperlink.location == "'Sources'!A5"


def test_csv_has_the_same_header_line_as_the_workbook(tmp_path: Path, workbook: openpyxl.Workbook) -> None:
    path = tmp_path / "out.csv"
    rows = [done_row(1, "Acme"), failed_row(2), hostile_row(3)]
    export_rows(rows, path, input_headers=HEADERS, fields=FIELDS, columns=COLUMNS)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        lines = list(csv.reader(handle))
    assert lines[0] == [c.value for c in sheet(workbook, "Accounts")[1]]
    acme = dict(zip(lines[0], lines[1], strict=True))
    assert acme["Researched at"] == "2025-01-02T03:04:05+00:00" and acme["Employees (stated)"] == "120"
    assert acme["Notes"] == "'=1+1" and acme["Phones"] == "'+14155550199; +15125550142"  # the CSV formula guard


def test_sheet_titles_excel_cannot_hold_are_cleaned() -> None:
    assert sheet_title("Q1/Q2: [leads]?") == "Q1Q2 leads"
    assert sheet_title("x" * 40) == "x" * 31
    assert sheet_title("''") == "Results" and sheet_title("") == "Results"


def test_an_input_sheet_named_sources_keeps_its_name(tmp_path: Path) -> None:
    out = io.BytesIO()
    path = tmp_path / "o.xlsx"
    export_rows(
        [done_row(1, "Acme")], path, input_headers=HEADERS, fields=FIELDS, columns=COLUMNS, sheet_title="Sources"
    )
    out.write(path.read_bytes())
    assert openpyxl.load_workbook(out).sheetnames == ["Sources", "Rowscout sources"]
