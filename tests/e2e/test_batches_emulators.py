"""The batch API on the cloud stack: Firestore and Cloud Tasks emulators, the demo web, a signed ID token.

A service account listed in ``ROWSCOUT_API_CALLERS`` submits names with
domain hints over HTTP; the Cloud Tasks emulator delivers one research task per
company to the app, each row is stored in Firestore and the last one completes
the batch; the emulator then delivers the batch's completion notice to
``/tasks/notice``, which posts the signed webhook to a receiver on loopback
(verified with the caller's secret from ``GET /api/v1/notices/secret``);
results come back as JSON, CSV and Excel, and the statistics count the batch.
"""

from __future__ import annotations

import csv
import io
import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from google.cloud import firestore
from openpyxl import load_workbook

from service.api import create_app
from service.api.auth import DevAuthenticator, HttpCertsSource
from service.config import ApiSettings, CloudSettings, FetchConfig, NotifySettings, Settings
from service.examples.demo_web import DemoWeb
from service.jobs.notify import DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verify_signature
from service.research.discover_site import SiteFinder
from service.research.engine import WebResearcher
from service.store.firestore import FirestoreJobStore
from tests.api.tokens import CertsServer, KeyPair, claims
from tests.e2e.conftest import LOCATION, PROJECT, _queue, _serve_later
from tests.fakes.sheet_gateway import MemorySheetGateway
from tests.fixture_web.conftest_helpers import fixture_fetch_settings
from tests.jobs.test_notify import Receiver
from tests.support.loopback import serving
from tests.support.tasks_emulator import TasksEmulator

pytestmark = [pytest.mark.emulator, pytest.mark.subprocess, pytest.mark.slow]

CALLER = "batch-robot@rowscout-e2e.iam.gserviceaccount.com"
AUDIENCE = "https://rowscout-e2e.example"
DEADLINE_SECONDS = 90.0


@dataclass
class BatchCloud:
    url: str
    web: DemoWeb
    key: KeyPair
    receiver: Receiver

    def headers(self, email: str = CALLER) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key.sign(claims(aud=AUDIENCE, email=email))}"}


@pytest.fixture(scope="module")
def batch_cloud(firestore_client: firestore.Client, tasks_emulator: TasksEmulator) -> Iterator[BatchCloud]:
    key = KeyPair("batch-kid")
    receiver = Receiver()
    with DemoWeb() as web, CertsServer(key).running() as certs, serving(receiver):
        server = _serve_later()
        url = f"http://127.0.0.1:{server.server_port}"
        store = FirestoreJobStore(firestore_client, collection_prefix=f"batch{uuid.uuid4().hex[:6]}_")
        server.app = _app(store, _queue(tasks_emulator, url), web, certs)
        with serving(server, join_timeout=10):
            yield BatchCloud(url, web, key, receiver)


def _app(store: FirestoreJobStore, queue: Any, web: DemoWeb, certs: CertsServer) -> Any:
    settings = Settings(
        fetch=FetchConfig(allow_loopback=True),
        cloud=CloudSettings(project=PROJECT, location=LOCATION),
        api=ApiSettings(callers=(CALLER,), audiences=(AUDIENCE,)),
        notify=NotifySettings(allow_loopback=True, timeout=5.0),  # the webhook receiver is on 127.0.0.1
    )
    finder = SiteFinder(tlds=[".test"], scheme="http", port=web.port)
    researcher = WebResearcher(fixture_fetch_settings(), resolver=web.resolver(), site_finder=finder)
    adapters = {"store": store, "queue": queue, "researcher": researcher, "sheets": MemorySheetGateway()}
    return create_app(
        {
            "TESTING": True,
            "SETTINGS": settings,
            "ADAPTERS": adapters,
            "CERTS_SOURCE": HttpCertsSource(certs.url),
            "TASK_AUTH": DevAuthenticator(),  # the Cloud Tasks emulator signs no OIDC tokens (tested in tests/api)
        }
    )


def _wait_final(cloud: BatchCloud, client: httpx.Client, batch: str) -> dict[str, Any]:
    deadline = time.monotonic() + DEADLINE_SECONDS
    status: dict[str, Any] = {}
    while time.monotonic() < deadline:
        status = client.get(f"/api/v1/batches/{batch}", headers=cloud.headers()).json()
        if status["status"] in ("completed", "failed", "cancelled"):
            return status
        time.sleep(0.5)
    raise AssertionError(f"batch did not end in {DEADLINE_SECONDS}s: {status}")


def _webhooks(receiver: Receiver, count: int) -> list[tuple[dict[str, str], bytes]]:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while len(receiver.requests) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    with receiver.lock:
        return list(receiver.requests)


def test_a_batch_of_names_with_hints_on_the_emulators(batch_cloud: BatchCloud) -> None:
    web, receiver = batch_cloud.web, batch_cloud.receiver
    receiver.reset()
    body = {
        "company_names": ["Acme Robotics", "BrightByte", "Nordlicht Design GmbH", "Gone Corp"],
        "domain_hints": {
            "Acme Robotics": web.url("acme-robotics.test"),
            "BrightByte": web.url("brightbyte.test"),
            "Gone Corp": web.url("gone.test"),
        },
        "fields": ["website", "industry", "hq_country"],
        "priority": "urgent",
        "webhook_url": receiver.url,
    }
    with httpx.Client(base_url=batch_cloud.url, timeout=30) as client:
        refused = client.post("/api/v1/batches", json=body, headers=batch_cloud.headers("intruder@example.com"))
        assert refused.status_code == 403
        accepted = client.post("/api/v1/batches", json=body, headers=batch_cloud.headers())
        assert accepted.status_code == 202, accepted.text
        batch = accepted.json()["batch_id"]
        status = _wait_final(batch_cloud, client, batch)
        assert status["status"] == "completed"
        assert status["progress"]["remaining"] == 0 and status["progress"]["total"] == 4
        assert status["progress"]["completed"] + status["progress"]["failed"] == 4
        assert status["options"]["webhook_url"] == receiver.url

        results = client.get(f"/api/v1/batches/{batch}/results", headers=batch_cloud.headers()).json()
        by_name = {r["name"]: r for r in results["results"]}
        assert "acme-robotics.test" in by_name["Acme Robotics"]["result"]["website"]
        assert by_name["Gone Corp"]["status"] == "failed" and by_name["Gone Corp"]["error"]["kind"]
        assert sum(results["summary"]["by_industry"].values()) == status["progress"]["completed"]

        csv_text = client.get(f"/api/v1/batches/{batch}/results?format=csv", headers=batch_cloud.headers()).text
        assert len(list(csv.reader(io.StringIO(csv_text)))) == 5
        xlsx = client.get(f"/api/v1/batches/{batch}/results?format=xlsx", headers=batch_cloud.headers()).content
        assert len(list(load_workbook(io.BytesIO(xlsx), read_only=True).worksheets[0].iter_rows())) == 5

        stats = client.get("/api/v1/stats?timeframe=1h", headers=batch_cloud.headers()).json()
        assert stats["batches"]["by_status"] == {"completed": 1}
        assert stats["companies_processed"] == 4 and stats["queue_depth"] == 0

        (headers, raw), *more = _webhooks(receiver, 1)  # Cloud Tasks -> /tasks/notice -> the receiver
        assert more == []  # one notice for the one completion
        secret = client.get("/api/v1/notices/secret", headers=batch_cloud.headers()).json()
        assert secret["owner"] == CALLER
        assert verify_signature(secret["secret"], headers[TIMESTAMP_HEADER], raw, headers[SIGNATURE_HEADER])
        assert not verify_signature(secret["secret"] + "x", headers[TIMESTAMP_HEADER], raw, headers[SIGNATURE_HEADER])
        notice = json.loads(raw)
        assert notice["event"] == "job.completed" and headers[DELIVERY_HEADER] == notice["delivery_id"]
        assert notice["job"]["id"] == batch and notice["job"]["done"] == status["progress"]["completed"]
