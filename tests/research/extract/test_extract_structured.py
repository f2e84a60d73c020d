"""JSON-LD, microdata and OpenGraph candidates."""

from service.domain import FieldMethod
from service.research.extract import extract_page

URL = "https://acme.example/"

JSON_LD = """<html><head><script type="application/ld+json">
{"@context": "https://schema.org", "@graph": [
 {"@type": "WebSite", "name": "Acme Site"},
 {"@type": "Corporation", "name": "Acme Robotics", "description": "Robots for warehouses.",
  "foundingDate": "2011-04-01", "numberOfEmployees": {"@type": "QuantitativeValue", "minValue": 51, "maxValue": 200},
  "logo": {"@type": "ImageObject", "url": "/img/logo.svg"}, "email": "mailto:Hello@acme.example",
  "telephone": "+1 415 555 0100",
  "sameAs": ["https://www.linkedin.com/company/acme-robotics/", "https://twitter.com/intent/tweet?x=1"],
  "address": {"@type": "PostalAddress", "addressLocality": "Austin", "addressRegion": "TX", "addressCountry": "US"},
  "makesOffer": [{"@type": "Offer", "itemOffered": {"@type": "Product", "name": "PickBot"}}]}
]}</script></head><body><p>x</p></body></html>"""


def values(page, name, method=None):
    return [c.value for c in page.candidates if c.field == name and (method is None or c.source.method == method)]


def test_json_ld_organization_in_graph():
    page = extract_page(URL, JSON_LD)
    ld = FieldMethod.JSON_LD
    assert values(page, "description", ld) == ["Robots for warehouses."]
    assert values(page, "founded_year", ld) == [2011]
    assert values(page, "employees", ld) == ["51-200"]
    assert values(page, "logo_url", ld) == ["https://acme.example/img/logo.svg"]
    assert values(page, "emails", ld) == ["hello@acme.example"]
    assert values(page, "hq_city", ld) == ["Austin"]
    assert values(page, "hq_region", ld) == ["TX"]
    assert values(page, "hq_country", ld) == ["United States"]
    assert values(page, "linkedin", ld) == ["https://linkedin.com/company/acme-robotics"]
    assert values(page, "twitter") == []  # an intent link is not a profile
    assert values(page, "products", ld) == ["PickBot"]
    assert "Acme Robotics" in page.names and "Acme Site" in page.names


def test_microdata_and_opengraph():
    html = """<html><head><meta property="og:site_name" content="Boulangerie Lune">
    <meta property="og:description" content="Pain au levain et viennoiseries à Lyon depuis toujours.">
    <meta property="og:image" content="/static/lune-logo.png"></head><body>
    <div itemscope itemtype="https://schema.org/Bakery"><span itemprop="name">Boulangerie Lune</span>
    <div itemprop="address" itemscope itemtype="https://schema.org/PostalAddress">
    <span itemprop="addressLocality">Lyon</span><span itemprop="addressCountry">France</span></div>
    <span itemprop="numberOfEmployees">12</span></div></body></html>"""
    page = extract_page(URL, html)
    assert values(page, "hq_city", FieldMethod.MICRODATA) == ["Lyon"]
    assert values(page, "hq_country", FieldMethod.MICRODATA) == ["France"]
    assert values(page, "employees", FieldMethod.MICRODATA) == ["12"]
    assert values(page, "description", FieldMethod.OPENGRAPH)[0].startswith("Pain au levain")
    assert values(page, "logo_url", FieldMethod.OPENGRAPH) == ["https://acme.example/static/lune-logo.png"]
    assert "Boulangerie Lune" in page.names


def test_broken_json_ld_is_ignored_not_fatal():
    html = (
        '<html><head><script type="application/ld+json">{"@type": "Organization", </script></head><body></body></html>'
    )
    page = extract_page(URL, html)
    assert values(page, "description", FieldMethod.JSON_LD) == []


def test_unknown_country_code_yields_no_country():
    html = """<script type="application/ld+json">{"@type":"Organization","address":
    {"@type":"PostalAddress","addressLocality":"Springfield","addressCountry":"Atlantis"}}</script>"""
    page = extract_page(URL, html)
    assert values(page, "hq_country") == []
    assert values(page, "hq_city") == ["Springfield"]
