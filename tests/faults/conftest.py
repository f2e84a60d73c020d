"""Fixtures for the fault tests: the fixture web; the Firestore emulator comes from ``tests/conftest.py``."""

from __future__ import annotations

from tests.fixture_web.conftest_helpers import fixture_web  # noqa: F401
