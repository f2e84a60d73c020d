"""Custom questions when the LLM or the search provider fails (issue 15): evidence, unless retrying is better.

The real OpenAI-compatible adapter talks to the fake LLM server and the real
Brave adapter to the fake search server. A server error, an unreadable answer
or a refused key gives the company's best passage labelled ``Evidence (LLM
unavailable)``; a failed search leaves the LLM the pages; a rate limit or a
used-up quota raises (the row is retried later, when the answer can be
checked). Through the engine on the fixture web, the row is done (not
re-crawled on a retry) with the researched profile kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from service.domain import CompanyInput, ErrorKind, ResearchOptions
from service.domain.errors import ResearchError
from service.domain.questions import AnswerKind, AnswerMethod, Question
from service.examples.demo_web import DemoWeb
from service.research.engine import WebResearcher
from service.research.extract import PageExtraction
from service.research.llm import OpenAICompatibleLLM
from service.research.questions import ProviderSearch, answer_questions
from service.research.questions.answer import LLM_UNAVAILABLE
from service.research.search.brave import BraveSearch
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.search_server import GOOD_KEY, FakeSearchServer
from tests.fixture_web.conftest_helpers import fixture_fetch_settings
from tests.support.loopback import serving

HOME = "https://nimbus.example/"
PAGES = [PageExtraction(url=HOME, title="Nimbus", text="Nimbus offers a REST API for hourly weather forecasts.")]
API = Question("Do they offer an API?", AnswerKind.YES_NO)


@pytest.fixture(scope="module")
def llm_server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture(scope="module")
def search_server() -> Iterator[FakeSearchServer]:
    fake = FakeSearchServer()
    with serving(fake.server):
        yield fake


def _llm(fake: FakeOpenAI) -> OpenAICompatibleLLM:
    return OpenAICompatibleLLM(fake.base_url, "sk-test", "gpt-4o-mini", timeout=5)


def _quoting(request: dict[str, Any]) -> dict[str, Any]:
    return {"q1": {"value": True, "source_url": HOME, "quote": "Nimbus offers a REST API for hourly weather forecasts"}}


@pytest.mark.parametrize("status", [500, 503, 400])
def test_a_failed_llm_gives_evidence_labelled_llm_unavailable(llm_server: FakeOpenAI, status: int) -> None:
    llm_server.reply_status(status)
    result = answer_questions([API], PAGES, name="Nimbus", llm=_llm(llm_server))
    answer = result.answers[API.text]
    assert answer.method == AnswerMethod.EVIDENCE and answer.note == LLM_UNAVAILABLE
    assert answer.cell_text == "Evidence (LLM unavailable): “Nimbus offers a REST API for hourly weather forecasts.”"
    assert result.cost_usd == 0 and result.input_tokens == 0


def test_an_unreadable_llm_answer_gives_evidence_too(llm_server: FakeOpenAI) -> None:
    llm_server._push(200, {}, b'{"choices": [{"message": {"content": "not json"}}]}')
    result = answer_questions([API], PAGES, name="Nimbus", llm=_llm(llm_server))
    assert result.answers[API.text].note == LLM_UNAVAILABLE


def test_a_rate_limited_llm_raises_so_the_row_is_retried(llm_server: FakeOpenAI) -> None:
    llm_server.reply_status(429, retry_after="7")
    with pytest.raises(ResearchError) as raised:
        answer_questions([API], PAGES, name="Nimbus", llm=_llm(llm_server))
    assert raised.value.kind == ErrorKind.RATE_LIMIT and raised.value.retry_after == 7


def test_a_failed_search_leaves_the_llm_the_pages(llm_server: FakeOpenAI, search_server: FakeSearchServer) -> None:
    search = ProviderSearch(BraveSearch(api_key="wrong-key", endpoint=search_server.base_url, timeout=5))
    llm_server.answer_with(_quoting)
    try:
        result = answer_questions([API], PAGES, name="Nimbus", llm=_llm(llm_server), search=search)
    finally:
        llm_server.answer_with(None)
    answer = result.answers[API.text]
    assert answer.method == AnswerMethod.LLM and answer.value is True and answer.url == HOME
    assert result.search_queries == 0


def test_a_used_up_search_quota_raises(llm_server: FakeOpenAI, search_server: FakeSearchServer) -> None:
    search = ProviderSearch(BraveSearch(api_key=GOOD_KEY, endpoint=search_server.base_url, timeout=5))
    search_server.quota_left = 0
    asked_before = len(llm_server.requests)
    try:
        with pytest.raises(ResearchError) as raised:
            answer_questions([API], PAGES, name="Nimbus", llm=_llm(llm_server), search=search)
    finally:
        search_server.quota_left = None
    assert raised.value.kind == ErrorKind.RATE_LIMIT
    assert len(llm_server.requests) == asked_before  # the LLM is not asked: the row comes back later


def test_the_row_is_done_with_its_profile_when_the_llm_fails(llm_server: FakeOpenAI) -> None:
    with DemoWeb() as web:
        researcher = WebResearcher(fixture_fetch_settings(), resolver=web.resolver(), llm=_llm(llm_server))
        llm_server.reply_json({})  # the fill call answers (nothing to add)
        llm_server.reply_status(500)  # the questions call fails
        company = CompanyInput(name="Nimbus", website=web.url("nimbus-app.test"))
        outcome = researcher.research(company, ResearchOptions(use_llm=True, questions=(API,), timeout=20))
    assert outcome.ok, outcome.error_message
    assert outcome.profile.description  # the researched profile is kept
    assert outcome.profile.answers[API.text].cell_text.startswith("Evidence (LLM unavailable): “")
