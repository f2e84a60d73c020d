"""The ``ApiKeyStore`` contract on memory, SQLite and Firestore (the real emulator), and the cloud's keys end to end.

End to end: a key made with ``python -m service keys create --cloud`` against
the Firestore emulator authenticates ``POST /api/v1/batches`` on the cloud app
(``build_cloud``: Firestore job store and key store from the settings); after
``keys revoke --cloud`` the same key gets 401 on the next request. An
unreachable Firestore is a retryable error (503), never a 401. One emulator
client per module; each contract test has its own collection prefix.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from google.auth.credentials import AnonymousCredentials
from google.cloud import firestore

from service.api import create_app
from service.cli.app import main
from service.cli.exits import ExitCode
from service.config import CloudSettings, Settings
from service.domain import CompanyInput, CompanyProfile, ResearchOptions, ResearchOutcome
from service.queue.inprocess import DeferredQueue
from service.store.keys import MemoryApiKeyStore, SqliteApiKeyStore
from service.store.keys_firestore import COLLECTION, FirestoreApiKeyStore
from tests.conftest import FIRESTORE_PROJECT
from tests.contract.key_store_contract import T0, KeyStoreContract
from tests.support.firestore_emulator import EmulatorHandle


class TestMemoryApiKeyStore(KeyStoreContract):
    def make_store(self) -> MemoryApiKeyStore:
        return MemoryApiKeyStore()


class TestSqliteApiKeyStore(KeyStoreContract):
    @pytest.fixture(autouse=True)
    def _workspace(self, tmp_path: Path) -> None:
        self.path = tmp_path / "api-keys.sqlite3"

    def make_store(self) -> SqliteApiKeyStore:
        return SqliteApiKeyStore(self.path)


@pytest.fixture(scope="module")
def emulator_client(firestore_emulator: EmulatorHandle) -> Iterator[firestore.Client]:
    """One client on the session's emulator for this module; the environment points every other client there."""
    firestore_emulator.reset(FIRESTORE_PROJECT)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("FIRESTORE_EMULATOR_HOST", firestore_emulator.host)
        env.setenv("GOOGLE_CLOUD_PROJECT", FIRESTORE_PROJECT)
        client = firestore.Client(project=FIRESTORE_PROJECT, credentials=AnonymousCredentials())
        yield client
        client.close()


@pytest.mark.emulator
class TestFirestoreApiKeyStore(KeyStoreContract):
    race_threads = 2  # the emulator serialises contended transactions slowly

    @pytest.fixture(autouse=True)
    def _client(self, emulator_client: firestore.Client) -> None:
        self.client = emulator_client
        self.prefix = f"k{uuid.uuid4().hex[:8]}_"

    def make_store(self) -> FirestoreApiKeyStore:
        return FirestoreApiKeyStore(self.client, collection_prefix=self.prefix)

    def test_documents_hold_the_digest_owner_and_times_only(self) -> None:
        from service.jobs.apikeys import create_key

        store = self.make_store()
        record, key = create_key(store, owner="ann@example.com", now=T0)
        document = self.client.collection(f"{self.prefix}{COLLECTION}").document(record.prefix).get()
        assert document.to_dict() == {
            "owner": "ann@example.com",
            "digest": record.digest,
            "created_at": T0,
            "revoked_at": None,
        }
        assert key not in str(document.to_dict())


class NameResearcher:
    def research(self, company: CompanyInput, options: ResearchOptions) -> ResearchOutcome:
        return ResearchOutcome(CompanyProfile(name=company.name))


def _cli(workspace: Path, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    capsys.readouterr()
    code = main(["--workspace", str(workspace), "keys", *args, "--cloud"])
    captured = capsys.readouterr()
    assert code == ExitCode.OK, captured.err
    return captured.out


@pytest.mark.emulator
def test_a_cli_key_on_the_emulator_authenticates_the_cloud_app_until_revoked(
    emulator_client: firestore.Client, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.fakes.sheet_gateway import MemorySheetGateway

    owner = f"robot-{uuid.uuid4().hex[:6]}@example.com"
    key = _cli(tmp_path, capsys, "create", "--owner", owner).strip().splitlines()[-1]
    prefix = key.split("_")[1]
    assert emulator_client.collection(COLLECTION).document(prefix).get().get("owner") == owner
    assert not (tmp_path / "api-keys.sqlite3").exists() or prefix not in _sqlite_prefixes(tmp_path)

    settings = Settings(cloud=CloudSettings(project=FIRESTORE_PROJECT))
    adapters: dict[str, Any] = {
        "queue": DeferredQueue(),
        "researcher": NameResearcher(),
        "sheets": MemorySheetGateway(),
    }
    client = create_app({"TESTING": True, "SETTINGS": settings, "ADAPTERS": adapters}).test_client()
    body = {"name": "cloud keys", "company_names": ["Acme", "Nimbus"]}
    accepted = client.post("/api/v1/batches", json=body, headers={"X-API-Key": key})
    assert accepted.status_code == 202, accepted.json
    batch = accepted.json["batch_id"]
    assert client.get(f"/api/v1/batches/{batch}", headers={"X-API-Key": key}).json["progress"]["total"] == 2
    assert emulator_client.collection("jobs").document(batch).get().get("owner") == owner  # Firestore job store

    mistyped = key[:-1] + ("A" if key[-1] != "A" else "B")
    assert client.post("/api/v1/batches", json=body, headers={"X-API-Key": mistyped}).status_code == 401

    listed = _cli(tmp_path, capsys, "list", "--owner", owner)
    assert prefix in listed and "active" in listed
    _cli(tmp_path, capsys, "revoke", prefix)
    assert "revoked" in _cli(tmp_path, capsys, "list", "--owner", owner)
    refused = client.post("/api/v1/batches", json=body, headers={"X-API-Key": key})
    assert refused.status_code == 401, refused.json


def _sqlite_prefixes(workspace: Path) -> set[str]:
    return {k.prefix for k in SqliteApiKeyStore(workspace / "api-keys.sqlite3").list_keys()}


def test_an_unreachable_firestore_is_a_retryable_error_and_a_503_not_a_401(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    from service.domain.apikeys import ApiKey, new_key
    from service.domain.errors import StoreError
    from service.store.memory import MemoryJobStore
    from tests.fakes.sheet_gateway import MemorySheetGateway

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", f"127.0.0.1:{closed}")
    client = firestore.Client(project=FIRESTORE_PROJECT, credentials=AnonymousCredentials())
    store = FirestoreApiKeyStore(client, timeout=0.5)
    prefix, key = new_key()
    for call in (
        lambda: store.get_key(prefix),
        lambda: store.list_keys(owner="ann@example.com"),
        lambda: store.add_key(ApiKey(prefix=prefix, owner="ann@example.com", digest="d", created_at=T0)),
    ):
        with pytest.raises(StoreError) as raised:
            call()
        assert raised.value.retryable

    adapters: dict[str, Any] = {
        "store": MemoryJobStore(),
        "queue": DeferredQueue(),
        "researcher": NameResearcher(),
        "sheets": MemorySheetGateway(),
        "keys": store,
    }
    settings = Settings(cloud=CloudSettings(project=FIRESTORE_PROJECT))
    app = create_app({"TESTING": True, "SETTINGS": settings, "ADAPTERS": adapters}).test_client()
    answer = app.post("/api/v1/batches", json={"company_names": ["Acme"]}, headers={"X-API-Key": key})
    assert answer.status_code == 503, answer.json
    assert answer.json["error"]["code"] == "unavailable"


def test_keys_cloud_without_credentials_is_a_clear_input_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("GOOGLE_APPLICATION_CREDENTIALS", "FIRESTORE_EMULATOR_HOST", "GOOGLE_CLOUD_PROJECT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "gcloud"))  # no gcloud credentials either
    monkeypatch.setenv("NO_GCE_CHECK", "True")  # and no metadata server (tests talk to loopback only)
    monkeypatch.setenv("GCE_METADATA_HOST", "127.0.0.1:9")
    monkeypatch.setenv("GCE_METADATA_IP", "127.0.0.1:9")
    code = main(["--workspace", str(tmp_path / "ws"), "keys", "list", "--cloud"])
    err = capsys.readouterr().err
    assert code == ExitCode.INPUT, err
    assert "GOOGLE_CLOUD_PROJECT" in err and "Traceback" not in err
