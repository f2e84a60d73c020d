"""How a few field values are shown: head counts as ranges, phone numbers in E.164.

- ``employee_range("120")`` → ``EmployeeCount(range="51-200", stated=120)``:
  every head count falls in one of ``EMPLOYEE_RANGES`` (LinkedIn's size
  bands), and a number a page stated is kept beside it ("about 250" reads as
  250). A stated range ("50-100") gets the band of its middle; text with no
  count at all gives an empty range (the writers then show the text as it was).
- ``e164(number, region)``: a phone number in E.164 (``+14155550199``); a
  national number needs the company's country (ISO code) to be read, and
  without one it is returned as it was. ``region_of(country)`` turns an
  English country name (as research writes ``hq_country``) into that code.

Research stores phones through ``e164`` (``service.research.merge``); the
output writers apply both again, so rows stored before this rule read the
same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import phonenumbers
import pycountry

EMPLOYEE_RANGES: tuple[tuple[int, int | None], ...] = (
    (1, 10),
    (11, 50),
    (51, 200),
    (201, 500),
    (501, 1000),
    (1001, 5000),
    (5001, 10000),
    (10001, None),
)
_COUNT = re.compile(r"(\d[\d,.\u202f]*)\s*(?:\+|[-–]\s*(\d[\d,.\u202f]*))?")


@dataclass(frozen=True)
class EmployeeCount:
    range: str  # "51-200", "10001+" or ""
    stated: int | None  # the number a page stated, when it stated one


def employee_range(text: str) -> EmployeeCount:
    """The size band of a stored head count ("120", "51-200", "1,200", "10000+")."""
    match = _COUNT.search(text or "")
    if not match:
        return EmployeeCount("", None)
    low = _int(match.group(1))
    high = _int(match.group(2)) if match.group(2) else None
    if low is None or low <= 0 or (high is not None and high < low):
        return EmployeeCount("", None)
    if high is None and "+" not in match.group(0):
        return EmployeeCount(_band(low), low)
    return EmployeeCount(_band((low + high) // 2 if high else low), None)


def _int(text: str) -> int | None:
    digits = re.sub(r"\D", "", text)
    return int(digits) if digits and len(digits) <= 9 else None


def _band(count: int) -> str:
    for low, high in EMPLOYEE_RANGES:
        if high is None or count <= high:
            return f"{low}-{high}" if high else f"{low}+"
    return ""  # pragma: no cover - the last band is open


def e164(number: str, region: str = "") -> str:
    """``number`` in E.164, reading a national number in ``region`` (ISO alpha-2); unchanged when unreadable."""
    text = number.strip()
    if not text.startswith("+") and not region:
        return text
    try:
        parsed = phonenumbers.parse(text, region.upper() or None)
    except phonenumbers.NumberParseException:
        return text
    if not phonenumbers.is_possible_number(parsed):
        return text
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def e164_all(numbers: list[str], region: str = "") -> list[str]:
    """Every number in E.164 (see ``e164``), duplicates removed, order kept."""
    out: list[str] = []
    for number in numbers:
        formatted = e164(number, region)
        if formatted and formatted not in out:
            out.append(formatted)
    return out


@cache
def region_of(country: str) -> str:
    """The ISO alpha-2 code of a country name or code ("United States" → "US"), or ""."""
    if not country.strip():
        return ""
    try:
        return str(pycountry.countries.lookup(country.strip()).alpha_2)
    except LookupError:
        return ""
