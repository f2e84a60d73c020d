"""The OpenAPI 3.1 document of the service, built from the same tables the code validates with."""

from __future__ import annotations

from typing import Any

from service.api.batch_openapi import BATCH_SCHEMAS, SECURITY_SCHEMES, batch_paths
from service.api.discover_openapi import DISCOVER_SCHEMAS, discover_paths
from service.api.export import FORMATS
from service.api.openapi_refs import error_responses, json_response, ref
from service.api.requests import JOB_ID, SELECTION_SCHEMA
from service.domain import JobState, RowState

ERROR_CODES = [
    "unauthenticated",
    "forbidden",
    "sheet_not_shared",
    "not_found",
    "invalid_input",
    "no_company_column",
    "conflict",
    "quota_exceeded",
    "unavailable",
    "misconfigured",
    "payload_too_large",
    "method_not_allowed",
    "internal",
]

_OBJECT = {"type": "object"}
_NULLABLE_STRING = {"type": ["string", "null"]}

SCHEMAS: dict[str, Any] = {
    "Selection": SELECTION_SCHEMA,
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {"code": {"type": "string", "enum": ERROR_CODES}, "message": {"type": "string"}},
            }
        },
    },
    "Job": {
        "type": "object",
        "required": ["id", "name", "state", "total", "counts", "remaining"],
        "properties": {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "owner": {"type": "string"},
            "state": {"type": "string", "enum": [s.value for s in JobState]},
            "total": {"type": "integer"},
            "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
            "remaining": {"type": "integer"},
            "rate_per_minute": {"type": "number"},
            "eta_seconds": {"type": ["integer", "null"]},
            "error_kinds": {"type": "object", "additionalProperties": {"type": "integer"}},
            "created_at": _NULLABLE_STRING,
            "updated_at": _NULLABLE_STRING,
            "finished_at": _NULLABLE_STRING,
            "options": _OBJECT,
            "source": _OBJECT,
            "spreadsheet_id": _NULLABLE_STRING,
            "error": _NULLABLE_STRING,
            "totals": {  # null until the job is finished
                "type": ["object", "null"],
                "properties": {"duration_seconds": {"type": "integer"}, "cost_usd": {"type": "number"}},
            },
            "notice": {"type": "string", "description": "the completion notice; empty until the job is final"},
            # issue 17 part 5: the failed rows by name (first 50, position order), with what to do
            "failed_rows": {
                "type": "object",
                "properties": {
                    "rows": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "row": {"type": "integer"},
                                "key": {"type": "string"},
                                "company": {"type": "string"},
                                "kind": {"type": "string"},
                                "hint": {"type": "string"},
                                "message": {"type": "string"},
                                "retryable": {"type": "boolean"},
                            },
                        },
                    },
                    "total": {"type": "integer"},
                    "more": {"type": "integer"},
                },
            },
        },
    },
    "JobEnvelope": {
        "type": "object",
        "required": ["job"],
        "properties": {"job": {"$ref": "#/components/schemas/Job"}},
    },
    "JobBrief": {
        "type": "object",
        "required": ["id", "name", "state", "total"],
        "properties": {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "state": {"type": "string"},
            "total": {"type": "integer"},
            "spreadsheet_id": _NULLABLE_STRING,
            "sheet_name": _NULLABLE_STRING,
            "created_at": _NULLABLE_STRING,
            "updated_at": _NULLABLE_STRING,
            "finished_at": _NULLABLE_STRING,
        },
    },
    "Estimate": {
        "type": "object",
        "required": ["rows", "skipped", "seconds", "cost_usd", "columns", "headers"],
        "properties": {
            "rows": {"type": "integer"},
            "skipped": {"type": "integer"},
            "duplicates": {"type": "integer"},  # repeated companies: researched once, filled from their first row
            "seconds": {"type": "integer"},
            "cost_usd": {"type": "number"},  # paid calls: LLM + web search (what max_cost_usd caps)
            # issue 15: the cost by what is paid for (service/jobs/estimate.py, the CLI's figures too)
            "cost_split": {"type": "object", "additionalProperties": {"type": ["number", "null"]}},
            "max_cost_usd": {"type": ["number", "null"]},
            "assumptions": _OBJECT,  # concurrency, rate, seconds and pages per company, cost basis; "text": lines
            "columns": {
                "type": "object",
                "properties": {
                    "name": _NULLABLE_STRING,
                    "website": _NULLABLE_STRING,
                    "reasons": {"type": "array", "items": {"type": "string"}},
                },
            },
            "headers": {"type": "array", "items": {"type": "string"}},
            "new_columns": {"type": "array", "items": {"type": "string"}},  # headers of the columns a job adds
            # issue 18: the job on the cloud path at list prices (Cloud Run, Firestore, Cloud Tasks), by service
            "cloud_cost_usd": {"type": "number"},
            "cloud_cost": {"type": "object", "additionalProperties": {"type": ["number", "string"]}},
        },
    },
    "Fields": {
        "type": "object",
        "required": ["fields"],
        "properties": {
            "fields": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["name", "label", "default"],
                    "properties": {
                        "name": {"type": "string"},
                        "label": {"type": "string"},
                        "default": {"type": "boolean"},
                    },
                },
            }
        },
    },
    "Row": {
        "type": "object",
        "required": ["key", "position", "state", "status"],
        "properties": {
            "key": {"type": "string"},
            "position": {"type": "integer"},
            "name": {"type": "string"},
            "website": {"type": "string"},
            "state": {"type": "string", "enum": [s.value for s in RowState]},
            "status": {"type": "string"},
            "attempts": {"type": "integer"},
            "error_kind": _NULLABLE_STRING,
            "error_message": {"type": "string"},
            "researched_at": _NULLABLE_STRING,
            "result": {"type": ["object", "null"]},
        },
    },
    "RowsPage": {
        "type": "object",
        "required": ["rows", "next_cursor"],
        "properties": {
            "rows": {"type": "array", "items": {"$ref": "#/components/schemas/Row"}},
            "next_cursor": {"type": ["integer", "null"]},
        },
    },
    "Task": {
        "type": "object",
        "required": ["job_id"],
        "properties": {
            "job_id": {"type": "string", "minLength": 1},
            "row_key": {"type": "string"},
            "payload": _OBJECT,
        },
    },
    "TaskAnswer": {
        "type": "object",
        "required": ["status"],
        "properties": {"status": {"type": "string", "enum": ["done", "retry", "failed"]}},
    },
}


_JOB_PARAM = {"name": "job_id", "in": "path", "required": True, "schema": {"type": "string", "pattern": JOB_ID}}
_USER_TOKEN = {
    "name": "X-Rowscout-User-Token",
    "in": "header",
    "required": False,
    "description": "The user's OAuth access token (ScriptApp.getOAuthToken()), for the edit-access check.",
    "schema": {"type": "string"},
}
_ADDON: list[dict[str, list[str]]] = [{"addonIdToken": []}]
_TASKS: list[dict[str, list[str]]] = [{"tasksOidc": []}]


def _selection_op(summary: str, ok: str, answer: str) -> dict[str, Any]:
    return {
        "summary": summary,
        "security": _ADDON,
        "parameters": [_USER_TOKEN],
        "requestBody": {"required": True, "content": {"application/json": {"schema": ref("Selection")}}},
        "responses": {ok: json_response(answer), **error_responses(400, 401, 403, 413, 429, 503)},
    }


def _job_op(summary: str, method_ok: str = "200") -> dict[str, Any]:
    return {
        "summary": summary,
        "security": _ADDON,
        "parameters": [_JOB_PARAM],
        "responses": {method_ok: json_response("JobEnvelope"), **error_responses(400, 401, 403, 404, 409, 503)},
    }


def _task_op(summary: str) -> dict[str, Any]:
    return {
        "summary": summary,
        "security": _TASKS,
        "requestBody": {"required": True, "content": {"application/json": {"schema": ref("Task")}}},
        "responses": {
            "200": json_response("TaskAnswer", "done (or failed for good)"),
            "429": json_response("TaskAnswer", "rate limited: retry later"),
            "503": json_response("TaskAnswer", "retry later (see Retry-After)"),
            **error_responses(401, 403),
        },
    }


def _paths() -> dict[str, Any]:
    actions = {
        f"/api/v1/jobs/{{job_id}}/{action}": {"post": _job_op(f"{action.capitalize()} a job")}
        for action in ("pause", "resume", "cancel", "retry-failed")
    }
    return {
        "/api/v1/jobs": {
            "post": _selection_op("Submit a research job over a sheet selection", "202", "JobEnvelope"),
            "get": {
                "summary": "The caller's jobs, newest first",
                "security": _ADDON,
                "responses": {
                    "200": {
                        "description": "OK",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["jobs"],
                                    "properties": {"jobs": {"type": "array", "items": ref("JobBrief")}},
                                }
                            }
                        },
                    },
                    **error_responses(401, 403),
                },
            },
        },
        "/api/v1/estimate": {"post": _selection_op("Rows, time and cost a job would take", "200", "Estimate")},
        "/api/v1/fields": {
            "get": {
                "summary": "The researchable fields, their sheet headers and the default choice",
                "security": _ADDON,
                "responses": {"200": json_response("Fields"), **error_responses(401, 403)},
            }
        },
        "/api/v1/jobs/{job_id}": {"get": _job_op("A job's progress")},
        **actions,
        "/api/v1/jobs/{job_id}/rows": {"get": _rows_op()},
        "/api/v1/jobs/{job_id}/results": {"get": _results_op()},
        "/tasks/research": {"post": _task_op("Research one row (Cloud Tasks)")},
        "/tasks/plan": {"post": _task_op("Read a large selection and submit its rows (Cloud Tasks)")},
        "/tasks/flush": {"post": _task_op("Write a job's finished rows to its sheet (Cloud Tasks)")},
        "/tasks/notice": {"post": _task_op("Send a job's completion notice: webhook, email (Cloud Tasks)")},
        "/cron/refresh": {
            "post": {
                "summary": "Re-research stale rows (Cloud Scheduler)",
                "security": _TASKS,
                "responses": {"200": json_response("TaskAnswer"), **error_responses(401, 403, 503)},
            }
        },
        "/healthz": {"get": {"summary": "Liveness", "security": [], "responses": {"200": {"description": "OK"}}}},
        **batch_paths(),  # the batch API and /api/v1/stats (issue 16)
        **discover_paths(),  # similar companies (issue 16)
        "/api/v1/openapi.json": {
            "get": {"summary": "This document", "security": [], "responses": {"200": {"description": "OK"}}}
        },
    }


def _rows_op() -> dict[str, Any]:
    states = {"type": "string", "enum": [s.value for s in RowState]}
    return {
        "summary": "A page of a job's rows, optionally of some states",
        "security": _ADDON,
        "parameters": [
            _JOB_PARAM,
            {"name": "state", "in": "query", "required": False, "schema": states},
            {"name": "limit", "in": "query", "required": False, "schema": _int(1, 500)},
            {"name": "cursor", "in": "query", "required": False, "schema": _int(0, 999_999_999)},
        ],
        "responses": {"200": json_response("RowsPage"), **error_responses(400, 401, 403, 404)},
    }


def _int(low: int, high: int) -> dict[str, Any]:
    return {"type": "integer", "minimum": low, "maximum": high}


def _results_op() -> dict[str, Any]:
    fmt = {"type": "string", "enum": list(FORMATS)}
    return {
        "summary": "Export a job's rows",
        "security": _ADDON,
        "parameters": [_JOB_PARAM, {"name": "format", "in": "query", "required": False, "schema": fmt}],
        "responses": {
            "200": {"description": "The file", "content": {mime: {} for mime in FORMATS.values()}},
            **error_responses(400, 401, 403, 404),
        },
    }


def openapi_document(server_url: str = "") -> dict[str, Any]:
    """The OpenAPI 3.1 description of every route."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "Rowscout", "version": "1.0.0", "description": "Company research for spreadsheet rows."},
        "servers": [{"url": server_url or "/"}],
        "security": _ADDON,
        "paths": _paths(),
        "components": {
            "schemas": {**SCHEMAS, **BATCH_SCHEMAS, **DISCOVER_SCHEMAS},
            "securitySchemes": {
                **SECURITY_SCHEMES,  # the batch API's callers
                "addonIdToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "Google ID token of the add-on user (ScriptApp.getIdentityToken()).",
                },
                "tasksOidc": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "Google-signed OIDC token of the tasks service account.",
                },
            },
        },
    }
