"""A1 notation: parse and format sheet ranges (``'My sheet'!B2:D10``, ``A:C``, ``2:5``, ``Sheet1``).

Indexes are 0-based and end-exclusive like the Sheets API's ``GridRange``;
``None`` means "open" (to the edge of the grid).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from service.domain.errors import InputError
from service.domain.tables import column_index, column_letter

_CELL = re.compile(r"^([A-Za-z]*)(\d*)$")


@dataclass(frozen=True)
class A1Range:
    """A parsed A1 range; ``sheet`` is None when the text named no sheet."""

    sheet: str | None
    start_row: int | None = None
    end_row: int | None = None
    start_col: int | None = None
    end_col: int | None = None

    def with_sheet(self, sheet: str) -> A1Range:
        return A1Range(sheet, self.start_row, self.end_row, self.start_col, self.end_col)

    @property
    def first_row(self) -> int:
        return self.start_row or 0

    @property
    def first_col(self) -> int:
        return self.start_col or 0


def quote_sheet(name: str) -> str:
    """Quote a sheet name for A1 text when it needs it (``'My sheet'``; ``'`` doubled)."""
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) and not _looks_like_cells(name):
        return name
    return "'" + name.replace("'", "''") + "'"


def split_sheet(text: str) -> tuple[str | None, str]:
    """``'It''s'!A1`` → ("It's", "A1"); ``A1`` → (None, "A1"); ``Sheet1`` → ("Sheet1", "")."""
    text = text.strip()
    if text.startswith("'"):
        end = _closing_quote(text)
        sheet = text[1:end].replace("''", "'")
        rest = text[end + 1 :]
        if rest and not rest.startswith("!"):
            raise InputError(f"Unable to parse range: {text}")
        return sheet, rest[1:]
    if "!" in text:
        sheet, _, cells = text.rpartition("!")
        return sheet, cells
    if ":" in text or _looks_like_cells(text):
        return None, text
    return text, ""


def _closing_quote(text: str) -> int:
    i = 1
    while i < len(text):
        if text[i] == "'":
            if i + 1 < len(text) and text[i + 1] == "'":
                i += 2
                continue
            return i
        i += 1
    raise InputError(f"Unable to parse range: {text}")


def _looks_like_cells(text: str) -> bool:
    match = _CELL.match(text)
    return bool(match and match[2] and len(match[1]) <= 3)


def parse_a1(text: str) -> A1Range:
    """Parse A1 text; raises ``InputError`` for text that is not a range."""
    sheet, cells = split_sheet(text)
    if sheet == "" or text.strip().endswith("!"):
        raise InputError(f"Unable to parse range: {text}")
    if not cells:
        return A1Range(sheet)
    first, sep, last = cells.partition(":")
    c1, r1 = _parse_cell(first, text)
    c2, r2 = _parse_cell(last, text) if sep else (c1, r1)
    if (c1 is None) != (c2 is None) and sep and (r1 is None or r2 is None):
        raise InputError(f"Unable to parse range: {text}")
    start_row = r1
    end_row = None if r2 is None else r2 + 1
    start_col = c1
    end_col = None if c2 is None else c2 + 1
    if start_row is None and end_row is not None:
        start_row = 0
    if start_col is None and end_col is not None:
        start_col = 0
    if (end_row is not None and start_row is not None and end_row <= start_row) or (
        end_col is not None and start_col is not None and end_col <= start_col
    ):
        raise InputError(f"Unable to parse range: {text}")
    return A1Range(sheet, start_row, end_row, start_col, end_col)


def _parse_cell(cell: str, whole: str) -> tuple[int | None, int | None]:
    match = _CELL.match(cell.strip())
    if not match or not (match[1] or match[2]):
        raise InputError(f"Unable to parse range: {whole}")
    col = column_index(match[1]) if match[1] else None
    if match[2] and int(match[2]) < 1:
        raise InputError(f"Unable to parse range: {whole}")
    row = int(match[2]) - 1 if match[2] else None
    return col, row


def format_a1(rng: A1Range) -> str:
    """Format a range; open sides stay open (``A:C``, ``2:5``, ``A5:C``, ``Sheet1``)."""
    prefix = quote_sheet(rng.sheet) + "!" if rng.sheet is not None else ""
    rows_open = rng.start_row is None and rng.end_row is None
    cols_open = rng.start_col is None and rng.end_col is None
    if rows_open and cols_open:
        return quote_sheet(rng.sheet) if rng.sheet is not None else ""
    if rows_open:
        return f"{prefix}{column_letter(rng.first_col)}:{_end_col(rng)}"
    if cols_open:
        return f"{prefix}{rng.first_row + 1}:{_end_row(rng)}"
    return f"{prefix}{column_letter(rng.first_col)}{rng.first_row + 1}:{_end_col(rng)}{_end_row(rng)}"


def _end_col(rng: A1Range) -> str:
    return "" if rng.end_col is None else column_letter(rng.end_col - 1)


def _end_row(rng: A1Range) -> str:
    return "" if rng.end_row is None else str(rng.end_row)


def cell_range(sheet: str, row: int, col: int, end_row: int, end_col: int) -> str:
    """A bounded range from 0-based, end-exclusive indexes: ``'Sheet 1'!F12:K14``."""
    first = f"{column_letter(col)}{row + 1}"
    last = f"{column_letter(end_col - 1)}{end_row}"
    return f"{quote_sheet(sheet)}!{first}:{last}"
