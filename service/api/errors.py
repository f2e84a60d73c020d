"""Errors → HTTP: the only place a ``RowscoutError`` becomes a status code and a JSON body.

Every error response has the shape ``{"error": {"code": ..., "message": ...}}``;
a user never sees a traceback. A ``ConfigError`` (the service is not set up) is
a 503 ``misconfigured`` logged at ERROR with its cause: the operator must act,
the caller did nothing wrong. ``register_error_handlers(app)`` wires the
handlers; ``http_error_for(exc)`` is the mapping, kept pure for tests.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

from service.domain import ErrorKind
from service.domain.errors import (
    AuthError,
    ConfigError,
    JobNotFound,
    JobStateError,
    QueueError,
    QuotaError,
    RowscoutError,
    SchemaError,
    SheetsError,
    StoreError,
)

log = logging.getLogger(__name__)


class NotAuthenticated(AuthError):
    """The caller sent no credentials or credentials we could not verify (HTTP 401)."""


class QuotaExceeded(QuotaError):
    """The caller asked for more than a limit allows right now (HTTP 429)."""


@dataclass(frozen=True)
class HttpError:
    status: int
    code: str
    message: str
    retry_after: float | None = None


_WERKZEUG_CODES = {
    400: "invalid_input",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "invalid_input",
    429: "quota_exceeded",
}


def http_error_for(exc: RowscoutError) -> HttpError:
    """The status, code and user message for one of our errors."""
    message = exc.message
    if isinstance(exc, ConfigError):
        return HttpError(503, "misconfigured", f"the Rowscout service is not set up: {message}")
    if isinstance(exc, NotAuthenticated):
        return HttpError(401, "unauthenticated", message)
    if isinstance(exc, AuthError):
        return _auth_error(exc)
    if isinstance(exc, JobNotFound):
        return HttpError(404, "not_found", message)
    if isinstance(exc, SchemaError):
        return HttpError(400, "no_company_column", message)
    if isinstance(exc, JobStateError):
        return HttpError(409, "conflict", message)
    if isinstance(exc, SheetsError):
        return _sheets_error(exc)
    if isinstance(exc, QuotaError):
        return HttpError(429, "quota_exceeded", message, exc.retry_after)
    if isinstance(exc, StoreError | QueueError) or exc.retryable:
        return HttpError(503, "unavailable", message, exc.retry_after)
    if exc.kind == ErrorKind.INTERNAL:
        return HttpError(500, "internal", "unexpected error; it was logged")
    return HttpError(400, "invalid_input", message)


def _auth_error(exc: AuthError) -> HttpError:
    if exc.retryable:  # e.g. Google's certificates could not be fetched
        return HttpError(503, "unavailable", exc.message, exc.retry_after)
    return HttpError(403, "forbidden", exc.message)


def _sheets_error(exc: SheetsError) -> HttpError:
    if exc.status == 403:
        message = "the Rowscout service account cannot open this spreadsheet; share it as an Editor"
        return HttpError(403, "sheet_not_shared", message)
    if exc.status == 404:
        return HttpError(404, "not_found", exc.message)
    if exc.status == 429:
        return HttpError(429, "quota_exceeded", exc.message, exc.retry_after)
    if exc.retryable:
        return HttpError(503, "unavailable", exc.message, exc.retry_after)
    return HttpError(400, "invalid_input", exc.message)


def error_response(error: HttpError) -> Response:
    response = jsonify({"error": {"code": error.code, "message": error.message}})
    response.status_code = error.status
    if error.retry_after is not None:
        response.headers["Retry-After"] = str(max(1, round(error.retry_after)))
    return response


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(RowscoutError, _handle_rowscout_error)
    app.register_error_handler(HTTPException, _handle_http_exception)
    app.register_error_handler(Exception, _handle_unexpected)


def _handle_rowscout_error(exc: RowscoutError) -> Response:
    error = http_error_for(exc)
    if isinstance(exc, ConfigError):
        log.error("service misconfigured: %s", exc.message, extra={"cause": exc.message})
    elif error.status >= 500:
        log.error("request failed: %s", exc.user_message, exc_info=error.status == 500)
    return error_response(error)


def _handle_http_exception(exc: HTTPException) -> Response:
    status = exc.code or 500
    code = _WERKZEUG_CODES.get(status, "unavailable" if status >= 500 else "invalid_input")
    message = exc.description or exc.name
    if status == 413:
        message = "the request body is too large"
    return error_response(HttpError(status, code, message))


def _handle_unexpected(exc: Exception) -> Response:
    log.exception("unhandled error")
    return error_response(HttpError(500, "internal", "unexpected error; it was logged"))
