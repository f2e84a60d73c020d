"""Per-row checks: skip reasons, website normal form, duplicates."""

from __future__ import annotations

import pytest

from service.domain import CompanyInput, ErrorKind
from service.errors import InputError
from service.files.companies import duplicate_of, normalize_name, validate_company
from service.files.websites import normalize_website


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("acme.com", "https://acme.com/"),
        ("  https://WWW.Acme.COM/About  ", "https://www.acme.com/About"),
        ("http://acme.com:80/x#frag", "http://acme.com/x"),
        ("acme.com:8080/shop", "https://acme.com:8080/shop"),
        ("münchen.de", "https://xn--mnchen-3ya.de/"),
        ("http://127.0.0.1:8765/", "http://127.0.0.1:8765/"),
        ("", ""),
    ],
)
def test_normalize_website(value: str, expected: str) -> None:
    assert normalize_website(value) == expected


@pytest.mark.parametrize(
    ("website", "reason"),
    [
        ("javascript:alert(1)", "javascript: scheme"),
        ("JavaScript:alert(1)", "javascript: scheme"),
        ("file:///etc/passwd", "file: scheme"),
        ("data:text/html,<script>", "data: scheme"),
        ("ftp://acme.com", "ftp: scheme"),
        ("acme", "not a valid host name"),
        ("http://-acme-.com", "not a valid host name"),
        ("hello world.com", "not a valid host name"),
        ("info@acme.com", "looks like an email address"),
        ("https://user:pw@acme.com", "user name or password"),
    ],
)
def test_bad_websites_are_skip_reasons(website: str, reason: str) -> None:
    assert reason in (validate_company(CompanyInput(name="Acme", website=website)) or "")


def test_unsafe_scheme_kind() -> None:
    with pytest.raises(InputError) as caught:
        normalize_website("file:///etc/passwd")
    assert caught.value.kind == ErrorKind.UNSAFE_URL


def test_valid_rows_and_empty_rows() -> None:
    assert validate_company(CompanyInput(name="Acme")) is None
    assert validate_company(CompanyInput(name="", website="acme.com")) is None
    assert validate_company(CompanyInput(name=" ", website=" ")) == "no company name or website in this row"


def test_normalize_name() -> None:
    assert normalize_name("  Société Générale S.A. ") == normalize_name("societe generale")
    assert normalize_name("Acme, Inc.") == "acme"
    assert normalize_name("Inc") == "inc"


def test_duplicates_by_website_then_by_name_without_website() -> None:
    rows = [
        ("r1", CompanyInput("Acme", "acme.com")),
        ("r2", CompanyInput("Acme Europe", "https://www.ACME.com/")),
        ("r3", CompanyInput("Globex GmbH", "")),
        ("r4", CompanyInput("globex", "")),
        ("r5", CompanyInput("Acme", "")),  # a name alone is not compared with rows that have a site
        ("r6", CompanyInput("Acme", "acme.com/fr")),
        ("r7", CompanyInput("Bad", "javascript:x")),
        ("r8", CompanyInput("Bad", "javascript:x")),
    ]
    assert duplicate_of(rows) == {"r2": "r1", "r4": "r3"}
