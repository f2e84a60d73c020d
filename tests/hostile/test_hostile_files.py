"""Hostile input files: every one is read correctly or refused with a clear ``InputError``.

The corpus is generated into a temporary folder by the tests themselves:
wrong encodings, BOMs, NUL bytes, 10,000 columns, formula cells, huge cells,
duplicate headers, a binary file named ``.csv``, a zip-bomb-like ``.xlsx``,
deeply nested and malformed JSON. Nothing else may escape (no traceback),
and formulas read from the input stay text in every output format.
How long each file takes (and its peak memory) is measured by
``bench/bench_hostile.py`` beside a plain stdlib/openpyxl read, not asserted here.
"""

from __future__ import annotations

import csv
import io
import json
import random
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from service.domain import CompanyInput, Job, JobOptions, JobState, Row, RowState
from service.domain.errors import InputError
from service.domain.tables import InputTable
from service.files.cells import MAX_CELL_CHARS
from service.files.readers import read_table
from service.files.writers import export_rows

Maker = Callable[[Path], Path]


def _bytes(name: str, data: bytes) -> Maker:
    def make(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(data)
        return path

    return make


def _noise(size: int) -> bytes:
    return random.Random(size).randbytes(size)


def _csv_text(header: list[str], rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def _xlsx(name: str, header: list[str], rows: list[list[object]]) -> Maker:
    def make(folder: Path) -> Path:
        book = Workbook()
        sheet = book.active
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        path = folder / name
        book.save(path)
        return path

    return make


def _zip_bomb(folder: Path) -> Path:
    """A tiny .xlsx whose sheet XML inflates to ~50 MB of one repeated cell."""
    path = folder / "bomb.xlsx"
    _xlsx("seed.xlsx", ["Company"], [["Acme"]])(folder)
    with zipfile.ZipFile(folder / "seed.xlsx") as seed, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bomb:
        for item in seed.infolist():
            data = seed.read(item.filename)
            if item.filename.endswith("sheet1.xml"):
                row = b'<row r="2"><c r="A2" t="inlineStr"><is><t>' + b"A" * 1000 + b"</t></is></c></row>"
                data = data.replace(b"</sheetData>", row * 50_000 + b"</sheetData>")
            bomb.writestr(item, data)
    return path


def _sheet_rows(name: str, rows: bytes, *, stored: bool = False) -> Maker:
    """A small .xlsx whose sheet gets ``rows`` appended as raw XML (``stored``: not compressed)."""

    def make(folder: Path) -> Path:
        path = folder / name
        seed = _xlsx(f"seed-{name}", ["Company"], [["Acme"]])(folder)
        compression = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
        with zipfile.ZipFile(seed) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
            for item in source.infolist():
                data = source.read(item.filename)
                if item.filename.endswith("sheet1.xml"):
                    out.writestr(item.filename, data.replace(b"</sheetData>", rows + b"</sheetData>"), compression)
                else:
                    out.writestr(item, data)
        return path

    return make


ROW_TWO = b'<row r="2"><c r="A2" t="inlineStr"><is><t>Acme</t></is></c></row>'


def _nested_json(folder: Path) -> Path:
    path = folder / "nested.json"
    depth = 100_000
    path.write_text('[{"Company": "Acme", "deep": ' + "[" * depth + "]" * depth + "}]", encoding="utf-8")
    return path


CAFE = "Café Müller Rösterei"
GOOD = _csv_text(["Company", "Website"], [[CAFE, "cafe.example"], ["Acme GmbH", "acme.example"]])

# name -> (maker, expected company names or None when an InputError is the right answer)
CORPUS: dict[str, object] = {
    "utf8-bom": (_bytes("bom.csv", b"\xef\xbb\xbf" + GOOD.encode()), [CAFE, "Acme GmbH"]),
    "cp1252": (_bytes("cp1252.csv", GOOD.encode("cp1252")), [CAFE, "Acme GmbH"]),
    "latin-1": (_bytes("latin1.csv", GOOD.encode("latin-1")), [CAFE, "Acme GmbH"]),
    "utf-16-bom": (_bytes("utf16.csv", GOOD.encode("utf-16")), [CAFE, "Acme GmbH"]),
    "nul-bytes": (_bytes("nul.csv", GOOD.replace("Acme GmbH", "Ac\x00me GmbH").encode()), [CAFE, "Acme GmbH"]),
    "ten-thousand-columns": (
        _bytes(
            "wide.csv", _csv_text(["Company", *(f"c{i}" for i in range(10_000))], [["Acme", *"x" * 10_000]]).encode()
        ),
        ["Acme"],
    ),
    "duplicate-headers": (_bytes("dup.csv", b"Company,Company,Website,Website\nAcme,Other,acme.example,x\n"), None),
    "binary-named-csv": (_bytes("binary.csv", _noise(4096) + b"\x00" * 100), None),
    "png-named-csv": (_bytes("image.csv", b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + _noise(500)), None),
    "zip-named-csv": (_bytes("archive.csv", b"PK\x03\x04" + _noise(300)), None),
    "empty": (_bytes("empty.csv", b""), None),
    "only-bom-and-nuls": (_bytes("nothing.csv", b"\xef\xbb\xbf\x00\x00\r\n"), None),
    "csv-named-xlsx": (_bytes("text.xlsx", GOOD.encode()), None),
    "truncated-xlsx": (_bytes("truncated.xlsx", b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + _noise(64)), None),
    "json-not-a-list": (_bytes("obj.json", b'{"Company": "Acme"}'), None),
    "json-malformed": (_bytes("bad.json", b'[{"Company": "Acme"'), None),
    "json-deeply-nested": (_nested_json, None),
    "jsonl-garbage-line": (_bytes("rows.jsonl", b'{"Company": "Acme"}\n\xff\xfe not json\n'), None),
    "xlsx-formulas-and-types": (
        _xlsx("types.xlsx", ["Company", "Founded"], [["=1+1", 2019.0], [datetime(2020, 1, 2), None], ["Acme", True]]),
        None,  # checked in its own test below
    ),
    "xlsx-zip-bomb": (_zip_bomb, None),
    "xlsx-2m-empty-rows": (_sheet_rows("empty-rows.xlsx", b"<row/>" * 2_000_000), None),
    "xlsx-2m-empty-rows-stored": (_sheet_rows("empty-stored.xlsx", b"<row/>" * 2_000_000, stored=True), None),
    "xlsx-200k-rows-numbered-2": (_sheet_rows("row-two.xlsx", ROW_TWO * 200_000), None),
    "xlsx-200k-rows-numbered-2-stored": (_sheet_rows("row-two-stored.xlsx", ROW_TWO * 200_000, stored=True), None),
    "xlsx-row-past-the-limit": (_sheet_rows("far.xlsx", ROW_TWO.replace(b"2", b"9999999")), None),
}


def read_all(path: Path) -> tuple[InputTable, list[dict[str, str]]]:
    table = read_table(path)
    return table, [record.cells for record in table.records]


def _cases() -> list[object]:
    return [
        pytest.param(value.values[0], id=name, marks=value.marks)
        if hasattr(value, "marks")
        else pytest.param(value, id=name)
        for name, value in sorted(CORPUS.items())
    ]


@pytest.mark.parametrize("case", _cases())
def test_each_file_is_read_or_refused_clearly(case: tuple[Maker, list[str] | None], tmp_path: Path) -> None:
    maker, expected = case
    path = maker(tmp_path)
    try:
        table, cells = read_all(path)
    except InputError as error:
        assert error.message and "Traceback" not in error.message and len(error.message) < 400
        assert error.message.isprintable(), f"unreadable message: {error.message[:120]!r}"
        assert expected is None, f"refused but should be read: {error.message}"
        return
    assert all("\x00" not in value for row in cells for value in row.values())
    if expected is not None:
        assert [row[table.columns.name or ""] for row in cells] == expected


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"PK\x03\x04" + _noise(300), id="zip"),
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + _noise(500), id="png"),
        pytest.param(_noise(4096) + b"\x00" * 100, id="random-bytes"),
        pytest.param(b"%PDF-1.7\n" + _noise(2000), id="pdf"),
    ],
)
def test_binary_files_named_csv_are_refused_as_not_text(data: bytes, tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        read_all(_bytes("upload.csv", data)(tmp_path))
    message = caught.value.message
    assert "not .csv text" in message or "binary" in message or "not a text" in message, message


def test_duplicate_headers_are_kept_apart(tmp_path: Path) -> None:
    table, cells = read_all(
        _bytes("dup.csv", b"Company,Company,Website,Website\nAcme,Other,acme.example,x\n")(tmp_path)
    )
    assert len(set(table.headers)) == 4
    assert sorted(cells[0].values()) == sorted(["Acme", "Other", "acme.example", "x"])


def test_huge_cells_are_capped_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    path.write_text(_csv_text(["Company", "Notes"], [["Acme", "x" * 5_000_000]]), encoding="utf-8")
    table, cells = read_all(path)
    assert cells[0]["Company"] == "Acme"
    assert len(cells[0]["Notes"]) <= MAX_CELL_CHARS + 100
    assert table.warnings


@pytest.mark.parametrize(
    ("case", "says"),
    [
        ("xlsx-zip-bomb", "zip bomb"),
        ("xlsx-2m-empty-rows", "zip bomb"),
        ("xlsx-2m-empty-rows-stored", "more than 300,000 rows"),
        ("xlsx-200k-rows-numbered-2", "zip bomb"),
        ("xlsx-200k-rows-numbered-2-stored", "row 2 comes after row 2"),
        ("xlsx-row-past-the-limit", "is damaged"),
    ],
)
@pytest.mark.timeout(60)
def test_hostile_workbooks_are_refused_with_the_reason(case: str, says: str, tmp_path: Path) -> None:
    maker, _ = CORPUS[case]  # type: ignore[misc]
    with pytest.raises(InputError) as caught:
        read_all(maker(tmp_path))
    assert says in caught.value.message, caught.value.message


def test_nul_bytes_are_reported(tmp_path: Path) -> None:
    table, _ = read_all(_bytes("nul.csv", GOOD.replace("Acme GmbH", "Ac\x00me GmbH").encode())(tmp_path))
    assert any("NUL" in w or "null" in w.lower() for w in table.warnings), table.warnings


def _row(name: str, extra: dict[str, str]) -> Row:
    return Row("job", "r000001", 1, CompanyInput(name, "", extra), state=RowState.DONE)


def _job() -> Job:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    return Job("job", "o", "hostile", {}, JobOptions(fields=("industry",)), JobState.COMPLETED, now, now)


FORMULAS = ['=HYPERLINK("http://evil.example","click")', "+SUM(1,1)", "-2+3", "@cmd|' /C calc'!A0", "=1+1"]


@pytest.mark.parametrize("formula", FORMULAS)
@pytest.mark.parametrize("fmt", ["xlsx", "csv", "json"])
def test_formula_cells_stay_text_in_every_output(formula: str, fmt: str, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text(_csv_text(["Company", "Notes"], [[formula, formula]]), encoding="utf-8")
    table, cells = read_all(source)
    assert cells[0]["Notes"] == formula  # read as text, never evaluated
    out = tmp_path / f"out.{fmt}"
    row = _row(formula, {"Notes": formula})
    export_rows([row], out, input_headers=table.headers, fields=("industry",), columns=table.columns)
    if fmt == "xlsx":
        sheet = load_workbook(out).active
        cells_out = [c for r in sheet.iter_rows() for c in r if c.value and str(c.value).lstrip("'") == formula]
        assert cells_out and all(c.data_type == "s" for c in cells_out)
    elif fmt == "csv":
        with out.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert rows[0]["Notes"] == "'" + formula
    else:
        assert json.loads(out.read_text(encoding="utf-8"))[0]["input"]["Notes"] == formula


def test_xlsx_formula_cells_are_read_as_text(tmp_path: Path) -> None:
    maker = _xlsx(
        "types.xlsx", ["Company", "Founded"], [["=1+1", 2019.0], [datetime(2020, 1, 2), None], ["Acme", True]]
    )
    table, cells = read_all(maker(tmp_path))
    names = [row[table.columns.name or "Company"] for row in cells]
    # the formula text, Excel's cached value, or empty when no app computed it: never evaluated by us
    assert names[0] in ("=1+1", "2", "")
    assert names[2] == "Acme" and cells[0]["Founded"] == "2019"


def test_formula_cells_without_a_saved_result_are_reported(tmp_path: Path) -> None:
    maker = _xlsx("unsaved.xlsx", ["Company", "Website"], [['=CONCAT("Ac","me")', "acme.com"], ["Globex", "g.com"]])
    table = read_table(maker(tmp_path))
    list(table.records)
    assert any("1 formula cell(s) have no saved result" in warning for warning in table.warnings)
