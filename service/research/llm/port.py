"""The ``LLM`` port: one JSON-schema-constrained completion with its token cost.

Adapters raise ``ResearchError`` with kind ``RATE_LIMIT`` (429),
``SERVER_ERROR`` (5xx, timeouts) or ``BACKEND`` (bad request, bad key,
unparseable answer); they never return half-parsed data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class LLMAnswer:
    data: dict[str, Any]
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0


class LLM(Protocol):
    def complete_json(self, prompt: str, schema: dict[str, Any]) -> LLMAnswer: ...
