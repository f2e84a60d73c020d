"""Run the research engine and the baseline over the real-web corpus on loopback.

``run(researcher_kind, sites, hosts)`` serves the corpus with ``RealWeb`` and
researches every host from its home page URL (no company name: the sites are
found by URL, as a sheet row with a website column would give them).

* ``engine``: the shipped ``WebResearcher`` built by ``bootstrap.build_researcher``.
* ``baseline``: a fair competitor over the *same pages* (the same crawler):
  extruct's JSON-LD / microdata / OpenGraph (organisation description, address
  locality and country, founding date, email, telephone, logo), the meta
  description, ``<html lang>``, ``mailto:``/``tel:`` links and links to social
  profiles.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import extruct
from selectolax.lexbor import LexborHTMLParser

from service.bootstrap import build_researcher
from service.config import FetchConfig, Settings
from service.domain import CompanyInput, ResearchOptions
from service.research.fetch import FetchSettings, SafeFetcher, SiteCrawler
from tests.realweb.web import RealResolver, RealWeb

HERE = Path(__file__).parent
LABELS: dict[str, Any] = json.loads((HERE / "labels.json").read_text(encoding="utf-8"))
TIMEOUT = 30.0
THREADS = 8
Result = dict[str, Any]


def hosts_of(split: str) -> list[str]:
    """The hosts of one half ("dev" / "test"), or all ("all")."""
    return sorted(h for h, e in LABELS.items() if split in ("all", e["split"]))


def run(kind: str, sites: Path, hosts: list[str]) -> dict[str, Result]:
    """host → filled fields (and ``error`` when research failed) for ``kind`` in ("engine", "baseline")."""
    with RealWeb(sites) as web:
        research = _engine(web) if kind == "engine" else _baseline(web)
        with ThreadPoolExecutor(THREADS) as pool:
            return dict(zip(hosts, pool.map(lambda h: research(web.url(h)), hosts), strict=True))


def _engine(web: RealWeb) -> Callable[[str], Result]:
    settings = Settings(fetch=FetchConfig(allow_loopback=True))
    researcher = build_researcher(settings, resolver=web.resolver())

    def research(url: str) -> Result:
        outcome = researcher.research(CompanyInput(name="", website=url), ResearchOptions(timeout=TIMEOUT))
        found: Result = {f: outcome.profile.value(f) for f in outcome.profile.filled_fields()}
        if outcome.error_kind:
            found["error"] = outcome.error_kind.value
        return found

    return research


def _baseline(web: RealWeb) -> Callable[[str], Result]:
    resolver = web.resolver()
    return lambda url: asyncio.run(_baseline_one(url, resolver))


async def _baseline_one(url: str, resolver: RealResolver) -> Result:
    settings = FetchSettings(allow_loopback=True)
    async with SafeFetcher(settings, resolver=resolver) as fetcher:
        crawl = await SiteCrawler(fetcher, settings).crawl(url)
    found: Result = {}
    for page in crawl.pages:
        _baseline_page(page.final_url, page.text, found)
    return found


_SOCIAL = re.compile(r"^https?://(?:www\.|m\.)?(linkedin|twitter|x|facebook|instagram|youtube|github)\.com/", re.I)
_NETWORK = {"x": "twitter"}
_ORG = re.compile(r"(Organization|Business|Store|Restaurant|Service|Company|Corporation|Agency|Attorney|Clinic)$")


def _baseline_page(url: str, html: str, found: Result) -> None:
    data = extruct.extract(
        html, base_url=url, syntaxes=["json-ld", "microdata", "opengraph"], uniform=True, errors="ignore"
    )
    for node in _nodes(data.get("json-ld", []) + data.get("microdata", [])):
        types = node.get("@type", [])
        if any(_ORG.search(str(t)) for t in (types if isinstance(types, list) else [types])):
            _organization(node, url, found)
    for item in data.get("opengraph", []):
        if isinstance(item, dict) and item.get("og:description"):
            found.setdefault("description", str(item["og:description"]))
    tree = LexborHTMLParser(html)
    meta = tree.css_first('meta[name="description"]')
    if meta is not None and meta.attributes.get("content"):
        found.setdefault("description", str(meta.attributes["content"]))
    root = tree.css_first("html")
    if root is not None and root.attributes.get("lang"):
        found.setdefault("language", str(root.attributes["lang"]).split("-")[0].lower())
    for node in tree.css("a[href]"):
        href = (node.attributes.get("href") or "").strip()
        if href.lower().startswith("mailto:"):
            _add(found, "emails", unquote(href[7:].split("?")[0]).strip().lower())
        elif href.lower().startswith("tel:"):
            _add(found, "phones", unquote(href[4:]).strip())
        elif match := _SOCIAL.match(href):
            network = match.group(1).lower()
            found.setdefault(_NETWORK.get(network, network), href)


def _nodes(items: list[Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for item in items:
        if isinstance(item, dict):
            out.append(item)
            out.extend(_nodes(item.get("@graph", []) if isinstance(item.get("@graph"), list) else []))
        elif isinstance(item, list):
            out.extend(_nodes(item))
    return out


def _text(value: Any) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, dict):
        value = value.get("name") or value.get("url") or value.get("@value") or ""
    return str(value).strip() if isinstance(value, str | int | float) else ""


def _organization(node: dict[str, Any], url: str, found: Result) -> None:
    if _text(node.get("description")):
        found.setdefault("description", _text(node.get("description")))
    year = re.search(r"\b(1[89]\d\d|20\d\d)\b", _text(node.get("foundingDate")))
    if year:
        found.setdefault("founded_year", int(year.group(1)))
    address = node.get("address")
    address = address[0] if isinstance(address, list) and address else address
    if isinstance(address, dict):
        if _text(address.get("addressLocality")) and "hq_city" not in found:
            found["hq_city"] = _text(address.get("addressLocality"))
            found["hq_country"] = _text(address.get("addressCountry"))
    for email in node.get("email", []) if isinstance(node.get("email"), list) else [node.get("email")]:
        if _text(email):
            _add(found, "emails", _text(email).removeprefix("mailto:").lower())
    for phone in node.get("telephone", []) if isinstance(node.get("telephone"), list) else [node.get("telephone")]:
        if _text(phone):
            _add(found, "phones", _text(phone))
    logo = node.get("logo")
    logo_url = _text(logo.get("url") if isinstance(logo, dict) else logo)
    if logo_url:
        found.setdefault("logo_url", urljoin(url, logo_url))


def _add(found: Result, name: str, value: str) -> None:
    values = found.setdefault(name, [])
    if value and value not in values:
        values.append(value)


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").removeprefix("www.")
