"""Emails, phones and social profiles."""

from service.research.extract import extract_page
from service.research.extract.contacts import deobfuscate, normalize_phone
from service.research.extract.social import social_profile

URL = "https://acme.example/contact"


def values(page, name):
    return [c.value for c in page.candidates if c.field == name]


def test_emails_from_mailto_and_obfuscated_text_skip_images():
    html = """<body><a href="mailto:Sales@Acme.example?subject=Hi">Mail</a>
    <p>Write to info [at] acme [dot] example</p><img src="/img/logo@2x.png">
    <p>icon: sprite@3x.webp and user@example.com</p></body>"""
    assert set(values(extract_page(URL, html), "emails")) == {"sales@acme.example", "info@acme.example"}


def test_deobfuscate_variants():
    assert deobfuscate("jobs(at)acme(dot)io") == "jobs@acme.io"
    assert deobfuscate("a {at} b [.] de") == "a@b.de"


def test_phones_from_tel_links_and_contact_lines_only():
    html = """<body><a href="tel:+49-30-1234567">Call</a>
    <p>Telefon: +49 (0)30 7654 321</p><p>Order number 1234567890 shipped</p>
    <p>Fax: +49 30 999999</p><p>© 2010-2024 Acme</p></body>"""
    assert values(extract_page(URL, html), "phones") == ["+49301234567", "+49307654321"]


def test_numbers_that_are_not_phones_near_contact_words():
    html = """<body><p>Call center hours: Mon-Fri. Order #2023-0512-7781 confirmed.</p>
    <p>Tel. 030 123456789</p><p>Registered in England No. 09876543</p>
    <p>Phone</p><p>+44 20 7946 0000</p></body>"""
    assert values(extract_page(URL, html), "phones") == ["030123456789", "+442079460000"]


def test_normalize_phone_rules():
    assert normalize_phone("(415) 555-0100") == "4155550100"
    assert normalize_phone("0033 1 42 68 53 00") == "+33142685300"
    assert normalize_phone("12 34") == ""
    assert normalize_phone("2011 - 2024") == ""


def test_social_profiles_only_company_pages():
    assert social_profile("https://www.linkedin.com/company/acme/about/") == (
        "linkedin",
        "https://linkedin.com/company/acme",
    )
    assert social_profile("https://www.linkedin.com/shareArticle?mini=true&url=x") is None
    assert social_profile("https://www.linkedin.com/in/jane-doe") is None
    assert social_profile("https://twitter.com/acme") == ("twitter", "https://x.com/acme")
    assert social_profile("https://twitter.com/intent/tweet?text=hi") is None
    assert social_profile("https://www.facebook.com/sharer/sharer.php?u=x") is None
    assert social_profile("https://www.facebook.com/acmerobots") == ("facebook", "https://facebook.com/acmerobots")
    assert social_profile("https://www.instagram.com/p/abc123/") is None
    assert social_profile("https://www.youtube.com/@acme") == ("youtube", "https://youtube.com/@acme")
    assert social_profile("https://github.com/acme") == ("github", "https://github.com/acme")
    assert social_profile("https://github.com/acme/repo") is None
    assert social_profile("https://www.crunchbase.com/organization/acme") == (
        "crunchbase",
        "https://crunchbase.com/organization/acme",
    )


def test_footer_social_link_ranks_first():
    html = """<body><p><a href="https://www.linkedin.com/company/partner-co">Partner</a></p>
    <footer><a href="https://www.linkedin.com/company/acme">LinkedIn</a></footer></body>"""
    ranked = sorted((c.rank, c.value) for c in extract_page(URL, html).candidates if c.field == "linkedin")
    assert ranked[0] == (0, "https://linkedin.com/company/acme")
