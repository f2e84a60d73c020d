"""Tech signatures, language, business model, detectors, descriptions and logos."""

import pytest

from service.domain import ErrorKind, FieldMethod
from service.domain.errors import BlockedError
from service.research.extract import check_page, extract_page
from service.research.extract.business import classify_business_model, find_signals
from service.research.extract.document import Document
from service.research.extract.language import detect_language
from service.research.extract.tech import detect_tech

URL = "https://acme.example/"


def test_tech_signatures_from_sources_markers_and_headers():
    html = """<html><head><meta name="generator" content="WordPress 6.4">
    <link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/bootstrap@5/dist/css/bootstrap.min.css">
    <script src="https://www.googletagmanager.com/gtag/js?id=G-ABC"></script>
    <script src="/_next/static/chunks/main.js"></script><script src="https://js.stripe.com/v3/"></script>
    </head><body><p>We love jQuery and Shopify talks.</p></body></html>"""
    doc = Document.parse(html, URL, {"Server": "cloudflare"})
    assert detect_tech(doc) == [
        "WordPress",
        "Google Analytics",
        "Stripe",
        "Next.js",
        "Bootstrap",
        "Cloudflare",
        "React",
    ]


def test_no_tech_from_plain_page():
    assert detect_tech(Document.parse("<p>Hello shopify wordpress</p>", URL)) == []


def test_language_declared_then_detected():
    page = extract_page(URL, '<html lang="de-DE"><body><p>x</p></body></html>')
    assert [c.value for c in page.candidates if c.field == "language"] == ["de"]
    text = "Nous sommes une entreprise de logiciels pour les équipes et nous aidons les clients avec des outils " * 2
    assert detect_language(text) == "fr"
    assert detect_language("too short") == ""


def test_business_model_signals():
    b2b, b2c = find_signals("Request a demo · Contact sales · Built for teams")
    assert classify_business_model(b2b, b2c) == "B2B"
    b2b, b2c = find_signals("Add to cart — free shipping — Shop now")
    assert classify_business_model(b2b, b2c) == "B2C"
    b2b, b2c = find_signals("Shop now, add to cart. Wholesale: contact sales.")
    assert classify_business_model(b2b, b2c) == "B2B and B2C"
    assert classify_business_model(*find_signals("Welcome to our website")) == ""


@pytest.mark.parametrize(
    ("html", "kind"),
    [
        ("<title>Just a moment...</title><p>Checking your browser before accessing</p>", ErrorKind.BOT_CHALLENGE),
        ("<h1>Are you a robot?</h1><div class='g-recaptcha'></div>", ErrorKind.BOT_CHALLENGE),
        ("<h1>This domain is for sale!</h1><a href='https://sedo.com'>Buy</a>", ErrorKind.PARKED_DOMAIN),
        ("<p>Inquire about this domain</p> <a href='https://dan.com/x'>dan.com</a>", ErrorKind.PARKED_DOMAIN),
    ],
)
def test_detectors_raise(html, kind):
    with pytest.raises(BlockedError) as caught:
        check_page(html, Document.parse(html, URL).text)
    assert caught.value.kind == kind


def test_captcha_on_a_real_contact_page_is_not_a_challenge():
    text = "<p>" + "We build industrial robots for warehouses and factories. " * 40 + "</p>"
    html = f"<body>{text}<form><div class='g-recaptcha'></div></form></body>"
    check_page(html, Document.parse(html, URL).text)


def test_descriptions_logo_and_cookie_noise():
    html = """<html><head><meta name="description" content="Acme builds friendly robots for small warehouses.">
    <link rel="icon" href="/favicon.ico"></head><body><header><img src="/img/acme-logo.svg" alt="Acme"></header>
    <div class="cookie-banner">
    <p>We use cookies to improve your experience on this website, accept them all now.</p></div>
    <main><p>Acme designs autonomous mobile robots that move shelves so people do not have to.</p></main>
    </body></html>"""
    page = extract_page(URL, html)
    described = {c.source.method: c.value for c in page.candidates if c.field == "description"}
    assert described[FieldMethod.META] == "Acme builds friendly robots for small warehouses."
    assert described[FieldMethod.TEXT].startswith("Acme designs autonomous")
    logos = sorted((c.rank, c.value) for c in page.candidates if c.field == "logo_url")
    assert logos == [(0, "https://acme.example/img/acme-logo.svg")]  # a favicon is a site icon, never the logo


def test_products_from_headings_on_products_page_only():
    html = "<main><h2>Our products</h2><h3>PickBot</h3><h3>ShelfMover X</h3><h2>Contact us</h2></main>"
    on_products = extract_page("https://acme.example/products", html)
    assert [c.value for c in on_products.candidates if c.field == "products"] == ["PickBot", "ShelfMover X"]
    on_home = extract_page(URL, html)
    assert [c.value for c in on_home.candidates if c.field == "products"] == []


def test_only_the_top_of_a_huge_page_is_read():
    from service.research.extract import MAX_HTML_CHARS

    filler = "<p>filler text for a very large page</p>\n" * (MAX_HTML_CHARS // 40 + 10)
    html = f"<body><p>Contact: <a href='mailto:top@acme.example'>top</a></p>{filler}<p>bottom@acme.example</p></body>"
    emails = [c.value for c in extract_page(URL, html).candidates if c.field == "emails"]
    assert emails == ["top@acme.example"]
