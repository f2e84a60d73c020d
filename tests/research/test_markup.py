"""``bound_html``: pages are cut to the size, nesting and element bounds before any parser sees them."""

from __future__ import annotations

import pytest

from service.research.extract import extract_page
from service.research.fetch.discovery import page_links
from service.research.markup import MAX_ELEMENTS, MAX_LINKS, MAX_NESTING, bound_html

NORMAL = (
    "<!doctype html><html><head><title>Acme</title><script>var s = '<div><div><div>';</script>"
    "<!-- <div><div> --></head><body><div><p>Acme <br> makes <img src=a.png> anvils.</p></div>"
    "<input value='<x>'/></body></html>"
)


def test_a_normal_page_is_unchanged() -> None:
    assert bound_html(NORMAL) == NORMAL


def test_nesting_is_cut_at_the_limit() -> None:
    html = "<body>" + "<div>" * 100_000 + "deep" + "</div>" * 100_000
    cut = bound_html(html)
    assert cut.count("<div>") == MAX_NESTING - 1  # <body> is the first level
    assert "deep" not in cut


def test_siblings_do_not_count_as_depth() -> None:
    html = "<ul>" + "<li>x</li>" * 5_000 + "</ul>"
    assert bound_html(html) == html


def test_markup_inside_scripts_and_comments_does_not_count() -> None:
    html = "<script>" + "'<div>'+" * 5_000 + "</script><!--" + "<div>" * 5_000 + "--><p>kept</p>"
    assert bound_html(html) == html


def test_element_floods_are_cut() -> None:
    html = "<p></p>" * (MAX_ELEMENTS + 10)
    assert bound_html(html).count("<p>") == MAX_ELEMENTS


def test_an_unterminated_tag_ends_the_page() -> None:
    assert bound_html("<p>kept</p><a href='" + "x" * 100_000) == "<p>kept</p>"


@pytest.mark.timeout(30)
@pytest.mark.parametrize("flood", ["<a" * 300_000, "<a" * 300_000 + ">", "<!--" * 150_000, "<script>" * 75_000])
def test_tag_floods_are_scanned_once(flood: str) -> None:
    assert len(bound_html(flood)) <= len(flood)  # a quadratic scan would hit the timeout


@pytest.mark.timeout(60)
def test_a_link_flood_keeps_the_first_links() -> None:
    html = "<body>" + "".join(f'<a href="/about/p{i}">about {i}</a>' for i in range(79_000)) + "</body>"
    links = page_links(html, "https://acme.example/")
    assert len(links) == MAX_LINKS and links[0] == ("https://acme.example/about/p0", "about 0")
    page = extract_page("https://acme.example/", html, {"content-type": "text/html"})
    assert isinstance(page.candidates, list)
