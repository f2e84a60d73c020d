"""What a user can do about each kind of failure: one short hint per ``ErrorKind``.

The one table of hints. The sheet's status cell (``Row.status_text``), the
files' Error column, the add-on API's failed rows (shown by the sidebar) and
the CLI summary take the hint from here, so a kind reads the same everywhere.
Hints are channel-neutral: they say what the user can do, never a CLI flag or
a sidebar button; the CLI adds its flag where one helps
(``service.cli.render.CLI_SUGGESTIONS``). Every ``ErrorKind`` has a hint (a
test checks it); "retry later" marks the kinds ``--retry-failed`` / "Retry
failed rows" try again, which follows ``ErrorKind.retryable``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # model.py imports this module (Row.status_text): no runtime import back
    from service.domain.model import ErrorKind

HINTS: dict[str, str] = {  # by ErrorKind value
    "timeout": "the site answered too slowly; retry later",
    "ssl": "the site's HTTPS certificate is broken; check the address (http:// or another domain)",
    "connection": "the site could not be reached; retry later",
    "dns": "the domain does not resolve; check the website for a typo or a dead domain",
    "rate_limit": "the site asked for fewer visits; retry later",
    "server_error": "the site had an internal error; retry later",
    "http_error": "the page does not exist (4xx); check the website address",
    "blocked": "the site refuses automated visits; research this company by hand",
    "bot_challenge": "the site shows a bot challenge (CAPTCHA); research this company by hand",
    "parked_domain": "the domain is parked or for sale; find the company's current website",
    "robots_disallowed": "the site's robots.txt forbids crawling; Rowscout respects it",
    "not_html": "the address is a file (PDF, image...), not a web page; give the homepage",
    "too_large": "the page is larger than Rowscout reads; give a smaller page such as the homepage",
    "parse": "the page could not be read; check the website opens in a browser",
    "no_website_found": "no website was found for this name; add the website to the row",
    "ambiguous_website": "two websites fit this name equally well; add the right website to the row",
    "search_config": "the web search provider refused Rowscout's key; the operator must fix the search setting",
    "unsafe_url": "the address is not a public http(s) web address; fix the website cell",
    "invalid_input": "the row's input is not usable; fix the name or website cell",
    "not_found": "it no longer exists; check the job id or the row",
    "forbidden": "you are not allowed to do this; ask the owner to share it with you",
    "sheets": "Google Sheets was unavailable; retry later",
    "sheets_permanent": "the sheet cannot be written (deleted, protected or not shared); fix it, then retry",
    "backend": "Rowscout's job store or queue was unavailable; retry later",
    "lease_busy": "another worker was busy with this row; retry later",
    "cancelled": "the job was cancelled before this row was researched; start a new job",
    "internal": "an unexpected error in Rowscout; retry, and report it if it happens again",
}

STATUS_MESSAGE_CHARS = 160  # a failed status cell's message is cut here, so its hint always shows
HINT_LEAD = "What to do: "


def hint_for(kind: ErrorKind | str | None) -> str:
    """The hint for ``kind`` (a kind or its value); a generic one for an unknown or missing kind."""
    value = str(getattr(kind, "value", kind) or "")
    return HINTS.get(value, HINTS["internal"])


def failed_status(kind: ErrorKind | str | None, message: str = "") -> str:
    """A failed row's status cell: ``failed: <kind> — <message>. What to do: <hint>``.

    The first words stay ``failed: <kind>`` (the sidebar, Apps Script and
    tests read them); the message is one line of at most
    ``STATUS_MESSAGE_CHARS`` (cut at a word, with "…"), so the cell stays
    short enough to read and the hint is never cut off.
    """
    value = str(getattr(kind, "value", kind) or "") or "error"
    text = " ".join(message.split())
    if len(text) > STATUS_MESSAGE_CHARS:
        cut = text[: STATUS_MESSAGE_CHARS - 1]
        text = (cut.rsplit(" ", 1)[0] if " " in cut[STATUS_MESSAGE_CHARS // 2 :] else cut).rstrip(" ,;:") + "…"
    head = f"failed: {value} — {text.rstrip('.')}" if text else f"failed: {value}"
    return f"{head}{' ' if head.endswith('…') else '. '}{HINT_LEAD}{hint_for(kind)}"
