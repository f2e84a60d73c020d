"""Company social profiles from links: LinkedIn company pages, X/Twitter, Facebook...

Only profiles count — share buttons, intents, posts, hashtags and login pages
do not. ``social_profile(url)`` returns ``(network, canonical_url)`` or None.
A profile next to a web designer's credit ("design by", "website by",
"réalisation", "diseño web", "gemaakt door"...) gets ``CREDITED_RANK``: the
merge ignores it unless its handle names the company (a small footer may hold
both the company's profiles and the designer's credit).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urljoin, urlsplit

from service.domain import FieldMethod
from service.research.extract.candidates import Candidate, candidate
from service.research.extract.document import Document

# a web designer's credit, in several languages; a profile link near one is the designer's
_CREDIT = re.compile(
    r"\b(?:(?:web ?)?design(?:ed)?(?: and developed)? by|website by|site by|made by|developed by|built by"
    r"|webdesign|web design|réalis(?:é|ée|ation)|con(?:ç|c)u par|création(?: du site)?|site réalisé"
    r"|diseñ(?:o|ado)(?: web)?(?: por)?|desarrollad[oa] por|realizzat[oa] da|realizzazione|sviluppato da"
    r"|gemaakt door|ontwerp(?: door)?|ontwikkeld door|erstellt von|umsetzung|gestaltung|entwickelt von"
    r"|desenvolvid[oa] por|criad[oa] por)\b",
    re.I,
)
CREDITED_RANK = 9  # a profile link next to a designer's credit
_CREDIT_LEVELS = 5  # ancestors looked at around a profile link
_CREDIT_TEXT = 250  # an ancestor with more text than this is a whole footer, not a credit line
_HANDLE = re.compile(r"^[A-Za-z0-9_.\-]{2,80}$")
_TWITTER_RESERVED = {
    "share",
    "intent",
    "home",
    "hashtag",
    "search",
    "i",
    "login",
    "signup",
    "explore",
    "settings",
}
_FACEBOOK_RESERVED = {
    "sharer",
    "sharer.php",
    "share.php",
    "dialog",
    "plugins",
    "tr",
    "login",
    "groups",
    "events",
}
_INSTAGRAM_RESERVED = {"p", "explore", "accounts", "reel", "stories"}
_GITHUB_RESERVED = {
    "features",
    "login",
    "join",
    "about",
    "pricing",
    "sponsors",
    "marketplace",
    "topics",
    "orgs",
}


def social_profile(url: str) -> tuple[str, str] | None:
    """``("linkedin", "https://www.linkedin.com/company/acme")`` for a company profile URL, else None."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https"):
        return None
    host = (parts.hostname or "").lower().removeprefix("www.").removeprefix("m.")
    segments = [s for s in parts.path.split("/") if s]
    if not segments:
        return None
    for network, rule in _RULES.items():
        if host in rule[0]:
            path = rule[1](segments)
            return (network, f"https://{rule[0][0]}/{path}") if path else None
    return None


def _linkedin(segments: list[str]) -> str | None:
    if len(segments) >= 2 and segments[0] in ("company", "school", "showcase") and _HANDLE.match(segments[1]):
        return f"{segments[0]}/{segments[1]}"
    return None


Rule = Callable[[list[str]], str | None]


def _single(reserved: set[str]) -> Rule:
    def rule(segments: list[str]) -> str | None:
        first = segments[0]
        if first.lower() in reserved or not _HANDLE.match(first) or first.endswith(".php"):
            return None
        return first if len(segments) == 1 or first.startswith("@") else None

    return rule


def _youtube(segments: list[str]) -> str | None:
    if segments[0].startswith("@") and _HANDLE.match(segments[0][1:]):
        return segments[0]
    if len(segments) >= 2 and segments[0] in ("channel", "c", "user") and _HANDLE.match(segments[1]):
        return f"{segments[0]}/{segments[1]}"
    return None


def _crunchbase(segments: list[str]) -> str | None:
    if len(segments) >= 2 and segments[0] == "organization" and _HANDLE.match(segments[1]):
        return f"organization/{segments[1]}"
    return None


_RULES: dict[str, tuple[tuple[str, ...], Rule]] = {
    "linkedin": (("linkedin.com",), _linkedin),
    "twitter": (("x.com", "twitter.com"), _single(_TWITTER_RESERVED)),
    "facebook": (("facebook.com", "fb.com"), _single(_FACEBOOK_RESERVED)),
    "instagram": (("instagram.com",), _single(_INSTAGRAM_RESERVED)),
    "youtube": (("youtube.com",), _youtube),
    "github": (("github.com",), _single(_GITHUB_RESERVED)),
    "crunchbase": (("crunchbase.com",), _crunchbase),
}


def extract_social(doc: Document) -> list[Candidate]:
    """One candidate per profile link; links in the footer rank first."""
    footer = _footer_hrefs(doc)
    credited = _credited_hrefs(doc)
    out = []
    for link in doc.links:
        profile = social_profile(link.href)
        if profile:
            rank = CREDITED_RANK if link.href in credited else 0 if link.href in footer else 1
            out.append(candidate(profile[0], profile[1], doc.url, FieldMethod.LINK, rank))
    return out


def _footer_hrefs(doc: Document) -> set[str]:
    return {urljoin(doc.url, (n.attributes.get("href") or "").strip()) for n in doc.tree.css("footer a[href]")}


def _credited_hrefs(doc: Document) -> set[str]:
    """Profile links whose short surrounding block credits a web designer."""
    out = set()
    for node in doc.tree.css("a[href]"):
        href = urljoin(doc.url, (node.attributes.get("href") or "").strip())
        if not social_profile(href):
            continue
        parent = node.parent
        for _level in range(_CREDIT_LEVELS):
            if parent is None or parent.tag in ("body", "html"):
                break
            text = parent.text(separator=" ")
            if len(text) > _CREDIT_TEXT * 4 or len(" ".join(text.split())) > _CREDIT_TEXT:
                break
            if _CREDIT.search(text):
                out.add(href)
                break
            parent = parent.parent
    return out
