"""OpenAPI entries of the similar-companies routes (``service/api/discover.py``), merged by ``openapi.py``."""

from __future__ import annotations

from typing import Any

from service.api.requests import JOB_ID

_SIMILAR = {
    "type": "object",
    "required": ["name", "key", "score", "shared"],
    "properties": {
        "name": {"type": "string"},
        "key": {"type": "string"},
        "score": {"type": "number", "minimum": 0, "maximum": 1},
        "shared": {"type": "array", "items": {"type": "string"}, "description": "terms both profiles have"},
    },
}
DISCOVER_SCHEMAS: dict[str, Any] = {
    "Discovery": {
        "type": "object",
        "required": ["job_id", "compared", "clusters", "companies"],
        "properties": {
            "job_id": {"type": "string"},
            "compared": {"type": "integer", "minimum": 0, "description": "researched companies compared"},
            "clusters": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "label", "size", "companies"],
                    "properties": {
                        "id": {"type": "integer"},
                        "label": {"type": "string"},
                        "size": {"type": "integer", "minimum": 1},
                        "companies": {"type": "array", "items": {"type": "string"}},
                    },
                },
            },
            "companies": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["key", "name", "cluster", "similar"],
                    "properties": {
                        "key": {"type": "string"},
                        "name": {"type": "string"},
                        "cluster": {"type": "integer"},
                        "similar": {"type": "array", "items": _SIMILAR},
                    },
                },
            },
        },
    }
}


def _op(summary: str, param: str, security: list[dict[str, list[str]]]) -> dict[str, Any]:
    error = {
        "description": "error",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    ok = {"application/json": {"schema": {"$ref": "#/components/schemas/Discovery"}}}
    return {
        "summary": summary,
        "security": security,
        "parameters": [
            {"name": param, "in": "path", "required": True, "schema": {"type": "string", "pattern": JOB_ID}},
            {"name": "company", "in": "query", "required": False, "schema": {"type": "string", "minLength": 1}},
            {
                "name": "top",
                "in": "query",
                "required": False,
                "schema": {"type": "integer", "minimum": 1, "maximum": 50},
            },
        ],
        "responses": {"200": {"description": "OK", "content": ok}, **{str(s): error for s in (400, 401, 403, 404)}},
    }


def discover_paths() -> dict[str, Any]:
    secret = {
        "type": "object",
        "required": ["owner", "secret"],
        "properties": {"owner": {"type": "string"}, "secret": {"type": "string"}, "signature": {"type": "string"}},
    }
    error = {
        "description": "error",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    return {
        "/api/v1/notices/secret": {
            "get": {
                "summary": "The caller's webhook signing secret (completion notices)",
                "security": [{"apiKey": []}, {"googleIdToken": []}],
                "responses": {
                    "200": {"description": "OK", "content": {"application/json": {"schema": secret}}},
                    **{str(s): error for s in (401, 403, 503)},
                },
            }
        },
        "/api/v1/jobs/{job_id}/similar": {
            "get": _op("Clusters of a job's companies and each one's most similar", "job_id", [{"addonIdToken": []}])
        },
        "/api/v1/batches/{batch_id}/similar": {
            "get": _op(
                "Clusters of a batch's companies and each one's most similar",
                "batch_id",
                [{"apiKey": []}, {"googleIdToken": []}],
            )
        },
    }
