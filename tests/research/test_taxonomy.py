"""The offline industry classifier."""

import pytest

from service.research.taxonomy import INDUSTRY_NAMES, classify_industry, industry_scores


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
