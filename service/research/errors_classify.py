"""Map what the web did (httpx exceptions, HTTP statuses, Retry-After) to Rowscout errors.

``error_for_status`` turns a final (non-redirect) HTTP status into the error a
row should carry, ``classify_exception`` does the same for transport failures,
and ``parse_retry_after`` reads ``Retry-After`` in either of its forms
(seconds, or an HTTP date).
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http import HTTPStatus

import httpx

from service.domain import ErrorKind
from service.domain.errors import BlockedError, ExtractionError, FetchError, ResearchError

_DNS_MARKERS = (
    "name or service not known",
    "nodename nor servname",
    "getaddrinfo failed",
    "temporary failure in name resolution",
    "no address associated",
)
_MAX_RETRY_AFTER = 24 * 3600.0


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delta-seconds or HTTP date); None if absent/bad."""
    if not value or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), _MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    delta = (when - (now or datetime.now(UTC))).total_seconds()
    return min(max(delta, 0.0), _MAX_RETRY_AFTER)


def _reason(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


def error_for_status(
    status: int, *, url: str, headers: Mapping[str, str] | None = None, now: datetime | None = None
) -> ResearchError | None:
    """The error for a final HTTP status, or None when the status is a success."""
    if status < 400:
        return None
    headers = headers or {}
    reason = _reason(status)
    retry_after = parse_retry_after(headers.get("retry-after"), now=now)
    if status == 429:
        message = f"{url} answered {reason}: the site asks us to slow down"
        return FetchError(message, kind=ErrorKind.RATE_LIMIT, retry_after=retry_after)
    if status >= 500:
        message = f"{url} answered {reason}"
        return FetchError(message, kind=ErrorKind.SERVER_ERROR, retry_after=retry_after)
    if status in (401, 403):
        return BlockedError(f"{url} refused access ({reason})", kind=ErrorKind.BLOCKED)
    return FetchError(f"{url} answered {reason}", kind=ErrorKind.HTTP_ERROR)


def _causes(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain and len(chain) < 10:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _is_dns_failure(exc: BaseException) -> bool:
    chain = _causes(exc)
    if any(isinstance(e, socket.gaierror) for e in chain):
        return True
    text = " ".join(str(e).lower() for e in chain)
    return any(marker in text for marker in _DNS_MARKERS)


def _is_ssl_failure(exc: BaseException) -> bool:
    chain = _causes(exc)
    if any(isinstance(e, ssl.SSLError | ssl.CertificateError) for e in chain):
        return True
    text = " ".join(str(e) for e in chain)
    return "CERTIFICATE_VERIFY_FAILED" in text or "SSL" in text


def classify_exception(exc: BaseException, *, url: str) -> ResearchError:
    """The Rowscout error for a transport failure while fetching ``url``."""
    if isinstance(exc, ResearchError):
        return exc
    if isinstance(exc, httpx.TimeoutException | asyncio.TimeoutError | TimeoutError):
        return FetchError(f"{url} did not answer in time", kind=ErrorKind.TIMEOUT)
    if _is_ssl_failure(exc):
        return FetchError(f"{url}: secure connection failed (TLS certificate or handshake)", kind=ErrorKind.SSL)
    if _is_dns_failure(exc):
        return FetchError(f"{url}: the host name does not resolve", kind=ErrorKind.DNS)
    if isinstance(exc, httpx.RemoteProtocolError) and "location header" in str(exc).lower():
        return FetchError(f"{url}: redirected to a malformed address", kind=ErrorKind.HTTP_ERROR)
    if isinstance(exc, httpx.InvalidURL | UnicodeError):
        return FetchError(f"{url}: malformed redirect or address ({exc})"[:300], kind=ErrorKind.HTTP_ERROR)
    if isinstance(exc, httpx.DecodingError):
        return ExtractionError(f"{url}: the response could not be decoded", kind=ErrorKind.PARSE)
    if isinstance(exc, httpx.HTTPError | OSError):
        return FetchError(f"{url}: connection failed ({type(exc).__name__})", kind=ErrorKind.CONNECTION)
    return FetchError(f"{url}: fetch failed ({type(exc).__name__})", kind=ErrorKind.CONNECTION)
