"""Rowscout's one exception tree.

Every failure the product can meet is one of these classes, and each instance
knows whether trying again later may help (``retryable``) and which
``ErrorKind`` a user sees in the row's status cell::

    RowscoutError                       base; .kind, .retryable, .user_message
    ├── InputError                      bad file, bad options, bad request (permanent)
    │   └── SchemaError                 no recognisable company column
    ├── JobError                        job lifecycle misuse
    │   ├── JobNotFound
    │   └── JobStateError               e.g. resume a cancelled job
    ├── StoreError                      job-state backend failure (retryable)
    ├── QueueError                      task-queue backend failure (retryable)
    ├── AuthError                       caller not verified / not allowed (permanent)
    ├── QuotaError                      a caller's limit is used up for now (retry after .retry_after)
    ├── ConfigError                     the service is not set up: a setting or credential
    │                                   is missing or wrong (retryable: an operator fixes it)
    ├── SheetsError(status, reason)     Sheets API failure; retryable on 429/5xx
    └── ResearchError                   researching one company failed
        ├── FetchError                  timeout, dns, connection, ssl, rate_limit, http
        ├── BlockedError                403, bot challenge, parked domain, robots.txt
        ├── UnsafeUrlError              SSRF guard refused the address (permanent)
        ├── ExtractionError             not_html, parse
        ├── NoWebsiteFound              no website given and none could be found
        └── AmbiguousWebsite            two sites fit a name-only row equally: needs review (permanent)

HTTP status codes are chosen only at the edge (``service/api``), never here.
"""

from __future__ import annotations

from service.domain.model import ErrorKind


class RowscoutError(Exception):
    """Base of every Rowscout error.

    Args:
        message: a short sentence a user can read (no traceback, no secrets).
        kind: the error kind shown in status cells and summaries.
        retry_after: seconds the source asked us to wait, when it said so.
    """

    default_kind: ErrorKind = ErrorKind.INTERNAL

    def __init__(
        self,
        message: str,
        *,
        kind: ErrorKind | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind or self.default_kind
        self.retry_after = retry_after

    @property
    def retryable(self) -> bool:
        return self.kind.retryable

    @property
    def user_message(self) -> str:
        return f"{self.kind.value} — {self.message}"


class InputError(RowscoutError):
    default_kind = ErrorKind.INVALID_INPUT


class SchemaError(InputError):
    default_kind = ErrorKind.INVALID_INPUT


class JobError(RowscoutError):
    default_kind = ErrorKind.INVALID_INPUT


class JobNotFound(JobError):
    default_kind = ErrorKind.NOT_FOUND


class JobStateError(JobError):
    default_kind = ErrorKind.INVALID_INPUT


class StoreError(RowscoutError):
    default_kind = ErrorKind.BACKEND


class QueueError(RowscoutError):
    default_kind = ErrorKind.BACKEND


class AuthError(RowscoutError):
    default_kind = ErrorKind.FORBIDDEN


class QuotaError(RowscoutError):
    """A caller used up a limit for now (batch API: active batches, rows per day); ``retry_after`` says when."""

    default_kind = ErrorKind.RATE_LIMIT


class ConfigError(RowscoutError):
    """The service is not set up (no credentials, no client ids, ...): the operator's problem, not the user's."""

    default_kind = ErrorKind.BACKEND


class SheetsError(RowscoutError):
    """A Sheets API failure, with the HTTP status and Google's reason."""

    default_kind = ErrorKind.SHEETS

    def __init__(
        self,
        message: str,
        *,
        status: int = 0,
        reason: str = "",
        kind: ErrorKind | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, kind=kind or _sheets_kind(status), retry_after=retry_after)
        self.status = status
        self.reason = reason


def _sheets_kind(status: int) -> ErrorKind:
    if status == 429:
        return ErrorKind.RATE_LIMIT
    if status >= 500 or status == 0:
        return ErrorKind.SHEETS
    return ErrorKind.SHEETS_PERMANENT


class ResearchError(RowscoutError):
    default_kind = ErrorKind.INTERNAL


class FetchError(ResearchError):
    default_kind = ErrorKind.CONNECTION


class BlockedError(ResearchError):
    default_kind = ErrorKind.BLOCKED


class UnsafeUrlError(ResearchError):
    default_kind = ErrorKind.UNSAFE_URL


class ExtractionError(ResearchError):
    default_kind = ErrorKind.PARSE


class NoWebsiteFound(ResearchError):
    default_kind = ErrorKind.NO_WEBSITE_FOUND


class AmbiguousWebsite(ResearchError):
    """Two different sites name the company equally well: a person should pick one (the row needs review)."""

    default_kind = ErrorKind.AMBIGUOUS_WEBSITE
