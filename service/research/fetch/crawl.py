"""``SiteCrawler``: the pages of one company's website, fetched politely.

Order of work: robots.txt (RFC 9309, see ``robots``) → the homepage (its
failure is the company's failure; a ``<meta http-equiv="refresh">`` homepage
is followed like a redirect: through the same fetcher and SSRF guard, each
refresh counting as one of ``max_redirects`` hops, loops stopped) → robots.txt of the site the homepage
redirected to, if another → sitemaps (robots ``Sitemap:`` lines, else
``/sitemap.xml``; one level of sitemap index) → up to ``max_pages - 1``
discovered pages fetched concurrently (the fetcher keeps the per-host limit).
Secondary pages that fail (in any way) are recorded in ``failures``, never
raised. At most ``MAX_SITEMAP_URLS`` sitemap URLs and ``markup.MAX_LINKS``
homepage links are considered. No
fetch starts after ``deadline`` (a ``time.monotonic()`` value).
"""

from __future__ import annotations

import asyncio
import dataclasses
import html
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit, urlunsplit

from service.domain import ErrorKind
from service.domain.errors import FetchError, ResearchError
from service.research.errors_classify import classify_exception
from service.research.fetch.discovery import page_links, pick_pages, sitemap_locations
from service.research.fetch.fetcher import SafeFetcher
from service.research.fetch.models import FetchedPage
from service.research.fetch.robots import RobotsPolicy, load_robots
from service.research.fetch.settings import FetchSettings

MAX_SITEMAPS = 3
MAX_SITEMAP_BYTES = 2_000_000
MAX_SITEMAP_URLS = 2_000  # scoring every URL of three 2 MB sitemaps would cost seconds
MAX_REFRESH_DELAY = 10.0  # seconds; a longer refresh is a page reloading itself, not a move
REFRESH_SCAN_CHARS = 20_000  # the <head> of any real page
_META_REFRESH = re.compile(r"<meta\b[^>]{0,500}?http-equiv\s*=\s*[\"']?refresh\b[^>]{0,1000}>", re.I)
_CONTENT = re.compile(r"\bcontent\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>]+))", re.I)
_REFRESH_VALUE = re.compile(r"^\s*(\d+(?:\.\d*)?)?\s*[;,]?\s*(?:url\s*=\s*)?[\"']?([^\"'\s][^\"']*)[\"']?\s*$", re.I)


@dataclass
class CrawlResult:
    home: FetchedPage
    pages: list[FetchedPage]  # home first, then discovered pages
    failures: list[tuple[str, ErrorKind]] = field(default_factory=list)  # secondary pages only


def website_url(website: str) -> str:
    """A fetchable URL for a website cell: ``acme.com`` → ``https://acme.com/``."""
    website = website.strip()
    if "://" not in website:
        website = f"https://{website.lstrip('/')}"
    parts = urlsplit(website)
    return urlunsplit((parts.scheme.lower(), parts.netloc, parts.path or "/", parts.query, ""))


def meta_refresh_target(text: str, base_url: str) -> str | None:
    """The absolute http(s) URL a ``<meta http-equiv="refresh" content="0; url=…">`` page moves to, if any."""
    tag = _META_REFRESH.search(text[:REFRESH_SCAN_CHARS])
    content = _CONTENT.search(tag.group(0)) if tag else None
    if content is None:
        return None
    value = _REFRESH_VALUE.match(html.unescape(next(g for g in content.groups() if g is not None)))
    if value is None or not value.group(2) or float(value.group(1) or 0) > MAX_REFRESH_DELAY:
        return None
    target = urljoin(base_url, value.group(2).strip())
    return target if urlsplit(target).scheme in ("http", "https") else None


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class SiteCrawler:
    """Crawls one website at a time with a shared ``SafeFetcher``."""

    def __init__(
        self, fetcher: SafeFetcher, settings: FetchSettings, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._fetcher = fetcher
        self._settings = settings
        self._clock = clock

    def _remaining(self, deadline: float | None) -> float | None:
        if deadline is None:
            return None
        left = deadline - self._clock()
        if left <= 0:
            raise FetchError("the time for this company ran out", kind=ErrorKind.TIMEOUT)
        return left

    async def crawl(self, website: str, *, deadline: float | None = None, attempt: int = 1) -> CrawlResult:
        home_url = website_url(website)
        robots = await load_robots(self._fetcher, home_url, timeout=self._remaining(deadline))
        robots.check(home_url)
        home = await self._fetcher.fetch(home_url, timeout=self._remaining(deadline), attempt=attempt)
        home = await self._follow_refresh(home, robots, deadline, attempt)
        if _origin(home.final_url) != _origin(home_url):
            robots = await self._robots_or_deny(home.final_url, deadline)
        result = CrawlResult(home=home, pages=[home])
        if self._settings.max_pages <= 1:
            return result
        sitemap_urls = await self._sitemap_urls(robots, home.final_url, deadline)
        links = page_links(home.text, home.final_url)
        picked = pick_pages(
            home.final_url, links, sitemap_urls, limit=self._settings.max_pages - 1, allowed=robots.allowed
        )
        await self._fetch_all([c.url for c in picked], result, deadline, attempt)
        return result

    async def _follow_refresh(
        self, home: FetchedPage, robots: RobotsPolicy, deadline: float | None, attempt: int
    ) -> FetchedPage:
        """The page a meta-refresh homepage moves to; every refresh is a redirect hop (same cap, same guard)."""
        seen = {home.url, home.final_url, *home.redirects}
        while (target := meta_refresh_target(home.text, home.final_url)) and target not in seen:
            hops = [*home.redirects, home.final_url]
            if len(hops) > self._settings.max_redirects:
                raise FetchError(
                    f"{home.url} redirects more than {self._settings.max_redirects} times", kind=ErrorKind.HTTP_ERROR
                )
            if _origin(target) == _origin(home.url):
                robots.check(target)
            seen.add(target)
            moved = await self._fetcher.fetch(target, timeout=self._remaining(deadline), attempt=attempt)
            home = dataclasses.replace(moved, url=home.url, redirects=(*hops, *moved.redirects))
            seen.update((moved.final_url, *moved.redirects))
        return home

    async def _robots_or_deny(self, url: str, deadline: float | None) -> RobotsPolicy:
        """Robots of the site we were redirected to; if unavailable, allow no further pages."""
        try:
            return await load_robots(self._fetcher, url, timeout=self._remaining(deadline))
        except ResearchError:
            return RobotsPolicy("*", deny_all=True)

    async def _sitemap_urls(self, robots: RobotsPolicy, home_url: str, deadline: float | None) -> list[str]:
        queue = list(robots.sitemaps[:MAX_SITEMAPS]) or [f"{_origin(home_url)}/sitemap.xml"]
        urls: list[str] = []
        fetched = 0
        while queue and fetched < MAX_SITEMAPS:
            sitemap = queue.pop(0)
            fetched += 1
            try:
                page = await self._fetcher.fetch_text(
                    sitemap, timeout=self._remaining(deadline), max_bytes=MAX_SITEMAP_BYTES
                )
            except ResearchError:
                continue
            if page.status != 200:
                continue
            locations, is_index = sitemap_locations(page.text)
            (queue if is_index else urls).extend(locations[:MAX_SITEMAP_URLS])
        return urls[:MAX_SITEMAP_URLS]

    async def _fetch_all(self, urls: list[str], result: CrawlResult, deadline: float | None, attempt: int) -> None:
        slots = asyncio.Semaphore(max(1, self._settings.per_host_concurrency))
        pages = await asyncio.gather(*(self._fetch_one(url, slots, deadline, attempt) for url in urls))
        seen = {result.home.final_url}
        for url, outcome in zip(urls, pages, strict=True):
            if isinstance(outcome, ErrorKind):
                result.failures.append((url, outcome))
            elif outcome.final_url not in seen:
                seen.add(outcome.final_url)
                result.pages.append(outcome)

    async def _fetch_one(
        self, url: str, slots: asyncio.Semaphore, deadline: float | None, attempt: int
    ) -> FetchedPage | ErrorKind:
        """Wait for a slot (queue time does not eat the page timeout), then fetch unless time is up."""
        async with slots:
            try:
                return await self._fetcher.fetch(url, timeout=self._remaining(deadline), attempt=attempt)
            except ResearchError as error:
                return error.kind
            except Exception as error:  # noqa: BLE001 - one bad secondary page never fails the company
                return classify_exception(error, url=url).kind
