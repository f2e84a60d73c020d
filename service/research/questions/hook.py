"""The optional search dependency of question answering: a small port the search providers can fill.

When a search provider is configured (``service/research/search/``, issue 15
parts 1/2/4), the engine may pass an object with ``search(query) ->
SearchFindings`` to ``answer_questions``: its snippets are shown to the LLM
beside the company's pages, under their own URLs, and an answer citing one is
verified against that snippet's text exactly as a page's. Each query's cost is
added to the row's usage. Without one, questions use the company's pages only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


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
