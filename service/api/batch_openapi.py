"""The batch API's part of the OpenAPI document (``openapi.py`` merges it): schemas, paths, security."""

from __future__ import annotations

from typing import Any

from service.api.batches import BATCH_SCHEMA, RESULTS_PAGE_MAX
from service.api.export import FORMATS
from service.api.openapi_refs import error_responses, json_response, ref
from service.api.requests import JOB_ID
from service.jobs.batches import TIMEFRAMES

_STR = {"type": "string"}
_NSTR = {"type": ["string", "null"]}
_INT = {"type": "integer"}
_NUM = {"type": "number"}
_NNUM = {"type": ["number", "null"]}
_COUNTS = {"type": "object", "additionalProperties": _INT}
_STATUS = {"type": "string", "enum": ["queued", "processing", "paused", "completed", "failed", "cancelled"]}
BATCH_SECURITY: list[dict[str, list[str]]] = [{"apiKey": []}, {"googleIdToken": []}]

SECURITY_SCHEMES: dict[str, Any] = {
    "apiKey": {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": "A key from `python -m service keys create --owner NAME` (`--cloud`: the Cloud Run service's).",
    },
    "googleIdToken": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "A Google ID token of an account in ROWSCOUT_API_CALLERS (gcloud auth print-identity-token).",
    },
}


def _obj(required: list[str], properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": properties}


BATCH_SCHEMAS: dict[str, Any] = {
    "BatchRequest": BATCH_SCHEMA,
    "BatchAccepted": _obj(
        ["batch_id", "status", "total", "estimated_seconds", "estimated_cost_usd"],
        {
            "batch_id": _STR,
            "status": _STATUS,
            "total": _INT,
            "skipped": _INT,
            "estimated_seconds": _INT,
            "estimated_cost_usd": _NUM,
            "status_url": _STR,
            "results_url": _STR,
        },
    ),
    "Batch": _obj(
        ["id", "name", "status", "progress", "created_at", "last_update"],
        {
            "id": _STR,
            "name": _STR,
            "status": _STATUS,
            "progress": _obj(
                ["total", "completed", "failed", "remaining", "percentage"],
                {
                    "total": _INT,
                    "completed": _INT,
                    "failed": _INT,
                    "skipped": _INT,
                    "remaining": _INT,
                    "percentage": _NUM,
                },
            ),
            "processing_time_seconds": _NUM,
            "created_at": _STR,
            "started_at": _NSTR,
            "estimated_completion": _NSTR,
            "last_update": _STR,
            "finished_at": _NSTR,
            "error_kinds": _COUNTS,
            "options": {"type": "object"},
        },
    ),
    "BatchBrief": _obj(
        ["id", "name", "status", "total"],
        {
            "id": _STR,
            "name": _STR,
            "status": _STATUS,
            "total": _INT,
            "created_at": _STR,
            "last_update": _STR,
            "finished_at": _NSTR,
        },
    ),
    "BatchResults": _obj(
        ["batch_id", "status", "results", "next_cursor", "summary"],
        {
            "batch_id": _STR,
            "status": _STATUS,
            "results": {
                "type": "array",
                "items": _obj(
                    ["row", "name", "status", "error", "result"],
                    {
                        "row": _INT,
                        "name": _STR,
                        "input_website": _STR,
                        "input": {"type": "object", "additionalProperties": _STR},
                        "status": {"type": "string", "enum": ["done", "failed", "skipped"]},
                        "error": {
                            "type": ["object", "null"],
                            "properties": {"kind": _NSTR, "message": _STR},
                        },
                        "result": {"type": ["object", "null"]},
                        "researched_at": _NSTR,
                        "note": _NSTR,  # spend cap note: "not asked: spend cap of $X reached" on a done row
                    },
                ),
            },
            "next_cursor": {"type": ["integer", "null"]},
            "summary": _obj(
                ["by_industry", "by_size", "by_country", "by_error_kind"],
                {"by_industry": _COUNTS, "by_size": _COUNTS, "by_country": _COUNTS, "by_error_kind": _COUNTS},
            ),
        },
    ),
    "Stats": _obj(  # every authenticated caller's own jobs ("batches": a batch is a job, sheet jobs count too)
        ["timeframe", "batches", "companies_processed", "success_rate", "queue_depth", "top_error_kinds"],
        {
            "timeframe": {"type": "string", "enum": list(TIMEFRAMES)},
            "since": _STR,
            "batches": _obj(["total", "by_status"], {"total": _INT, "by_status": _COUNTS}),
            "companies_processed": _INT,
            "succeeded": _INT,
            "failed": _INT,
            "success_rate": _NNUM,
            "processing_seconds_per_company": _obj(["average", "p95"], {"average": _NNUM, "p95": _NNUM}),
            "top_error_kinds": {
                "type": "array",
                "items": _obj(["kind", "count", "share"], {"kind": _STR, "count": _INT, "share": _NUM}),
            },
            "queue_depth": _INT,
            "sampled": {"type": "boolean"},
        },
    ),
}


_ID = {"name": "batch_id", "in": "path", "required": True, "schema": {"type": "string", "pattern": JOB_ID}}


def _query(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema}


def _action(summary: str) -> dict[str, Any]:
    return {
        "post": {
            "summary": summary,
            "security": BATCH_SECURITY,
            "parameters": [_ID],
            "responses": {"200": json_response("Batch"), **error_responses(400, 401, 403, 404, 409, 503)},
        }
    }


def _stats(summary: str) -> dict[str, Any]:
    return {
        "get": {
            "summary": summary,
            "security": [*BATCH_SECURITY, {"addonIdToken": []}],
            "parameters": [_query("timeframe", {"type": "string", "enum": list(TIMEFRAMES)})],
            "responses": {"200": json_response("Stats"), **error_responses(400, 401, 403)},
        }
    }


def batch_paths() -> dict[str, Any]:
    """The ``/api/v1/batches`` operations."""
    results = {
        "summary": "A batch's results: JSON (paged, with a summary), CSV or Excel",
        "security": BATCH_SECURITY,
        "parameters": [
            _ID,
            _query("format", {"type": "string", "enum": list(FORMATS)}),
            _query("include_failed", {"type": "string", "enum": ["true", "false", "1", "0"]}),
            _query("cursor", {"type": "integer", "minimum": 0, "maximum": 999_999_999}),
            _query("limit", {"type": "integer", "minimum": 1, "maximum": RESULTS_PAGE_MAX}),
        ],
        "responses": {
            "200": {
                "description": "The results (CSV/Excel: X-Next-Cursor names the next page)",
                "content": {
                    "application/json": {"schema": ref("BatchResults")},
                    **{mime: {} for fmt, mime in FORMATS.items() if fmt != "json"},
                },
            },
            **error_responses(400, 401, 403, 404),
        },
    }
    return {
        "/api/v1/batches": {
            "post": {
                "summary": "Submit a batch of companies (1-10,000) to research",
                "security": BATCH_SECURITY,
                "requestBody": {"required": True, "content": {"application/json": {"schema": ref("BatchRequest")}}},
                "responses": {
                    "202": json_response("BatchAccepted", "accepted"),
                    **error_responses(400, 401, 403, 413, 429, 503),
                },
            },
            "get": {
                "summary": "The caller's batches, newest first",
                "security": BATCH_SECURITY,
                "parameters": [_query("limit", {"type": "integer", "minimum": 1, "maximum": 1000})],
                "responses": {
                    "200": {
                        "description": "OK",
                        "content": {
                            "application/json": {
                                "schema": _obj(["batches"], {"batches": {"type": "array", "items": ref("BatchBrief")}})
                            }
                        },
                    },
                    **error_responses(400, 401, 403),
                },
            },
        },
        "/api/v1/stats": _stats("The caller's job statistics over a time frame (API key, ID token or add-on user)"),
        "/api/v1/batches/stats": _stats("The same as /api/v1/stats (an alias)"),
        "/api/v1/batches/{batch_id}": {
            "get": {
                "summary": "A batch's status and progress",
                "security": BATCH_SECURITY,
                "parameters": [_ID],
                "responses": {"200": json_response("Batch"), **error_responses(400, 401, 403, 404)},
            }
        },
        "/api/v1/batches/{batch_id}/results": {"get": results},
        "/api/v1/batches/{batch_id}/pause": _action("Pause a batch"),
        "/api/v1/batches/{batch_id}/resume": _action("Resume a paused batch"),
        "/api/v1/batches/{batch_id}/cancel": _action("Cancel a batch (rows not started are skipped)"),
        "/api/v1/batches/{batch_id}/retry-failed": _action("Research a batch's failed rows again"),
    }
