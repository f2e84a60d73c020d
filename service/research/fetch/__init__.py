"""Safe fetching for company research: SSRF guard, DNS pinning, robots.txt, page discovery, crawl.

Public API (import from here)::

    settings = FetchSettings(allow_loopback=False)
    async with SafeFetcher(settings, resolver=SystemResolver()) as fetcher:
        page = await fetcher.fetch("https://acme.com/")            # FetchedPage or a ResearchError
        crawl = await SiteCrawler(fetcher, settings).crawl("acme.com", deadline=time.monotonic() + 60)
"""

from service.research.fetch.crawl import CrawlResult, SiteCrawler, website_url
from service.research.fetch.fetcher import SafeFetcher
from service.research.fetch.models import FetchedPage
from service.research.fetch.resolver import Resolver, StaticResolver, SystemResolver
from service.research.fetch.robots import RobotsPolicy, load_robots
from service.research.fetch.settings import FetchSettings
from service.research.fetch.ssrf import UnsafeUrlError, parse_target, vet

__all__ = [
    "CrawlResult",
    "FetchSettings",
    "FetchedPage",
    "Resolver",
    "RobotsPolicy",
    "SafeFetcher",
    "SiteCrawler",
    "StaticResolver",
    "SystemResolver",
    "UnsafeUrlError",
    "load_robots",
    "parse_target",
    "vet",
    "website_url",
]
