"""``WebResearcher`` end to end over the fixture web (and the fake OpenAI server for the LLM path)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.domain import CompanyInput, ErrorKind, FieldMethod, ResearchOptions
from service.examples.demo_web import DemoWeb
from service.research.discover_site import SiteFinder
from service.research.engine import WebResearcher
from service.research.llm import OpenAICompatibleLLM
from tests.fakes.openai_server import FakeOpenAI
from tests.fixture_web.conftest_helpers import fixture_fetch_settings, fixture_web  # noqa: F401

TRUTH = json.loads((Path(__file__).parents[1] / "fixture_web" / "ground_truth.json").read_text(encoding="utf-8"))


def researcher(web: DemoWeb, **kwargs: object) -> WebResearcher:
    finder = SiteFinder(tlds=[".test"], scheme="http", port=web.port)
    return WebResearcher(fixture_fetch_settings(), resolver=web.resolver(), site_finder=finder, **kwargs)  # type: ignore[arg-type]


def company(web: DemoWeb, entry: dict) -> CompanyInput:
    return CompanyInput(name=entry["name"], website=web.url(entry["host"]) if entry["website_given"] else "")


def matches(field: str, want: object, got: object) -> bool:
    if field in ("description", "logo_url"):
        return str(want).lower() in str(got).lower()
    if isinstance(want, list):
        return sorted(want) == sorted(got)  # type: ignore[arg-type]
    return want == got


CONTENT = [e for e in TRUTH if not e.get("fault_site")]


@pytest.mark.parametrize("entry", CONTENT, ids=[f"{e['host']}:{e['name']}" for e in CONTENT])
def test_content_sites_match_ground_truth(fixture_web: DemoWeb, entry: dict) -> None:  # noqa: F811
    outcome = researcher(fixture_web).research(company(fixture_web, entry), ResearchOptions(timeout=15))
    assert (outcome.error_kind.value if outcome.error_kind else None) == entry["expected_error"], outcome.error_message
    for field, want in entry["expected"].items():
        assert matches(field, want, outcome.profile.value(field)), (field, outcome.profile.value(field))
        assert field in outcome.profile.sources
    assert all(f in outcome.profile.sources for f in outcome.profile.filled_fields())


FAULTS = [e for e in TRUTH if e.get("fault_site")]


@pytest.mark.parametrize("entry", FAULTS, ids=[e["host"] for e in FAULTS])
def test_fault_sites_become_error_kinds_not_exceptions(fixture_web: DemoWeb, entry: dict) -> None:  # noqa: F811
    outcome = researcher(fixture_web).research(company(fixture_web, entry), ResearchOptions(timeout=10))
    if entry["expected_error"] is None:
        assert outcome.ok, outcome.error_message
        assert outcome.profile.website and "website" in outcome.profile.sources
        return
    assert outcome.error_kind == ErrorKind(entry["expected_error"])
    assert outcome.error_message and "Traceback" not in outcome.error_message
    if entry["host"] == "rate-limited.test":
        assert outcome.retry_after == 30


def test_sources_and_website_after_redirect(fixture_web: DemoWeb) -> None:  # noqa: F811
    outcome = researcher(fixture_web).research(
        CompanyInput(name="Acme Robotics", website=fixture_web.url("acme-robotics.test")), ResearchOptions()
    )
    profile = outcome.profile
    assert profile.sources["founded_year"].method == FieldMethod.JSON_LD
    assert profile.sources["industry"].method == FieldMethod.CLASSIFIER
    assert profile.sources["tech_stack"].method == FieldMethod.TECH_SIGNATURE
    assert outcome.usage.pages_fetched >= 2
    moved = researcher(fixture_web).research(
        CompanyInput(name="Moved", website=fixture_web.url("moved-site.test")), ResearchOptions()
    )
    assert "moved-site-new.test" in moved.profile.website


def test_only_requested_fields_are_kept(fixture_web: DemoWeb) -> None:  # noqa: F811
    options = ResearchOptions(fields=("website", "hq_city"))
    outcome = researcher(fixture_web).research(
        CompanyInput(name="Ledgerly", website=fixture_web.url("ledgerly.test")), options
    )
    assert outcome.profile.filled_fields() == ["website", "hq_city"]
    assert set(outcome.profile.sources) == {"website", "hq_city"}


def test_no_name_and_no_website_is_invalid_input(fixture_web: DemoWeb) -> None:  # noqa: F811
    outcome = researcher(fixture_web).research(CompanyInput(name=" "), ResearchOptions())
    assert outcome.error_kind == ErrorKind.INVALID_INPUT


def test_llm_fills_only_empty_fields_with_checked_values(fixture_web: DemoWeb) -> None:  # noqa: F811
    with FakeOpenAI() as fake:
        fake.reply_json(
            {
                "industry": {"value": "Software & SaaS", "source_url": "http://elsewhere.example/"},
                "founded_year": {"value": 1999, "source_url": ""},  # not in the text: dropped
                "business_model": {"value": "B2B", "source_url": ""},
            },
            input_tokens=1000,
            output_tokens=50,
        )
        llm = OpenAICompatibleLLM(fake.base_url, "sk-test", "gpt-4o-mini")
        outcome = researcher(fixture_web, llm=llm).research(
            CompanyInput(name="Nimbus", website=fixture_web.url("nimbus-app.test")), ResearchOptions(use_llm=True)
        )
    request = fake.requests[0]
    asked = set(request["response_format"]["json_schema"]["schema"]["properties"])
    assert "description" not in asked and {"industry", "founded_year", "hq_city"} <= asked
    assert "weather API" in request["messages"][0]["content"]
    assert fake.auth_headers[0] == "Bearer sk-test"
    profile = outcome.profile
    assert profile.industry == "Software & SaaS" and profile.sources["industry"].method == FieldMethod.LLM
    assert "nimbus-app.test" in profile.sources["industry"].url  # a foreign citation falls back to the home page
    assert profile.founded_year is None
    assert outcome.usage.llm_input_tokens == 1000 and outcome.usage.llm_output_tokens == 50
    assert outcome.usage.cost_usd == pytest.approx((1000 * 0.15 + 50 * 0.60) / 1e6)


def test_llm_rate_limit_is_a_retryable_outcome(fixture_web: DemoWeb) -> None:  # noqa: F811
    with FakeOpenAI() as fake:
        fake.reply_status(429, retry_after="12")
        llm = OpenAICompatibleLLM(fake.base_url, "k", "gpt-4o-mini")
        outcome = researcher(fixture_web, llm=llm).research(
            CompanyInput(name="Nimbus", website=fixture_web.url("nimbus-app.test")), ResearchOptions(use_llm=True)
        )
    assert outcome.error_kind == ErrorKind.RATE_LIMIT and outcome.retry_after == 12
    assert outcome.profile.description  # what extraction found is kept
