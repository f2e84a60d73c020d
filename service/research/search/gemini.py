"""``GeminiSearch``: Gemini with Grounding with Google Search, through google-genai.

One ``generate_content`` call with the ``google_search`` tool: the model
searches, answers, and returns ``candidates[0].groundingMetadata``:
``groundingChunks[].web`` (``uri`` — a grounding redirect URL —, ``title``
and ``domain``, the site's domain), ``groundingSupports[]`` (a ``segment`` of
the answer and the ``groundingChunkIndices`` that support it) and
``webSearchQueries`` (the searches run, which Gemini 3 models bill per
query). Results are the chunks in order; claims are the supports.

A Gemini API key, or Vertex AI on the service's own project (no key:
application default credentials). ``endpoint`` overrides the base URL
(tests). The client is built lazily; its own retries are off (the queue
retries, with the wait the 429 names in its ``RetryInfo``).
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from service.domain.errors import RowscoutError
from service.research.llm.pricing import DEFAULT_PRICES, cost_of
from service.research.search import errors
from service.research.search.port import GroundedClaim, SearchAnswer, SearchResult
from service.research.search.pricing import SearchPrice, gemini_price

DEFAULT_MODEL = "gemini-2.5-flash"
PROMPT = "Search the web and answer in a few short sentences, naming only facts your sources state: {query}"
_DOMAIN = re.compile(r"^(?:[a-z0-9-]+\.)+[a-z]{2,}$", re.IGNORECASE)


class GeminiSearch:
    name = "gemini"

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        *,
        api_key: str | None = None,
        vertex: bool = False,
        project: str | None = None,
        location: str | None = None,
        endpoint: str = "",
        timeout: float = 15.0,
        price: SearchPrice | None = None,
        client: Any = None,
    ) -> None:
        self.model = model
        self.price = price or gemini_price(model)
        self.timeout = timeout
        self._settings: dict[str, Any] = {"api_key": api_key, "vertexai": vertex, "project": project}
        self._settings["location"] = location
        self._endpoint = endpoint
        self._client = client

    def _get_client(self) -> Any:
        if self._client is None:
            from google import genai
            from google.genai import types

            options = types.HttpOptions(
                timeout=int(self.timeout * 1000), retry_options=types.HttpRetryOptions(attempts=1)
            )
            if self._endpoint:
                options.base_url = self._endpoint
            settings = {k: v for k, v in self._settings.items() if v}
            self._client = genai.Client(**settings, http_options=options)
        return self._client

    def search(self, query: str, *, max_results: int = 5) -> SearchAnswer:
        from google.genai import types

        config = types.GenerateContentConfig(temperature=0, tools=[types.Tool(google_search=types.GoogleSearch())])
        try:
            response = self._get_client().models.generate_content(
                model=self.model, contents=PROMPT.format(query=query), config=config
            )
        except Exception as exc:  # google-genai's APIError tree and httpx's transport errors
            raise _error(exc) from exc
        return self._answer(query, response, max_results)

    def _answer(self, query: str, response: Any, max_results: int) -> SearchAnswer:
        candidates = getattr(response, "candidates", None) or []
        metadata = getattr(candidates[0], "grounding_metadata", None) if candidates else None
        chunks = list(getattr(metadata, "grounding_chunks", None) or [])
        results = [_result(chunk) for chunk in chunks]
        claims = [_claim(support) for support in getattr(metadata, "grounding_supports", None) or []]
        queries = len(getattr(metadata, "web_search_queries", None) or [])
        usage = getattr(response, "usage_metadata", None)
        tokens_in = int(getattr(usage, "prompt_token_count", 0) or 0)
        tokens_out = int(getattr(usage, "candidates_token_count", 0) or 0)
        grounded = 1 if queries or results else 0
        cost = self.price.cost(requests=grounded, queries=queries) + cost_of(
            DEFAULT_PRICES, self.model, tokens_in, tokens_out
        )
        return SearchAnswer(
            query=query,
            results=results,  # all chunks, in order: claims point at them by index
            answer=_text(response),
            claims=[c for c in claims if c.text and c.sources],
            queries=max(queries, grounded),
            cost_usd=round(cost, 8),
            provider=self.name,
        )


def _text(response: Any) -> str:
    try:
        return str(response.text or "")
    except (ValueError, AttributeError):
        return ""


def _result(chunk: Any) -> SearchResult:
    web = getattr(chunk, "web", None)
    uri = str(getattr(web, "uri", "") or "")
    title = str(getattr(web, "title", "") or "")
    domain = str(getattr(web, "domain", "") or "")
    if not domain and _DOMAIN.match(title):
        domain = title  # the Gemini API names the page's domain in the title
    return SearchResult(url=uri, title=title, site=domain.lower())


def _claim(support: Any) -> GroundedClaim:
    segment = getattr(support, "segment", None)
    indices = tuple(int(i) for i in getattr(support, "grounding_chunk_indices", None) or [])
    return GroundedClaim(text=str(getattr(segment, "text", "") or ""), sources=indices)


def _error(exc: Exception) -> RowscoutError:
    kinds = {cls.__name__ for cls in type(exc).__mro__}  # google-genai may use httpx or its fork httpx2
    if isinstance(exc, TimeoutError) or "TimeoutException" in kinds:
        return errors.timed_out("gemini")
    if isinstance(exc, httpx.HTTPError) or "TransportError" in kinds:
        return errors.failed("gemini", None, type(exc).__name__)
    code = getattr(exc, "code", None)
    details = getattr(exc, "details", None)
    message = str(getattr(exc, "message", "") or "")
    if code == 429:
        return errors.quota_exceeded("gemini", _retry_delay(details), message)
    if code in (401, 403) or (code == 400 and "API_KEY" in repr(details)):
        return errors.bad_key("gemini", f"HTTP {code}", message)
    return errors.failed("gemini", code if isinstance(code, int) else None, message)


def _retry_delay(details: Any) -> float | None:
    """Seconds from a ``google.rpc.RetryInfo`` detail (``"retryDelay": "32s"``), if any."""
    match = re.search(r"retryDelay['\"]?\s*[:=]\s*['\"]?(\d+(?:\.\d+)?)s", repr(details))
    return float(match.group(1)) if match else None
