"""Merge page candidates into one ``CompanyProfile`` with a source per field.

Rules (empty is better than wrong):

* **Scalar fields** take the best candidate by method, then by the
  candidate's own rank, then by page order (home page first):
  JSON-LD > microdata > OpenGraph/meta > links/tech signatures > page text >
  classifier > LLM. The LLM only ever fills fields still empty after this
  (see ``service.research.llm.fill``).
* **Social profiles**: a profile whose handle names the company (its domain
  label or a word of its name) beats one that does not ("a game's page"); a
  profile next to a web designer's credit counts only when it names the company.
* **Logo**: only an http(s) image URL found on a page (never a ``data:`` URI).
* **Headquarters** (city, region, country) come from one source together, the
  one with the best country candidate, so a city never pairs with another
  page's country.
* **Lists**: emails on the company's own domain only when there are any
  (otherwise all found, e.g. a gmail address), at most 5; phones at
  most 3, in E.164 (a national number is read in the company's country and
  kept as found when the country is unknown); tech stack is the union over pages; products come from the best
  method only (JSON-LD offers are not mixed with page headings), at most 10.
* **Industry** and **business model** are classified over all pages' text;
  their source is the home page (method ``classifier``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import cache
from urllib.parse import urlsplit

import tldextract

from service.domain import SOCIAL_NETWORKS, CompanyProfile, FieldMethod, FieldSource
from service.domain.values import e164_all
from service.research.extract import Candidate, PageExtraction
from service.research.extract.address import gazetteer_country
from service.research.extract.business import classify_business_model, find_signals
from service.research.extract.contacts import country_of_phone, e164
from service.research.extract.countries import country_code, country_of_tld
from service.research.extract.social import CREDITED_RANK
from service.research.taxonomy import classify_industry

METHOD_RANK = {
    FieldMethod.INPUT: 0,
    FieldMethod.JSON_LD: 1,
    FieldMethod.MICRODATA: 2,
    FieldMethod.OPENGRAPH: 3,
    FieldMethod.META: 3,
    FieldMethod.URL: 4,
    FieldMethod.LINK: 4,
    FieldMethod.TECH_SIGNATURE: 4,
    FieldMethod.TEXT: 5,
    FieldMethod.CLASSIFIER: 6,
    FieldMethod.LLM: 7,
}
SCALAR_FIELDS = ("description", "founded_year", "employees", "language", "logo_url", *SOCIAL_NETWORKS)
LIST_LIMITS = {"emails": 5, "phones": 3, "products": 10, "tech_stack": 25}
CLASSIFY_CHARS_PER_PAGE = 40_000  # enough for any real page; bounds classifier time on filler pages
Ranked = tuple[int, int, int, Candidate]


def merge_pages(pages: Sequence[PageExtraction], *, name: str, website: str) -> CompanyProfile:
    """One profile from the pages of one site (home page first)."""
    ranked = _ranked(pages)
    profile = CompanyProfile(name=name, website=website)
    if website:
        profile.sources["website"] = FieldSource(url=website, method=FieldMethod.URL)
    for field in SCALAR_FIELDS:
        best = ranked.get(field)
        if best and field in SOCIAL_NETWORKS:
            naming = [r for r in best if _names_company(str(r[3].value), name, website)]
            best = naming or [r for r in best if r[1] != CREDITED_RANK]
        if best and field == "logo_url":
            best = [r for r in best if str(r[3].value).startswith(("http://", "https://"))]
        if best:
            _set(profile, field, best[0][3].value, best[0][3].source)
    _merge_hq(profile, ranked, website)
    _merge_lists(profile, ranked, website)
    if pages:
        _classify(profile, pages)
    return profile


# words of many companies' names that say nothing about which company a handle belongs to
_GENERIC_NAME_WORDS = {
    "group", "studio", "services", "service", "company", "design", "digital", "media", "solutions",
    "consulting", "shop", "store", "official", "home", "team", "gmbh", "limited", "holding", "international",
}  # fmt: skip


def _folded(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", plain.lower())


def _names_company(profile_url: str, name: str, website: str) -> bool:
    """The profile's handle holds the company's domain label or a distinctive word of its name (or vice versa)."""
    handle = _folded(urlsplit(profile_url).path.rstrip("/").rsplit("/", 1)[-1])
    label = _folded(_site_domain(website).split(".")[0]) if website else ""
    words = [_folded(w) for w in re.split(r"[\s\-_&.,/]+", name)]
    keys = [k for k in (label, _folded(name), *words) if len(k) >= 4 and k not in _GENERIC_NAME_WORDS]
    return bool(handle) and any(k in handle or (len(handle) >= 4 and handle in k) for k in keys)


def _ranked(pages: Sequence[PageExtraction]) -> dict[str, list[Ranked]]:
    out: dict[str, list[Ranked]] = {}
    for index, page in enumerate(pages):
        for c in page.candidates:
            out.setdefault(c.field, []).append((METHOD_RANK[c.source.method], c.rank, index, c))
    for items in out.values():
        items.sort(key=lambda r: r[:3])
    return out


def _set(profile: CompanyProfile, field: str, value: object, source: FieldSource) -> None:
    setattr(profile, field, value)
    profile.sources[field] = source


def _merge_hq(profile: CompanyProfile, ranked: dict[str, list[Ranked]], website: str) -> None:
    """City, region and country from one block; a country not written there is inferred (see ``infer_country``)."""
    cities = ranked.get("hq_city") or []
    countries = ranked.get("hq_country") or []
    best = min([*cities[:1], *countries[:1]], key=lambda r: r[:3], default=None)
    if best is None:
        _infer_country(profile, website, ranked, city="")
        return
    source = best[3].source
    for field in ("hq_city", "hq_region", "hq_country"):
        same = [r for r in ranked.get(field, []) if r[3].source == source and r[1] == best[1]]
        if same:
            _set(profile, field, same[0][3].value, source)
    if not profile.hq_country:
        _infer_country(profile, website, ranked, city=profile.hq_city)


def _infer_country(profile: CompanyProfile, website: str, ranked: dict[str, list[Ranked]], *, city: str) -> None:
    """The site's country from the strongest evidence; the evidence is the field's source."""
    found = infer_country(website, [r[3] for r in ranked.get("phones", [])], city)
    if found:
        _set(profile, "hq_country", found[0], found[1])


def infer_country(website: str, phones: Sequence[Candidate], city: str) -> tuple[str, FieldSource] | None:
    """Country evidence in order: international phone codes that agree, the ccTLD, the city gazetteer.

    A ccTLD that disagrees with the phones' country gives nothing (empty is better than wrong).
    """
    by_phone = {country_of_phone(c.value): c.source for c in phones if str(c.value).startswith("+")}
    by_phone.pop("", None)
    host = urlsplit(website).hostname or ""
    tld = country_of_tld(host)
    if len(by_phone) == 1:
        country, source = next(iter(by_phone.items()))
        return (country, source) if not tld or tld == country else None
    if tld and (not by_phone or tld in by_phone):
        return tld, FieldSource(url=website, method=FieldMethod.URL)
    place = gazetteer_country(city) if city and not by_phone else ""
    return (place, FieldSource(url=website, method=FieldMethod.TEXT)) if place else None


def _merge_lists(profile: CompanyProfile, ranked: dict[str, list[Ranked]], website: str) -> None:
    own = _site_domain(website)
    for field, limit in LIST_LIMITS.items():
        items = ranked.get(field, [])
        if field == "products" and items:
            items = [r for r in items if r[0] == items[0][0]]
        if field == "emails" and any(_on_domain(r[3].value, own) for r in items):
            items = [r for r in items if _on_domain(r[3].value, own)]
        values: list[str] = []
        for r in items:
            if r[3].value not in values:
                values.append(r[3].value)
        if field == "phones":  # one spelling: E.164, national numbers read in the company's country
            region = country_code(profile.hq_country) if profile.hq_country else ""
            values = e164_all(_distinct_numbers(values, profile.hq_country), region)
        if values:
            _set(profile, field, values[:limit], items[0][3].source)


def _distinct_numbers(numbers: list[str], country: str) -> list[str]:
    """Without a national spelling ("028112345678") of a number also listed internationally ("+4928112345678")."""
    region = country_code(country) if country else ""
    international = {n for n in numbers if n.startswith("+")}
    return [n for n in numbers if n.startswith("+") or not region or e164(n, region) not in international]


@cache
def _suffixes() -> tldextract.TLDExtract:
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def _site_domain(website: str) -> str:
    """The registrable domain ("acme.co.uk"); the last two labels for unlisted TLDs like ``.test``."""
    host = (urlsplit(website).hostname or "").lower().removeprefix("www.")
    if not host:
        return ""
    return _suffixes()(host).top_domain_under_public_suffix or ".".join(host.split(".")[-2:])


def _on_domain(email: str, domain: str) -> bool:
    return bool(domain) and (email.endswith("@" + domain) or email.endswith("." + domain))


def _classify(profile: CompanyProfile, pages: Sequence[PageExtraction]) -> None:
    home = pages[0].url
    text = "\n".join(p.text[:CLASSIFY_CHARS_PER_PAGE] for p in pages)
    title = " ".join([pages[0].title, profile.description, *pages[0].headings[:3]])
    named = _ranked(pages).get("industry")
    if named:  # a schema.org type that names the industry outright
        _set(profile, "industry", named[0][3].value, named[0][3].source)
    elif industry := classify_industry(text, title=title):
        _set(profile, "industry", industry, FieldSource(url=home, method=FieldMethod.CLASSIFIER))
    b2b, b2c = find_signals(text)
    model = classify_business_model(b2b, b2c)
    if model:
        _set(profile, "business_model", model, FieldSource(url=home, method=FieldMethod.CLASSIFIER))
        profile.business_model_signals = b2b + b2c
