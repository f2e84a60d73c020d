"""Website resolution for name-only rows: names → candidates, search first, the content check, "needs review"."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.domain import CompanyInput, ErrorKind, FieldMethod, ResearchOptions
from service.examples.demo_web import DemoWeb
from service.research.discover_site import (
    SiteFinder,
    candidate_domains,
    country_of,
    country_tlds,
    name_words,
    names_match,
)
from service.research.engine import WebResearcher
from service.research.search.brave import BraveSearch
from service.research.search.gemini import GeminiSearch
from tests.fakes.search_server import GOOD_KEY, FakeSearchServer
from tests.fixture_web.conftest_helpers import fixture_fetch_settings, fixture_web  # noqa: F401
from tests.support.loopback import serving

OPTIONS = ResearchOptions(timeout=20.0)


# --- names → candidates (no network) -------------------------------------------------------


def test_legal_forms_articles_and_grouping_words_are_dropped() -> None:
    assert name_words("The Home Depot, Inc.") == ["home", "depot"]
    assert name_words("Deutsche Bahn AG") == ["deutsche", "bahn"]
    assert name_words("Koninklijke Philips N.V.") == ["koninklijke", "philips"]
    assert name_words("Nokia Oyj") == ["nokia"]
    assert name_words("Kaffee Braun e.K.") == ["kaffee", "braun"]
    assert name_words("Wendel (Beteiligungsgesellschaft)") == ["wendel"]
    assert name_words("BT Group plc") == ["bt"]


def test_general_rules_reach_the_domains_the_issue_names() -> None:
    assert "homedepot.com" in candidate_domains("The Home Depot", [".com"])[:3]
    assert "bahn.de" in candidate_domains("Deutsche Bahn AG", [".com"], country="Germany")
    assert "pg.com" in candidate_domains("Procter & Gamble Co.", [".com"])  # initials
    assert "att.com" in candidate_domains("AT&T Inc.", [".com"])
    assert "cafemueller.de" in candidate_domains("Café Müller GmbH", [".de"])  # German transliteration
    assert "btgroup.co.uk" in candidate_domains("BT Group plc", [".com"], country="United Kingdom")
    assert candidate_domains("Booking.com", [".com"])[0] == "booking.com"  # a name that is a domain
    assert candidate_domains("Bosch", [".com"])[0] == "bosch.com"
    assert "ppg.com" in candidate_domains("PPG Industries", [".com"])  # trailing business words dropped
    assert "westpharma.com" in candidate_domains("West Pharmaceutical Services", [".com"])  # short forms
    assert "hnicorp.com" in candidate_domains("HNI Corporation", [".com"])  # brand + corp


def test_country_cell_puts_its_cctld_first() -> None:
    assert country_tlds("Germany") == (".de",) and country_tlds("DE") == (".de",)
    assert country_tlds("United Kingdom")[0] == ".co.uk"
    assert country_tlds("Atlantis") == ()
    assert candidate_domains("SAP SE", [".com", ".io"], country="Germany")[:2] == ["sap.de", "sap.com"]
    assert country_of({"HQ Country": "France", "Notes": "x"}) == "France"
    assert country_of({"Notes": "x"}) == ""


def test_name_matching() -> None:
    assert names_match("Quill & Ink Ltd.", "Quill & Ink | Independent publishing house")
    assert names_match("Quill and Ink", "Quill & Ink")
    assert not names_match("Orbit Labs", "Orbit Cleaning Services — Office cleaning")


def test_search_sites_come_first_and_ports_are_kept() -> None:
    finder = SiteFinder(tlds=[".test"], scheme="http", port=8080)
    urls = finder.candidate_urls("Acme Robotics", searched=["found-by-search.test"])
    assert urls[:3] == [
        "http://found-by-search.test:8080/",
        "http://acmerobotics.test:8080/",
        "http://acme-robotics.test:8080/",
    ]


# --- end to end on the fixture web, with a fake search provider -------------------------------


@pytest.fixture(scope="module")
def search() -> Iterator[FakeSearchServer]:
    fake = FakeSearchServer()
    with serving(fake.server):
        yield fake


@pytest.fixture
def fake(search: FakeSearchServer) -> FakeSearchServer:
    search.reset()
    return search


def researcher(web: DemoWeb, provider: object | None) -> WebResearcher:
    finder = SiteFinder(tlds=[".test"], scheme="http", port=web.port, search=provider)  # type: ignore[arg-type]
    return WebResearcher(fixture_fetch_settings(), resolver=web.resolver(), site_finder=finder)


def test_a_name_only_row_is_resolved_through_search_verified_and_researched(
    fixture_web: DemoWeb,  # noqa: F811
    fake: FakeSearchServer,
) -> None:
    fake.add("FibreNet", "https://fibrenet-uk.test/about", "FibreNet UK | Fibre broadband", "FibreNet UK …")
    row = CompanyInput(name="FibreNet")
    without = researcher(fixture_web, None).research(row, OPTIONS)
    assert without.error_kind == ErrorKind.NO_WEBSITE_FOUND  # guessing alone cannot reach fibrenet-uk

    outcome = researcher(fixture_web, BraveSearch(GOOD_KEY, endpoint=fake.base_url)).research(row, OPTIONS)
    assert outcome.ok, outcome.error_message
    assert outcome.profile.website == fixture_web.url("fibrenet-uk.test")
    assert outcome.profile.sources["website"].method == FieldMethod.SEARCH
    assert outcome.profile.description  # researched, not only found
    assert outcome.usage.search_queries == 2 and outcome.usage.cost_usd > 0  # the site, then CEO/funding facts
    assert outcome.usage.pages_fetched >= 1


def test_grounded_search_names_sites_by_domain(fixture_web: DemoWeb, fake: FakeSearchServer) -> None:  # noqa: F811
    fake.add("FibreNet", "https://fibrenet-uk.test/", "FibreNet UK", "FibreNet UK sells fibre broadband.")
    provider = GeminiSearch(api_key=GOOD_KEY, endpoint=fake.base_url)
    outcome = researcher(fixture_web, provider).research(CompanyInput(name="FibreNet"), OPTIONS)
    assert outcome.profile.website == fixture_web.url("fibrenet-uk.test")  # from the chunk's domain, not its redirect


def test_a_failing_search_fails_the_row_with_its_reason(fixture_web: DemoWeb, fake: FakeSearchServer) -> None:  # noqa: F811
    fake.quota_left = 0
    outcome = researcher(fixture_web, BraveSearch(GOOD_KEY, endpoint=fake.base_url)).research(
        CompanyInput(name="FibreNet"), OPTIONS
    )
    assert outcome.error_kind == ErrorKind.RATE_LIMIT and outcome.retry_after == 1.0


@pytest.fixture(scope="module")
def twin_web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoWeb]:
    """The fixture web's Acme Robotics site, plus a second site that names itself exactly the same."""
    sites = tmp_path_factory.mktemp("sites")
    source = Path(DemoWeb().sites_dir)
    for host in ("acme-robotics.test", "ledgerly.test"):
        shutil.copytree(source / host, sites / host)
    shutil.copytree(source / "acme-robotics.test", sites / "acmerobotics-group.test")
    with DemoWeb(sites) as web:
        yield web


def test_two_equally_good_sites_make_the_row_need_review(twin_web: DemoWeb, fake: FakeSearchServer) -> None:
    fake.add("Acme Robotics", "https://acme-robotics.test/", "Acme Robotics", "Warehouse robots.")
    fake.add("Acme Robotics", "https://acmerobotics-group.test/", "Acme Robotics", "Warehouse robots.")
    outcome = researcher(twin_web, BraveSearch(GOOD_KEY, endpoint=fake.base_url)).research(
        CompanyInput(name="Acme Robotics"), OPTIONS
    )
    assert outcome.error_kind == ErrorKind.AMBIGUOUS_WEBSITE
    assert not outcome.error_kind.retryable
    assert outcome.error_message.startswith("needs review")
    assert "acme-robotics.test" in outcome.error_message and "acmerobotics-group.test" in outcome.error_message
    assert outcome.profile.website == ""  # never silently picks one
    assert outcome.usage.search_queries == 1


def test_a_site_the_search_found_beats_an_equally_named_guess(twin_web: DemoWeb, fake: FakeSearchServer) -> None:
    fake.add("Acme Robotics", "https://acmerobotics-group.test/", "Acme Robotics", "Warehouse robots.")
    outcome = researcher(twin_web, BraveSearch(GOOD_KEY, endpoint=fake.base_url)).research(
        CompanyInput(name="Acme Robotics"), OPTIONS
    )
    assert outcome.ok, outcome.error_message
    assert outcome.profile.website == twin_web.url("acmerobotics-group.test")


def test_one_brand_on_two_tlds_is_not_ambiguous_two_brands_are() -> None:
    from service.domain.errors import AmbiguousWebsite
    from service.research.discover_site import SiteEvidence, _best

    def site(url: str, order: int) -> SiteEvidence:
        return SiteEvidence(url, "Acme", exact=True, searched=True, order=order)

    same = [site("https://www.acme.de/", 0), site("https://shop.acme.co.uk/", 1)]
    assert _best(same, "Acme", 2).url == "https://www.acme.de/"  # candidate order (the country's TLD first)
    with pytest.raises(AmbiguousWebsite, match="needs review"):
        _best([site("https://www.acme.com/", 0), site("https://www.acme-tools.com/", 1)], "Acme", 2)
    weaker = SiteEvidence("https://www.acme-tools.com/", "Acme Tools", exact=False, searched=True, order=0)
    assert _best([weaker, site("https://www.acme.com/", 1)], "Acme", 2).url == "https://www.acme.com/"
