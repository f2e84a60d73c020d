"""Pytest fixtures for the fixture web, for any test folder's ``conftest.py``::

    from tests.fixture_web.conftest_helpers import fixture_web  # noqa: F401

``fixture_web`` is one ``DemoWeb`` for the whole session; call
``fixture_web.reset_stats()`` before measuring requests in a test.
``fixture_fetch_settings()`` gives fetch settings that may reach the loopback
fixture web, with short timeouts so fault sites fail fast.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest

from service.examples.demo_web import DemoWeb
from service.research.fetch import FetchSettings


def fixture_fetch_settings(**overrides: Any) -> FetchSettings:
    """``FetchSettings`` for the fixture web: loopback allowed, 2 s page timeout."""
    return dataclasses.replace(FetchSettings(allow_loopback=True, page_timeout=2.0), **overrides)


@pytest.fixture(scope="session")
def fixture_web() -> Iterator[DemoWeb]:
    with DemoWeb() as web:
        yield web
