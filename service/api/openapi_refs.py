"""Small builders shared by the OpenAPI documents of the add-on and batch APIs."""

from __future__ import annotations

from typing import Any


def ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def json_response(name: str, description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ref(name)}}}


def error_responses(*statuses: int) -> dict[str, Any]:
    return {str(s): json_response("Error", "error") for s in statuses}
