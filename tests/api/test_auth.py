"""Authentication with real RSA signatures: the add-on user path and the task/cron path."""

from __future__ import annotations

import logging

import pytest

from service.api import create_app
from service.api.auth import HttpCertsSource, IdTokenVerifier
from tests.api.conftest import ALICE, CLIENT_ID, TASKS_AUD, Env, make_env, selection, settings
from tests.api.tokens import CertsServer, KeyPair, claims

ADDON_ROUTE = "/api/v1/jobs"


def _get(env: Env, token: str | None, path: str = ADDON_ROUTE) -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    response = env.client.get(path, headers=headers)
    return response.status_code, response.json["error"]["code"] if response.status_code >= 400 else ""


def test_valid_user_token_is_accepted(env: Env) -> None:
    assert _get(env, env.user_token()) == (200, "")


def test_missing_or_malformed_authorization_is_unauthenticated(env: Env) -> None:
    assert _get(env, None) == (401, "unauthenticated")
    response = env.client.get(ADDON_ROUTE, headers={"Authorization": "Basic abc"})
    assert response.status_code == 401
    assert _get(env, "not-a-jwt") == (401, "unauthenticated")


def test_forged_signature_is_rejected(env: Env) -> None:
    forger = KeyPair("kid-1")  # same key id, different key
    assert _get(env, forger.sign(claims(aud=CLIENT_ID, email=ALICE))) == (401, "unauthenticated")


def test_tampered_payload_is_rejected(env: Env) -> None:
    header, _payload, signature = env.user_token().split(".")
    other = KeyPair("kid-x").sign(claims(aud=CLIENT_ID, email="mallory@example.com")).split(".")[1]
    assert _get(env, f"{header}.{other}.{signature}") == (401, "unauthenticated")


@pytest.mark.parametrize(
    "overrides",
    [
        {"issued_ago": 7200, "lifetime": 3600},  # expired an hour ago
        {"aud": "someone-else.apps.googleusercontent.com"},
        {"iss": "https://evil.example.com"},
        {"verified": False},
    ],
    ids=["expired", "wrong-audience", "wrong-issuer", "unverified-email"],
)
def test_bad_claims_are_unauthenticated(env: Env, overrides: dict) -> None:
    assert _get(env, env.user_token(**overrides)) == (401, "unauthenticated")


def test_unknown_key_id_refetches_certs_once_then_rejects(env: Env, certs_server: CertsServer) -> None:
    assert _get(env, env.user_token()) == (200, "")
    hits = certs_server.hits
    stranger = KeyPair("kid-unknown").sign(claims(aud=CLIENT_ID, email=ALICE))
    assert _get(env, stranger) == (401, "unauthenticated")
    assert certs_server.hits == hits + 1


def test_certs_are_cached(certs_server: CertsServer, signing_key: KeyPair) -> None:
    verifier = IdTokenVerifier(HttpCertsSource(certs_server.url))
    before = certs_server.hits
    for _ in range(3):
        verifier.verify(signing_key.sign(claims(aud=CLIENT_ID, email=ALICE)), [CLIENT_ID])
    assert certs_server.hits == before + 1


def test_unreachable_certs_is_unavailable(signing_key: KeyPair) -> None:
    app = create_app({"TESTING": True, "SETTINGS": settings(), "CERTS_SOURCE": HttpCertsSource("http://127.0.0.1:9/")})
    token = signing_key.sign(claims(aud=CLIENT_ID, email=ALICE))
    response = app.test_client().get(ADDON_ROUTE, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 503 and response.json["error"]["code"] == "unavailable"


def test_disallowed_domain_is_forbidden(certs_server: CertsServer, signing_key: KeyPair) -> None:
    env = make_env(certs_server, signing_key, allowed_domains=("corp.example",))
    assert _get(env, env.user_token()) == (403, "forbidden")
    assert _get(env, env.user_token(email="carol@corp.example")) == (200, "")
    assert _get(env, env.user_token(email="dave@gmail.com", hd="corp.example")) == (200, "")


@pytest.mark.parametrize("path", ["/tasks/research", "/tasks/plan", "/tasks/flush", "/cron/refresh"])
def test_task_endpoints_refuse_addon_tokens_and_anonymous_callers(env: Env, path: str) -> None:
    body = {"job_id": "j1", "row_key": "r1"}
    anonymous = env.client.post(path, json=body)
    assert anonymous.status_code == 401
    addon = env.client.post(path, json=body, headers={"Authorization": f"Bearer {env.user_token()}"})
    assert addon.status_code == 401  # audience is the add-on client id, not the service
    other_sa = env.task_token(email="someone@proj.iam.gserviceaccount.com")
    response = env.client.post(path, json=body, headers={"Authorization": f"Bearer {other_sa}"})
    assert response.status_code == 403 and response.json["error"]["code"] == "forbidden"


def test_task_endpoints_accept_the_tasks_service_account(env: Env) -> None:
    response = env.client.post("/cron/refresh", headers=env.as_tasks())
    assert response.status_code == 200 and response.json == {"status": "done", "jobs": 0, "rows": 0}


def test_tasks_token_is_not_an_addon_token(env: Env) -> None:
    token = env.task_token()
    assert _get(env, token) == (401, "unauthenticated")
    assert env.key.sign(claims(aud=TASKS_AUD, email=ALICE))  # sanity: signing works


def test_unconfigured_task_identity_refuses_everything(certs_server: CertsServer, signing_key: KeyPair) -> None:
    env = make_env(certs_server, signing_key, tasks_service_account="")
    response = env.client.post("/cron/refresh", headers=env.as_tasks())
    assert response.status_code == 403


def test_auth_disabled_uses_a_dev_identity_and_warns(
    caplog: pytest.LogCaptureFixture, certs_server, signing_key
) -> None:
    with caplog.at_level(logging.WARNING):
        env = make_env(certs_server, signing_key, auth_disabled=True)
    assert any("AUTHENTICATION IS DISABLED" in r.getMessage() for r in caplog.records)
    assert env.client.get(ADDON_ROUTE).status_code == 200
    response = env.client.post("/api/v1/jobs", json=selection(), headers={"X-Rowscout-User-Token": "oauth-" + ALICE})
    assert response.status_code == 202 and response.json["job"]["owner"] == "dev@localhost"
    assert env.client.post("/cron/refresh").status_code == 200
