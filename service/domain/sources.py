"""Where a job's rows came from and where its results go: ``FileSource | SheetSource | ApiSource``.

A job keeps one of these (``Job.source``); stores serialize it with
``source_to_dict`` / ``source_from_dict`` (a ``kind`` key tells them apart).
Everything a later ``resume``, ``export`` or flush needs is here, typed, so no
module reads a job's source by string keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, ClassVar


@dataclass(frozen=True)
class ColumnMap:
    """Which input columns hold the company name and website (header text as in the input)."""

    name: str | None
    website: str | None
    reasons: tuple[str, ...] = ()  # why each was picked, for --dry-run and the sidebar


@dataclass(frozen=True)
class SheetColumns:
    """Where a sheet job reads and writes, as found at submit (0-based columns).

    ``columns`` maps status/researched_at/field/sources → the output's column;
    ``inputs`` maps ``name``/``website`` → the user's identity columns;
    ``mapped`` lists the fields the user asked to write into one of their own
    columns (only empty cells are filled). Every one of these columns carries
    column developer metadata, so flushes find them again after the user
    inserts, deletes or moves columns; the positions here are submit-time.
    """

    sheet_id: int
    header_row: int  # 1-based
    columns: dict[str, int]
    created: tuple[str, ...] = ()  # headers of the columns this job created
    inputs: dict[str, int] = field(default_factory=dict)
    mapped: tuple[str, ...] = ()
    headers: dict[str, str] = field(default_factory=dict)  # output → its header text (for status messages)

    def to_dict(self) -> dict[str, Any]:
        return {
            "sheet_id": self.sheet_id,
            "header_row": self.header_row,
            "columns": dict(self.columns),
            "created": list(self.created),
            "inputs": dict(self.inputs),
            "mapped": list(self.mapped),
            "headers": dict(self.headers),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SheetColumns:
        return cls(
            sheet_id=int(data.get("sheet_id") or 0),
            header_row=int(data["header_row"]),
            columns={str(k): int(v) for k, v in (data.get("columns") or {}).items()},
            created=tuple(data.get("created") or ()),
            inputs={str(k): int(v) for k, v in (data.get("inputs") or {}).items()},
            mapped=tuple(data.get("mapped") or ()),
            headers={str(k): str(v) for k, v in (data.get("headers") or {}).items()},
        )


@dataclass(frozen=True)
class FileSource:
    """A CSV/Excel/JSON input file and the results file written beside it."""

    kind: ClassVar[str] = "file"

    path: str  # absolute path of the input
    output: str = ""  # absolute path of the results file ("" = none)
    format: str = ""  # the results file's format: csv, xlsx, json or jsonl
    sheet: str | None = None  # Excel worksheet, when not the first
    headers: tuple[str, ...] = ()
    columns: ColumnMap = field(default_factory=lambda: ColumnMap(None, None))

    @property
    def label(self) -> str:
        return self.path


@dataclass(frozen=True)
class SheetSource:
    """A selection in a Google Sheet; results are written back into the sheet (and maybe a file).

    ``layout`` is None until the job is planned (a large selection is read by a
    plan task after submit).
    """

    kind: ClassVar[str] = "sheet"

    spreadsheet_id: str
    sheet_name: str = ""
    sheet_id: int | None = None
    ranges: tuple[str, ...] = ()
    header_row: int | None = None  # 1-based; None = detect
    name_column: str | None = None  # the user's choice (header, letter or index), None = detect
    website_column: str | None = None
    headers: tuple[str, ...] = ()
    columns: ColumnMap = field(default_factory=lambda: ColumnMap(None, None))
    layout: SheetColumns | None = None
    output: str = ""  # a results file as well (CLI: `research sheet:ID -o out.xlsx`)
    format: str = ""
    error: str = ""  # why the job failed (planning, or a flush that cannot succeed), for the sidebar and `status`
    column_map: dict[str, str] = field(default_factory=dict)  # field → the user's column (header or letter)
    planned_chunks: int = 0  # plan chunks done (a large selection is planned in chunks)
    planned: bool = False  # every row of the selection is stored
    cleaned: bool = False  # the job's developer metadata was removed from the sheet
    similar_note: str = ""  # why the "Similar in this list" column was not written (issue 16), for the job summary

    @property
    def label(self) -> str:
        return f"sheet:{self.spreadsheet_id}"


@dataclass(frozen=True)
class ApiSource:
    """Companies sent in a batch API request (``POST /api/v1/batches``): no file, no sheet.

    The rows carry the companies; their results stay in the store, where the
    batch's results endpoint reads them. ``output``/``format`` stay empty (no
    results file); ``headers`` are the extra input keys of the companies.
    """

    kind: ClassVar[str] = "api"

    output: str = ""
    format: str = ""
    headers: tuple[str, ...] = ()
    columns: ColumnMap = field(default_factory=lambda: ColumnMap("name", "website"))

    @property
    def label(self) -> str:
        return "api"


JobSource = FileSource | SheetSource | ApiSource


def source_to_dict(source: JobSource) -> dict[str, Any]:
    """A JSON-able dict (Firestore map / SQLite JSON) with a ``kind`` key."""
    data: dict[str, Any] = {"kind": source.kind}
    for name, value in vars(source).items():
        if isinstance(value, ColumnMap):
            value = {"name": value.name, "website": value.website, "reasons": list(value.reasons)}
        elif isinstance(value, SheetColumns):
            value = value.to_dict()
        elif isinstance(value, tuple):
            value = list(value)
        data[name] = value
    return data


def source_from_dict(data: dict[str, Any]) -> JobSource:
    """The typed source of a stored dict (unknown keys are ignored)."""
    values = dict(data)
    kind = values.pop("kind", "file")
    values["columns"] = _columns(values.get("columns"))
    values["headers"] = tuple(values.get("headers") or ())
    if kind == ApiSource.kind:
        return ApiSource(**_known(ApiSource, values))
    if kind == SheetSource.kind:
        values["ranges"] = tuple(values.get("ranges") or ())
        layout = values.get("layout")
        values["layout"] = SheetColumns.from_dict(layout) if layout else None
        values["column_map"] = {str(k): str(v) for k, v in (values.get("column_map") or {}).items()}
        values.setdefault("planned", layout is not None)  # stored before chunked planning: planned in one go
        return SheetSource(**_known(SheetSource, values))
    return FileSource(**_known(FileSource, values))


def _columns(data: Any) -> ColumnMap:
    data = data or {}
    return ColumnMap(name=data.get("name"), website=data.get("website"), reasons=tuple(data.get("reasons") or ()))


def _known(cls: type, values: dict[str, Any]) -> dict[str, Any]:
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in values.items() if k in names}
