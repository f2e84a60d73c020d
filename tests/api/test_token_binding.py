"""The add-on API with the real ``DriveSpreadsheetAccess``: the user token must be the caller's and the add-on's.

ID tokens are RSA-signed on the loopback certs server; access tokens are
checked on the loopback token info + Drive fake (``google_fakes.FakeGoogle``).
Alice and Bob each hold an ID token and an access token of the add-on; Alice
also holds an access token another app obtained.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from flask.testing import FlaskClient

from service.api import create_app
from service.api.access import DriveSpreadsheetAccess, TokenInfo
from service.api.auth import HttpCertsSource
from service.domain import ErrorKind
from service.store.memory import MemoryJobStore
from tests.api.conftest import ALICE, BOB, CLIENT_ID, LEADS, SHEET, TAB, selection, settings
from tests.api.fakes import FakeResearcher
from tests.api.google_fakes import FakeGoogle
from tests.api.tokens import CertsServer, KeyPair, claims
from tests.fakes.sheet_gateway import MemorySheetGateway
from tests.support.fakes import FakeQueue

OTHER_APP = "other-app.apps.googleusercontent.com"


@dataclass
class World:
    client: FlaskClient
    google: FakeGoogle
    store: MemoryJobStore
    sheets: MemorySheetGateway
    researcher: FakeResearcher
    key: KeyPair

    def headers(self, *, id_of: str, access_token: str) -> dict[str, str]:
        sub = f"sub-{id_of.split('@')[0]}"
        token = self.key.sign(claims(aud=CLIENT_ID, email=id_of, sub=sub))
        return {"Authorization": f"Bearer {token}", "X-Rowscout-User-Token": access_token}


@pytest.fixture(scope="module")
def google_server() -> Iterator[FakeGoogle]:
    with FakeGoogle().running() as fake:
        yield fake


@pytest.fixture
def world(google_server: FakeGoogle, certs_server: CertsServer, signing_key: KeyPair) -> World:
    google = google_server
    google.reset()
    google.grant("alice-token", sub="sub-alice", email=ALICE, client=CLIENT_ID, files={SHEET: True})
    google.grant("alice-token-other-app", sub="sub-alice", email=ALICE, client=OTHER_APP, files={SHEET: True})
    google.grant("bob-token", sub="sub-bob", email=BOB, client=CLIENT_ID, files={})
    store, sheets, researcher = MemoryJobStore(), MemorySheetGateway({SHEET: {TAB: LEADS}}), FakeResearcher()
    access = DriveSpreadsheetAccess(
        client_ids=(CLIENT_ID,), tokeninfo=TokenInfo(google.tokeninfo_url), api_endpoint=google.drive_endpoint
    )
    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    adapters: dict[str, Any] = {
        "store": store,
        "queue": FakeQueue(),
        "researcher": researcher,
        "sheets": sheets,
        "access": access,
        "clock": lambda: now,
        "worker_id": "w1",
    }
    app = create_app(
        {
            "TESTING": True,
            "SETTINGS": settings(),
            "ADAPTERS": adapters,
            "CERTS_SOURCE": HttpCertsSource(certs_server.url),
        }
    )
    return World(app.test_client(), google, store, sheets, researcher, signing_key)


def _error(response: Any) -> tuple[int, str, str]:
    error = response.json["error"]
    return response.status_code, error["code"], error["message"]


def test_alice_with_her_own_token_submits_a_job(world: World) -> None:
    response = world.client.post(
        "/api/v1/jobs", json=selection(), headers=world.headers(id_of=ALICE, access_token="alice-token")
    )
    assert response.status_code == 202 and response.json["job"]["owner"] == ALICE
    assert world.google.drive_hits == [("alice-token", SHEET)]


def test_bobs_id_token_with_alices_access_token_is_refused_on_alices_sheet(world: World) -> None:
    headers = world.headers(id_of=BOB, access_token="alice-token")
    for route in ("/api/v1/jobs", "/api/v1/estimate"):
        status, code, message = _error(world.client.post(route, json=selection(), headers=headers))
        assert (status, code) == (403, "forbidden") and "another Google account" in message
    assert world.store.list_jobs() == [] and world.sheets.reads == [] and world.google.drive_hits == []


def test_alices_token_issued_to_another_app_is_refused(world: World) -> None:
    headers = world.headers(id_of=ALICE, access_token="alice-token-other-app")
    status, code, message = _error(world.client.post("/api/v1/jobs", json=selection(), headers=headers))
    assert (status, code) == (403, "forbidden") and "not issued to the Rowscout add-on" in message
    assert world.store.list_jobs() == [] and world.sheets.reads == []


def test_a_token_google_does_not_know_is_unauthenticated(world: World) -> None:
    headers = world.headers(id_of=ALICE, access_token="forged-token")
    assert _error(world.client.post("/api/v1/estimate", json=selection(), headers=headers))[:2] == (
        401,
        "unauthenticated",
    )


def test_the_token_check_is_cached_across_requests(world: World) -> None:
    headers = world.headers(id_of=ALICE, access_token="alice-token")
    for _ in range(3):
        assert world.client.post("/api/v1/estimate", json=selection(), headers=headers).status_code == 200
    assert world.google.tokeninfo_hits == ["alice-token"]
    assert len(world.google.drive_hits) == 3  # edit access is asked every time


def _failed_job(world: World) -> str:
    world.researcher.fail["Globex"] = ErrorKind.BLOCKED
    headers = world.headers(id_of=ALICE, access_token="alice-token")
    job_id = world.client.post("/api/v1/jobs", json=selection(), headers=headers).json["job"]["id"]
    for row in list(world.store.iter_rows(job_id)):
        world.client.post("/tasks/research", json={"job_id": job_id, "row_key": row.key}, headers=_tasks_headers(world))
    return job_id


def _tasks_headers(world: World) -> dict[str, str]:
    from tests.api.conftest import TASKS_AUD, TASKS_SA

    return {"Authorization": f"Bearer {world.key.sign(claims(aud=TASKS_AUD, email=TASKS_SA))}"}


@pytest.mark.parametrize("action", ["resume", "retry-failed"])
def test_actions_that_write_again_check_edit_access_again(world: World, action: str) -> None:
    job_id = _failed_job(world)
    alice = world.headers(id_of=ALICE, access_token="alice-token")
    if action == "resume":
        assert world.client.post(f"/api/v1/jobs/{job_id}/pause", headers=alice).status_code == 200
    world.google.grants["alice-token"].files[SHEET] = False  # the sheet's owner made Alice a viewer
    before = world.store.get_job(job_id)
    status, code, _ = _error(world.client.post(f"/api/v1/jobs/{job_id}/{action}", headers=alice))
    assert (status, code) == (403, "forbidden")
    assert world.store.get_job(job_id).state == before.state
    assert world.google.drive_hits[-1] == ("alice-token", SHEET)

    world.google.grants["alice-token"].files[SHEET] = True
    assert world.client.post(f"/api/v1/jobs/{job_id}/{action}", headers=alice).status_code == 200


@pytest.mark.parametrize("action", ["resume", "retry-failed"])
def test_resume_with_another_users_token_is_refused(world: World, action: str) -> None:
    job_id = _failed_job(world)
    alice = world.headers(id_of=ALICE, access_token="alice-token")
    if action == "resume":
        world.client.post(f"/api/v1/jobs/{job_id}/pause", headers=alice)
    mixed = world.headers(id_of=ALICE, access_token="bob-token")
    assert _error(world.client.post(f"/api/v1/jobs/{job_id}/{action}", headers=mixed))[:2] == (403, "forbidden")


def test_pause_and_cancel_need_no_user_token(world: World) -> None:
    job_id = _failed_job(world)
    bearer = {"Authorization": world.headers(id_of=ALICE, access_token="")["Authorization"]}
    assert world.client.post(f"/api/v1/jobs/{job_id}/cancel", headers=bearer).status_code == 200
