"""Rowscout's own columns: ``Rowscout status``, ``Researched at``, one per field, ``Sources``.

Every job gets its own output columns, inserted to the right of the user's
data (the header row and the selected cells), so nothing of the user's is
ever written over: cells right of the insertion point move right, they are
not overwritten. A user's column is never reused because its header looks
like a field name; a header that collides with one of the user's gets
`` (Rowscout)`` appended. Each output column is tagged with column developer
metadata (``metadata.column_tag``), and so are the identity columns (company
name, website) and the user columns named in an explicit ``column_map``
(field → header text or column letter), which Rowscout only fills where
empty. ``plan_columns`` returns the layout and the ``batchUpdate`` requests
(insert, headers, tags) for the caller to send with the row tags.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from service.domain.errors import InputError
from service.domain.labels import LABELS, RESEARCHED_AT, SOURCES, STATUS, label, own_header
from service.domain.sources import SheetColumns
from service.domain.tables import column_index, column_letter
from service.sheets.google_api import JsonDict
from service.sheets.metadata import NAME, WEBSITE, column_tag, column_value

DEFAULT_HEADERS = LABELS  # the one header vocabulary (service.domain.labels), shared with the file writers
_LETTERS = re.compile(r"[A-Za-z]{1,3}")


def default_header(name: str) -> str:
    return label(name)


def outputs_of(fields: Sequence[str]) -> list[str]:
    """Every output of a job, in column order."""
    return [STATUS, RESEARCHED_AT, *fields, SOURCES]


@dataclass(frozen=True)
class SheetGrid:
    """What submit learned about the tab: its id, grid width, header row and the user's columns."""

    sheet_id: int
    column_count: int
    header_row: int  # 1-based
    headers: Sequence[str]  # the header row's texts, by 0-based column
    data_width: int  # columns used by the header row or the selected data
    inputs: Mapping[str, int]  # NAME / WEBSITE → 0-based column (the detected identity columns)


def plan_columns(
    grid: SheetGrid, fields: Sequence[str], *, job_id: str, column_map: Mapping[str, str] | None = None
) -> tuple[SheetColumns, list[JsonDict]]:
    """The job's layout and the requests that make it: insert own columns, write headers, tag columns.

    Raises:
        InputError: a ``column_map`` entry names an unknown field or column, or an identity column.
    """
    mapped = _mapped_columns(grid, fields, column_map or {})
    own = [name for name in outputs_of(fields) if name not in mapped]
    taken = {_norm(text) for text in grid.headers if text.strip()}
    start = max([grid.data_width, *(column + 1 for column in mapped.values())])  # right of every column we read
    columns = {name: start + offset for offset, name in enumerate(own)}
    headers = {name: _own_header(name, taken) for name in own}
    headers.update({name: _header_at(grid.headers, column) for name, column in mapped.items()})
    requests = _insert(grid, start, len(own))
    requests += [_header_cell(grid, columns[name], headers[name]) for name in own]
    tagged = {**columns, **mapped, **grid.inputs}
    requests += [column_tag(grid.sheet_id, column, column_value(job_id, name)) for name, column in tagged.items()]
    layout = SheetColumns(
        sheet_id=grid.sheet_id,
        header_row=grid.header_row,
        columns={**columns, **mapped},
        created=tuple(headers[name] for name in own),
        inputs=dict(grid.inputs),
        mapped=tuple(mapped),
        headers=headers,
    )
    return layout, requests


def tagged_columns(job_id: str, layout: SheetColumns) -> dict[str, str]:
    """Output (and identity column) → its column tag value, for every column the job tagged."""
    names = [*layout.columns, *(name for name in (NAME, WEBSITE) if name in layout.inputs)]
    return {name: column_value(job_id, name) for name in names}


def new_column_headers(
    fields: Sequence[str], headers: Sequence[str], column_map: Mapping[str, str] | None = None
) -> list[str]:
    """The headers of the columns a job adds to a tab whose header row holds ``headers``, in order.

    The same texts ``plan_columns`` writes (a header the user already has gets `` (Rowscout)``);
    fields written into the user's own columns (``column_map``) add no column. For previews, which
    know the headers of the columns holding data (a header over an empty column is not seen).
    """
    taken = {_norm(text) for text in headers if text.strip()}
    mapped = set(column_map or {})
    return [_own_header(name, taken) for name in outputs_of(fields) if name not in mapped]


def _mapped_columns(grid: SheetGrid, fields: Sequence[str], column_map: Mapping[str, str]) -> dict[str, int]:
    mapped: dict[str, int] = {}
    for name, wanted in column_map.items():
        if name not in fields:
            raise InputError(f"column_map: {name!r} is not one of the fields being researched")
        column = _find_column(grid.headers, wanted)
        if column is None:
            raise InputError(f"column_map: no column {wanted!r} in the header row for {name}")
        if column in grid.inputs.values():
            raise InputError(f"column_map: {wanted!r} holds the company name or website; pick another column")
        if column in mapped.values():
            raise InputError(f"column_map: two fields are mapped to column {wanted!r}")
        mapped[name] = column
    return mapped


def _find_column(headers: Sequence[str], wanted: str) -> int | None:
    by_header = [c for c, text in enumerate(headers) if text.strip() and _norm(text) == _norm(wanted)]
    if by_header:
        return by_header[0]
    if _LETTERS.fullmatch(wanted.strip()):
        return column_index(wanted.strip().upper())
    return None


def _header_at(headers: Sequence[str], column: int) -> str:
    return (headers[column] if column < len(headers) else "").strip() or f"column {column_letter(column)}"


def _own_header(name: str, taken: set[str]) -> str:
    return own_header(name, taken)


def _insert(grid: SheetGrid, start: int, count: int) -> list[JsonDict]:
    if not count:
        return []
    if start >= grid.column_count:
        length = start + count - grid.column_count
        return [{"appendDimension": {"sheetId": grid.sheet_id, "dimension": "COLUMNS", "length": length}}]
    dimension_range = {"sheetId": grid.sheet_id, "dimension": "COLUMNS", "startIndex": start, "endIndex": start + count}
    return [{"insertDimension": {"range": dimension_range, "inheritFromBefore": False}}]


def _header_cell(grid: SheetGrid, column: int, text: str) -> JsonDict:
    cell = {"values": [{"userEnteredValue": {"stringValue": text}}]}
    start = {"sheetId": grid.sheet_id, "rowIndex": grid.header_row - 1, "columnIndex": column}
    return {"updateCells": {"rows": [cell], "fields": "userEnteredValue", "start": start}}


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()
