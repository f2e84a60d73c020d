"""``GoogleSheetsApi``: the few Sheets API v4 calls Rowscout makes, over ``google-api-python-client``.

Every call first takes a slot of a Sheets budget (reads and writes have
separate per-minute budgets; ``bootstrap`` passes budgets shared by every job
and instance, the default is one in this process's memory), claimed by the
spreadsheet so that the sheet that waited longest goes first. The wait for a
slot happens outside any lock; when it would pass ``max_budget_wait`` the
call fails at once with a retryable ``SheetsError`` (kind ``rate_limit``)
whose ``retry_after`` says when the slot will be there, and a flush task
reschedules itself for then. Then the retry policy; HTTP failures become
``SheetsError``s with clear messages (``translate.api_error``). Values are
always written with ``valueInputOption=RAW`` so text like ``=IMPORTXML(...)``
stays text. httplib2 is not thread-safe: each thread sends through its own
``Http`` object, so calls from different threads never wait for each other.
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
from service.domain import ErrorKind
from service.domain.errors import SheetsError
from service.domain.retry import RetryPolicy
from service.sheets.budget import SheetsBudget
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
        read_budget: SheetsBudget | None = None,
        write_budget: SheetsBudget | None = None,
        max_budget_wait: float = 600.0,
    ) -> None:
        self._credentials = credentials
        self._timeout = timeout
        self._local = threading.local()
        self._https: list[httplib2.Http] = []
        self._https_lock = threading.Lock()  # guards the list of Http objects, never a request
        options = {"api_endpoint": endpoint} if endpoint else None
        self._service: Any = build(
            "sheets", "v4", http=self._http(), static_discovery=True, cache_discovery=False, client_options=options
        )
        # building a method resource renders docstrings (~50 ms): do it once
        self._sheets: Any = self._service.spreadsheets()
        self._values: Any = self._sheets.values()
        self._metadata: Any = self._sheets.developerMetadata()
        self.account = account or account_email(credentials)
        self.read_limiter = RateLimiter(
            reads_per_minute, clock=clock, sleep=sleep, max_wait=max_budget_wait, budget=read_budget
        )
        self.write_limiter = RateLimiter(
            writes_per_minute, clock=clock, sleep=sleep, max_wait=max_budget_wait, budget=write_budget
        )
        self._retry = retry or SheetsConfig().retry
        self._sleep = sleep

    # --- reads
    def get_spreadsheet(self, spreadsheet_id: str, *, fields: str | None = None) -> JsonDict:
        kwargs = {"fields": fields} if fields else {}
        sheets = self._sheets
        return self._call(lambda: sheets.get(spreadsheetId=spreadsheet_id, **kwargs), spreadsheet_id, write=False)

    def batch_get_values(self, spreadsheet_id: str, ranges: Sequence[str]) -> list[JsonDict]:
        values = self._values
        request = lambda: values.batchGet(spreadsheetId=spreadsheet_id, ranges=list(ranges))  # noqa: E731
        return list(self._call(request, spreadsheet_id, write=False).get("valueRanges", []))

    def search_metadata(self, spreadsheet_id: str, data_filters: Sequence[JsonDict]) -> list[JsonDict]:
        metadata = self._metadata
        body = {"dataFilters": list(data_filters)}
        response = self._call(
            lambda: metadata.search(spreadsheetId=spreadsheet_id, body=body), spreadsheet_id, write=False
        )
        return [m["developerMetadata"] for m in response.get("matchedDeveloperMetadata", [])]

    # --- writes
    def batch_update(self, spreadsheet_id: str, requests: Sequence[JsonDict]) -> list[JsonDict]:
        sheets = self._sheets
        body = {"requests": list(requests)}
        response = self._call(
            lambda: sheets.batchUpdate(spreadsheetId=spreadsheet_id, body=body), spreadsheet_id, write=True
        )
        return list(response.get("replies", []))

    def batch_update_values(self, spreadsheet_id: str, data: Sequence[JsonDict]) -> JsonDict:
        values = self._values
        body = {"valueInputOption": "RAW", "data": list(data)}
        return self._call(
            lambda: values.batchUpdate(spreadsheetId=spreadsheet_id, body=body), spreadsheet_id, write=True
        )

    def close(self) -> None:
        """Close the HTTP connections (of every thread)."""
        self._service.close()
        with self._https_lock:
            https, self._https = self._https, []
        for http in https:
            http.close()
        self._local = threading.local()

    # --- plumbing
    def _http(self) -> Any:
        """This thread's own authorized ``Http`` (httplib2 objects must not be shared between threads)."""
        http = getattr(self._local, "http", None)
        if http is None:
            raw = httplib2.Http(timeout=self._timeout)
            http = google_auth_httplib2.AuthorizedHttp(self._credentials, http=raw)
            self._local.http = http
            with self._https_lock:
                self._https.append(raw)
        return http

    def _call(self, make_request: Callable[[], Any], spreadsheet_id: str, *, write: bool) -> JsonDict:
        limiter = self.write_limiter if write else self.read_limiter

        def attempt() -> JsonDict:
            wait = limiter.wait_for_slot(spreadsheet_id)  # sleeps, if at all, holding no lock
            if wait > 0:
                raise _OverBudget(wait)
            return self._execute(make_request(), write=write)

        try:
            return call_with_retry(attempt, self._retry, sleep=self._sleep)
        except _OverBudget as over:
            kind = "write" if write else "read"
            raise SheetsError(
                f"the Sheets {kind} quota shared by every job is taken for now; this sheet's turn comes "
                f"in {over.wait:.0f} s",
                status=429,
                kind=ErrorKind.RATE_LIMIT,
                retry_after=over.wait,
            ) from None

    def _execute(self, request: Any, *, write: bool) -> JsonDict:
        try:
            return dict(request.execute(http=self._http(), num_retries=0))
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


class _OverBudget(Exception):
    """The budget's wait is longer than a call may wait (not a ``SheetsError``: never retried here)."""

    def __init__(self, wait: float) -> None:
        super().__init__(f"over budget for {wait:.1f} s")
        self.wait = wait
