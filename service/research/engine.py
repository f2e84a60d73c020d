"""``WebResearcher``: the shipped ``Researcher`` — crawl, detect, extract, merge, maybe ask an LLM.

``research(company, options)`` runs one company start to finish on the
calling thread (``asyncio.run`` per company, so worker threads can call it
concurrently). Steps: find the website when only a name is given; crawl it
within ``options.timeout`` (page timeouts grow with ``options.attempt``);
then, in a worker process of a ``PagePool`` that is killed if the company's
time runs out (``analyse_site``): extract every page (first cut to the bounds
of ``markup``), fail on a bot challenge or parked domain (home page), merge
with a source per field. So a company costs at most its timeout plus
``MIN_EXTRACT_SECONDS``, whatever its pages contain. Optionally the LLM fills
what is still empty; only ``options.fields`` are kept; custom questions
(``options.questions``) get answers or evidence (``research/questions``). With
``options.spend_stop`` set (the job's spend cap is reached) no paid call is made: no LLM, no
search. It never raises for a
company's problem: errors become ``error_kind`` / ``error_message`` /
``retry_after`` on the outcome.
"""

from __future__ import annotations

import asyncio
import copy
import time
from collections.abc import Sequence
from dataclasses import dataclass

from service.domain import (
    PROFILE_FIELDS,
    CompanyInput,
    CompanyProfile,
    ErrorKind,
    ResearchOptions,
    ResearchOutcome,
    Usage,
)
from service.domain.errors import BlockedError, ExtractionError, FetchError, InputError, RowscoutError
from service.domain.model import SEARCH_FIELDS
from service.research.discover_site import SearchSpend, SiteEvidence, SiteFinder, country_of
from service.research.extract import PageExtraction, check_page, extract_pages
from service.research.fetch import CrawlResult, FetchSettings, Resolver, SafeFetcher, SiteCrawler
from service.research.llm import LLM, fill_missing
from service.research.markup import bound_html
from service.research.merge import merge_pages
from service.research.questions import QuestionSearch, answer_questions
from service.research.search.facts import facts_from_search
from service.research.search.port import SearchProvider
from service.research.workers import PagePool, WorkerFailed, shared_pool

_CRAWL_SHARE = 0.85  # of the company timeout; the rest is for extraction and the LLM
MIN_EXTRACT_SECONDS = 1.5  # extraction may use this much even when the crawl used all its time


@dataclass
class _Crawled:
    website: str
    result: CrawlResult
    evidence: SiteEvidence | None = None  # why a name-only row's website is the company's


def _count_search(usage: Usage, spend: SearchSpend) -> None:
    usage.search_queries += spend.queries
    usage.cost_usd += spend.cost_usd


def _search_facts(search: SearchProvider, profile: CompanyProfile, options: ResearchOptions, usage: Usage) -> None:
    """CEO, funding and (when the site gave none) employees from one search, each with its citation."""
    wanted = [f for f in SEARCH_FIELDS if f in options.fields and not profile.value(f)]
    if not wanted:
        return
    found = facts_from_search(search, profile.name, profile.website, wanted)
    usage.search_queries += found.queries
    usage.cost_usd += found.cost_usd
    for name, value in found.values.items():
        setattr(profile, name, value)
        profile.sources[name] = found.sources[name]


class WebResearcher:
    """Research companies on the web.

    Args:
        settings: fetch rules (timeouts, caps, loopback for tests).
        resolver: DNS resolver (the fixture web's in tests); the system resolver by default.
        llm: optional LLM used when ``options.use_llm`` is set.
        site_finder: finds a website from a name; ``SiteFinder()`` by default.
        llm_token_budget: page text sent to the LLM, in tokens (≈ 4 characters each).
        pages: the worker processes that extract pages; the process-wide ``shared_pool()`` by default.
        question_search: optional search results for custom questions' LLM answers (``research/questions/hook.py``).
    """

    def __init__(
        self,
        settings: FetchSettings | None = None,
        *,
        resolver: Resolver | None = None,
        llm: LLM | None = None,
        site_finder: SiteFinder | None = None,
        llm_token_budget: int = 6000,
        pages: PagePool | None = None,
        question_search: QuestionSearch | None = None,
    ) -> None:
        self.settings = settings or FetchSettings()
        self.resolver = resolver
        self.llm = llm
        self.site_finder = site_finder or SiteFinder()
        self.llm_token_budget = llm_token_budget
        self._pages = pages
        self.question_search = question_search

    def research(self, company: CompanyInput, options: ResearchOptions) -> ResearchOutcome:
        usage = Usage()
        profile = CompanyProfile(name=company.name)
        deadline = time.monotonic() + options.timeout
        pool = self._pages or shared_pool()
        pool.warm()
        spend = SearchSpend()
        try:
            try:
                crawled = asyncio.run(self._crawl(company, options, spend))
            finally:
                _count_search(usage, spend)
            usage.pages_fetched = len(crawled.result.pages)
            pages, profile = _analyse(pool, crawled, company.name, deadline)
            if crawled.evidence is not None:
                profile.sources["website"] = crawled.evidence.source
            if self.site_finder.search is not None and not options.spend_stop:
                _search_facts(self.site_finder.search, profile, options, usage)
            if options.use_llm and self.llm is not None and not options.spend_stop:
                self._ask_llm(self.llm, profile, pages, options, usage)
            if options.questions:
                self._answer_questions(profile, pages, options, usage)
        except RowscoutError as exc:
            return _failed(profile, usage, exc, options.fields)
        return ResearchOutcome(profile=_only(profile, options.fields), usage=usage)

    async def _crawl(self, company: CompanyInput, options: ResearchOptions, spend: SearchSpend) -> _Crawled:
        budget = options.timeout * _CRAWL_SHARE
        try:
            async with asyncio.timeout(budget), SafeFetcher(self.settings, resolver=self.resolver) as fetcher:
                website, evidence = await self._website(company, fetcher, options.attempt, spend, options.spend_stop)
                crawler = SiteCrawler(fetcher, self.settings)
                deadline = time.monotonic() + budget * 0.8
                result = await crawler.crawl(website, deadline=deadline, attempt=options.attempt)
        except TimeoutError as exc:
            raise FetchError(f"research took longer than {budget:g} s", kind=ErrorKind.TIMEOUT) from exc
        return _Crawled(website=result.home.final_url, result=result, evidence=evidence)

    async def _website(
        self, company: CompanyInput, fetcher: SafeFetcher, attempt: int, spend: SearchSpend, options_stop: str = ""
    ) -> tuple[str, SiteEvidence | None]:
        website = company.website.strip()
        if website:
            return (website if "://" in website else f"https://{website}"), None
        if not company.name.strip():
            raise InputError("the row has neither a company name nor a website")
        finder = self.site_finder if not options_stop else _without_search(self.site_finder)
        found = await finder.find(
            company.name, fetcher, attempt=attempt, country=country_of(company.extra), spend=spend
        )
        return found.url, found.evidence

    def _ask_llm(
        self, llm: LLM, profile: CompanyProfile, pages: list[PageExtraction], options: ResearchOptions, usage: Usage
    ) -> None:
        answer = fill_missing(profile, pages, llm, wanted=options.fields, token_budget=self.llm_token_budget)
        if answer is not None:
            usage.llm_input_tokens += answer.input_tokens
            usage.llm_output_tokens += answer.output_tokens
            usage.cost_usd += answer.cost_usd

    def _answer_questions(
        self, profile: CompanyProfile, pages: list[PageExtraction], options: ResearchOptions, usage: Usage
    ) -> None:
        """Custom questions: LLM answers with verified quotes when the job uses the LLM, else evidence.

        Under a spend stop (``options.spend_stop``) the LLM and search are not asked: evidence carries the reason.
        """
        llm = self.llm if options.use_llm and not options.spend_stop else None
        search = self.question_search if llm is not None else None
        result = answer_questions(
            options.questions,
            pages,
            name=profile.name or profile.website,  # a website-only row: its site names the company in searches
            llm=llm,
            search=search,
            char_budget=self.llm_token_budget * 4,
            note=options.spend_stop if options.use_llm and self.llm is not None else "",
        )
        profile.answers = result.answers
        usage.llm_input_tokens += result.input_tokens
        usage.llm_output_tokens += result.output_tokens
        usage.search_queries += result.search_queries
        usage.cost_usd += result.cost_usd


def _without_search(finder: SiteFinder) -> SiteFinder:
    """The same site finder, guessing domains only (a spend stop: no paid search)."""
    free = copy.copy(finder)
    free.search = None
    return free


@dataclass
class SiteAnalysis:
    """What a worker sends back: the pages' extractions and the merged profile, or why the site is not usable."""

    pages: list[PageExtraction]
    profile: CompanyProfile | None
    blocked: BlockedError | None = None


def analyse_site(pages: list[tuple[str, str, dict[str, str]]], name: str, website: str) -> SiteAnalysis:
    """Extract every ``(url, html, headers)``, check the homepage, merge: the CPU-bound part of a company."""
    extractions = extract_pages(pages)
    try:
        check_page(pages[0][1], extractions[0].text)
    except BlockedError as exc:
        return SiteAnalysis(extractions, None, exc)
    return SiteAnalysis(extractions, merge_pages(extractions, name=name, website=website))


def _analyse(
    pool: PagePool, crawled: _Crawled, name: str, deadline: float
) -> tuple[list[PageExtraction], CompanyProfile]:
    """``analyse_site`` in a worker that is killed at ``deadline`` (given at least ``MIN_EXTRACT_SECONDS``)."""
    pages = [(page.final_url, bound_html(page.text), page.headers) for page in crawled.result.pages]
    timeout = max(deadline - time.monotonic(), MIN_EXTRACT_SECONDS)
    try:
        analysis = pool.run(analyse_site, pages, name, crawled.website, timeout=timeout)
    except TimeoutError as exc:
        raise ExtractionError(
            f"reading the site's pages took longer than the {timeout:.1f} s left for this company",
            kind=ErrorKind.TIMEOUT,
        ) from exc
    except WorkerFailed as exc:
        raise ExtractionError(f"the site's pages could not be read ({exc})", kind=ErrorKind.PARSE) from exc
    if analysis.blocked is not None or analysis.profile is None:
        raise analysis.blocked or ExtractionError("the site's pages could not be read", kind=ErrorKind.PARSE)
    return analysis.pages, analysis.profile


def _only(profile: CompanyProfile, fields: Sequence[str]) -> CompanyProfile:
    """The profile with fields outside ``fields`` cleared (and their sources dropped)."""
    empty = CompanyProfile()
    for name in PROFILE_FIELDS:
        if name not in fields:
            setattr(profile, name, getattr(empty, name))
            profile.sources.pop(name, None)
    if "business_model" not in fields:
        profile.business_model_signals = []
    return profile


def _failed(profile: CompanyProfile, usage: Usage, exc: RowscoutError, fields: Sequence[str]) -> ResearchOutcome:
    return ResearchOutcome(
        profile=_only(profile, fields),
        usage=usage,
        error_kind=exc.kind,
        error_message=exc.message,
        retry_after=exc.retry_after,
    )
