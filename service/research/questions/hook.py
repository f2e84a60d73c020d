"""The optional search dependency of question answering: a small port the search providers can fill.

When a search provider is configured (``service/research/search/``, issue 15
parts 1/2/4), the engine may pass an object with ``search(query) ->
SearchFindings`` to ``answer_questions``: its snippets are shown to the LLM
beside the company's pages, under their own URLs, and an answer citing one is
verified against that snippet's text exactly as a page's. Each query's cost is
added to the row's usage. Without one, questions use the company's pages only.

``ProviderSearch`` adapts the search room's ``SearchProvider``: each result
becomes a snippet (title and snippet text), and a grounded answer's claims
are added to the text of the results that support them (that is the text the
provider returned for that URL, so a quote from a claim checks against it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from service.research.search.port import SearchProvider


@dataclass(frozen=True)
class SearchSnippet:
    url: str
    text: str  # the text the provider returned for this URL (what a quote is checked against)


@dataclass(frozen=True)
class SearchFindings:
    snippets: tuple[SearchSnippet, ...] = field(default_factory=tuple)
    cost_usd: float = 0.0
    queries: int = 1  # billable queries made


class QuestionSearch(Protocol):
    def search(self, query: str) -> SearchFindings: ...


class ProviderSearch:
    """A ``QuestionSearch`` over a configured ``SearchProvider`` (Gemini grounding, Brave, Tavily)."""

    def __init__(self, provider: SearchProvider, *, max_results: int = 5) -> None:
        self.provider = provider
        self.max_results = max_results

    def search(self, query: str) -> SearchFindings:
        answer = self.provider.search(query, max_results=self.max_results)
        texts = {i: [r.title, r.snippet] for i, r in enumerate(answer.results)}
        for claim in answer.claims:
            for index in claim.sources:
                texts.get(index, []).append(claim.text)
        snippets = tuple(
            SearchSnippet(r.url, "\n".join(t for t in texts[i] if t)) for i, r in enumerate(answer.results) if r.url
        )
        return SearchFindings(snippets, cost_usd=answer.cost_usd, queries=answer.queries)
