"""Mapping HTTP statuses, Retry-After and httpx exceptions to Rowscout errors."""

from __future__ import annotations

import socket
import ssl
from datetime import UTC, datetime

import httpx
import pytest

from service.domain import ErrorKind
from service.domain.errors import BlockedError, FetchError
from service.research.errors_classify import classify_exception, error_for_status, parse_retry_after

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "kind", "cls"),
    [
        (429, ErrorKind.RATE_LIMIT, FetchError),
        (500, ErrorKind.SERVER_ERROR, FetchError),
        (502, ErrorKind.SERVER_ERROR, FetchError),
        (503, ErrorKind.SERVER_ERROR, FetchError),
        (401, ErrorKind.BLOCKED, BlockedError),
        (403, ErrorKind.BLOCKED, BlockedError),
        (404, ErrorKind.HTTP_ERROR, FetchError),
        (410, ErrorKind.HTTP_ERROR, FetchError),
        (418, ErrorKind.HTTP_ERROR, FetchError),
    ],
)
def test_status_kinds(status: int, kind: ErrorKind, cls: type) -> None:
    error = error_for_status(status, url="http://x.test/")
    assert error is not None and isinstance(error, cls)
    assert error.kind == kind
    assert str(status) in error.message


def test_retryability_follows_the_kind() -> None:
    assert error_for_status(503, url="u").retryable  # type: ignore[union-attr]
    assert error_for_status(429, url="u").retryable  # type: ignore[union-attr]
    assert not error_for_status(404, url="u").retryable  # type: ignore[union-attr]
    assert not error_for_status(403, url="u").retryable  # type: ignore[union-attr]


@pytest.mark.parametrize("status", [200, 204, 301, 304])
def test_success_and_redirect_statuses_are_not_errors(status: int) -> None:
    assert error_for_status(status, url="http://x.test/") is None


def test_rate_limit_carries_retry_after_seconds() -> None:
    error = error_for_status(429, url="u", headers={"retry-after": "30"})
    assert error is not None and error.retry_after == 30.0


def test_server_error_carries_retry_after_date() -> None:
    headers = {"retry-after": "Sun, 01 Mar 2026 12:02:00 GMT"}
    error = error_for_status(503, url="u", headers=headers, now=NOW)
    assert error is not None and error.retry_after == 120.0


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("0", 0.0), ("120", 120.0), (" 7 ", 7.0), ("Sun, 01 Mar 2026 11:00:00 GMT", 0.0), ("soon", None),
     ("", None), (None, None), ("-5", None), ("99999999", 86400.0)],
)  # fmt: skip
def test_parse_retry_after(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value, now=NOW) == seconds


def _chained(outer: Exception, cause: BaseException) -> Exception:
    outer.__cause__ = cause
    return outer


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (httpx.ConnectTimeout("slow"), ErrorKind.TIMEOUT),
        (httpx.ReadTimeout("slow"), ErrorKind.TIMEOUT),
        (TimeoutError(), ErrorKind.TIMEOUT),
        (_chained(httpx.ConnectError("x"), socket.gaierror(-2, "Name or service not known")), ErrorKind.DNS),
        (httpx.ConnectError("[Errno -3] Temporary failure in name resolution"), ErrorKind.DNS),
        (_chained(httpx.ConnectError("x"), ssl.SSLCertVerificationError("bad cert")), ErrorKind.SSL),
        (httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"), ErrorKind.SSL),
        (httpx.ConnectError("[Errno 111] Connection refused"), ErrorKind.CONNECTION),
        (httpx.ReadError("reset"), ErrorKind.CONNECTION),
        (httpx.RemoteProtocolError("peer closed"), ErrorKind.CONNECTION),
        (ConnectionResetError(), ErrorKind.CONNECTION),
        (httpx.DecodingError("bad gzip"), ErrorKind.PARSE),
    ],
)
def test_exception_kinds(exc: Exception, kind: ErrorKind) -> None:
    error = classify_exception(exc, url="http://x.test/")
    assert error.kind == kind
    assert "x.test" in error.message


def test_research_errors_pass_through() -> None:
    original = BlockedError("no", kind=ErrorKind.ROBOTS_DISALLOWED)
    assert classify_exception(original, url="u") is original
