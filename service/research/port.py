"""The ``Researcher`` port: research one company.

``research(company, options) -> ResearchOutcome`` never raises for a
company's own problems (unreachable site, blocked, nothing found): it returns
an outcome with ``error_kind`` set. It raises only for programming errors.
The shipped implementation is ``service.research.engine.WebResearcher``.
"""

from __future__ import annotations

from typing import Protocol

from service.domain import CompanyInput, ResearchOptions, ResearchOutcome


class Researcher(Protocol):
    def research(self, company: CompanyInput, options: ResearchOptions) -> ResearchOutcome: ...
