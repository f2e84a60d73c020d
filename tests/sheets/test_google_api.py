"""The ``GoogleSheetsApi`` adapter against the fake server: shapes, clear errors, retries, limiter."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from service.domain import ErrorKind
from service.domain.errors import SheetsError
from service.domain.retry import RetryPolicy
from service.sheets.google_api import GoogleSheetsApi
from service.sheets.limiter import RateLimiter
from tests.fakes.sheets_server import FakeClock, FakeSheetsServer
from tests.sheets.conftest import RETRY

ACCOUNT = "rowscout@example.iam.gserviceaccount.com"


def test_calls_return_the_real_shapes(server: FakeSheetsServer, api: GoogleSheetsApi) -> None:
    server.create_spreadsheet("s", {"Leads": [["Company"], ["Acme"]]})
    props = api.get_spreadsheet("s", fields="sheets.properties")["sheets"][0]["properties"]
    assert props["title"] == "Leads" and props["gridProperties"]["columnCount"] == 26
    assert api.batch_get_values("s", ["Leads!A1:A2"])[0]["values"] == [["Company"], ["Acme"]]
    out = api.batch_update_values("s", [{"range": "Leads!B2", "values": [["=HYPERLINK(1)"]]}])
    assert out["totalUpdatedCells"] == 1
    assert server.writes[-1].body["valueInputOption"] == "RAW"


def test_not_shared_read_says_share_with_the_service_account(server: FakeSheetsServer, api: GoogleSheetsApi) -> None:
    server.create_spreadsheet("s", {"Sheet1": []}, owner="someone-else")
    with pytest.raises(SheetsError) as info:
        api.batch_get_values("s", ["Sheet1!A1"])
    assert info.value.status == 403 and info.value.kind == ErrorKind.FORBIDDEN
    assert info.value.message.startswith(f"sheet not shared with the service account {ACCOUNT}")
    assert not info.value.retryable


def test_view_only_write_says_no_edit_permission(server: FakeSheetsServer, api: GoogleSheetsApi) -> None:
    server.create_spreadsheet("s", {"Sheet1": []}, owner="someone-else")
    server.share("s", "test", "reader")
    assert api.batch_get_values("s", ["Sheet1!A1"])[0]["range"] == "Sheet1!A1:A1"
    with pytest.raises(SheetsError, match=f"no edit permission: share the sheet with {ACCOUNT} as Editor"):
        api.batch_update_values("s", [{"range": "Sheet1!A1", "values": [["x"]]}])


def test_protected_range_is_named(server: FakeSheetsServer, api: GoogleSheetsApi) -> None:
    server.create_spreadsheet("s", {"Sheet1": []}, owner="someone-else")
    server.share("s", "test", "writer")
    server.protect("s", "Sheet1!D:D")
    api.batch_update_values("s", [{"range": "Sheet1!C1", "values": [["fine"]]}])
    with pytest.raises(SheetsError, match="protected range") as info:
        api.batch_update_values("s", [{"range": "Sheet1!C2:D2", "values": [["x", "y"]]}])
    assert server.values("s", "Sheet1") == [["", "", "fine"]]
    assert not info.value.retryable


def test_missing_sheet_and_bad_range(server: FakeSheetsServer, api: GoogleSheetsApi) -> None:
    with pytest.raises(SheetsError, match="sheet not found") as info:
        api.get_spreadsheet("nope")
    assert info.value.kind == ErrorKind.NOT_FOUND
    server.create_spreadsheet("s", {"Sheet1": []})
    with pytest.raises(SheetsError, match="bad range: Unable to parse range: Nope!A1") as bad:
        api.batch_get_values("s", ["Nope!A1"])
    assert bad.value.status == 400 and not bad.value.retryable


@pytest.mark.parametrize("status", [429, 500, 503])
def test_transient_errors_are_retried_with_backoff(
    server: FakeSheetsServer, api: GoogleSheetsApi, clock: FakeClock, status: int
) -> None:
    server.create_spreadsheet("s", {"Sheet1": [["a"]]})
    server.fail_next(3, status=status)
    start = clock()
    assert api.batch_get_values("s", ["Sheet1!A1"])[0]["values"] == [["a"]]
    assert server.calls["values.batchGet"] == 4
    waits = sum(RETRY.base_delay(attempt) for attempt in (1, 2, 3))  # 1 + 2 + 4
    assert waits <= clock() - start <= waits * (1 + RETRY.jitter)  # three jittered waits, no real sleeping


def test_retries_are_bounded(server: FakeSheetsServer, make_api: Callable[..., GoogleSheetsApi]) -> None:
    server.create_spreadsheet("s", {"Sheet1": []})
    api = make_api(retry=RetryPolicy(max_attempts=3))
    server.fail_next(10, status=503)
    with pytest.raises(SheetsError, match="unavailable") as info:
        api.batch_get_values("s", ["Sheet1!A1"])
    assert info.value.retryable and info.value.kind == ErrorKind.SHEETS
    assert server.calls["values.batchGet"] == 3


def test_network_failure_is_a_retryable_sheets_error(clock: FakeClock) -> None:
    from google.oauth2.credentials import Credentials

    server = FakeSheetsServer(clock=clock).start()
    endpoint = server.endpoint
    server.stop()
    api = GoogleSheetsApi(
        Credentials(token="t"), endpoint=endpoint, sleep=clock.sleep, retry=RetryPolicy(max_attempts=2)
    )
    with pytest.raises(SheetsError, match="could not reach Google Sheets") as info:
        api.get_spreadsheet("s")
    assert info.value.retryable
    api.close()


def test_limiter_keeps_every_rolling_minute_under_the_limit() -> None:
    clock = FakeClock()
    limiter = RateLimiter(5, 60.0, clock=clock, sleep=clock.sleep)
    times = []
    for _ in range(12):
        limiter.acquire()
        times.append(clock())
        clock.advance(1.0)
    assert all(sum(1 for t in times if s <= t < s + 60) <= 5 for s in times)
    assert times[5] - times[0] == 60.0
    assert limiter.waited > 0


def test_limiter_gives_up_instead_of_waiting_forever() -> None:
    clock = FakeClock()
    limiter = RateLimiter(1, 60.0, clock=clock, sleep=clock.sleep, max_wait=10.0)
    limiter.acquire()
    with pytest.raises(SheetsError, match="limiter"):
        limiter.acquire()


def test_client_limiter_and_server_quota_agree(
    server: FakeSheetsServer, make_api: Callable[..., GoogleSheetsApi]
) -> None:
    server.create_spreadsheet("s", {"Sheet1": []})
    api = make_api()
    for i in range(150):
        api.batch_update_values("s", [{"range": f"Sheet1!A{i + 1}", "values": [[str(i)]]}])
    assert server.rejected[429] == 0
    assert server.max_writes_in_any_minute() == 60
