"""Column detection from headers and values (shared with the Sheets adapter)."""

from __future__ import annotations

import pytest

from service.domain.errors import SchemaError
from service.files.schema import detect_columns


@pytest.mark.parametrize(
    ("headers", "row", "name", "website"),
    [
        (["Company", "Website", "Owner"], ["Acme", "acme.com", "Bob"], "Company", "Website"),
        (["company_name", "web_site"], ["Acme", "acme.com"], "company_name", "web_site"),
        (["  COMPANY NAME ", "URL"], ["Acme", "https://acme.com"], "  COMPANY NAME ", "URL"),
        (["Organisation", "Homepage"], ["Acme", "acme.com"], "Organisation", "Homepage"),
        (["Organization", "Domain"], ["Acme", "acme.com"], "Organization", "Domain"),
        (["Account Name", "Company URL", "First Name"], ["Acme", "acme.com", "Bob"], "Account Name", "Company URL"),
        (["Business", "Site"], ["Acme", "acme.com"], "Business", "Site"),
        (["Firm", "Web"], ["Acme", "acme.com"], "Firm", "Web"),
        (["Brand", "Website"], ["Acme", "acme.com"], "Brand", "Website"),
        (["Empresa", "Sitio web"], ["Telefónica", "telefonica.es"], "Empresa", "Sitio web"),
        (["Société", "Site Web"], ["Danone", "danone.fr"], "Société", "Site Web"),
        (["Nom de l'entreprise", "Site internet"], ["Danone", "danone.fr"], "Nom de l'entreprise", "Site internet"),
        (["Unternehmen", "Webseite"], ["Siemens AG", "siemens.de"], "Unternehmen", "Webseite"),
        (["Firma", "Homepage"], ["Bosch", "bosch.de"], "Firma", "Homepage"),
        (["Entreprise", "URL"], ["Danone", "danone.fr"], "Entreprise", "URL"),
    ],
)
def test_headers_in_many_languages(headers: list[str], row: list[str], name: str, website: str) -> None:
    columns = detect_columns(headers, [row])
    assert (columns.name, columns.website) == (name, website)
    assert columns.reasons


def test_company_beats_person_name_and_social_links_are_not_the_website() -> None:
    headers = ["Name", "Company", "LinkedIn URL", "Company Size", "Domain"]
    row = ["Jane Doe", "Acme", "https://linkedin.com/company/acme", "51-200", "acme.com"]
    columns = detect_columns(headers, [row])
    assert (columns.name, columns.website) == ("Company", "Domain")


def test_website_found_from_values_when_header_is_odd() -> None:
    rows = [["Acme Corp", "acme.com", "12"], ["Globex", "https://globex.io", "7"], ["Initech", "initech.co.uk", "3"]]
    columns = detect_columns(["Who", "Where", "Count"], rows)
    assert columns.website == "Where"
    assert any("3 of 3 values" in r for r in columns.reasons)


def test_header_named_website_but_values_are_not_urls_loses_to_a_url_column() -> None:
    rows = [["n/a", "acme.com"], ["unknown", "globex.com"], ["later", "initech.com"]]
    assert detect_columns(["Website", "Links"], rows).website == "Links"


def test_website_only_table_is_allowed() -> None:
    columns = detect_columns(["Website", "Notes"], [["acme.com", "call back"]])
    assert columns.website == "Website"
    assert columns.name is None


def test_generic_headers_use_values() -> None:
    rows = [["Acme Corp", "acme.com"], ["Globex", "globex.com"], ["Initech", "initech.com"]]
    columns = detect_columns(["Column 1", "Column 2"], rows)
    assert (columns.name, columns.website) == ("Column 1", "Column 2")


def test_person_columns_are_never_companies() -> None:
    with pytest.raises(SchemaError, match="no recognisable company column; headers are: 'First Name'"):
        detect_columns(["First Name", "Last Name", "Email"], [["Bob", "Smith", "bob@acme.com"]])


@pytest.mark.parametrize("override", ["notes", "C", "c", "3"])
def test_override_by_header_letter_or_index(override: str) -> None:
    columns = detect_columns(["Company", "Website", "Notes"], [["Acme", "acme.com", "x"]], name_column=override)
    assert columns.name == "Notes"
    assert columns.website == "Website"
    assert "chosen by the user" in columns.reasons[-1]


def test_website_override_is_excluded_from_name_detection() -> None:
    columns = detect_columns(["Company", "Other"], [["Acme", "acme.com"]], website_column="Company")
    assert columns.website == "Company"
    assert columns.name != "Company"


def test_column_letters_beyond_z() -> None:
    headers = [f"h{i}" for i in range(30)]
    headers[27] = "Company"
    assert detect_columns(headers, [], name_column="AB").name == "Company"


@pytest.mark.parametrize("override", ["Missing", "Z", "0", "9"])
def test_unknown_override_lists_the_headers(override: str) -> None:
    with pytest.raises(SchemaError, match=r"columns are: 'Company', 'Website'"):
        detect_columns(["Company", "Website"], [], website_column=override)


def test_no_company_column() -> None:
    with pytest.raises(SchemaError, match="no recognisable company column; headers are: 'Price', 'Qty'"):
        detect_columns(["Price", "Qty"], [["3", "4"]])
