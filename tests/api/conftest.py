"""Fixtures: the app with a memory store, recording fakes, and real signed tokens on a loopback certs server."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from service.api import create_app
from service.api.auth import HttpCertsSource
from service.config import Settings
from service.jobs.context import Services
from service.store.memory import MemoryJobStore
from tests.api.fakes import FakeAccess, FakeResearcher, FakeSheets
from tests.api.tokens import CertsServer, KeyPair, claims
from tests.support.fakes import FakeQueue

CLIENT_ID = "addon-client.apps.googleusercontent.com"
TASKS_SA = "rowscout-tasks@proj.iam.gserviceaccount.com"
TASKS_AUD = "https://rowscout.example.run.app"
ALICE = "alice@example.com"
BOB = "bob@example.com"
SHEET = "sheet-alice-0001"
BOB_SHEET = "sheet-bob-00001"

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
    sheets: FakeSheets
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


def settings(**changes: Any) -> Settings:
    base: dict[str, Any] = {
        "backend": "cloud",
        "addon_client_ids": (CLIENT_ID,),
        "tasks_service_account": TASKS_SA,
        "tasks_audience": TASKS_AUD,
        "service_url": TASKS_AUD,
        "max_rows_per_job": 5_000,
        "max_body_bytes": 20_000,
    }
    return Settings(**{**base, **changes})


def make_env(certs_server: CertsServer, key: KeyPair, **setting_changes: Any) -> Env:
    store, queue, researcher = MemoryJobStore(), FakeQueue(), FakeResearcher()
    now = [datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)]
    services = Services(store=store, queue=queue, researcher=researcher, clock=lambda: now[0], worker_id="w1")
    sheets = FakeSheets(
        tables={
            SHEET: (["Company", "Website"], [["Acme", "acme.example"], ["Globex", ""], ["", ""]]),
            BOB_SHEET: (["Company"], [["Initech"]]),
        }
    )
    access = FakeAccess({f"oauth-{ALICE}": {SHEET}, f"oauth-{BOB}": {BOB_SHEET}})
    app = create_app(
        {
            "TESTING": True,
            "SETTINGS": settings(**setting_changes),
            "SERVICES": services,
            "SHEETS": sheets,
            "SPREADSHEET_ACCESS": access,
            "CERTS_SOURCE": HttpCertsSource(certs_server.url),
            "CLOCK": lambda: now[0],
            "PLAN_THRESHOLD": 10,
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
        "sheet_name": "Leads",
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
