"""Choosing which input rows a job researches: ``--rows 2-40,57`` and ``--where Country=France``.

Row numbers are the 1-based data-row positions of ``InputRecord.position``.
``select`` streams: it stops reading the input once past the last wanted row.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from service.domain.errors import InputError
from service.domain.tables import InputRecord
from service.files.headers import format_headers

_PART_RE = re.compile(r"^(\d+)(?:\s*-\s*(\d*))?$")


@dataclass(frozen=True)
class RowSelector:
    """A set of 1-based row positions, as inclusive ranges (``end`` None = to the last row)."""

    ranges: tuple[tuple[int, int | None], ...]

    def __contains__(self, position: object) -> bool:
        if not isinstance(position, int):
            return False
        return any(start <= position and (end is None or position <= end) for start, end in self.ranges)

    @property
    def last(self) -> int | None:
        """The highest wanted position, or None when a range is open-ended."""
        ends = [end for _, end in self.ranges]
        return None if None in ends else max(e for e in ends if e is not None)


def parse_rows_spec(spec: str) -> RowSelector:
    """Parse ``"2-40,57"`` (also ``"100-"`` for 100 to the end).

    Raises:
        InputError: empty spec, not numbers, a row 0, or a reversed range.
    """
    parts = [p.strip() for p in spec.split(",")]
    if not spec.strip() or not all(parts):
        raise InputError(f"row selection {spec!r} is empty or has an empty part (use e.g. 2-40,57)")
    return RowSelector(tuple(_parse_part(p) for p in parts))


def _parse_part(part: str) -> tuple[int, int | None]:
    match = _PART_RE.match(part)
    if not match:
        raise InputError(f"{part!r} is not a row number or range (use e.g. 2-40,57)")
    start = int(match.group(1))
    end = None if match.group(2) == "" else int(match.group(2) or start)
    if start < 1 or (end is not None and end < 1):
        raise InputError(f"row {part!r}: rows are numbered from 1 (the first row under the header)")
    if end is not None and end < start:
        raise InputError(f"row range {part!r} is reversed; write {end}-{start}")
    return start, end


@dataclass(frozen=True)
class RowFilter:
    """Keep rows whose ``column`` equals ``value`` (case-insensitive), or differs with ``negate``."""

    column: str
    value: str
    negate: bool = False

    def matches(self, record: InputRecord) -> bool:
        cell = _cell(record, self.column)
        return (cell.strip().casefold() == self.value.casefold()) != self.negate


def parse_filter(text: str) -> RowFilter:
    """Parse ``"Country=France"`` or ``"Country!=France"``.

    Raises:
        InputError: no ``=``, or no column name before it.
    """
    negate = "!=" in text
    column, sep, value = text.partition("!=" if negate else "=")
    if not sep or not column.strip():
        raise InputError(f"filter {text!r} must look like Column=value (e.g. Country=France)")
    return RowFilter(column=column.strip(), value=value.strip(), negate=negate)


def check_filters(filters: Sequence[RowFilter], headers: Sequence[str]) -> None:
    """Raise InputError when a filter names a column the input does not have."""
    known = {h.casefold() for h in headers}
    for row_filter in filters:
        if row_filter.column.casefold() not in known:
            raise InputError(f"filter column {row_filter.column!r} not found; columns are: {format_headers(headers)}")


def select(
    records: Iterable[InputRecord],
    *,
    rows: RowSelector | None = None,
    filters: Sequence[RowFilter] = (),
    headers: Sequence[str] | None = None,
) -> Iterator[InputRecord]:
    """The records in ``rows`` that pass every filter (ANDed), streamed in input order."""
    if headers is not None:
        check_filters(filters, headers)
    last = rows.last if rows else None
    for record in records:
        if last is not None and record.position > last:
            return
        if rows is not None and record.position not in rows:
            continue
        if all(f.matches(record) for f in filters):
            yield record


def _cell(record: InputRecord, column: str) -> str:
    if column in record.cells:
        return record.cells[column]
    wanted = column.casefold()
    return next((v for k, v in record.cells.items() if k.casefold() == wanted), "")


@dataclass(frozen=True)
class RowPick:
    """Which rows of an input a job takes: ``--rows`` and ``--filter`` as one plain value."""

    rows: RowSelector | None = None
    filters: tuple[RowFilter, ...] = ()

    @classmethod
    def parse(cls, rows: str | None, filters: Sequence[str] = ()) -> RowPick:
        """``RowPick.parse("2-40,57", ["Country=DE"])``; raises InputError on a bad spec."""
        return cls(parse_rows_spec(rows) if rows else None, tuple(parse_filter(text) for text in filters))

    def __call__(self, records: Iterable[InputRecord]) -> Iterator[InputRecord]:
        return select(records, rows=self.rows, filters=self.filters)
