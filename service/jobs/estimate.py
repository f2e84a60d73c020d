"""Estimate a job before running it: rows, time and cost.

Time is bounded by both limits the queue enforces: concurrency (rows in
flight at once, each taking about ``seconds_per_company``) and rate (rows
started per second). Cost is zero without an LLM; with one it is the
per-company token budget at the model's price.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from service.domain import JobOptions

SECONDS_PER_COMPANY = 6.0  # typical: homepage + a few pages at polite per-host concurrency
LLM_TOKENS_PER_COMPANY = (6_000, 600)  # input, output
QUESTION_TOKENS = (6_000, 60)  # custom questions: one more call per company (input), output per question
DEFAULT_LLM_PRICE_PER_MTOK = (0.30, 2.50)  # USD per million tokens in/out (a small Gemini/GPT model)


@dataclass(frozen=True)
class Estimate:
    rows: int
    skipped: int
    seconds: float
    cost_usd: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "skipped": self.skipped,
            "seconds": round(self.seconds),
            "cost_usd": round(self.cost_usd, 4),
        }


def estimate_job(
    rows: int,
    options: JobOptions,
    *,
    skipped: int = 0,
    seconds_per_company: float = SECONDS_PER_COMPANY,
    llm_price_per_mtok: tuple[float, float] = DEFAULT_LLM_PRICE_PER_MTOK,
) -> Estimate:
    """Estimate wall time and cost for ``rows`` companies under ``options``.

    Args:
        rows: companies that will be researched (skipped rows excluded).
        options: the job's concurrency, rate and LLM choice.
        skipped: rows that will be skipped (reported, not researched).
        seconds_per_company: expected research latency per company.
        llm_price_per_mtok: (input, output) USD per million tokens.

    Returns:
        The estimate; ``seconds`` is 0 for an empty job.
    """
    if rows <= 0:
        return Estimate(0, skipped, 0.0, 0.0)
    by_concurrency = math.ceil(rows / max(1, options.concurrency)) * seconds_per_company
    by_rate = rows / options.rate if options.rate > 0 else 0.0
    seconds = max(by_concurrency, by_rate + seconds_per_company)
    return Estimate(rows, skipped, seconds, _llm_cost(rows, options, llm_price_per_mtok))


def _llm_cost(rows: int, options: JobOptions, price: tuple[float, float]) -> float:
    if not options.use_llm:
        return 0.0
    tokens_in, tokens_out = LLM_TOKENS_PER_COMPANY
    if options.questions:  # issue 15: the questions' own call, all questions at once
        tokens_in += QUESTION_TOKENS[0]
        tokens_out += QUESTION_TOKENS[1] * len(options.questions)
    return rows * (tokens_in * price[0] + tokens_out * price[1]) / 1_000_000
