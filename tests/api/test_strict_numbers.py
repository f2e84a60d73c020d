"""Numbers in query parameters and headers are 1–9 ASCII digits: anything else is a 400 (or ignored), never a 500.

``str.isdigit`` accepts "²" and Arabic-Indic digits ("٣"), and ``int`` of a
5,000-digit string raises past Python's digit limit: each of these once
answered 500.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from service.api.numbers import strict_int
from service.domain import ErrorKind, RowState
from tests.api.conftest import Env, row_key, selection

HOSTILE = ["²", "٣", "9" * 5000, "-1", "", " 5", "+5", "5\n", "1e3", "0x10", "1_000", "1234567890"]
HOSTILE_IDS = ["superscript", "arabic-indic", "5000-digits", "negative", "empty", "space", "plus", "newline",
               "exponent", "hex", "underscore", "ten-digits"]  # fmt: skip


def _submit(env: Env) -> str:
    response = env.client.post("/api/v1/jobs", json=selection(), headers=env.as_user())
    assert response.status_code == 202, response.json
    return response.json["job"]["id"]


@pytest.mark.parametrize("value", HOSTILE, ids=HOSTILE_IDS)
def test_strict_int_refuses_everything_but_one_to_nine_ascii_digits(value: str) -> None:
    assert strict_int(value) is None


def test_strict_int_reads_plain_numbers() -> None:
    assert [strict_int(v) for v in ("0", "7", "0042", "999999999")] == [0, 7, 42, 999_999_999]
    assert strict_int(None) is None


@pytest.mark.parametrize("name", ["limit", "cursor"])
@pytest.mark.parametrize("value", HOSTILE, ids=HOSTILE_IDS)
def test_rows_query_numbers_are_a_400_never_a_500(env: Env, name: str, value: str) -> None:
    job_id = _submit(env)
    response = env.client.get(f"/api/v1/jobs/{job_id}/rows", query_string={name: value}, headers=env.as_user())
    assert response.status_code == 400, response.json
    assert response.json["error"]["code"] == "invalid_input" and name in response.json["error"]["message"]


def test_rows_query_numbers_in_range_still_work(env: Env) -> None:
    job_id = _submit(env)
    response = env.client.get(f"/api/v1/jobs/{job_id}/rows?limit=2&cursor=0", headers=env.as_user())
    assert response.status_code == 200 and len(response.json["rows"]) == 2
    assert env.client.get(f"/api/v1/jobs/{job_id}/rows?limit=501", headers=env.as_user()).status_code == 400


@pytest.mark.parametrize("value", [v for v in HOSTILE if "\n" not in v])  # HTTP headers cannot carry a newline
def test_a_malformed_retry_count_header_counts_as_the_first_attempt(env: Env, value: str) -> None:
    """With 2 deliveries allowed, a first attempt that times out is retried (503); a later one records the failure."""
    env.researcher.fail["Acme"] = ErrorKind.TIMEOUT
    context = env.app.extensions["rowscout"]
    context.settings = replace(context.settings, cloud=replace(context.settings.cloud, tasks_max_attempts=2))
    job_id = _submit(env)
    acme = row_key(job_id, 2)
    headers = {**env.as_tasks(), "X-CloudTasks-TaskRetryCount": value}
    response = env.client.post("/tasks/research", json={"job_id": job_id, "row_key": acme}, headers=headers)
    assert response.status_code == 503 and response.json["status"] == "retry"
    assert env.store.get_row(job_id, acme).state != RowState.FAILED
