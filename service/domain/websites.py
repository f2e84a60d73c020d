"""Web addresses in input cells: does a value look like one, is it allowed, its normal form.

Only ``http``/``https`` URLs and bare domains are accepted; any other scheme
(``javascript:``, ``file:``, ``data:``, ``ftp:``, ``mailto:``...) is refused.
Hosts are lower-cased and IDNs turned into punycode.

``website_identity`` is the site a URL belongs to, the key of the duplicate
rule: the host (without ``www.``) and a non-default port (two ports of one
host serve two sites), and nothing of the path — except on shared hosts,
where one host serves many unrelated sites under path prefixes
(``sites.google.com/view/NAME``, ``USER.github.io/PROJECT``,
``linktr.ee/NAME``...). ``SHARED_HOSTS`` is that small list: each entry is a
host (or ``.suffix`` for all its subdomains) and how many path segments name
one site there.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from urllib.parse import SplitResult, urlsplit, urlunsplit

import idna
import tldextract

from service.domain.errors import InputError
from service.domain.model import ErrorKind

_SCHEME_RE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):(?!\d)")
_LABEL_RE = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_TLD_RE = re.compile(r"^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$")
_QUICK_DOMAIN_RE = re.compile(r"^(?:https?://)?(?:www\.)?[^\s/@.]+(?:\.[^\s/@.]+)+(?::\d+)?(?:[/?#]\S*)?$", re.I)
_SOCIAL_HOSTS = (
    "linkedin.com",
    "twitter.com",
    "x.com",
    "facebook.com",
    "instagram.com",
    "youtube.com",
    "github.com",
    "crunchbase.com",
)


@functools.cache
def _extractor() -> tldextract.TLDExtract:
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def looks_like_website(value: str) -> bool:
    """True for values like ``https://acme.com/about``, ``www.acme.com`` or ``acme.co.uk``."""
    text = value.strip()
    if not text or not _QUICK_DOMAIN_RE.match(text):
        return False
    try:
        host = _host_of(normalize_website(text))
    except InputError:
        return False
    return _scheme_of(text) is not None or bool(_extractor()(host).suffix)


def is_social_profile(value: str) -> bool:
    """True when ``value`` points at a social network rather than a company's own site."""
    try:
        host = _host_of(normalize_website(value))
    except InputError:
        return False
    return any(host == h or host.endswith("." + h) for h in _SOCIAL_HOSTS)


MAX_URL_CHARS = 2048


def normalize_website(value: str) -> str:
    """``value`` as an absolute https/http URL with a lower-case (punycode) host.

    Raises:
        InputError: the scheme is not http/https (kind ``unsafe_url``) or the
            host is not a valid host name (kind ``invalid_input``).
    """
    text = value.strip()
    if not text:
        return ""
    scheme = _scheme_of(text)
    if scheme is None and "@" in text.split("/", 1)[0]:
        raise InputError(f"website {text[:80]!r} looks like an email address, not a web address")
    if scheme is None:
        text = "https://" + text.lstrip("/")
    elif scheme not in ("http", "https"):
        raise InputError(
            f"website {value.strip()[:80]!r} uses the {scheme}: scheme; only http and https are allowed",
            kind=ErrorKind.UNSAFE_URL,
        )
    if len(text) > MAX_URL_CHARS:
        raise InputError(f"website is {len(text):,} characters long; a web address has at most {MAX_URL_CHARS:,}")
    try:
        parts = urlsplit(text)
    except ValueError:
        raise InputError(f"website {value.strip()[:80]!r} is not a valid web address") from None
    if parts.username or parts.password:
        raise InputError("website must not contain a user name or password", kind=ErrorKind.UNSAFE_URL)
    host = _normal_host(parts.hostname or "", value)
    netloc = f"{host}:{parts.port}" if _keeps_port(parts) else host
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", parts.query, ""))


# A shared host (or ``.suffix``: any of its subdomains) → path segments that name one site on it.
SHARED_HOSTS: dict[str, int] = {
    "sites.google.com": 2,  # /view/NAME, /site/NAME
    ".github.io": 1,  # USER.github.io/PROJECT (the user's own site is USER.github.io itself)
    ".gitlab.io": 1,
    "linktr.ee": 1,
    ".wixsite.com": 1,  # USER.wixsite.com/SITE
    "github.com": 1,  # an organisation's page
    "gitlab.com": 1,
    "linkedin.com": 2,  # /company/NAME
    "facebook.com": 1,
    "instagram.com": 1,
    "twitter.com": 1,
    "x.com": 1,
    "youtube.com": 1,  # /@NAME (or /c/NAME, /channel/ID: see _CATEGORY_SEGMENTS)
    "medium.com": 1,
    "notion.site": 1,
    "about.me": 1,
}
_CATEGORY_SEGMENTS = frozenset({"c", "channel", "user", "company", "school", "showcase", "pages", "view", "site"})


def website_identity(url: str) -> str:
    """A key equal for the same site: host without ``www.``, a non-default port, a shared host's site path.

    ``acme.com``, ``https://www.acme.com/about`` and ``acme.com/en/`` are one
    site; ``acme.com:8080`` and ``acme.com:8081`` are two; so are
    ``sites.google.com/view/a`` and ``sites.google.com/view/b``.
    """
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.")
    try:
        port = parts.port
    except ValueError:
        port = None
    default = 443 if parts.scheme.lower() == "https" else 80
    key = f"{host}:{port}" if port is not None and port != default else host
    depth = _shared_depth(host)
    if not depth:
        return key
    segments = [segment.lower() for segment in parts.path.split("/") if segment][:4]
    if depth == 1 and segments and segments[0] in _CATEGORY_SEGMENTS:
        depth = 2  # youtube.com/c/NAME, facebook.com/pages/NAME
    return "/".join((key, *segments[:depth]))


def _shared_depth(host: str) -> int:
    """Path segments naming one site on ``host`` (0: the host is one site)."""
    for pattern, depth in SHARED_HOSTS.items():
        if host == pattern or host.endswith(pattern if pattern.startswith(".") else "." + pattern):
            return depth
    return 0


def _scheme_of(text: str) -> str | None:
    match = _SCHEME_RE.match(text)
    if not match:
        return None
    scheme = match.group(1).lower()
    if text[match.end() : match.end() + 2] == "//" or "." not in scheme:
        return scheme
    return None  # "acme.com:8080" style: a host with a port, no scheme


def _keeps_port(parts: SplitResult) -> bool:
    try:
        port = parts.port
    except ValueError as exc:
        raise InputError(f"website has an invalid port: {exc}") from None
    default = 443 if parts.scheme.lower() == "https" else 80
    return port is not None and port != default


def _host_of(url: str) -> str:
    return urlsplit(url).hostname or ""


def _normal_host(host: str, original: str) -> str:
    host = host.strip().rstrip(".").lower()
    if _is_ip(host) or host == "localhost":
        return f"[{host}]" if ":" in host else host
    try:
        ascii_host = idna.encode(host, uts46=True).decode("ascii") if host else ""
    except idna.IDNAError:
        ascii_host = ""
    labels = ascii_host.split(".")
    if len(labels) < 2 or not all(_LABEL_RE.match(lb) for lb in labels) or not _TLD_RE.match(labels[-1]):
        raise InputError(f"website {original.strip()[:80]!r} is not a valid host name (expected e.g. example.com)")
    return ascii_host


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
