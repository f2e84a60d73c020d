"""Fixtures for the fault tests: one Firestore emulator for the folder, a clean database per test.

Without the emulator (no jar, no Java) these tests fail loudly; set
``ROWSCOUT_SKIP_EMULATOR_TESTS=1`` to skip them on purpose.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from google.auth.credentials import AnonymousCredentials
from google.cloud import firestore

from tests.fixture_web.conftest_helpers import fixture_web  # noqa: F401
from tests.support.firestore_emulator import EmulatorHandle, skip_requested, start_firestore_emulator

PROJECT = "rowscout-faults"


@pytest.fixture(scope="session")
def faults_emulator() -> Iterator[EmulatorHandle]:
    if skip_requested():
        pytest.skip("ROWSCOUT_SKIP_EMULATOR_TESTS=1")
    handle = start_firestore_emulator()
    yield handle
    handle.stop()


@pytest.fixture
def firestore_client(faults_emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch) -> Iterator[firestore.Client]:
    faults_emulator.reset(PROJECT)
    monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", faults_emulator.host)
    client = firestore.Client(project=PROJECT, credentials=AnonymousCredentials())
    yield client
    client.close()
