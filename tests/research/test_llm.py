"""LLM adapters and the fill step, without any network beyond 127.0.0.1."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest

from service.domain import CompanyProfile, ErrorKind, FieldMethod
from service.domain.errors import ResearchError
from service.research.extract import PageExtraction
from service.research.llm import GeminiLLM, LLMAnswer, OpenAICompatibleLLM, Price, fill_missing
from service.research.llm.fill import build_schema
from tests.fakes.openai_server import FakeOpenAI

SCHEMA = build_schema(["industry"])


def test_openai_request_shape_and_cost() -> None:
    with FakeOpenAI() as fake:
        fake.reply_json({"industry": {"value": "Insurance", "source_url": "u"}}, input_tokens=2000, output_tokens=100)
        llm = OpenAICompatibleLLM(fake.base_url, "key", "my-model", prices={"my-model": Price(1.0, 2.0)})
        answer = llm.complete_json("hello", SCHEMA)
    body = fake.requests[0]
    assert body["model"] == "my-model" and body["temperature"] == 0
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["schema"] == SCHEMA
    assert answer.data["industry"]["value"] == "Insurance"
    assert answer.cost_usd == pytest.approx((2000 * 1.0 + 100 * 2.0) / 1e6)


@pytest.mark.parametrize(("status", "kind"), [(500, ErrorKind.SERVER_ERROR), (401, ErrorKind.BACKEND)])
def test_openai_http_errors_map_to_kinds(status: int, kind: ErrorKind) -> None:
    with FakeOpenAI() as fake:
        fake.reply_status(status)
        with pytest.raises(ResearchError) as caught:
            OpenAICompatibleLLM(fake.base_url, "k", "m").complete_json("p", SCHEMA)
    assert caught.value.kind == kind


def test_openai_unreachable_is_retryable() -> None:
    llm = OpenAICompatibleLLM("http://127.0.0.1:9/v1", "k", "m", timeout=2)
    with pytest.raises(ResearchError) as caught:
        llm.complete_json("p", SCHEMA)
    assert caught.value.retryable


class FakeModels:
    def __init__(self, reply: Any) -> None:
        self.reply = reply
        self.calls: list[dict[str, Any]] = []

    def generate_content(self, **kwargs: Any) -> Any:
        self.calls.append(kwargs)
        if isinstance(self.reply, Exception):
            raise self.reply
        return self.reply


def test_gemini_builds_request_and_parses_usage() -> None:
    pytest.importorskip("google.genai")
    reply = SimpleNamespace(
        text=json.dumps({"industry": {"value": "Agriculture", "source_url": ""}}),
        usage_metadata=SimpleNamespace(prompt_token_count=400, candidates_token_count=30),
    )
    models = FakeModels(reply)
    llm = GeminiLLM("gemini-2.5-flash", client=SimpleNamespace(models=models))
    answer = llm.complete_json("prompt text", SCHEMA)
    call = models.calls[0]
    assert call["model"] == "gemini-2.5-flash" and call["contents"] == "prompt text"
    assert call["config"].response_mime_type == "application/json"
    assert call["config"].response_json_schema == SCHEMA
    assert (answer.input_tokens, answer.output_tokens) == (400, 30)
    assert answer.cost_usd == pytest.approx((400 * 0.30 + 30 * 2.50) / 1e6)


def test_gemini_errors_map_to_kinds() -> None:
    pytest.importorskip("google.genai")
    busy = Exception("quota")
    busy.code = 429  # type: ignore[attr-defined]
    llm = GeminiLLM(client=SimpleNamespace(models=FakeModels(busy)))
    with pytest.raises(ResearchError) as caught:
        llm.complete_json("p", SCHEMA)
    assert caught.value.kind == ErrorKind.RATE_LIMIT
    garbled = GeminiLLM(client=SimpleNamespace(models=FakeModels(SimpleNamespace(text="not json"))))
    with pytest.raises(ResearchError) as caught:
        garbled.complete_json("p", SCHEMA)
    assert caught.value.kind == ErrorKind.BACKEND


class CannedLLM:
    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.schemas: list[dict[str, Any]] = []

    def complete_json(self, prompt: str, schema: dict[str, Any]) -> LLMAnswer:
        self.schemas.append(schema)
        return LLMAnswer(data=self.data, input_tokens=10, output_tokens=5)


def test_fill_checks_every_answer() -> None:
    page = PageExtraction(
        url="http://a.test/", title="A", text="Since 2004 we grow apples. About page: http://a.test/about"
    )
    about = PageExtraction(url="http://a.test/about", text="We have 12 employees.")
    llm = CannedLLM(
        {
            "industry": {"value": "Apples & Pears", "source_url": ""},  # not in the taxonomy
            "business_model": {"value": "B2C", "source_url": "http://a.test/about"},
            "founded_year": {"value": 2004, "source_url": "http://a.test/"},
            "employees": {"value": "about a dozen", "source_url": ""},
            "hq_country": {"value": "DE", "source_url": ""},
            "products": {"value": ["Apples", 7, " "], "source_url": ""},
        }
    )
    profile = CompanyProfile(name="A", description="kept")
    fill_missing(profile, [page, about], llm, wanted=("description", "industry", "business_model", "founded_year",
                                                      "employees", "hq_country", "products"))  # fmt: skip
    assert "description" not in llm.schemas[0]["properties"]
    assert profile.industry == "" and profile.employees == ""
    assert profile.business_model == "B2C" and profile.sources["business_model"].url == "http://a.test/about"
    assert profile.founded_year == 2004 and profile.sources["founded_year"].method == FieldMethod.LLM
    assert profile.hq_country == "Germany" and profile.products == ["Apples"]


def test_fill_skips_the_call_when_nothing_is_missing() -> None:
    llm = CannedLLM({})
    profile = CompanyProfile(name="A", description="d")
    assert fill_missing(profile, [PageExtraction(url="u")], llm, wanted=("description",)) is None
    assert llm.schemas == []
