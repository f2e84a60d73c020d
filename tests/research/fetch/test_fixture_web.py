"""The fixture web server itself: routing by Host, files, scripted faults, port rewriting, stats."""

from __future__ import annotations

import gzip

import httpx
import pytest

from service.domain import ErrorKind
from service.domain.errors import FetchError
from service.examples.demo_web import DemoWeb


def get(web: DemoWeb, host: str, path: str = "/") -> httpx.Response:
    headers = {"Host": f"{host}:{web.port}", "Accept-Encoding": "identity"}
    return httpx.get(f"http://127.0.0.1:{web.port}{path}", headers=headers, timeout=5)


def test_routes_by_host_and_maps_paths_to_files(fixture_web: DemoWeb) -> None:
    home = get(fixture_web, "crawl-lab.test")
    about = get(fixture_web, "crawl-lab.test", "/about-us")
    nested = get(fixture_web, "crawl-lab.test", "/blog/2023/hello-world")
    assert "Crawl Lab GmbH" in home.text
    assert home.headers["content-type"] == "text/html; charset=utf-8"
    assert "Founded in 2014" in about.text
    assert "First post" in nested.text


def test_absolute_test_urls_get_the_server_port(fixture_web: DemoWeb) -> None:
    robots = get(fixture_web, "crawl-lab.test", "/robots.txt")
    assert f"Sitemap: http://crawl-lab.test:{fixture_web.port}/sitemap.xml" in robots.text
    assert robots.headers["content-type"].startswith("text/plain")


@pytest.mark.parametrize("path", ["/_site.json", "/../gone.test/_site.json", "/nope"])
def test_private_and_unknown_paths_are_404(fixture_web: DemoWeb, path: str) -> None:
    assert get(fixture_web, "crawl-lab.test", path).status_code == 404


def test_unknown_host_is_404(fixture_web: DemoWeb) -> None:
    assert get(fixture_web, "no-such-company.test").status_code == 404


def test_scripted_status_headers_and_redirects(fixture_web: DemoWeb) -> None:
    limited = get(fixture_web, "rate-limited.test")
    offsite = get(fixture_web, "redirect-offsite.test")
    moved = get(fixture_web, "moved-site.test", "/about?x=1")
    assert (limited.status_code, limited.headers["retry-after"]) == (429, "30")
    assert offsite.status_code == 301
    assert offsite.headers["location"] == f"http://offsite-landing.test:{fixture_web.port}/"
    assert moved.headers["location"] == f"http://moved-site-new.test:{fixture_web.port}/about?x=1"


def test_gzip_bomb_is_small_on_the_wire(fixture_web: DemoWeb) -> None:
    with httpx.stream(
        "GET", f"http://127.0.0.1:{fixture_web.port}/", headers={"Host": "gzip-bomb.test"}, timeout=5
    ) as response:
        raw = b"".join(response.iter_raw())
    assert response.headers["content-encoding"] == "gzip"
    assert len(raw) < 200_000
    assert len(gzip.decompress(raw)) == 50_000_000


def test_charset_bytes_encodes_against_the_declared_charset(fixture_web: DemoWeb) -> None:
    response = get(fixture_web, "wrong-charset.test")
    assert "charset=utf-8" in response.headers["content-type"]
    assert "Café Müller".encode("cp1252") in response.content


def test_resolver_maps_only_test_hosts(fixture_web: DemoWeb) -> None:
    assert fixture_web.resolver().resolve("anything.test") == ["127.0.0.1"]
    with pytest.raises(FetchError) as error:
        fixture_web.resolver().resolve("example.com")
    assert error.value.kind == ErrorKind.DNS
    with pytest.raises(FetchError):
        fixture_web.resolver(known_only=True).resolve("no-such-company.test")


def test_records_requests_per_host(fixture_web: DemoWeb) -> None:
    get(fixture_web, "offsite-landing.test")
    seen = fixture_web.requests_for("offsite-landing.test")
    assert seen and seen[-1].path == "/"
    assert fixture_web.max_concurrency("offsite-landing.test") >= 1
