"""Google's published Sheets v4 schemas (the discovery document inside ``google-api-python-client``).

The fake Sheets server shapes and checks every payload with them:

- ``Discovery.shape(value, ref)`` writes a response the way Google's proto3
  JSON does: integer fields equal to 0 inside ``GridRange``,
  ``DimensionRange`` and ``GridCoordinate`` are left out (the first tab's
  ``sheetId`` 0, a range starting at row 0), everything else is copied.
- ``Discovery.problems(value, ref)`` lists what does not match the schema:
  unknown fields, wrong JSON types, values outside an ``enum`` or ``int32``,
  a oneof message (``Request``, ``Response``, ``DataFilter``) with more than
  one member, and (in responses) the fields Google always sends that are
  missing (``REQUIRED``). ``Discovery.validate`` raises ``SchemaViolation``.
- ``apply_field_mask(value, fields)`` keeps what a ``fields=`` parameter asks for.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import googleapiclient

DOCUMENT = Path(googleapiclient.__file__).parent / "discovery_cache" / "documents" / "sheets.v4.json"

ZERO_OMITTED = frozenset({"GridRange", "DimensionRange", "GridCoordinate"})
ONE_OF = {"Request": (1, 1), "Response": (0, 1), "DataFilter": (1, 1)}  # (min, max) members set
REQUIRED = {  # fields Google always sends in a full (unmasked) response ("a.b": b inside a)
    "DeveloperMetadata": ("metadataId", "metadataKey", "location", "visibility", "location.locationType"),
    "SheetProperties": ("sheetId", "title", "index", "sheetType"),
    "Spreadsheet": ("spreadsheetId", "properties"),
    "BatchUpdateSpreadsheetResponse": ("spreadsheetId",),
    "BatchUpdateValuesResponse": ("spreadsheetId",),
    "BatchUpdateValuesByDataFilterResponse": ("spreadsheetId",),
    "BatchGetValuesResponse": ("spreadsheetId",),
    "BatchGetValuesByDataFilterResponse": ("spreadsheetId",),
    "UpdateValuesResponse": ("spreadsheetId",),
    "ClearValuesResponse": ("spreadsheetId", "clearedRange"),
    "AppendValuesResponse": ("spreadsheetId", "updates"),
    "MatchedDeveloperMetadata": ("developerMetadata", "dataFilters"),
    "MatchedValueRange": ("valueRange", "dataFilters"),
}
INT32 = (-(2**31), 2**31 - 1)
UINT32 = (0, 2**32 - 1)


class SchemaViolation(AssertionError):
    """A payload that Google's published schema does not allow (fails the test that caused it)."""


@dataclass(frozen=True)
class Discovery:
    """The ``schemas`` and ``methods`` of one discovery document."""

    schemas: dict[str, Any]
    methods: dict[str, dict[str, Any]]  # "spreadsheets.values.get" -> method description

    @classmethod
    @functools.cache
    def sheets(cls) -> Discovery:
        """The Sheets v4 document shipped with the installed client (read once)."""
        return cls.load(DOCUMENT)

    @classmethod
    def load(cls, path: Path) -> Discovery:
        document = json.loads(path.read_text(encoding="utf-8"))
        methods: dict[str, dict[str, Any]] = {}
        _collect_methods(document, methods)
        return cls(document["schemas"], methods)

    # --- methods
    def method(self, name: str) -> dict[str, Any]:
        """``values.get``, ``developerMetadata.search``, ``spreadsheets.get`` … → its description."""
        full = name if name.startswith("spreadsheets.") else f"spreadsheets.{name}"
        if full not in self.methods:
            raise SchemaViolation(f"the Sheets API has no method {name!r}")
        return self.methods[full]

    def response_ref(self, name: str) -> str:
        return str(self.method(name)["response"]["$ref"])

    def request_ref(self, name: str) -> str | None:
        request = self.method(name).get("request")
        return str(request["$ref"]) if request else None

    # --- checking
    def validate(self, value: Any, ref: str, *, response: bool = True, where: str = "") -> None:
        found = self.problems(value, ref, response=response)
        if found:
            label = f"{where}: " if where else ""
            raise SchemaViolation(f"{label}{ref} does not match sheets.v4.json: " + "; ".join(found))

    def problems(self, value: Any, ref: str, *, response: bool = True, complete: bool = True) -> list[str]:
        """Every mismatch between ``value`` and schema ``ref`` (empty when it conforms).

        ``response`` is strict (no JSON null, Google's always-sent fields
        present when ``complete``); requests may carry null (= unset).
        """
        found: list[str] = []
        _Checker(self.schemas, found, response=response, complete=complete).check(value, {"$ref": ref}, "")
        return found

    # --- shaping
    def shape(self, value: Any, ref: str) -> Any:
        """A copy of ``value`` as Google writes it: zero integers left out of grid and dimension ranges."""
        return self._shape(value, {"$ref": ref})

    def _shape(self, value: Any, node: dict[str, Any]) -> Any:
        name = node.get("$ref")
        if name is not None:
            node = self.schemas.get(name, {})
        if isinstance(value, dict):
            properties = node.get("properties", {})
            extra = node.get("additionalProperties")
            out = {}
            for key, item in value.items():
                child = properties.get(key, extra or {})
                if name in ZERO_OMITTED and child.get("type") == "integer" and item == 0:
                    continue
                out[key] = self._shape(item, child)
            return out
        if isinstance(value, list):
            return [self._shape(item, node.get("items", {})) for item in value]
        return value


class _Checker:
    def __init__(self, schemas: dict[str, Any], found: list[str], *, response: bool, complete: bool) -> None:
        self.schemas = schemas
        self.found = found
        self.response = response
        self.complete = complete

    def check(self, value: Any, node: dict[str, Any], path: str) -> None:
        name = node.get("$ref")
        if name is not None:
            if name not in self.schemas:
                self.found.append(f"{path or '.'}: unknown schema {name}")
                return
            node = self.schemas[name]
        kind = node.get("type", "object" if "properties" in node else "any")
        if value is None:
            if self.response:
                self.found.append(f"{path or '.'}: null is never sent by Google")
            return
        checker = getattr(self, f"_{kind}", None)
        if checker is None:
            self.found.append(f"{path or '.'}: schema type {kind!r} not understood")
            return
        checker(value, node, path, name)

    def _fail(self, path: str, message: str) -> None:
        self.found.append(f"{path or '.'}: {message}")

    def _any(self, value: Any, node: dict[str, Any], path: str, name: str | None) -> None:
        return

    def _object(self, value: Any, node: dict[str, Any], path: str, name: str | None) -> None:
        if not isinstance(value, dict):
            self._fail(path, f"expected an object{f' ({name})' if name else ''}, got {type(value).__name__}")
            return
        properties = node.get("properties")
        extra = node.get("additionalProperties")
        for key, item in value.items():
            child = (properties or {}).get(key, extra)
            if child is None:
                self._fail(path, f"unknown field {key!r}{f' in {name}' if name else ''}")
                continue
            self.check(item, child, f"{path}.{key}" if path else key)
        self._one_of(value, path, name)
        if self.response and self.complete and name in REQUIRED:
            for key in REQUIRED[name]:
                if not _has(value, key):
                    self._fail(path, f"{name} without {key!r} (Google always sends it)")

    def _one_of(self, value: dict[str, Any], path: str, name: str | None) -> None:
        if name not in ONE_OF:
            return
        low, high = ONE_OF[name]
        members = [k for k, v in value.items() if v is not None]
        if not low <= len(members) <= high:
            self._fail(path, f"{name} must set {low}..{high} of its oneof members, has {members}")

    def _array(self, value: Any, node: dict[str, Any], path: str, name: str | None) -> None:
        if not isinstance(value, list):
            self._fail(path, f"expected an array, got {type(value).__name__}")
            return
        for index, item in enumerate(value):
            self.check(item, node.get("items", {}), f"{path}[{index}]")

    def _string(self, value: Any, node: dict[str, Any], path: str, name: str | None) -> None:
        if not isinstance(value, str):
            self._fail(path, f"expected a string, got {type(value).__name__} {value!r}")
        elif "enum" in node and value not in node["enum"]:
            self._fail(path, f"{value!r} is not one of {node['enum']}")

    def _integer(self, value: Any, node: dict[str, Any], path: str, name: str | None) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            self._fail(path, f"expected an integer, got {type(value).__name__} {value!r}")
            return
        low, high = UINT32 if node.get("format") == "uint32" else INT32
        if not low <= value <= high:
            self._fail(path, f"{value} is outside {node.get('format', 'int32')}")

    def _number(self, value: Any, node: dict[str, Any], path: str, name: str | None) -> None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            self._fail(path, f"expected a number, got {type(value).__name__} {value!r}")

    def _boolean(self, value: Any, node: dict[str, Any], path: str, name: str | None) -> None:
        if not isinstance(value, bool):
            self._fail(path, f"expected a boolean, got {type(value).__name__} {value!r}")


def _has(value: dict[str, Any], dotted: str) -> bool:
    head, _, rest = dotted.partition(".")
    if head not in value:
        return False
    return not rest or (isinstance(value[head], dict) and _has(value[head], rest))


def _collect_methods(resource: dict[str, Any], out: dict[str, dict[str, Any]]) -> None:
    for method in resource.get("methods", {}).values():
        out[str(method["id"]).removeprefix("sheets.")] = method
    for child in resource.get("resources", {}).values():
        _collect_methods(child, out)


# ---------------------------------------------------------------- errors

ERROR_STATUSES = frozenset(
    {
        "INVALID_ARGUMENT",
        "FAILED_PRECONDITION",
        "OUT_OF_RANGE",
        "UNAUTHENTICATED",
        "PERMISSION_DENIED",
        "NOT_FOUND",
        "ABORTED",
        "ALREADY_EXISTS",
        "RESOURCE_EXHAUSTED",
        "CANCELLED",
        "DATA_LOSS",
        "UNKNOWN",
        "INTERNAL",
        "NOT_IMPLEMENTED",
        "UNIMPLEMENTED",
        "UNAVAILABLE",
        "DEADLINE_EXCEEDED",
    }
)


def error_problems(body: Any) -> list[str]:
    """What is wrong with an error body; Google's shape is ``{"error": {"code", "message", "status", "details"?}}``."""
    if not isinstance(body, dict) or set(body) != {"error"} or not isinstance(body["error"], dict):
        return [f"an error body is {{'error': {{...}}}}, got {body!r}"]
    error = body["error"]
    found = [f"unknown field {key!r} in error" for key in error if key not in ("code", "message", "status", "details")]
    if isinstance(error.get("code"), bool) or not isinstance(error.get("code"), int):
        found.append(f"error.code must be an integer, got {error.get('code')!r}")
    if not isinstance(error.get("message"), str) or not error.get("message"):
        found.append("error.message must be a non-empty string")
    if error.get("status") not in ERROR_STATUSES:
        found.append(f"error.status {error.get('status')!r} is not a google.rpc.Code name")
    details = error.get("details", [])
    if not isinstance(details, list) or not all(isinstance(d, dict) and "@type" in d for d in details):
        found.append("error.details must be a list of objects with '@type'")
    return found


# ---------------------------------------------------------------- field masks


def parse_field_mask(fields: str) -> dict[str, Any]:
    """``"sheets.properties(sheetId,title),spreadsheetId"`` → a tree of wanted names (``{}`` = all)."""
    tree: dict[str, Any] = {}
    rest = _parse_mask(fields.replace(" ", ""), 0, tree)
    if rest != len(fields.replace(" ", "")):
        raise ValueError(f"bad field mask: {fields!r}")
    return tree


def _parse_mask(text: str, at: int, tree: dict[str, Any]) -> int:
    while at < len(text) and text[at] != ")":
        end = at
        while end < len(text) and text[end] not in ",()":
            end += 1
        node = tree
        for part in text[at:end].replace("/", ".").split("."):
            if not part:
                raise ValueError(f"bad field mask: {text!r}")
            node = node.setdefault(part, {})
        at = end
        if at < len(text) and text[at] == "(":
            at = _parse_mask(text, at + 1, node)
            if at >= len(text) or text[at] != ")":
                raise ValueError(f"bad field mask: {text!r}")
            at += 1
        if at < len(text) and text[at] == ",":
            at += 1
    return at


def apply_field_mask(value: Any, tree: dict[str, Any]) -> Any:
    """Keep only the masked fields (lists are masked item by item)."""
    if not tree or "*" in tree:
        return value
    if isinstance(value, list):
        return [apply_field_mask(item, tree) for item in value]
    if not isinstance(value, dict):
        return value
    return {key: apply_field_mask(value[key], sub) for key, sub in tree.items() if key in value}
