"""Per-row checks on the company a row asks about: skip reasons and duplicates.

A bad row is not a bad file: ``validate_company`` returns a reason to skip
the row (shown in its status cell) instead of raising. ``RowScreen`` adds
the one duplicate rule: a row that asks about a company an earlier row
already asks about is not researched again: it is stored with the reason
``duplicate of row N`` and, once row N is finished, gets row N's result
(``service.jobs.duplicates``; status "done — same company as row N").
Identity is ``company_identity``: by site (``websites.website_identity``:
host and port, plus the site's path prefix on shared hosts), else by name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from service.domain.errors import InputError
from service.domain.model import CompanyInput
from service.domain.websites import normalize_website, website_identity

_LEGAL_SUFFIXES = frozenset(
    "inc incorporated corp corporation co company ltd limited llc llp plc gmbh ag kg sa sas sarl srl "
    "spa bv nv ab as oy pty sl".split()
)


def validate_company(company: CompanyInput) -> str | None:
    """A user-facing reason to skip this row, or None when it can be researched."""
    if not company.name.strip() and not company.website.strip():
        return "no company name or website in this row"
    if not company.website.strip():
        return None
    try:
        normalize_website(company.website)
    except InputError as exc:
        return exc.message
    return None


def normalize_name(name: str) -> str:
    """A company name folded for comparison: no accents, case, punctuation or legal suffix."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").casefold()
    folded = re.sub(r"\b([a-z])\.", r"\1", folded)  # "S.A." → "sa", "J.P." → "jp"
    words = re.sub(r"[^a-z0-9]+", " ", folded).split()
    while len(words) > 1 and words[-1] in _LEGAL_SUFFIXES:
        words.pop()
    return " ".join(words)


def company_identity(company: CompanyInput) -> str | None:
    """The key two rows share when they ask about the same company (None if unusable).

    Rows with a website compare by site; rows without one compare by name,
    and only with other rows without a website (a name alone may be another firm).
    """
    if company.website.strip():
        try:
            return "site:" + website_identity(normalize_website(company.website))
        except InputError:
            return None
    name = normalize_name(company.name)
    return "name:" + name if name else None


class RowScreen:
    """The one rule for rows that will not be researched: invalid input, or a repeat of an earlier row.

    Submit (which stores such rows as skipped) and every estimate use it, so an
    estimate counts exactly the rows a job would research.
    """

    def __init__(self) -> None:
        self._first: dict[str, int] = {}

    def skip_reason(self, position: int, company: CompanyInput) -> str | None:
        """A reason to skip the row at ``position`` (1-based), or None when it can be researched."""
        reason = validate_company(company)
        if reason:
            return reason
        identity = company_identity(company)
        if identity is None:
            return None
        first = self._first.setdefault(identity, position)
        return None if first == position else f"duplicate of row {first}"


_DUPLICATE_RE = re.compile(r"^duplicate of row (\d+)$")


def duplicate_of(reason: str) -> int | None:
    """The first row's position when ``reason`` (a skip reason of ``RowScreen``) marks a repeated company."""
    match = _DUPLICATE_RE.match(reason)
    return int(match.group(1)) if match else None


@dataclass(frozen=True)
class ScreenCount:
    """What a job over some rows would do with them, by the one rule of ``RowScreen``."""

    research: int  # companies researched
    duplicates: int  # repeated companies: they get their first row's result
    skipped: int  # unusable rows (no name and no website, an unsafe URL...)

    @property
    def total(self) -> int:
        return self.research + self.duplicates + self.skipped


def screen_rows(companies: Iterable[tuple[int, CompanyInput]]) -> ScreenCount:
    """Count (position, company) pairs, in input order, as submit will store them."""
    screen = RowScreen()
    research = duplicates = skipped = 0
    for position, company in companies:
        reason = screen.skip_reason(position, company)
        research += reason is None
        duplicates += reason is not None and duplicate_of(reason) is not None
        skipped += reason is not None and duplicate_of(reason) is None
    return ScreenCount(research, duplicates, skipped)


def count_researchable(companies: Iterable[tuple[int, CompanyInput]]) -> tuple[int, int]:
    """(rows to research, rows not researched: skipped or repeated) for (position, company) pairs in input order."""
    counted = screen_rows(companies)
    return counted.research, counted.duplicates + counted.skipped
