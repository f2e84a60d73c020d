"""``TavilySearch``: Tavily's search API through its official client, ``tavily-python``.

``TavilyClient(api_key, api_base_url=…)`` posts to ``{base}/search`` with
``Authorization: Bearer <key>``; the answer's ``results[]`` carry ``url``,
``title``, ``content`` (the query-relevant chunks) and ``score``, and
``usage.credits`` (asked for with ``include_usage``) what the call cost.
The client raises its own exceptions per status: 429
``UsageLimitExceededError`` (rate limit), 401 ``InvalidAPIKeyError``, and
``ForbiddenError`` for 403 *and* 432/433 (plan / pay-as-you-go credit limit
reached), which are quotas, not bad keys: a response hook on the client's
``requests`` session records the status so the two are told apart.
"""

from __future__ import annotations

from typing import Any

import requests
from tavily import TavilyClient
from tavily import errors as tavily_errors

from service.domain.errors import RowscoutError
from service.research.search import errors
from service.research.search.port import SearchAnswer, SearchResult
from service.research.search.pricing import TAVILY_BASIC, SearchPrice

CREDIT_LIMIT_WAIT = 3600.0  # a plan's credits are used up: try again in an hour (an operator may top up)


class TavilySearch:
    name = "tavily"

    def __init__(
        self,
        api_key: str,
        *,
        endpoint: str = "",
        timeout: float = 15.0,
        price: SearchPrice = TAVILY_BASIC,
    ) -> None:
        self.price = price
        self.timeout = timeout
        self._statuses: list[int] = []
        session = requests.Session()
        session.hooks["response"].append(self._record)
        self._client = TavilyClient(api_key=api_key, api_base_url=(endpoint.rstrip("/") or None), session=session)
        self._session = session

    def _record(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self._statuses[:] = [response.status_code]

    def search(self, query: str, *, max_results: int = 5) -> SearchAnswer:
        self._statuses.clear()
        try:
            data = self._client.search(
                query,
                search_depth="basic",
                max_results=max(1, min(max_results, 20)),
                include_usage=True,
                timeout=self.timeout,
            )
        except Exception as exc:  # the client's own exception tree, and requests' transport errors
            raise self._error(exc) from exc
        if not isinstance(data, dict):
            raise errors.bad_answer(self.name)
        results = [_result(item) for item in data.get("results") or [] if isinstance(item, dict) and item.get("url")]
        credits = _credits(data)
        return SearchAnswer(
            query=query,
            results=results[:max_results],
            cost_usd=self.price.cost(requests=credits),
            provider=self.name,
        )

    def _error(self, exc: Exception) -> RowscoutError:
        status = self._statuses[0] if self._statuses else None
        detail = str(exc)
        if isinstance(exc, tavily_errors.TimeoutError | requests.Timeout):
            return errors.timed_out(self.name)
        if isinstance(exc, tavily_errors.UsageLimitExceededError):
            return errors.quota_exceeded(self.name, None, detail)
        if status in (432, 433):
            return errors.quota_exceeded(self.name, CREDIT_LIMIT_WAIT, detail or "the plan's credit limit is reached")
        if isinstance(exc, tavily_errors.InvalidAPIKeyError | tavily_errors.ForbiddenError):
            return errors.bad_key(self.name, f"HTTP {status}" if status else type(exc).__name__, detail)
        if isinstance(exc, tavily_errors.MissingAPIKeyError | tavily_errors.KeylessUnsupportedEndpointError):
            return errors.bad_key(self.name, "no key", "")
        if isinstance(exc, requests.ConnectionError):
            return errors.failed(self.name, None, type(exc).__name__)
        return errors.failed(self.name, status, detail)

    def close(self) -> None:
        self._client.close()


def _result(item: dict[str, Any]) -> SearchResult:
    return SearchResult(
        url=str(item["url"]), title=str(item.get("title") or ""), snippet=str(item.get("content") or "")
    )


def _credits(data: dict[str, Any]) -> int:
    usage = data.get("usage")
    try:
        return max(1, int((usage or {}).get("credits", 1)))
    except (TypeError, ValueError, AttributeError):
        return 1
