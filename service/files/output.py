"""The shape of an output table: the user's columns, then Rowscout's, each with a header and a kind.

``ResultColumns`` is the table of a results file (and of ``export``): every
input column, in its original order, then ``Rowscout status``,
``Researched at``, one column per field, ``Sources`` and ``Error``. The
headers come from the one vocabulary in ``service.domain.labels`` (the
sheet path writes the same ones); a header an input column already uses
gets `` (Rowscout)`` appended, so no input data is ever overwritten. When
the input is itself a results file, its old Rowscout columns
(``labels.own_columns``) are dropped: the new results take their place.

Each ``Column`` has a ``Kind`` that the writers act on: the .xlsx writer
turns ``URL`` and ``EMAILS`` cells into hyperlinks (safe http(s) addresses
only), writes ``DATETIME`` and ``INTEGER`` cells as typed values, wraps
``LONG_TEXT`` and links ``SOURCES`` to the workbook's Sources sheet; CSV
writes every value as text. A table is any object with ``layout``
(its ``Column``s), ``values(row)`` (one typed value per column),
``source_lines(row)``, ``record(row)`` (JSON) and ``sheet_title``:
``ResultColumns`` here, ``ExportColumns`` for the API's ``/results``.

Field values shown in one format everywhere: ``Employees`` is a size band
("51-200") with ``Employees (stated)`` beside it (the number a page gave,
as an integer), phones are E.164 (read in the company's country), and
``Rowscout status`` says only where the row stands (``done``, ``failed``,
``skipped: …``) while ``Error`` says what went wrong and what to do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from service.domain import PROFILE_FIELDS, SOCIAL_NETWORKS, CompanyProfile, Row, RowState
from service.domain.errors import InputError, RowscoutError
from service.domain.hints import hint_for
from service.domain.labels import (
    EMPLOYEES_STATED,
    ERROR,
    RESEARCHED_AT,
    SOURCES,
    STATUS,
    label,
    norm,
    own_columns,
    own_header,
)
from service.domain.questions import Answer, question_of, question_output
from service.domain.sources import JobSource
from service.domain.tables import ColumnMap
from service.domain.values import e164_all, employee_range, region_of
from service.files.schema import detect_columns

DEFAULT_SHEET_TITLE = "Results"
CellValue = str | int | datetime | None


class Kind(StrEnum):
    """How a column's cells are written (see the module doc)."""

    TEXT = "text"
    LONG_TEXT = "long-text"
    URL = "url"
    EMAILS = "emails"
    DATETIME = "datetime"
    INTEGER = "integer"
    SOURCES = "sources"


@dataclass(frozen=True)
class Column:
    """One column: ``key`` names what fills it (an input header or an output name)."""

    key: str
    header: str
    kind: Kind = Kind.TEXT


@dataclass(frozen=True)
class SourceLine:
    """One line of the Sources sheet: where one field's value of one row came from."""

    row: int
    company: str
    field: str  # the field's header text
    value: str
    url: str
    method: str


FIELD_KINDS: dict[str, Kind] = {
    "website": Kind.URL,
    "logo_url": Kind.URL,
    **dict.fromkeys(SOCIAL_NETWORKS, Kind.URL),
    "emails": Kind.EMAILS,
    "description": Kind.LONG_TEXT,
    "products": Kind.LONG_TEXT,
    "tech_stack": Kind.LONG_TEXT,
    "founded_year": Kind.INTEGER,
    EMPLOYEES_STATED: Kind.INTEGER,
}
_OUTPUT_KINDS = {STATUS: Kind.TEXT, RESEARCHED_AT: Kind.DATETIME, SOURCES: Kind.SOURCES, ERROR: Kind.LONG_TEXT}


@dataclass(frozen=True)
class ResultColumns:
    """The columns of an output file and how to fill them from a ``Row``."""

    input_headers: tuple[str, ...]
    fields: tuple[str, ...]
    columns: ColumnMap
    questions: tuple[str, ...] = ()  # custom question texts: one column each, after the fields
    sheet_title: str = DEFAULT_SHEET_TITLE

    @classmethod
    def build(
        cls,
        input_headers: Sequence[str],
        fields: Sequence[str],
        columns: ColumnMap | None = None,
        questions: Sequence[str] = (),
        *,
        sheet_title: str = DEFAULT_SHEET_TITLE,
    ) -> ResultColumns:
        unknown = [f for f in fields if f not in PROFILE_FIELDS]
        if unknown:
            raise InputError(f"unknown field(s) {', '.join(unknown)}; choose from: {', '.join(PROFILE_FIELDS)}")
        if columns is None:
            columns = detect_columns(list(input_headers), [])
        ours = own_columns(input_headers, questions)
        kept = tuple(h for h in input_headers if h not in ours)
        return cls(kept, tuple(fields), columns, tuple(questions), sheet_title or DEFAULT_SHEET_TITLE)

    @property
    def results(self) -> ResultOutputs:
        return ResultOutputs(self.fields, self.questions)

    @property
    def layout(self) -> list[Column]:
        inputs = [Column(h, h, Kind.URL if h == self.columns.website else Kind.TEXT) for h in self.input_headers]
        return [*inputs, *self.results.columns(taken={norm(h) for h in self.input_headers})]

    @property
    def headers(self) -> list[str]:
        return [column.header for column in self.layout]

    def input_cells(self, row: Row) -> dict[str, str]:
        """The row's input cells by header (name and website come back from ``row.input``)."""
        cells = dict(row.input.extra)
        if self.columns.name:
            cells[self.columns.name] = row.input.name
        if self.columns.website:
            cells[self.columns.website] = row.input.website
        return {h: cells.get(h, "") for h in self.input_headers}

    def values(self, row: Row) -> list[CellValue]:
        """One output line, typed: input cells (text), then Rowscout's values."""
        return [*self.input_cells(row).values(), *self.results.values(row)]

    def cells(self, row: Row) -> list[str]:
        """One output line as text (CSV)."""
        return [cell_text(value) for value in self.values(row)]

    def source_lines(self, row: Row) -> list[SourceLine]:
        return self.results.source_lines(row)

    def record(self, row: Row) -> dict[str, Any]:
        """One output object for JSON: structured input, profile and sources."""
        profile = row.result
        return {
            "row": row.position,
            "key": row.key,
            "input": self.input_cells(row),
            "status": status_text(row),  # "failed": the reason and hint are under error and hint
            "researched_at": row.researched_at.isoformat() if row.researched_at else None,
            "profile": {f: profile.value(f) for f in self.fields} if profile else None,
            "sources": {f: s.to_dict() for f, s in _sources(row, self.fields)},
            "error": _error(row) or None,
            "hint": hint_for(row.error_kind) if row.error_kind and row.state == RowState.FAILED else None,
            **({"answers": _answers(row, self.questions)} if self.questions else {}),
        }


@dataclass(frozen=True)
class ResultOutputs:
    """Rowscout's part of a table: status, time, fields, questions, sources, error; shared by every export."""

    fields: tuple[str, ...]
    questions: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """The outputs in column order (``employees`` is followed by ``employees_stated``)."""
        asked = (question_output(text) for text in self.questions)
        return (STATUS, RESEARCHED_AT, *output_fields(self.fields), *asked, SOURCES, ERROR)

    @property
    def sourced(self) -> tuple[str, ...]:
        """The fields and question outputs: what has a value and maybe a source."""
        return (*self.fields, *(question_output(text) for text in self.questions))

    def columns(self, *, taken: set[str]) -> list[Column]:
        return output_columns(self.names, taken=taken)

    def values(self, row: Row) -> list[CellValue]:
        return output_values(row, self.names, self.sourced)

    def source_lines(self, row: Row) -> list[SourceLine]:
        return source_lines(row, self.sourced)


def output_fields(fields: Sequence[str]) -> list[str]:
    """The field outputs in column order: ``employees_stated`` right after ``employees``."""
    out: list[str] = []
    for name in fields:
        out.append(name)
        if name == "employees":
            out.append(EMPLOYEES_STATED)
    return out


def output_columns(names: Sequence[str], *, taken: set[str]) -> list[Column]:
    """Rowscout's columns for ``names``, headed from the shared vocabulary, never reusing a ``taken`` header."""
    out: list[Column] = []
    for name in names:
        header = own_header(name, taken)
        taken.add(norm(header))
        out.append(Column(name, header, _OUTPUT_KINDS.get(name) or FIELD_KINDS.get(name, Kind.TEXT)))
    return out


def output_values(row: Row, names: Sequence[str], outputs: Sequence[str]) -> list[CellValue]:
    """The typed value of each output ``name`` for ``row``."""
    fixed: dict[str, CellValue] = {
        STATUS: status_text(row),
        RESEARCHED_AT: row.researched_at,
        SOURCES: sources_text(row, outputs),
        ERROR: error_text(row),
    }
    profile = row.result
    return [fixed[n] if n in fixed else field_value(profile, n) if profile else None for n in names]


def field_value(profile: CompanyProfile, name: str) -> CellValue:
    """A field as one cell: integers typed, employees as a band, phones in E.164, lists joined by ``; ``."""
    question = question_of(name)
    if question is not None:
        answer = profile.answers.get(question)
        if answer is None:
            return ""
        return (
            answer.value if isinstance(answer.value, int) and not isinstance(answer.value, bool) else answer.cell_text
        )
    if name == "employees":
        return employee_range(profile.employees).range or profile.employees  # text with no count stays as found
    if name == EMPLOYEES_STATED:
        return employee_range(profile.employees).stated
    if name == "founded_year":
        return profile.founded_year
    if name == "phones":
        return "; ".join(e164_all(profile.phones, region_of(profile.hq_country)))
    return profile.cell_value(name)


def cell_text(value: CellValue) -> str:
    """A typed value as CSV text (times in ISO form with their UTC offset)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return str(value)


def status_text(row: Row) -> str:
    """Where the row stands: ``failed`` without the reason (that is in ``Error``), else the row's status."""
    return "failed" if row.state == RowState.FAILED else row.status_text


def error_text(row: Row) -> str:
    """``kind: message — hint`` of a failed row; ``kind: message`` of one to be retried; "" otherwise."""
    text = _error(row)
    return f"{text} — {hint_for(row.error_kind)}" if text and row.state == RowState.FAILED else text


def _error(row: Row) -> str:
    if row.error_kind is None or row.state in (RowState.DONE, RowState.SKIPPED):
        return ""
    return f"{row.error_kind.value}: {row.error_message}" if row.error_message else row.error_kind.value


def sources_text(row: Row, outputs: Sequence[str]) -> str:
    """One line per sourced field: ``HQ city: url (method)``."""
    return "\n".join(f"{label(name)}: {url} ({method})" for name, url, method in _sources_of(row, outputs))


def source_lines(row: Row, outputs: Sequence[str]) -> list[SourceLine]:
    """The Sources sheet's lines for one row, in column order."""
    company = row.input.name or row.input.website
    profile = row.result
    if profile is None:
        return []
    return [
        SourceLine(row.position, company, label(name), cell_text(field_value(profile, name)), url, method)
        for name, url, method in _sources_of(row, outputs)
    ]


def sheet_title_of(source: JobSource) -> str:
    """The title of a results workbook's sheet: the input's tab (file or Google Sheet), else ``Results``."""
    sheet = getattr(source, "sheet", None) or None
    path = getattr(source, "path", "")
    if path and Path(path).suffix.lower() in (".xlsx", ".xlsm"):
        sheet = _sheet_title(Path(path), sheet) or sheet
    return getattr(source, "sheet_name", "") or sheet or DEFAULT_SHEET_TITLE


def _sheet_title(path: Path, sheet: str | None) -> str:
    """The title of the input workbook's sheet ``sheet`` (the first by default), as spelled in the file."""
    from service.files.excel_source import ExcelSheet

    try:
        return ExcelSheet.open(path, sheet).sheet
    except (OSError, RowscoutError, ValueError, KeyError):
        return ""  # the input moved or changed since: the sheet name given, or the default title, will do


def _sources(row: Row, fields: Sequence[str]) -> list[tuple[str, Any]]:
    if row.result is None:
        return []
    return [(f, row.result.sources[f]) for f in fields if f in row.result.sources]


def _sources_of(row: Row, outputs: Sequence[str]) -> list[tuple[str, str, str]]:
    """``(output, url, method)`` for each output of ``row`` with a source (a field's, or an answer's page)."""
    profile = row.result
    if profile is None:
        return []
    found = ((name, _source_of(profile, name)) for name in outputs)
    return [(name, *source) for name, source in found if source is not None]


def _source_of(profile: CompanyProfile, name: str) -> tuple[str, str] | None:
    question = question_of(name)
    if question is not None:
        answer = profile.answers.get(question)
        return (answer.url, answer.method.value) if answer and answer.url else None
    source = profile.sources.get(name)
    return (source.url, source.method.value) if source else None


def _answers(row: Row, questions: Sequence[str]) -> dict[str, Any]:
    profile = row.result
    found: dict[str, Answer | None] = {text: profile.answers.get(text) for text in questions} if profile else {}
    return {text: answer.to_dict() for text, answer in found.items() if answer is not None}
