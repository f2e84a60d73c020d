"""A1 parsing/formatting and the CLI's ``sheet:`` spec."""

from __future__ import annotations

import pytest

from service.domain.errors import InputError
from service.sheets.a1 import column_index, column_letter, format_a1, parse_a1, quote_sheet
from service.sheets.selection import parse_sheet_spec


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Sheet1!A1:D5", ("Sheet1", 0, 5, 0, 4)),
        ("'My sheet'!B2:C", ("My sheet", 1, None, 1, 3)),
        ("'It''s'!A1", ("It's", 0, 1, 0, 1)),
        ("A:C", (None, None, None, 0, 3)),
        ("2:5", (None, 1, 5, None, None)),
        ("Data", ("Data", None, None, None, None)),
        ("Sheet1", ("Sheet1", None, None, None, None)),
    ],
)
def test_parse_a1(text: str, expected: tuple[object, ...]) -> None:
    rng = parse_a1(text)
    assert (rng.sheet, rng.start_row, rng.end_row, rng.start_col, rng.end_col) == expected


@pytest.mark.parametrize("text", ["'My sheet'!B2:C", "A:C", "2:5", "Sheet1!A1:D5", "'It''s'!A5:C"])
def test_format_round_trips(text: str) -> None:
    assert format_a1(parse_a1(text)) == text


@pytest.mark.parametrize("text", ["Sheet1!", "Sheet1!B2:A1", "A0", "'unclosed!A1", "!A1"])
def test_bad_ranges_are_input_errors(text: str) -> None:
    with pytest.raises(InputError):
        parse_a1(text)


def test_columns_and_quoting() -> None:
    assert [column_letter(i) for i in (0, 25, 26, 701, 702)] == ["A", "Z", "AA", "ZZ", "AAA"]
    assert [column_index(s) for s in ("A", "Z", "AA", "ZZ", "AAA")] == [0, 25, 26, 701, 702]
    assert quote_sheet("Sheet1") == "Sheet1"
    assert quote_sheet("A1") == "'A1'"
    assert quote_sheet("Q3 leads") == "'Q3 leads'"


def test_sheet_specs() -> None:
    assert parse_sheet_spec("sheet:abc_123").sheet_name == ""
    whole = parse_sheet_spec("sheet:abc_123/Leads")
    assert (whole.spreadsheet_id, whole.sheet_name, whole.ranges) == ("abc_123", "Leads", ())
    ctrl = parse_sheet_spec("sheet:abc_123/'Q3 leads'!A2:D40,A60:D80")
    assert ctrl.sheet_name == "Q3 leads"
    assert [ctrl.a1(r) for r in ctrl.parsed_ranges()] == ["'Q3 leads'!A2:D40", "'Q3 leads'!A60:D80"]
    link = parse_sheet_spec("sheet:https://docs.google.com/spreadsheets/d/1aB-c_D/edit#gid=0")
    assert link.spreadsheet_id == "1aB-c_D"


@pytest.mark.parametrize("spec", ["file:x.csv", "sheet:", "sheet:ab/A1:D5", "sheet:abc/Leads!Z9:A1"])
def test_bad_specs(spec: str) -> None:
    with pytest.raises(InputError):
        parse_sheet_spec(spec)
