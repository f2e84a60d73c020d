"""Fixtures for the fetch tests: the session's fixture web."""

from tests.fixture_web.conftest_helpers import fixture_web  # noqa: F401
