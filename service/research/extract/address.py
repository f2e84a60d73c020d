"""Headquarters from an address block in page text (imprint, contact, footer).

A block counts only when it names a recognised country (a line or a comma
part that is a country name) and, just before it, a city in a recognisable
postal form: "10115 Berlin", "75002 Paris", "CH-8001 Zürich",
"San Francisco, CA 94107", "London EC1V 2NX". Pages whose URL looks like an
imprint/contact page rank first.
"""

from __future__ import annotations

import re

from service.domain import FieldMethod
from service.research.extract.candidates import Candidate, candidate
from service.research.extract.countries import country_name
from service.research.extract.document import Document

_CITY = r"([A-ZÀ-Þ][A-Za-zÀ-ÿ'\.\-]+(?: [A-ZÀ-Þa-z][A-Za-zÀ-ÿ'\.\-]+){0,3})"
_POSTAL_CITY = re.compile(rf"^(?:[A-Z]{{1,2}}-)?\d{{4,5}}(?:-\d{{3}})? {_CITY}(?: cedex.*)?$", re.I)
_CA_PROVINCE_POSTAL = re.compile(r"^([A-Z]{2}) [A-Z]\d[A-Z] ?\d[A-Z]\d$")
_US_STATE_ZIP = re.compile(r"^([A-Z]{2}) \d{5}(?:-\d{4})?$")
_UK_POSTCODE = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$")
_CITY_UK = re.compile(rf"^{_CITY} ([A-Z]{{1,2}}\d[A-Z\d]? ?\d[A-Z]{{2}})$")
_CONTACT_PATH = re.compile(r"(imprint|impressum|legal|mentions|aviso|contact|kontakt|about|ueber|a-propos)", re.I)


def extract_address(doc: Document) -> list[Candidate]:
    rank = 0 if _CONTACT_PATH.search(doc.url) else 1
    for parts in _blocks(doc):
        found = parse_address(parts)
        if found:
            city, region, country = found
            out = [candidate("hq_country", country, doc.url, FieldMethod.TEXT, rank)]
            out.append(candidate("hq_city", city, doc.url, FieldMethod.TEXT, rank))
            if region:
                out.append(candidate("hq_region", region, doc.url, FieldMethod.TEXT, rank))
            return out
    return []


def _blocks(doc: Document) -> list[list[str]]:
    """Windows of up to 5 address parts ending at each line that names a country."""
    parts: list[str] = []
    for line in doc.lines:
        if len(line) <= 120:
            parts.extend(p.strip() for p in line.split(",") if p.strip())
        else:
            parts.append("")  # a long paragraph breaks any address block
    return [parts[max(0, i - 4) : i + 1] for i, part in enumerate(parts) if country_name(part)]


def parse_address(parts: list[str]) -> tuple[str, str, str] | None:
    """``(city, region, country)`` from address parts ending with the country, else None."""
    country = country_name(parts[-1])
    if not country:
        return None
    for i in range(len(parts) - 2, -1, -1):
        part = parts[i]
        city_region = _match_city(part, parts[i - 1] if i else "")
        if city_region:
            return city_region[0], city_region[1], country
    return None


def _match_city(part: str, previous: str) -> tuple[str, str] | None:
    match = _POSTAL_CITY.match(part)
    if match:
        return match.group(1), ""
    match = _US_STATE_ZIP.match(part) or _CA_PROVINCE_POSTAL.match(part)
    if match and previous and re.fullmatch(_CITY, previous):
        return previous, match.group(1)
    match = _CITY_UK.match(part)
    if match:
        return match.group(1), ""
    if _UK_POSTCODE.match(part) and previous and re.fullmatch(_CITY, previous):
        return previous, ""
    return None
