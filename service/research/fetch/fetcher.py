"""``SafeFetcher``: fetch one URL safely (async, httpx inside).

Every hop of a redirect chain is parsed and vetted by the SSRF guard, and the
connection goes to the vetted IP (the URL is rewritten to the IP, the ``Host``
header and TLS SNI keep the name), so DNS rebinding cannot slip in between
check and connect. Redirects are followed by hand (at most ``max_redirects``,
loops refused; a ``Location`` that cannot be parsed is ``http_error``, "malformed
redirect"); bodies are read with a decoded-byte cap (see ``body``); the
whole fetch runs under one deadline that grows with the attempt number; at
most ``per_host_concurrency`` requests run against one host at a time. Every
failure leaves as a ``ResearchError`` with a kind (``errors_classify``).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass
from types import TracebackType
from urllib.parse import urljoin

import httpx

from service.domain import ErrorKind
from service.domain.errors import BlockedError, ExtractionError, FetchError, ResearchError
from service.research.errors_classify import classify_exception, error_for_status
from service.research.fetch.body import Body, decode_text, read_capped
from service.research.fetch.models import FetchedPage
from service.research.fetch.resolver import Resolver, SystemResolver
from service.research.fetch.settings import FetchSettings
from service.research.fetch.ssrf import VettedTarget, vet

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
CHALLENGE_STATUSES = frozenset({403, 429, 503})
TEXT_TYPES = frozenset({"text/plain", "application/xml", "text/xml", "application/x-gzip"}) | HTML_TYPES
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
ROBOTS_MAX_BYTES = 512_000  # RFC 9309: parse at least 500 KiB


@dataclass(frozen=True)
class _Response:
    status: int
    headers: dict[str, str]
    body: Body


class HostLimiter:
    """At most ``limit`` simultaneous requests per host name."""

    def __init__(self, limit: int) -> None:
        self._limit = max(1, limit)
        self._semaphores: dict[str, asyncio.Semaphore] = defaultdict(lambda: asyncio.Semaphore(self._limit))

    def slot(self, host: str) -> asyncio.Semaphore:
        return self._semaphores[host]


def media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _looks_like_html(data: bytes) -> bool:
    head = data[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<!--"))


class SafeFetcher:
    """Fetches pages under the crawler's rules. Use as ``async with SafeFetcher(...) as fetcher``."""

    def __init__(self, settings: FetchSettings | None = None, *, resolver: Resolver | None = None) -> None:
        self.settings = settings or FetchSettings()
        self._resolver = resolver or SystemResolver()
        self._limiter = HostLimiter(self.settings.per_host_concurrency)
        self._client = httpx.AsyncClient(
            follow_redirects=False,
            trust_env=False,
            timeout=httpx.Timeout(self.settings.page_timeout),
            headers={
                "User-Agent": self.settings.user_agent,
                "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
                "Accept-Encoding": "gzip, deflate",
                "Accept-Language": "en;q=0.9, *;q=0.5",
            },
        )

    async def __aenter__(self) -> SafeFetcher:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    def timeout_for(self, timeout: float | None, attempt: int) -> float:
        """The time allowed for one page: the attempt's timeout, shortened by ``timeout`` if given."""
        limit = self.settings.timeout_for(attempt)
        return max(0.001, min(limit, timeout)) if timeout is not None else limit

    async def fetch(self, url: str, *, timeout: float | None = None, attempt: int = 1) -> FetchedPage:
        """Fetch an HTML page; raises a ``ResearchError`` with the right ``ErrorKind`` on failure."""
        page = await self._fetch(url, self.timeout_for(timeout, attempt), self.settings.max_bytes, HTML_TYPES)
        error = error_for_status(page.status, url=url, headers=page.headers)
        if error is not None:
            raise challenge_error(page, url) or error
        if page.content_type not in HTML_TYPES and not (page.content_type == "" and page.text):
            raise ExtractionError(f"{url} is not a web page ({page.content_type})", kind=ErrorKind.NOT_HTML)
        return page

    async def fetch_text(
        self, url: str, *, timeout: float | None = None, max_bytes: int = ROBOTS_MAX_BYTES
    ) -> FetchedPage:
        """Fetch robots.txt or a sitemap: any status is returned (not raised); any type is decoded."""
        return await self._fetch(url, self.timeout_for(timeout, 1), max_bytes, None)

    async def _fetch(self, url: str, limit: float, max_bytes: int, html_only: frozenset[str] | None) -> FetchedPage:
        try:
            async with asyncio.timeout(limit):
                return await self._follow(url, limit, max_bytes, html_only)
        except ResearchError:
            raise
        except TimeoutError as exc:
            raise FetchError(f"{url} did not answer within {limit:g} s", kind=ErrorKind.TIMEOUT) from exc
        except Exception as exc:  # every other failure gets a kind too (never an ``internal`` row)
            raise classify_exception(exc, url=url) from exc

    async def _follow(self, url: str, limit: float, max_bytes: int, html_only: frozenset[str] | None) -> FetchedPage:
        current, redirects = url, list[str]()
        seen: set[str] = set()
        for _hop in range(self.settings.max_redirects + 1):
            vetted = await asyncio.to_thread(vet, current, self._resolver, allow_loopback=self.settings.allow_loopback)
            if vetted.target.url in seen:
                raise FetchError(f"{url} redirects in a loop", kind=ErrorKind.HTTP_ERROR)
            seen.add(vetted.target.url)
            response = await self._request(vetted, limit, max_bytes, html_only)
            location = response.headers.get("location")
            if response.status not in REDIRECT_STATUSES or not location:
                return self._page(url, vetted.target.url, response, tuple(redirects))
            current = urljoin(vetted.target.url, location.strip())
            redirects.append(current)
        raise FetchError(f"{url} redirects more than {self.settings.max_redirects} times", kind=ErrorKind.HTTP_ERROR)

    async def _request(
        self, vetted: VettedTarget, limit: float, max_bytes: int, html_only: frozenset[str] | None
    ) -> _Response:
        target = vetted.target
        extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
        request = self._client.build_request(
            "GET",
            vetted.connect_url,
            headers={"Host": target.host_header},
            extensions=extensions,
            timeout=httpx.Timeout(limit),
        )
        async with self._limiter.slot(target.host):
            try:
                response = await self._client.send(request, stream=True)
            except (httpx.InvalidURL, UnicodeError) as exc:  # httpx parses Location even when not following
                raise FetchError(
                    f"{target.url} redirected to a malformed address ({exc})"[:300], kind=ErrorKind.HTTP_ERROR
                ) from exc
            try:
                return await self._read(response, max_bytes, html_only)
            finally:
                await response.aclose()

    async def _read(self, response: httpx.Response, max_bytes: int, html_only: frozenset[str] | None) -> _Response:
        headers = {k.lower(): v for k, v in response.headers.items()}
        status = response.status_code
        wanted = html_only is not None and 200 <= status < 300
        ctype = media_type(headers.get("content-type", ""))
        if status in REDIRECT_STATUSES or (wanted and ctype and ctype not in HTML_TYPES):
            return _Response(status, headers, Body(b"", truncated=False))
        body = await read_capped(response.aiter_raw(), headers.get("content-encoding", ""), max_bytes)
        if wanted and not ctype and not _looks_like_html(body.data):
            return _Response(status, headers, Body(b"", truncated=False))
        return _Response(status, headers, body)

    def _page(self, url: str, final_url: str, response: _Response, redirects: tuple[str, ...]) -> FetchedPage:
        content_type = response.headers.get("content-type", "")
        text, charset = decode_text(response.body.data, content_type, truncated=response.body.truncated)
        return FetchedPage(
            url=url,
            final_url=final_url,
            status=response.status,
            headers=response.headers,
            content_type=media_type(content_type),
            text=text,
            redirects=redirects,
            truncated=response.body.truncated,
            charset=charset,
        )


def challenge_error(page: FetchedPage, url: str) -> BlockedError | None:
    """A bot challenge served with an error status (Cloudflare answers 403/429/503) is a bot challenge."""
    if page.status not in CHALLENGE_STATUSES or not page.text:
        return None
    from service.research.extract.detectors import strong_challenge_marker

    reason = strong_challenge_marker(page.text)
    if not reason:
        return None
    return BlockedError(f"{url} shows a bot challenge ({reason!r})", kind=ErrorKind.BOT_CHALLENGE)
