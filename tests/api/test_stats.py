"""``GET /api/v1/stats``: one statistics endpoint for every authenticated caller, over the caller's own jobs.

An add-on user (the add-on's ID token), an API key's owner and an
allow-listed Google ID token all get the same shape; a sheet job counts as
much as an API batch. ``/api/v1/batches/stats`` is an alias.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from service.api import create_app
from service.api.auth import HttpCertsSource
from service.config import ApiSettings
from service.jobs.apikeys import create_key
from service.store.keys import MemoryApiKeyStore
from tests.api.conftest import ALICE, BOB, Env, make_env, selection, settings
from tests.api.tokens import CertsServer, KeyPair, claims

API_AUDIENCE = "https://rowscout-api.example"


@pytest.fixture
def app_env(certs_server: CertsServer, signing_key: KeyPair) -> tuple[Env, Any, dict[str, str]]:
    """The add-on's app (conftest) plus API keys and allow-listed ID tokens on the same store."""
    env = make_env(certs_server, signing_key)
    keys = MemoryApiKeyStore()
    now = datetime.now(UTC)
    issued = {owner: create_key(keys, owner=owner, now=now)[1] for owner in (ALICE, BOB)}
    adapters = {"store": env.store, "queue": env.queue, "researcher": env.researcher, "clock": lambda: env.now[0]}
    app = create_app(
        {
            "TESTING": True,
            "SETTINGS": replace(settings(), api=ApiSettings(callers=(ALICE,), audiences=(API_AUDIENCE,))),
            "ADAPTERS": {**adapters, "sheets": env.sheets, "access": env.access},
            "CERTS_SOURCE": HttpCertsSource(certs_server.url),
            "API_KEYS": keys,
        }
    )
    return env, app.test_client(), issued


def test_every_kind_of_caller_gets_the_stats_of_their_own_jobs(app_env: tuple[Env, Any, dict[str, str]]) -> None:
    env, client, keys = app_env
    submitted = client.post("/api/v1/jobs", json=selection(), headers=env.as_user())  # a sheet job of Alice's
    assert submitted.status_code == 202, submitted.json
    id_token = env.key.sign(claims(aud=API_AUDIENCE, email=ALICE))
    callers = {
        "add-on user": env.as_user(),
        "API key": {"X-API-Key": keys[ALICE]},
        "ID token": {"Authorization": f"Bearer {id_token}"},
    }
    answers = {}
    for caller, headers in callers.items():
        response = client.get("/api/v1/stats", query_string={"timeframe": "1h"}, headers=headers)
        assert response.status_code == 200, (caller, response.json)
        answers[caller] = response.json
    stats = answers["add-on user"]
    assert all(answer == stats for answer in answers.values())
    assert stats["timeframe"] == "1h" and stats["batches"] == {"total": 1, "by_status": {"processing": 1}}
    assert stats["queue_depth"] == 2  # Acme and Globex wait; the duplicate row was skipped
    assert stats["companies_processed"] == 0 and stats["success_rate"] is None
    alias = client.get("/api/v1/batches/stats", query_string={"timeframe": "1h"}, headers=env.as_user())
    assert alias.status_code == 200 and alias.json == stats
    bob = client.get("/api/v1/stats", headers={"X-API-Key": keys[BOB]}).json
    assert bob["batches"] == {"total": 0, "by_status": {}} and bob["queue_depth"] == 0


def test_stats_refuse_callers_who_are_not_known(app_env: tuple[Env, Any, dict[str, str]]) -> None:
    env, client, _ = app_env
    assert client.get("/api/v1/stats").status_code == 401
    assert client.get("/api/v1/stats", headers={"X-API-Key": "rsk_00000000_" + "A" * 43}).status_code == 401
    stranger = env.key.sign(claims(aud=API_AUDIENCE, email=BOB))  # a valid token, not allow-listed
    assert client.get("/api/v1/stats", headers={"Authorization": f"Bearer {stranger}"}).status_code == 403
    forged = KeyPair("kid-1").sign(claims(aud="addon-client.apps.googleusercontent.com", email=ALICE))
    assert client.get("/api/v1/stats", headers={"Authorization": f"Bearer {forged}"}).status_code == 401
    bad = client.get("/api/v1/stats", query_string={"timeframe": "2h"}, headers=env.as_user())
    assert bad.status_code == 400 and "timeframe" in bad.json["error"]["message"]
