"""Find a company's website from its name alone.

``candidate_domains("Café Müller GmbH", tlds)`` strips legal suffixes,
accents and punctuation and builds hosts from the words (joined, hyphenated,
first word) × TLDs. ``SiteFinder.find`` fetches candidate home pages
concurrently (bounded) and accepts the first one, in candidate order, whose
title, ``og:site_name`` or JSON-LD name matches the company name (normalised,
fuzzy). Nothing matching → ``NoWebsiteFound``. A ``SearchProvider`` port can
add candidate URLs from a search API later; ``NoSearch`` is the shipped no-op.
"""

from __future__ import annotations

import asyncio
import re
import unicodedata
from collections.abc import Sequence
from difflib import SequenceMatcher
from typing import Protocol

from service.domain.errors import NoWebsiteFound, ResearchError
from service.research.extract import extract_page
from service.research.fetch import FetchedPage, SafeFetcher

DEFAULT_TLDS = (".com", ".io", ".co", ".net", ".org", ".de", ".fr", ".es", ".co.uk", ".eu")
_LEGAL = re.compile(
    r"\b(inc|incorporated|ltd|limited|llc|llp|plc|corp|corporation|co|company|gmbh|ag|kg|ug|mbh|sas|sarl|sa"
    r"|s\.a|sl|s\.l|srl|spa|bv|nv|ab|oy|as|aps|pty|group|holding|holdings)\b\.?",
    re.IGNORECASE,
)
MATCH_THRESHOLD = 0.85


class SearchProvider(Protocol):
    def search(self, name: str) -> list[str]: ...


class NoSearch:
    """The shipped search provider: finds nothing (candidate domains only)."""

    def search(self, name: str) -> list[str]:
        return []


def name_words(name: str) -> list[str]:
    """Lower-case ASCII words of a company name without legal suffixes."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    ascii_name = _LEGAL.sub(" ", ascii_name.replace("&", " and "))
    return re.findall(r"[a-z0-9]+", ascii_name)


def candidate_domains(name: str, tlds: Sequence[str]) -> list[str]:
    words = name_words(name)
    if not words:
        return []
    bases = ["".join(words), "-".join(words)]
    if len(words) > 1 and len(words[0]) >= 4:
        bases.append(words[0])
    unique = list(dict.fromkeys(bases))
    return [f"{base}{tld}" for base in unique for tld in tlds]


def names_match(name: str, claimed: str) -> bool:
    """True when ``claimed`` (a title or site name) names the company."""
    want, have = " ".join(name_words(name)), " ".join(name_words(claimed))
    if not want or not have:
        return False
    if re.search(rf"\b{re.escape(want)}\b", have):
        return True
    return SequenceMatcher(None, want, have).ratio() >= MATCH_THRESHOLD


class SiteFinder:
    def __init__(
        self,
        *,
        tlds: Sequence[str] = DEFAULT_TLDS,
        scheme: str = "https",
        port: int | None = None,
        search: SearchProvider | None = None,
        concurrency: int = 4,
    ) -> None:
        self.tlds = tuple(tlds)
        self.scheme = scheme
        self.port = port
        self.search = search or NoSearch()
        self.concurrency = concurrency

    def candidate_urls(self, name: str) -> list[str]:
        suffix = f":{self.port}" if self.port else ""
        found = [f"{self.scheme}://{host}{suffix}/" for host in candidate_domains(name, self.tlds)]
        return list(dict.fromkeys([*self.search.search(name), *found]))

    async def find(self, name: str, fetcher: SafeFetcher, *, attempt: int = 1) -> str:
        """The final URL of the first candidate whose home page names the company."""
        urls = self.candidate_urls(name)
        gate = asyncio.Semaphore(self.concurrency)

        async def probe(url: str) -> FetchedPage | None:
            async with gate:
                try:
                    return await fetcher.fetch(url, attempt=attempt)
                except ResearchError:
                    return None

        pages = await asyncio.gather(*(probe(url) for url in urls))
        for page in pages:
            if page is not None and _page_names(page, name):
                return page.final_url
        raise NoWebsiteFound(f"no website found for {name!r} ({len(urls)} candidates checked)")


def _page_names(page: FetchedPage, name: str) -> bool:
    extraction = extract_page(page.final_url, page.text, page.headers)
    titles = [extraction.title, *re.split(r"\s[|\-–—:·]\s", extraction.title), *extraction.names]
    return any(names_match(name, t) for t in titles if t)
