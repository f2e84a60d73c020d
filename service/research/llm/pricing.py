"""Token prices per model (USD per million tokens) and the cost of one call.

Prices change: pass your own table to an adapter; an unknown model costs 0
(and the usage still records its tokens).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Price:
    input_per_mtok: float
    output_per_mtok: float

    def cost(self, input_tokens: int, output_tokens: int) -> float:
        return (input_tokens * self.input_per_mtok + output_tokens * self.output_per_mtok) / 1_000_000


DEFAULT_PRICES: dict[str, Price] = {
    "gpt-4o-mini": Price(0.15, 0.60),
    "gpt-4.1-mini": Price(0.40, 1.60),
    "gpt-4.1-nano": Price(0.10, 0.40),
    "gemini-2.5-flash": Price(0.30, 2.50),
    "gemini-2.5-flash-lite": Price(0.10, 0.40),
    "gemini-2.0-flash": Price(0.10, 0.40),
}


def cost_of(prices: dict[str, Price], model: str, input_tokens: int, output_tokens: int) -> float:
    price = prices.get(model)
    return round(price.cost(input_tokens, output_tokens), 8) if price else 0.0
