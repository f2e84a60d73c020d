"""What one search costs with each provider, in USD: the one place for search prices.

Read on 2026-12-02; prices change, so pass your own ``SearchPrice`` to an
adapter (``price=``) when your plan differs. Sources:

- Gemini, Grounding with Google Search (ai.google.dev/gemini-api/docs/pricing):
  Gemini 2.5 models bill per grounded prompt, $35 per 1,000 after the paid
  tier's free daily allowance (1,500 prompts/day); Gemini 3 models bill per
  search query the model runs, $14 per 1,000. Tokens are billed on top at the
  model's token price (``service/research/llm/pricing.py``). We count the
  paid price (the free allowance is per project, not per job).
- Brave Search API (api-dashboard.search.brave.com, plans): $5 per 1,000
  requests on the "Search" plan; only successful requests are billed.
- Tavily (docs.tavily.com/documentation/api-credits): a basic search is 1
  credit, an advanced one 2; pay-as-you-go $0.008 per credit (monthly plans
  $0.0075–0.005).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SearchPrice:
    per_request: float = 0.0  # USD per API request (per grounded prompt for Gemini 2.x)
    per_query: float = 0.0  # USD per search query the provider ran (Gemini 3 grounding)

    def cost(self, *, requests: int = 1, queries: int = 0) -> float:
        return round(requests * self.per_request + queries * self.per_query, 8)


GEMINI_25_GROUNDING = SearchPrice(per_request=35 / 1000)
GEMINI_3_GROUNDING = SearchPrice(per_query=14 / 1000)
BRAVE_SEARCH = SearchPrice(per_request=5 / 1000)
TAVILY_BASIC = SearchPrice(per_request=0.008)  # 1 credit at pay-as-you-go

PROVIDER_PRICES: dict[str, SearchPrice] = {
    "gemini": GEMINI_25_GROUNDING,
    "brave": BRAVE_SEARCH,
    "tavily": TAVILY_BASIC,
}


def gemini_price(model: str) -> SearchPrice:
    """Gemini 3 models bill per search query, older ones per grounded prompt."""
    return GEMINI_3_GROUNDING if model.startswith("gemini-3") else GEMINI_25_GROUNDING


def price_per_search(provider: str) -> float:
    """USD a single search costs with ``provider`` ("" or unknown → 0), for estimates."""
    price = PROVIDER_PRICES.get(provider.lower())
    return price.cost() if price else 0.0
