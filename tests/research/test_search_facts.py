"""Facts from beyond the company's own site (CEO, funding, employees): from search answers, each cited."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from service.domain import CompanyInput, FieldMethod, ResearchOptions
from service.examples.demo_web import DemoWeb
from service.research.discover_site import SiteFinder
from service.research.engine import WebResearcher
from service.research.search.brave import BraveSearch
from service.research.search.facts import facts_from_search, read_fact
from service.research.search.gemini import GeminiSearch
from service.research.search.tavily import TavilySearch
from tests.fakes.search_server import GOOD_KEY, REDIRECT, FakeSearchServer
from tests.fixture_web.conftest_helpers import fixture_fetch_settings, fixture_web  # noqa: F401
from tests.support.loopback import serving

ABOUT = "https://news.example/fibrenet-profile"
FACTS = "FibreNet CEO Jane Okafor said the company has raised $25 million in total and employs about 140 people."


@pytest.fixture(scope="module")
def served() -> Iterator[FakeSearchServer]:
    fake = FakeSearchServer()
    with serving(fake.server):
        yield fake


@pytest.fixture
def fake(served: FakeSearchServer) -> FakeSearchServer:
    served.reset()
    return served


@pytest.mark.parametrize(
    ("fact", "text", "value"),
    [
        ("ceo", "Acme Robotics CEO Jane Doe said", "Jane Doe"),
        ("ceo", "Its chief executive is Marguerite Bérard.", "Marguerite Bérard"),
        ("ceo", "CEO Tim Cook. Apple makes phones", "Tim Cook"),
        ("ceo", "the CEO role is open", ""),
        ("funding", "Acme has raised a total of $1.2B", "$1.2 billion"),
        ("funding", "secured €12.5M in funding", "€12.5 million"),
        ("funding", "founded in 2015", ""),
        ("employees", "Acme employs about 2,500 people", "2500"),
        ("employees", "a team of 120 employees", "120"),
        ("employees", "with 3 offices", ""),
    ],
)
def test_reads_facts_from_english_text(fact: str, text: str, value: str) -> None:
    assert read_fact(fact, text) == value


def test_every_fact_cites_the_result_it_came_from(fake: FakeSearchServer) -> None:
    fake.add("FibreNet", ABOUT, "FibreNet profile", FACTS)
    fake.add("FibreNet", "https://other.example/", "Some other firm", "Globex CEO Hank Scorpio has 9000 employees.")
    found = facts_from_search(BraveSearch(GOOD_KEY, endpoint=fake.base_url), "FibreNet", "https://fibrenet-uk.test/")
    assert found.values == {"ceo": "Jane Okafor", "funding": "$25 million", "employees": "140"}
    assert {source.url for source in found.sources.values()} == {ABOUT}
    assert {source.method for source in found.sources.values()} == {FieldMethod.SEARCH}
    assert found.queries == 1 and found.cost_usd > 0


def test_text_that_does_not_name_the_company_gives_nothing(fake: FakeSearchServer) -> None:
    fake.add("FibreNet", "https://other.example/", "A list", "Globex CEO Hank Scorpio; FibreNet is a broadband firm.")
    fake.add("FibreNet", "https://other2.example/", "Globex", "Globex has raised $90 million.")
    found = facts_from_search(TavilySearch(GOOD_KEY, endpoint=fake.base_url), "FibreNet", "")
    assert "funding" not in found.values  # the Globex snippet never names FibreNet
    assert found.values.get("ceo", "") in ("", "Hank Scorpio")  # named in the same snippet: kept with its citation
    assert all(found.sources[f].url.startswith("https://other") for f in found.values)


def test_grounded_claims_cite_their_chunks(fake: FakeSearchServer) -> None:
    fake.add("FibreNet", ABOUT, "FibreNet profile", FACTS)
    found = facts_from_search(GeminiSearch(api_key=GOOD_KEY, endpoint=fake.base_url), "FibreNet", "")
    assert found.values["ceo"] == "Jane Okafor"
    assert found.sources["ceo"].url.startswith(REDIRECT)  # the grounding chunk's URI, as Gemini gives it


def test_research_adds_cited_facts_when_a_provider_is_configured(
    fixture_web: DemoWeb,  # noqa: F811
    fake: FakeSearchServer,
) -> None:
    fake.add("FibreNet", ABOUT, "FibreNet profile", FACTS)
    finder = SiteFinder(
        tlds=[".test"], scheme="http", port=fixture_web.port, search=BraveSearch(GOOD_KEY, endpoint=fake.base_url)
    )
    engine = WebResearcher(fixture_fetch_settings(), resolver=fixture_web.resolver(), site_finder=finder)
    row = CompanyInput(name="FibreNet", website=fixture_web.url("fibrenet-uk.test"))
    outcome = engine.research(row, ResearchOptions(timeout=20.0))
    assert outcome.ok, outcome.error_message
    assert (outcome.profile.ceo, outcome.profile.funding) == ("Jane Okafor", "$25 million")
    assert outcome.profile.sources["ceo"].url == ABOUT
    assert outcome.usage.search_queries == 1  # the website was given: only the facts query

    only_ceo = engine.research(row, ResearchOptions(timeout=20.0, fields=("website", "description")))
    assert only_ceo.profile.ceo == "" and only_ceo.usage.search_queries == 0  # facts not asked: no search


def test_the_estimate_counts_searches_at_the_providers_price() -> None:
    from service.domain import JobOptions
    from service.jobs.estimate import estimate_job
    from service.research.search.pricing import price_per_search

    price = price_per_search("brave")
    estimate = estimate_job(100, JobOptions(), name_only=40, search_price=price)
    assert estimate.search_queries == 140  # 40 websites + 100 companies' CEO/funding/employees
    assert estimate.cost_usd == pytest.approx(140 * price)
    assert any("search" in line for line in estimate.assumptions())
    assert (
        estimate_job(100, JobOptions(fields=("website", "industry")), name_only=40, search_price=price).search_queries
        == 40
    )
    assert estimate_job(100, JobOptions(), name_only=40).cost_usd == 0  # no provider, no search cost
