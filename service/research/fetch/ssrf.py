"""The SSRF guard: parse a URL strictly, resolve its host, refuse any non-public address.

``parse_target`` accepts only ``http``/``https`` URLs with a host and no
userinfo, normalises the host (IDNA, lower case, no trailing dot) and reads IP
literals the way browsers and ``inet_aton`` do (``2130706433``, ``0x7f000001``,
``0177.0.0.1``, ``127.1``). ``vet`` resolves the host and refuses the URL if
ANY address is private, loopback, link-local (incl. 169.254.169.254),
multicast, reserved, unspecified, CGNAT, ULA, or an IPv6 form embedding such
an IPv4 address (mapped, 6to4, Teredo, NAT64). The vetted address is returned
so the fetcher connects to exactly it (DNS pinning: no rebinding between check
and connect). ``allow_loopback`` lets 127.0.0.0/8 and ::1 through, nothing else.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import idna

from service.domain.errors import UnsafeUrlError
from service.research.fetch.resolver import Resolver

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

BLOCKED_NAMES = frozenset({"localhost", "metadata", "metadata.google.internal", "metadata.goog"})
BLOCKED_SUFFIXES = (".localhost", ".internal")
DEFAULT_PORTS = {"http": 80, "https": 443}
_NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$", re.IGNORECASE)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_FORBIDDEN_CHARS = re.compile(r"[\s\\\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Target:
    """A parsed, normalised URL."""

    url: str  # normalised (IDNA host, default path "/")
    scheme: str
    host: str  # IDNA ASCII host, or the canonical IP for literals
    port: int
    path: str  # path + "?" + query
    ip: IPAddress | None  # set when the host is an IP literal

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"


@dataclass(frozen=True)
class VettedTarget:
    target: Target
    address: str  # the vetted IP to connect to

    @property
    def connect_url(self) -> str:
        """The URL with the host replaced by the vetted IP (the ``Host`` header keeps the name)."""
        host = f"[{self.address}]" if ":" in self.address else self.address
        netloc = f"{host}:{self.target.port}"
        return urlunsplit((self.target.scheme, netloc, self.target.path, "", ""))


def _unsafe(url: str, why: str) -> UnsafeUrlError:
    return UnsafeUrlError(f"refused {url!r}: {why}")


def parse_ipv4_like(host: str) -> ipaddress.IPv4Address | None:
    """Parse ``host`` as ``inet_aton`` would (1–4 parts, hex/octal/decimal); None if not numeric.

    Raises ``ValueError`` when the host looks numeric but is not a valid address.
    """
    labels = host.split(".")
    if not labels or not _NUMERIC_LABEL.match(labels[-1]):
        return None
    if len(labels) > 4 or not all(_NUMERIC_LABEL.match(label) for label in labels):
        raise ValueError(f"malformed IPv4 address {host!r}")
    numbers = [_parse_number(label) for label in labels]
    *head, last = numbers
    if any(n > 255 for n in head) or last >= 256 ** (5 - len(numbers)):
        raise ValueError(f"IPv4 address out of range {host!r}")
    value = last
    for index, number in enumerate(head):
        value += number << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def _parse_number(label: str) -> int:
    if label.lower().startswith("0x"):
        return int(label[2:] or "0", 16)
    if len(label) > 1 and label.startswith("0"):
        return int(label, 8)
    return int(label)


def _normalise_name(url: str, host: str) -> str:
    host = host.rstrip(".").lower()
    if not host:
        raise _unsafe(url, "no host name")
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError as exc:
        raise _unsafe(url, "the host name is not a valid domain name") from exc


def _parse_host(url: str, raw_host: str) -> tuple[str, IPAddress | None]:
    if raw_host.startswith("["):
        if "%" in raw_host:
            raise _unsafe(url, "IPv6 zone identifiers are not allowed")
        try:
            ip6 = ipaddress.IPv6Address(raw_host.strip("[]"))
        except ValueError as exc:
            raise _unsafe(url, "malformed IPv6 address") from exc
        return str(ip6), ip6
    try:
        ip4 = parse_ipv4_like(raw_host.rstrip("."))
    except ValueError as exc:
        raise _unsafe(url, str(exc)) from exc
    if ip4 is not None:
        return str(ip4), ip4
    return _normalise_name(url, raw_host), None


def _split_netloc(url: str, netloc: str) -> tuple[str, str]:
    if "@" in netloc:
        raise _unsafe(url, "user names and passwords in URLs are not allowed")
    if netloc.startswith("["):
        host, _, rest = netloc.partition("]")
        return host + "]", rest.removeprefix(":")
    host, _, port = netloc.partition(":")
    return host, port


def parse_target(url: str) -> Target:
    """Parse ``url`` strictly; raises ``UnsafeUrlError`` for anything but a plain http(s) URL."""
    if _FORBIDDEN_CHARS.search(url.strip()):
        raise _unsafe(url, "the URL contains spaces, backslashes or control characters")
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        raise _unsafe(url, "malformed URL") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise _unsafe(url, "only http and https URLs can be fetched")
    raw_host, raw_port = _split_netloc(url, parts.netloc)
    if not raw_port.isdigit() and raw_port:
        raise _unsafe(url, "malformed port")
    port = int(raw_port) if raw_port else DEFAULT_PORTS[scheme]
    if not 0 < port < 65536:
        raise _unsafe(url, "port out of range")
    host, ip = _parse_host(url, raw_host)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    netloc = f"[{host}]" if ip is not None and ip.version == 6 else host
    if port != DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    normalised = urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))
    return Target(url=normalised, scheme=scheme, host=host, port=port, path=path, ip=ip)


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    embedded = [ip.ipv4_mapped, ip.sixtofour]
    if ip.teredo:
        embedded.extend(ip.teredo)
    if ip in _NAT64:
        embedded.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return [v4 for v4 in embedded if v4 is not None]


def forbidden_reason(ip: IPAddress, *, allow_loopback: bool = False) -> str | None:
    """Why connecting to ``ip`` is refused, or None when it is a public address."""
    if isinstance(ip, ipaddress.IPv6Address):
        for v4 in _embedded_ipv4(ip):
            reason = forbidden_reason(v4, allow_loopback=allow_loopback)
            if reason:
                return f"{reason} (embedded in {ip})"
    if ip.is_loopback:
        return None if allow_loopback else "loopback address"
    checks = (
        (ip.is_unspecified, "unspecified address"),
        (ip.is_link_local, "link-local address (cloud metadata lives here)"),
        (ip.is_multicast, "multicast address"),
        (ip.is_private, "private network address"),
        (ip.is_reserved, "reserved address"),
        (not ip.is_global, "non-public address"),
    )
    return next((why for bad, why in checks if bad), None)


def check_name(target: Target) -> None:
    """Refuse host names that always mean "this machine" or "the metadata server"."""
    host = target.host
    if host in BLOCKED_NAMES or host.endswith(BLOCKED_SUFFIXES):
        raise _unsafe(target.url, f"{host} is an internal name")


def vet_addresses(target: Target, addresses: list[str], *, allow_loopback: bool) -> str:
    """The address to connect to, after checking that every one of ``addresses`` is allowed."""
    if not addresses:
        raise _unsafe(target.url, "the host has no addresses")
    for address in addresses:
        try:
            ip = ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError as exc:
            raise _unsafe(target.url, f"resolver returned a malformed address {address!r}") from exc
        reason = forbidden_reason(ip, allow_loopback=allow_loopback)
        if reason:
            raise _unsafe(target.url, f"{target.host} resolves to {ip}, a {reason}")
    return str(ipaddress.ip_address(addresses[0].split("%", 1)[0]))


def vet(url: str, resolver: Resolver, *, allow_loopback: bool = False) -> VettedTarget:
    """Parse, resolve and check ``url``; the result pins the address to connect to."""
    target = parse_target(url)
    check_name(target)
    addresses = [str(target.ip)] if target.ip is not None else resolver.resolve(target.host)
    address = vet_addresses(target, addresses, allow_loopback=allow_loopback)
    return VettedTarget(target=target, address=address)
