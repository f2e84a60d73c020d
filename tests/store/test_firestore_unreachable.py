"""An unreachable Firestore is a retryable StoreError within the store's timeout, never a hung worker."""

from __future__ import annotations

import socket
from datetime import UTC, datetime

import google.auth.credentials
import pytest
from google.cloud import firestore

from service.domain.errors import StoreError
from service.store.firestore import FirestoreJobStore


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def store(monkeypatch) -> FirestoreJobStore:
    monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", f"127.0.0.1:{_closed_port()}")
    client = firestore.Client(project="rowscout-test", credentials=google.auth.credentials.AnonymousCredentials())
    return FirestoreJobStore(client, timeout=1.5)


@pytest.mark.timeout(60)  # a hang guard: unbounded client retries would hang here for minutes
def test_reads_and_leases_fail_fast_and_retryably(store: FirestoreJobStore) -> None:
    for call in (
        lambda: store.get_job("j1"),
        lambda: store.count_rows("j1"),
        lambda: store.lease_row("j1", "r1", owner="w", now=datetime.now(UTC), lease_seconds=60, max_attempts=3),
    ):
        with pytest.raises(StoreError) as raised:
            call()
        assert raised.value.retryable
