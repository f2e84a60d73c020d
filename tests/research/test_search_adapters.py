"""The search adapters, each through its real client library, against the loopback fake (one contract suite)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from service.domain import ErrorKind
from service.domain.errors import RowscoutError
from service.research.search import SearchProvider
from service.research.search.brave import BraveSearch
from service.research.search.gemini import GeminiSearch
from service.research.search.pricing import BRAVE_SEARCH, GEMINI_25_GROUNDING, TAVILY_BASIC
from service.research.search.tavily import TavilySearch
from tests.contract.search_contract import SearchContract
from tests.fakes.search_server import GOOD_KEY, REDIRECT, FakeSearchServer
from tests.support.loopback import serving


@pytest.fixture(scope="module")
def served() -> Iterator[FakeSearchServer]:
    fake = FakeSearchServer()
    with serving(fake.server):
        yield fake


@pytest.fixture
def fake(served: FakeSearchServer) -> FakeSearchServer:
    served.reset()
    return served


class TestBrave(SearchContract):
    @pytest.fixture
    def make_provider(self, fake: FakeSearchServer) -> Any:
        def make(key: str = GOOD_KEY, timeout: float = 2.0) -> SearchProvider:
            return BraveSearch(key, endpoint=fake.base_url, timeout=timeout)

        return make

    def test_sends_the_token_header_and_strips_markup(self, fake: FakeSearchServer, make_provider: Any) -> None:
        fake.add("Acme", "https://acme.example/", "Acme", "Acme sells anvils.")
        answer = make_provider().search("Acme anvils", max_results=3)
        assert fake.requests[0].headers.get("X-Subscription-Token") == GOOD_KEY
        assert "count=3" in fake.requests[0].path
        assert answer.results[0].snippet == "Acme sells anvils."
        assert answer.cost_usd == BRAVE_SEARCH.cost()

    def test_waits_for_the_exhausted_window(self, fake: FakeSearchServer, make_provider: Any) -> None:
        fake.quota_left = 0
        with pytest.raises(RowscoutError) as caught:
            make_provider().search("Acme")
        assert caught.value.retry_after == 1.0  # X-RateLimit-Remaining "0, 1990": the per-second window


class TestTavily(SearchContract):
    @pytest.fixture
    def make_provider(self, fake: FakeSearchServer) -> Any:
        def make(key: str = GOOD_KEY, timeout: float = 2.0) -> SearchProvider:
            return TavilySearch(key, endpoint=fake.base_url, timeout=timeout)

        return make

    def test_bills_the_credits_the_answer_reports(self, fake: FakeSearchServer, make_provider: Any) -> None:
        fake.add("Acme", "https://acme.example/", "Acme", "Acme sells anvils.")
        answer = make_provider().search("Acme")
        assert fake.requests[0].headers.get("Authorization") == f"Bearer {GOOD_KEY}"
        assert answer.results[0].snippet == "Acme sells anvils."
        assert answer.cost_usd == TAVILY_BASIC.cost()

    def test_a_used_up_plan_is_a_quota_not_a_bad_key(self, fake: FakeSearchServer, make_provider: Any) -> None:
        fake.quota_left, fake.quota_status = 0, 432
        with pytest.raises(RowscoutError) as caught:
            make_provider().search("Acme")
        assert caught.value.kind == ErrorKind.RATE_LIMIT
        assert caught.value.retry_after == 3600.0


class TestGemini(SearchContract):
    @pytest.fixture
    def make_provider(self, fake: FakeSearchServer) -> Any:
        def make(key: str = GOOD_KEY, timeout: float = 2.0) -> SearchProvider:
            return GeminiSearch(api_key=key, endpoint=fake.base_url, timeout=timeout)

        return make

    def test_grounded_answer_cites_its_chunks(self, fake: FakeSearchServer, make_provider: Any) -> None:
        fake.add("Acme", "https://www.acme.example/about", "Acme", "Acme was founded in 1901.")
        answer = make_provider().search("When was Acme founded?")
        (result,) = answer.results
        assert result.url.startswith(REDIRECT) and result.host == "acme.example"
        (claim,) = answer.claims
        assert "founded in 1901" in claim.text and answer.cited(claim) == [result]
        assert "founded in 1901" in answer.answer
        assert answer.cost_usd > GEMINI_25_GROUNDING.cost()  # the grounded prompt plus its tokens

    def test_quota_wait_comes_from_retry_info(self, fake: FakeSearchServer, make_provider: Any) -> None:
        fake.quota_left = 0
        with pytest.raises(RowscoutError) as caught:
            make_provider().search("Acme")
        assert caught.value.retry_after == 17.0


def test_bootstrap_builds_the_configured_provider() -> None:
    from service.bootstrap import build_search
    from service.config import Settings
    from service.domain.errors import InputError

    def settings(**env: str) -> Settings:
        return Settings.from_env(env)

    assert build_search(settings()) is None
    brave = build_search(settings(ROWSCOUT_SEARCH_PROVIDER="brave", ROWSCOUT_SEARCH_API_KEY="k"))
    assert isinstance(brave, BraveSearch)
    tavily = build_search(settings(ROWSCOUT_SEARCH_PROVIDER="Tavily", ROWSCOUT_SEARCH_API_KEY="k"))
    assert isinstance(tavily, TavilySearch)
    gemini = build_search(settings(ROWSCOUT_SEARCH_PROVIDER="gemini", ROWSCOUT_SEARCH_MODEL="gemini-3-flash"))
    assert isinstance(gemini, GeminiSearch) and gemini.price.per_query > 0  # Gemini 3 bills per query
    with pytest.raises(InputError, match="ROWSCOUT_SEARCH_API_KEY"):
        build_search(settings(ROWSCOUT_SEARCH_PROVIDER="brave"))
    with pytest.raises(InputError, match="gemini, brave or tavily"):
        build_search(settings(ROWSCOUT_SEARCH_PROVIDER="google-cse"))
