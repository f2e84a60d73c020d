"""``GET /api/v1/jobs/{id}/similar`` (add-on users) and ``/api/v1/batches/{id}/similar`` (API keys)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from service.api import create_app
from service.api.auth import HttpCertsSource
from service.domain import CompanyInput, JobOptions, RowOutcome, RowState
from service.jobs.apikeys import create_key
from service.jobs.submit import submit_job
from service.store.keys import MemoryApiKeyStore
from tests.api.conftest import ALICE, BOB, make_env
from tests.api.tokens import CertsServer, KeyPair
from tests.jobs.fakes import SOURCE
from tests.jobs.test_discover import PROFILES


@pytest.fixture(scope="module")
def certs():
    key = KeyPair("kid-discover")
    with CertsServer(key).running() as server:
        yield server, key


def _researched_job(svc, owner):
    rows = [(f"r{i}", i, CompanyInput(name, f"https://c{i}.example")) for i, name in enumerate(PROFILES, 1)]
    job = submit_job(svc, owner=owner, name="t", source=SOURCE, rows=rows, options=JobOptions())
    for key, _, company in rows:
        svc.store.lease_row(job.id, key, owner="w", now=svc.clock(), lease_seconds=60, max_attempts=3)
        outcome = RowOutcome(state=RowState.DONE, result=PROFILES[company.name])
        svc.store.finish_row(job.id, key, owner="w", outcome=outcome, now=svc.clock())
    return job


def test_an_addon_user_gets_the_clusters_of_their_own_job_only(certs):
    server, key = certs
    env = make_env(server, key)
    svc = env.app.extensions["rowscout"].services
    job = _researched_job(svc, ALICE)
    answer = env.client.get(f"/api/v1/jobs/{job.id}/similar", headers=env.as_user())
    assert answer.status_code == 200, answer.json
    clusters = {frozenset(c["companies"]): c["label"] for c in answer.json["clusters"]}
    assert clusters[frozenset({"Ledgerly", "Bookwise", "Tallyho"})] == "Software & SaaS"
    one = env.client.get(
        f"/api/v1/jobs/{job.id}/similar", query_string={"company": "Bookwise", "top": "1"}, headers=env.as_user()
    )
    assert one.status_code == 200 and len(one.json["companies"]) == 1
    assert one.json["companies"][0]["similar"][0]["name"] in {"Ledgerly", "Tallyho"}
    assert env.client.get(f"/api/v1/jobs/{job.id}/similar", headers=env.as_user(BOB)).status_code == 404
    assert env.client.get(f"/api/v1/jobs/{job.id}/similar").status_code == 401
    bad_queries = ({"top": "0"}, {"top": "51"}, {"top": "²"}, {"company": "Nobody"}, {"competitors": "yes"})
    for bad in (*bad_queries, {"competitors": "true"}):  # no search provider configured here: said so
        response = env.client.get(f"/api/v1/jobs/{job.id}/similar", query_string=bad, headers=env.as_user())
        assert response.status_code == 400, bad


def test_a_batch_caller_with_an_api_key_gets_the_clusters_of_their_batch(certs):
    server, key_pair = certs
    env = make_env(server, key_pair)
    keys = MemoryApiKeyStore()
    _, key = create_key(keys, owner="ann@example.com", now=datetime.now(UTC))
    app = create_app(
        {
            "TESTING": True,
            "SETTINGS": env.app.extensions["rowscout"].settings,
            "ADAPTERS": {"store": env.store, "queue": env.queue, "researcher": env.researcher},
            "CERTS_SOURCE": HttpCertsSource(server.url),
            "API_KEYS": keys,
            "API_KEYS_ONLY": True,
        }
    )
    svc = app.extensions["rowscout"].services
    job = _researched_job(svc, "ann@example.com")
    client = app.test_client()
    answer = client.get(f"/api/v1/batches/{job.id}/similar", headers={"X-API-Key": key})
    assert answer.status_code == 200 and answer.json["compared"] == len(PROFILES)
    assert client.get(f"/api/v1/batches/{job.id}/similar").status_code == 401
    other = _researched_job(svc, "someone@example.com")
    assert client.get(f"/api/v1/batches/{other.id}/similar", headers={"X-API-Key": key}).status_code == 404
