"""Task and cron endpoints: ``/tasks/{research,plan,flush,notice}`` and ``/cron/refresh``.

Only the tasks service account may call them (``TaskAuthenticator``: a
Google-signed OIDC token verified in the app, see service/api/README.md). The answer
follows Cloud Tasks' contract: 200 when done (also for recorded permanent
failures and for paused/cancelled jobs), 503 with ``Retry-After`` or 429 for
rate limits when the queue should deliver the task again.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, g, jsonify, request

from service.api.context import api_context
from service.api.errors import error_response, http_error_for
from service.api.numbers import strict_int
from service.domain import ErrorKind
from service.domain.errors import AuthError, ConfigError, InputError, JobNotFound, RowscoutError, SheetsError
from service.jobs.flush import flush_sheet_job, give_up_flush
from service.jobs.notify import handle_notice_task
from service.jobs.plan import plan_sheet_job
from service.jobs.refresh import refresh_stale_rows
from service.jobs.rowtask import reschedule_flush, run_cloud_research_task
from service.queue.port import Task, TaskDelivery, TaskKind, TaskResult

log = logging.getLogger(__name__)
bp = Blueprint("tasks", __name__)

RETRY_COUNT_HEADER = "X-CloudTasks-TaskRetryCount"


@bp.before_request
def authenticate() -> None:
    g.identity = api_context().task_auth.authenticate(request.headers.get("Authorization"))


def _task(kind: TaskKind) -> TaskDelivery:
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("job_id"), str) or not body["job_id"]:
        raise InputError("a task body is a JSON object with a job_id")
    row_key = body.get("row_key") or ""
    payload = body.get("payload") or {}
    if not isinstance(row_key, str) or not isinstance(payload, dict):
        raise InputError("row_key must be a string and payload an object")
    task = Task(kind=kind, job_id=body["job_id"], row_key=row_key, payload=payload)
    return TaskDelivery(task=task, attempt=_attempt())


def _attempt() -> int:
    """1 + the retry count Cloud Tasks sends; a missing or malformed header counts as the first attempt."""
    retries = strict_int(request.headers.get(RETRY_COUNT_HEADER))
    return 1 if retries is None else retries + 1


def task_response(result: TaskResult, **details: Any) -> Response:
    """200 for done; 503 (+ Retry-After) or 429 (rate limit) for try-again."""
    if result.ok:
        return jsonify({"status": "done", **details})
    status = 429 if details.get("kind") == ErrorKind.RATE_LIMIT.value else 503
    response = jsonify({"status": "retry", **details})
    response.status_code = status
    if result.retry_after is not None:
        response.headers["Retry-After"] = str(max(1, round(result.retry_after)))
    return response


@bp.post("/tasks/research")
def research() -> Response:
    ctx = api_context()
    delivery = _task(TaskKind.RESEARCH)
    if not delivery.task.row_key:
        raise InputError("a research task needs a row_key")
    answer = run_cloud_research_task(ctx.services, delivery, max_deliveries=ctx.settings.cloud.tasks_max_attempts)
    if answer.result.ok:
        return task_response(answer.result, rescheduled=answer.rescheduled)
    return task_response(answer.result, kind=(answer.kind or ErrorKind.LEASE_BUSY).value)


@bp.post("/tasks/plan")
def plan() -> Response:
    task = _task(TaskKind.PLAN).task
    chunk = task.payload.get("chunk")  # planning runs in chunks; a repeated delivery of a done chunk is a no-op
    chunk = chunk if type(chunk) is int else None
    return task_response(plan_sheet_job(api_context().services, task.job_id, chunk=chunk))


@bp.post("/tasks/flush")
def flush() -> Response:
    delivery = _task(TaskKind.FLUSH)
    try:
        report = flush_sheet_job(api_context().services, delivery.task.job_id)
    except JobNotFound:
        return task_response(TaskResult.done(), written=0)  # job deleted (TTL): nothing to write
    except RowscoutError as exc:
        if not exc.retryable:
            raise
        svc, max_deliveries = api_context().services, api_context().settings.cloud.tasks_max_attempts
        if isinstance(exc, SheetsError) and exc.retry_after:
            # the shared Sheets budget (or Google) names the time: come back then, do not slow the queue
            reschedule_flush(svc, delivery.task.job_id, exc.retry_after)
            return task_response(TaskResult.done(), written=0, rescheduled=True)
        if max_deliveries and delivery.attempt >= max_deliveries:
            give_up_flush(svc, delivery.task.job_id, exc.user_message)  # the queue's last try: the job ends
            return task_response(TaskResult.done(), written=0, gave_up=True)
        raise
    return task_response(TaskResult.done(), written=report.written, missing=len(report.missing_keys))


@bp.post("/tasks/notice")
def notice() -> Response:
    """A job's completion notice (issue 16): sent once per delivery id; 503 while the receiver fails retryably."""
    ctx = api_context()
    delivery = _task(TaskKind.NOTICE)
    notices = ctx.services.notices
    if notices is None:
        return task_response(TaskResult.done(), sent=False)
    result = handle_notice_task(ctx.services, notices, delivery)
    last = ctx.settings.cloud.tasks_max_attempts
    if not result.ok and last and delivery.attempt >= last:
        log.error("gave up on a completion notice after %d deliveries", delivery.attempt)
        return task_response(TaskResult.done(), sent=False, gave_up=True)
    return task_response(result, kind=ErrorKind.SERVER_ERROR.value) if not result.ok else task_response(result)


@bp.errorhandler(RowscoutError)
def task_error(exc: RowscoutError) -> Response:
    """Permanent failures answer 200 so Cloud Tasks stops retrying; the rest as usual."""
    if isinstance(exc, ConfigError):
        log.error("service misconfigured: %s", exc.message, extra={"path": request.path})
    if isinstance(exc, AuthError) or exc.retryable:
        return error_response(http_error_for(exc))
    log.error("task failed for good: %s", exc.user_message, extra={"path": request.path})
    return jsonify({"status": "failed", "error": {"kind": exc.kind.value, "message": exc.message}})


@bp.post("/cron/refresh")
def refresh() -> Response:
    refreshed = refresh_stale_rows(api_context().services)
    return jsonify({"status": "done", "jobs": len(refreshed), "rows": sum(refreshed.values())})
