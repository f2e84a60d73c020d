"""The ``SearchProvider`` port: one web search, its results, and what it cost.

An adapter turns a query into a ``SearchAnswer``: ranked ``SearchResult``s
(url, title, snippet, and the site's host name), and for a grounded answer
(Gemini) the answer's text with the sentences it supports and the URLs that
support them (``GroundedClaim``). ``queries`` and ``cost_usd`` say what the
call cost; they are added to the row's ``Usage``.

Adapters raise only Rowscout errors (``service/domain/errors.py``):

- quota or rate limit exceeded → ``ResearchError`` kind ``rate_limit``
  (retryable), with ``retry_after`` when the provider says when;
- bad or missing key, plan without access → ``ConfigError`` kind
  ``search_config`` (permanent), naming the setting to fix;
- timeout → kind ``timeout``; 5xx / connection → ``server_error`` /
  ``connection`` (retryable); any other refusal → ``backend``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlsplit


@dataclass(frozen=True)
class SearchResult:
    url: str
    title: str = ""
    snippet: str = ""
    site: str = ""  # the host of the page (for a grounding redirect URL, the domain the provider names)

    @property
    def host(self) -> str:
        return (self.site or urlsplit(self.url).hostname or "").lower().removeprefix("www.")


@dataclass(frozen=True)
class GroundedClaim:
    """A piece of a grounded answer and the results (by index) that support it."""

    text: str
    sources: tuple[int, ...]


@dataclass(frozen=True)
class SearchAnswer:
    query: str
    results: list[SearchResult] = field(default_factory=list)
    answer: str = ""  # a grounded answer's text ("" for plain search APIs)
    claims: list[GroundedClaim] = field(default_factory=list)
    queries: int = 1  # billable searches this answer took
    cost_usd: float = 0.0
    provider: str = ""

    def cited(self, claim: GroundedClaim) -> list[SearchResult]:
        return [self.results[i] for i in claim.sources if 0 <= i < len(self.results)]


class SearchProvider(Protocol):
    name: str

    def search(self, query: str, *, max_results: int = 5) -> SearchAnswer: ...
