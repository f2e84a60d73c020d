"""The shape of an output table: input columns, then status, researched_at, the fields, sources, error.

Every input column is kept, in its original order. A result column whose name
an input column already uses (case-insensitive) is written as
``rowscout_<name>`` so no input data is ever overwritten.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from service.domain import PROFILE_FIELDS, Row
from service.domain.errors import InputError
from service.domain.tables import ColumnMap
from service.files.schema import detect_columns

RESULT_PREFIX = "rowscout_"


@dataclass(frozen=True)
class ResultColumns:
    """The columns of an output file and how to fill them from a ``Row``."""

    input_headers: tuple[str, ...]
    fields: tuple[str, ...]
    columns: ColumnMap

    @classmethod
    def build(
        cls, input_headers: Sequence[str], fields: Sequence[str], columns: ColumnMap | None = None
    ) -> ResultColumns:
        unknown = [f for f in fields if f not in PROFILE_FIELDS]
        if unknown:
            raise InputError(f"unknown field(s) {', '.join(unknown)}; choose from: {', '.join(PROFILE_FIELDS)}")
        if columns is None:
            columns = detect_columns(list(input_headers), [])
        return cls(tuple(input_headers), tuple(fields), columns)

    @property
    def result_names(self) -> tuple[str, ...]:
        return ("status", "researched_at", *self.fields, "sources", "error")

    @property
    def headers(self) -> list[str]:
        taken = {h.casefold() for h in self.input_headers}
        return [*self.input_headers, *(_free_name(n, taken) for n in self.result_names)]

    def input_cells(self, row: Row) -> dict[str, str]:
        """The row's input cells by header (name and website come back from ``row.input``)."""
        cells = dict(row.input.extra)
        if self.columns.name:
            cells[self.columns.name] = row.input.name
        if self.columns.website:
            cells[self.columns.website] = row.input.website
        return {h: cells.get(h, "") for h in self.input_headers}

    def cells(self, row: Row) -> list[str]:
        """One output line: input cells then result cells, as text."""
        results = {
            "status": row.status_text,
            "researched_at": row.researched_at.isoformat() if row.researched_at else "",
            "sources": sources_text(row, self.fields),
            "error": error_text(row),
        }
        profile = row.result
        for name in self.fields:
            results[name] = profile.cell_value(name) if profile else ""
        return [*self.input_cells(row).values(), *(results[n] for n in self.result_names)]

    def record(self, row: Row) -> dict[str, Any]:
        """One output object for JSON: structured input, profile and sources."""
        profile = row.result
        return {
            "row": row.position,
            "key": row.key,
            "input": self.input_cells(row),
            "status": row.status_text,
            "researched_at": row.researched_at.isoformat() if row.researched_at else None,
            "profile": {f: profile.value(f) for f in self.fields} if profile else None,
            "sources": {f: s.to_dict() for f, s in _sources(row, self.fields)},
            "error": error_text(row) or None,
        }


def sources_text(row: Row, fields: Sequence[str]) -> str:
    """One line per sourced field: ``field: url (method)``."""
    return "\n".join(f"{name}: {src.url} ({src.method.value})" for name, src in _sources(row, fields))


def error_text(row: Row) -> str:
    if row.error_kind is None:
        return ""
    return f"{row.error_kind.value}: {row.error_message}" if row.error_message else row.error_kind.value


def _sources(row: Row, fields: Sequence[str]) -> list[tuple[str, Any]]:
    if row.result is None:
        return []
    return [(f, row.result.sources[f]) for f in fields if f in row.result.sources]


def _free_name(name: str, taken: set[str]) -> str:
    candidate = name if name.casefold() not in taken else RESULT_PREFIX + name
    n = 1
    while candidate.casefold() in taken:
        n += 1
        candidate = f"{RESULT_PREFIX}{name} ({n})"
    return candidate
