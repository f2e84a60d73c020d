"""Pages that are not the company: bot challenges and parked domains.

``check_page(html, text)`` raises ``BlockedError`` with kind
``BOT_CHALLENGE`` (Cloudflare "Just a moment...", "Checking your browser",
captcha walls, "Attention Required!") or ``PARKED_DOMAIN`` ("This domain is
for sale", parking services such as Sedo, Dan.com, Afternic, Bodis).
Strong markers count anywhere; weak ones (a captcha widget, a link to a
domain marketplace) only on a page with little visible text, because real
sites put captchas on contact forms. A captcha widget alone never counts
on a page with a form a visitor fills in (a text area, an email or phone
field): that is a contact form, not a wall. Research fails on these pages.
"""

from __future__ import annotations

import re

from service.domain import ErrorKind
from service.domain.errors import BlockedError

_THIN_PAGE_CHARS = 1500
_CHALLENGE_STRONG = re.compile(
    r"<title>\s*just a moment\.\.\.|checking your browser before accessing|attention required! \| cloudflare"
    r"|cf-browser-verification|cf_chl_opt|/cdn-cgi/challenge-platform",
    re.IGNORECASE,
)
_CHALLENGE_WEAK = re.compile(
    r"verify you are (?:a )?human|are you a robot|checking your browser"
    r"|please enable javascript and cookies to continue|ddos protection by|access denied",
    re.IGNORECASE,
)
_CAPTCHA_WIDGET = re.compile(r"g-recaptcha|h-captcha|captcha", re.IGNORECASE)
_VISITOR_FORM = re.compile(r"<textarea\b|<input\b[^>]{0,300}?\btype\s*=\s*[\"']?(?:email|tel)\b", re.IGNORECASE)
_PARKED_STRONG = re.compile(
    r"this domain (?:name )?(?:is|may be) for sale|buy this domain|this domain is parked|domain parking"
    r"|diese domain steht zum verkauf|ce domaine est à vendre|este dominio está a la venta",
    re.IGNORECASE,
)
_PARKED_WEAK = re.compile(
    r"sedoparking|sedo\.com|dan\.com|afternic|bodis\.com|parkingcrew|hugedomains|inquire about this domain",
    re.IGNORECASE,
)


def bot_challenge_reason(html: str, text: str) -> str:
    reason = _reason(_CHALLENGE_STRONG, _CHALLENGE_WEAK, html, text)
    if reason or len(text) >= _THIN_PAGE_CHARS or _VISITOR_FORM.search(html[:300_000]):
        return reason
    widget = _CAPTCHA_WIDGET.search(html[:300_000])
    return widget.group(0) if widget else ""


def strong_challenge_marker(html: str) -> str:
    """A bot-challenge marker that is certain on any page (used on 403/429/503 answers)."""
    match = _CHALLENGE_STRONG.search(html[:300_000])
    return match.group(0) if match else ""


def parked_reason(html: str, text: str) -> str:
    return _reason(_PARKED_STRONG, _PARKED_WEAK, html, text)


def _reason(strong: re.Pattern[str], weak: re.Pattern[str], html: str, text: str) -> str:
    match = strong.search(html[:300_000])
    if not match and len(text) < _THIN_PAGE_CHARS:
        match = weak.search(html[:300_000])
    return match.group(0) if match else ""


def check_page(html: str, text: str) -> None:
    """Raise ``BlockedError`` when the page is a bot challenge or a parked domain.

    Args:
        html: the raw page.
        text: its visible text (decides whether weak markers count).
    """
    if bot_challenge_reason(html, text):
        raise BlockedError("the site answered with a bot challenge page", kind=ErrorKind.BOT_CHALLENGE)
    if parked_reason(html, text):
        raise BlockedError("the domain is parked or for sale", kind=ErrorKind.PARKED_DOMAIN)
