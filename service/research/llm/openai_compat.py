"""``OpenAICompatibleLLM``: any ``/v1/chat/completions`` server (OpenAI, vLLM, Ollama, LiteLLM...).

Sends the prompt with ``response_format: {"type": "json_schema", ...}`` and
``temperature: 0``, parses the message content as JSON and prices the
``usage`` tokens.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from service.domain import ErrorKind
from service.domain.errors import ResearchError
from service.research.llm.port import LLMAnswer
from service.research.llm.pricing import DEFAULT_PRICES, Price, cost_of


class OpenAICompatibleLLM:
    def __init__(
        self,
        base_url: str,
        api_key: str,
        model: str,
        *,
        prices: dict[str, Price] | None = None,
        timeout: float = 60.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/").removesuffix("/v1")
        self.model = model
        self.prices = DEFAULT_PRICES if prices is None else prices
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(timeout=timeout, headers=headers, transport=transport)

    def request_body(self, prompt: str, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "model": self.model,
            "temperature": 0,
            "messages": [{"role": "user", "content": prompt}],
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "company_profile", "schema": schema, "strict": True},
            },
        }

    def complete_json(self, prompt: str, schema: dict[str, Any]) -> LLMAnswer:
        try:
            response = self._client.post(f"{self.base_url}/v1/chat/completions", json=self.request_body(prompt, schema))
        except httpx.TimeoutException as exc:
            raise ResearchError("the LLM did not answer in time", kind=ErrorKind.SERVER_ERROR) from exc
        except httpx.HTTPError as exc:
            raise ResearchError("could not reach the LLM", kind=ErrorKind.SERVER_ERROR) from exc
        _raise_for_status(response)
        return self._answer(response)

    def _answer(self, response: httpx.Response) -> LLMAnswer:
        try:
            body = response.json()
            data = json.loads(body["choices"][0]["message"]["content"])
            usage = body.get("usage") or {}
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise ResearchError("the LLM answer was not valid JSON", kind=ErrorKind.BACKEND) from exc
        if not isinstance(data, dict):
            raise ResearchError("the LLM answer was not a JSON object", kind=ErrorKind.BACKEND)
        tokens_in, tokens_out = int(usage.get("prompt_tokens", 0)), int(usage.get("completion_tokens", 0))
        cost = cost_of(self.prices, self.model, tokens_in, tokens_out)
        return LLMAnswer(data=data, input_tokens=tokens_in, output_tokens=tokens_out, cost_usd=cost)

    def close(self) -> None:
        self._client.close()


def _raise_for_status(response: httpx.Response) -> None:
    if response.status_code == 429:
        retry_after = _seconds(response.headers.get("retry-after"))
        raise ResearchError("the LLM is rate limited", kind=ErrorKind.RATE_LIMIT, retry_after=retry_after)
    if response.status_code >= 500:
        raise ResearchError(f"the LLM failed (HTTP {response.status_code})", kind=ErrorKind.SERVER_ERROR)
    if response.status_code >= 400:
        raise ResearchError(f"the LLM refused the request (HTTP {response.status_code})", kind=ErrorKind.BACKEND)


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None
