"""Web search providers: a port, three adapters, prices.

``SearchProvider`` (port) ← ``GeminiSearch`` (Grounding with Google Search,
google-genai) | ``BraveSearch`` (httpx) | ``TavilySearch`` (tavily-python).
Built only in ``service/bootstrap.py`` from ``Settings.search``.
"""

from service.research.search.port import GroundedClaim, SearchAnswer, SearchProvider, SearchResult
from service.research.search.pricing import PROVIDER_PRICES, SearchPrice, price_per_search

__all__ = [
    "PROVIDER_PRICES",
    "GroundedClaim",
    "SearchAnswer",
    "SearchPrice",
    "SearchProvider",
    "SearchResult",
    "price_per_search",
]
