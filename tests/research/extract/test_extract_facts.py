"""Founding year, head count and headquarters from text."""

import pytest

from service.research.extract import extract_page
from service.research.extract.address import parse_address

URL = "https://acme.example/about"


def values(html, name, url=URL):
    return [c.value for c in extract_page(url, f"<body>{html}</body>").candidates if c.field == name]


@pytest.mark.parametrize(
    ("text", "year"),
    [
        ("Acme was founded in 2011 by two engineers.", 2011),
        ("Family-run since 1998.", 1998),
        ("Das Unternehmen wurde 2005 gegründet. Gegründet 2005 in Köln.", 2005),
        ("Fondée en 1999 à Lyon, notre maison...", 1999),
        ("Fundada en 2003 en Madrid.", 2003),
        ("Established in March 1987.", 1987),
    ],
)
def test_founding_year_patterns(text, year):
    assert values(f"<p>{text}</p>", "founded_year") == [year]


def test_since_about_counts_is_not_a_founding_year():
    assert (
        values("<p>Orders shipped since 2020: 4 million.</p><p>2,000 customers since 2019.</p>", "founded_year") == []
    )
    assert values("<p>Die Rösterei röstet seit 1998 Kaffee.</p>", "founded_year") == [1998]


def test_copyright_and_other_years_are_not_founding_years():
    html = "<p>Our 2024 product line.</p><footer><p>© 2009 Acme Inc. Since 2009 all rights reserved</p></footer>"
    assert values(html, "founded_year") == []


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("We are 250 employees across Europe.", "250"),
        ("A team of 40 passionate people.", "40"),
        ("Heute arbeiten über 300 Mitarbeiter für uns.", "300"),
        ("Nous sommes 120 collaborateurs.", "120"),
        ("Contamos con 85 empleados.", "85"),
        ("We employ more than 1,200 staff members.", "1200"),
    ],
)
def test_employee_patterns(text, count):
    assert values(f"<p>{text}</p>", "employees") == [count]


def test_customer_sizes_are_not_head_count():
    assert values("<p>Built for companies with 500 employees or more.</p>", "employees") == []
    assert values("<p>10,000 people use our app every day.</p>", "employees") == []


def test_address_block_german_imprint():
    html = "<h2>Impressum</h2><p>Muster GmbH<br>Hauptstraße 5<br>10115 Berlin<br>Deutschland</p>"
    url = "https://muster.example/impressum"
    assert values(html, "hq_city", url) == ["Berlin"]
    assert values(html, "hq_country", url) == ["Germany"]


def test_imprint_without_a_country_gives_the_city_and_no_country():
    # rundumderbaum.github.io (real-web dev half): an imprint that never writes "Deutschland"
    html = "<p>Rund um den Baum · Fa. Pfaff · Möllekensfeld 10 · 46569 Hünxe</p>"
    assert values(html, "hq_city") == ["Hünxe"]
    assert values(html, "hq_country") == []


def test_a_postal_line_alone_is_not_an_address_unless_the_gazetteer_knows_the_city():
    assert values("<p>Ausbildung</p><p>2019 Lehrgang</p>", "hq_city") == []
    assert values("<p>Kontakt</p><p>76437 Rastatt</p>", "hq_city") == ["Rastatt"]  # geofurrer.de


def test_international_layouts():
    # ca-mahesh.github.io, vandendam.nl, bresciaserviziespressi.github.io (real-web dev half)
    assert values("<p>Bharat Nagar, Uppal, Hyderabad - 500 039 (T.S.)</p>", "hq_city") == ["Hyderabad"]
    assert values("<p>De Tamboer 4</p><p>6921 TD Duiven</p>", "hq_city") == ["Duiven"]
    assert values("<p>Via Valsorda 12</p><p>25124 Brescia (BS)</p><p>Brescia, Italia</p>", "hq_city") == ["Brescia"]
    assert values("<p>2960 Brecht, België</p>", "hq_country") == ["Belgium"]  # elektriciteitmb.be


def test_a_hosts_address_is_not_the_company_address():
    # m-patachon.fr (real-web dev half): the mentions légales name the web host's address
    html = (
        "<p>Petit Quevilly — 7 Rue Hélène Boucher, 76100 Rouen</p><p>Hébergement :</p>"
        "<p>7 place de la Gare, BP 70109, 57200 Sarreguemines Cedex, France</p>"
    )
    assert values(html, "hq_city") == ["Rouen"]


def test_city_in_prose_only_when_the_gazetteer_knows_it():
    # kristall-reinigung (real-web): "Kristall Reinigung ist ein Familienunternehmen aus Wesel."
    assert values("<p>Kristall Reinigung ist ein Familienunternehmen aus Wesel.</p>", "hq_city") == ["Wesel"]
    assert values("<p>Frische Ideen aus Liebe zum Detail.</p>", "hq_city") == []


def test_parse_address_shapes():
    assert parse_address(["500 Howard St", "San Francisco", "CA 94105", "USA"]) == (
        "San Francisco",
        "CA",
        "United States",
    )
    assert parse_address(["1 Old Street", "London EC1V 9HL", "United Kingdom"]) == ("London", "", "United Kingdom")
    assert parse_address(["Rue de Rivoli 12", "75001 Paris", "France"]) == ("Paris", "", "France")
    assert parse_address(["CH-8001 Zürich", "Schweiz"]) == ("Zürich", "", "Switzerland")
    assert parse_address(["We ship to", "France"]) is None


def test_a_career_is_not_a_founding_year():
    # buhlke.de (real-web dev half)
    html = "<p>Ich bin seit 2010 als Rechtsanwalt tätig und biete Ihnen umfassende Beratung.</p>"
    assert values(html, "founded_year") == []
    assert values("<p>Die Firma Pfaff steht seit 1998 für fachgerechte Baumpflege.</p>", "founded_year") == [1998]
