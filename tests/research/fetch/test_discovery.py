"""Page discovery: link extraction, multilingual scoring, same-site checks, picking."""

from __future__ import annotations

import pytest

from service.research.fetch.discovery import (
    page_links,
    pick_pages,
    registrable_domain,
    same_site,
    score,
    sitemap_locations,
)

HOME = "https://www.acme.co.uk/"


@pytest.mark.parametrize(
    ("url", "text", "kind"),
    [
        ("https://acme.de/ueber-uns", "", "about"),
        ("https://acme.de/%C3%BCber-uns", "", "about"),
        ("https://acme.fr/a-propos", "", "about"),
        ("https://acme.fr/qui-sommes-nous.html", "", "about"),
        ("https://acme.es/quienes-somos", "", "about"),
        ("https://acme.com/company", "", "about"),
        ("https://acme.com/p/123", "About us", "about"),
        ("https://acme.de/kontakt", "", "contact"),
        ("https://acme.de/x", "Über uns", "about"),
        ("https://acme.com/contact-us.php", "", "contact"),
        ("https://acme.de/impressum", "", "imprint"),
        ("https://acme.fr/mentions-legales", "", "imprint"),
        ("https://acme.com/team", "", "team"),
        ("https://acme.com/careers", "", "careers"),
        ("https://acme.de/karriere", "", "careers"),
        ("https://acme.com/pricing", "", "pricing"),
        ("https://acme.com/products", "", "products"),
        ("https://acme.de/leistungen", "", "products"),
    ],
)
def test_scores_page_kinds_in_several_languages(url: str, text: str, kind: str) -> None:
    candidate = score(url, text)
    assert candidate is not None and candidate.kind == kind


@pytest.mark.parametrize(
    "url",
    ["https://acme.com/blog/2023/hello", "https://acme.com/", "https://acme.com/about/brochure.pdf",
     "https://acme.com/img/team.jpg", "https://acme.com/news"],
)  # fmt: skip
def test_ignores_unhelpful_urls(url: str) -> None:
    assert score(url) is None


def test_anchor_text_and_shallow_paths_score_higher() -> None:
    plain = score("https://acme.com/about")
    with_text = score("https://acme.com/about", "About us")
    deep = score("https://acme.com/en/corporate/about")
    assert plain and with_text and deep
    assert with_text.score > plain.score > deep.score


def test_registrable_domain_and_same_site() -> None:
    assert registrable_domain("shop.acme.co.uk") == "acme.co.uk"
    assert registrable_domain("www.crawl-lab.test") == "crawl-lab.test"
    assert same_site("https://blog.acme.co.uk/about", HOME)
    assert not same_site("https://acme.com/about", HOME)
    assert not same_site("https://evil.co.uk/about", HOME)


def test_page_links_resolves_relative_links_and_base() -> None:
    html = """<base href="https://acme.com/en/"><a href="about">About</a>
    <a href="/contact"> Contact <b>us</b></a><a href="mailto:a@b.c">m</a><a href="javascript:x()">j</a>
    <a title="Team page" href="team"></a>"""
    links = page_links(html, "https://acme.com/")
    assert links == [
        ("https://acme.com/en/about", "About"),
        ("https://acme.com/contact", "Contact us"),
        ("https://acme.com/en/team", "Team page"),
    ]


def test_sitemap_locations_and_index() -> None:
    urlset = "<urlset><url><loc> https://a.com/x?a=1&amp;b=2 </loc></url><url><loc>https://a.com/y</loc></url></urlset>"
    assert sitemap_locations(urlset) == (["https://a.com/x?a=1&b=2", "https://a.com/y"], False)
    index = '<?xml version="1.0"?><sitemapindex><sitemap><loc>https://a.com/s1.xml</loc></sitemap></sitemapindex>'
    assert sitemap_locations(index) == (["https://a.com/s1.xml"], True)


def test_pick_pages_prefers_one_of_each_kind_then_fills_by_score() -> None:
    links = [
        ("https://www.acme.co.uk/about", "About"),
        ("https://www.acme.co.uk/company", "Company"),
        ("https://www.acme.co.uk/contact#form", "Contact"),
        ("https://www.acme.co.uk/contact/", "Contact"),
        ("https://www.acme.co.uk/careers", "Careers"),
        ("https://other.com/about", "About"),
        ("https://www.acme.co.uk/", "Home"),
        ("https://www.acme.co.uk/private/team", "Team"),
    ]
    sitemap = ["https://www.acme.co.uk/impressum"]
    picked = pick_pages(HOME, links, sitemap, limit=4, allowed=lambda url: "/private/" not in url)
    assert [c.url for c in picked] == [
        "https://www.acme.co.uk/about",
        "https://www.acme.co.uk/contact",
        "https://www.acme.co.uk/impressum",
        "https://www.acme.co.uk/careers",
    ]
    assert [c.url for c in pick_pages(HOME, links, sitemap, limit=10)][-1] == "https://www.acme.co.uk/company"
