"""``GeminiLLM``: Gemini through google-genai (an API key, or Vertex AI with project/location).

The client is built lazily (nothing at import time) or injected — tests pass
a fake with ``models.generate_content``. The answer's ``text`` is the JSON
object; ``usage_metadata`` gives the token counts.
"""

from __future__ import annotations

import json
from typing import Any

from service.domain import ErrorKind
from service.domain.errors import ResearchError
from service.research.llm.port import LLMAnswer
from service.research.llm.pricing import DEFAULT_PRICES, Price, cost_of


class GeminiLLM:
    def __init__(
        self,
        model: str = "gemini-2.5-flash",
        *,
        api_key: str | None = None,
        vertex: bool = False,
        project: str | None = None,
        location: str | None = None,
        prices: dict[str, Price] | None = None,
        client: Any = None,
    ) -> None:
        self.model = model
        self.prices = DEFAULT_PRICES if prices is None else prices
        self._settings: dict[str, Any] = {
            "api_key": api_key,
            "vertexai": vertex,
            "project": project,
            "location": location,
        }
        self._client = client

    def _get_client(self) -> Any:
        if self._client is None:
            from google import genai

            self._client = genai.Client(**{k: v for k, v in self._settings.items() if v})
        return self._client

    def request_config(self, schema: dict[str, Any]) -> Any:
        from google.genai import types

        return types.GenerateContentConfig(
            temperature=0, response_mime_type="application/json", response_json_schema=schema
        )

    def complete_json(self, prompt: str, schema: dict[str, Any]) -> LLMAnswer:
        try:
            response = self._get_client().models.generate_content(
                model=self.model, contents=prompt, config=self.request_config(schema)
            )
        except Exception as exc:  # google-genai raises its own tree; map by status code
            raise _error(exc) from exc
        return self._answer(response)

    def _answer(self, response: Any) -> LLMAnswer:
        try:
            data = json.loads(response.text or "")
        except (ValueError, TypeError) as exc:
            raise ResearchError("the LLM answer was not valid JSON", kind=ErrorKind.BACKEND) from exc
        if not isinstance(data, dict):
            raise ResearchError("the LLM answer was not a JSON object", kind=ErrorKind.BACKEND)
        usage = getattr(response, "usage_metadata", None)
        tokens_in = int(getattr(usage, "prompt_token_count", 0) or 0)
        tokens_out = int(getattr(usage, "candidates_token_count", 0) or 0)
        cost = cost_of(self.prices, self.model, tokens_in, tokens_out)
        return LLMAnswer(data=data, input_tokens=tokens_in, output_tokens=tokens_out, cost_usd=cost)


def _error(exc: Exception) -> ResearchError:
    code = getattr(exc, "code", None)
    if code == 429:
        return ResearchError("the LLM is rate limited", kind=ErrorKind.RATE_LIMIT)
    if isinstance(code, int) and code >= 500:
        return ResearchError(f"the LLM failed (HTTP {code})", kind=ErrorKind.SERVER_ERROR)
    return ResearchError("the LLM refused the request", kind=ErrorKind.BACKEND)
