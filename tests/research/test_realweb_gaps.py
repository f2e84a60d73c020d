"""Gaps found on real company websites (issue 14), each on a small page written for its rule.

End to end (``WebResearcher`` over a loopback ``DemoWeb`` serving this module's own sites): a
meta-refresh homepage, a homepage with only a title and a heading, a page whose only logo-ish
image is its favicon. On one page (``extract_pages`` + ``merge_pages``): company emails before
placeholders and freemail, designer credits and other companies' profiles, founding words.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from service.domain import CompanyInput, ErrorKind, ResearchOptions
from service.domain.errors import BlockedError
from service.examples.demo_web import DemoWeb
from service.research.engine import WebResearcher
from service.research.extract import extract_page
from service.research.extract.detectors import check_page
from service.research.extract.document import Document
from service.research.fetch.crawl import meta_refresh_target
from service.research.merge import merge_pages
from tests.fixture_web.conftest_helpers import fixture_fetch_settings

ABOUT = "<p>Harbour Joinery builds kitchens, stairs and fitted wardrobes by hand in its own workshop.</p>"
SITES = {
    "refresh-home.test/index.html": '<html><head><meta http-equiv="refresh" content="0; url=/en/home.html">'
    "<title>Redirecting</title></head><body></body></html>",
    "refresh-home.test/en/home.html": f"<html><head><title>Harbour Joinery</title></head><body>{ABOUT}"
    '<a href="mailto:hello@refresh-home.test">Mail us</a></body></html>',
    "refresh-loop.test/index.html": '<html><head><meta http-equiv="refresh" content="0;url=/a.html"></head></html>',
    "refresh-loop.test/a.html": '<html><head><meta http-equiv="refresh" content="0;url=/b.html"></head></html>',
    "refresh-loop.test/b.html": '<html><head><meta http-equiv="refresh" content="0;url=/c.html"></head></html>',
    "refresh-loop.test/c.html": '<html><head><meta http-equiv="refresh" content="0;url=/d.html"></head></html>',
    "refresh-loop.test/d.html": '<html><head><meta http-equiv="refresh" content="0;url=/e.html"></head></html>',
    "refresh-loop.test/e.html": '<html><head><meta http-equiv="refresh" content="0;url=/f.html"></head></html>',
    "refresh-loop.test/f.html": f"<html><body>{ABOUT}</body></html>",
    "refresh-private.test/index.html": '<html><head><meta http-equiv="refresh" content="0; url=http://10.0.0.7/">'
    "</head></html>",
    "title-only.test/index.html": '<html><head><title>Brightwater Plumbing</title><link rel="icon" href="/favicon.ico">'
    "</head><body><h1>Boiler repairs and bathroom fitting in Leeds</h1></body></html>",
}


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoWeb]:
    root = tmp_path_factory.mktemp("gap_sites")
    for path, body in SITES.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(body, encoding="utf-8")
    with DemoWeb(root) as served:
        yield served


def research(web: DemoWeb, host: str, name: str = "Harbour Joinery"):  # noqa: ANN201
    researcher = WebResearcher(fixture_fetch_settings(max_pages=3), resolver=web.resolver())
    return researcher.research(CompanyInput(name=name, website=web.url(host)), ResearchOptions(timeout=10))


def test_a_meta_refresh_homepage_is_followed(web: DemoWeb) -> None:
    outcome = research(web, "refresh-home.test")
    assert outcome.ok, outcome.error_message
    assert "Harbour Joinery builds kitchens" in (outcome.profile.description or "")
    assert outcome.profile.emails == ["hello@refresh-home.test"]
    assert "/en/home.html" in outcome.profile.website


def test_meta_refresh_hops_count_as_redirects(web: DemoWeb) -> None:
    outcome = research(web, "refresh-loop.test")  # six refreshes, five redirects allowed
    assert outcome.error_kind == ErrorKind.HTTP_ERROR
    assert "redirects more than 5 times" in (outcome.error_message or "")


def test_a_meta_refresh_to_a_private_address_is_refused(web: DemoWeb) -> None:
    outcome = research(web, "refresh-private.test")
    assert not outcome.ok and outcome.error_kind is not None
    assert not outcome.profile.description


def test_meta_refresh_target_parsing() -> None:
    base = "https://a.example/dir/"
    assert meta_refresh_target("<META HTTP-EQUIV=Refresh CONTENT=\"0;URL='/home'\">", base) == "https://a.example/home"
    assert meta_refresh_target('<meta content="2; url=b.html" http-equiv="refresh">', base) == base + "b.html"
    assert meta_refresh_target('<meta http-equiv="refresh" content="300">', base) is None  # a reload
    assert meta_refresh_target('<meta http-equiv="refresh" content="0;url=javascript:x()">', base) is None


def test_title_and_heading_describe_a_bare_homepage_and_a_favicon_is_no_logo(web: DemoWeb) -> None:
    outcome = research(web, "title-only.test", name="Brightwater Plumbing")
    assert outcome.ok, outcome.error_message
    assert outcome.profile.description == "Brightwater Plumbing — Boiler repairs and bathroom fitting in Leeds"
    assert not outcome.profile.logo_url


def profile_of(html: str, *, name: str = "Harbour Joinery", website: str = "https://harbourjoinery.co.uk/"):  # noqa: ANN201
    return merge_pages([extract_page(website, html)], name=name, website=website)


def test_own_domain_emails_first_placeholders_and_freemail_dropped() -> None:
    html = (
        "<p>Write to name@example.com or info@domain.com, your@email.com, you@yourcompany.com.</p>"
        '<p><a href="mailto:harbour.joinery@gmail.com">Gmail</a>'
        ' <a href="mailto:shop@harbourjoinery.co.uk">Shop</a></p>'
    )
    assert profile_of(html).emails == ["shop@harbourjoinery.co.uk"]
    only_freemail = html.replace("shop@harbourjoinery.co.uk", "")
    assert profile_of(only_freemail).emails == ["harbour.joinery@gmail.com"]


def test_designer_credit_profiles_are_ignored() -> None:
    credits = {
        "en": "Website design by",
        "fr": "Réalisation",
        "es": "Diseño web por",
        "nl": "Gemaakt door",
        "de": "Webdesign &amp; Umsetzung:",
    }
    for words in credits.values():
        html = (
            "<footer><p>Harbour Joinery, 3 Quay Street, Whitby. Fitted kitchens and stairs since 1994.</p>"
            f'<div class="credit">{words} <a href="https://www.linkedin.com/company/pixelworks-studio/">Pixelworks</a>'
            "</div></footer>"
        )
        assert not profile_of(html).linkedin, words
    small_footer = (
        '<footer><a href="https://www.facebook.com/harbourjoinery">Facebook</a> Website by '
        '<a href="https://pixelworks.example">Pixelworks</a></footer>'
    )
    assert profile_of(small_footer).facebook == "https://facebook.com/harbourjoinery"  # it names the company
    credit = '<p>Site by <a href="https://www.linkedin.com/company/pixelworks-studio/">Pixelworks</a></p>'
    assert not profile_of(credit, name="Harbour Studio").linkedin  # "studio" names no one company
    plain = '<footer><a href="https://www.linkedin.com/company/pixelworks-studio/">LinkedIn</a></footer>'
    assert profile_of(plain).linkedin == "https://linkedin.com/company/pixelworks-studio"


def test_a_profile_naming_the_company_beats_another_handle() -> None:
    html = (
        '<a href="https://www.facebook.com/SuperKitchenQuest">Our game</a>'
        '<footer><a href="https://www.facebook.com/harbour.joinery/">Facebook</a></footer>'
        '<a href="https://www.instagram.com/harbourjoinery_whitby/">Instagram</a>'
    )
    profile = profile_of(html)
    assert profile.facebook == "https://facebook.com/harbour.joinery"
    assert profile.instagram == "https://instagram.com/harbourjoinery_whitby"
    game_first = (
        '<a href="https://www.facebook.com/SuperKitchenQuest">Game</a><a href="https://fb.com/Harbour-Joinery">FB</a>'
    )
    assert profile_of(game_first).facebook == "https://facebook.com/Harbour-Joinery"


@pytest.mark.parametrize(
    ("text", "year"),
    [
        ("Zeilmakerij uit Andijk. Opgericht in 1862, nu de zesde generatie.", 1862),
        ("Familiebedrijf · Sinds 1997", 1997),
        ("Officina meccanica fondata nel 1988 a Brescia.", 1988),
        ("Empresa fundada em 2004 no Porto.", 2004),
        ("Our founder has been practicing as an attorney since 2010.", None),
        ("Rechtsanwalt seit 2011 in Mannheim.", None),
        ("Over 4,000 kitchens fitted since 2015.", None),
        ("© 2019 Harbour Joinery", None),
    ],
)
def test_founding_years_need_founding_words(text: str, year: int | None) -> None:
    assert profile_of(f"<p>{text}</p>").founded_year == year


def test_the_company_start_beats_a_career_since() -> None:
    html = (
        "<p>Since 2010 our senior partner has been practicing family law.</p>"
        "<p>Harbour Law was established in 1994 in Whitby.</p>"
    )
    assert profile_of(html, name="Harbour Law").founded_year == 1994


def test_a_captcha_on_a_short_contact_form_is_no_bot_challenge() -> None:
    form = (
        "<title>Quay Lofts apartments</title><h1>Quay Lofts</h1><form><input type='email' name='from'>"
        "<textarea name='message'></textarea><div class='g-recaptcha' data-sitekey='KEY'></div></form>"
    )
    check_page(form, Document.parse(form, "https://quaylofts.example/").text)
    wall = "<title>Quay Lofts</title><div class='g-recaptcha' data-sitekey='KEY'></div>"
    with pytest.raises(BlockedError):
        check_page(wall, Document.parse(wall, "https://quaylofts.example/").text)
