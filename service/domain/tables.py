"""Tables in and out: the shapes shared by files (``service/files``) and sheets (``service/sheets``).

An input source (a CSV, an Excel file, a sheet selection) becomes an
``InputTable``: its headers, the detected ``ColumnMap`` and a stream of
``InputRecord``s.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from service.domain.model import CompanyInput
from service.domain.sources import ColumnMap


@dataclass(frozen=True)
class InputRecord:
    """One input row: its stable key, its 1-based position in the input, and its cells."""

    key: str
    position: int
    cells: dict[str, str]

    def company(self, columns: ColumnMap) -> CompanyInput:
        name = self.cells.get(columns.name, "") if columns.name else ""
        website = self.cells.get(columns.website, "") if columns.website else ""
        extra = {k: v for k, v in self.cells.items() if k not in (columns.name, columns.website)}
        return CompanyInput(name=name.strip(), website=website.strip(), extra=extra)


@dataclass
class InputTable:
    headers: list[str]
    columns: ColumnMap
    records: Iterable[InputRecord]
    warnings: list[str] = field(default_factory=list)


def column_letter(index: int) -> str:
    """The spreadsheet letter of a 0-based column index: 0 → A, 25 → Z, 26 → AA."""
    if index < 0:
        raise ValueError(f"negative column index {index}")
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(ord("A") + rem) + letters
    return letters


def column_index(letters: str) -> int:
    """The 0-based index of a column letter: A → 0, Z → 25, AA → 26."""
    value = 0
    for char in letters.upper():
        value = value * 26 + (ord(char) - ord("A") + 1)
    return value - 1
