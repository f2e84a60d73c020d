"""Reading CSV (delimiters, encodings, BOMs), Excel and JSON into InputTables, and bad files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from service.domain.errors import InputError, SchemaError
from service.files.cells import MAX_CELL_CHARS, TRUNCATION_MARKER
from service.files.readers import read_table

ROWS = [["Company", "Website", "Country"], ["Acme", "acme.com", "France"], ["Société Générale", "sg.fr", "France"]]


def cells(path: Path, **kwargs: object) -> list[dict[str, str]]:
    return [r.cells for r in read_table(path, **kwargs).records]  # type: ignore[arg-type]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_csv_delimiters_are_sniffed(write_csv: Callable[..., Path], delimiter: str) -> None:
    rows = [*ROWS, ["Foo, Bar & Co", "foo.com", "Spain"]]
    path = write_csv(rows, delimiter=delimiter)
    assert cells(path)[2] == {"Company": "Foo, Bar & Co", "Website": "foo.com", "Country": "Spain"}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1252", "latin-1"])
def test_csv_encodings(write_csv: Callable[..., Path], encoding: str) -> None:
    rows = [*ROWS, ["Café Crème Ärger", "cafe.fr", "Österreich"]] * 1
    path = write_csv(rows, encoding=encoding)
    table = read_table(path)
    assert table.headers == ["Company", "Website", "Country"]  # no BOM left in the first header
    assert [r.cells["Company"] for r in table.records][1:] == ["Société Générale", "Café Crème Ärger"]


def test_excel_first_sheet_and_named_sheet(write_xlsx: Callable[..., Path]) -> None:
    path = write_xlsx(
        {
            "Leads": [
                ["Company", "Website", "Founded", "Score"],
                ["Acme", "acme.com", 2019.0, 0.5],
                [None, None, None, None],
                ["Globex", "globex.com", 1999, None],
            ],
            "Other": [["Organisation", "URL"], ["Initech", "initech.com"]],
        }
    )
    table = read_table(path)
    records = list(table.records)
    assert [(r.key, r.position) for r in records] == [("r000001", 1), ("r000003", 3)]
    assert records[0].cells == {"Company": "Acme", "Website": "acme.com", "Founded": "2019", "Score": "0.5"}
    assert records[1].cells["Score"] == ""
    assert cells(path, sheet="other") == [{"Organisation": "Initech", "URL": "initech.com"}]


def test_excel_unknown_sheet_lists_sheets(write_xlsx: Callable[..., Path]) -> None:
    path = write_xlsx({"Leads": ROWS})
    with pytest.raises(InputError, match="no sheet named 'Nope'; its sheets are: 'Leads'"):
        read_table(path, sheet="Nope")


def test_json_list_rows_object_and_jsonl(write_json: Callable[..., Path]) -> None:
    items = [
        {"company": "Acme", "website": "acme.com", "employees": 120.0, "tags": ["a"]},
        {"company": "Globex", "website": None, "extra": float("nan")},
    ]
    expected = [
        {"company": "Acme", "website": "acme.com", "employees": "120", "tags": '["a"]', "extra": ""},
        {"company": "Globex", "website": "", "employees": "", "tags": "", "extra": ""},
    ]
    assert cells(write_json(items)) == expected
    assert cells(write_json({"rows": items}, name="wrapped.json")) == expected
    assert cells(write_json(items, name="lines.jsonl")) == expected


def test_json_that_is_not_a_list_of_objects(write_json: Callable[..., Path]) -> None:
    with pytest.raises(InputError, match="must hold a list of objects"):
        read_table(write_json({"company": "Acme"}))
    with pytest.raises(InputError, match="item 2 is not an object"):
        read_table(write_json([{"company": "Acme"}, "Globex"]))


def test_header_less_csv_with_url_values(write_csv: Callable[..., Path]) -> None:
    path = write_csv([["Acme Corp", "https://acme.com"], ["Globex", "globex.com"], ["Initech", "initech.io"]])
    table = read_table(path)
    assert table.headers == ["Column 1", "Column 2"]
    assert (table.columns.name, table.columns.website) == ("Column 1", "Column 2")
    assert [r.cells["Column 1"] for r in table.records] == ["Acme Corp", "Globex", "Initech"]
    assert any("looks like data" in w for w in table.warnings)


def test_duplicate_and_blank_headers(write_csv: Callable[..., Path]) -> None:
    path = write_csv([["Name", "Website", "Name", ""], ["Acme", "acme.com", "Bob", "x"]])
    table = read_table(path)
    assert table.headers == ["Name", "Website", "Name (2)", "Column 4"]
    assert any("'Name (2)'" in w for w in table.warnings)
    assert next(iter(table.records)).cells["Name (2)"] == "Bob"


def test_ragged_rows_are_padded_and_extra_cells_get_a_column(write_csv: Callable[..., Path]) -> None:
    path = write_csv([["Company", "Website"], ["Acme"], ["Globex", "globex.com", "stray"]])
    table = read_table(path)
    assert table.headers == ["Company", "Website", "Column 3"]
    assert [r.cells for r in table.records] == [
        {"Company": "Acme", "Website": "", "Column 3": ""},
        {"Company": "Globex", "Website": "globex.com", "Column 3": "stray"},
    ]


def test_cells_beyond_the_columns_after_the_sample_are_warned(write_csv: Callable[..., Path]) -> None:
    rows = [["Company", "Website"], *([f"Firm {i}", f"firm{i}.com"] for i in range(300)), ["Late", "late.com", "x"]]
    table = read_table(write_csv(rows))
    last = list(table.records)[-1]
    assert last.cells == {"Company": "Late", "Website": "late.com"}
    assert any("beyond the last column were ignored (first in data row 301)" in w for w in table.warnings)


def test_nul_bytes_are_stripped_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "nul.csv"
    path.write_bytes(b"Company,Website\nAc\x00me,acme.com\nGlobex,glo\x00bex.com\n")
    table = read_table(path)
    assert [r.cells for r in table.records] == [
        {"Company": "Acme", "Website": "acme.com"},
        {"Company": "Globex", "Website": "globex.com"},
    ]
    assert any("NUL" in w for w in table.warnings)


def test_one_megabyte_cell_is_truncated_with_a_marker(write_csv: Callable[..., Path]) -> None:
    path = write_csv([["Company", "Website", "Notes"], ["Acme", "acme.com", "x" * 1_048_576]])
    table = read_table(path)
    notes = next(iter(table.records)).cells["Notes"]
    assert len(notes) == MAX_CELL_CHARS
    assert notes.endswith(TRUNCATION_MARKER)
    assert any("truncated" in w for w in table.warnings)


def test_ten_thousand_columns(write_csv: Callable[..., Path]) -> None:
    headers = ["Company", *(f"c{i}" for i in range(9_998)), "Website"]
    rows = [headers, *([f"Firm {n}", *(str(i) for i in range(9_998)), f"firm{n}.com"] for n in range(20))]
    table = read_table(write_csv(rows))
    assert len(table.headers) == 10_000
    assert (table.columns.name, table.columns.website) == ("Company", "Website")
    assert sum(1 for _ in table.records) == 20


def test_missing_empty_and_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        read_table(tmp_path / "nope.csv")
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(InputError, match="'empty.csv' is empty"):
        read_table(tmp_path / "empty.csv")
    (tmp_path / "blank.csv").write_bytes(b"\xef\xbb\xbf\r\n \r\n")
    with pytest.raises(InputError, match="is empty"):
        read_table(tmp_path / "blank.csv")
    with pytest.raises(InputError, match="not a file"):
        read_table(tmp_path)


def test_unsupported_and_broken_formats(tmp_path: Path) -> None:
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 100)
    with pytest.raises(InputError, match=r"\.xls\) files are not supported"):
        read_table(tmp_path / "old.xls")
    (tmp_path / "bad.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(InputError, match="could not open 'bad.xlsx' as an Excel workbook"):
        read_table(tmp_path / "bad.xlsx")
    (tmp_path / "bad.json").write_text("[{", encoding="utf-8")
    with pytest.raises(InputError, match="is not valid JSON"):
        read_table(tmp_path / "bad.json")
    (tmp_path / "blob.bin").write_bytes(bytes(range(1, 32)) * 100)
    with pytest.raises(InputError, match="not a format Rowscout can read"):
        read_table(tmp_path / "blob.bin")
    with pytest.raises(InputError, match="unknown file format 'pdf'"):
        read_table(tmp_path / "blob.bin", format="pdf")


def test_file_without_company_column(write_csv: Callable[..., Path]) -> None:
    with pytest.raises(SchemaError, match="headers are: 'Price', 'Qty'"):
        read_table(write_csv([["Price", "Qty"], ["3", "4"]]))


def test_header_only_file_has_no_records(write_csv: Callable[..., Path]) -> None:
    table = read_table(write_csv([["Company", "Website"]]))
    assert list(table.records) == []
    assert "no data rows" in table.warnings[-1]


def test_overrides_pass_through(write_csv: Callable[..., Path]) -> None:
    table = read_table(write_csv(ROWS), name_column="C", website_column="website")
    assert (table.columns.name, table.columns.website) == ("Country", "Website")


def test_records_can_be_iterated_twice(write_csv: Callable[..., Path]) -> None:
    table = read_table(write_csv(ROWS))
    expected = [dict(zip(ROWS[0], row, strict=True)) for row in ROWS[1:]]
    assert [r.cells for r in table.records] == expected
    assert [r.cells for r in table.records] == expected  # a second pass yields the same rows, not nothing


def test_bundled_example_reads() -> None:
    table = read_table(Path(__file__).parents[2] / "service" / "examples" / "companies.csv")
    records = list(table.records)
    assert (table.columns.name, table.columns.website) == ("Company", "Website")
    assert len(records) == 8 and "Owner" in records[0].cells


def test_excel_with_a_wrong_stored_used_range(write_xlsx: Callable[..., Path], tmp_path: Path) -> None:
    import re
    import zipfile

    good = write_xlsx({"Leads": ROWS})
    bad = tmp_path / "bad-dimension.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:A1"/>', data)
            dst.writestr(item, data)
    assert b'ref="A1:A1"' in zipfile.ZipFile(bad).read("xl/worksheets/sheet1.xml")
    assert cells(bad)[1] == {"Company": "Société Générale", "Website": "sg.fr", "Country": "France"}


def test_nul_and_huge_cells_in_json_are_cleaned(write_json: Callable[..., Path]) -> None:
    table = read_table(write_json([{"company": "Ac\u0000me", "website": "acme.com", "notes": "y" * 60_000}]))
    (record,) = list(table.records)
    assert record.cells["company"] == "Acme"
    assert len(record.cells["notes"]) == MAX_CELL_CHARS
    assert len(table.warnings) == 2
