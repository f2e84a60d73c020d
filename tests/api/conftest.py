"""Fixtures: the app with a memory store, recording fakes, and real signed tokens on a loopback certs server.

The sheets live in a ``MemorySheetGateway`` (tab ``Leads``); row keys are
``<job id>:<sheet row number>`` as the real reader makes them (``row_key``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from service.api import create_app
from service.api.auth import HttpCertsSource
from service.config import CloudSettings, Limits, Settings
from service.store.memory import MemoryJobStore
from tests.api.fakes import FakeAccess, FakeResearcher
from tests.api.tokens import CertsServer, KeyPair, claims
from tests.fakes.sheet_gateway import MemorySheetGateway
from tests.support.fakes import FakeQueue

CLIENT_ID = "addon-client.apps.googleusercontent.com"
TASKS_SA = "rowscout-tasks@proj.iam.gserviceaccount.com"
TASKS_AUD = "https://rowscout.example.run.app"
ALICE = "alice@example.com"
BOB = "bob@example.com"
SHEET = "sheet-alice-0001"
BOB_SHEET = "sheet-bob-00001"
TAB = "Leads"
# row 4 asks about Acme's site again: read, stored and skipped as a duplicate of row 1
LEADS = [["Company", "Website"], ["Acme", "acme.example"], ["Globex", ""], ["", "acme.example"]]

_KEY = KeyPair("kid-1")


@pytest.fixture(scope="session")
def signing_key() -> KeyPair:
    return _KEY


@pytest.fixture(scope="session")
def certs_server(signing_key: KeyPair) -> Iterator[CertsServer]:
    with CertsServer(signing_key).running() as server:
        yield server


@dataclass
class Env:
    app: Flask
    client: FlaskClient
    store: MemoryJobStore
    queue: FakeQueue
    researcher: FakeResearcher
    sheets: MemorySheetGateway
    access: FakeAccess
    key: KeyPair
    now: list[datetime]

    def user_token(self, email: str = ALICE, **overrides: Any) -> str:
        return self.key.sign(claims(aud=overrides.pop("aud", CLIENT_ID), email=email, **overrides))

    def task_token(self, **overrides: Any) -> str:
        email = overrides.pop("email", TASKS_SA)
        return self.key.sign(claims(aud=overrides.pop("aud", TASKS_AUD), email=email, **overrides))

    def as_user(self, email: str = ALICE) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.user_token(email)}", "X-Rowscout-User-Token": f"oauth-{email}"}

    def as_tasks(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.task_token()}"}


LIMITS = Limits(max_rows_per_job=5_000, max_body_bytes=20_000, plan_threshold=10)


def settings(**cloud_changes: Any) -> Settings:
    """The app's settings; keyword changes go to its ``CloudSettings`` (e.g. ``auth_disabled=True``)."""
    cloud = CloudSettings(
        addon_client_ids=(CLIENT_ID,),
        tasks_service_account=TASKS_SA,
        tasks_audience=TASKS_AUD,
        service_url=TASKS_AUD,
    )
    return Settings(limits=LIMITS, cloud=replace(cloud, **cloud_changes))


def row_key(job_id: str, sheet_row: int) -> str:
    """The key of the job's row read from this sheet row (the header is row 1)."""
    return f"{job_id}:{sheet_row}"


def make_env(certs_server: CertsServer, key: KeyPair, **setting_changes: Any) -> Env:
    store, queue, researcher = MemoryJobStore(), FakeQueue(), FakeResearcher()
    now = [datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)]
    sheets = MemorySheetGateway({SHEET: {TAB: LEADS}, BOB_SHEET: {TAB: [["Company"], ["Initech"]]}})
    access = FakeAccess({f"oauth-{ALICE}": {SHEET}, f"oauth-{BOB}": {BOB_SHEET}})
    adapters = {
        "store": store,
        "queue": queue,
        "researcher": researcher,
        "sheets": sheets,
        "access": access,
        "clock": lambda: now[0],
        "worker_id": "w1",
    }
    app = create_app(
        {
            "TESTING": True,
            "SETTINGS": settings(**setting_changes),
            "ADAPTERS": adapters,
            "CERTS_SOURCE": HttpCertsSource(certs_server.url),
        }
    )
    return Env(app, app.test_client(), store, queue, researcher, sheets, access, key, now)


@pytest.fixture
def env(certs_server: CertsServer, signing_key: KeyPair) -> Env:
    return make_env(certs_server, signing_key)


def selection(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "spreadsheet_id": SHEET,
        "sheet_id": 0,
        "sheet_name": TAB,
        "ranges": ["A1:B4"],
        "header_row": 1,
        "name_column": None,
        "website_column": None,
        "fields": ["website", "industry"],
        "priority": "normal",
        "max_concurrency": 4,
        "refresh_days": None,
        "use_llm": False,
        "name": "My leads",
    }
    body.update(changes)
    return body
