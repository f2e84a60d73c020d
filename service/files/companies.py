"""Per-row checks on the company a row asks about: skip reasons and duplicates.

A bad row is not a bad file: ``validate_company`` returns a reason to skip
the row (shown in its status cell) instead of raising. ``DuplicateFinder``
flags rows that ask about a company an earlier row already asks about.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from service.domain import CompanyInput
from service.errors import InputError
from service.files.websites import normalize_website, website_identity

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


class DuplicateFinder:
    """Streaming duplicate detection: ``check`` names the first row seen with the same company."""

    def __init__(self) -> None:
        self._first: dict[str, str] = {}

    def check(self, key: str, company: CompanyInput) -> str | None:
        identity = company_identity(company)
        if identity is None:
            return None
        first = self._first.setdefault(identity, key)
        return None if first == key else first


def duplicate_of(companies: Iterable[tuple[str, CompanyInput]]) -> dict[str, str]:
    """Map each duplicate row's key to the key of the first row asking about the same company."""
    finder = DuplicateFinder()
    found: dict[str, str] = {}
    for key, company in companies:
        first = finder.check(key, company)
        if first is not None:
            found[key] = first
    return found
