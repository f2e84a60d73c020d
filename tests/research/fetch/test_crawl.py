"""``SiteCrawler`` on the fixture web: discovery, robots, failures, politeness, deadlines."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from service.domain import ErrorKind
from service.domain.errors import ResearchError
from service.examples.demo_web import DemoWeb
from service.research.fetch import CrawlResult, SafeFetcher, SiteCrawler, website_url
from tests.fixture_web.conftest_helpers import fixture_fetch_settings


def crawl(
    web: DemoWeb,
    host: str,
    *,
    deadline: float | None = None,
    clock: Callable[[], float] | None = None,
    **settings: object,
) -> CrawlResult:
    async def run() -> CrawlResult:
        config = fixture_fetch_settings(**settings)
        async with SafeFetcher(config, resolver=web.resolver()) as fetcher:
            crawler = SiteCrawler(fetcher, config, clock=clock) if clock else SiteCrawler(fetcher, config)
            return await crawler.crawl(web.url(host), deadline=deadline)

    return asyncio.run(run())


def paths(web: DemoWeb, result: CrawlResult) -> list[str]:
    return [page.final_url.split(f":{web.port}", 1)[1] for page in result.pages]


def test_discovers_about_contact_team_and_sitemap_pages(fixture_web: DemoWeb) -> None:
    fixture_web.reset_stats()
    result = crawl(fixture_web, "crawl-lab.test")
    assert paths(fixture_web, result) == ["/", "/about-us", "/contact", "/team", "/impressum"]
    assert result.home is result.pages[0] and result.failures == []
    requested = {r.path for r in fixture_web.requests_for("crawl-lab.test")}
    assert "/private/team-internal" not in requested  # robots.txt
    assert {"/robots.txt", "/sitemap.xml"} <= requested
    assert not any(p.startswith("/blog") or p.endswith(".pdf") for p in requested)
    assert fixture_web.requests_for("other-company.test") == []


def test_max_pages_and_per_host_concurrency(fixture_web: DemoWeb) -> None:
    fixture_web.reset_stats()
    result = crawl(fixture_web, "many-pages.test", max_pages=6, per_host_concurrency=2)
    assert len(result.pages) == 6
    assert paths(fixture_web, result)[:3] == ["/", "/about", "/contact"]
    assert fixture_web.max_concurrency("many-pages.test") == 2


def test_single_page_crawl_fetches_only_the_homepage(fixture_web: DemoWeb) -> None:
    fixture_web.reset_stats()
    result = crawl(fixture_web, "many-pages.test", max_pages=1)
    assert paths(fixture_web, result) == ["/"]
    assert {r.path for r in fixture_web.requests_for("many-pages.test")} == {"/robots.txt", "/"}


@pytest.mark.parametrize(
    ("host", "kind"),
    [
        ("robots-disallow.test", ErrorKind.ROBOTS_DISALLOWED),
        ("robots-unreachable.test", ErrorKind.SERVER_ERROR),
        ("forbidden.test", ErrorKind.BLOCKED),
        ("rate-limited.test", ErrorKind.RATE_LIMIT),
        ("pdf-only.test", ErrorKind.NOT_HTML),
        ("redirect-to-metadata.test", ErrorKind.UNSAFE_URL),
        ("no-such-company.test", ErrorKind.HTTP_ERROR),
    ],
)
def test_homepage_failure_is_the_company_error(fixture_web: DemoWeb, host: str, kind: ErrorKind) -> None:
    with pytest.raises(ResearchError) as error:
        crawl(fixture_web, host)
    assert error.value.kind == kind


def test_robots_disallowed_homepage_is_never_requested(fixture_web: DemoWeb) -> None:
    fixture_web.reset_stats()
    with pytest.raises(ResearchError):
        crawl(fixture_web, "robots-disallow.test")
    assert [r.path for r in fixture_web.requests_for("robots-disallow.test")] == ["/robots.txt"]


def test_moved_site_is_crawled_on_its_new_host(fixture_web: DemoWeb) -> None:
    result = crawl(fixture_web, "moved-site.test")
    assert result.home.final_url == fixture_web.url("moved-site-new.test")
    assert paths(fixture_web, result) == ["/", "/about"]


def test_secondary_page_failures_are_recorded_not_raised(fixture_web: DemoWeb) -> None:
    result = crawl(fixture_web, "many-pages.test", max_pages=4, page_timeout=0.05)
    assert paths(fixture_web, result) == ["/"]
    assert [kind for _, kind in result.failures] == [ErrorKind.TIMEOUT] * 3


class StepClock:
    """A fake monotonic clock that advances ``step`` seconds per reading."""

    def __init__(self, step: float) -> None:
        self.now, self.step = 0.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def test_no_fetch_starts_after_the_deadline(fixture_web: DemoWeb) -> None:
    fixture_web.reset_stats()
    # robots, homepage and the sitemap each read the clock once; the deadline passes before any subpage.
    result = crawl(fixture_web, "many-pages.test", deadline=3.5, clock=StepClock(1.0))
    assert paths(fixture_web, result) == ["/"]
    assert {kind for _, kind in result.failures} == {ErrorKind.TIMEOUT} and len(result.failures) == 7
    assert {r.path for r in fixture_web.requests_for("many-pages.test")} == {"/robots.txt", "/", "/sitemap.xml"}


def test_deadline_already_passed_is_a_timeout(fixture_web: DemoWeb) -> None:
    with pytest.raises(ResearchError) as error:
        crawl(fixture_web, "crawl-lab.test", deadline=0.5, clock=StepClock(1.0))
    assert error.value.kind == ErrorKind.TIMEOUT


@pytest.mark.parametrize(
    ("cell", "url"),
    [("acme.com", "https://acme.com/"), (" https://Acme.com/about ", "https://Acme.com/about"),
     ("HTTP://acme.com", "http://acme.com/"), ("//acme.com", "https://acme.com/")],
)  # fmt: skip
def test_website_url(cell: str, url: str) -> None:
    assert website_url(cell) == url
