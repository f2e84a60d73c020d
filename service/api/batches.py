"""The batch API, ``/api/v1/batches``: research a list of companies from your own code.

Callers authenticate with an API key or an allow-listed Google ID token
(``keys.BatchAuthenticator``) and see only their own batches (404 for
another's). ``GET /api/v1/stats`` (alias ``/api/v1/batches/stats``) answers
every authenticated caller over their own jobs: batch callers as above, and
add-on users with the add-on's ID token (``stats_identity``). Routes parse,
call one ``service.jobs.batches`` (or ``control``) function, render.
``BATCH_FIELDS`` validates the submit body and is the OpenAPI schema of it.
"""

from __future__ import annotations

import io
import re
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request
from google.auth import exceptions as google_exceptions
from google.auth import jwt

from service.api.auth import Identity
from service.api.context import api_context
from service.api.export import ExportColumns, content_type
from service.api.keys import API_KEY_HEADER
from service.api.requests import FIELDS_SCHEMA, JOB_ID, MAX_COST_SCHEMA, check_value, int_arg, json_body, max_cost
from service.domain import CompanyInput, Job, JobOptions, Priority, Row, RowState
from service.domain.errors import InputError
from service.domain.notices import check_email, check_webhook_url
from service.domain.question_specs import parse_questions
from service.files.formats import FileFormat
from service.files.writers import text_chunks, write_xlsx
from service.jobs import batches, control

bp = Blueprint("batches", __name__, url_prefix="/api/v1")

MAX_NAME = 300
MAX_EXTRA_KEYS = 30
RESULTS_PAGE_MAX = 10_000
_JOB_ID_RE = re.compile(JOB_ID)
_COMPANY: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "maxLength": MAX_NAME},
        "website": {"type": ["string", "null"], "maxLength": 2000},
        "country": {"type": ["string", "null"], "maxLength": 100},
    },
    "required": ["name"],
    "additionalProperties": {"type": ["string", "null"], "maxLength": 2000},
    "maxProperties": MAX_EXTRA_KEYS,
}
_QUESTION = {"type": "string", "minLength": 3, "maxLength": 300}

# name -> (JSON schema, required)
BATCH_FIELDS: dict[str, tuple[dict[str, Any], bool]] = {
    "companies": ({"type": "array", "items": _COMPANY, "minItems": 1, "maxItems": batches.MAX_COMPANIES}, False),
    "company_names": (
        {
            "type": "array",
            "items": {"type": "string", "minLength": 1, "maxLength": MAX_NAME},
            "minItems": 1,
            "maxItems": batches.MAX_COMPANIES,
        },
        False,
    ),
    "domain_hints": (
        {
            "type": "object",
            "propertyNames": {"maxLength": MAX_NAME},
            "additionalProperties": {"type": "string", "minLength": 1, "maxLength": 2000},
            "maxProperties": batches.MAX_COMPANIES,
        },
        False,
    ),
    "fields": (FIELDS_SCHEMA, False),
    "questions": ({"type": "array", "items": _QUESTION, "minItems": 1, "maxItems": 20, "uniqueItems": True}, False),
    "priority": ({"type": "string", "enum": [p.value for p in Priority]}, False),
    "max_cost_usd": (MAX_COST_SCHEMA, False),  # issue 15: a spend cap on search and LLM calls (jobs/spend.py)
    "max_concurrent": ({"type": "integer", "minimum": 1, "maximum": 20}, False),
    "timeout_seconds": ({"type": "integer", "minimum": 30, "maximum": 600}, False),
    "include_failed_results": ({"type": "boolean"}, False),
    "export_format": ({"type": "string", "enum": ["json", "csv", "xlsx"]}, False),
    "name": ({"type": ["string", "null"], "maxLength": 200}, False),
    "webhook_url": ({"type": ["string", "null"], "maxLength": 2000}, False),
    "notification_email": ({"type": ["string", "null"], "maxLength": 254}, False),
}

BATCH_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {name: schema for name, (schema, _) in BATCH_FIELDS.items()},
    "additionalProperties": False,
}


BATCH_BODY_BYTES = 8_000_000  # 10,000 companies with websites and a few extra keys each
STATS_PATHS = ("/api/v1/stats", "/api/v1/batches/stats")  # the second: an alias of the first


@bp.before_request
def authenticate() -> None:
    if request.method == "POST" and request.path == "/api/v1/batches":
        request.max_content_length = max(BATCH_BODY_BYTES, api_context().settings.limits.max_body_bytes)
    sent = {name: request.headers.get(name, "") for name in (API_KEY_HEADER, "Authorization")}
    g.identity = stats_identity(sent) if request.path in STATS_PATHS else batch_caller(sent)


def batch_caller(sent: dict[str, str] | None = None) -> Identity:
    """Who calls a batch-API route: its ``X-API-Key`` or bearer ID token, checked (401 otherwise)."""
    auth = api_context().batch_auth
    assert auth is not None  # build_context always sets it
    if sent is None:
        sent = {name: request.headers.get(name, "") for name in (API_KEY_HEADER, "Authorization")}
    return auth.authenticate_headers(sent)


def stats_identity(sent: dict[str, str]) -> Identity:
    """Who asks for statistics: an add-on user when the bearer token is minted for the add-on, else a batch caller.

    The token's ``aud`` (read unverified, only to choose) picks the
    authenticator, which then verifies everything. Without ``ROWSCOUT_API_CALLERS``
    every bearer token is the add-on's to check; ``serve`` takes API keys only.
    """
    ctx = api_context()
    auth = ctx.batch_auth
    assert auth is not None
    authorization = sent.get("Authorization", "")
    if sent.get(API_KEY_HEADER) or not authorization or current_app.config.get("API_KEYS_ONLY"):
        return auth.authenticate_headers(sent)
    if _unverified_audience(authorization) in ctx.settings.cloud.addon_client_ids or not ctx.settings.api.callers:
        return ctx.addon_auth.authenticate(authorization)
    return auth.authenticate_headers(sent)


def _unverified_audience(authorization: str) -> str:
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return ""
    try:
        claims = jwt.decode(token.strip(), verify=False)
    except (ValueError, TypeError, KeyError, google_exceptions.GoogleAuthError):
        return ""
    audience = claims.get("aud") if isinstance(claims, dict) else None
    return audience if isinstance(audience, str) else ""


def _owner() -> str:
    return str(g.identity.email)


@bp.post("/batches")
def submit() -> tuple[dict[str, Any], int]:
    ctx = api_context()
    body = json_body()
    companies, options, name = parse_batch(body)
    limits = batches.OwnerLimits(ctx.settings.api.max_active_batches, ctx.settings.api.max_rows_per_day)
    job, estimate = batches.submit_batch(
        ctx.services, owner=_owner(), name=name, companies=companies, options=options, limits=limits
    )
    return {
        "batch_id": job.id,
        "status": batches.batch_status(job),
        "total": len(companies),
        "skipped": estimate.skipped,
        "estimated_seconds": round(estimate.seconds),
        "estimated_cost_usd": round(estimate.cost_usd, 4),
        "status_url": f"/api/v1/batches/{job.id}",
        "results_url": f"/api/v1/batches/{job.id}/results",
    }, 202


@bp.get("/batches")
def list_batches() -> dict[str, Any]:
    limit = int_arg("limit", 100, 1, 1000)
    found = batches.list_batches(api_context().services, owner=_owner(), limit=limit)
    return {"batches": [batches.batch_brief(job) for job in found]}


@bp.get("/stats")
@bp.get("/batches/stats")
def stats() -> dict[str, Any]:
    timeframe = request.args.get("timeframe", "24h")
    if timeframe not in batches.TIMEFRAMES:
        raise InputError(f"timeframe must be one of {', '.join(batches.TIMEFRAMES)}; got {timeframe[:20]!r}")
    return batches.batch_stats(api_context().services, owner=_owner(), timeframe=timeframe)


@bp.get("/batches/<batch_id>")
def status(batch_id: str) -> dict[str, Any]:
    return batches.batch_view(api_context().services, _batch_id(batch_id), owner=_owner())


_ACTIONS = {
    "pause": control.pause_job,
    "resume": control.resume_job,
    "cancel": control.cancel_job,
    "retry-failed": control.retry_failed,
}


@bp.post("/batches/<batch_id>/<action>")
def act(batch_id: str, action: str) -> dict[str, Any]:
    if action not in _ACTIONS:
        raise InputError(f"unknown action {action[:30]!r}; use one of {', '.join(_ACTIONS)}")
    svc = api_context().services
    job = batches.get_batch(svc, _batch_id(batch_id), owner=_owner())
    _ACTIONS[action](svc, job.id, owner=_owner())
    if action in ("cancel", "retry-failed"):
        control.complete_if_finished(svc, job.id)  # nothing left to research: the batch ends now
    return batches.batch_view(svc, job.id, owner=_owner())


@bp.get("/batches/<batch_id>/results")
def results(batch_id: str) -> Response:
    svc = api_context().services
    job = batches.get_batch(svc, _batch_id(batch_id), owner=_owner())
    fmt = request.args.get("format") or job.options.export_format or "json"
    mimetype = content_type(fmt)
    include_failed = _bool_arg("include_failed", job.options.include_failed_results)
    limit = int_arg("limit", 1000, 1, RESULTS_PAGE_MAX)
    cursor = int_arg("cursor", 0, 0, 999_999_999)
    rows, next_cursor = batches.result_rows(svc, job, include_failed=include_failed, cursor=cursor, limit=limit)
    if fmt == "json":
        return jsonify(
            {
                "batch_id": job.id,
                "status": batches.batch_status(job),
                "results": [result_record(job, row) for row in rows],
                "next_cursor": next_cursor,
                "summary": batches.results_summary(svc, job),
            }
        )
    headers = {"Content-Disposition": f'attachment; filename="rowscout-batch-{job.id}.{fmt}"'}
    if next_cursor is not None:
        headers["X-Next-Cursor"] = str(next_cursor)
    columns = export_columns(job)
    if fmt == "xlsx":
        out = io.BytesIO()
        write_xlsx(out, columns, rows)
        return Response(out.getvalue(), mimetype=mimetype, headers=headers)
    return Response("".join(text_chunks(FileFormat.CSV, columns, rows)), mimetype=mimetype, headers=headers)


def export_columns(job: Job) -> ExportColumns:
    """The add-on export's columns (the file writers' guards; failed rows show their error kind and message)."""
    of = getattr(ExportColumns, "of", None)  # newer exports build their columns from the whole job
    return of(job) if of is not None else ExportColumns(tuple(job.options.fields))


def result_record(job: Job, row: Row) -> dict[str, Any]:
    """One company of the JSON results: input, state, error (kind, message) or the researched fields."""
    failed = row.state in (RowState.FAILED, RowState.SKIPPED)
    profile = row.result
    return {
        "row": row.position,
        "name": row.input.name,
        "input_website": row.input.website,
        "input": dict(row.input.extra),
        "status": row.state.value,
        "error": {"kind": row.error_kind.value if row.error_kind else None, "message": row.error_message}
        if failed
        else None,
        "result": {field: profile.value(field) for field in job.options.fields} if profile else None,
        "researched_at": row.researched_at.isoformat() if row.researched_at else None,
        "note": row.error_message if row.state == RowState.DONE and row.error_message else None,  # spend cap note
    }


# --- parsing ---------------------------------------------------------------------------------------------------


def parse_batch(body: Any) -> tuple[list[CompanyInput], JobOptions, str]:
    """Validate a submit body against ``BATCH_FIELDS``; raise ``InputError`` naming the first bad field."""
    if not isinstance(body, dict):
        raise InputError("the request body must be a JSON object")
    unknown = sorted(set(body) - set(BATCH_FIELDS))
    if unknown:
        raise InputError(f"unknown field {unknown[0][:60]!r}")
    for name, (schema, _) in BATCH_FIELDS.items():
        if name in body:
            check_value(name, body[name], schema)
    companies = _companies(body)
    options = _options(body)
    name = (body.get("name") or "").strip() or f"Batch of {len(companies)} companies"
    return companies, options, name


def _companies(body: dict[str, Any]) -> list[CompanyInput]:
    if ("companies" in body) == ("company_names" in body):
        raise InputError("send either companies or company_names (with domain_hints), not both and not neither")
    if "companies" in body:
        if "domain_hints" in body:
            raise InputError("domain_hints go with company_names; give each company its website instead")
        return [_company(n, item) for n, item in enumerate(body["companies"])]
    hints = body.get("domain_hints") or {}
    unknown = sorted(set(hints) - set(body["company_names"]))
    if unknown:
        raise InputError(f"domain_hints names {unknown[0][:60]!r}, which is not in company_names")
    return [
        CompanyInput(name=name.strip(), website=_website(hints.get(name, ""), name)) for name in body["company_names"]
    ]


def _company(index: int, item: dict[str, Any]) -> CompanyInput:
    where = f"companies[{index}]"
    name = item.get("name")
    if not isinstance(name, str) or not name.strip():
        raise InputError(f"{where}.name is required")
    if len(item) > MAX_EXTRA_KEYS:
        raise InputError(f"{where} has more than {MAX_EXTRA_KEYS} keys")
    for key, value in item.items():
        check_value(f"{where}.{key[:40]}", value, _COMPANY["properties"].get(key, _COMPANY["additionalProperties"]))
    extra = {str(k): str(v) for k, v in item.items() if k not in ("name", "website") and v not in (None, "")}
    return CompanyInput(name=name.strip(), website=_website(item.get("website") or "", name), extra=extra)


def _website(text: str, name: str) -> str:
    """The website as sent: a row whose website cannot be researched is skipped with the reason (``RowScreen``)."""
    return text.strip()


def _options(body: dict[str, Any]) -> JobOptions:
    defaults = JobOptions()
    values: dict[str, Any] = {
        "fields": list(body.get("fields") or defaults.fields),
        "concurrency": body.get("max_concurrent") or 5,
        "rate": 20.0,
        "timeout": float(body.get("timeout_seconds") or defaults.timeout),
        "priority": body.get("priority") or Priority.NORMAL.value,
        "include_failed_results": body.get("include_failed_results", True),
        "export_format": body.get("export_format") or "",
        "webhook_url": check_webhook_url(body.get("webhook_url") or ""),
        "notification_email": check_email(body.get("notification_email") or ""),
        "max_cost_usd": max_cost(body),
    }
    if body.get("questions"):
        values["questions"] = [q.to_dict() for q in parse_questions(body["questions"])]  # kinds, checks
    return JobOptions.from_dict(values)


def _batch_id(batch_id: str) -> str:
    if not _JOB_ID_RE.fullmatch(batch_id):
        raise InputError("that is not a Rowscout batch id")
    return batch_id


def _bool_arg(name: str, default: bool) -> bool:
    text = request.args.get(name)
    if text is None:
        return default
    if text.lower() not in ("true", "false", "1", "0"):
        raise InputError(f"{name} must be true or false")
    return text.lower() in ("true", "1")
