"""``GoogleSheetsApi``: the few Sheets API v4 calls Rowscout makes, over ``google-api-python-client``.

Every call goes through a client-side rate limiter (reads and writes have
separate per-minute budgets) and the retry policy; HTTP failures become
``SheetsError``s with clear messages (``translate.api_error``). Values are
always written with ``valueInputOption=RAW`` so text like ``=IMPORTXML(...)``
stays text. Calls are serialized per instance (httplib2 is not thread-safe).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import google_auth_httplib2
import httplib2
from google.auth.credentials import Credentials
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from service.config import SheetsConfig
from service.domain.retry import RetryPolicy
from service.sheets.credentials import account_email
from service.sheets.limiter import RateLimiter
from service.sheets.retry import call_with_retry
from service.sheets.translate import api_error, network_error

JsonDict = dict[str, Any]


class GoogleSheetsApi:
    """Sheets API v4 through the official client; ``endpoint`` points it at a fake in tests."""

    def __init__(
        self,
        credentials: Credentials,
        *,
        endpoint: str | None = None,
        account: str | None = None,
        reads_per_minute: int = 60,
        writes_per_minute: int = 60,
        retry: RetryPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        timeout: float = 60.0,
    ) -> None:
        http = google_auth_httplib2.AuthorizedHttp(credentials, http=httplib2.Http(timeout=timeout))
        options = {"api_endpoint": endpoint} if endpoint else None
        self._service: Any = build(
            "sheets", "v4", http=http, static_discovery=True, cache_discovery=False, client_options=options
        )
        # building a method resource renders docstrings (~50 ms): do it once
        self._sheets: Any = self._service.spreadsheets()
        self._values: Any = self._sheets.values()
        self._metadata: Any = self._sheets.developerMetadata()
        self.account = account or account_email(credentials)
        self.read_limiter = RateLimiter(reads_per_minute, clock=clock, sleep=sleep)
        self.write_limiter = RateLimiter(writes_per_minute, clock=clock, sleep=sleep)
        self._retry = retry or SheetsConfig().retry
        self._sleep = sleep
        self._lock = threading.Lock()

    # --- reads
    def get_spreadsheet(self, spreadsheet_id: str, *, fields: str | None = None) -> JsonDict:
        kwargs = {"fields": fields} if fields else {}
        sheets = self._sheets
        return self._call(lambda: sheets.get(spreadsheetId=spreadsheet_id, **kwargs), write=False)

    def batch_get_values(self, spreadsheet_id: str, ranges: Sequence[str]) -> list[JsonDict]:
        values = self._values
        request = lambda: values.batchGet(spreadsheetId=spreadsheet_id, ranges=list(ranges))  # noqa: E731
        return list(self._call(request, write=False).get("valueRanges", []))

    def search_metadata(self, spreadsheet_id: str, data_filters: Sequence[JsonDict]) -> list[JsonDict]:
        metadata = self._metadata
        body = {"dataFilters": list(data_filters)}
        response = self._call(lambda: metadata.search(spreadsheetId=spreadsheet_id, body=body), write=False)
        return [m["developerMetadata"] for m in response.get("matchedDeveloperMetadata", [])]

    # --- writes
    def batch_update(self, spreadsheet_id: str, requests: Sequence[JsonDict]) -> list[JsonDict]:
        sheets = self._sheets
        body = {"requests": list(requests)}
        response = self._call(lambda: sheets.batchUpdate(spreadsheetId=spreadsheet_id, body=body), write=True)
        return list(response.get("replies", []))

    def batch_update_values(self, spreadsheet_id: str, data: Sequence[JsonDict]) -> JsonDict:
        values = self._values
        body = {"valueInputOption": "RAW", "data": list(data)}
        return self._call(lambda: values.batchUpdate(spreadsheetId=spreadsheet_id, body=body), write=True)

    def close(self) -> None:
        """Close the HTTP connections."""
        self._service.close()

    # --- plumbing
    def _call(self, make_request: Callable[[], Any], *, write: bool) -> JsonDict:
        limiter = self.write_limiter if write else self.read_limiter

        def attempt() -> JsonDict:
            with self._lock:
                limiter.acquire()
                return self._execute(make_request(), write=write)

        return call_with_retry(attempt, self._retry, sleep=self._sleep)

    def _execute(self, request: Any, *, write: bool) -> JsonDict:
        try:
            return dict(request.execute(num_retries=0))
        except HttpError as exc:
            raise api_error(
                exc.resp.status,
                exc.content,
                write=write,
                account=self.account,
                retry_after=exc.resp.get("retry-after"),
            ) from exc
        except (OSError, httplib2.HttpLib2Error) as exc:
            raise network_error(exc) from exc
