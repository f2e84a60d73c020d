"""Recording fakes for endpoint tests: researcher and spreadsheet access.

The sheet gateway is ``tests.fakes.sheet_gateway.MemorySheetGateway`` and the queue
``tests.support.fakes.FakeQueue``.
"""

from __future__ import annotations

import threading

from service.api.auth import Identity
from service.domain import (
    CompanyInput,
    CompanyProfile,
    ErrorKind,
    FieldMethod,
    FieldSource,
    ResearchOptions,
    ResearchOutcome,
)
from service.domain.errors import AuthError


class FakeResearcher:
    """Finds a website for every company; names in ``fail`` get that error kind instead."""

    def __init__(self, fail: dict[str, ErrorKind] | None = None) -> None:
        self.calls: list[str] = []
        self.fail = fail or {}
        self._lock = threading.Lock()

    def research(self, company: CompanyInput, options: ResearchOptions) -> ResearchOutcome:
        with self._lock:
            self.calls.append(company.name)
        if company.name in self.fail:
            kind = self.fail[company.name]
            return ResearchOutcome(CompanyProfile(name=company.name), error_kind=kind, error_message="fake failure")
        site = f"https://{company.name.lower().replace(' ', '')}.example"
        profile = CompanyProfile(
            name=company.name,
            website=site,
            industry="Software",
            sources={"website": FieldSource(site, FieldMethod.INPUT), "industry": FieldSource(site, FieldMethod.TEXT)},
        )
        return ResearchOutcome(profile)


class FakeAccess:
    """User token → spreadsheet ids that user can edit; a token ``oauth-<email>`` belongs to ``<email>``.

    Like ``DriveSpreadsheetAccess``, it refuses a token that is not the caller's
    before it looks at the spreadsheet.
    """

    def __init__(self, editable: dict[str, set[str]]) -> None:
        self.editable = editable
        self.checks: list[tuple[str, str | None]] = []

    def require_edit(self, spreadsheet_id: str, user_token: str | None, *, user: Identity) -> None:
        self.checks.append((spreadsheet_id, user_token))
        if user_token and user_token != f"oauth-{user.email}":
            raise AuthError("the access token belongs to another Google account than your identity token")
        if spreadsheet_id not in self.editable.get(user_token or "", set()):
            raise AuthError("you need edit access to this spreadsheet")
