"""The whole cloud service on one machine: both emulators, the fake Sheets server, the fixture web.

``cloud`` starts (once per module) the Firestore emulator, the Cloud Tasks
emulator with fresh queues, the fake Sheets v4 server, the fixture web, a
loopback certs endpoint for real signed add-on tokens, and the Flask app
served by werkzeug on 127.0.0.1 in a thread; the Cloud Tasks emulator posts
every task to that app over HTTP. Everything is stopped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from google.auth.credentials import AnonymousCredentials
from google.cloud import firestore
from google.oauth2.credentials import Credentials
from werkzeug.serving import BaseWSGIServer, make_server

from service.api import create_app
from service.api.auth import AddonAuthenticator, DevAuthenticator, HttpCertsSource, IdTokenVerifier
from service.config import CloudSettings, FetchConfig, Limits, Settings
from service.examples.demo_web import DemoWeb
from service.queue.cloudtasks import CloudTasksQueue
from service.research.discover_site import SiteFinder
from service.research.engine import WebResearcher
from service.sheets.gateway import GoogleSheetGateway
from service.sheets.google_api import GoogleSheetsApi
from service.store.firestore import FirestoreJobStore
from tests.api.fakes import FakeAccess
from tests.api.tokens import CertsServer, KeyPair, claims
from tests.fakes.sheets_server import FakeSheetsServer
from tests.fixture_web.conftest_helpers import fixture_fetch_settings
from tests.support.firestore_emulator import EmulatorUnavailable, skip_requested, start_firestore_emulator
from tests.support.loopback import serving
from tests.support.tasks_emulator import EmulatorUnavailable as TasksUnavailable
from tests.support.tasks_emulator import TasksEmulator, start_emulator

PROJECT, LOCATION = "rowscout-e2e", "europe-west1"
CLIENT_ID = "e2e-addon.apps.googleusercontent.com"
USER = "erin@example.com"
SERVICE_TOKEN = "e2e-service-account"  # the fake Sheets server knows callers by bearer token


@dataclass
class Cloud:
    url: str
    sheets: FakeSheetsServer
    web: DemoWeb
    store: FirestoreJobStore
    key: KeyPair
    access: FakeAccess

    def headers(self, email: str = USER) -> dict[str, str]:
        token = self.key.sign(claims(aud=CLIENT_ID, email=email))
        return {"Authorization": f"Bearer {token}", "X-Rowscout-User-Token": f"oauth-{email}"}


def _fail_or_skip(what: str, exc: Exception) -> None:
    if skip_requested():
        pytest.skip(f"{what} unavailable: {exc}")
    pytest.fail(f"{what} unavailable (set ROWSCOUT_SKIP_EMULATOR_TESTS=1 to skip): {exc}")


@pytest.fixture(scope="module")
def firestore_client() -> Iterator[firestore.Client]:
    try:
        emulator = start_firestore_emulator()
    except EmulatorUnavailable as exc:
        _fail_or_skip("Firestore emulator", exc)
    previous = os.environ.get("FIRESTORE_EMULATOR_HOST")
    os.environ["FIRESTORE_EMULATOR_HOST"] = emulator.host
    try:
        yield firestore.Client(project=PROJECT, credentials=AnonymousCredentials())
    finally:
        if previous is None:
            os.environ.pop("FIRESTORE_EMULATOR_HOST", None)
        else:
            os.environ["FIRESTORE_EMULATOR_HOST"] = previous
        emulator.stop()


@pytest.fixture(scope="module")
def tasks_emulator() -> Iterator[TasksEmulator]:
    try:
        emulator = start_emulator(max_retries=20)
    except TasksUnavailable as exc:
        _fail_or_skip("Cloud Tasks emulator", exc)
    yield emulator
    emulator.stop()


@pytest.fixture(scope="module")
def cloud(firestore_client: firestore.Client, tasks_emulator: TasksEmulator) -> Iterator[Cloud]:
    key = KeyPair("e2e-kid")
    with FakeSheetsServer() as sheets, DemoWeb() as web, CertsServer(key).running() as certs:
        server = _serve_later()
        url = f"http://127.0.0.1:{server.server_port}"
        store = FirestoreJobStore(firestore_client, collection_prefix=f"e2e{uuid.uuid4().hex[:6]}_")
        queue = _queue(tasks_emulator, url)
        access = FakeAccess({f"oauth-{USER}": {"e2e-sheet-0001"}})
        gateway = _gateway(sheets)
        server.app = _app(store, queue, gateway, web, certs, access)
        try:
            with serving(server, join_timeout=10):
                yield Cloud(url, sheets, web, store, key, access)
        finally:
            gateway.close()


def _serve_later() -> BaseWSGIServer:
    return make_server("127.0.0.1", 0, app=lambda environ, start: [], threaded=True)


def _queue(emulator: TasksEmulator, url: str) -> CloudTasksQueue:
    suffix = uuid.uuid4().hex[:6]
    queues = {p: f"e2e-{p}-{suffix}" for p in ("high", "normal", "low")}
    for queue_id in queues.values():
        emulator.create_queue(project=PROJECT, location=LOCATION, queue_id=queue_id)
    return CloudTasksQueue(
        emulator.client(),
        project=PROJECT,
        location=LOCATION,
        queues=queues,
        target_base_url=url,
        service_account_email=None,
    )


def _gateway(sheets: FakeSheetsServer) -> GoogleSheetGateway:
    """Google Sheets through the service account's token, on the fake Sheets server."""

    def connect() -> GoogleSheetsApi:
        credentials = Credentials(token=SERVICE_TOKEN)
        return GoogleSheetsApi(credentials, endpoint=sheets.endpoint, account="rowscout@e2e.iam")

    return GoogleSheetGateway(connect)


def _app(
    store: FirestoreJobStore,
    queue: CloudTasksQueue,
    gateway: GoogleSheetGateway,
    web: DemoWeb,
    certs: CertsServer,
    access: FakeAccess,
) -> Any:
    settings = Settings(
        limits=Limits(flush_window_seconds=1.0),
        fetch=FetchConfig(allow_loopback=True),
        cloud=CloudSettings(project=PROJECT, location=LOCATION, addon_client_ids=(CLIENT_ID,)),
    )
    finder = SiteFinder(tlds=[".test"], scheme="http", port=web.port)
    researcher = WebResearcher(fixture_fetch_settings(), resolver=web.resolver(), site_finder=finder)
    return create_app(
        {
            "TESTING": True,
            "SETTINGS": settings,
            "ADAPTERS": {"store": store, "queue": queue, "researcher": researcher, "sheets": gateway, "access": access},
            "ADDON_AUTH": AddonAuthenticator(IdTokenVerifier(HttpCertsSource(certs.url)), settings),
            # The Cloud Tasks emulator signs no OIDC tokens; the task identity check is tested in tests/api.
            "TASK_AUTH": DevAuthenticator(),
        }
    )
