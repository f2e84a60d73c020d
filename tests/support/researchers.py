"""Researchers for tests and benchmarks that run the real CLI (``main(argv, researcher=...)``).

``latency_researcher`` answers after a fixed latency with a small sourced
profile; when ``ROWSCOUT_TEST_RESEARCH_LOG`` names a file it appends the
company name to it after every completed research, so a test can count how
often each company was researched across processes (crash + resume).
Companies whose name starts with ``fail-`` fail permanently (``blocked``).
Subprocesses build it from their environment through ``tests.support.cli_runner``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping

from service.domain import (
    CompanyInput,
    CompanyProfile,
    ErrorKind,
    FieldMethod,
    FieldSource,
    ResearchOptions,
    ResearchOutcome,
    Usage,
)


class LatencyResearcher:
    def __init__(self, latency: float, log_path: str | None = None) -> None:
        self.latency = latency
        self.log_path = log_path

    def research(self, company: CompanyInput, options: ResearchOptions) -> ResearchOutcome:
        time.sleep(self.latency)
        self._log(company.name)
        if company.name.startswith("fail-"):
            return ResearchOutcome(
                profile=CompanyProfile(name=company.name),
                error_kind=ErrorKind.BLOCKED,
                error_message="the site refused our request (403)",
            )
        site = company.website or "https://example.com"
        profile = CompanyProfile(
            name=company.name,
            website=site,
            description=f'=HYPERLINK("{site}") {company.name} builds tools.',
            industry="Software",
            hq_country="Germany",
            sources={
                "website": FieldSource(site, FieldMethod.URL),
                "description": FieldSource(site, FieldMethod.META),
                "industry": FieldSource(site, FieldMethod.CLASSIFIER),
                "hq_country": FieldSource(site + "/imprint", FieldMethod.TEXT),
            },
        )
        return ResearchOutcome(profile=profile, usage=Usage(pages_fetched=2))

    def _log(self, name: str) -> None:
        if not self.log_path:
            return
        fd = os.open(self.log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, (name + "\n").encode())
        finally:
            os.close(fd)


def latency_researcher(environ: Mapping[str, str]) -> LatencyResearcher:
    """The researcher ``ROWSCOUT_TEST_LATENCY`` / ``ROWSCOUT_TEST_RESEARCH_LOG`` in ``environ`` describe."""
    return LatencyResearcher(
        latency=float(environ.get("ROWSCOUT_TEST_LATENCY", "0.01")),
        log_path=environ.get("ROWSCOUT_TEST_RESEARCH_LOG") or None,
    )
