"""Files too big to read: refused quickly with a size message, never read into memory.

The files are sparse (``truncate``): a "1 GB" CSV takes no disk space and no
time to make. Peak memory for these cases is measured by
``bench/bench_hostile.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from service.domain.errors import InputError
from service.files.readers import MAX_INPUT_BYTES, read_table


def _sparse(path: Path, head: bytes, size: int) -> Path:
    with path.open("wb") as handle:
        handle.write(head)
        handle.truncate(size)
    return path


@pytest.mark.timeout(30)
def test_a_1_gb_csv_is_refused_with_its_size(tmp_path: Path) -> None:
    path = _sparse(tmp_path / "big.csv", b"Company,Website\nAcme,acme.example\n", 2**30)
    with pytest.raises(InputError) as caught:
        read_table(path)
    assert "1.0 GB" in caught.value.message and "split it" in caught.value.message


@pytest.mark.timeout(60)
def test_a_csv_without_line_breaks_is_refused_not_held_in_memory(tmp_path: Path) -> None:
    path = _sparse(tmp_path / "one-line.csv", b"Company,Website\nAcme,", MAX_INPUT_BYTES - 1)
    with pytest.raises(InputError) as caught:
        table = read_table(path)
        for _ in table.records:
            pass
    assert "longer than" in caught.value.message


@pytest.mark.timeout(30)
def test_a_large_xlsx_is_refused_before_it_is_opened(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        read_table(_sparse(tmp_path / "big.xlsx", b"PK\x03\x04", MAX_INPUT_BYTES + 1))
    assert "split it" in caught.value.message
