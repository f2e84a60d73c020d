"""Fixtures shared by every test folder: one real Firestore emulator per session, a clean database per test.

Started only when a test asks for ``firestore_client`` (store contract, fault tests). Without the
emulator (no jar, no Java) those tests fail loudly; set ``ROWSCOUT_SKIP_EMULATOR_TESTS=1`` to skip
them on purpose. The end-to-end tests run their own emulator (``tests/e2e/conftest.py``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from google.auth.credentials import AnonymousCredentials
from google.cloud import firestore

from tests.support.firestore_emulator import EmulatorHandle, skip_requested, start_firestore_emulator

FIRESTORE_PROJECT = "rowscout-test"


@pytest.fixture(scope="session")
def firestore_emulator() -> Iterator[EmulatorHandle]:
    if skip_requested():
        pytest.skip("ROWSCOUT_SKIP_EMULATOR_TESTS=1")
    handle = start_firestore_emulator()
    yield handle
    handle.stop()


@pytest.fixture
def firestore_client(firestore_emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch) -> Iterator[firestore.Client]:
    """A client on a freshly emptied emulator database."""
    firestore_emulator.reset(FIRESTORE_PROJECT)
    monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", firestore_emulator.host)
    client = firestore.Client(project=FIRESTORE_PROJECT, credentials=AnonymousCredentials())
    yield client
    client.close()
