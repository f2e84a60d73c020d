"""Estimate a job before running it: rows, time and cost, and the assumptions behind them.

Rows are counted by the one rule research uses (``RowScreen``): a repeated
company is researched once (its later rows get the result), an unusable row
is skipped. Time is bounded by both limits the queue enforces: concurrency
(rows in flight at once, each taking about ``seconds_per_company``) and rate
(rows started per second). Cost is zero without an LLM; with one it is the
per-company token budget at the model's price. ``Estimate.assumptions``
says all of this in words, with the numbers used.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

from service.domain import JobOptions
from service.domain.model import SEARCH_FIELDS

SECONDS_PER_COMPANY = 6.0  # typical: homepage + a few pages at polite per-host concurrency
PAGES_PER_COMPANY = 4  # homepage, about/imprint/contact: what SECONDS_PER_COMPANY assumes
LLM_TOKENS_PER_COMPANY = (6_000, 600)  # input, output
QUESTION_TOKENS = (6_000, 60)  # custom questions: one more call per company (input), output per question
DEFAULT_LLM_PRICE_PER_MTOK = (0.30, 2.50)  # USD per million tokens in/out (a small Gemini/GPT model)


@dataclass(frozen=True)
class Estimate:
    rows: int  # companies researched
    skipped: int  # rows not researched (no name and no website, an unsafe URL...)
    seconds: float
    cost_usd: float
    duplicates: int = 0  # repeated rows: not researched again, they get their first row's result
    concurrency: int = 0
    rate: float = 0.0
    seconds_per_company: float = SECONDS_PER_COMPANY
    pages_per_company: int = PAGES_PER_COMPANY
    llm: bool = False
    llm_tokens_per_company: tuple[int, int] = LLM_TOKENS_PER_COMPANY
    llm_price_per_mtok: tuple[float, float] = DEFAULT_LLM_PRICE_PER_MTOK
    search_queries: int = 0  # web searches: one per name-only row (its website), one per company for SEARCH_FIELDS
    search_price: float | None = None  # USD per search; None: no search provider configured

    def assumptions(self) -> list[str]:
        """The estimate's basis, in words a user can check against their options."""
        lines = [
            f"{self.concurrency} companies at once (--concurrency), at most {self.rate:g} started per second (--rate)",
            f"about {self.seconds_per_company:g} s per company, reading about {self.pages_per_company} pages each",
            "repeated companies are researched once; their other rows get the same result",
        ]
        if self.llm:
            tokens_in, tokens_out = self.llm_tokens_per_company
            price_in, price_out = self.llm_price_per_mtok
            lines.append(
                f"cost: LLM at about {tokens_in:,} input + {tokens_out:,} output tokens per company,"
                f" ${price_in:g} / ${price_out:g} per million tokens"
            )
        else:
            lines.append("cost: $0 without an LLM (--llm adds the model's token cost); web pages are free")
        if self.search_price is not None:
            lines.append(
                f"search: about {self.search_queries:,} queries (one per name-only row, one per company for"
                f" CEO/funding/employees) at ${self.search_price:g} each"
            )
        return lines

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "skipped": self.skipped,
            "duplicates": self.duplicates,
            "seconds": round(self.seconds),
            "cost_usd": round(self.cost_usd, 4),
            "assumptions": {
                "concurrency": self.concurrency,
                "rate_per_second": self.rate,
                "seconds_per_company": self.seconds_per_company,
                "pages_per_company": self.pages_per_company,
                "llm": self.llm,
                "llm_tokens_per_company": list(self.llm_tokens_per_company),
                "llm_price_per_mtok_usd": list(self.llm_price_per_mtok),
                "search_queries": self.search_queries,
                "search_price_usd": self.search_price,
                "text": self.assumptions(),
            },
        }


def estimate_job(
    rows: int,
    options: JobOptions,
    *,
    skipped: int = 0,
    duplicates: int = 0,
    seconds_per_company: float = SECONDS_PER_COMPANY,
    llm_price_per_mtok: tuple[float, float] = DEFAULT_LLM_PRICE_PER_MTOK,
    name_only: int = 0,
    search_price: float | None = None,
) -> Estimate:
    """Estimate wall time and cost for ``rows`` companies under ``options``.

    Args:
        rows: companies that will be researched (skipped rows excluded).
        options: the job's concurrency, rate and LLM choice.
        skipped: rows that will be skipped (reported, not researched).
        duplicates: repeated rows (not researched; they get their first row's result).
        seconds_per_company: expected research latency per company.
        llm_price_per_mtok: (input, output) USD per million tokens.
        name_only: rows with a name and no website (each costs a search when a provider is configured).
        search_price: USD per web search (``research/search/pricing.py``); None without a search provider.

    Returns:
        The estimate; ``seconds`` is 0 for an empty job.
    """
    empty = Estimate(
        0,
        skipped,
        0.0,
        0.0,
        duplicates=duplicates,
        concurrency=options.concurrency,
        rate=options.rate,
        seconds_per_company=seconds_per_company,
        llm=options.use_llm,
        llm_price_per_mtok=llm_price_per_mtok,
        search_price=search_price,
    )
    if rows <= 0:
        return empty
    by_concurrency = math.ceil(rows / max(1, options.concurrency)) * seconds_per_company
    by_rate = rows / options.rate if options.rate > 0 else 0.0
    seconds = max(by_concurrency, by_rate + seconds_per_company)
    queries = _search_queries(rows, name_only, options) if search_price is not None else 0
    cost = _llm_cost(rows, options, llm_price_per_mtok) + queries * (search_price or 0.0)
    return replace(empty, rows=rows, seconds=seconds, cost_usd=cost, search_queries=queries, search_price=search_price)


def _search_queries(rows: int, name_only: int, options: JobOptions) -> int:
    facts = rows if any(f in options.fields for f in SEARCH_FIELDS) else 0
    return min(name_only, rows) + facts


def _llm_cost(rows: int, options: JobOptions, price: tuple[float, float]) -> float:
    if not options.use_llm:
        return 0.0
    tokens_in, tokens_out = LLM_TOKENS_PER_COMPANY
    if options.questions:  # issue 15: the questions' own call, all questions at once
        tokens_in += QUESTION_TOKENS[0]
        tokens_out += QUESTION_TOKENS[1] * len(options.questions)
    return rows * (tokens_in * price[0] + tokens_out * price[1]) / 1_000_000
