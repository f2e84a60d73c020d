"""What a fetch returns: ``FetchedPage``."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FetchedPage:
    """One fetched resource.

    ``text`` holds at most ``FetchSettings.max_bytes`` decoded bytes; when the
    body was longer it was cut there and ``truncated`` is True.
    """

    url: str  # the URL asked for
    final_url: str  # after redirects
    status: int
    headers: dict[str, str]  # lower-case names
    content_type: str  # e.g. "text/html"
    text: str  # decoded with the charset from headers/meta/detection
    redirects: tuple[str, ...] = ()
    truncated: bool = False
    charset: str = field(default="", compare=False)
