"""robots.txt under RFC 9309, parsed with protego.

* 2xx → the file's rules (for our product token, else ``*``);
* 4xx (except 429) → no rules: everything is allowed;
* 5xx or 429 → the site is "unreachable": nothing may be crawled. We raise
  the retryable ``server_error`` / ``rate_limit`` error rather than a
  permanent ``robots_disallowed`` because the condition is temporary;
* a network failure (timeout, DNS, connection, unsafe address) is raised as
  is: the homepage lives on the same server and would fail the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from protego import Protego

from service.domain import ErrorKind
from service.domain.errors import BlockedError, FetchError
from service.research.errors_classify import error_for_status
from service.research.fetch.fetcher import SafeFetcher


@dataclass(frozen=True)
class RobotsPolicy:
    """What robots.txt lets ``user_agent`` fetch on one origin."""

    user_agent: str
    rules: Protego | None = None  # None: allow everything
    sitemaps: tuple[str, ...] = field(default=())
    deny_all: bool = False

    def allowed(self, url: str) -> bool:
        if self.deny_all:
            return False
        return self.rules is None or bool(self.rules.can_fetch(url, self.user_agent))

    def check(self, url: str) -> None:
        """Raise ``BlockedError(kind=ROBOTS_DISALLOWED)`` if ``url`` may not be fetched."""
        if not self.allowed(url):
            raise BlockedError(f"robots.txt does not allow fetching {url}", kind=ErrorKind.ROBOTS_DISALLOWED)


def product_token(user_agent: str) -> str:
    """``RowscoutBot/0.1 (+...)`` → ``RowscoutBot`` (what robots.txt groups match on)."""
    return user_agent.split("/", 1)[0].split(" ", 1)[0] or user_agent


def robots_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/robots.txt", "", ""))


async def load_robots(fetcher: SafeFetcher, url: str, *, timeout: float | None = None) -> RobotsPolicy:
    """Fetch and parse the robots.txt of ``url``'s origin (see the module doc for the rules)."""
    agent = product_token(fetcher.settings.user_agent)
    page = await fetcher.fetch_text(robots_url(url), timeout=timeout)
    if page.status == 429 or page.status >= 500:
        error = error_for_status(page.status, url=robots_url(url), headers=page.headers)
        kind = error.kind if error is not None else ErrorKind.SERVER_ERROR
        message = f"robots.txt is unavailable ({page.status}), so nothing may be crawled for now"
        raise FetchError(message, kind=kind, retry_after=error.retry_after if error else None)
    if not 200 <= page.status < 300:
        return RobotsPolicy(agent)
    rules = Protego.parse(page.text)
    return RobotsPolicy(agent, rules, tuple(rules.sitemaps))
