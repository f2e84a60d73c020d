"""The add-on API, ``/api/v1``: submit, estimate, watch and control jobs, export results.

Every route needs a verified add-on user (``AddonAuthenticator``) and acts only
on that user's jobs. Routes that read or write a spreadsheet (submit, estimate,
and resume / retry-failed, which write to the sheet again) first check that the
user token is the caller's and can edit it (``access.py``). Routes parse, call
one job function, render.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, g, request, stream_with_context

from service.api import export, render
from service.api.access import USER_TOKEN_HEADER
from service.api.context import api_context
from service.api.requests import JOB_ID, SelectionRequest, int_arg, json_body, parse_selection_request
from service.domain import PROFILE_FIELDS, JobOptions, RowState
from service.domain.companies import screen_rows
from service.domain.errors import InputError
from service.domain.sources import SheetSource
from service.domain.tables import InputTable
from service.jobs import control
from service.jobs.cloudcost import cloud_cost
from service.jobs.estimate import estimate_job
from service.jobs.failures import failed_rows
from service.jobs.flush import enqueue_flush
from service.jobs.notify import notice_text
from service.jobs.plan import read_sheet_selection, start_sheet_job
from service.jobs.progress import JobProgress, job_progress
from service.research.search.pricing import price_per_search
from service.sheets.layout import default_header, new_column_headers

bp = Blueprint("addon", __name__, url_prefix="/api/v1")

ROWS_PAGE_MAX = 500
FAILED_ROWS_MAX = 50  # failed rows listed in a job's status (the rest: GET .../rows?state=failed)
_JOB_ID_RE = re.compile(JOB_ID)
_ACTIONS = {
    "pause": control.pause_job,
    "resume": control.resume_job,
    "cancel": control.cancel_job,
    "retry-failed": control.retry_failed,
}
_WRITING_ACTIONS = frozenset({"resume", "retry-failed"})  # they write to the sheet again


@bp.before_request
def authenticate() -> None:
    g.identity = api_context().addon_auth.authenticate(request.headers.get("Authorization"))


def _owner() -> str:
    return str(g.identity.email)


def _selection() -> SelectionRequest:
    ctx = api_context()
    selection = parse_selection_request(json_body(), ctx.settings)
    _require_edit(selection.spreadsheet_id)
    return selection


def _require_edit(spreadsheet_id: str) -> None:
    api_context().access.require_edit(spreadsheet_id, request.headers.get(USER_TOKEN_HEADER), user=g.identity)


def _job_json(job_id: str) -> dict[str, Any]:
    progress = job_progress(api_context().services, _job_id(job_id), owner=_owner())
    job = render.with_sheet(progress.to_dict(), progress.job)
    job["totals"] = _totals(progress)  # issue 17 (sidebar): duration and cost once the job is finished
    job["notice"] = notice_text(progress.job, progress.counts)  # issue 16: the completion notice ("" until final)
    # issue 17 part 5: the failed rows by name (row, company, kind, hint), at most FAILED_ROWS_MAX, and how many in all
    job["failed_rows"] = failed_rows(api_context().services, progress.job.id, limit=FAILED_ROWS_MAX).to_dict()
    return {"job": job}


def _totals(progress: JobProgress) -> dict[str, Any] | None:
    """Duration and research cost of a finished job (the store's spent sum: a counter read on Firestore)."""
    job = progress.job
    if not job.state.is_final or job.finished_at is None:
        return None
    cost = api_context().services.store.spent_usd(job.id)
    duration = max(0.0, (job.finished_at - job.created_at).total_seconds())
    return {"duration_seconds": round(duration), "cost_usd": round(cost, 4)}


def _job_id(job_id: str) -> str:
    if not _JOB_ID_RE.fullmatch(job_id):
        raise InputError("that is not a Rowscout job id")
    return job_id


@bp.post("/jobs")
def submit() -> tuple[dict[str, Any], int]:
    selection = _selection()
    job = start_sheet_job(
        api_context().services,
        owner=_owner(),
        name=selection.name,
        source=selection.source(),
        options=selection.options,
        rows=selection.row_count(),
    )
    return _job_json(job.id), 202


@bp.post("/estimate")
def estimate() -> dict[str, Any]:
    selection = _selection()
    table = read_sheet_selection(api_context().services, selection.source())
    new_columns = new_column_headers(selection.options.outputs, table.headers, selection.column_map)
    return {**_estimate(table, selection.options), "new_columns": new_columns}


def _estimate(table: InputTable, options: JobOptions) -> dict[str, Any]:
    counted = screen_rows((record.position, record.company(table.columns)) for record in table.records)
    rows, skipped = counted.research, counted.skipped  # repeated rows are filled, not skipped: "duplicates"
    columns = table.columns
    search = api_context().settings.search  # a search provider adds its queries (research/search/pricing.py)
    name_only = sum(1 for record in table.records if not record.company(columns).website.strip())
    estimated = estimate_job(
        rows,
        options,
        skipped=skipped,
        duplicates=counted.duplicates,
        name_only=name_only,
        search_price=price_per_search(search.provider) if search.provider else None,
        cloud=True,  # the split's cloud_usd (the same figure as cloud_cost_usd)
    )
    return {
        **estimated.to_dict(),
        **_cloud_cost(rows),
        "columns": {"name": columns.name, "website": columns.website, "reasons": list(columns.reasons)},
        "headers": table.headers,
    }


def _cloud_cost(rows: int) -> dict[str, Any]:
    """Issue 18: what the job costs in Cloud Run, Firestore and Cloud Tasks at list prices (cloudcost.py)."""
    cost = cloud_cost(rows)
    return {"cloud_cost_usd": round(cost.total, 4), "cloud_cost": cost.to_dict()}


@bp.get("/fields")
def fields() -> dict[str, Any]:
    """The researchable fields, each with the header the sheet path writes and whether it is a default.

    The one field list of every client: the defaults are ``JobOptions``' (the CLI's and the API's too).
    """
    defaults = JobOptions().fields
    catalog = [{"name": name, "label": default_header(name), "default": name in defaults} for name in PROFILE_FIELDS]
    return {"fields": catalog}


@bp.get("/jobs")
def list_jobs() -> dict[str, Any]:
    jobs = control.list_jobs(api_context().services, owner=_owner(), limit=100)
    return {"jobs": [render.job_brief(job) for job in jobs]}


@bp.get("/jobs/<job_id>")
def get_job(job_id: str) -> dict[str, Any]:
    return _job_json(job_id)


@bp.post("/jobs/<job_id>/<action>")
def act(job_id: str, action: str) -> dict[str, Any]:
    if action not in _ACTIONS:
        raise InputError(f"unknown action {action[:30]!r}; use one of {', '.join(_ACTIONS)}")
    ctx = api_context()
    if action in _WRITING_ACTIONS:
        source = control.get_job(ctx.services, _job_id(job_id), owner=_owner()).source
        if isinstance(source, SheetSource):
            _require_edit(source.spreadsheet_id)
    if action == "retry-failed":  # retryable failures only, unless ?all=true (then permanent ones too)
        everything = request.args.get("all", "").lower() in ("1", "true", "yes")
        job = control.retry_failed(ctx.services, _job_id(job_id), owner=_owner(), include_permanent=everything)
    else:
        job = _ACTIONS[action](ctx.services, _job_id(job_id), owner=_owner())
    if action == "cancel":
        enqueue_flush(ctx.services, job)  # rows marked skipped get their status cell
    return _job_json(job.id)


@bp.get("/jobs/<job_id>/rows")
def rows(job_id: str) -> dict[str, Any]:
    states = _states(request.args.getlist("state"))
    limit = int_arg("limit", 100, 1, ROWS_PAGE_MAX)
    cursor = int_arg("cursor", 0, 0, 999_999_999)
    found = control.job_rows(api_context().services, _job_id(job_id), owner=_owner(), states=states)
    return render.rows_page(found, cursor=cursor, limit=limit)


def _states(values: list[str]) -> tuple[RowState, ...]:
    try:
        return tuple(RowState(v) for v in values)
    except ValueError:
        raise InputError(f"state must be one of {', '.join(s.value for s in RowState)}") from None


@bp.get("/jobs/<job_id>/results")
def results(job_id: str) -> Response:
    svc = api_context().services
    job = control.get_job(svc, _job_id(job_id), owner=_owner())
    fmt = request.args.get("format", "csv")
    mimetype = export.content_type(fmt)
    disposition = {"Content-Disposition": f'attachment; filename="rowscout-{job.id}.{fmt}"'}
    rows = control.job_rows(svc, job.id)
    if fmt == "xlsx":
        return Response(export.export_xlsx(job, rows), mimetype=mimetype, headers=disposition)
    chunks = export.export_csv(job, rows) if fmt == "csv" else export.export_json(job, rows)
    return Response(stream_with_context(chunks), mimetype=mimetype, headers=disposition)
