"""Hostile requests to the web API: forged tokens, oversized and ill-typed bodies, odd encodings.

Every answer is a JSON error with the right status (401, 400, 413...), never
a stack trace or an internal detail, and nothing is stored or enqueued.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import pytest
from werkzeug.test import TestResponse

from tests.api.conftest import ALICE, CLIENT_ID, TASKS_AUD, Env, selection
from tests.api.tokens import KeyPair, claims

ADDON = [("GET", "/api/v1/jobs"), ("POST", "/api/v1/jobs"), ("POST", "/api/v1/estimate"), ("GET", "/api/v1/stats")]
TASKS = [("POST", "/tasks/research"), ("POST", "/tasks/flush"), ("POST", "/cron/refresh")]
LEAKS = ("Traceback", 'File "', "/work/", "site-packages", "werkzeug", "Exception", "self.")


def _b64(data: dict[str, Any] | bytes) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unsigned(payload: dict[str, Any]) -> str:
    return f"{_b64({'alg': 'none', 'typ': 'JWT', 'kid': 'kid-1'})}.{_b64(payload)}."


def _hs256(payload: dict[str, Any], secret: bytes) -> str:
    head = f"{_b64({'alg': 'HS256', 'typ': 'JWT', 'kid': 'kid-1'})}.{_b64(payload)}"
    signature = hmac.new(secret, head.encode(), hashlib.sha256).digest()
    return f"{head}.{_b64(signature)}"


def _forgeries(env: Env, aud: str, email: str) -> dict[str, str]:
    good = claims(aud=aud, email=email)
    return {
        "alg-none": f"Bearer {_unsigned(good)}",
        "hs256-with-public-cert": f"Bearer {_hs256(good, env.key.cert_pem.encode())}",
        "other-key-same-kid": f"Bearer {KeyPair('kid-1').sign(good)}",
        "kid-path-traversal": f"Bearer {KeyPair('../../etc/passwd').sign(good)}",
        "signature-stripped": "Bearer " + env.key.sign(good).rsplit(".", 1)[0] + ".",
        "expired": f"Bearer {env.key.sign(claims(aud=aud, email=email, issued_ago=7200, lifetime=60))}",
        "not-yet-valid": f"Bearer {env.key.sign(claims(aud=aud, email=email, issued_ago=-7200))}",
        "huge": "Bearer " + "A" * 60_000,
        "three-dots": "Bearer ...",
        "json-not-jwt": 'Bearer {"email": "alice@example.com"}',
        "basic": "Basic " + base64.b64encode(b"alice:secret").decode(),
        "two-tokens": f"Bearer {env.key.sign(good)} Bearer {env.key.sign(good)}",
        "empty-bearer": "Bearer ",
    }


def assert_clean_error(response: TestResponse, *statuses: int) -> dict[str, Any]:
    assert response.status_code in statuses, (response.status_code, response.get_data(as_text=True)[:300])
    text = response.get_data(as_text=True)
    assert response.is_json, text[:200]
    assert set(response.json) == {"error"} and response.json["error"]["message"]
    assert not any(leak in text for leak in LEAKS), text[:300]
    return dict(response.json["error"])


def _call(env: Env, method: str, path: str, headers: dict[str, str], body: Any = None) -> TestResponse:
    return env.client.open(path, method=method, json=body if method == "POST" else None, headers=headers)


@pytest.mark.parametrize(("method", "path"), ADDON)
def test_forged_user_tokens_are_401(env: Env, method: str, path: str) -> None:
    for name, authorization in _forgeries(env, CLIENT_ID, ALICE).items():
        response = _call(env, method, path, {"Authorization": authorization}, selection())
        error = assert_clean_error(response, 401)
        assert error["code"] == "unauthenticated", name
    assert env.store.list_jobs() == [] and env.queue.enqueued == []


@pytest.mark.parametrize(("method", "path"), TASKS)
def test_forged_task_tokens_are_401(env: Env, method: str, path: str) -> None:
    for name, authorization in _forgeries(env, TASKS_AUD, "rowscout-tasks@proj.iam.gserviceaccount.com").items():
        response = _call(env, method, path, {"Authorization": authorization}, {"job_id": "j1", "row_key": "r1"})
        assert assert_clean_error(response, 401)["code"] == "unauthenticated", name
    assert env.researcher.calls == []


WRONG_TYPES: list[tuple[str, Any]] = [
    ("ranges", {"A1": "B2"}),
    ("ranges", [1, 2]),
    ("ranges", ["A1:B2"] * 10_000),
    ("header_row", 1e308),
    ("header_row", -1),
    ("header_row", 10**30),
    ("max_concurrency", -5),
    ("max_concurrency", 10**30),
    ("max_concurrency", 3.5),
    ("fields", "website"),
    ("fields", [1, 2]),
    ("fields", [None]),
    ("name", ["x"]),
    ("name", {"$gt": ""}),
    ("spreadsheet_id", None),
    ("spreadsheet_id", "../../etc/passwd"),
    ("spreadsheet_id", "x" * 5000),
    ("sheet_id", "0; DROP TABLE jobs"),
    ("use_llm", 1),
    ("priority", ["high"]),
    ("refresh_days", -1),
]


@pytest.mark.parametrize(("field", "value"), WRONG_TYPES, ids=[f"{f}-{i}" for i, (f, _) in enumerate(WRONG_TYPES)])
def test_wrong_types_are_400(env: Env, field: str, value: Any) -> None:
    response = env.client.post("/api/v1/jobs", json=selection(**{field: value}), headers=env.as_user())
    assert assert_clean_error(response, 400, 413)["code"] in ("invalid_input", "payload_too_large")
    assert env.store.list_jobs() == [] and env.queue.enqueued == []


NESTED_BODIES = [
    pytest.param(b"[" * 9_000 + b"]" * 9_000, "application/json", id="deeply-nested-array"),
    pytest.param(b'{"a":' * 3_000 + b"1" + b"}" * 3_000, "application/json", id="deeply-nested-object"),
]
RAW_BODIES: list[tuple[str, bytes, str]] = [
    (
        "nan-and-infinity",
        json.dumps({**selection(), "header_row": "NaN"}).replace('"NaN"', "NaN").encode(),
        "application/json",
    ),
    ("invalid-utf8", b'{"name": "\xff\xfe\xfa"}', "application/json"),
    ("nul-bytes", b'{"name": "a\x00b"}', "application/json"),
    ("not-json-content-type", json.dumps(selection()).encode(), "text/plain"),
    ("form-encoded", b"spreadsheet_id=x&ranges=A1", "application/x-www-form-urlencoded"),
    ("duplicate-keys", b'{"name": "a", "name": {"b": 1}}', "application/json"),
    ("bare-string", b'"hello"', "application/json"),
    ("null", b"null", "application/json"),
]


@pytest.mark.parametrize(
    ("body", "content_type"), [*NESTED_BODIES, *(pytest.param(b, c, id=n) for n, b, c in RAW_BODIES)]
)
def test_malformed_bodies_are_clean_400s(env: Env, body: bytes, content_type: str) -> None:
    response = env.client.post("/api/v1/jobs", data=body, content_type=content_type, headers=env.as_user())
    assert_clean_error(response, 400, 413, 415)
    assert env.store.list_jobs() == [] and env.queue.enqueued == []


@pytest.mark.parametrize("path", ["/api/v1/jobs", "/api/v1/estimate", "/tasks/research", "/tasks/flush"])
def test_oversized_bodies_are_413_json(env: Env, path: str) -> None:
    headers = env.as_tasks() if path.startswith("/tasks") else env.as_user()
    body = {**selection(), "name": "x" * 2_000_000}
    response = env.client.post(path, json=body, headers=headers)
    assert assert_clean_error(response, 413)["code"] == "payload_too_large"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/jobs/..%2F..%2Fetc%2Fpasswd",
        "/api/v1/jobs/" + "a" * 5000,
        "/api/v1/jobs/%00",
        "/api/v1/jobs/job/rows?limit=-1",
        "/api/v1/jobs/job/rows?limit=99999999999999999999",
        "/api/v1/jobs/job/rows?state=<script>",
    ],
)
def test_hostile_paths_and_queries_are_clean_errors(env: Env, path: str) -> None:
    response = env.client.get(path, headers=env.as_user())
    assert_clean_error(response, 400, 404)
