"""Estimate a job before running it: rows, time and cost, and the assumptions behind them.

Rows are counted by the one rule research uses (``RowScreen``): a repeated
company is researched once (its later rows get the result), an unusable row
is skipped. Time is bounded by both limits the queue enforces: concurrency
(rows in flight at once, each taking about ``seconds_per_company``) and rate
(rows started per second). Cost is zero without an LLM; with one it is the
per-company token budget at the model's price. ``Estimate.assumptions``
says all of this in words, with the numbers used.

Cost is split (issue 15 part 5, one model for the CLI and the add-on):
``research_llm_usd`` (the LLM filling fields), ``questions_llm_usd`` (the
custom questions' call), ``search_usd`` (web searches: a name-only row's
website, CEO/funding/employees, one per question per company when the LLM
answers questions) and, on the cloud path, ``cloud_usd`` (Cloud Run,
Firestore, Cloud Tasks at list prices, ``cloudcost.py``). ``cost_usd`` is the
paid calls (LLM + search): what a job's spend cap (``spend.py``) counts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

from service.domain import JobOptions
from service.domain.model import SEARCH_FIELDS
from service.jobs.cloudcost import cloud_cost_usd

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
    research_llm_usd: float = 0.0  # the cost split (module docstring)
    questions_llm_usd: float = 0.0
    search_usd: float = 0.0
    cloud_usd: float | None = None  # None: not on the cloud path
    question_searches: int = 0  # of search_queries: one per question per company (LLM answers with search)
    max_cost_usd: float | None = None  # the job's spend cap, if any

    @property
    def cost_per_company(self) -> float:
        """Paid calls per researched company (what a spend cap expects a row in flight to cost)."""
        return self.cost_usd / self.rows if self.rows else 0.0

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
                f"research LLM: about {tokens_in:,} input + {tokens_out:,} output tokens per company,"
                f" ${price_in:g} / ${price_out:g} per million tokens ≈ ${self.research_llm_usd:.4f}"
            )
            if self.questions_llm_usd:
                lines.append(
                    f"questions LLM: one more call per company, about {QUESTION_TOKENS[0]:,} input +"
                    f" {QUESTION_TOKENS[1]} output tokens per question ≈ ${self.questions_llm_usd:.4f}"
                )
        else:
            lines.append("LLM: $0 without an LLM (--llm adds the model's token cost); web pages are free")
        if self.search_price is not None:
            asked = f", one per question per company: {self.question_searches:,}" if self.question_searches else ""
            lines.append(
                f"web search: about {self.search_queries:,} queries at ${self.search_price:g} each"
                f" ≈ ${self.search_usd:.4f} (one per name-only row, one per company for CEO/funding/employees{asked})"
            )
        if self.cloud_usd is not None:
            lines.append(f"cloud: Cloud Run + Firestore + Cloud Tasks at list prices ≈ ${self.cloud_usd:.4f}")
        if self.max_cost_usd is not None:
            lines.append(
                f"spend cap ${self.max_cost_usd:g}: no LLM or search calls once the job's cost reaches it"
                " (web pages and evidence passages continue)"
            )
        return lines

    def split(self) -> dict[str, float | None]:
        """The cost by what is paid for, in USD (``cloud_usd`` None off the cloud path)."""
        return {
            "research_llm_usd": round(self.research_llm_usd, 4),
            "questions_llm_usd": round(self.questions_llm_usd, 4),
            "search_usd": round(self.search_usd, 4),
            "cloud_usd": round(self.cloud_usd, 4) if self.cloud_usd is not None else None,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "skipped": self.skipped,
            "duplicates": self.duplicates,
            "seconds": round(self.seconds),
            "cost_usd": round(self.cost_usd, 4),
            "cost_split": self.split(),
            "max_cost_usd": self.max_cost_usd,
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
                "question_searches": self.question_searches,
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
    cloud: bool = False,
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
        cloud: add the cloud path's list-price cost (``cloud_usd``), for the add-on.

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
        cloud_usd=0.0 if cloud else None,
        max_cost_usd=options.max_cost_usd,
    )
    if rows <= 0:
        return empty
    by_concurrency = math.ceil(rows / max(1, options.concurrency)) * seconds_per_company
    by_rate = rows / options.rate if options.rate > 0 else 0.0
    seconds = max(by_concurrency, by_rate + seconds_per_company)
    searching = search_price is not None
    asked = rows * len(options.questions) if searching and options.use_llm else 0  # questions' searches
    queries = (_search_queries(rows, name_only, options) if searching else 0) + asked
    research_llm, questions_llm = _llm_cost(rows, options, llm_price_per_mtok)
    search_usd = queries * (search_price or 0.0)
    return replace(
        empty,
        rows=rows,
        seconds=seconds,
        cost_usd=research_llm + questions_llm + search_usd,
        search_queries=queries,
        question_searches=asked,
        research_llm_usd=research_llm,
        questions_llm_usd=questions_llm,
        search_usd=search_usd,
        cloud_usd=cloud_cost_usd(rows) if cloud else None,
    )


def _search_queries(rows: int, name_only: int, options: JobOptions) -> int:
    facts = rows if any(f in options.fields for f in SEARCH_FIELDS) else 0
    return min(name_only, rows) + facts


def _llm_cost(rows: int, options: JobOptions, price: tuple[float, float]) -> tuple[float, float]:
    """(research LLM, questions LLM) in USD: the questions' own call asks all questions at once."""
    if not options.use_llm:
        return 0.0, 0.0
    tokens_in, tokens_out = LLM_TOKENS_PER_COMPANY
    research = rows * (tokens_in * price[0] + tokens_out * price[1]) / 1_000_000
    if not options.questions:
        return research, 0.0
    asked_in, asked_out = QUESTION_TOKENS[0], QUESTION_TOKENS[1] * len(options.questions)
    return research, rows * (asked_in * price[0] + asked_out * price[1]) / 1_000_000
