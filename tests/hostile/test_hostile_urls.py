"""Hostile URLs: every spelling of a private, loopback, link-local or metadata address is refused.

Checked at three layers: the SSRF guard (``vet``), the input check that
turns a website cell into a row to research (``validate_company``), and the
whole research engine (the row fails with ``unsafe_url`` and nothing is
fetched). IDN homographs are converted to punycode without crashing;
userinfo tricks never smuggle a host past the guard.
"""

from __future__ import annotations

import pytest

from service.domain import CompanyInput, ErrorKind, ResearchOptions
from service.domain.companies import validate_company
from service.domain.errors import InputError, UnsafeUrlError
from service.domain.websites import normalize_website
from service.research.engine import WebResearcher
from service.research.fetch import FetchSettings, StaticResolver, parse_target, vet

PUBLIC = "93.184.216.34"
RESOLVER = StaticResolver(
    {
        "example.com": [PUBLIC],
        "xn--pple-43d.com": [PUBLIC],
        "xn--n3h.net": [PUBLIC],
        "rebind.example": [PUBLIC, "10.0.0.1"],
        "six.example": ["::1"],
        "mapped.example": ["::ffff:169.254.169.254"],
        "linklocal.example": ["fe80::1%eth0"],
        "zero.example": ["0.0.0.0"],
    }
)

PRIVATE_SPELLINGS = [
    "http://127.0.0.1/",
    "http://127.0.0.1./",
    "http://127.1/",
    "http://2130706433/",
    "http://0x7f000001/",
    "http://0x7F.0x0.0x0.0x1/",
    "http://0177.0.0.1/",
    "http://017700000001/",
    "http://0x7f.1/",
    "http://0/",
    "http://0.0.0.0/",
    "http://[::]/",
    "http://[::1]/",
    "http://[0:0:0:0:0:0:0:1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/",
    "http://[::ffff:a9fe:a9fe]/",
    "http://[0:0:0:0:0:ffff:169.254.169.254]/",
    "http://[64:ff9b::a9fe:a9fe]/",
    "http://[2002:a9fe:a9fe::1]/",
    "http://[fe80::1]/",
    "http://[fd00::1]/",
    "http://[fe80::1%25eth0]/",
    "http://169.254.169.254/latest/meta-data/",
    "http://2852039166/",
    "http://0xa9fea9fe/",
    "http://0251.0376.0251.0376/",
    "http://10.0.0.1/",
    "http://10.1/",
    "http://172.16.0.1/",
    "http://192.168.1.1:8080/",
    "http://100.64.0.1/",
    "http://224.0.0.1/",
    "http://255.255.255.255/",
    "http://240.0.0.1/",
    "http://localhost/",
    "http://LOCALHOST./",
    "http://LocalHost:80/",
    "http://a.localhost/",
    "http://metadata/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://METADATA.GOOGLE.INTERNAL./",
    "http://metadata.goog/",
    "http://anything.internal/",
    "http://%31%32%37.0.0.1/",
    "http://127.0.0.1%2f/",
    "http://rebind.example/",
    "http://six.example/",
    "http://mapped.example/",
    "http://linklocal.example/",
    "http://zero.example/",
    "HTTP://127.0.0.1/",
    "https://[::ffff:10.0.0.1]:443/",
]

BAD_SCHEMES = [
    "file:///etc/passwd",
    "FILE:///C:/Windows/win.ini",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(document.cookie)",
    " javascript:alert(1)",
    "jav\tascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "gopher://127.0.0.1:70/_GET",
    "ftp://example.com/",
    "dict://127.0.0.1:11211/stat",
    "ldap://127.0.0.1/",
    "vbscript:msgbox(1)",
]

USERINFO_TRICKS = [
    "http://example.com@127.0.0.1/",
    "http://user:pass@example.com/",
    "http://example.com:80@169.254.169.254/",
    "http://127.0.0.1#@example.com/",
    "http://example.com\\@127.0.0.1/",
    "http://example.com%40127.0.0.1/",
    "http:/\\127.0.0.1/",
    "http://127.0.0.1\x00.example.com/",
    "http://example.com\r\nHost: 127.0.0.1/",
]


@pytest.mark.parametrize("url", PRIVATE_SPELLINGS + BAD_SCHEMES + USERINFO_TRICKS)
def test_the_guard_refuses(url: str) -> None:
    with pytest.raises(UnsafeUrlError) as caught:
        vet(url, RESOLVER)
    assert caught.value.kind == ErrorKind.UNSAFE_URL
    assert caught.value.message.startswith("refused")


@pytest.mark.parametrize("url", PRIVATE_SPELLINGS)
def test_loopback_allowance_never_opens_other_private_ranges(url: str) -> None:
    """Tests allow loopback for the fixture web; that must not open private or metadata ranges."""
    try:
        vetted = vet(url, RESOLVER, allow_loopback=True)
    except UnsafeUrlError:
        return
    assert vetted.address in ("127.0.0.1", "::1") or vetted.address.startswith("127."), (url, vetted.address)


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("http://аpple.com/", "xn--pple-43d.com"),  # Cyrillic "а": a homograph of apple.com
        ("http://EXAMPLE.com./", "example.com"),
        ("https://Example.COM:443/a?b=c#frag", "example.com"),
    ],
)
def test_idn_and_case_are_normalised(url: str, host: str) -> None:
    target = parse_target(url)
    assert target.host == host and target.host.isascii()
    assert vet(url, RESOLVER).address == PUBLIC


@pytest.mark.parametrize(
    "url",
    [
        "http://xn--/",
        "http://a..b/",
        "http://" + "a" * 300 + ".com/",
        "http://:80/",
        "http://ex ample.com/",
        "http://☃.net/",  # not allowed by IDNA 2008: refused cleanly
        "http://example.com:99999/",
        "http://example.com:-1/",
        "http://[::1/",
        "http://[not-an-ip]/",
    ],
)
def test_malformed_hosts_are_refused_not_crashed(url: str) -> None:
    with pytest.raises(UnsafeUrlError):
        vet(url, RESOLVER)


@pytest.mark.parametrize("website", BAD_SCHEMES[:8] + ["http://user:pass@example.com/", "x" * 5000 + ".com"])
def test_input_rows_with_hostile_websites_are_skipped_with_a_reason(website: str) -> None:
    reason = validate_company(CompanyInput("Acme", website))
    assert reason and "Traceback" not in reason and len(reason) < 300
    with pytest.raises(InputError):
        normalize_website(website)


@pytest.mark.parametrize(
    "website",
    [
        "http://2130706433/",
        "http://[::ffff:169.254.169.254]/",
        "http://metadata.google.internal/",
        "http://rebind.example/",
        "http://example.com@127.0.0.1/",
        "http://0/",
    ],
)
def test_the_engine_fails_the_row_with_unsafe_url(website: str) -> None:
    researcher = WebResearcher(FetchSettings(page_timeout=2.0), resolver=RESOLVER)
    outcome = researcher.research(CompanyInput("Acme", website), ResearchOptions(timeout=5.0))
    assert outcome.error_kind in (ErrorKind.UNSAFE_URL, ErrorKind.INVALID_INPUT), outcome.error_message
    assert outcome.usage.pages_fetched == 0
    assert "Traceback" not in outcome.error_message
