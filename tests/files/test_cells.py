"""The one cells module: formula guard, XML-illegal characters, and one truncation for sheets and files."""

from __future__ import annotations

import pytest

from service.domain import CompanyInput, CompanyProfile, Row, RowState
from service.files.cells import (
    FORMULA_PREFIXES,
    SHEETS_MAX_CELL_CHARS,
    TRUNCATION_MARKER,
    XLSX_MAX_CELL_CHARS,
    CellCleaner,
    WarningLog,
    csv_cell,
    looks_like_formula,
    truncate,
    xlsx_text,
)
from service.sheets.cells import row_cells
from service.sheets.layout import RESEARCHED_AT, SOURCES, STATUS

FORMULAS = ["=1+1", "+1", "-1", "@SUM(A1)", "\tX", "\rX"]


@pytest.mark.parametrize("text", FORMULAS)
def test_formula_looking_text_gets_a_quote_in_csv(text: str) -> None:
    assert looks_like_formula(text)
    assert csv_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["Acme", "a=b", "", " =1", "\nX", "'=1", "1-2"])
def test_plain_text_is_left_alone_in_csv(text: str) -> None:
    assert csv_cell(text) == text


def test_every_prefix_is_guarded() -> None:
    assert set(FORMULA_PREFIXES) == {"=", "+", "-", "@", "\t", "\r"}


def test_xlsx_text_drops_xml_illegal_characters_but_keeps_whitespace() -> None:
    assert xlsx_text("Bell\x07Co\x00\x1f") == "BellCo"
    assert xlsx_text("a\tb\nc\rd") == "a\tb\nc\rd"


def test_truncate_keeps_short_text_and_cuts_long_text_to_the_limit_with_the_marker() -> None:
    assert truncate("x" * 100, 100) == "x" * 100
    cut = truncate("abc" * 100, 100)
    assert len(cut) == 100 and cut.endswith(TRUNCATION_MARKER) and cut.startswith("abcabc")
    assert truncate("x" * 10, 5) == "xxxxx"  # a limit shorter than the marker still holds


def test_xlsx_text_is_cut_at_excels_limit() -> None:
    text = xlsx_text("y" * 40_000)
    assert len(text) == XLSX_MAX_CELL_CHARS == 32_767 and text.endswith(TRUNCATION_MARKER)


def _done_row(description: str) -> Row:
    profile = CompanyProfile(name="Acme", website="https://acme.com/", description=description)
    return Row(
        job_id="j",
        key="r1",
        position=1,
        input=CompanyInput(name="Acme", website="acme.com"),
        state=RowState.DONE,
        result=profile,
    )


def test_sheet_cells_file_cells_and_input_cells_end_with_the_same_marker() -> None:
    long = "d" * 60_000
    columns = {STATUS: 0, RESEARCHED_AT: 1, "description": 2, SOURCES: 3}
    sheet_cell = row_cells(_done_row(long), columns)[2]
    file_cell = xlsx_text(long)
    input_cell = CellCleaner(WarningLog()).clean(long, where="row 1")
    assert sheet_cell is not None and len(sheet_cell) == SHEETS_MAX_CELL_CHARS == 50_000
    for cell in (sheet_cell, file_cell, input_cell):
        assert cell.endswith(TRUNCATION_MARKER) and cell[: -len(TRUNCATION_MARKER)].strip("d") == ""
