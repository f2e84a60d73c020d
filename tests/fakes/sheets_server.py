"""A fake Google Sheets API v4 on a loopback port, for tests and benchmarks.

The real ``google-api-python-client`` talks to it over HTTP
(``client_options={"api_endpoint": server.endpoint}``). It follows Google's
documented behaviour where Rowscout depends on it, and takes the reading
that is worst for callers where the documentation is silent:

- responses are proto3 JSON: integer fields equal to 0 are left out of every
  ``GridRange``/``DimensionRange`` (the first tab's sheetId 0, a range starting
  at row 0), while ``SheetProperties.sheetId`` stays;
- row and column developer metadata follow inserts, deletes and moves of
  their row/column and are deleted with it; SORTING MOVES CELL VALUES ONLY
  (metadata stays where it was); renaming a tab keeps its sheetId and A1
  ranges name tabs by their current title (a missing title is a 400
  "Unable to parse range: ...");
- quotas are requests per rolling minute, reads and writes apart, per user
  (bearer token; default 60) and for the whole server (the project; default
  300), on an injectable clock; a 429 and every other error has Google's
  JSON error shape and status string;
- ``RAW`` vs ``USER_ENTERED`` input, JSON ``null`` skips a cell, protected
  ranges, sharing roles; a failed ``batchUpdate`` changes nothing.

It records, not scripts: ``server.requests`` (every request: method, path,
query, body, write or read, status), ``server.calls`` (by method),
``server.writes``/``reads`` (requests that passed the quota),
``server.max_writes_in_any_minute()``; ``server.fail_next(n, status=503)``
injects failures; ``sort_rows``, ``insert_rows``/``delete_rows``,
``insert_columns``/``delete_columns``, ``move_rows``/``move_columns``,
``rename_sheet``, ``add_sheet``/``delete_sheet`` and ``user_edit`` change the
sheet as a user would mid-job (without using API quota).
"""

from __future__ import annotations

import collections
import json
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from service.sheets.a1 import quote_sheet
from tests.fakes.discovery import Discovery, SchemaViolation, apply_field_mask, error_problems, parse_field_mask
from tests.fakes.sheets_endpoints import Endpoints
from tests.fakes.sheets_model import (
    ApiError,
    Box,
    Cell,
    Model,
    Sheet,
    Spreadsheet,
    box_from_a1,
    parse_input,
    read_box,
    restore,
    snapshot,
)

READ_METHODS = frozenset(
    {
        "spreadsheets.get",
        "values.get",
        "values.batchGet",
        "values.batchGetByDataFilter",
        "developerMetadata.search",
    }
)


class FakeClock:
    """A clock that only moves when told to; ``sleep`` advances it (shared by limiter and server)."""

    def __init__(self, start: float = 1_000_000.0) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def sleep(self, seconds: float) -> None:
        self.advance(max(0.0, seconds))

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds


@dataclass(frozen=True)
class Recorded:
    method: str
    user: str
    at: float
    body: dict[str, Any]
    size: int


@dataclass(frozen=True)
class Request:
    """One request the server received, whatever its answer (``server.requests``)."""

    at: float
    user: str
    http_method: str
    path: str  # decoded, without the query
    method: str  # "values.batchUpdate", "spreadsheets.get", ...
    params: dict[str, list[str]]  # query parameters
    body: Any
    write: bool
    status: int


# ---------------------------------------------------------------- HTTP routing


def route(http_method: str, path: str) -> tuple[str, str, str | None]:
    """(api method, spreadsheet id, range) for a request path."""
    rest = path.removeprefix("/v4/spreadsheets/")
    spreadsheet_id, sep, tail = rest.partition("/")
    if not sep:
        spreadsheet_id, _, action = rest.partition(":")
        return (
            ("spreadsheets.batchUpdate" if action == "batchUpdate" else "spreadsheets.get"),
            spreadsheet_id,
            None,
        )
    if tail == "developerMetadata:search":
        return "developerMetadata.search", spreadsheet_id, None
    if tail.startswith("values:"):
        return "values." + tail.removeprefix("values:"), spreadsheet_id, None
    encoded = tail.removeprefix("values/")
    encoded, _, action = encoded.partition(":")
    if action:
        return "values." + action, spreadsheet_id, unquote(encoded)
    return ("values.update" if http_method == "PUT" else "values.get"), spreadsheet_id, unquote(encoded)


class FakeSheetsServer:
    """The loopback server; use as a context manager or ``start()``/``stop()``."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        read_quota: int = 60,
        write_quota: int = 60,
        project_read_quota: int = 300,
        project_write_quota: int = 300,
    ) -> None:
        """Quotas are requests per rolling minute, per user (the bearer token) and for the whole server
        (the project); ``clock`` is injectable (``FakeClock``) and shared with the clients in tests."""
        self.clock = clock
        self.read_quota = read_quota
        self.write_quota = write_quota
        self.project_read_quota = project_read_quota
        self.project_write_quota = project_write_quota
        self.requests: list[Request] = []
        self.problems: list[str] = []  # fidelity problems (schema violations, fake bugs): fail at stop()
        self._windows: dict[bool, collections.deque[tuple[float, str]]] = {
            True: collections.deque(),
            False: collections.deque(),
        }
        self.model = Model()
        self.endpoints = Endpoints(self.model)
        self.discovery = Discovery.sheets()
        self.calls: collections.Counter[str] = collections.Counter()
        self.writes: list[Recorded] = []
        self.reads: list[Recorded] = []
        self.rejected: collections.Counter[int] = collections.Counter()
        self._failures: list[int] = []
        self._lock = threading.RLock()
        self._http: ThreadingHTTPServer | None = None

    # --- lifecycle
    def start(self) -> FakeSheetsServer:
        server = self

        class Handler(_Handler):
            fake = server

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._http.daemon_threads = True
        threading.Thread(target=self._http.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop serving; raises ``SchemaViolation`` if the fake ever sent what Google would not."""
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
            self._http = None
        self.check()

    def check(self) -> None:
        """Raise ``SchemaViolation`` listing every fidelity problem seen so far (then forget them)."""
        problems, self.problems = self.problems, []
        if problems:
            raise SchemaViolation("the fake Sheets server broke Google's contract:\n" + "\n".join(problems))

    def __enter__(self) -> FakeSheetsServer:
        return self.start()

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is None:
            self.stop()
        else:  # the test already fails: do not hide its error behind ours
            self.problems.clear()
            self.stop()

    @property
    def endpoint(self) -> str:
        assert self._http is not None, "server not started"
        return f"http://127.0.0.1:{self._http.server_address[1]}"

    # --- setup
    def create_spreadsheet(
        self,
        spreadsheet_id: str,
        sheets: dict[str, list[list[Any]]],
        *,
        owner: str = "test",
        rows: int = 1000,
        cols: int = 26,
    ) -> Spreadsheet:
        with self._lock:
            book = Spreadsheet(spreadsheet_id, spreadsheet_id, [], roles={owner: "owner"})
            for index, (title, values) in enumerate(sheets.items()):
                sheet = Sheet(index if index else 0, title, index, max(rows, len(values)), cols)
                for r, row in enumerate(values):
                    for c, value in enumerate(row):
                        parsed = parse_input(value, "USER_ENTERED")
                        sheet.set(r, c, parsed if isinstance(parsed, Cell) else None)
                book.sheets.append(sheet)
            self.model.books[spreadsheet_id] = book
            return book

    def share(self, spreadsheet_id: str, user: str, role: str = "writer") -> None:
        with self._lock:
            self.model.book(spreadsheet_id).roles[user] = role

    def protect(self, spreadsheet_id: str, a1: str, *, editors: Iterable[str] = ()) -> None:
        with self._lock:
            book = self.model.book(spreadsheet_id)
            box = box_from_a1(book, a1)
            grid = {
                "startRowIndex": box.r0,
                "endRowIndex": box.r1,
                "startColumnIndex": box.c0,
                "endColumnIndex": box.c1,
            }
            book.protected.append({"sheetId": box.sheet.sheet_id, "range": grid, "editors": set(editors)})

    def fail_next(self, n: int, *, status: int = 503) -> None:
        with self._lock:
            self._failures.extend([status] * n)

    # --- a user editing the sheet mid-job (no API quota used)
    def user_batch_update(self, spreadsheet_id: str, requests: list[dict[str, Any]]) -> dict[str, Any]:
        with self._lock:
            book = self.model.book(spreadsheet_id)
            owner = next(u for u, r in book.roles.items() if r == "owner")
            return self.endpoints.spreadsheets_batchUpdate(book, owner, {}, {"requests": requests})

    def sort_rows(
        self, spreadsheet_id: str, sheet: str, *, column: int, start_row: int = 1, descending: bool = False
    ) -> None:
        sheet_id = self.sheet(spreadsheet_id, sheet).sheet_id
        order = "DESCENDING" if descending else "ASCENDING"
        self.user_batch_update(
            spreadsheet_id,
            [
                {
                    "sortRange": {
                        "range": {"sheetId": sheet_id, "startRowIndex": start_row},
                        "sortSpecs": [{"dimensionIndex": column, "sortOrder": order}],
                    }
                }
            ],
        )

    def insert_rows(self, spreadsheet_id: str, sheet: str, *, at: int, count: int = 1) -> None:
        rng = {
            "sheetId": self.sheet(spreadsheet_id, sheet).sheet_id,
            "dimension": "ROWS",
            "startIndex": at,
            "endIndex": at + count,
        }
        self.user_batch_update(spreadsheet_id, [{"insertDimension": {"range": rng}}])

    def delete_rows(self, spreadsheet_id: str, sheet: str, *, start: int, end: int) -> None:
        rng = {
            "sheetId": self.sheet(spreadsheet_id, sheet).sheet_id,
            "dimension": "ROWS",
            "startIndex": start,
            "endIndex": end,
        }
        self.user_batch_update(spreadsheet_id, [{"deleteDimension": {"range": rng}}])

    def insert_columns(self, spreadsheet_id: str, sheet: str, *, at: int, count: int = 1) -> None:
        self.user_batch_update(
            spreadsheet_id,
            [{"insertDimension": {"range": self._span(spreadsheet_id, sheet, "COLUMNS", at, at + count)}}],
        )

    def delete_columns(self, spreadsheet_id: str, sheet: str, *, start: int, end: int) -> None:
        self.user_batch_update(
            spreadsheet_id, [{"deleteDimension": {"range": self._span(spreadsheet_id, sheet, "COLUMNS", start, end)}}]
        )

    def move_rows(self, spreadsheet_id: str, sheet: str, *, start: int, end: int, to: int) -> None:
        """Drag rows [start, end) to before row ``to`` (0-based, counted before the move)."""
        move = {"source": self._span(spreadsheet_id, sheet, "ROWS", start, end), "destinationIndex": to}
        self.user_batch_update(spreadsheet_id, [{"moveDimension": move}])

    def move_columns(self, spreadsheet_id: str, sheet: str, *, start: int, end: int, to: int) -> None:
        move = {"source": self._span(spreadsheet_id, sheet, "COLUMNS", start, end), "destinationIndex": to}
        self.user_batch_update(spreadsheet_id, [{"moveDimension": move}])

    def rename_sheet(self, spreadsheet_id: str, title: str, new_title: str) -> None:
        props = {"sheetId": self.sheet(spreadsheet_id, title).sheet_id, "title": new_title}
        self.user_batch_update(spreadsheet_id, [{"updateSheetProperties": {"properties": props, "fields": "title"}}])

    def add_sheet(self, spreadsheet_id: str, title: str, values: list[list[Any]] | None = None) -> Sheet:
        """A new tab (a new sheetId), optionally filled as a user would type ``values``."""
        self.user_batch_update(spreadsheet_id, [{"addSheet": {"properties": {"title": title}}}])
        if values:
            self.user_edit(spreadsheet_id, f"{quote_sheet(title)}!A1", values)
        return self.sheet(spreadsheet_id, title)

    def delete_sheet(self, spreadsheet_id: str, title: str) -> None:
        sheet_id = self.sheet(spreadsheet_id, title).sheet_id
        self.user_batch_update(spreadsheet_id, [{"deleteSheet": {"sheetId": sheet_id}}])

    def user_edit(self, spreadsheet_id: str, a1: str, values: list[list[Any]]) -> None:
        """The owner types ``values`` from the anchor cell ``a1`` (parsed as USER_ENTERED; no quota)."""
        with self._lock:
            book = self.model.book(spreadsheet_id)
            owner = next(u for u, r in book.roles.items() if r == "owner")
            box = box_from_a1(book, a1)
            target = Box(box.sheet, box.r0, box.sheet.row_count, box.c0, box.sheet.col_count)
            self.model.write_box(book, target, values, "USER_ENTERED", owner, exact=False)

    def _span(self, spreadsheet_id: str, sheet: str, dimension: str, start: int, end: int) -> dict[str, Any]:
        sheet_id = self.sheet(spreadsheet_id, sheet).sheet_id
        return {"sheetId": sheet_id, "dimension": dimension, "startIndex": start, "endIndex": end}

    # --- inspection
    def sheet(self, spreadsheet_id: str, title: str) -> Sheet:
        return self.model.book(spreadsheet_id).sheet_by_title(title)

    def values(self, spreadsheet_id: str, title: str) -> list[list[str]]:
        """The sheet as a user sees it (formatted), trailing empties trimmed."""
        with self._lock:
            sheet = self.sheet(spreadsheet_id, title)
            return read_box(Box(sheet, 0, sheet.row_count, 0, sheet.col_count), "FORMATTED_VALUE").get("values", [])

    def cell(self, spreadsheet_id: str, title: str, a1: str) -> Cell | None:
        box = box_from_a1(self.model.book(spreadsheet_id), f"{quote_sheet(title)}!{a1}")
        return box.sheet.get(box.r0, box.c0)

    def metadata(self, spreadsheet_id: str) -> list[dict[str, Any]]:
        return list(self.model.book(spreadsheet_id).metadata.values())

    def max_writes_in_any_minute(self, user: str | None = None) -> int:
        """Most write requests accepted in any rolling minute (for one user, or all)."""
        return _max_in_window([w.at for w in self.writes if user in (None, w.user)], 60.0)

    def max_reads_in_any_minute(self, user: str | None = None) -> int:
        return _max_in_window([r.at for r in self.reads if user in (None, r.user)], 60.0)

    # --- request handling
    def handle(self, http_method: str, raw_path: str, headers: dict[str, str], raw_body: bytes) -> tuple[int, Any]:
        """Answer one HTTP request: (status, JSON payload); every request is recorded in ``requests``."""
        parts = urlsplit(raw_path)
        method, spreadsheet_id, rng = route(http_method, parts.path)
        params: dict[str, Any] = parse_qs(parts.query)
        if rng is not None:
            params["range"] = [rng]
        user = headers.get("authorization", "").removeprefix("Bearer ").strip() or "anonymous"
        with self._lock:
            self.calls[method] += 1
            status, payload = self._answer(method, spreadsheet_id, user, params, raw_body)
            if status != 200:
                self.rejected[status] += 1
            body = _json_or_text(raw_body)
            write = method not in READ_METHODS
            path = unquote(parts.path)
            self.requests.append(Request(self.clock(), user, http_method, path, method, params, body, write, status))
            return status, payload

    def _answer(
        self, method: str, spreadsheet_id: str, user: str, params: dict[str, Any], raw_body: bytes
    ) -> tuple[int, Any]:
        try:
            body = json.loads(raw_body) if raw_body else {}
            payload = self._dispatch(method, spreadsheet_id, user, params, body, len(raw_body))
            return self._response(method, params, payload)
        except ApiError as exc:
            return exc.code, self._error(method, exc)
        except json.JSONDecodeError as exc:
            return 400, self._error(method, ApiError(400, f"Invalid JSON payload received. {exc.msg}"))
        except Exception as exc:  # a bug in the fake: answer 500 and fail the test at stop()
            return 500, self._problem(method, f"the fake raised {exc!r}")

    def _response(self, method: str, params: dict[str, Any], payload: Any) -> tuple[int, Any]:
        """The payload as Google writes it (zeros omitted, ``fields`` mask), checked against its schema."""
        ref = self.discovery.response_ref(method)
        shaped = self.discovery.shape(payload, ref)
        fields = params.get("fields", [""])[0]
        if fields:
            shaped = apply_field_mask(shaped, parse_field_mask(fields))
        found = self.discovery.problems(shaped, ref, complete=not fields)
        if found:
            return 500, self._problem(method, f"response is not a {ref}: " + "; ".join(found))
        return 200, shaped

    def _error(self, method: str, exc: ApiError) -> Any:
        body = exc.body()
        found = error_problems(body)
        return self._problem(method, "error body: " + "; ".join(found)) if found else body

    def _problem(self, method: str, text: str) -> Any:
        self.problems.append(f"{method}: {text}")
        return ApiError(500, f"fake Sheets server: {method}: {text}").body()

    def _check_request(self, method: str, body: Any) -> None:
        """Refuse a body Google would refuse (unknown field, wrong type) with Google's 400."""
        ref = self.discovery.request_ref(method)
        found = self.discovery.problems(body, ref, response=False) if ref else []
        if found:
            raise ApiError(400, f"Invalid JSON payload received. {found[0]}")

    def _dispatch(
        self, method: str, spreadsheet_id: str, user: str, params: dict[str, Any], body: Any, size: int
    ) -> Any:
        if self._failures:
            code = self._failures.pop(0)
            raise _quota_error(method, "injected", 0) if code == 429 else ApiError(code)
        is_read = method in READ_METHODS
        now = self.clock()
        self._spend_quota(method, user, is_read, now)
        (self.reads if is_read else self.writes).append(Recorded(method, user, now, body, size))
        book = self.model.book(spreadsheet_id)
        role = book.roles.get(user)
        if role is None or (not is_read and role == "reader"):
            raise ApiError(403)
        self._check_request(method, body)
        handler = getattr(self.endpoints, method.replace(".", "_"), None)
        if handler is None:
            raise ApiError(501, f"the fake Sheets server does not implement {method}")
        saved = None if is_read else snapshot(book)
        try:
            return handler(book, user, params, body)
        except ApiError:
            if saved is not None:
                restore(book, saved)
            raise
        except (KeyError, TypeError, ValueError) as exc:
            if saved is not None:
                restore(book, saved)
            raise ApiError(400, f"Invalid JSON payload received. {exc!r}") from exc

    def _spend_quota(self, method: str, user: str, is_read: bool, now: float) -> None:
        """Per-user and per-project requests per rolling minute, reads and writes counted apart."""
        window = self._windows[is_read]
        while window and window[0][0] <= now - 60.0:
            window.popleft()
        per_user = self.read_quota if is_read else self.write_quota
        per_project = self.project_read_quota if is_read else self.project_write_quota
        if sum(1 for _, u in window if u == user) >= per_user:
            raise _quota_error(method, "user", per_user)
        if len(window) >= per_project:
            raise _quota_error(method, "project", per_project)
        window.append((now, user))


def _json_or_text(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else {}
    except json.JSONDecodeError:
        return raw.decode("utf-8", "replace")


def _quota_message(method: str, scope: str = "user") -> str:
    metric = "Read requests" if method in READ_METHODS else "Write requests"
    limit = f"{metric} per minute per user" if scope != "project" else f"{metric} per minute"
    return (
        f"Quota exceeded for quota metric '{metric}' and limit '{limit}' of service "
        "'sheets.googleapis.com' for consumer 'project_number:0'."
    )


def _quota_error(method: str, scope: str, limit: int) -> ApiError:
    """A 429 as Google sends it: RESOURCE_EXHAUSTED with an ErrorInfo naming the quota."""
    kind = "Read" if method in READ_METHODS else "Write"
    info = {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": "RATE_LIMIT_EXCEEDED",
        "domain": "googleapis.com",
        "metadata": {
            "service": "sheets.googleapis.com",
            "consumer": "projects/0",
            "quota_metric": f"sheets.googleapis.com/{kind.lower()}_requests",
            "quota_limit": f"{kind}RequestsPerMinute{'PerUser' if scope != 'project' else ''}",
            "quota_limit_value": str(limit),
            "quota_location": "global",
        },
    }
    help_link = {
        "@type": "type.googleapis.com/google.rpc.Help",
        "links": [
            {
                "description": "Request a higher quota limit.",
                "url": "https://cloud.google.com/docs/quotas/help/request_increase",
            }
        ],
    }
    return ApiError(429, _quota_message(method, scope), details=[info, help_link])


def _max_in_window(times: list[float], window: float) -> int:
    times = sorted(times)
    best = start = 0
    for end, at in enumerate(times):
        while at - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


class _Handler(BaseHTTPRequestHandler):
    fake: FakeSheetsServer
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no 40 ms Nagle stalls

    def _serve(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, payload = self.fake.handle(self.command, self.path, headers, raw)
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = _serve

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        return
