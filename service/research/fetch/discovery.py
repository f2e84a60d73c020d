"""Page discovery: which pages of a company's site are worth fetching after the homepage.

Candidates come from the homepage's links and from sitemap URLs. Each is
scored by keywords in its path and anchor text (English, German, French,
Spanish, Italian, Dutch) for about/company, contact, imprint/legal, team,
products/services, pricing and careers pages; only same-site (same
registrable domain), robots-allowed, non-file URLs with a positive score are
kept. The best page of each kind is picked first, then the rest by score.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

import tldextract
from selectolax.lexbor import LexborHTMLParser

from service.research.markup import MAX_LINKS, bound_html

# kind → (weight, path slugs, anchor-text phrases); all accent-free and lower case.
PAGE_KINDS: dict[str, tuple[int, tuple[str, ...], tuple[str, ...]]] = {
    "about": (
        10,
        ("about", "about-us", "company", "who-we-are", "our-story", "ueber-uns", "uber-uns", "unternehmen",
         "a-propos", "qui-sommes-nous", "quienes-somos", "sobre-nosotros", "empresa", "chi-siamo",
         "azienda", "over-ons", "nosotros", "entreprise", "societe"),
        ("about", "about us", "who we are", "our story", "company", "uber uns", "ueber uns", "unternehmen",
         "a propos", "qui sommes nous", "quienes somos", "sobre nosotros", "empresa", "chi siamo"),
    ),
    "contact": (
        9,
        ("contact", "contact-us", "kontakt", "contacto", "contatti", "contactez-nous", "nous-contacter"),
        ("contact", "contact us", "kontakt", "contacto", "contactez nous", "contatti", "get in touch"),
    ),
    "imprint": (
        8,
        ("imprint", "impressum", "mentions-legales", "aviso-legal", "legal-notice", "legal", "colofon"),
        ("imprint", "impressum", "mentions legales", "aviso legal", "legal notice", "legal"),
    ),
    "team": (
        6,
        ("team", "our-team", "leadership", "management", "people", "equipe", "equipo", "founders"),
        ("team", "our team", "leadership", "management", "equipe", "equipo", "founders"),
    ),
    "products": (
        5,
        ("products", "product", "services", "solutions", "produkte", "leistungen", "produits",
         "productos", "servicios", "platform", "features", "what-we-do"),
        ("products", "services", "solutions", "produkte", "leistungen", "produits", "productos",
         "servicios", "platform", "features", "what we do"),
    ),
    "pricing": (
        5,
        ("pricing", "prices", "plans", "preise", "tarifs", "precios"),
        ("pricing", "prices", "plans", "preise", "tarifs", "precios"),
    ),
    "careers": (
        4,
        ("careers", "career", "jobs", "karriere", "carrieres", "empleo", "trabaja-con-nosotros", "join-us"),
        ("careers", "jobs", "karriere", "carrieres", "empleo", "join us", "we are hiring"),
    ),
}  # fmt: skip
SKIP_EXTENSIONS = frozenset(
    ".pdf .jpg .jpeg .png .gif .svg .webp .zip .gz .doc .docx .xls .xlsx .ppt .pptx .mp4 .mp3 .css .js .xml "
    ".json .ics .dmg .exe".split()
)
_PAGE_SUFFIX = re.compile(r"\.(html?|php|aspx?|jsp)$")
_LOC = re.compile(r"<loc>\s*([^<\s]+)\s*</loc>", re.IGNORECASE)
_extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


@dataclass(frozen=True)
class Candidate:
    url: str
    kind: str
    score: int


def fold(text: str) -> str:
    """Lower case, accents removed, separators collapsed to single spaces."""
    plain = unicodedata.normalize("NFKD", text.lower().replace("ß", "ss"))
    plain = plain.encode("ascii", "ignore").decode("ascii")
    return " ".join(re.split(r"[^a-z0-9]+", plain)).strip()


@lru_cache(maxsize=4096)
def registrable_domain(host: str) -> str:
    """``shop.acme.co.uk`` → ``acme.co.uk``; hosts without a public suffix keep their last two labels."""
    host = host.lower().rstrip(".")
    parts = _extract(host)
    if parts.suffix and parts.domain:
        return f"{parts.domain}.{parts.suffix}"
    return ".".join(host.split(".")[-2:])


def same_site(url: str, home_url: str) -> bool:
    a, b = urlsplit(url).hostname or "", urlsplit(home_url).hostname or ""
    return bool(a) and registrable_domain(a) == registrable_domain(b)


def normalise(url: str) -> str:
    """Drop the fragment and a trailing slash (not the root's), so duplicates compare equal."""
    url = urldefrag(url)[0]
    parts = urlsplit(url)
    if parts.path not in ("", "/") and parts.path.endswith("/"):
        url = parts._replace(path=parts.path.rstrip("/")).geturl()
    return url


def page_links(page_html: str, base_url: str) -> list[tuple[str, str]]:
    """``(absolute url, anchor text)`` for the first ``MAX_LINKS`` ``<a href>`` pointing at http(s) URLs.

    The page is bounded first (``markup.bound_html``): parsing cost stays linear.
    """
    tree = LexborHTMLParser(bound_html(page_html))
    base = tree.css_first("base[href]")
    base_url = urljoin(base_url, base.attributes.get("href") or "") if base is not None else base_url
    links: list[tuple[str, str]] = []
    for anchor in tree.css("a[href]"):
        if len(links) >= MAX_LINKS:
            break
        href = (anchor.attributes.get("href") or "").strip()
        absolute = urljoin(base_url, href)
        if urlsplit(absolute).scheme in ("http", "https"):
            text = anchor.text(separator=" ", strip=True) or anchor.attributes.get("title") or ""
            links.append((absolute, text))
    return links


def sitemap_locations(xml_text: str) -> tuple[list[str], bool]:
    """The ``<loc>`` URLs of a sitemap, and whether it is a sitemap index."""
    locations = [html.unescape(loc) for loc in _LOC.findall(xml_text)]
    return locations, "<sitemapindex" in xml_text[:2000].lower()


def _path_slugs(url: str) -> list[str]:
    path = unquote(urlsplit(url).path).lower()
    return [fold(_PAGE_SUFFIX.sub("", seg)).replace(" ", "-") for seg in path.split("/") if seg]


def score(url: str, text: str = "") -> Candidate | None:
    """The best kind and score of a URL (with its anchor text), or None if it is not useful."""
    last = urlsplit(url).path.rsplit("/", 1)[-1].lower()
    if "." in last and "." + last.rsplit(".", 1)[-1] in SKIP_EXTENSIONS:
        return None
    slugs = _path_slugs(url)
    if not slugs:
        return None
    folded_text = f" {fold(text)} "
    best: Candidate | None = None
    for kind, (weight, path_words, text_words) in PAGE_KINDS.items():
        points = 0
        if any(_slug_matches(slug, word) for slug in slugs for word in path_words):
            points += weight
        if any(f" {phrase} " in folded_text for phrase in text_words):
            points += weight // 2 + 1
        if points:
            points -= 2 * (len(slugs) - 1) + (1 if urlsplit(url).query else 0)
            if points > 0 and (best is None or points > best.score):
                best = Candidate(normalise(url), kind, points)
    return best


def _slug_matches(slug: str, word: str) -> bool:
    return slug == word or slug.startswith(word + "-") or (("-" not in word) and word in slug.split("-"))


def pick_pages(
    home_url: str,
    links: Iterable[tuple[str, str]],
    sitemap_urls: Iterable[str],
    *,
    limit: int,
    allowed: Callable[[str], bool] = lambda url: True,
) -> list[Candidate]:
    """Up to ``limit`` pages: the best of each kind first, then the rest by score."""
    found: dict[str, Candidate] = {}
    seen_home = {normalise(home_url)}
    for url, text in [*links, *((u, "") for u in sitemap_urls)]:
        candidate = score(url, text)
        if candidate is None or candidate.url in seen_home or not same_site(url, home_url):
            continue
        if not allowed(candidate.url):
            continue
        if candidate.url not in found or candidate.score > found[candidate.url].score:
            found[candidate.url] = candidate
    ranked = sorted(found.values(), key=lambda c: (-c.score, len(c.url), c.url))
    firsts: dict[str, Candidate] = {}
    for candidate in ranked:
        firsts.setdefault(candidate.kind, candidate)
    chosen = list(firsts.values()) + [c for c in ranked if c not in firsts.values()]
    return chosen[: max(0, limit)]
