"""Safe fetching for company research: SSRF guard, DNS pinning, robots.txt, page discovery, crawl.

Public API (import from here)::

    FetchSettings, FetchedPage, Resolver, SystemResolver, SafeFetcher, SiteCrawler, CrawlResult
"""

from service.research.fetch.models import FetchedPage
from service.research.fetch.settings import FetchSettings

__all__ = ["FetchSettings", "FetchedPage"]
