"""Turn a Sheets API HTTP failure into a ``SheetsError`` with a message a user can act on."""

from __future__ import annotations

import json
from typing import Any

from service.domain import ErrorKind
from service.domain.errors import SheetsError


def api_error(
    status: int, body: bytes | str, *, write: bool, account: str, retry_after: str | None = None
) -> SheetsError:
    """The ``SheetsError`` for an HTTP error response of a read (``write=False``) or write call."""
    reason, message = _parse(body)
    wait = _seconds(retry_after)
    if status == 429:
        text = "Google Sheets rate limit reached; Rowscout will slow down and retry"
        return SheetsError(text, status=status, reason=reason, retry_after=wait)
    if status >= 500:
        return SheetsError(f"Google Sheets is unavailable right now ({status})", status=status, reason=reason)
    if "protected" in message.lower():
        text = "the output cells are in a protected range; remove the protection or give the account edit rights"
        return SheetsError(f"{text} ({account})", status=status, reason=reason, kind=ErrorKind.FORBIDDEN)
    if status == 403:
        return _forbidden(write, account, reason)
    if status == 404:
        text = "sheet not found: check the spreadsheet id or link"
        return SheetsError(text, status=status, reason=reason, kind=ErrorKind.NOT_FOUND)
    if status == 400 and "range" in message.lower():
        return SheetsError(f"bad range: {message}", status=status, reason=reason)
    return SheetsError(f"Google Sheets refused the request: {message or status}", status=status, reason=reason)


def _forbidden(write: bool, account: str, reason: str) -> SheetsError:
    if write:
        text = f"no edit permission: share the sheet with {account} as Editor"
    else:
        text = f"sheet not shared with the service account {account}: share it (Editor) and try again"
    return SheetsError(text, status=403, reason=reason, kind=ErrorKind.FORBIDDEN)


def network_error(exc: BaseException) -> SheetsError:
    return SheetsError(f"could not reach Google Sheets: {type(exc).__name__}", status=0, reason="network")


def _parse(body: bytes | str) -> tuple[str, str]:
    try:
        data: Any = json.loads(body)
        error = data["error"]
        return str(error.get("status", "")), str(error.get("message", ""))
    except (ValueError, KeyError, TypeError):
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        return "", text[:200]


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None
