"""Pytest fixtures for the fixture web, for any test folder's ``conftest.py``::

    from tests.fixture_web.conftest_helpers import fixture_web  # noqa: F401

``fixture_web`` is one ``FixtureWeb`` for the whole session; call
``fixture_web.reset_stats()`` before measuring requests in a test.
``fixture_fetch_settings()`` gives fetch settings that may reach the loopback
fixture web, with short timeouts so fault sites fail fast.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from service.research.fetch import FetchSettings
from tests.fixture_web.server import FixtureWeb


def fixture_fetch_settings(**overrides: object) -> FetchSettings:
    """``FetchSettings`` for the fixture web: loopback allowed, 2 s page timeout."""
    values: dict[str, object] = {"allow_loopback": True, "page_timeout": 2.0}
    values.update(overrides)
    return FetchSettings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def fixture_web() -> Iterator[FixtureWeb]:
    with FixtureWeb() as web:
        yield web
