"""Authentication with real RSA signatures: the add-on user path and the task/cron path."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from service.api import create_app
from service.api.auth import HttpCertsSource, IdTokenVerifier
from service.bootstrap import build_sheets
from service.domain.errors import ConfigError
from tests.api.conftest import ALICE, CLIENT_ID, SHEET, TASKS_AUD, Env, make_env, selection, settings
from tests.api.tokens import CertsServer, KeyPair, claims

ADDON_ROUTE = "/api/v1/jobs"
ROOT = Path(__file__).resolve().parents[2]


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


def test_unconfigured_task_identity_refuses_everything_as_misconfigured(
    certs_server: CertsServer, signing_key: KeyPair, caplog: pytest.LogCaptureFixture
) -> None:
    env = make_env(certs_server, signing_key, tasks_service_account="")
    with caplog.at_level(logging.ERROR):
        response = env.client.post("/cron/refresh", headers=env.as_tasks())
    assert response.status_code == 503 and response.json["error"]["code"] == "misconfigured"
    assert "ROWSCOUT_TASKS_SERVICE_ACCOUNT" in response.json["error"]["message"]
    assert any("misconfigured" in r.getMessage() for r in caplog.records)


def test_no_addon_client_ids_is_misconfigured_not_the_users_fault(
    certs_server: CertsServer, signing_key: KeyPair, caplog: pytest.LogCaptureFixture
) -> None:
    env = make_env(certs_server, signing_key, addon_client_ids=())
    with caplog.at_level(logging.ERROR):
        status, code = _get(env, env.user_token())
    assert (status, code) == (503, "misconfigured")
    assert any("ROWSCOUT_ADDON_CLIENT_IDS" in r.getMessage() for r in caplog.records)


def test_no_google_credentials_on_the_server_is_a_503_for_the_operator(
    certs_server: CertsServer, signing_key: KeyPair, caplog: pytest.LogCaptureFixture, monkeypatch, tmp_path
) -> None:
    """The real ``build_sheets`` wiring with a credentials file that is not there: 503, never 403."""
    for name in ("ROWSCOUT_SHEETS_ACCESS_TOKEN", "ROWSCOUT_OAUTH_CREDENTIALS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "missing-key.json"))
    env = make_env(certs_server, signing_key)
    env.app.extensions["rowscout"].cloud.services.sheets = build_sheets(env.app.extensions["rowscout"].settings)
    with caplog.at_level(logging.ERROR):
        response = env.client.post("/api/v1/jobs", json=selection(), headers=env.as_user())
    assert response.status_code == 503, response.json
    assert response.json["error"]["code"] == "misconfigured"
    assert response.json["error"]["message"].startswith("the Rowscout service is not set up: cannot read credentials")
    assert any("cannot read credentials file" in r.getMessage() for r in caplog.records)
    assert env.store.list_jobs() == []


def test_auth_disabled_on_cloud_run_refuses_to_start(monkeypatch) -> None:
    monkeypatch.setenv("K_SERVICE", "rowscout")
    with pytest.raises(ConfigError, match="ROWSCOUT_AUTH_DISABLED is set on Cloud Run"):
        create_app({"TESTING": True, "SETTINGS": settings(auth_disabled=True)})
    assert create_app({"TESTING": True, "SETTINGS": settings()}) is not None  # auth on: starts


def test_auth_disabled_on_cloud_run_fails_the_entry_point(tmp_path) -> None:
    """``gunicorn main:app`` imports main.py: with K_SERVICE and auth disabled the import fails, loudly."""
    env = {"PATH": os.environ["PATH"], "K_SERVICE": "rowscout", "ROWSCOUT_AUTH_DISABLED": "1", "HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", "import main"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode != 0
    assert "refusing to start with authentication off" in done.stderr
    env.pop("K_SERVICE")
    assert subprocess.run([sys.executable, "-c", "import main"], cwd=ROOT, env=env, timeout=120).returncode == 0


def test_auth_disabled_uses_a_dev_identity_and_warns(
    caplog: pytest.LogCaptureFixture, certs_server, signing_key
) -> None:
    with caplog.at_level(logging.WARNING):
        env = make_env(certs_server, signing_key, auth_disabled=True)
    assert any("AUTHENTICATION IS DISABLED" in r.getMessage() for r in caplog.records)
    assert env.client.get(ADDON_ROUTE).status_code == 200
    env.access.editable["oauth-dev@localhost"] = {SHEET}
    response = env.client.post(
        "/api/v1/jobs", json=selection(), headers={"X-Rowscout-User-Token": "oauth-dev@localhost"}
    )
    assert response.status_code == 202 and response.json["job"]["owner"] == "dev@localhost"
    assert env.client.post("/cron/refresh").status_code == 200
