"""The offline industry classifier."""

import pytest

from service.research.taxonomy import INDUSTRY_NAMES, classify_industry, industry_of_types, industry_scores


@pytest.mark.parametrize(
    ("title", "text", "industry"),
    [
        ("Acme Robotics — autonomous mobile robots", "Our robots automate warehouse picking.", "Robotics & Automation"),
        (
            "Kaffeerösterei Braun",
            "Frisch gerösteter Kaffee aus unserer Rösterei in Hamburg. Bio-Kaffee.",
            "Food & Beverage",
        ),
        (
            "Cabinet Durand & Associés — avocats",
            "Le cabinet d'avocats accompagne ses clients en droit.",
            "Legal Services",
        ),
        (
            "SolarSur — energía solar",
            "Instalamos paneles de energía solar y baterías para hogares.",
            "Energy & Utilities",
        ),
        (
            "Ledgerly",
            "Ledgerly is a SaaS platform: invoices, dashboards and integrations. Free trial.",
            "Software & SaaS",
        ),
    ],
)
def test_classifies_clear_cases(title, text, industry):
    assert classify_industry(text, title=title) == industry


def test_returns_empty_when_unsure():
    assert classify_industry("Welcome to our website. Read more about us.", title="Home") == ""
    # a tie between two industries is not a decision
    assert classify_industry("robotics and solar", title="") == ""


def test_deterministic_and_word_bounded():
    text = "Our bakery sells bread and coffee."
    first, second = classify_industry(text, title="Bakery"), classify_industry(text, title="Bakery")
    assert (first, second) == ("Food & Beverage", "Food & Beverage")
    assert "Telecommunications" not in industry_scores("simple sims", title="")  # 'sim' inside words does not count


def test_taxonomy_size_and_docs_are_in_sync():
    assert 24 <= len(INDUSTRY_NAMES) <= 30
    with open("service/research/TAXONOMY.md", encoding="utf-8") as handle:
        doc = handle.read()
    assert all(f"### {name}" in doc for name in INDUSTRY_NAMES)


def test_one_repeated_word_is_not_enough():
    title = "Nimbus is a weather API and dashboard for developers and logistics planners."
    assert classify_industry("", title=title) == ""


def test_small_business_industries_in_several_languages():
    # real-web dev half: ca-mahesh.github.io, stadtbarbier-lounge.de, brabantschoon.nl, buhlke.de
    accountants = "Mahesh Bandi & Associates is a leading chartered accountancy firm. Audit, income tax, GST, payroll."
    assert classify_industry(accountants, title="CA Mahesh Bandi") == "Accounting & Tax Services"
    barber = "Premium Barber Shop Experience in Lingen. Haarschnitt, Bart, Rasur."
    assert classify_industry(barber, title="Stadtbarbier Lounge | Premium Barber & Club Experience") == (
        "Beauty & Personal Care"
    )
    cleaning = "Brabantschoon is uw schoonmaakpartner voor kantoren. Glasbewassing en kantoorreiniging."
    assert classify_industry(cleaning, title="Schoonmaakbedrijf in Brabant") == "Facility Services & Cleaning"
    lawyer = "Ich biete Ihnen Beratung und Vertretung in allen Angelegenheiten des Strafrechts."
    assert classify_industry(lawyer, title="Kanzlei Buhlke | Strafrecht, Jugendstrafrecht & Verkehrsrecht") == (
        "Legal Services"
    )


def test_schema_types_name_an_industry_only_when_unambiguous():
    assert industry_of_types({"LocalBusiness", "CleaningService"}) == "Facility Services & Cleaning"
    assert industry_of_types({"LodgingBusiness"}) == "Restaurants & Hospitality"
    assert industry_of_types({"Organization"}) == ""
    assert industry_of_types({"Attorney", "Bakery"}) == ""
