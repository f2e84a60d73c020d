"""The one contract suite for the ``SearchProvider`` port (service/research/search/port.py).

Subclass ``SearchContract`` in a ``Test...`` class and provide two fixtures:
``fake`` (a served ``FakeSearchServer``, emptied before each test) and
``make_provider`` (``make_provider(key=…, timeout=…) -> SearchProvider``
pointed at the fake). Every adapter — Gemini grounding, Brave, Tavily —
drives its real client library against the fake and must pass every test:
success (results with their sites, cost counted), nothing found, quota
exceeded, bad key, timeout.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from service.domain import ErrorKind
from service.domain.errors import ConfigError, RowscoutError
from service.research.search import SearchProvider
from tests.fakes.search_server import GOOD_KEY, FakeSearchServer

MakeProvider = Callable[..., SearchProvider]


class SearchContract:
    def test_finds_the_indexed_pages_with_their_sites_and_counts_the_cost(
        self, fake: FakeSearchServer, make_provider: MakeProvider
    ) -> None:
        fake.add(
            "Acme Widgets", "https://www.acmewidgets.com/", "Acme Widgets", "Acme Widgets makes industrial widgets."
        )
        fake.add("Other Thing", "https://other.example/", "Other Thing", "Not this one.")
        answer = make_provider().search('official website of "Acme Widgets"', max_results=5)
        assert [r.host for r in answer.results] == ["acmewidgets.com"]
        assert answer.queries >= 1
        assert answer.cost_usd > 0
        assert answer.provider
        assert len(fake.requests) == 1

    def test_nothing_found_is_an_empty_answer_not_an_error(
        self, fake: FakeSearchServer, make_provider: MakeProvider
    ) -> None:
        answer = make_provider().search("Zyxwv Nonexistent Company")
        assert answer.results == []

    def test_quota_exceeded_is_a_retryable_rate_limit_with_a_wait(
        self, fake: FakeSearchServer, make_provider: MakeProvider
    ) -> None:
        fake.quota_left = 0
        with pytest.raises(RowscoutError) as caught:
            make_provider().search("Acme Widgets")
        assert caught.value.kind == ErrorKind.RATE_LIMIT
        assert caught.value.retryable
        assert caught.value.retry_after is not None and caught.value.retry_after > 0

    def test_a_bad_key_is_a_permanent_config_error_naming_the_setting(
        self, fake: FakeSearchServer, make_provider: MakeProvider
    ) -> None:
        with pytest.raises(ConfigError) as caught:
            make_provider(key="not-" + GOOD_KEY).search("Acme Widgets")
        assert caught.value.kind == ErrorKind.SEARCH_CONFIG
        assert not caught.value.retryable
        assert "ROWSCOUT_SEARCH_API_KEY" in caught.value.message

    def test_a_late_answer_is_a_retryable_timeout(self, fake: FakeSearchServer, make_provider: MakeProvider) -> None:
        fake.delay = 0.8
        with pytest.raises(RowscoutError) as caught:
            make_provider(timeout=0.2).search("Acme Widgets")
        assert caught.value.kind == ErrorKind.TIMEOUT
        assert caught.value.retryable
