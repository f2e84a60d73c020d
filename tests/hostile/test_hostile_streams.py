"""Sites that misbehave below HTML: malformed redirects, bodies that dribble or never end, compression bombs.

Each site is a raw loopback server (``rawweb.RawWeb``). As the homepage, each
ends the company with a clear kind; as secondary pages of a good homepage,
they never fail the company (its facts are still found). Page timeouts are
short, so a hang would show as a pytest timeout, not as a slow pass.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator

import pytest

from service.domain import CompanyInput, ErrorKind, ResearchOptions, ResearchOutcome
from service.research.engine import WebResearcher
from service.research.fetch import FetchSettings
from tests.hostile.rawweb import RawWeb, Route, dribble, encoded, endless, page, redirect

SETTINGS = FetchSettings(allow_loopback=True, page_timeout=1.0, max_pages=8)


def _bomb(wbits: int, size: int = 30_000_000) -> bytes:
    """``size`` zero bytes compressed (gzip: wbits 31, zlib: 15, raw deflate: -15), ~1,000 times smaller."""
    packer = zlib.compressobj(6, zlib.DEFLATED, wbits)
    zeros = b"\0" * 1_000_000
    return b"".join(packer.compress(zeros) for _ in range(size // len(zeros))) + packer.flush()


GZIP_BOMB = _bomb(31)
HOSTILE: dict[str, Route] = {
    "/no-slash-redirect": redirect("http:127.0.0.1:1/r"),
    "/bad-idna-redirect": redirect("http://xn--zz.com/"),
    "/emoji-host-redirect": redirect("http://xn--ls8h.la/"),
    "/slowloris": dribble(),
    "/endless": endless(),
    "/gzip-bomb": encoded("gzip", GZIP_BOMB),
    "/deflate-bomb": encoded("deflate", _bomb(15)),
    "/brotli": encoded("br", b"\x1b\xff\xff\xff" + bytes(range(256)) * 8),
    "/zstd": encoded("zstd", b"\x28\xb5\x2f\xfd" + bytes(256)),
}
# homepage path -> allowed kinds (None: the company is researched)
AS_HOME: dict[str, set[ErrorKind | None]] = {
    "/no-slash-redirect": {ErrorKind.HTTP_ERROR},
    "/bad-idna-redirect": {ErrorKind.HTTP_ERROR},
    "/emoji-host-redirect": {ErrorKind.HTTP_ERROR, ErrorKind.UNSAFE_URL},
    "/slowloris": {ErrorKind.TIMEOUT},
    "/endless": {None},  # cut at the byte cap and researched
    "/gzip-bomb": {ErrorKind.TOO_LARGE},
    "/deflate-bomb": {ErrorKind.TOO_LARGE},
    "/brotli": {ErrorKind.PARSE},  # never asked for: refused unread
    "/zstd": {ErrorKind.PARSE},
}
LINKS = {path: f"/about{path}" for path in HOSTILE}  # "about" pages are the first the crawler picks
HOME = (
    "<!doctype html><html><head><title>Sturdy GmbH</title></head><body><h1>Sturdy GmbH</h1>"
    "<p>Sturdy GmbH builds bridges that stay up. Write to hello@sturdy.example.</p>"
    + "".join(f'<a href="{link}">About us {i}</a>' for i, link in enumerate(LINKS.values()))
    + "</body></html>"
)


@pytest.fixture(scope="module")
def web() -> Iterator[RawWeb]:
    routes = {**HOSTILE, **{link: HOSTILE[path] for path, link in LINKS.items()}, "/": page(HOME)}
    with RawWeb(routes) as server:
        yield server


def _research(url: str, timeout: float = 10.0) -> ResearchOutcome:
    researcher = WebResearcher(SETTINGS)
    return researcher.research(CompanyInput("Sturdy", url), ResearchOptions(timeout=timeout))


@pytest.mark.timeout(60)
@pytest.mark.parametrize("path", list(AS_HOME))
def test_a_hostile_homepage_ends_with_a_clear_kind(web: RawWeb, path: str) -> None:
    outcome = _research(web.url(path))
    assert outcome.error_kind in AS_HOME[path], (outcome.error_kind, outcome.error_message)
    if outcome.error_kind is not None:
        assert 0 < len(outcome.error_message) < 400 and "Traceback" not in outcome.error_message
    if path.endswith("redirect"):
        assert outcome.error_kind != ErrorKind.HTTP_ERROR or "malformed" in outcome.error_message


@pytest.mark.timeout(60)
def test_hostile_secondary_pages_never_fail_the_company(web: RawWeb) -> None:
    outcome = _research(web.url("/"), timeout=20.0)
    assert outcome.error_kind is None, outcome.error_message
    assert outcome.profile.emails == ["hello@sturdy.example"]
    fetched = {path for path, _ in web.seen}
    assert len(fetched & set(LINKS.values())) >= 6  # the hostile pages were really tried


@pytest.mark.timeout(60)
def test_we_never_ask_for_brotli_or_zstd(web: RawWeb) -> None:
    _research(web.url("/brotli"))
    accepted = {headers.get("accept-encoding", "") for path, headers in web.seen if path == "/brotli"}
    assert accepted == {"gzip, deflate"}
