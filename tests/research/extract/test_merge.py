"""Merging candidates from several pages into one sourced profile."""

from service.domain import FieldMethod
from service.research.extract import PageExtraction, candidate
from service.research.merge import merge_pages

HOME, ABOUT, IMPRINT = "http://acme.test/", "http://acme.test/about", "http://acme.test/impressum"


def page(url: str, *cands, text: str = "") -> PageExtraction:
    return PageExtraction(url=url, text=text, candidates=list(cands))


def test_method_beats_page_order_and_sources_follow():
    pages = [
        page(HOME, candidate("founded_year", 2012, HOME, FieldMethod.TEXT)),
        page(ABOUT, candidate("founded_year", 2011, ABOUT, FieldMethod.JSON_LD)),
    ]
    profile = merge_pages(pages, name="Acme", website=HOME)
    assert profile.founded_year == 2011
    assert (
        profile.sources["founded_year"].url == ABOUT and profile.sources["founded_year"].method == FieldMethod.JSON_LD
    )
    assert profile.sources["website"].method == FieldMethod.URL


def test_hq_fields_come_from_one_source():
    pages = [
        page(HOME, candidate("hq_city", "Munich", HOME, FieldMethod.TEXT, rank=1)),
        page(
            IMPRINT,
            candidate("hq_country", "Germany", IMPRINT, FieldMethod.TEXT),
            candidate("hq_city", "Berlin", IMPRINT, FieldMethod.TEXT),
        ),
    ]
    profile = merge_pages(pages, name="Acme", website=HOME)
    assert (profile.hq_city, profile.hq_country) == ("Berlin", "Germany")
    # a city without a written country keeps its city; the gazetteer places Munich in Germany
    alone = merge_pages([pages[0]], name="Acme", website=HOME)
    assert (alone.hq_city, alone.hq_country) == ("Munich", "Germany")
    assert alone.sources["hq_country"].method == FieldMethod.TEXT


def test_country_not_written_is_inferred_and_its_evidence_is_the_source():
    city = candidate("hq_city", "Wesel", "https://kristall.example.de/impressum", FieldMethod.TEXT)
    phone = candidate("phones", "+4917647156017", "https://kristall.example.de/kontakt", FieldMethod.LINK)
    by_phone = merge_pages([page("https://kristall.example.de/", city, phone)], name="", website="https://x.de/")
    assert by_phone.hq_country == "Germany" and by_phone.sources["hq_country"].method == FieldMethod.LINK
    by_tld = merge_pages([page("https://autoyilmaz.de/", city)], name="", website="https://autoyilmaz.de/")
    assert by_tld.hq_country == "Germany" and by_tld.sources["hq_country"].method == FieldMethod.URL
    # a ccTLD that disagrees with the phones' country gives nothing: empty is better than wrong
    french = candidate("phones", "+33661486842", "https://acme.de/", FieldMethod.LINK)
    clash = merge_pages([page("https://acme.de/", city, french)], name="", website="https://acme.de/")
    assert clash.hq_country == "" and clash.hq_city == "Wesel"
    # generic-use ccTLDs (.io, .co) are no evidence; the gazetteer knows Wesel is in Germany
    by_place = merge_pages([page("https://acme.io/", city)], name="", website="https://acme.io/")
    assert by_place.hq_country == "Germany" and by_place.sources["hq_country"].method == FieldMethod.TEXT


def test_emails_prefer_own_domain_and_lists_dedupe():
    pages = [
        page(
            HOME,
            candidate("emails", "press@agency.example", HOME, FieldMethod.TEXT),
            candidate("emails", "hi@acme.test", HOME, FieldMethod.LINK),
            candidate("tech_stack", "React", HOME, FieldMethod.TECH_SIGNATURE),
        ),
        page(
            ABOUT,
            candidate("emails", "jobs@mail.acme.test", ABOUT, FieldMethod.TEXT),
            candidate("tech_stack", "React", ABOUT, FieldMethod.TECH_SIGNATURE),
            candidate("tech_stack", "HubSpot", ABOUT, FieldMethod.TECH_SIGNATURE),
        ),
    ]
    profile = merge_pages(pages, name="Acme", website="http://www.acme.test/")
    assert profile.emails == ["hi@acme.test", "jobs@mail.acme.test"]
    assert profile.tech_stack == ["React", "HubSpot"]
    only_foreign = merge_pages(
        [page(HOME, candidate("emails", "acme@gmail.com", HOME, FieldMethod.TEXT))], name="A", website=HOME
    )
    assert only_foreign.emails == ["acme@gmail.com"]


def test_products_come_from_the_best_method_only():
    pages = [
        page(HOME, candidate("products", "PickBot", HOME, FieldMethod.JSON_LD)),
        page(ABOUT, candidate("products", "Why robots?", ABOUT, FieldMethod.TEXT)),
    ]
    assert merge_pages(pages, name="A", website=HOME).products == ["PickBot"]


def test_classifiers_run_over_all_pages_text():
    pages = [
        page(HOME, text="Autonomous mobile robots for warehouse picking. Request a demo."),
        page(ABOUT, text="Our robotics engineers build industrial automation and cobots. Contact sales."),
    ]
    profile = merge_pages(pages, name="A", website=HOME)
    assert profile.industry == "Robotics & Automation" and profile.sources["industry"].method == FieldMethod.CLASSIFIER
    assert profile.business_model == "B2B" and "request a demo" in profile.business_model_signals


def test_a_number_listed_nationally_and_internationally_is_one_number():
    # kristall-reinigung.github.io (real-web): tel: link "+4917647156017", imprint text "0176 471 56017"
    url = "https://kristall.example.de/"
    pages = [
        page(
            url,
            candidate("hq_city", "Wesel", url, FieldMethod.TEXT),
            candidate("phones", "+4917647156017", url, FieldMethod.LINK),
            candidate("phones", "017647156017", url, FieldMethod.TEXT),
        )
    ]
    profile = merge_pages(pages, name="", website="https://kristall.example.de/")
    assert profile.phones == ["+4917647156017"]
