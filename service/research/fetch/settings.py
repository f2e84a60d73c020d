"""``FetchSettings``: the crawler's limits (redirects, bytes, timeouts, politeness), as one value."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_USER_AGENT = "RowscoutBot/0.1 (+https://github.com/rowscout; company research)"
TIMEOUT_GROWTH = 1.5  # each retry gets 50 % more time: 20 → 30 → 45 s
MAX_TIMEOUT_STEPS = 2  # ... and no more than two steps up


@dataclass(frozen=True)
class FetchSettings:
    user_agent: str = DEFAULT_USER_AGENT
    max_redirects: int = 5
    max_bytes: int = 3_000_000  # decoded body cap (gzip bombs stop early)
    page_timeout: float = 20.0  # first try; grows on retry: 20 → 30 → 45, capped
    allow_loopback: bool = False  # tests and the local fixture web only
    per_host_concurrency: int = 2
    max_pages: int = 8  # per company, homepage included

    def timeout_for(self, attempt: int) -> float:
        """The page timeout for the given attempt (1 = first try), growing then capped."""
        steps = min(max(attempt, 1) - 1, MAX_TIMEOUT_STEPS)
        return self.page_timeout * TIMEOUT_GROWTH**steps
