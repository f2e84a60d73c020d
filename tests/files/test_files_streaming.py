"""A 100,000-row CSV streams: records come lazily, straight from the file."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from service.files.readers import read_table

ROWS = 100_000


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "big.csv"
    lines = (f"Company {i},company{i}.com,Owner {i % 7},note {i}\n" for i in range(ROWS))
    path.write_text("Company,Website,Owner,Notes\n" + "".join(lines), encoding="utf-8")
    return path


def test_records_are_read_lazily(big_csv: Path, tmp_path: Path) -> None:
    copy = tmp_path / "growing.csv"
    copy.write_bytes(big_csv.read_bytes())
    records = iter(read_table(copy).records)
    first = list(itertools.islice(records, 10))
    assert [r.key for r in first[:2]] == ["r000001", "r000002"]
    with copy.open("a", encoding="utf-8") as handle:  # rows appended now are seen only by a lazy reader
        handle.write("Appended Ltd,appended.com,Zoe,late\n")
    rest = list(records)
    assert len(first) + len(rest) == ROWS + 1
    assert rest[-1].cells["Company"] == "Appended Ltd"
    assert rest[-1].key == "r100001"
