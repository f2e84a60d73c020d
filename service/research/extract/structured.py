"""Structured data: JSON-LD, microdata and OpenGraph via extruct.

Finds the organisation node (Organization, Corporation, LocalBusiness and
their subtypes, also inside ``@graph``), and turns its properties into
candidates: name, description, founding year, employees, address, email,
telephone, ``sameAs`` social profiles, logo and offered products. OpenGraph
gives description, site name and a logo-looking image.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin

import extruct

from service.domain import FieldMethod
from service.research.extract.candidates import Candidate, candidate
from service.research.extract.contacts import normalize_phone
from service.research.extract.countries import country_name
from service.research.extract.document import Document, clean
from service.research.extract.social import social_profile
from service.research.taxonomy import industry_of_types

_ORG_TYPES = re.compile(
    r"(Organization|Corporation|Business|Store|Company|Restaurant|Brand|NGO|Bakery|CafeOrCoffeeShop|Hotel"
    r"|Winery|Brewery|Agency|Clinic|Dentist|Physician|LegalService|Attorney|Manufacturer|Service|Salon|Spa"
    r"|Group|Establishment|Contractor|Electrician|Plumber|HousePainter|Pharmacy|School|Notary|AutoRepair|AutoDealer"
    r"|AutoWash|BarOrPub|BedAndBreakfast)$"
)
_PRODUCT_TYPES = {"Product", "Service", "SoftwareApplication", "WebApplication"}
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")


def extract_structured(doc: Document) -> tuple[list[Candidate], list[str]]:
    """Candidates from JSON-LD/microdata/OpenGraph, and the names the page claims."""
    data = _extruct(doc)
    out: list[Candidate] = []
    names: list[str] = []
    for syntax, method in (("json-ld", FieldMethod.JSON_LD), ("microdata", FieldMethod.MICRODATA)):
        for node in _nodes(data.get(syntax, [])):
            types = _types(node)
            if any(_ORG_TYPES.search(t) for t in types):
                out.extend(_organization(node, doc.url, method))
                industry = industry_of_types(types)
                if industry:
                    out.append(candidate("industry", industry, doc.url, method))
                if isinstance(node.get("name"), str):
                    names.append(clean(node["name"]))
            elif types & _PRODUCT_TYPES and isinstance(node.get("name"), str):
                out.append(candidate("products", clean(node["name"]), doc.url, method, rank=1))
            elif "WebSite" in types and isinstance(node.get("name"), str):
                names.append(clean(node["name"]))
    og_cands, og_names = _opengraph(data.get("opengraph", []), doc.url)
    return out + og_cands, names + og_names


def _extruct(doc: Document) -> dict[str, list[Any]]:
    try:
        return extruct.extract(
            doc.html,
            base_url=doc.url,
            syntaxes=["json-ld", "microdata", "opengraph"],
            uniform=True,
            errors="ignore",
        )
    except Exception:  # extruct raises many kinds on broken markup; structured data is optional
        return {}


def _nodes(items: list[Any]) -> Iterator[dict[str, Any]]:
    for item in items:
        if isinstance(item, list):
            yield from _nodes(item)
        elif isinstance(item, dict):
            yield item
            graph = item.get("@graph")
            if isinstance(graph, list):
                yield from _nodes(graph)


def _types(node: dict[str, Any]) -> set[str]:
    raw = node.get("@type", [])
    values = raw if isinstance(raw, list) else [raw]
    return {str(v).rsplit("/", 1)[-1] for v in values}


def _text(value: Any) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value") or value.get("url") or ""
    return clean(str(value)) if isinstance(value, str | int | float) else ""


def _organization(node: dict[str, Any], url: str, method: FieldMethod) -> list[Candidate]:
    out: list[Candidate] = []

    def add(name: str, value: Any, rank: int = 0) -> None:
        if value not in ("", None, []):
            out.append(candidate(name, value, url, method, rank))

    add("description", _text(node.get("description")))
    add("founded_year", _founding_year(node.get("foundingDate")))
    add("employees", _employees(node.get("numberOfEmployees")))
    add("logo_url", _logo(node.get("logo"), url))
    for email in _list(node.get("email")):
        add("emails", _text(email).removeprefix("mailto:").lower())
    for phone in _list(node.get("telephone")):
        add("phones", normalize_phone(_text(phone)))
    for link in _list(node.get("sameAs")):
        profile = social_profile(_text(link))
        if profile:
            add(profile[0], profile[1])
    for address in _list(node.get("address")):
        out.extend(_address(address, url, method))
    for product in _offers(node):
        add("products", product)
    return out


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _founding_year(value: Any) -> int | None:
    match = _YEAR.search(_text(value))
    return int(match.group(1)) if match else None


def _employees(value: Any) -> str:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        if value.get("value") not in (None, ""):
            return _number(value["value"])
        low, high = _number(value.get("minValue")), _number(value.get("maxValue"))
        return f"{low}-{high}" if low and high else low or high
    return _number(value)


def _number(value: Any) -> str:
    digits = re.sub(r"[^\d]", "", str(value)) if value is not None else ""
    return str(int(digits)) if digits and int(digits) > 0 else ""


def _logo(value: Any, url: str) -> str:
    text = _text(value)
    if isinstance(value, dict):
        text = clean(str(value.get("url") or value.get("contentUrl") or ""))
    return urljoin(url, text) if text else ""


def _address(value: Any, url: str, method: FieldMethod) -> list[Candidate]:
    if not isinstance(value, dict):
        return []
    country = country_name(_text(value.get("addressCountry")), allow_code=True)
    city = _text(value.get("addressLocality"))
    region = _text(value.get("addressRegion"))
    pairs = [("hq_country", country), ("hq_city", city), ("hq_region", region)]
    return [candidate(name, v, url, method) for name, v in pairs if v]


def _offers(node: dict[str, Any]) -> Iterator[str]:
    for offer in _list(node.get("makesOffer")):
        if isinstance(offer, dict):
            name = _text(offer.get("itemOffered")) or _text(offer.get("name"))
            if name:
                yield name
    catalog = node.get("hasOfferCatalog")
    for item in _list(catalog.get("itemListElement") if isinstance(catalog, dict) else None):
        if isinstance(item, dict):
            name = _text(item.get("itemOffered")) or _text(item.get("name"))
            if name:
                yield name


def _opengraph(items: list[Any], url: str) -> tuple[list[Candidate], list[str]]:
    out: list[Candidate] = []
    names: list[str] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        description = _text(item.get("og:description"))
        if description:
            out.append(candidate("description", description, url, FieldMethod.OPENGRAPH))
        image = _text(item.get("og:image"))
        if image and "logo" in image.lower():
            out.append(candidate("logo_url", urljoin(url, image), url, FieldMethod.OPENGRAPH))
        if _text(item.get("og:site_name")):
            names.append(_text(item.get("og:site_name")))
    return out, names
