"""The add-on's request bodies: one field table drives both validation and the OpenAPI schema.

``parse_selection_request(body, settings)`` turns the JSON of ``POST /api/v1/jobs``
and ``POST /api/v1/estimate`` into a ``SelectionRequest``, or raises
``InputError`` with a message naming the field. ``SELECTION_SCHEMA`` is the
same table as a JSON Schema for ``openapi.py``. ``json_body()`` and ``int_arg()``
read a request's body and query numbers the same way for every route.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from flask import request

from service.api.numbers import MAX_DIGITS, strict_int
from service.config import Settings
from service.domain import PROFILE_FIELDS, JobOptions, Priority
from service.domain.errors import InputError
from service.domain.question_specs import KIND_SEPARATOR, MAX_QUESTION_CHARS, MAX_QUESTIONS, parse_questions
from service.domain.sources import SheetSource
from service.sheets.a1 import parse_a1

SPREADSHEET_ID = r"^[A-Za-z0-9_-]{10,200}$"
A1_RANGE = r"^[A-Z]{1,3}[0-9]{0,7}(:[A-Z]{1,3}[0-9]{0,7})?$"
JOB_ID = r"^[A-Za-z0-9_-]{1,128}$"
MAX_RANGES = 50
MAX_CONCURRENCY = 100
MAX_REFRESH_DAYS = 3650
FIELDS_SCHEMA: dict[str, Any] = {  # a job's researched fields, in any order, each once
    "type": "array",
    "items": {"type": "string", "enum": list(PROFILE_FIELDS)},
    "minItems": 1,
    "maxItems": len(PROFILE_FIELDS),
    "uniqueItems": True,
}
MAX_COST_SCHEMA: dict[str, Any] = {"type": ["number", "null"], "minimum": 0, "maximum": 1_000_000}  # USD

# name -> (JSON schema, required)
FIELDS: dict[str, tuple[dict[str, Any], bool]] = {
    "spreadsheet_id": ({"type": "string", "pattern": SPREADSHEET_ID}, True),
    "sheet_id": ({"type": "integer", "minimum": 0, "maximum": 2**31 - 1}, False),
    "sheet_name": ({"type": "string", "minLength": 1, "maxLength": 100}, True),
    "ranges": (
        {
            "type": "array",
            "items": {"type": "string", "pattern": A1_RANGE},
            "minItems": 1,
            "maxItems": MAX_RANGES,
        },
        True,
    ),
    "header_row": ({"type": "integer", "minimum": 0, "maximum": 10_000_000}, False),
    "name_column": ({"type": ["string", "null"], "maxLength": 100}, False),
    "website_column": ({"type": ["string", "null"], "maxLength": 100}, False),
    "fields": (FIELDS_SCHEMA, False),
    "priority": ({"type": "string", "enum": [p.value for p in Priority if p != Priority.URGENT]}, False),
    "max_concurrency": ({"type": "integer", "minimum": 1, "maximum": MAX_CONCURRENCY}, False),
    "refresh_days": ({"type": ["integer", "null"], "minimum": 1, "maximum": MAX_REFRESH_DAYS}, False),
    "use_llm": ({"type": "boolean"}, False),
    "similar": ({"type": "boolean"}, False),  # issue 16: a "Similar in this list" column when the job ends
    "name": ({"type": ["string", "null"], "maxLength": 200}, False),
    "column_map": (  # field -> one of the user's columns (header text or letter): only its empty cells are filled
        {
            "type": "object",
            "propertyNames": {"enum": list(PROFILE_FIELDS)},
            "additionalProperties": {"type": "string", "minLength": 1, "maxLength": 100},
            "maxProperties": len(PROFILE_FIELDS),
        },
        False,
    ),
    "max_cost_usd": (MAX_COST_SCHEMA, False),  # issue 15: a spend cap on LLM and search calls (jobs/spend.py)
    "questions": (  # custom questions (issue 15): one column each; "QUESTION::KIND" overrides the inferred kind
        {
            "type": "array",
            "items": {"type": "string", "minLength": 1, "maxLength": MAX_QUESTION_CHARS + len(KIND_SEPARATOR) + 10},
            "maxItems": MAX_QUESTIONS,
        },
        False,
    ),
}

SELECTION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {name: schema for name, (schema, _) in FIELDS.items()},
    "required": [name for name, (_, required) in FIELDS.items() if required],
    "additionalProperties": False,
}


@dataclass(frozen=True)
class SelectionRequest:
    """A validated add-on request: which cells to read and how to research them."""

    spreadsheet_id: str
    sheet_id: int | None
    sheet_name: str
    ranges: tuple[str, ...]
    header_row: int
    name_column: str | None
    website_column: str | None
    options: JobOptions
    name: str
    column_map: dict[str, str] | None = None

    def row_count(self) -> int | None:
        """Rows the ranges span (header excluded), or None when a range is open-ended."""
        total = 0
        for text in self.ranges:
            rng = parse_a1(text)
            if rng.start_row is None or rng.end_row is None:
                return None
            top = max(rng.start_row, self.header_row)  # header_row is 1-based: rows above it
            total += max(0, rng.end_row - top)
        return total

    def source(self) -> SheetSource:
        """The job's source before the sheet is prepared (no output layout yet)."""
        return SheetSource(
            spreadsheet_id=self.spreadsheet_id,
            sheet_id=self.sheet_id,
            sheet_name=self.sheet_name,
            ranges=self.ranges,
            header_row=self.header_row or None,
            name_column=self.name_column,
            website_column=self.website_column,
            column_map=dict(self.column_map or {}),
        )


def int_arg(name: str, default: int, low: int, high: int) -> int:
    """A whole-number query argument within ``low..high`` (``default`` when absent); InputError otherwise."""
    text = request.args.get(name)
    if text is None:
        return default
    value = strict_int(text)
    if value is None or not low <= value <= high:
        raise InputError(f"{name} must be an integer between {low} and {high} (at most {MAX_DIGITS} digits)")
    return value


def json_body() -> Any:
    """The request's JSON body; InputError when there is none or it is nested too deeply to read."""
    try:
        body = request.get_json(silent=True)
    except RecursionError:
        raise InputError("the JSON body is nested too deeply") from None
    if body is None:
        raise InputError("send a JSON object with Content-Type: application/json")
    return body


def parse_selection_request(body: Any, settings: Settings) -> SelectionRequest:
    """Validate a JSON body against ``FIELDS``; raise ``InputError`` naming the first bad field."""
    if not isinstance(body, dict):
        raise InputError("the request body must be a JSON object")
    unknown = sorted(set(body) - set(FIELDS))
    if unknown:
        raise InputError(f"unknown field {unknown[0]!r}")
    for name, (schema, required) in FIELDS.items():
        if name not in body:
            if required:
                raise InputError(f"{name} is required")
            continue
        check_value(name, body[name], schema)
    return _build(body, settings)


def _build(body: dict[str, Any], settings: Settings) -> SelectionRequest:
    defaults = JobOptions()
    options = JobOptions(
        fields=tuple(body.get("fields") or defaults.fields),
        concurrency=body.get("max_concurrency") or defaults.concurrency,
        priority=Priority(body.get("priority") or defaults.priority),
        refresh_days=body.get("refresh_days"),
        use_llm=bool(body.get("use_llm", False)),
        similar=bool(body.get("similar", False)),
        questions=parse_questions(body.get("questions") or ()),
        max_cost_usd=max_cost(body),
    )
    request = SelectionRequest(
        spreadsheet_id=body["spreadsheet_id"],
        sheet_id=body.get("sheet_id"),
        sheet_name=body["sheet_name"].strip() or body["sheet_name"],
        ranges=tuple(body["ranges"]),
        header_row=body.get("header_row", 1),
        name_column=_column(body.get("name_column")),
        website_column=_column(body.get("website_column")),
        column_map=_column_map(body.get("column_map"), options.fields),
        options=options,
        name=(body.get("name") or "").strip() or f"{body['sheet_name']} {', '.join(body['ranges'])}",
    )
    _check_size(request, settings)
    return request


def _column_map(value: dict[str, str] | None, fields: tuple[str, ...]) -> dict[str, str] | None:
    for name in value or {}:
        if name not in fields:
            raise InputError(f"column_map names {name!r}, which is not one of the fields to research")
    return {name: column.strip() for name, column in value.items()} if value else None


def _column(value: str | None) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _check_size(request: SelectionRequest, settings: Settings) -> None:
    rows = request.row_count()
    if rows is not None and rows > settings.limits.max_rows_per_job:
        raise InputError(
            f"the selection has {rows:,} rows; a job can hold at most {settings.limits.max_rows_per_job:,}"
        )


def max_cost(body: dict[str, Any]) -> float | None:
    """The body's spend cap (``max_cost_usd``, checked against ``MAX_COST_SCHEMA``), None when absent or null."""
    value = body.get("max_cost_usd")
    return float(value) if value is not None else None


def check_value(name: str, value: Any, schema: dict[str, Any]) -> None:
    """Check one value against the subset of JSON Schema used in ``FIELDS``."""
    types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    kind = _json_type(value)
    if kind not in types and not (kind == "integer" and "number" in types):
        raise InputError(f"{name} must be {' or '.join(types)}, not {kind}")
    if kind == "string":
        _check_string(name, value, schema)
    elif kind in ("integer", "number"):
        _check_number(name, value, schema)
    elif kind == "array":
        _check_array(name, value, schema)
    elif kind == "object":
        _check_object(name, value, schema)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _check_string(name: str, value: str, schema: dict[str, Any]) -> None:
    if len(value) < schema.get("minLength", 0) or len(value) > schema.get("maxLength", 10_000):
        raise InputError(f"{name} must be {schema.get('minLength', 0)}–{schema.get('maxLength')} characters")
    if "pattern" in schema and not re.search(schema["pattern"], value):
        raise InputError(f"{name} has an invalid value {value[:60]!r}")
    if "enum" in schema and value not in schema["enum"]:
        raise InputError(f"{name} must be one of {', '.join(schema['enum'])}; got {value[:60]!r}")


def _check_number(name: str, value: float, schema: dict[str, Any]) -> None:
    low, high = schema.get("minimum"), schema.get("maximum")
    if not math.isfinite(value):
        raise InputError(f"{name} must be a finite number")
    if (low is not None and value < low) or (high is not None and value > high):
        raise InputError(f"{name} must be between {low} and {high}")


def _check_object(name: str, value: dict[str, Any], schema: dict[str, Any]) -> None:
    if len(value) > schema.get("maxProperties", 10_000):
        raise InputError(f"{name} must have at most {schema.get('maxProperties')} entries")
    for key, item in value.items():
        check_value(f"{name} key", key, {"type": "string", **schema.get("propertyNames", {})})
        check_value(f"{name}[{key!r}]", item, schema["additionalProperties"])


def _check_array(name: str, value: list[Any], schema: dict[str, Any]) -> None:
    if len(value) < schema.get("minItems", 0) or len(value) > schema.get("maxItems", 10_000):
        raise InputError(f"{name} must have {schema.get('minItems', 0)}–{schema.get('maxItems')} items")
    if schema.get("uniqueItems") and len({repr(v) for v in value}) != len(value):
        raise InputError(f"{name} must not repeat items")
    for index, item in enumerate(value):
        check_value(f"{name}[{index}]", item, schema["items"])
