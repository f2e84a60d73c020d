"""Per-row checks: skip reasons, website normal form, and the one duplicate rule (``RowScreen``)."""

from __future__ import annotations

import pytest

from service.domain import CompanyInput, ErrorKind
from service.domain.companies import RowScreen, count_researchable, normalize_name, validate_company
from service.domain.errors import InputError
from service.domain.websites import normalize_website


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


DUPLICATE_ROWS = [
    (1, CompanyInput("Acme", "acme.com")),
    (2, CompanyInput("Acme Europe", "https://www.ACME.com/")),
    (3, CompanyInput("Globex GmbH", "")),
    (4, CompanyInput("globex", "")),
    (5, CompanyInput("Acme", "")),  # a name alone is not compared with rows that have a site
    (6, CompanyInput("Acme", "acme.com/fr")),  # a page of the same site: the same company (issue 17)
    (7, CompanyInput("Bad", "javascript:x")),
    (8, CompanyInput("Bad", "javascript:x")),
]


def test_duplicates_by_website_then_by_name_without_website() -> None:
    screen = RowScreen()
    reasons = {position: screen.skip_reason(position, company) for position, company in DUPLICATE_ROWS}
    duplicates = {position: reason for position, reason in reasons.items() if reason and "duplicate" in reason}
    assert duplicates == {2: "duplicate of row 1", 4: "duplicate of row 3", 6: "duplicate of row 1"}
    assert reasons[1] is None and reasons[3] is None and reasons[5] is None
    # an invalid row is skipped for its own reason, never as a duplicate of another invalid row
    assert reasons[7] == reasons[8] == validate_company(CompanyInput("Bad", "javascript:x"))


def test_screen_names_the_first_row_even_when_asked_again() -> None:
    screen = RowScreen()
    assert screen.skip_reason(4, CompanyInput("Acme", "acme.com")) is None
    assert screen.skip_reason(4, CompanyInput("Acme", "acme.com")) is None  # the same row asked twice
    assert screen.skip_reason(9, CompanyInput("ACME Inc", "http://acme.com")) == "duplicate of row 4"


def test_count_researchable_uses_the_same_rule() -> None:
    assert count_researchable(DUPLICATE_ROWS) == (3, 5)
    assert count_researchable([]) == (0, 0)
    assert count_researchable([(1, CompanyInput("Acme")), (2, CompanyInput("Globex"))]) == (2, 0)
