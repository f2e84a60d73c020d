"""One header vocabulary for files and sheets; results files read back as input; employees and phones in one format."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest

from service.api.export import ExportColumns, export_xlsx
from service.cli import main
from service.domain import (
    CompanyInput,
    CompanyProfile,
    ErrorKind,
    FieldMethod,
    FieldSource,
    Job,
    JobOptions,
    JobState,
    ResearchOptions,
    ResearchOutcome,
    Row,
    RowState,
)
from service.domain.hints import hint_for
from service.domain.labels import label, own_columns
from service.domain.questions import Answer, AnswerKind, AnswerMethod
from service.domain.sources import SheetSource
from service.domain.tables import ColumnMap
from service.domain.values import EmployeeCount, e164, employee_range, region_of
from service.files.output import ResultColumns
from service.files.readers import read_table
from service.files.writers import export_rows
from service.sheets.cells import row_texts
from service.sheets.layout import SheetGrid, plan_columns

COLUMNS = ColumnMap(name="Company", website="Website")


def row(position: int, name: str, *, state: RowState = RowState.DONE, **profile: object) -> Row:
    site = f"https://{name.lower()}.example/"
    result = CompanyProfile(
        name=name,
        website=site,
        hq_city="Austin",
        employees="45",
        sources={"hq_city": FieldSource(site + "contact", FieldMethod.JSON_LD)},
        **profile,  # type: ignore[arg-type]
    )
    return Row(
        job_id="j",
        key=f"r{position:06d}",
        position=position,
        input=CompanyInput(name=name, website=f"{name.lower()}.example", extra={"Owner": "me"}),
        state=state,
        result=result if state == RowState.DONE else None,
        researched_at=datetime(2025, 3, 1, tzinfo=UTC) if state == RowState.DONE else None,
    )


def test_files_and_sheets_head_rowscout_columns_alike() -> None:
    fields = ("website", "hq_city", "hq_country", "founded_year", "linkedin")
    grid = SheetGrid(sheet_id=0, column_count=3, header_row=1, headers=["Company", "Website"], data_width=2, inputs={})
    layout, _ = plan_columns(grid, fields, job_id="job1")
    sheet_headers = list(layout.created)
    file_headers = ResultColumns.build(["Company", "Website"], fields, COLUMNS).headers[2:]
    assert sheet_headers == ["Rowscout status", "Researched at", "Website (found)", "HQ city", "HQ country"] + [
        "Founded",
        "LinkedIn",
        "Sources",
    ]
    assert file_headers == [*sheet_headers, "Error"]  # files add the error column (sheets say it in the status)
    assert [label(f) for f in fields] == sheet_headers[2:-1]


def test_a_header_the_input_already_has_gets_the_same_suffix_in_files_and_sheets() -> None:
    headers = ["Company", "Website", "HQ city"]
    grid = SheetGrid(sheet_id=0, column_count=3, header_row=1, headers=headers, data_width=3, inputs={})
    layout, _ = plan_columns(grid, ("hq_city",), job_id="job1")
    file_headers = ResultColumns.build(headers, ("hq_city",), COLUMNS).headers
    assert "HQ city (Rowscout)" in layout.created and "HQ city (Rowscout)" in file_headers


@pytest.mark.parametrize("name", ["out.csv", "out.xlsx"])
def test_a_results_file_read_back_is_researched_again_without_doubling_columns(tmp_path: Path, name: str) -> None:
    fields = ("website", "hq_city", "employees")
    path = tmp_path / name
    export_rows([row(1, "Acme"), row(2, "Globex")], path, input_headers=["Company", "Website", "Owner"], fields=fields)
    table = read_table(path)
    assert (table.columns.name, table.columns.website) == ("Company", "Website")
    again = ResultColumns.build(table.headers, fields, table.columns)
    first = ResultColumns.build(["Company", "Website", "Owner"], fields, COLUMNS)
    assert again.headers == first.headers and again.input_headers == ("Company", "Website", "Owner")


def test_the_found_website_of_a_results_file_is_never_taken_for_the_input_website(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    export_rows([row(1, "Acme")], path, input_headers=["Company", "Owner"], fields=("website",))
    table = read_table(path)
    assert table.columns.website is None and table.columns.name == "Company"
    assert "Website (found)" in table.headers


def test_own_columns_start_at_the_status_column() -> None:
    headers = ["Company", "Industry", "Rowscout status", "Industry (Rowscout)", "Error", "My notes"]
    assert own_columns(headers) == {"Rowscout status", "Industry (Rowscout)", "Error"}
    assert own_columns(["Company", "Industry", "Error"]) == set()  # no status column: nothing is Rowscout's


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        ("45", EmployeeCount("11-50", 45)),
        ("120", EmployeeCount("51-200", 120)),
        ("1,200", EmployeeCount("1001-5000", 1200)),
        ("51-200", EmployeeCount("51-200", None)),
        ("50-100", EmployeeCount("51-200", None)),
        ("10001+", EmployeeCount("10001+", None)),
        ("3", EmployeeCount("1-10", 3)),
        ("", EmployeeCount("", None)),
        ("about a dozen", EmployeeCount("", None)),
        ("about 250 employees", EmployeeCount("201-500", 250)),
        ("5,000–10,000", EmployeeCount("5001-10000", None)),
        ("200-50", EmployeeCount("", None)),
    ],
)
def test_employees_become_a_band_with_the_stated_number(stored: str, expected: EmployeeCount) -> None:
    assert employee_range(stored) == expected


def test_phones_become_e164_in_the_company_country() -> None:
    assert e164("4155550199", region_of("United States")) == "+14155550199"
    assert e164("01174960123", region_of("United Kingdom")) == "+441174960123"
    assert e164("+49 (0)30 1234-567") == "+49301234567"
    assert e164("4155550199") == "4155550199"  # no country: left as found, not guessed
    assert region_of("Atlantis") == "" and region_of("DE") == "DE"


def test_status_says_where_the_row_stands_and_error_says_why() -> None:
    skipped = Row("j", "r1", 1, CompanyInput(name=""), state=RowState.SKIPPED, error_message="no company name")
    retrying = Row("j", "r2", 2, CompanyInput(name="B"), error_kind=ErrorKind.TIMEOUT, error_message="slow")
    failed = Row("j", "r3", 3, CompanyInput(name="C"), state=RowState.FAILED, error_kind=ErrorKind.DNS)
    table = ResultColumns.build(["Company"], ("industry",), ColumnMap("Company", None))
    lines = [dict(zip(table.headers, table.cells(r), strict=True)) for r in (skipped, retrying, failed)]
    assert [(line["Rowscout status"], line["Error"]) for line in lines] == [
        ("skipped: no company name", ""),
        ("queued", "timeout: slow"),  # will be retried: no advice yet
        ("failed", f"dns — {hint_for(ErrorKind.DNS)}"),
    ]
    assert table.record(failed)["error"] == "dns" and table.record(failed)["hint"] == hint_for(ErrorKind.DNS)


def test_api_export_is_the_same_polished_workbook_named_after_the_tab() -> None:
    now = datetime(2025, 1, 1, tzinfo=UTC)
    source = SheetSource(spreadsheet_id="s1", sheet_name="Accounts")
    job = Job("j", "me", "t", source, JobOptions(fields=("website", "employees")), JobState.COMPLETED, now, now)
    columns = ExportColumns.of(job)
    assert columns.headers == ["Row", "Company", "Input website", "Rowscout status", "Researched at"] + [
        "Website (found)",
        "Employees",
        "Employees (stated)",
        "Sources",
        "Error",
    ]
    book = openpyxl.load_workbook(io.BytesIO(export_xlsx(job, [row(1, "Acme")])))
    ws = book["Accounts"]
    assert book.sheetnames == ["Accounts", "Sources"] and ws.freeze_panes == "A2" and ws["A1"].font.b
    assert ws["A2"].value == 1 and ws["H2"].value == 45 and ws["F2"].hyperlink.target == "https://acme.example/"
    record = columns.record(row(1, "Acme"))
    assert record["company"] == "Acme" and record["employees"] == "11-50" and record["employees_stated"] == "45"


class _Researcher:
    """Every company: a site, a national phone in its country, a stated head count."""

    def research(self, company: CompanyInput, options: ResearchOptions) -> ResearchOutcome:
        site = f"https://{company.name.lower()}.example/"
        profile = CompanyProfile(
            name=company.name,
            website=site,
            hq_country="United States",
            phones=["4155550199"],
            employees="120",
            founded_year=2011,
            sources={"website": FieldSource(site, FieldMethod.URL)},
        )
        return ResearchOutcome(profile=profile)


def _cli(argv: list[str]) -> int:
    return main(argv, researcher=_Researcher())


def test_cli_keeps_the_sheet_name_and_export_and_re_research_give_the_same_columns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ROWSCOUT_HOME", str(tmp_path / "ws"))
    monkeypatch.chdir(tmp_path)
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "Accounts"
    for line in (["Company", "Owner"], ["Acme", "ann"], ["Globex", "bob"]):
        ws.append(line)
    book.save(tmp_path / "in.xlsx")
    fields = "website,phones,employees,founded_year"
    args = ["--fields", fields, "--no-progress", "--rate", "500"]
    assert _cli(["research", "in.xlsx", "-o", "out.xlsx", *args]) == 0
    out = openpyxl.load_workbook(tmp_path / "out.xlsx")
    assert out.sheetnames == ["Accounts", "Sources"]
    headers = [c.value for c in out["Accounts"][1]]
    phones = out["Accounts"].cell(2, headers.index("Phones") + 1).value
    assert phones == "+14155550199" and out["Accounts"].cell(2, headers.index("Founded") + 1).value == 2011
    capsys.readouterr()
    assert _cli(["list", "--json"]) == 0
    job_id = json.loads(capsys.readouterr().out)[0]["id"]
    assert _cli(["export", job_id, "-o", "again.csv"]) == 0
    with (tmp_path / "again.csv").open(encoding="utf-8-sig", newline="") as handle:
        assert next(csv.reader(handle)) == headers
    assert _cli(["export", job_id, "-o", "again.xlsx"]) == 0
    assert openpyxl.load_workbook(tmp_path / "again.xlsx").sheetnames == ["Accounts", "Sources"]
    assert _cli(["research", "out.xlsx", "-o", "twice.xlsx", *args]) == 0  # a results file as input
    twice = openpyxl.load_workbook(tmp_path / "twice.xlsx")
    assert [c.value for c in twice["Accounts"][1]] == headers  # its old results were replaced, not kept as input
    assert twice["Accounts"].max_row == 3


def test_question_columns_get_the_same_treatment(tmp_path: Path) -> None:
    answers = {
        "How many offices?": Answer(
            3, "https://acme.example/offices", "3 offices", AnswerMethod.LLM, AnswerKind.NUMBER
        ),
        "Do they ship to Canada?": Answer(True, "", "", AnswerMethod.LLM, AnswerKind.YES_NO),
    }
    path = tmp_path / "q.xlsx"
    export_rows(
        [row(1, "Acme", answers=answers)],
        path,
        input_headers=["Company", "Website", "Owner"],
        fields=("hq_city",),
        questions=list(answers),
    )
    book = openpyxl.load_workbook(path)
    ws = book["Results"]
    headers = [c.value for c in ws[1]]
    assert headers[3:] == ["Rowscout status", "Researched at", "HQ city", *answers, "Sources", "Error"]
    assert ws.cell(2, 7).value == 3 and ws.cell(2, 8).value == "Yes" and ws.cell(1, 7).font.b
    lines = [[c.value for c in r] for r in book["Sources"].iter_rows(min_row=2)]
    assert [line[2:] for line in lines] == [
        ["HQ city", "Austin", "https://acme.example/contact", "json-ld"],
        ["How many offices?", "3", "https://acme.example/offices", "llm"],
    ]
    assert own_columns(headers, answers) == set(headers[3:])  # read back, the question columns are Rowscout's too


def test_sheet_cells_show_employees_and_phones_as_files_do() -> None:
    done = row(1, "Acme", phones=["4155550199"], hq_country="United States")
    texts = row_texts(done, ["employees", "phones", "hq_city"])
    assert (texts["employees"], texts["phones"], texts["hq_city"]) == ("11-50", "+14155550199", "Austin")
