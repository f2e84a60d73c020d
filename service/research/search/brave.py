"""``BraveSearch``: the Brave Search API (web search), plain HTTPS JSON through httpx.

``GET {endpoint}/res/v1/web/search?q=…&count=…`` with the key in
``X-Subscription-Token``; results are ``web.results[]`` (``url``, ``title``,
``description``, ``meta_url.hostname``). Errors come as
``{"type": "ErrorResponse", "error": {"status", "code", "detail"}}``: a bad
key is 401/403 or 422 ``SUBSCRIPTION_TOKEN_INVALID``; 429 ``RATE_LIMITED``
carries ``X-RateLimit-Remaining`` / ``X-RateLimit-Reset`` (one value per
window: per second, per month), from which the wait is read.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from service.research.search import errors
from service.research.search.port import SearchAnswer, SearchResult
from service.research.search.pricing import BRAVE_SEARCH, SearchPrice

BRAVE_ENDPOINT = "https://api.search.brave.com"
_TAGS = re.compile(r"<[^>]+>")


class BraveSearch:
    name = "brave"

    def __init__(
        self,
        api_key: str,
        *,
        endpoint: str = "",
        timeout: float = 15.0,
        price: SearchPrice = BRAVE_SEARCH,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.price = price
        self._client = httpx.Client(
            base_url=(endpoint or BRAVE_ENDPOINT).rstrip("/"),
            headers={"Accept": "application/json", "X-Subscription-Token": api_key},
            timeout=timeout,
            transport=transport,
        )

    def search(self, query: str, *, max_results: int = 5) -> SearchAnswer:
        params: dict[str, str | int] = {"q": query, "count": max(1, min(max_results, 20))}
        try:
            response = self._client.get("/res/v1/web/search", params=params)
        except httpx.TimeoutException as exc:
            raise errors.timed_out(self.name) from exc
        except httpx.HTTPError as exc:
            raise errors.failed(self.name, None, type(exc).__name__) from exc
        if response.status_code != 200:
            raise _error(response)
        try:
            data = response.json()
        except ValueError as exc:
            raise errors.bad_answer(self.name) from exc
        results = [_result(item) for item in (data.get("web") or {}).get("results") or [] if item.get("url")]
        return SearchAnswer(query=query, results=results[:max_results], cost_usd=self.price.cost(), provider=self.name)

    def close(self) -> None:
        self._client.close()


def _result(item: dict[str, Any]) -> SearchResult:
    meta = item.get("meta_url") or {}
    return SearchResult(
        url=str(item["url"]),
        title=_TAGS.sub("", str(item.get("title") or "")),
        snippet=_TAGS.sub("", str(item.get("description") or "")),
        site=str(meta.get("hostname") or ""),
    )


def _error(response: httpx.Response) -> Exception:
    status = response.status_code
    try:
        error = (response.json() or {}).get("error") or {}
    except ValueError:
        error = {}
    code, detail = str(error.get("code") or ""), str(error.get("detail") or "")
    if status == 429:
        return errors.quota_exceeded("brave", _reset_seconds(response.headers), detail)
    if status in (401, 403) or "TOKEN" in code or "SUBSCRIPTION" in code:
        return errors.bad_key("brave", f"HTTP {status} {code}".strip(), detail)
    return errors.failed("brave", status, detail or code)


def _reset_seconds(headers: httpx.Headers) -> float | None:
    """Seconds until the exhausted window resets, from ``X-RateLimit-Remaining`` / ``-Reset``."""
    remaining = _numbers(headers.get("x-ratelimit-remaining"))
    resets = _numbers(headers.get("x-ratelimit-reset"))
    if not resets:
        return None
    exhausted = [reset for left, reset in zip(remaining, resets, strict=False) if left <= 0]
    return max(exhausted) if exhausted else resets[0]


def _numbers(value: str | None) -> list[float]:
    try:
        return [float(part) for part in (value or "").split(",") if part.strip()]
    except ValueError:
        return []
