"""Notices over HTTP: the add-on's job status carries the completion notice; ``/tasks/notice`` delivers once."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from service.api import create_app
from service.api.auth import HttpCertsSource
from service.config import NotifySettings
from service.domain import JobOptions
from service.jobs.apikeys import create_key
from service.jobs.control import cancel_job
from service.jobs.notify import Notices
from service.jobs.submit import submit_job
from service.notify.sender import NoticeSender
from service.notify.store import MemoryNoticeStore
from service.store.keys import MemoryApiKeyStore
from tests.api.conftest import ALICE, make_env
from tests.api.tokens import CertsServer, KeyPair
from tests.jobs.fakes import SOURCE, companies
from tests.jobs.test_notify import Receiver
from tests.support.loopback import serving


@pytest.fixture(scope="module")
def certs():
    key = KeyPair("kid-notice")
    with CertsServer(key).running() as server:
        yield server, key


@pytest.fixture(scope="module")
def receiver():
    server = Receiver()
    with serving(server):
        yield server


def test_the_job_status_carries_the_notice_once_the_job_is_final(certs):
    env = make_env(*certs)
    svc = env.app.extensions["rowscout"].services
    job = submit_job(svc, owner=ALICE, name="Leads", source=SOURCE, rows=companies("A", "B"), options=JobOptions())
    running = env.client.get(f"/api/v1/jobs/{job.id}", headers=env.as_user())
    assert running.status_code == 200 and running.json["job"]["notice"] == ""
    cancel_job(svc, job.id)
    final = env.client.get(f"/api/v1/jobs/{job.id}", headers=env.as_user()).json["job"]
    assert final["notice"] == "Job Leads cancelled at 2025-01-01 12:00 UTC: 0 done, 0 failed, 2 skipped"


def test_the_notice_task_endpoint_delivers_once_and_asks_again_after_a_500(certs, receiver):
    server, key = certs
    env = make_env(server, key)
    notices = Notices(MemoryNoticeStore(), NoticeSender(NotifySettings(allow_loopback=True, timeout=5.0)))
    settings = env.app.extensions["rowscout"].settings
    adapters = {"store": env.store, "queue": env.queue, "researcher": env.researcher, "notices": notices}
    app = create_app(
        {"TESTING": True, "SETTINGS": settings, "ADAPTERS": adapters, "CERTS_SOURCE": HttpCertsSource(server.url)}
    )
    client, svc = app.test_client(), app.extensions["rowscout"].services
    options = JobOptions(webhook_url=receiver.url)
    job = submit_job(svc, owner=ALICE, name="t", source=SOURCE, rows=companies("A"), options=options)
    cancel_job(svc, job.id)
    (task,) = env.queue.of_kind("notice")
    body = {"job_id": task.job_id, "row_key": task.row_key, "payload": task.payload}
    receiver.reset(answers=[500])
    first = client.post("/tasks/notice", json=body, headers=env.as_tasks())
    assert first.status_code == 503  # Cloud Tasks delivers it again
    again = client.post("/tasks/notice", json=body, headers={**env.as_tasks(), "X-CloudTasks-TaskRetryCount": "1"})
    assert again.status_code == 200
    duplicate = client.post("/tasks/notice", json=body, headers=env.as_tasks())
    assert duplicate.status_code == 200
    assert len(receiver.requests) == 2  # the 500 and the delivery; the duplicate sent nothing
    assert json.loads(receiver.requests[1][1])["event"] == "job.cancelled"
    assert client.post("/tasks/notice", json=body).status_code == 401


def test_a_batch_caller_fetches_their_own_signing_secret(certs):
    server, key = certs
    env = make_env(server, key)
    keys = MemoryApiKeyStore()
    _, ann_key = create_key(keys, owner="ann@example.com", now=datetime.now(UTC))
    _, bob_key = create_key(keys, owner="bob@example.com", now=datetime.now(UTC))
    notices = Notices(MemoryNoticeStore(), NoticeSender(NotifySettings()))
    config = {
        "TESTING": True,
        "SETTINGS": env.app.extensions["rowscout"].settings,
        "ADAPTERS": {"store": env.store, "queue": env.queue, "researcher": env.researcher, "notices": notices},
        "CERTS_SOURCE": HttpCertsSource(server.url),
        "API_KEYS": keys,
        "API_KEYS_ONLY": True,
    }
    client = create_app(config).test_client()
    ann = client.get("/api/v1/notices/secret", headers={"X-API-Key": ann_key})
    assert ann.status_code == 200 and ann.json["owner"] == "ann@example.com"
    assert ann.json["secret"] == notices.store.secret("ann@example.com")
    bob = client.get("/api/v1/notices/secret", headers={"X-API-Key": bob_key}).json
    assert bob["secret"] == notices.store.secret("bob@example.com") != ann.json["secret"]
    assert client.get("/api/v1/notices/secret").status_code == 401
