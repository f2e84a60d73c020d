"""What the user picked in a spreadsheet: ``SheetSelection`` and the CLI's ``sheet:`` spec.

``sheet:SPREADSHEET_ID`` (first sheet, all of it), ``sheet:ID/Sheet1``,
``sheet:ID/Sheet1!A1:D200`` or several ranges joined by commas
(``sheet:ID/Sheet1!A2:D40,A60:D80``, as a user selects with Ctrl-click).
A full ``https://docs.google.com/spreadsheets/d/ID/...`` link works for the id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from service.domain.errors import InputError
from service.domain.sources import SheetSource
from service.sheets.a1 import A1Range, format_a1, parse_a1, quote_sheet, split_sheet

_URL_ID = re.compile(r"/spreadsheets/d/([A-Za-z0-9_-]+)")
_ID = re.compile(r"[A-Za-z0-9_-]{3,}")


@dataclass(frozen=True)
class SheetSelection:
    """A sheet and the ranges the user selected (none = the whole sheet).

    ``sheet_name`` "" means the first sheet. ``header_row`` is 1-based; None
    means "row 1, unless the selection itself starts at the header".
    """

    spreadsheet_id: str
    sheet_name: str
    ranges: tuple[str, ...] = ()
    header_row: int | None = None

    def parsed_ranges(self) -> list[A1Range]:
        """The selected ranges, each on this selection's sheet."""
        result = []
        for text in self.ranges:
            rng = parse_a1(text)
            if rng.sheet is not None and self.sheet_name and rng.sheet != self.sheet_name:
                raise InputError(f"range {text} is not on sheet {self.sheet_name!r}")
            result.append(rng.with_sheet(self.sheet_name) if self.sheet_name else rng)
        return result

    def a1(self, rng: A1Range) -> str:
        """A1 text for a range on this sheet (no sheet prefix when the sheet is "the first one")."""
        return format_a1(rng.with_sheet(self.sheet_name)) if self.sheet_name else format_a1(rng)

    @property
    def sheet_prefix(self) -> str:
        return quote_sheet(self.sheet_name) + "!" if self.sheet_name else ""


def parse_sheet_spec(spec: str) -> SheetSelection:
    """``sheet:ID[/Sheet1!A1:D200[,A300:D400]]`` → ``SheetSelection``; raises ``InputError``."""
    text = spec.strip()
    if not text.startswith("sheet:"):
        raise InputError(f"not a sheet spec (expected sheet:SPREADSHEET_ID[/Sheet1!A1:D200]): {spec}")
    text = text.removeprefix("sheet:")
    url = _URL_ID.search(text)
    if url:
        return SheetSelection(url[1], "")
    spreadsheet_id, _, rest = text.partition("/")
    if not _ID.fullmatch(spreadsheet_id):
        raise InputError(f"not a spreadsheet id: {spreadsheet_id!r}")
    if not rest:
        return SheetSelection(spreadsheet_id, "")
    return _with_ranges(spreadsheet_id, rest)


def _with_ranges(spreadsheet_id: str, rest: str) -> SheetSelection:
    first, *others = [part.strip() for part in rest.split(",")]
    sheet, cells = split_sheet(first)
    if sheet is None:
        raise InputError(f"name the sheet before the range, e.g. Sheet1!{first}")
    ranges = tuple(r for r in (cells, *others) if r)
    selection = SheetSelection(spreadsheet_id, sheet, ranges)
    selection.parsed_ranges()  # validate now, with a clear message
    return selection


def selection_of(source: SheetSource) -> SheetSelection:
    """The selection a job's sheet source names."""
    return SheetSelection(
        spreadsheet_id=source.spreadsheet_id,
        sheet_name=source.sheet_name,
        ranges=tuple(source.ranges),
        header_row=source.header_row or None,
    )
