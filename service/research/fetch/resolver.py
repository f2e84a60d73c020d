"""Resolvers: turn a host name into IP addresses (the SSRF guard vets every one of them)."""

from __future__ import annotations

import socket
from collections.abc import Mapping
from typing import Protocol

from service.domain import ErrorKind
from service.domain.errors import FetchError


class Resolver(Protocol):
    def resolve(self, host: str) -> list[str]:
        """IP address strings for ``host``; raises ``FetchError(kind=DNS)`` when it does not resolve."""
        ...


class SystemResolver:
    """The operating system's resolver (``getaddrinfo``)."""

    def resolve(self, host: str) -> list[str]:
        try:
            infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise FetchError(f"{host} does not resolve", kind=ErrorKind.DNS) from exc
        addresses: list[str] = []
        for info in infos:
            address = str(info[4][0]).split("%", 1)[0]
            if address not in addresses:
                addresses.append(address)
        if not addresses:
            raise FetchError(f"{host} has no addresses", kind=ErrorKind.DNS)
        return addresses


class StaticResolver:
    """A fixed host → addresses table (tests); unknown hosts do not resolve."""

    def __init__(self, table: Mapping[str, list[str]]) -> None:
        self._table = {host.lower(): list(addresses) for host, addresses in table.items()}

    def resolve(self, host: str) -> list[str]:
        addresses = self._table.get(host.lower().rstrip("."))
        if not addresses:
            raise FetchError(f"{host} does not resolve", kind=ErrorKind.DNS)
        return addresses
