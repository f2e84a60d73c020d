"""The SSRF guard: strict URL parsing, IP literal spellings, forbidden ranges, names, DNS pinning."""

from __future__ import annotations

import asyncio
import ipaddress

import pytest

from service.domain import ErrorKind
from service.domain.errors import FetchError, UnsafeUrlError
from service.examples.demo_web import DemoWeb
from service.research.fetch import FetchSettings, SafeFetcher, StaticResolver, parse_target, vet
from service.research.fetch.ssrf import forbidden_reason

PUBLIC = StaticResolver({"example.com": ["93.184.215.14"]})


@pytest.mark.parametrize(
    "url",
    [
        "http://2130706433/",
        "http://0x7f000001/",
        "http://0177.0.0.1/",
        "http://127.1/",
        "http://0x7f.1/",
        "http://127.0.0.1./",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:a9fe:a9fe]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "http://172.16.5.4/",
        "http://192.168.1.1/",
        "http://100.64.0.1/",
        "http://0.0.0.0/",
        "http://224.0.0.1/",
        "http://240.0.0.1/",
        "http://[fc00::1]/",
        "http://[fd12:3456::1]/",
        "http://[fe80::1]/",
        "http://[2002:0a00:0001::]/",
        "http://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/",
        "http://[64:ff9b::a00:1]/",
        "http://[::]/",
    ],
)
def test_refuses_non_public_ip_literals_in_any_spelling(url: str) -> None:
    with pytest.raises(UnsafeUrlError) as error:
        vet(url, PUBLIC)
    assert error.value.kind == ErrorKind.UNSAFE_URL
    assert not error.value.retryable


@pytest.mark.parametrize(
    ("url", "host"),
    [("http://2130706433/", "127.0.0.1"), ("http://0x7f000001/", "127.0.0.1"), ("http://0177.0.0.1/", "127.0.0.1"),
     ("http://127.1/", "127.0.0.1"), ("http://10.1/", "10.0.0.1"), ("http://3232235777/", "192.168.1.1")],
)  # fmt: skip
def test_parses_ip_literals_like_inet_aton(url: str, host: str) -> None:
    assert parse_target(url).host == host


@pytest.mark.parametrize(
    "url",
    [
        "http://evil.com@127.0.0.1/",
        "http://user:pass@example.com/",
        "http://example.com\\@127.0.0.1/",
        "ftp://example.com/",
        "file:///etc/passwd",
        "gopher://example.com/",
        "http:///path",
        "http://example.com:99999/",
        "http://example.com:8o/",
        "http://256.1.1.1/",
        "http://08.0.0.1/",
        "http://exa mple.com/",
        "http://[fe80::1%25eth0]/",
    ],
)
def test_refuses_malformed_urls_and_userinfo_tricks(url: str) -> None:
    with pytest.raises(UnsafeUrlError):
        vet(url, PUBLIC)


@pytest.mark.parametrize(
    "host", ["localhost", "LOCALHOST.", "metadata", "metadata.google.internal", "db.localhost", "x.internal"]
)
def test_refuses_internal_names_without_resolving(host: str) -> None:
    with pytest.raises(UnsafeUrlError):
        vet(f"http://{host}/", StaticResolver({host.lower().rstrip("."): ["93.184.215.14"]}))


@pytest.mark.parametrize("address", ["127.0.0.1", "10.2.3.4", "169.254.169.254", "::1", "fd00::5", "100.100.1.1"])
def test_refuses_names_resolving_to_non_public_addresses(address: str) -> None:
    resolver = StaticResolver({"innocent.example": [address]})
    with pytest.raises(UnsafeUrlError) as error:
        vet("https://innocent.example/", resolver)
    assert address in str(error.value) or str(ipaddress.ip_address(address)) in str(error.value)


def test_refuses_when_any_resolved_address_is_private() -> None:
    resolver = StaticResolver({"mixed.example": ["93.184.215.14", "10.0.0.7"]})
    with pytest.raises(UnsafeUrlError):
        vet("http://mixed.example/", resolver)


def test_accepts_public_addresses_and_pins_the_first() -> None:
    resolver = StaticResolver({"example.com": ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"]})
    vetted = vet("https://Example.COM:8443/a?b=1#frag", resolver)
    assert vetted.address == "93.184.215.14"
    assert vetted.connect_url == "https://93.184.215.14:8443/a?b=1"
    assert vetted.target.host_header == "example.com:8443"
    assert vetted.target.url == "https://example.com:8443/a?b=1"


def test_normalises_international_names_with_idna() -> None:
    assert parse_target("http://Bücher.example/").host == "xn--bcher-kva.example"


def test_unresolvable_host_is_a_dns_error() -> None:
    with pytest.raises(FetchError) as error:
        vet("http://nowhere.example/", PUBLIC)
    assert error.value.kind == ErrorKind.DNS


def test_allow_loopback_permits_only_loopback() -> None:
    assert forbidden_reason(ipaddress.ip_address("127.0.0.1"), allow_loopback=True) is None
    assert forbidden_reason(ipaddress.ip_address("127.8.9.1"), allow_loopback=True) is None
    assert forbidden_reason(ipaddress.ip_address("::1"), allow_loopback=True) is None
    for address in ("169.254.169.254", "10.0.0.1", "192.168.0.1", "fc00::1", "0.0.0.0"):
        assert forbidden_reason(ipaddress.ip_address(address), allow_loopback=True), address
    assert forbidden_reason(ipaddress.ip_address("8.8.8.8")) is None


@pytest.mark.parametrize(
    ("host", "needle"), [("redirect-to-metadata.test", "169.254.169.254"), ("redirect-to-private.test", "10.0.0.5")]
)
def test_redirects_are_vetted_on_every_hop(fixture_web: DemoWeb, host: str, needle: str) -> None:
    async def run() -> None:
        settings = FetchSettings(allow_loopback=True, page_timeout=2.0)
        async with SafeFetcher(settings, resolver=fixture_web.resolver()) as fetcher:
            await fetcher.fetch(fixture_web.url(host))

    with pytest.raises(UnsafeUrlError) as error:
        asyncio.run(run())
    assert needle in str(error.value)


def test_loopback_fixture_web_is_refused_without_allow_loopback(fixture_web: DemoWeb) -> None:
    async def run() -> None:
        async with SafeFetcher(FetchSettings(), resolver=fixture_web.resolver()) as fetcher:
            await fetcher.fetch(fixture_web.url("crawl-lab.test"))

    with pytest.raises(UnsafeUrlError):
        asyncio.run(run())


class CountingResolver:
    """Answers 127.0.0.1 on the first lookup and a metadata address afterwards (DNS rebinding)."""

    def __init__(self) -> None:
        self.calls = 0

    def resolve(self, host: str) -> list[str]:
        self.calls += 1
        return ["127.0.0.1"] if self.calls == 1 else ["169.254.169.254"]


def test_connection_is_pinned_to_the_vetted_address(fixture_web: DemoWeb) -> None:
    resolver = CountingResolver()

    async def run() -> str:
        settings = FetchSettings(allow_loopback=True, page_timeout=2.0)
        async with SafeFetcher(settings, resolver=resolver) as fetcher:
            return (await fetcher.fetch(fixture_web.url("crawl-lab.test"))).text

    fixture_web.reset_stats()
    assert "Crawl Lab GmbH" in asyncio.run(run())
    assert resolver.calls == 1  # one lookup, vetted, and the connection used it
    seen = fixture_web.requests_for("crawl-lab.test")
    assert seen[0].headers["host"] == f"crawl-lab.test:{fixture_web.port}"
