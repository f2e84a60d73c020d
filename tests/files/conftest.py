"""Helpers for the files tests: build input files of every format in a temp folder."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from openpyxl import Workbook

DATA = Path(__file__).parent / "data"


def csv_text(rows: Sequence[Sequence[object]], delimiter: str = ",") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    def write(
        rows: Sequence[Sequence[object]], *, name: str = "in.csv", delimiter: str = ",", encoding: str = "utf-8"
    ) -> Path:
        path = tmp_path / name
        path.write_bytes(csv_text(rows, delimiter).encode(encoding))
        return path

    return write


@pytest.fixture
def write_xlsx(tmp_path: Path) -> Callable[..., Path]:
    def write(sheets: dict[str, Sequence[Sequence[object]]], *, name: str = "in.xlsx") -> Path:
        workbook = Workbook()
        workbook.remove(workbook.active)
        for title, rows in sheets.items():
            sheet = workbook.create_sheet(title)
            for row in rows:
                sheet.append(list(row))
        path = tmp_path / name
        workbook.save(path)
        return path

    return write


@pytest.fixture
def write_json(tmp_path: Path) -> Callable[..., Path]:
    def write(data: object, *, name: str = "in.json") -> Path:
        path = tmp_path / name
        if name.endswith(".jsonl"):
            path.write_text("".join(json.dumps(item) + "\n" for item in data), encoding="utf-8")  # type: ignore[attr-defined]
        else:
            path.write_text(json.dumps(data), encoding="utf-8")
        return path

    return write
