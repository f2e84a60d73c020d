"""Custom questions in the outputs: a sheet column headed by the question (RAW, user cells kept), and files."""

from __future__ import annotations

import csv
import io

from service.domain import CompanyProfile, JobOptions, Row, RowState
from service.domain.question_specs import parse_questions
from service.domain.questions import Answer, AnswerKind, AnswerMethod
from service.domain.sources import SheetSource
from service.files.formats import FileFormat
from service.files.output import ResultColumns
from service.files.writers import write_table
from service.sheets.google_api import GoogleSheetsApi
from service.sheets.prepare import prepare_sheet
from service.sheets.sink import SheetResultSink
from tests.fakes.sheets_server import FakeClock, FakeSheetsServer
from tests.sheets.conftest import api, clock, companies, make_api, server  # noqa: F401
from tests.sheets.helpers import NOW, company, job

API_Q, CEO_Q = "Do they offer an API?", "CEO"
OPTIONS = JobOptions(fields=("industry",), questions=parse_questions([API_Q, CEO_Q]))
URL = "https://company0000.example/docs"


def _row(key: str, *, ceo: str = '=HYPERLINK("http://evil.example")') -> Row:
    answers = {
        API_Q: Answer(True, URL, "Our REST API is documented here.", AnswerMethod.LLM, AnswerKind.YES_NO),
        CEO_Q: Answer(ceo, URL, ceo, AnswerMethod.EVIDENCE, AnswerKind.TEXT),
    }
    profile = CompanyProfile(name="Company 0000", industry="Software", answers=answers)
    return Row("job1", key, 1, company("Company 0000"), state=RowState.DONE, result=profile, researched_at=NOW)


def _sheet(fake: FakeSheetsServer) -> tuple[list[str], list[str]]:
    header, first, *_ = fake.values("s", "Sheet1")
    return header, first


def test_a_sheet_gets_one_column_per_question_written_raw(
    server: FakeSheetsServer,  # noqa: F811
    api: GoogleSheetsApi,  # noqa: F811
    clock: FakeClock,  # noqa: F811
) -> None:
    rows = companies(1)
    rows[0].append("CEO")  # the user already has a "CEO" column: ours gets " (Rowscout)", theirs is never written
    rows[1].append("Ada (typed by the user)")
    server.create_spreadsheet("s", {"Sheet1": rows})
    prepared = prepare_sheet(api, SheetSource("s", sheet_name="Sheet1"), OPTIONS.outputs, key_prefix="job1")
    sink = SheetResultSink(api, prepared.source, clock=clock)
    sink.write(job(), [_row(prepared.table.records[0].key)])  # type: ignore[index]
    sink.close()
    header, first = _sheet(server)
    cells = dict(zip(header, first, strict=False))
    assert header[3] == "CEO" and cells["CEO"] == "Ada (typed by the user)"
    assert cells[API_Q] == "Yes"
    assert cells["CEO (Rowscout)"] == 'Evidence: “=HYPERLINK("http://evil.example")”'
    assert f"{URL} ({API_Q}, {CEO_Q})" in cells["Sources"]
    assert all(w.body.get("valueInputOption", "RAW") == "RAW" for w in server.writes)


def test_a_file_gets_the_question_column_and_its_source_line() -> None:
    columns = ResultColumns.build(["Company", "Website"], OPTIONS.fields, questions=[q.text for q in OPTIONS.questions])
    out = io.BytesIO()
    write_table(out, FileFormat.CSV, columns, [_row("k", ceo="Ada Park")])
    header, line = list(csv.reader(io.StringIO(out.getvalue().decode("utf-8-sig"))))
    cells = dict(zip(header, line, strict=True))
    assert cells[API_Q] == "Yes" and cells[CEO_Q] == "Evidence: “Ada Park”"
    assert f"{API_Q}: {URL} (llm)" in cells["Sources"]
