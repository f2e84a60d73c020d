"""robots.txt under RFC 9309, fetched from the fixture web."""

from __future__ import annotations

import asyncio

import pytest

from service.domain import ErrorKind
from service.domain.errors import BlockedError, FetchError
from service.examples.demo_web import DemoWeb
from service.research.fetch import RobotsPolicy, SafeFetcher, load_robots
from service.research.fetch.robots import product_token
from tests.fixture_web.conftest_helpers import fixture_fetch_settings


def robots_for(web: DemoWeb, host: str) -> RobotsPolicy:
    async def run() -> RobotsPolicy:
        async with SafeFetcher(fixture_fetch_settings(), resolver=web.resolver()) as fetcher:
            return await load_robots(fetcher, web.url(host, "/some/page"))

    return asyncio.run(run())


def test_rules_apply_per_path_and_list_sitemaps(fixture_web: DemoWeb) -> None:
    policy = robots_for(fixture_web, "crawl-lab.test")
    assert policy.allowed(fixture_web.url("crawl-lab.test", "/about-us"))
    assert not policy.allowed(fixture_web.url("crawl-lab.test", "/private/team-internal"))
    assert policy.sitemaps == (fixture_web.url("crawl-lab.test", "/sitemap.xml"),)


def test_disallow_all_raises_robots_disallowed_on_check(fixture_web: DemoWeb) -> None:
    policy = robots_for(fixture_web, "robots-disallow.test")
    with pytest.raises(BlockedError) as error:
        policy.check(fixture_web.url("robots-disallow.test"))
    assert error.value.kind == ErrorKind.ROBOTS_DISALLOWED and not error.value.retryable


def test_missing_robots_allows_everything(fixture_web: DemoWeb) -> None:
    assert robots_for(fixture_web, "offsite-landing.test").allowed(fixture_web.url("offsite-landing.test"))


def test_4xx_robots_allows_everything(fixture_web: DemoWeb) -> None:
    assert robots_for(fixture_web, "robots-forbidden.test").allowed(fixture_web.url("robots-forbidden.test"))


def test_5xx_robots_means_nothing_may_be_crawled_for_now(fixture_web: DemoWeb) -> None:
    with pytest.raises(FetchError) as error:
        robots_for(fixture_web, "robots-unreachable.test")
    assert error.value.kind == ErrorKind.SERVER_ERROR and error.value.retryable
    assert "robots.txt" in error.value.message


def test_unreachable_robots_raises_the_network_error(fixture_web: DemoWeb) -> None:
    with pytest.raises(FetchError) as error:
        asyncio.run(_slow_robots(fixture_web))
    assert error.value.kind == ErrorKind.TIMEOUT


async def _slow_robots(web: DemoWeb) -> RobotsPolicy:
    async with SafeFetcher(fixture_fetch_settings(page_timeout=0.2), resolver=web.resolver()) as fetcher:
        return await load_robots(fetcher, web.url("slow-site.test"))


def test_groups_match_our_product_token() -> None:
    from protego import Protego

    rules = Protego.parse("User-agent: RowscoutBot\nDisallow: /\n\nUser-agent: *\nAllow: /\n")
    assert product_token("RowscoutBot/0.1 (+https://x)") == "RowscoutBot"
    assert not RobotsPolicy("RowscoutBot", rules).allowed("https://a.com/x")
    assert RobotsPolicy("OtherBot", rules).allowed("https://a.com/x")
    assert not RobotsPolicy("*", deny_all=True).allowed("https://a.com/x")
