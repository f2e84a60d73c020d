"""Hostile web pages through the real research engine: each row ends with a clear kind and nothing crashes.

A private fixture web is generated into a temporary folder (the
``DemoWeb`` server routes by host, so every hostile behaviour is one
site): gzip bombs, 50 MB pages, endless and malformed redirects,
meta-refresh loops, 100,000 nested ``<div>``s, broken markup, JSON-LD nested
100,000 deep, 20,000 links, non-HTML content. The extractors are also fed
the worst markup directly. Time and memory per hostile input, and how the
cost of deep nesting grows, are measured by ``bench/bench_hostile.py``
beside a plain parse of the same bytes, not asserted here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from service.domain import CompanyInput, ErrorKind, ResearchOptions
from service.examples.demo_web import DemoWeb
from service.research.engine import WebResearcher
from service.research.extract import extract_page
from tests.fixture_web.conftest_helpers import fixture_fetch_settings

OK = None
NESTED = 100_000
DEEP_DIVS = 5_000  # deep enough to be hostile, shallow enough for the parser (see bench/bench_hostile.py)


def _page(title: str, body: str) -> str:
    return f"<!doctype html><html><head><title>{title}</title></head><body>{body}</body></html>"


def _routes(**routes: dict) -> dict:
    return {"routes": {path.replace("_", "/") if path != "root" else "/": spec for path, spec in routes.items()}}


# host -> (files, _site.json or None, allowed error kinds)
SITES: dict[str, tuple[dict[str, str], dict | None, set[ErrorKind | None]]] = {
    "gzip-bomb.test": ({"index.html": _page("Bomb", "x")}, _routes(root={"gzip_bomb": True}), {ErrorKind.TOO_LARGE}),
    "fifty-mb.test": (
        {"index.html": _page("Big Co", "<p>Big Co makes big things.</p>")},
        _routes(root={"repeat_bytes": 50_000_000}),
        {OK, ErrorKind.TOO_LARGE},
    ),
    "self-redirect.test": ({}, _routes(root={"redirect": "/", "status": 301}), {ErrorKind.HTTP_ERROR}),
    "long-chain.test": (
        {},
        {"routes": {"/" if i == 0 else f"/r{i}": {"redirect": f"/r{i + 1}"} for i in range(30)}},
        {ErrorKind.HTTP_ERROR},
    ),
    "redirect-file.test": ({}, _routes(root={"redirect": "file:///etc/passwd"}), {ErrorKind.UNSAFE_URL}),
    "redirect-gopher.test": ({}, _routes(root={"redirect": "gopher://127.0.0.1:70/_x"}), {ErrorKind.UNSAFE_URL}),
    "redirect-decimal.test": ({}, _routes(root={"redirect": "http://2852039166/"}), {ErrorKind.UNSAFE_URL}),
    "redirect-bad-ipv6.test": (
        {},
        _routes(root={"redirect": "/x", "headers": {"Location": "http://[::1/"}}),
        {ErrorKind.UNSAFE_URL, ErrorKind.HTTP_ERROR, ErrorKind.INVALID_INPUT},
    ),
    "meta-refresh-loop.test": (
        {
            "index.html": '<html><head><meta http-equiv="refresh" content="0;url=/b"><title>Loop</title></head></html>',
            "b.html": '<html><head><meta http-equiv="refresh" content="0; URL=\'/\'"><title>Loop</title></head></html>',
        },
        None,
        {OK, ErrorKind.PARSE, ErrorKind.HTTP_ERROR, ErrorKind.PARKED_DOMAIN},
    ),
    "nested-divs.test": (
        {"index.html": _page("Deep Co", "<div>" * DEEP_DIVS + "<p>Deep Co builds tunnels.</p>" + "</div>" * DEEP_DIVS)},
        None,
        {OK, ErrorKind.PARSE, ErrorKind.TOO_LARGE},
    ),
    "broken-markup.test": (
        {
            "index.html": '<html><head><title>Broken Inc<body><p>Broken Inc <a href="/about"<div><script>var x = "'
            '</scr" + "ipt>"; <!-- never closed <table><tr><td><td><tr></b></i></html></html><![CDATA[ x'
            '<meta charset="klingon"><img src=javascript:alert(1) onerror=alert(1)><a href="java\\nscript:x">'
        },
        None,
        {OK, ErrorKind.PARSE},
    ),
    "json-ld-bomb.test": (
        {
            "index.html": _page("LD Co", "<p>LD Co.</p>").replace(
                "</head>", '<script type="application/ld+json">' + "[" * NESTED + "]" * NESTED + "</script></head>"
            )
        },
        None,
        {OK, ErrorKind.PARSE},
    ),
    "many-links.test": (
        {"index.html": _page("Links Co", "".join(f'<a href="/p{i}">p{i}</a>' for i in range(20_000)))},
        None,
        {OK},
    ),
    "octet.test": (
        {},
        _routes(root={"body": "\x00\x01\x02binary", "content_type": "application/octet-stream"}),
        {ErrorKind.NOT_HTML},
    ),
    "image.test": ({}, _routes(root={"body": "GIF89a", "content_type": "image/gif"}), {ErrorKind.NOT_HTML}),
    "no-content-type.test": (
        {},
        _routes(root={"body": "plain words", "headers": {"Content-Type": ""}}),
        {OK, ErrorKind.NOT_HTML},
    ),
    "lying-charset.test": (
        {},
        _routes(
            root={
                "body": _page("Café Lüge", "<p>Café Lüge GmbH</p>"),
                "charset_bytes": "utf-16",
                "content_type": "text/html; charset=utf-8",
            }
        ),
        {OK, ErrorKind.PARSE, ErrorKind.NOT_HTML},
    ),
}


@pytest.fixture(scope="module")
def hostile_web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoWeb]:
    root = tmp_path_factory.mktemp("hostile-sites")
    for host, (files, config, _) in SITES.items():
        site = root / host
        site.mkdir()
        for name, text in files.items():
            (site / name).write_text(text, encoding="utf-8")
        if config is not None:
            (site / "_site.json").write_text(json.dumps(config), encoding="utf-8")
    with DemoWeb(root) as web:
        yield web


def _hosts() -> list[object]:
    return sorted(SITES)


@pytest.mark.parametrize("host", _hosts())
def test_hostile_site_ends_with_a_clear_kind(hostile_web: DemoWeb, host: str) -> None:
    researcher = WebResearcher(fixture_fetch_settings(page_timeout=3.0), resolver=hostile_web.resolver())
    outcome = researcher.research(CompanyInput(host.split(".")[0], hostile_web.url(host)), ResearchOptions(timeout=10))
    assert outcome.error_kind in SITES[host][2], (outcome.error_kind, outcome.error_message)
    assert outcome.error_kind != ErrorKind.INTERNAL
    assert "Traceback" not in outcome.error_message and len(outcome.error_message) < 500


# id -> markup fed to the extractors directly (also measured by bench/bench_hostile.py)
MARKUP: dict[str, str] = {
    "empty": "",
    "nuls": "\x00" * 1000,
    "lt-flood": "<" * 100_000,
    "unclosed-divs": "<div>" * DEEP_DIVS,
    "endless-attr": "<a href='" + "x" * 1_000_000,
    "bad-entities": "<html><body>" + "<p>é&#0;&#xD800;&#99999999;&bogus;</p>" * 1000,
    "ld-json-deep": '<script type="application/ld+json">' + '{"a":' * 50_000 + "1" + "}" * 50_000 + "</script>",
    "microdata-deep": '<div itemscope itemtype="http://schema.org/Organization">' * 20_000,
    "mxss": "<svg><foreignObject><math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
}


@pytest.mark.parametrize("html", list(MARKUP.values()), ids=list(MARKUP))
def test_extractors_survive_the_worst_markup(html: str) -> None:
    page = extract_page("http://hostile.example/", html, {"content-type": "text/html"})
    assert isinstance(page.candidates, list)


@pytest.mark.parametrize("depth", [6_000, 24_000])
def test_deep_nesting_is_parsed(depth: int) -> None:
    html = _page("Deep", "<div>" * depth + "<p>Deep Co.</p>" + "</div>" * depth)
    page = extract_page("http://deep.example/", html, {"content-type": "text/html"})
    assert page.title == "Deep" and isinstance(page.candidates, list)
