"""Find a company's website from its name alone, and say why it is the one.

``candidate_domains("The Home Depot, Inc.", tlds, country="US")`` normalises
the name (``name_variants``: legal forms in many languages through
``cleanco`` plus a fallback list, leading articles, "&"/"and", accents and
German transliteration, parentheses, a name that is itself a domain) and
builds hosts from each variant (joined, hyphenated, initials, each
distinctive word) × TLDs, the country's ccTLD and ``.com`` first.

``SiteFinder.find`` asks the search provider first when one is configured
(its results' sites lead the candidates), fetches the candidate home pages
concurrently (bounded) and verifies each with the content check: its title,
``og:site_name`` or JSON-LD name must name the company. The best verified
site wins: an exact name beats a fuzzy one, a site the search found beats a
guessed one, then candidate order. Two verified sites of *different* names
(not the same brand on two TLDs) that are equally good → ``AmbiguousWebsite``
("needs review", naming both); none → ``NoWebsiteFound``. The answer
(``FoundSite``) carries the evidence, the search queries and their cost.
"""

from __future__ import annotations

import asyncio
import functools
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from urllib.parse import urlsplit

import tldextract
from cleanco import basename

from service.domain import FieldMethod, FieldSource
from service.domain.errors import AmbiguousWebsite, NoWebsiteFound, ResearchError
from service.domain.websites import is_social_profile
from service.research.extract import extract_page
from service.research.fetch import FetchedPage, SafeFetcher
from service.research.search.port import SearchAnswer, SearchProvider

DEFAULT_TLDS = (".com", ".io", ".co", ".net", ".org", ".de", ".fr", ".es", ".co.uk", ".eu")
MAX_CANDIDATES = 30  # home pages fetched per name at most (search results included): the old generator's maximum
SEARCH_RESULTS = 6
_LEGAL = re.compile(
    r"\b(inc|incorporated|ltd|limited|llc|llp|plc|corp|corporation|co|company|gmbh|ag|kg|ug|mbh|sas|sarl|sa"
    r"|s\.a|sl|s\.l|srl|spa|bv|nv|ab|oy|oyj|as|asa|aps|pty|se|e\.?\s?k|e\.?\s?v|kgaa)\b\.?",
    re.IGNORECASE,
)
_GROUPING = frozenset({"group", "groupe", "gruppe", "grupo", "gruppo", "holding", "holdings", "international"})
_ARTICLES = frozenset({"the", "le", "la", "les", "l", "der", "die", "das", "el", "los", "las", "il", "lo", "de", "het"})
_JOINERS = frozenset({"and", "und", "et", "y", "e", "of", "for", "de", "des", "du", "der", "von", "van"})
# Words that describe a business rather than name it (dropped at the end of a name for one more candidate).
_GENERIC = frozenset(
    "industries industry technologies technology tech services service solutions systems sistemas capital partners"
    " resources brands foods pharmaceuticals pharmaceutical therapeutics healthcare financial bancorp realty"
    " properties reit trust enterprises worldwide global hotels resorts company corporation corp inc holdings"
    " holding group international pizza produce labs laboratories".split()
)
_SHORT = {  # the short forms companies use in their domains
    "pharmaceuticals": "pharma",
    "pharmaceutical": "pharma",
    "technologies": "tech",
    "technology": "tech",
    "international": "intl",
    "laboratories": "labs",
    "corporation": "corp",
    "communications": "comms",
    "management": "mgmt",
    "systems": "sys",
    "incorporated": "inc",
}
_SUFFIXES = ("group", "corp", "inc", "plc", "company", "holdings")
_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})
_DOMAIN_NAME = re.compile(r"^[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}$")
# Second-level registrations where companies sit under a ccTLD (example.co.uk, not example.uk).
_CC_SECOND_LEVEL = {
    "gb": (".co.uk", ".uk"),
    "jp": (".co.jp", ".jp"),
    "au": (".com.au",),
    "nz": (".co.nz",),
    "za": (".co.za",),
    "br": (".com.br",),
    "in": (".co.in", ".in"),
    "mx": (".com.mx", ".mx"),
    "ar": (".com.ar",),
    "tr": (".com.tr",),
    "cn": (".cn", ".com.cn"),
    "kr": (".co.kr", ".kr"),
    "il": (".co.il",),
    "us": (".com", ".us"),
}
# Sites that talk about companies without being theirs: never a company's own website.
NOT_COMPANY_SITES = (
    "wikipedia.org",
    "wikidata.org",
    "bloomberg.com",
    "crunchbase.com",
    "zoominfo.com",
    "dnb.com",
    "glassdoor.com",
    "indeed.com",
    "yelp.com",
    "google.com",
    "bing.com",
    "reuters.com",
    "forbes.com",
    "opencorporates.com",
    "northdata.com",
    "companieshouse.gov.uk",
    "find-and-update.company-information.service.gov.uk",
    "pitchbook.com",
    "cbinsights.com",
    "owler.com",
    "apollo.io",
    "rocketreach.co",
    "yahoo.com",
    "marketscreener.com",
)
MATCH_THRESHOLD = 0.85


@dataclass(frozen=True)
class SiteEvidence:
    """Why a site is the company's: its page, the name it claims, and how it was found."""

    url: str  # the home page's final URL
    claimed: str  # the title / og:site_name / JSON-LD name that names the company
    exact: bool  # the claimed name is the company's name (not just similar)
    searched: bool  # the search provider named this site
    order: int  # position among the candidates (lower: preferred)

    @property
    def score(self) -> tuple[bool, bool]:
        return (self.exact, self.searched)

    @property
    def source(self) -> FieldSource:
        return FieldSource(url=self.url, method=FieldMethod.SEARCH if self.searched else FieldMethod.URL)


@dataclass
class FoundSite:
    url: str
    evidence: SiteEvidence
    checked: int = 0  # candidate home pages fetched


@dataclass
class SearchSpend:
    """What the search provider cost while finding one site (kept even when no site is found)."""

    queries: int = 0
    cost_usd: float = 0.0
    answers: list[SearchAnswer] = field(default_factory=list)


# --- names -----------------------------------------------------------------------------------


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", _ascii(text).replace("&", " and ").replace("'", "").replace("’", ""))


def _strip_legal(name: str) -> str:
    name = re.sub(r"\([^)]*\)", " ", name)  # "Wendel (Beteiligungsgesellschaft)"
    try:
        cleaned = basename(name) or name
    except Exception:  # cleanco on odd input; the fallback list still applies
        cleaned = name
    return _LEGAL.sub(" ", cleaned)


def name_words(name: str) -> list[str]:
    """Lower-case ASCII words of a company name without legal forms, a leading article or grouping words."""
    words = _words(_strip_legal(name))
    while len(words) > 1 and words[0] in _ARTICLES:
        words = words[1:]
    core = [w for w in words if w not in _GROUPING]
    return core or words


def name_variants(name: str) -> list[list[str]]:
    """Word lists to build hosts from, most likely first: the core name, with "and" dropped, with grouping words."""
    variants = [name_words(name)]
    german = name.translate(_GERMAN)
    if german != name:
        variants.append(name_words(german))
    variants.append([w for w in variants[0] if w not in _JOINERS])
    full = [w for w in _words(_strip_legal(name)) if w not in _ARTICLES or len(_words(name)) == 1]
    variants.append(full)  # "Spirax Group" → spiraxgroup
    unique: dict[tuple[str, ...], None] = {}
    for words in variants:
        if words:
            unique.setdefault(tuple(words), None)
    return [list(words) for words in unique]


def _bases(name: str) -> list[str]:
    """Host names (without TLD) for ``name``, most likely first."""
    variants = name_variants(name)
    bases: list[str] = []
    for words in variants:
        bases += ["".join(words), "-".join(words)]
    core = [w for w in variants[0] if w not in _JOINERS]
    short = [_SHORT.get(w, w) for w in core]
    plain = _without_generic(core)
    one_less = core[:-1] if len(core) > 1 and core[-1] in _GENERIC else core
    bases += ["".join(short), "".join(plain), "".join(_SHORT.get(w, w) for w in one_less)]
    brand = "".join(plain or core)
    bases += [brand + suffix for suffix in _SUFFIXES]  # hnicorp, mondigroup, ihgplc, firstenergycorp
    if len(core) >= 2:
        bases.append("".join(w[0] for w in core))  # initials: "Procter & Gamble" → pg
    distinctive = [w for w in core if len(w) >= 4 and w not in _GENERIC]
    if len(core) > 1:
        bases += distinctive  # each distinctive word: "Deutsche Bahn" → bahn
    return [b for b in dict.fromkeys(bases) if len(b) >= 2]


def _without_generic(words: list[str]) -> list[str]:
    """``words`` without trailing business descriptors ("PPG Industries" → ppg), never empty unless ``words`` is."""
    kept = list(words)
    while len(kept) > 1 and kept[-1] in _GENERIC:
        kept.pop()
    return kept


def country_tlds(country: str) -> tuple[str, ...]:
    """The TLDs companies of ``country`` (a name or ISO code, in English) register under; () if unknown."""
    text = country.strip()
    if not text:
        return ()
    import pycountry

    try:
        code = pycountry.countries.lookup(text).alpha_2.lower()
    except LookupError:
        return ()
    return _CC_SECOND_LEVEL.get(code, (f".{code}",))


def candidate_domains(name: str, tlds: Sequence[str], *, country: str = "") -> list[str]:
    """Hosts to try for ``name``: a name that is a domain first, then bases × TLDs (the country's first)."""
    own = _ascii(name).strip().rstrip(".")
    first = [own.removeprefix("www.")] if _DOMAIN_NAME.match(own) else []
    bases = _bases(name)
    if not bases:
        return first
    preferred = list(dict.fromkeys([*country_tlds(country), *(t for t in tlds if t == ".com")]))
    rest = [t for t in tlds if t not in preferred]
    hosts = [f"{base}{tld}" for base in bases for tld in preferred]
    hosts += [f"{base}{tld}" for base in bases[:2] for tld in rest]
    hosts += [f"{base}{tld}" for base in bases[2:] for tld in rest]
    return list(dict.fromkeys([*first, *hosts]))


def names_match(name: str, claimed: str) -> bool:
    """True when ``claimed`` (a title or site name) names the company."""
    return _match(name, claimed) > 0


def _match(name: str, claimed: str) -> int:
    """2: ``claimed`` is the name; 1: it contains it or is very close; 0: no."""
    have = " ".join(name_words(claimed))
    if not have:
        return 0
    best = 0
    for words in name_variants(name):
        want = " ".join(words)
        if not want:
            continue
        if want == have or want.replace(" ", "") == have.replace(" ", ""):
            return 2
        if re.search(rf"\b{re.escape(want)}\b", have) or SequenceMatcher(None, want, have).ratio() >= MATCH_THRESHOLD:
            best = 1
    return best


def country_of(extra: Mapping[str, str]) -> str:
    """The row's country cell (a column named like "Country", "HQ country", "Land", "Pays", "País")."""
    for column, value in extra.items():
        if re.search(r"\b(country|land|pays|pa[ií]s|paese|staat)\b", column, re.IGNORECASE) and value.strip():
            return value.strip()
    return ""


# --- finding -------------------------------------------------------------------------------


class SiteFinder:
    def __init__(
        self,
        *,
        tlds: Sequence[str] = DEFAULT_TLDS,
        scheme: str = "https",
        port: int | None = None,
        search: SearchProvider | None = None,
        concurrency: int = 4,
        max_candidates: int = MAX_CANDIDATES,
    ) -> None:
        self.tlds = tuple(tlds)
        self.scheme = scheme
        self.port = port
        self.search = search
        self.concurrency = concurrency
        self.max_candidates = max_candidates

    def _home(self, host: str) -> str:
        suffix = f":{self.port}" if self.port else ""
        return f"{self.scheme}://{host}{suffix}/"

    def searched_hosts(self, name: str, country: str, spend: SearchSpend) -> list[str]:
        """Sites the search provider names for the company (none without a provider)."""
        if self.search is None:
            return []
        query = f'official website of the company "{name}"' + (f" ({country})" if country else "")
        answer = self.search.search(query, max_results=SEARCH_RESULTS)
        spend.queries += answer.queries
        spend.cost_usd += answer.cost_usd
        spend.answers.append(answer)
        hosts = [r.host for r in answer.results if r.host and _company_site(r.host)]
        return list(dict.fromkeys(hosts))

    def candidate_urls(self, name: str, *, country: str = "", searched: Sequence[str] = ()) -> list[str]:
        guessed = candidate_domains(name, self.tlds, country=country)
        hosts = list(dict.fromkeys([*searched, *guessed]))[: self.max_candidates]
        return [self._home(host) for host in hosts]

    async def find(
        self,
        name: str,
        fetcher: SafeFetcher,
        *,
        attempt: int = 1,
        country: str = "",
        spend: SearchSpend | None = None,
    ) -> FoundSite:
        """The company's verified home page, with its evidence; raises ``NoWebsiteFound`` / ``AmbiguousWebsite``.

        ``spend`` collects the search queries and their cost (also when no
        site is found). A search that fails (quota, key, timeout) raises its
        error: the row is retried or fails with that reason, rather than
        quietly guessing.
        """
        spend = spend if spend is not None else SearchSpend()
        searched = await asyncio.to_thread(self.searched_hosts, name, country, spend)
        urls = self.candidate_urls(name, country=country, searched=searched)
        from_search = {self._home(host) for host in searched}
        pages = await self._fetch_all(urls, fetcher, attempt)
        verified = [
            evidence
            for order, (url, page) in enumerate(zip(urls, pages, strict=True))
            if page is not None and (evidence := _evidence(page, name, url in from_search, order)) is not None
        ]
        best = _best(verified, name, len(urls))
        return FoundSite(best.url, best, checked=len(urls))

    async def _fetch_all(self, urls: list[str], fetcher: SafeFetcher, attempt: int) -> list[FetchedPage | None]:
        gate = asyncio.Semaphore(self.concurrency)

        async def probe(url: str) -> FetchedPage | None:
            async with gate:
                try:
                    return await fetcher.fetch(url, attempt=attempt)
                except ResearchError:
                    return None

        return list(await asyncio.gather(*(probe(url) for url in urls)))


def _company_site(host: str) -> bool:
    if any(host == site or host.endswith("." + site) for site in NOT_COMPANY_SITES):
        return False
    return not is_social_profile(f"https://{host}/")


def _evidence(page: FetchedPage, name: str, searched: bool, order: int) -> SiteEvidence | None:
    extraction = extract_page(page.final_url, page.text, page.headers)
    claims = [*extraction.names, extraction.title, *re.split(r"\s[|\-–—:·]\s", extraction.title)]
    scored = [(_match(name, claim), claim) for claim in claims if claim]
    strength, claim = max(scored, default=(0, ""), key=lambda item: item[0])
    if strength == 0:
        return None
    return SiteEvidence(page.final_url, claim.strip(), strength == 2, searched, order)


def _brand(url: str) -> str:
    """The site's registered name without its suffix: acme.com, www.acme.de and shop.acme.co.uk are one brand."""
    host = (urlsplit(url).hostname or url).lower()
    parts = _suffixes()(host)
    if parts.suffix and parts.domain:
        return str(parts.domain)
    labels = host.split(".")  # a suffix outside the public list (the fixture web's .test)
    return labels[-2] if len(labels) >= 2 else host


@functools.cache
def _suffixes() -> tldextract.TLDExtract:
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)  # the bundled list: no download


def _best(verified: list[SiteEvidence], name: str, checked: int) -> SiteEvidence:
    if not verified:
        raise NoWebsiteFound(f"no website found for {name!r} ({checked} candidates checked)")
    top = max(evidence.score for evidence in verified)
    best = sorted((e for e in verified if e.score == top), key=lambda e: e.order)
    rivals = list({_brand(e.url): e for e in reversed(best)}.values())
    if len(rivals) > 1:
        first, second = sorted(rivals, key=lambda e: e.order)[:2]
        raise AmbiguousWebsite(
            f"needs review: two websites name {name!r} equally well — {first.url} ({first.claimed!r}) and "
            f"{second.url} ({second.claimed!r}); put the right one in the website column"
        )
    return best[0]
