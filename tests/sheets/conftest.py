"""Fixtures for the Sheets tests: a fake clock shared by the fake server and the client's limiter."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from google.oauth2.credentials import Credentials

from service.domain.retry import RetryPolicy
from service.sheets.google_api import GoogleSheetsApi
from tests.fakes.sheets_server import FakeClock, FakeSheetsServer

RETRY = RetryPolicy(max_attempts=8, min_backoff=1.0, max_backoff=30.0)  # the clients' policy unless a test says


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def server(clock: FakeClock) -> Iterator[FakeSheetsServer]:
    with FakeSheetsServer(clock=clock) as fake:
        yield fake


@pytest.fixture
def make_api(server: FakeSheetsServer, clock: FakeClock) -> Iterator[Callable[..., GoogleSheetsApi]]:
    made: list[GoogleSheetsApi] = []

    def make(token: str = "test", **options: Any) -> GoogleSheetsApi:
        options.setdefault("retry", RETRY)
        api = GoogleSheetsApi(
            Credentials(token=token),
            endpoint=server.endpoint,
            account="rowscout@example.iam.gserviceaccount.com",
            clock=clock,
            sleep=clock.sleep,
            timeout=10.0,
            **options,
        )
        made.append(api)
        return api

    yield make
    for api in made:
        api.close()


@pytest.fixture
def api(make_api: Callable[..., GoogleSheetsApi]) -> GoogleSheetsApi:
    return make_api()


def companies(n: int) -> list[list[str]]:
    """A header and ``n`` company rows: name, website, city."""
    rows = [["Company", "Website", "City"]]
    rows += [[f"Company {i:04d}", f"https://company{i:04d}.example", f"City {i % 7}"] for i in range(n)]
    return rows
