"""``SafeFetcher`` against the fixture web's fault sites."""

from __future__ import annotations

import asyncio
import tracemalloc

import pytest

from service.domain import ErrorKind
from service.domain.errors import ResearchError
from service.examples.demo_web import DemoWeb
from service.research.fetch import FetchedPage, FetchSettings, SafeFetcher
from tests.fixture_web.conftest_helpers import fixture_fetch_settings


def fetch(web: DemoWeb, host: str, path: str = "/", **settings: object) -> FetchedPage:
    async def run() -> FetchedPage:
        async with SafeFetcher(fixture_fetch_settings(**settings), resolver=web.resolver()) as fetcher:
            return await fetcher.fetch(web.url(host, path))

    return asyncio.run(run())


def fetch_error(web: DemoWeb, host: str, path: str = "/", **settings: object) -> ResearchError:
    with pytest.raises(ResearchError) as error:
        fetch(web, host, path, **settings)
    return error.value


def test_fetches_a_page_with_lower_case_headers_and_user_agent(fixture_web: DemoWeb) -> None:
    fixture_web.reset_stats()
    page = fetch(fixture_web, "crawl-lab.test")
    assert page.status == 200 and page.content_type == "text/html"
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.final_url == page.url == fixture_web.url("crawl-lab.test")
    assert "Crawl Lab GmbH" in page.text and not page.truncated
    agent = fixture_web.requests_for("crawl-lab.test")[-1].user_agent
    assert agent.startswith("RowscoutBot/") and "company research" in agent


@pytest.mark.parametrize(
    ("host", "kind", "retry_after"),
    [
        ("server-error.test", ErrorKind.SERVER_ERROR, None),
        ("internal-error.test", ErrorKind.SERVER_ERROR, None),
        ("rate-limited.test", ErrorKind.RATE_LIMIT, 30.0),
        ("forbidden.test", ErrorKind.BLOCKED, None),
        ("gone.test", ErrorKind.HTTP_ERROR, None),
        ("pdf-only.test", ErrorKind.NOT_HTML, None),
        ("redirect-loop.test", ErrorKind.HTTP_ERROR, None),
        ("redirect-chain.test", ErrorKind.HTTP_ERROR, None),
        ("gzip-bomb.test", ErrorKind.TOO_LARGE, None),
    ],
)
def test_fault_sites_fail_with_their_kind(
    fixture_web: DemoWeb, host: str, kind: ErrorKind, retry_after: float | None
) -> None:
    error = fetch_error(fixture_web, host)
    assert (error.kind, error.retry_after) == (kind, retry_after)
    assert "Traceback" not in error.user_message


def test_unknown_path_is_http_error(fixture_web: DemoWeb) -> None:
    assert fetch_error(fixture_web, "crawl-lab.test", "/no-such-page").kind == ErrorKind.HTTP_ERROR


def test_redirect_loop_is_detected_before_the_cap(fixture_web: DemoWeb) -> None:
    fixture_web.reset_stats()
    error = fetch_error(fixture_web, "redirect-loop.test", max_redirects=20)
    assert "loop" in error.message
    assert len(fixture_web.requests_for("redirect-loop.test")) == 2


def test_redirect_cap_counts_hops(fixture_web: DemoWeb) -> None:
    assert "more than 5" in fetch_error(fixture_web, "redirect-chain.test").message
    page = fetch(fixture_web, "redirect-chain.test", max_redirects=7)
    assert page.final_url.endswith("/final") and len(page.redirects) == 7


def test_follows_redirect_to_another_domain(fixture_web: DemoWeb) -> None:
    page = fetch(fixture_web, "redirect-offsite.test")
    assert page.final_url == fixture_web.url("offsite-landing.test")
    assert page.redirects == (fixture_web.url("offsite-landing.test"),)
    assert "Offsite Landing Co" in page.text


def test_follows_a_moved_site_keeping_the_path(fixture_web: DemoWeb) -> None:
    page = fetch(fixture_web, "moved-site.test", "/about")
    assert page.final_url == fixture_web.url("moved-site-new.test", "/about")
    assert "Founded in 1998" in page.text


def test_slow_site_times_out_at_the_page_timeout(fixture_web: DemoWeb) -> None:
    error = fetch_error(fixture_web, "slow-site.test", page_timeout=0.3)  # the site answers after 3 s
    assert error.kind == ErrorKind.TIMEOUT and error.retryable


def test_explicit_timeout_shortens_the_page_timeout(fixture_web: DemoWeb) -> None:
    async def run() -> None:
        async with SafeFetcher(fixture_fetch_settings(page_timeout=20), resolver=fixture_web.resolver()) as f:
            await f.fetch(fixture_web.url("slow-site.test"), timeout=0.2)

    with pytest.raises(ResearchError) as error:
        asyncio.run(run())  # the site answers after 3 s: only the explicit 0.2 s timeout makes this a timeout
    assert error.value.kind == ErrorKind.TIMEOUT


def test_timeout_grows_with_attempt_and_is_capped() -> None:
    settings = FetchSettings()
    assert [settings.timeout_for(a) for a in (1, 2, 3, 4, 9)] == [20.0, 30.0, 45.0, 45.0, 45.0]
    fetcher = SafeFetcher(settings)
    assert fetcher.timeout_for(10.0, 3) == 10.0 and fetcher.timeout_for(None, 2) == 30.0
    asyncio.run(fetcher.aclose())


def test_huge_page_is_truncated_at_the_cap(fixture_web: DemoWeb) -> None:
    page = fetch(fixture_web, "huge-page.test", max_bytes=500_000)
    assert page.truncated and len(page.text) == 500_000
    assert "<title>Enormous Widgets</title>" in page.text


def test_gzip_bomb_stops_early_with_bounded_memory(fixture_web: DemoWeb) -> None:
    tracemalloc.start()
    try:
        error = fetch_error(fixture_web, "gzip-bomb.test", max_bytes=1_000_000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert error.kind == ErrorKind.TOO_LARGE
    assert peak < 12_000_000  # the bomb expands to 50 MB


def test_wrong_declared_charset_is_decoded_correctly(fixture_web: DemoWeb) -> None:
    page = fetch(fixture_web, "wrong-charset.test")
    assert "Café Müller Rösterei" in page.text and "Köln – seit 1952" in page.text


def test_meta_charset_is_used_when_the_header_has_none(fixture_web: DemoWeb) -> None:
    page = fetch(fixture_web, "wrong-charset.test", "/meta")
    assert page.charset == "cp1252" and "Crème brûlée Pâtisserie" in page.text


def test_per_host_limit_holds_inside_the_fetcher(fixture_web: DemoWeb) -> None:
    async def run() -> None:
        settings = fixture_fetch_settings(per_host_concurrency=3)
        async with SafeFetcher(settings, resolver=fixture_web.resolver()) as fetcher:
            urls = [fixture_web.url("many-pages.test", p) for p in ("/about", "/team", "/jobs", "/legal") * 2]
            await asyncio.gather(*(fetcher.fetch(url) for url in urls))

    fixture_web.reset_stats()
    asyncio.run(run())
    assert fixture_web.max_concurrency("many-pages.test") == 3
